/// What every hashing engine (the SIMD CPU fallback, OpenCL devices) provides. The pipeline
/// hands it decoded images in batches and never asks which engine it holds.
///
/// Contract: for the same image every engine returns the same `ImageHashes`, bit for bit, equal
/// to the reference tools (imagehash.phash on Pillow 13, OpenCV BlockMeanHash mode 0).
public protocol HashEngine: AnyObject {
    /// A short description for logs and manifest.json, e.g. "cpu (SIMD, 2 threads)".
    var description: EngineDescription { get }
    /// The largest batch (in pixels) the engine wants at once; the pipeline bounds memory with it.
    var preferredBatchPixels: Int { get }
    /// Hashes every image of the batch, results in batch order.
    func hash(_ batch: [DecodedImage]) throws -> [ImageHashes]
    /// The hash families this engine computes (every `ImageHashes` it returns has them set).
    var families: [HashFamily] { get }
}

extension HashEngine {
    /// Today's engines compute every family; an engine that computes fewer says so.
    public var families: [HashFamily] { HashFamily.all }
}

public struct EngineDescription: Sendable, Equatable {
    /// "cpu" or "opencl".
    public var kind: String
    public var name: String
    /// The OpenCL platform, nil for the CPU fallback.
    public var platform: String?

    public init(kind: String, name: String, platform: String? = nil) {
        self.kind = kind
        self.name = name
        self.platform = platform
    }
}
