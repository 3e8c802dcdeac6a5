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
            // Every cell covers at least one source pixel, also when the picture is narrower than
            // the grid (very elongated images decoded small).
            let w = image.width, h = image.height
            var x0s = [Int](repeating: 0, count: n), x1s = x0s
            for i in 0..<n {
                let x0 = min(w - 1, max(0, (i * w + n / 2) / n))
                x0s[i] = x0
                x1s[i] = min(w, max(min(w, max(0, ((i + 1) * w + n / 2) / n)), x0 + 1))
            }
            guard let base = px.baseAddress else { return }
            x0s.withUnsafeBufferPointer { x0s in x1s.withUnsafeBufferPointer { x1s in
            r.withUnsafeMutableBufferPointer { r in g.withUnsafeMutableBufferPointer { g in b.withUnsafeMutableBufferPointer { b in
                for oy in 0..<n {
                    let y0 = min(h - 1, max(0, (oy * h + n / 2) / n))
                    let y1 = min(h, max(min(h, max(0, ((oy + 1) * h + n / 2) / n)), y0 + 1))
                    // A whole output row at once, source row by source row: each cell still adds
                    // its pixels in the same order (rows, then columns), so the sums are the same
                    // to the bit, but the 128 cells' additions no longer wait on one another.
                    let rowR = r.baseAddress! + oy * n, rowG = g.baseAddress! + oy * n, rowB = b.baseAddress! + oy * n
                    for y in y0..<y1 {
                        let line = base + y * w * ch
                        if ch == 1 {
                            for ox in 0..<n {
                                var s = rowR[ox]
                                for x in x0s[ox]..<x1s[ox] { s += Float(line[x]) }
                                rowR[ox] = s
                            }
                        } else {
                            for ox in 0..<n {
                                var sr = rowR[ox], sg = rowG[ox], sb = rowB[ox]
                                var p = line + x0s[ox] * ch
                                for _ in x0s[ox]..<x1s[ox] {
                                    sr += Float(p[0]); sg += Float(p[1]); sb += Float(p[2])
                                    p += ch
                                }
                                rowR[ox] = sr; rowG[ox] = sg; rowB[ox] = sb
                            }
                        }
                    }
                    let rows = Float(y1 - y0)
                    for ox in 0..<n {
                        let k = 1 / (rows * Float(x1s[ox] - x0s[ox]))
                        // Grey: the three channels are the same sums.
                        if ch == 1 { rowG[ox] = rowR[ox]; rowB[ox] = rowR[ox] }
                        rowR[ox] *= k; rowG[ox] *= k; rowB[ox] *= k
                    }
                }
            } } }
            } }
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
        v.withUnsafeBufferPointer { v in for x in v { s += Double(x); s2 += Double(x) * Double(x) } }
        let m = s / Double(v.count)
        return (Float(m), Float(max(0, s2 / Double(v.count) - m * m).squareRoot()))
    }
}
