import HashKit

/// The finer look at pictures made of fine detail: text, user interfaces, line art (maps,
/// diagrams, engravings, scanned pages). At the signature's 128 px a dialog's words and values
/// are a grey smudge, so two pages of one dialog correlate like copies; and 1-2 px strokes fall
/// between the 128-px samples, so a copy shifted by a fraction of a pixel correlates like another
/// picture. This compares 256-px luma grids pixel by pixel with a tolerance of one pixel in every
/// direction: what is in one picture must be in the other within a pixel (sub-pixel shifts,
/// resampling and JPEG noise pass; another word, digit or stroke does not).
///
/// Only pictures with fine detail keep a grid (`Signature.fine`), and only pairs of two such
/// pictures are looked at again; most photographs do not even build the grid (`coarseGate`).
public enum FineLook {
    /// Side of the square fine luma grid (the preview's size: previews have a longer side of at
    /// least `Verifier.previewSide`).
    public static let side = 256
    /// Side of the square cells whose mean disagreement is tested (a word or a number at 256 px).
    static let cell = 16

    /// Pictures whose 128-px luma has less fine detail than this (`detail` of the 128-px grid)
    /// skip the 256-px grid: in a sample of 247 pictures of the benchmark corpus every one with
    /// `minFineDetail` at 256 px had at least 0.16 at 128 px, and 113 (photographs) stayed under it.
    static let coarseGate: Float = 0.15

    /// The 256² area-averaged luma grid of a decoded picture (cells as Signature's), rounded to
    /// bytes (a quarter of the memory of floats; the comparison tolerates far more than rounding).
    static func grid(_ image: DecodedImage) -> [UInt8] {
        let n = side, ch = image.layout.channels, w = image.width, h = image.height
        var xs0 = [Int](repeating: 0, count: n), xs1 = xs0, ys0 = xs0, ys1 = xs0
        for i in 0..<n {
            // As Signature's grid: every cell covers at least one source pixel.
            let x0 = min(w - 1, max(0, (i * w + n / 2) / n)), y0 = min(h - 1, max(0, (i * h + n / 2) / n))
            xs0[i] = x0; xs1[i] = min(w, max((((i + 1) * w + n / 2) / n), x0 + 1))
            ys0[i] = y0; ys1[i] = min(h, max((((i + 1) * h + n / 2) / n), y0 + 1))
        }
        var out = [UInt8](repeating: 0, count: n * n)
        // Each source row once: its luma (x 1000, integer BT.601 weights) as running sums, so a
        // cell's part of the row is one subtraction (cells are a pixel or two wide).
        var prefixStore = [Int](repeating: 0, count: w + 1), accStore = [Int](repeating: 0, count: n)
        image.pixels.withUnsafeBufferPointer { px in prefixStore.withUnsafeMutableBufferPointer { prefix in
            accStore.withUnsafeMutableBufferPointer { acc in out.withUnsafeMutableBufferPointer { out in
            xs0.withUnsafeBufferPointer { xs0 in xs1.withUnsafeBufferPointer { xs1 in
                for oy in 0..<n {
                    for i in 0..<n { acc[i] = 0 }
                    for y in ys0[oy]..<ys1[oy] {
                        var sum = 0, o = y * w * ch
                        if ch == 1 {
                            for x in 0..<w { sum += 1000 * Int(px[o]); o += 1; prefix[x + 1] = sum }
                        } else {
                            for x in 0..<w {
                                sum += 299 * Int(px[o]) + 587 * Int(px[o + 1]) + 114 * Int(px[o + 2])
                                o += ch; prefix[x + 1] = sum
                            }
                        }
                        for i in 0..<n { acc[i] += prefix[xs1[i]] - prefix[xs0[i]] }
                    }
                    for ox in 0..<n {
                        let area = (ys1[oy] - ys0[oy]) * (xs1[ox] - xs0[ox])
                        out[oy * n + ox] = UInt8(min(255, max(0, (Float(acc[ox]) / Float(1000 * area)).rounded())))
                    }
                }
            } } }
            }
        } }
        return out
    }

    /// How much of a grid's contrast lies in detail the 128-px signature cannot resolve: the RMS of
    /// the grid minus its 3 × 3 binomial blur over the grid's standard deviation. Photographs
    /// keep their contrast in broad shapes (well under 0.2); text, widgets and strokes of a pixel
    /// or two put a large share of it in the finest detail.
    static func detail(_ g: [UInt8]) -> Float {
        detail(g.map(Float.init), n: side)
    }

    /// `detail` of an `n`² grid of floats.
    static func detail(_ v: [Float], n: Int) -> Float {
        let std = Stats.meanStd(v).std
        guard std >= 1 else { return 0 }
        let b = Measure.blur(v, n: n)
        var s: Float = 0
        for i in v.indices { let d = v[i] - b[i]; s += d * d }
        return (s / Float(v.count)).squareRoot() / std
    }

    /// The disagreement of two fine grids under the signature alignment `al` (shifts in 128-px
    /// grid units): the worst and the mean over `cell`² cells of the per-pixel disagreement.
    static func compare(_ a: [UInt8], _ b: [UInt8], _ al: Measure.Alignment) -> (worst: Float, mean: Float) {
        let n = side
        let k = Float(n) / Float(Signature.side)
        let fa = a.map(Float.init), fb = b.map(Float.init)
        let (alA, alB) = Measure.split(Measure.Alignment(s: al.s, tx: al.tx * k, ty: al.ty * k))
        // A binomial blur first: a 1-px stroke shifted by half a pixel keeps most of its peak.
        let ba = Measure.blur(Measure.normalised(Measure.sample(fa, side: n, alA, n: n)).z, n: n)
        let bb = Measure.blur(Measure.normalised(Measure.sample(fb, side: n, alB, n: n)).z, n: n)
        let d = tolerantDifference(ba, bb, n: n)
        let cells = n / cell
        var worst: Float = 0, total: Float = 0
        for cy in 0..<cells { for cx in 0..<cells {
            var s: Float = 0
            for y in (cy * cell)..<((cy + 1) * cell) { for x in (cx * cell)..<((cx + 1) * cell) { s += d[y * n + x] } }
            let m = s / Float(cell * cell)
            worst = max(worst, m)
            total += m
        } }
        return (worst, total / Float(cells * cells))
    }

    /// Per pixel, the larger of: how far A's value lies outside the range of B's values within
    /// one pixel, and the same from B to A. A shift of up to a pixel (and the in-between values
    /// resampling makes of it) costs nothing; something drawn in one picture and missing in the
    /// other costs its full contrast.
    static func tolerantDifference(_ a: [Float], _ b: [Float], n: Int) -> [Float] {
        let (loA, hiA) = range3(a, n: n), (loB, hiB) = range3(b, n: n)
        var out = [Float](repeating: 0, count: n * n)
        for i in 0..<(n * n) {
            let ab = max(0, a[i] - hiB[i], loB[i] - a[i])
            let ba = max(0, b[i] - hiA[i], loA[i] - b[i])
            out[i] = max(ab, ba)
        }
        return out
    }

    /// The smallest and largest value in each pixel's 3 × 3 neighbourhood (edges clamped), by
    /// rows then columns.
    static func range3(_ v: [Float], n: Int) -> (lo: [Float], hi: [Float]) {
        guard n > 1 else { return (v, v) }
        var lo = v, hi = v
        v.withUnsafeBufferPointer { src in lo.withUnsafeMutableBufferPointer { lo in hi.withUnsafeMutableBufferPointer { hi in
            for y in 0..<n {
                let s = src.baseAddress! + y * n, l = lo.baseAddress! + y * n, h = hi.baseAddress! + y * n
                l[0] = min(s[0], s[1]); h[0] = max(s[0], s[1])
                for x in 1..<(n - 1) { l[x] = min(s[x - 1], s[x], s[x + 1]); h[x] = max(s[x - 1], s[x], s[x + 1]) }
                l[n - 1] = min(s[n - 2], s[n - 1]); h[n - 1] = max(s[n - 2], s[n - 1])
            }
        } } }
        var lo2 = lo, hi2 = hi
        lo.withUnsafeBufferPointer { lo in hi.withUnsafeBufferPointer { hi in
            lo2.withUnsafeMutableBufferPointer { lo2 in hi2.withUnsafeMutableBufferPointer { hi2 in
                for y in 0..<n {
                    let u = max(y - 1, 0) * n, c = y * n, d = min(y + 1, n - 1) * n
                    for x in 0..<n {
                        lo2[c + x] = min(lo[u + x], lo[c + x], lo[d + x]); hi2[c + x] = max(hi[u + x], hi[c + x], hi[d + x])
                    }
                }
            } }
        } }
        return (lo2, hi2)
    }
}
