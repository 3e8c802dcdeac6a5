/// Why a candidate pair was or was not verified.
public enum VerdictReason: String, Sendable, CaseIterable {
    /// Same decoded pixels.
    case identical
    /// Aligned, and alike everywhere: a copy.
    case copy
    /// One of the two pictures is flat (blank, sky, dark frame): too little structure to tell a
    /// copy from a look-alike, and not pixel-identical.
    case lowInformation = "low_information"
    /// Aligned pictures disagree overall.
    case different
    /// Alike overall but one region differs a lot (another emblem, a sign, a translated dialog).
    case localDifference = "local_difference"
    /// Same layout but contrast far beyond a tone change (e.g. a colour variant of a design).
    case tone
    /// Same luma layout but other colours (flags, textures, recoloured clipart).
    case colour

    /// A short phrase for reports ("87 flat or low-information pictures", "not verified: ...").
    public var phrase: String {
        switch self {
        case .identical: "pixel-identical"
        case .copy: "copy"
        case .lowInformation: "flat or low-information pictures"
        case .different: "different pictures"
        case .localDifference: "different in one region"
        case .tone: "contrast or brightness beyond a tone change"
        case .colour: "other colours"
        }
    }
}

/// The outcome of re-checking one candidate pair from pixels.
public struct Verdict: Sendable, Equatable {
    public var verified: Bool
    /// Correlation of the aligned luma thumbnails (-1...1; 1 for identical pictures); 0 when the
    /// pair was not compared (an image could not be decoded).
    public var similarity: Double
    /// The largest local difference (RMS of the difference of the normalised, aligned
    /// thumbnails in the worst of 8 × 8 cells).
    public var worstRegion: Double
    public var reason: VerdictReason
    /// Set when an image could not be decoded; the pair is then not verified.
    public var error: String?

    public init(verified: Bool, similarity: Double, worstRegion: Double, reason: VerdictReason, error: String? = nil) {
        self.verified = verified
        self.similarity = similarity
        self.worstRegion = worstRegion
        self.reason = reason
        self.error = error
    }
}

/// The thresholds of the measure. Defaults were chosen on the benchmark corpus (see
/// scripts/bench_verify.sh and README "Verified matches"): copies reach correlation >= 0.98, a worst
/// region <= 0.25 and a worst structure <= 0.51; the look-alikes that survive the global test
/// fail the worst region, the structure, the tone or the colour test.
public struct VerificationPolicy: Sendable {
    /// Luma standard deviation (0...255 scale) under which a picture counts as flat.
    public var lowInformationStd: Float = 4
    public var minCorrelation: Float = 0.95
    public var maxWorstRegion: Float = 0.28
    /// Largest 1 - SSIM of the worst region: catches a region whose structure differs while its
    /// energy is small (a thinner frame, a missing line on a plain background).
    public var maxWorstStructure: Float = 0.6
    /// Largest ratio of the two pictures' contrast (std of luma): brightness and contrast edits of
    /// +-10% each stay under 1.25.
    public var maxContrastRatio: Float = 1.3
    /// Mean brightness may differ by `brightnessRelative` of the brighter mean plus
    /// `brightnessSlack` levels (brightness edits of +-10%; dark pictures get the slack).
    public var brightnessRelative: Float = 0.15
    public var brightnessSlack: Float = 6
    /// Chroma below this mean magnitude counts as grey (colour is then not compared).
    public var minColourfulness: Float = 3
    /// Per-cell colour difference allowed: `colourSlack + colourRelative * chroma magnitude`.
    public var colourSlack: Float = 10
    public var colourRelative: Float = 0.3
    /// Alignment search: relative scales 1 +- maxScale (crops and borders of a few percent per side).
    public var maxScale: Float = 0.08
    /// The finer look (`FineLook`) for pairs of two pictures whose `fineDetail` reaches this
    /// (text, user interfaces, line art; photographs stay well under it).
    public var minFineDetail: Float = 0.18
    /// Largest mean disagreement (in units of the picture's contrast) in the worst 16-px cell of
    /// the fine grids: another word or value in a dialog reaches 0.40, copies of line art stay
    /// under 0.24 (Tests/Fixtures/verification).
    public var maxFineWorst: Float = 0.32
    /// Largest mean disagreement over all cells (another drawing altogether).
    public var maxFineMean: Float = 0.15
    /// Pictures of fine detail below `minCorrelation` but at least this are still compared finely
    /// (thin strokes lose correlation at 128 px under a sub-pixel shift) and verified when the
    /// fine grids agree.
    public var minFineCorrelation: Float = 0.8

    public init() {}
}

/// The measure: align B onto A (scale and shift search maximising the correlation of
/// normalised luma), then test the whole (correlation), the worst local region, contrast and
/// colour. Copies differ a little everywhere; look-alikes differ a lot somewhere.
public struct Measure: Sendable {
    public var policy: VerificationPolicy

    public init(policy: VerificationPolicy = VerificationPolicy()) { self.policy = policy }

    static let n = 64 // compared grid
    static let cells = 8 // worst-region grid per side

    /// A transform from the compared grid into a signature's luma grid: scale about the centre, shift.
    struct Alignment { var s: Float, tx: Float, ty: Float }

    public func compare(_ a: Signature, _ b: Signature) -> Verdict {
        if a.pixelDigest == b.pixelDigest, a.width == b.width, a.height == b.height, a.luma == b.luma {
            return Verdict(verified: true, similarity: 1, worstRegion: 0, reason: .identical)
        }
        if min(a.lumaStd, b.lumaStd) < policy.lowInformationStd {
            return Verdict(verified: false, similarity: 0, worstRegion: 0, reason: .lowInformation)
        }
        // Coarse to fine. The coarse stages compare 32-px pictures sampled from half-size luma
        // (a quarter of the work; shifts are in full-size luma pixels, so they are halved there).
        let half = Signature.side / 2
        let (lumaA, lumaB) = (Self.halve(a.luma, side: Signature.side), Self.halve(b.luma, side: Signature.side))
        var coarse = (corr: -Float.infinity, align: Alignment(s: 1, tx: 0, ty: 0))
        var coarseCache: (scale: Float, picture: (z: [Float], std: Float))?
        var fineCache: (scale: Float, picture: (z: [Float], std: Float))?
        func tryCoarse(_ al: Alignment) {
            let (za, zb) = Self.pictures(lumaA, lumaB, side: half, al, n: Self.n / 2, shiftScale: 0.5, cache: &coarseCache)
            let c = Self.dot(za.z, zb.z)
            if c > coarse.corr { coarse = (c, al) }
        }
        // Scale alone, then shifts at the best scale...
        let steps = Int((policy.maxScale / 0.01).rounded())
        for k in -steps...steps { tryCoarse(Alignment(s: 1 + Float(k) * 0.01, tx: 0, ty: 0)) }
        let s0 = coarse.align.s
        for ty in -2...2 { for tx in -2...2 { tryCoarse(Alignment(s: s0, tx: Float(tx), ty: Float(ty))) } }
        // ...then both finely, on the full 64-px pictures.
        var best = (corr: -Float.infinity, align: coarse.align)
        let c1 = coarse.align
        func tryFine(_ al: Alignment) {
            let (za, zb) = Self.pictures(a.luma, b.luma, side: Signature.side, al, n: Self.n, shiftScale: 1, cache: &fineCache)
            let c = Self.dot(za.z, zb.z)
            if c > best.corr { best = (c, al) }
        }
        for dy in [-0.5, 0, 0.5] as [Float] { for dx in [-0.5, 0, 0.5] as [Float] {
            tryFine(Alignment(s: c1.s, tx: c1.tx + dx, ty: c1.ty + dy))
        } }
        let c2 = best.align
        for ds in [-0.005, 0.005] as [Float] { tryFine(Alignment(s: c2.s + ds, tx: c2.tx, ty: c2.ty)) }

        let (ref, aligned) = Self.pictures(a.luma, b.luma, side: Signature.side, best.align, n: Self.n, shiftScale: 1, cache: &fineCache)
        let corr = best.corr
        // Twice-blurred (binomial, sigma ~1 px of 64): resampling and JPEG noise at edges fade,
        // a different emblem or sign (a few pixels across) does not.
        let ba = Self.blur(Self.blur(ref.z, n: Self.n), n: Self.n)
        let bb = Self.blur(Self.blur(aligned.z, n: Self.n), n: Self.n)
        let worst = Self.worstRegion(ba, bb, n: Self.n, cells: Self.cells)
        let structure = Self.worstSSIM(ba, bb, n: Self.n, cells: Self.cells)
        func verdict(_ ok: Bool, _ reason: VerdictReason) -> Verdict {
            Verdict(verified: ok, similarity: Double(corr), worstRegion: Double(worst), reason: reason)
        }
        // When both pictures are made of fine detail, their fine grids decide what the 128-px
        // pictures cannot: a copy of thin strokes below the correlation, another word or value.
        let grids = a.fine.flatMap { fa in b.fine.map { (fa, $0) } }
        guard corr >= (grids == nil ? policy.minCorrelation : policy.minFineCorrelation) else {
            return verdict(false, .different)
        }
        if let (fa, fb) = grids {
            let fine = FineLook.compare(fa, fb, best.align)
            guard fine.mean <= policy.maxFineMean else { return verdict(false, .different) }
            guard fine.worst <= policy.maxFineWorst else { return verdict(false, .localDifference) }
        }
        // Below `minCorrelation` (fine grids only) the 128-px regions of thin strokes are noise.
        if corr >= policy.minCorrelation {
            guard worst <= policy.maxWorstRegion, structure <= policy.maxWorstStructure else {
                return verdict(false, .localDifference)
            }
        }
        let ratio = max(ref.std, aligned.std) / max(min(ref.std, aligned.std), 1e-3)
        let (meanA, meanB) = (Stats.meanStd(a.luma).mean, Stats.meanStd(b.luma).mean)
        guard ratio <= policy.maxContrastRatio,
              abs(meanA - meanB) <= policy.brightnessRelative * max(meanA, meanB) + policy.brightnessSlack else {
            return verdict(false, .tone)
        }
        if min(a.colourfulness, b.colourfulness) >= policy.minColourfulness,
           colourDifference(a, b, best.align) > 1 {
            return verdict(false, .colour)
        }
        return verdict(true, .copy)
    }

    /// The worst 4 × 4 cell (of the aligned 16 × 16 chroma pictures) as a multiple of the allowed
    /// colour difference: > 1 means the colours differ beyond a tone change.
    func colourDifference(_ a: Signature, _ b: Signature, _ al: Alignment) -> Float {
        let c = Signature.chromaSide, m = 16
        // The same transform in chroma-grid units (the shift was in luma-grid pixels).
        let k = Float(c) / Float(Signature.side)
        let chromaAlign = Alignment(s: al.s, tx: al.tx * k, ty: al.ty * k)
        let (alA, alB) = Self.split(chromaAlign)
        let acb = Self.sample(a.cb, side: c, alA, n: m), acr = Self.sample(a.cr, side: c, alA, n: m)
        let bcb = Self.sample(b.cb, side: c, alB, n: m), bcr = Self.sample(b.cr, side: c, alB, n: m)
        var worst: Float = 0
        let cell = 4
        for cy in 0..<(m / cell) { for cx in 0..<(m / cell) {
            var d1: Float = 0, d2: Float = 0, mag: Float = 0
            for y in (cy * cell)..<((cy + 1) * cell) { for x in (cx * cell)..<((cx + 1) * cell) {
                let i = y * m + x
                d1 += acb[i] - bcb[i]; d2 += acr[i] - bcr[i]
                mag += max((acb[i] * acb[i] + acr[i] * acr[i]).squareRoot(), (bcb[i] * bcb[i] + bcr[i] * bcr[i]).squareRoot())
            } }
            let area = Float(cell * cell)
            let diff = ((d1 / area) * (d1 / area) + (d2 / area) * (d2 / area)).squareRoot()
            worst = max(worst, diff / (policy.colourSlack + policy.colourRelative * mag / area))
        } }
        return worst
    }

    /// The relative scale of B to A applied to the picture that shows more: B's centre is
    /// sampled when s < 1 (A is the cropped one), A's centre when s > 1, so the samples stay
    /// inside both pictures (up to the shift) instead of repeating an edge.
    static func split(_ al: Alignment) -> (a: Alignment, b: Alignment) {
        al.s <= 1 ? (Alignment(s: 1, tx: 0, ty: 0), al) : (Alignment(s: 1 / al.s, tx: 0, ty: 0), Alignment(s: 1, tx: al.tx, ty: al.ty))
    }

    /// Both pictures on an `n`² grid under `al` (shifts multiplied by `shiftScale`), normalised.
    /// A's picture depends on the scale only; `cache` keeps the last one (most candidates leave A
    /// whole, s <= 1).
    static func pictures(_ a: [Float], _ b: [Float], side: Int, _ al: Alignment, n: Int, shiftScale: Float,
                         cache: inout (scale: Float, picture: (z: [Float], std: Float))?)
        -> (a: (z: [Float], std: Float), b: (z: [Float], std: Float)) {
        let (alA, alB) = split(Alignment(s: al.s, tx: al.tx * shiftScale, ty: al.ty * shiftScale))
        let pa: (z: [Float], std: Float)
        if let c = cache, c.scale == alA.s {
            pa = c.picture
        } else {
            pa = normalised(sample(a, side: side, alA, n: n))
            cache = (alA.s, pa)
        }
        return (pa, normalised(sample(b, side: side, alB, n: n)))
    }

    /// Bilinear samples of a `side`² grid on an `n`² grid covering it, under `al` (edges clamped).
    static func sample(_ src: [Float], side: Int, _ al: Alignment, n: Int) -> [Float] {
        let step = Float(side) / Float(n), centre = Float(side) / 2
        let last = Float(side - 1)
        // Columns and rows map the same way: one table of (index, fraction) per axis.
        func axis(_ t: Float) -> (index: [Int], frac: [Float]) {
            var index = [Int](repeating: 0, count: n), frac = [Float](repeating: 0, count: n)
            for i in 0..<n {
                let v = min(max(centre + al.s * ((Float(i) + 0.5) * step - centre) + t - 0.5, 0), last)
                let i0 = min(Int(v), side - 2)
                index[i] = i0
                frac[i] = v - Float(i0)
            }
            return (index, frac)
        }
        let xs = axis(al.tx), ys = axis(al.ty)
        return [Float](unsafeUninitializedCapacity: n * n) { out, count in
            src.withUnsafeBufferPointer { p in xs.index.withUnsafeBufferPointer { xi in xs.frac.withUnsafeBufferPointer { xf in
                for y in 0..<n {
                    // Rows above and below the sample (index <= side - 2, so both exist).
                    let r0 = p.baseAddress! + ys.index[y] * side, r1 = r0 + side, fy = ys.frac[y]
                    for x in 0..<n {
                        let i = xi[x], fx = xf[x]
                        let top = r0[i] + (r0[i + 1] - r0[i]) * fx
                        let bottom = r1[i] + (r1[i + 1] - r1[i]) * fx
                        out[y * n + x] = top + (bottom - top) * fy
                    }
                }
            } } }
            count = n * n
        }
    }

    /// 2 × 2 box average of a `side`² grid.
    static func halve(_ v: [Float], side: Int) -> [Float] {
        let h = side / 2
        var out = [Float](repeating: 0, count: h * h)
        for y in 0..<h { for x in 0..<h {
            let i = 2 * y * side + 2 * x
            out[y * h + x] = 0.25 * (v[i] + v[i + 1] + v[i + side] + v[i + side + 1])
        } }
        return out
    }

    /// Zero mean, unit variance (a flat picture stays zero), and the std it had.
    static func normalised(_ v: [Float]) -> (z: [Float], std: Float) {
        let (mean, std) = Stats.meanStd(v)
        let k: Float = std > 1e-6 ? 1 / std : 0
        return (v.map { ($0 - mean) * k }, std)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
            for i in 0..<min(a.count, b.count) { s += a[i] * b[i] }
        } }
        return s / Float(a.count)
    }

    /// 3 × 3 binomial blur: forgives sub-pixel misalignment and JPEG noise at edges.
    static func blur(_ v: [Float], n: Int) -> [Float] {
        guard n > 1 else { return v }
        // Borders clamp (the edge pixel stands in for its missing neighbour); every value is
        // 0.25 * previous + 0.5 * centre + 0.25 * next, in that order, rows then columns.
        var h = [Float](repeating: 0, count: n * n)
        v.withUnsafeBufferPointer { src in h.withUnsafeMutableBufferPointer { dst in
            for y in 0..<n {
                let s = src.baseAddress! + y * n, d = dst.baseAddress! + y * n
                d[0] = 0.25 * s[0] + 0.5 * s[0] + 0.25 * s[1]
                for x in 1..<(n - 1) { d[x] = 0.25 * s[x - 1] + 0.5 * s[x] + 0.25 * s[x + 1] }
                d[n - 1] = 0.25 * s[n - 2] + 0.5 * s[n - 1] + 0.25 * s[n - 1]
            }
        } }
        var out = [Float](repeating: 0, count: n * n)
        h.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<n {
                let u = src.baseAddress! + max(y - 1, 0) * n, c = src.baseAddress! + y * n
                let d = src.baseAddress! + min(y + 1, n - 1) * n, o = dst.baseAddress! + y * n
                for x in 0..<n { o[x] = 0.25 * u[x] + 0.5 * c[x] + 0.25 * d[x] }
            }
        } }
        return out
    }

    /// 1 - the smallest structural similarity (SSIM) over `cells` × `cells` regions of two
    /// normalised pictures: 0 when every region matches in brightness, contrast and structure.
    static func worstSSIM(_ a: [Float], _ b: [Float], n: Int, cells: Int) -> Float {
        let c = n / cells
        // In units of the global variance (1): floors that keep flat regions (noise only) from
        // counting as structure.
        let c1: Float = 0.01, c2: Float = 0.03
        var worst: Float = 0
        for cy in 0..<cells { for cx in 0..<cells {
            var sa: Float = 0, sb: Float = 0, saa: Float = 0, sbb: Float = 0, sab: Float = 0
            for y in (cy * c)..<((cy + 1) * c) { for x in (cx * c)..<((cx + 1) * c) {
                let u = a[y * n + x], v = b[y * n + x]
                sa += u; sb += v; saa += u * u; sbb += v * v; sab += u * v
            } }
            let k = 1 / Float(c * c)
            let ma = sa * k, mb = sb * k
            let va = max(0, saa * k - ma * ma), vb = max(0, sbb * k - mb * mb), cov = sab * k - ma * mb
            let ssim = (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
            worst = max(worst, 1 - ssim)
        } }
        return worst
    }

    /// The largest RMS difference over `cells` × `cells` regions.
    static func worstRegion(_ a: [Float], _ b: [Float], n: Int, cells: Int) -> Float {
        let c = n / cells
        var worst: Float = 0
        for cy in 0..<cells { for cx in 0..<cells {
            var s: Float = 0
            for y in (cy * c)..<((cy + 1) * c) { for x in (cx * c)..<((cx + 1) * c) {
                let d = a[y * n + x] - b[y * n + x]
                s += d * d
            } }
            worst = max(worst, (s / Float(c * c)).squareRoot())
        } }
        return worst
    }
}
