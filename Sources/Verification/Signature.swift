import HashKit

/// What verification keeps of one decoded image: a small luma picture to align and compare, a
/// coarser chroma picture for colour agreement, and enough to tell pixel-identical images.
/// Built from a reduced-scale decode (a preview, not the seed hash's pixels): copies are
/// compared structurally, so the exact decoder does not matter here.
public struct Signature: Sendable {
    /// Side of the square luma grid (the image is squeezed to a square: copies keep their
    /// aspect ratio up to small crops, which the alignment search absorbs).
    public static let side = 128
    /// Side of the square chroma grids.
    public static let chromaSide = 32

    /// `side * side` luma values, 0...255, row-major.
    public let luma: [Float]
    /// `chromaSide * chromaSide` Cb and Cr values, centred on 0.
    public let cb: [Float]
    public let cr: [Float]
    /// Standard deviation of `luma`: below `VerificationPolicy.lowInformationStd` the picture is
    /// flat (blank, a sky, a dark frame) and carries too little structure to tell copies apart.
    public let lumaStd: Float
    /// Mean chroma magnitude: grey images (or greyed copies) have none, and colour is compared
    /// only when both images have some.
    public let colourfulness: Float
    /// Size of the original and a digest of the decoded pixels, for "pixel-identical".
    public let width: Int
    public let height: Int
    public let pixelDigest: UInt64
    /// The share of contrast in detail finer than `luma` resolves (`FineLook.detail`); 0 when the
    /// 128-px luma has too little fine detail to look for more (`FineLook.coarseGate`).
    public let fineDetail: Float
    /// The 256-px luma grid (`FineLook`), kept only for pictures of fine detail (`fineDetail` at
    /// least `minFineDetail`): pairs of two such pictures get the finer look.
    public let fine: [UInt8]?

    /// Builds the signature of a decoded picture (grey or RGB).
    public init(_ image: DecodedImage, originalWidth: Int? = nil, originalHeight: Int? = nil,
                minFineDetail: Float = VerificationPolicy().minFineDetail) {
        let n = Self.side
        let ch = image.layout.channels
        var r = [Float](repeating: 0, count: n * n), g = r, b = r
        image.pixels.withUnsafeBufferPointer { px in
            // Area average: every output cell averages the source pixels whose centres fall in it.
            let w = image.width, h = image.height
            var xs = [Int](repeating: 0, count: n + 1), ys = xs
            for i in 0...n {
                xs[i] = min(w, max(0, (i * w + n / 2) / n))
                ys[i] = min(h, max(0, (i * h + n / 2) / n))
            }
            for oy in 0..<n {
                // Every cell covers at least one source pixel, also when the picture is narrower
                // than the grid (very elongated images decoded small).
                let y0 = min(ys[oy], h - 1), y1 = min(h, max(ys[oy + 1], y0 + 1))
                for ox in 0..<n {
                    let x0 = min(xs[ox], w - 1), x1 = min(w, max(xs[ox + 1], x0 + 1))
                    var sr: Float = 0, sg: Float = 0, sb: Float = 0
                    for y in y0..<y1 {
                        var o = (y * w + x0) * ch
                        for _ in x0..<x1 {
                            if ch == 1 {
                                let v = Float(px[o]); sr += v; sg += v; sb += v
                            } else {
                                sr += Float(px[o]); sg += Float(px[o + 1]); sb += Float(px[o + 2])
                            }
                            o += ch
                        }
                    }
                    let k = 1 / Float((y1 - y0) * (x1 - x0))
                    r[oy * n + ox] = sr * k; g[oy * n + ox] = sg * k; b[oy * n + ox] = sb * k
                }
            }
        }
        var luma = [Float](repeating: 0, count: n * n)
        var cbFull = luma, crFull = luma
        for i in 0..<(n * n) {
            // ITU-R BT.601, as JPEG and Pillow's "L" conversion use, so greyed copies match.
            luma[i] = 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i]
            cbFull[i] = -0.168736 * r[i] - 0.331264 * g[i] + 0.5 * b[i]
            crFull[i] = 0.5 * r[i] - 0.418688 * g[i] - 0.081312 * b[i]
        }
        self.luma = luma
        let c = Self.chromaSide, f = n / c
        var cb = [Float](repeating: 0, count: c * c), cr = cb
        for y in 0..<n { for x in 0..<n {
            cb[(y / f) * c + x / f] += cbFull[y * n + x]
            cr[(y / f) * c + x / f] += crFull[y * n + x]
        } }
        let k = 1 / Float(f * f)
        var magnitude: Float = 0
        for i in 0..<(c * c) {
            cb[i] *= k; cr[i] *= k
            magnitude += (cb[i] * cb[i] + cr[i] * cr[i]).squareRoot()
        }
        self.cb = cb
        self.cr = cr
        self.colourfulness = magnitude / Float(c * c)
        self.lumaStd = Stats.meanStd(luma).std
        self.width = originalWidth ?? image.width
        self.height = originalHeight ?? image.height
        self.pixelDigest = Self.digest(image)
        // The 256-px grid costs as much as all of the above: only for pictures with some fine
        // detail already at 128 px.
        if FineLook.detail(luma, n: n) >= FineLook.coarseGate {
            let fine = FineLook.grid(image)
            self.fineDetail = FineLook.detail(fine)
            self.fine = fineDetail >= minFineDetail ? fine : nil
        } else {
            self.fineDetail = 0
            self.fine = nil
        }
    }

    /// FNV-1a over the pixels eight bytes at a time (a byte at a time took a tenth of
    /// verification), seeded with the size and layout. Only compared for equality, with the luma
    /// grids compared too, so its values never reach an output.
    static func digest(_ image: DecodedImage) -> UInt64 {
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(image.width) << 32 ^ UInt64(image.height) ^ UInt64(image.layout.channels) << 60
        image.pixels.withUnsafeBytes { raw in
            let words = raw.count / 8
            for i in 0..<words { digest = (digest ^ raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) &* 0x100_0000_01b3 }
            for byte in raw[(8 * words)...] { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return digest
    }
}

enum Stats {
    static func meanStd(_ v: [Float]) -> (mean: Float, std: Float) {
        guard !v.isEmpty else { return (0, 0) }
        var s: Double = 0, s2: Double = 0
        for x in v { s += Double(x); s2 += Double(x) * Double(x) }
        let m = s / Double(v.count)
        return (Float(m), Float(max(0, s2 / Double(v.count) - m * m).squareRoot()))
    }
}
