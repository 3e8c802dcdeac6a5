import HashKit

/// Two images to re-check, as indices into the image list given to `Verifier.verify`.
public struct CandidatePair: Sendable, Hashable {
    public var a: Int
    public var b: Int
    public init(a: Int, b: Int) {
        self.a = a
        self.b = b
    }
}

/// Re-checks candidate pairs from pixels. Each image is decoded once (at a reduced JPEG scale),
/// images and then pairs in parallel; the work grows with the number of candidates only.
public struct Verifier: Sendable {
    public var measure: Measure
    public var decoder: ImageDecoder
    /// Previews are decoded with a longer side of at least this (libjpeg DCT scaling).
    public static let previewSide = 256
    /// The revision of the verdict arithmetic (Signature and Measure): part of the key under
    /// which a verdict is kept between runs, so bump it whenever a verdict could change.
    public static let revision = 2

    public init(policy: VerificationPolicy = VerificationPolicy(), limits: DecodeLimits = DecodeLimits()) {
        self.measure = Measure(policy: policy)
        self.decoder = ImageDecoder(limits: limits)
    }

    /// The signature of one file, or why it could not be decoded.
    public func signature(pathBytes: [UInt8]) -> Result<Signature, DecodeError> {
        signature(.path(pathBytes))
    }

    /// The signature of the file read from `source`, or why it could not be decoded.
    public func signature(_ source: FileSource) -> Result<Signature, DecodeError> {
        do {
            let image = try decoder.decodePreview(source, minSide: Self.previewSide)
            return .success(Signature(image, minFineDetail: measure.policy.minFineDetail))
        } catch {
            return .failure(error)
        }
    }

    /// One verdict per candidate, in order. `images` are file paths (raw bytes); only those a
    /// candidate names are decoded.
    public func verify(candidates: [CandidatePair], images: [[UInt8]]) -> [Verdict] {
        verify(candidates: candidates, files: images.map { .path($0) })
    }

    /// `verify` with each image's source (dataset files: beneath their root, no link followed).
    /// `decoded` sees every preview decoded (image index, pixels), from any thread: the report
    /// makes its thumbnails from the same previews instead of decoding the pictures again.
    public func verify(candidates: [CandidatePair], files images: [FileSource],
                       decoded: (@Sendable (Int, DecodedImage) -> Void)? = nil) -> [Verdict] {
        var used = [Int]()
        var seen = Set<Int>()
        for c in candidates { for i in [c.a, c.b] where seen.insert(i).inserted { used.append(i) } }
        let signatures = ParallelMap.map(used) { i -> Result<Signature, DecodeError> in
            do throws(DecodeError) {
                let image = try decoder.decodePreview(images[i], minSide: Self.previewSide)
                decoded?(i, image)
                return .success(Signature(image, minFineDetail: measure.policy.minFineDetail))
            } catch {
                return .failure(error)
            }
        }
        var byImage = [Int: Result<Signature, DecodeError>]()
        for (i, s) in zip(used, signatures) { byImage[i] = s }
        return ParallelMap.map(candidates) { c in
            switch (byImage[c.a], byImage[c.b]) {
            case let (.success(x)?, .success(y)?):
                return measure.compare(x, y)
            case let (.failure(e)?, _), let (_, .failure(e)?):
                return Verdict(verified: false, similarity: 0, worstRegion: 0, reason: .different, error: e.description)
            default:
                return Verdict(verified: false, similarity: 0, worstRegion: 0, reason: .different, error: "not decoded")
            }
        }
    }
}
