import HashKit

/// The SIMD CPU engine (placeholder until the hashing work lands).
public final class CPUEngine: HashEngine {
    public init() {}
    public var description: EngineDescription { EngineDescription(kind: "cpu", name: "cpu (SIMD)") }
    public var preferredBatchPixels: Int { 1 << 24 }
    public func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] { [] }
}
