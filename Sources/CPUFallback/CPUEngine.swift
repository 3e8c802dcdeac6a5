import CHashKernels
import HashKit

/// The SIMD CPU engine: bit-identical to `ReferenceHasher`, built for the hot path.
///
/// Each image is read in one streaming pass for phash (grey conversion and the first LANCZOS
/// pass row by row, two rows at a time) and, for blockmean, only the <= 512 source rows that
/// OpenCV's bilinear 256x256 resize reads. The integer inner loops are C kernels
/// (CHashKernels) that use AVX2 when the CPU has it; the DCT is HashKit's own generic code on
/// `SIMD4<Double>`. `hash` keeps all scratch memory local to the call, so the pipeline may call
/// it from several threads at once; the only shared state is the lock-protected table cache.
public final class CPUEngine: HashEngine {
    private let tables: TableCache
    /// Which C kernel variant runs (`CHK_AVX2`, `CHK_SSE2`, `CHK_PORTABLE`); tests pin each one.
    let variant: Int32

    public convenience init() {
        self.init(variant: chk_best_variant())
    }

    /// `denseLimitBytes`: LANCZOS axes whose table would be larger are filtered in bands with
    /// coefficients made on demand (tests lower it to run the banded passes on small images).
    init(variant: Int32, denseLimitBytes: Int = LanczosAxis.defaultDenseLimitBytes) {
        tables = TableCache(denseLimitBytes: denseLimitBytes)
        self.variant = variant
    }

    public var description: EngineDescription {
        EngineDescription(kind: "cpu", name: "cpu (SIMD, \(String(cString: chk_variant_name(variant))))")
    }
    public var preferredBatchPixels: Int { 1 << 24 }

    public func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
        batch.map(hash)
    }

    public func hash(_ image: DecodedImage) -> ImageHashes {
        let t = tables.tables(width: image.width, height: image.height)
        return image.pixels.withUnsafeBufferPointer { px in
            let src = ImageView(width: image.width, height: image.height, channels: image.layout.channels,
                                pixels: px, variant: variant)
            // blockmean follows the phash pass down the image, reading its rows while cached.
            let blockmean = BlockMeanPass(src, x: t.linearX, y: t.linearY)
            let phash = FastPHash.hash(src, plan: t.lanczos, kernel: t.horizontal) { blockmean.advance(through: $0) }
            return ImageHashes(phash: phash, blockmean: blockmean.finish())
        }
    }
}

extension CPUEngine {
    /// The dihedral variants of `families` for one picture (`Dihedral`, issue 20): each family's
    /// hash of its working grid transposed 8 ways, from one read of the pixels. phash: 8 DCTs of
    /// the transposed 32x32 grid. blockmean: a transpose of the 256x256 grid moves whole 16x16
    /// blocks, and a block's integer sum does not depend on the order of its pixels, so the
    /// block sums are permuted instead of the grid (the tests check both ways agree). PDQ: sign
    /// flips and transposes of its DCT coefficients, as Meta's reference does.
    public func dihedral(_ image: DecodedImage, families: [HashFamily]) throws -> DihedralHashes {
        var out = DihedralHashes()
        if families.contains(.phash) || families.contains(.blockmean) {
            let (small, sums) = grids(image)
            out = Self.variants(small: small, sums: sums, families: families)
        }
        if families.contains(.pdq) {
            out.variants[HashFamily.pdq.id] = try PDQ.dihedral(image).variants.map(\.wordArray)
        }
        return out
    }

    /// `hash` (with PDQ when `families` has it, as `PDQEngine` adds it) and `dihedral` of one
    /// picture from one pass over its pixels: `--dihedral` runs hash each decoded picture once.
    /// phash and blockmean are the bits of the same working grids their variants transpose, so
    /// they equal `hash`'s; PDQ's hash and quality are `PDQ.hash`'s (see
    /// `PDQ.hashAndDihedral`). Throws only when PDQ's scratch memory cannot be had, as
    /// `PDQEngine` would.
    public func hashWithDihedral(_ image: DecodedImage, families: [HashFamily]) throws -> (hashes: ImageHashes, variants: DihedralHashes) {
        let (small, sums) = grids(image)
        var hashes = ImageHashes(phash: small.withUnsafeBufferPointer { FastPHash.dctBits($0.baseAddress!) },
                                 blockmean: BlockMean.bits(blockSums: sums))
        var out = Self.variants(small: small, sums: sums, families: families)
        if families.contains(.pdq) {
            let pdq = try PDQ.hashAndDihedral(image)
            hashes.pdq = pdq.hash
            hashes.pdqQuality = pdq.quality
            out.variants[HashFamily.pdq.id] = pdq.variants.map(\.wordArray)
        }
        return (hashes, out)
    }

    /// phash's 32x32 grid and blockmean's 16x16 block sums, from one streaming read of the
    /// pixels (blockmean follows the phash pass down the image, as in `hash`).
    private func grids(_ image: DecodedImage) -> (small: [Int32], sums: [Int32]) {
        let t = tables.tables(width: image.width, height: image.height)
        return image.pixels.withUnsafeBufferPointer { px in
            let src = ImageView(width: image.width, height: image.height, channels: image.layout.channels,
                                pixels: px, variant: variant)
            let blockmean = BlockMeanPass(src, x: t.linearX, y: t.linearY)
            let small = FastPHash.grid(src, plan: t.lanczos, kernel: t.horizontal) { blockmean.advance(through: $0) }
            return (small, blockmean.finishSums())
        }
    }

    /// The phash and blockmean variants `families` asks for, from their working grids.
    private static func variants(small: [Int32], sums: [Int32], families: [HashFamily]) -> DihedralHashes {
        var out = DihedralHashes()
        if families.contains(.phash) {
            out.variants[HashFamily.phash.id] = Dihedral.allCases.map { d in
                d.transposed(small, side: PHash.side).withUnsafeBufferPointer { [FastPHash.dctBits($0.baseAddress!)] }
            }
        }
        if families.contains(.blockmean) {
            let blocks = BlockMean.side / 16
            out.variants[HashFamily.blockmean.id] = Dihedral.allCases.map { d in
                BlockMean.bits(blockSums: d.transposed(sums, side: blocks)).wordArray
            }
        }
        return out
    }
}

/// Borrowed pixels of one image.
struct ImageView {
    let width: Int
    let height: Int
    let channels: Int
    let pixels: UnsafeBufferPointer<UInt8>
    let variant: Int32

    /// Pillow L of row `y` into `out[0..<width]`. (`DecodedImage` is never empty, so the
    /// buffer always has a base address.)
    @inline(__always)
    func pillowLRow(_ y: Int, into out: UnsafeMutablePointer<Int16>) {
        chk_pillow_l_using(variant, pixels.baseAddress! + y * width * channels, channels, out, width)
    }
}

extension CPUEngine {
    /// phash alone, for profiling.
    public func phashOnly(_ image: DecodedImage) -> UInt64 {
        let t = tables.tables(width: image.width, height: image.height)
        return image.pixels.withUnsafeBufferPointer { px in
            FastPHash.hash(ImageView(width: image.width, height: image.height, channels: image.layout.channels,
                                     pixels: px, variant: variant), plan: t.lanczos, kernel: t.horizontal)
        }
    }

    /// blockmean alone, for profiling; `verticalFirst` forces an order.
    public func blockmeanOnly(_ image: DecodedImage, verticalFirst: Bool? = nil) -> Hash256 {
        let t = tables.tables(width: image.width, height: image.height)
        return image.pixels.withUnsafeBufferPointer { px in
            FastBlockMean.hash(ImageView(width: image.width, height: image.height, channels: image.layout.channels,
                                         pixels: px, variant: variant), x: t.linearX, y: t.linearY, verticalFirst: verticalFirst)
        }
    }
}
