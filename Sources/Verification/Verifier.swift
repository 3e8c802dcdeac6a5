import HashKit

/// Two images to re-check, as indices into the image list given to `Verifier.verify`.
public struct CandidatePair: Sendable, Hashable {
    public var a: Int
    public var b: Int
    /// How `a` is turned before it is compared with `b` (a pair matched with `--dihedral`:
    /// the variant of a's hash that matched b's).
    public var transform: Dihedral
    public init(a: Int, b: Int, transform: Dihedral = .identity) {
        self.a = a
        self.b = b
        self.transform = transform
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
        // Each image is decoded once; its signature is made once per way it is turned.
        var used = [Int]()
        var turns = [Int: [Dihedral]]()
        for c in candidates {
            for (i, d) in [(c.a, c.transform), (c.b, Dihedral.identity)] {
                if turns[i] == nil { used.append(i) }
                if !(turns[i]?.contains(d) ?? false) { turns[i, default: []].append(d) }
            }
        }
        // Largest files first: concurrentPerform hands out iterations in index order, so a big
        // picture (a PNG is decoded at full size) started last would run alone on one core at
        // the end. File size is the cost estimate (a `stat`); ties keep first-use order. Only
        // the schedule changes: results are looked up by image index.
        let sizes = used.map { FileSize.bytes(images[$0]) }
        let order = used.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        used = order.map { used[$0] }
        let jobs = used.map { ($0, turns[$0] ?? [.identity]) }
        let signatures = ParallelMap.map(jobs) { job -> [Dihedral: Result<Signature, DecodeError>] in
            let (i, ways) = job
            do throws(DecodeError) {
                let image = try decoder.decodePreview(images[i], minSide: Self.previewSide)
                decoded?(i, image)
                var out = [Dihedral: Result<Signature, DecodeError>]()
                for d in ways { out[d] = .success(Signature(image.transposed(by: d), minFineDetail: measure.policy.minFineDetail)) }
                return out
            } catch {
                return Dictionary(uniqueKeysWithValues: ways.map { ($0, .failure(error)) })
            }
        }
        var byImage = [Int: [Dihedral: Result<Signature, DecodeError>]]()
        for (i, s) in zip(used, signatures) { byImage[i] = s }
        return ParallelMap.map(candidates) { c in
            switch (byImage[c.a]?[c.transform], byImage[c.b]?[.identity]) {
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
