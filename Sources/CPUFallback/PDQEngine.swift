import CHashKernels
import HashKit

/// PDQ of one decoded picture, computed by the C kernel (Sources/CHashKernels/pdq.c), which
/// keeps Meta's float32 order of operations so the hash and quality equal the `pdqhash`
/// binding's bit for bit.
public enum PDQ {
    /// Scratch memory for PDQ's filter rows could not be had.
    public struct OutOfMemory: Error, CustomStringConvertible {
        public let width: Int
        public let height: Int
        public var description: String {
            "not enough memory for PDQ's scratch rows of a \(width)x\(height) picture (4 bytes a pixel in about 40 rows plus the filter window)"
        }
    }

    /// The picture's PDQ hash (words as `ImageHashes.pdq` holds them) and quality. Grey
    /// pictures are hashed as Pillow's `convert("RGB")` gives them (R = G = B).
    public static func hash(_ image: DecodedImage) throws(OutOfMemory) -> (hash: Hash256, quality: Int) {
        var words = [UInt64](repeating: 0, count: 4)
        var quality: Int32 = 0
        let status = image.pixels.withUnsafeBufferPointer { px in
            words.withUnsafeMutableBufferPointer { w in
                chk_pdq_hash(px.baseAddress, image.width, image.height, image.layout.channels, w.baseAddress, &quality)
            }
        }
        guard status == 0 else { throw OutOfMemory(width: image.width, height: image.height) }
        return (Hash256(words: SIMD4(words[0], words[1], words[2], words[3])), Int(quality))
    }

    /// The 8 variants `pdqhash.compute_dihedral` returns, in `Dihedral.allCases` order (Meta's
    /// original, flipY, flipX, rotate90, rotate180, rotate270, flipPlus1, flipMinus1: Meta's
    /// flipX mirrors the rows top to bottom), and the quality it returns with them. All zero
    /// for a picture too small for PDQ, as the reference.
    public static func dihedral(_ image: DecodedImage) throws(OutOfMemory) -> (variants: [Hash256], quality: Int) {
        var dct = [Float](repeating: 0, count: 256)
        var quality: Int32 = 0
        let status = image.pixels.withUnsafeBufferPointer { px in
            dct.withUnsafeMutableBufferPointer { d in
                chk_pdq_dihedral_dct(px.baseAddress, image.width, image.height, image.layout.channels, d.baseAddress, &quality)
            }
        }
        if status < 0 { throw OutOfMemory(width: image.width, height: image.height) }
        if status > 0 { return (Array(repeating: Hash256(), count: Dihedral.allCases.count), 0) }
        return (variants(of: dct), Int(quality))
    }

    /// `hash` and `dihedral`'s variants of one picture, sharing the luma, filter and DCT work:
    /// outside 64x64 both entries derive from the same coefficients and quality
    /// (`chk_pdq_dihedral_dct` is `chk_pdq_dct` there), and the hash is their bits, as
    /// `chk_pdq_hash` makes it. A 64x64 picture is the one size where they differ (the plain
    /// hash takes its luma as the grid, Meta's dihedral entry filters it), so it gets both
    /// entries; they cost little at that size. The quality is always `hash`'s.
    public static func hashAndDihedral(_ image: DecodedImage) throws(OutOfMemory) -> (hash: Hash256, quality: Int, variants: [Hash256]) {
        if image.width == 64 && image.height == 64 {
            let plain = try hash(image)
            return (plain.hash, plain.quality, try dihedral(image).variants)
        }
        var dct = [Float](repeating: 0, count: 256)
        var quality: Int32 = 0
        let status = image.pixels.withUnsafeBufferPointer { px in
            dct.withUnsafeMutableBufferPointer { d in
                chk_pdq_dct(px.baseAddress, image.width, image.height, image.layout.channels, d.baseAddress, &quality)
            }
        }
        if status < 0 { throw OutOfMemory(width: image.width, height: image.height) }
        // Too small for PDQ: everything zero, as both entries give it.
        if status > 0 { return (Hash256(), 0, Array(repeating: Hash256(), count: Dihedral.allCases.count)) }
        return (bits(dct), Int(quality), variants(of: dct))
    }

    /// The bits of 16x16 coefficients (`chk_pdq_bits`).
    private static func bits(_ coefficients: [Float]) -> Hash256 {
        var words = [UInt64](repeating: 0, count: 4)
        coefficients.withUnsafeBufferPointer { c in
            words.withUnsafeMutableBufferPointer { w in chk_pdq_bits(c.baseAddress!, w.baseAddress!) }
        }
        return Hash256(words: SIMD4(words[0], words[1], words[2], words[3]))
    }

    /// The 8 variants of a picture with these coefficients, in `Dihedral.allCases` order.
    private static func variants(of dct: [Float]) -> [Hash256] {
        guard case .dctCoefficients(let side, let first) = HashFamily.pdq.workingGrid else {
            preconditionFailure("programmer error: PDQ's variants come from its DCT")
        }
        return Dihedral.allCases.map { bits($0.transformedDCT(dct, side: side, firstFrequency: first)) }
    }
}

/// Adds PDQ, computed on the CPU, to another engine's hashes: the CPU engine's, or a device's
/// (PDQ's float32 sums must run in the reference's order, which the OpenCL kernels do not
/// promise, so on a device the CPU computes PDQ while the device computes the other families).
/// The pictures of a batch are hashed in parallel while the wrapped engine works on it.
public final class PDQEngine: HashEngine {
    public let inner: HashEngine

    public init(wrapping inner: HashEngine) { self.inner = inner }

    public var description: EngineDescription {
        var d = inner.description
        d.name += " + PDQ on the CPU"
        return d
    }
    public var preferredBatchPixels: Int { inner.preferredBatchPixels }
    public var families: [HashFamily] { inner.families + [.pdq] }

    public func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
        if batch.count == 1 {
            var h = try inner.hash(batch)
            let p = try PDQ.hash(batch[0])
            h[0].pdq = p.hash
            h[0].pdqQuality = p.quality
            return h
        }
        let pdq = ParallelMap.map(batch) { image in Result { try PDQ.hash(image) } }
        var hashes = try inner.hash(batch)
        for i in hashes.indices {
            let p = try pdq[i].get()
            hashes[i].pdq = p.hash
            hashes[i].pdqQuality = p.quality
        }
        return hashes
    }
}
