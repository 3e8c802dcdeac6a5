import Foundation

/// Pillow's LANCZOS coefficients for one axis (`precompute_coeffs` + `normalize_coeffs_8bpc`),
/// in the fixed-point form both engines apply: for output `o`,
/// `acc = 1 << 21; acc += src[xmin[o] + i] * coefficient(o, i) for i in 0..<taps[o]`,
/// result `clamp(acc >> 22, 0, 255)` (arithmetic shift).
///
/// Ordinary axes keep the dense table `coefficients`. An axis whose table would pass
/// `denseLimitBytes` (a thin image's long side: 1 x 40M needs 32 x 7.5M taps, 960 MB) keeps
/// only each output's window and weight sum, and `coefficient`/`fill` recompute any tap with
/// exactly the floating-point expressions the table is built from, so both forms give the
/// same integers bit for bit and a pass can run a band of source samples at a time.
public struct LanczosAxis: Sendable, Equatable {
    public static let precisionBits = 22
    /// The accumulator's starting value: rounds the final `>> 22` to nearest.
    public static let rounding: Int32 = 1 << 21
    /// Largest dense table (bytes) an axis keeps by default; past it, taps are made on demand.
    public static let defaultDenseLimitBytes = 16 << 20

    public let inSize: Int
    public let outSize: Int
    /// Row stride of `coefficients`: Pillow's `ksize = ceil(support) * 2 + 1`.
    public let maxTaps: Int
    /// First source index each output reads.
    public let xmin: [Int32]
    /// Number of source samples each output reads (`xmin[o] + taps[o] <= inSize`).
    public let taps: [Int32]
    /// `outSize * maxTaps` coefficients, 2^22 fixed point, zero-padded; empty when the axis is
    /// not dense (see `isDense`). Coefficients past `taps[o]` are zero, so a kernel may run all
    /// `maxTaps` taps as long as it never reads past the source end.
    public let coefficients: [Int32]
    /// Pillow's `ww` of each output: the sum of its window's double weights, in window order.
    public let weightSums: [Double]
    /// `inSize / outSize`, from which each output's window centre is computed.
    private let scale: Double
    /// `1 / max(scale, 1)`: the kernel's argument scale.
    private let inverseFilterScale: Double

    /// Whether the dense table `coefficients` is present.
    public var isDense: Bool { !coefficients.isEmpty }

    /// Pillow's `ksize` for an axis, without building it.
    public static func maxTaps(inSize: Int, outSize: Int) -> Int {
        let filterscale = max(Double(inSize) / Double(outSize), 1.0)
        return Int((3.0 * filterscale).rounded(.up)) * 2 + 1
    }

    /// Bytes of the dense table of an axis, without building it.
    public static func denseTableBytes(inSize: Int, outSize: Int) -> Int {
        outSize * maxTaps(inSize: inSize, outSize: outSize) * MemoryLayout<Int32>.stride
    }

    /// Builds the axis; the dense table is kept when it needs at most `denseLimitBytes`.
    public init(inSize: Int, outSize: Int, denseLimitBytes: Int = LanczosAxis.defaultDenseLimitBytes) {
        precondition(inSize > 0 && outSize > 0, "programmer error: empty axis")
        self.inSize = inSize
        self.outSize = outSize
        let scale = Double(inSize) / Double(outSize)
        let filterscale = max(scale, 1.0)
        let support = 3.0 * filterscale
        let stride = Int(support.rounded(.up)) * 2 + 1
        let inv = 1.0 / filterscale
        let dense = outSize * stride * MemoryLayout<Int32>.stride <= denseLimitBytes
        var xmins = [Int32](repeating: 0, count: outSize)
        var counts = [Int32](repeating: 0, count: outSize)
        var sums = [Double](repeating: 0, count: outSize)
        var coeffs = [Int32](repeating: 0, count: dense ? outSize * stride : 0)
        var w = [Double](repeating: 0, count: dense ? stride : 0)
        for o in 0..<outSize {
            let center = Self.center(o, scale: scale)
            // C casts truncate toward zero; the clamps then keep the window inside the source.
            let lo = max(Int((center - support + 0.5).rounded(.towardZero)), 0)
            let hi = min(Int((center + support + 0.5).rounded(.towardZero)), inSize)
            let n = hi - lo
            var ww = 0.0
            for i in 0..<n {
                let wi = Self.weight(source: i + lo, center: center, inverseFilterScale: inv)
                if dense { w[i] = wi }
                ww += wi
            }
            if dense {
                for i in 0..<n { coeffs[o * stride + i] = Self.fixedPoint(w[i], weightSum: ww) }
            }
            xmins[o] = Int32(lo)
            counts[o] = Int32(n)
            sums[o] = ww
        }
        self.scale = scale
        inverseFilterScale = inv
        maxTaps = stride
        xmin = xmins
        taps = counts
        weightSums = sums
        coefficients = coeffs
    }

    /// Centre of output `o`'s window in source coordinates.
    @inline(__always)
    static func center(_ o: Int, scale: Double) -> Double { (Double(o) + 0.5) * scale }

    /// Pillow's double weight of source sample `source` for the window centred at `center`.
    /// The one expression both the dense table and on-demand taps use.
    @inline(__always)
    static func weight(source: Int, center: Double, inverseFilterScale inv: Double) -> Double {
        lanczos((Double(source) - center + 0.5) * inv)
    }

    /// Pillow's `normalize_coeffs_8bpc`: the weight divided by the window's sum, to 2^22.
    @inline(__always)
    static func fixedPoint(_ w: Double, weightSum ww: Double) -> Int32 {
        let v = ww != 0 ? w / ww : w
        return v < 0
            ? Int32((v * 4194304.0 - 0.5).rounded(.towardZero))
            : Int32((v * 4194304.0 + 0.5).rounded(.towardZero))
    }

    /// Coefficient `i` (`0 <= i < taps[o]`) of output `o`, from the table or made on demand.
    @inlinable
    public func coefficient(_ o: Int, _ i: Int) -> Int32 {
        if isDense { return coefficients[o * maxTaps + i] }
        return onDemand(o, i)
    }

    @usableFromInline
    func onDemand(_ o: Int, _ i: Int) -> Int32 {
        let w = Self.weight(source: Int(xmin[o]) + i, center: Self.center(o, scale: scale),
                            inverseFilterScale: inverseFilterScale)
        return Self.fixedPoint(w, weightSum: weightSums[o])
    }

    /// Coefficients `range` (a sub-range of `0..<taps[o]`) of output `o` into `out[0..<range.count]`.
    public func fill(_ o: Int, taps range: Range<Int>, into out: UnsafeMutablePointer<Int32>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= Int(taps[o]), "programmer error: taps out of the window")
        if isDense {
            coefficients.withUnsafeBufferPointer { k in
                out.update(from: k.baseAddress! + o * maxTaps + range.lowerBound, count: range.count)
            }
            return
        }
        let center = Self.center(o, scale: scale), ww = weightSums[o], first = Int(xmin[o])
        let inv = inverseFilterScale
        var j = 0, s = first + range.lowerBound
        while j < range.count {
            out[j] = Self.fixedPoint(Self.weight(source: s, center: center, inverseFilterScale: inv), weightSum: ww)
            j += 1
            s += 1
        }
    }

    /// Pillow's `sinc(x) * sinc(x / 3)` on `[-3, 3)`.
    @inlinable
    static func lanczos(_ x: Double) -> Double {
        guard -3.0 <= x && x < 3.0 else { return 0 }
        return sinc(x) * sinc(x / 3.0)
    }

    @inlinable
    static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let t = x * Double.pi
        return sin(t) / t
    }

    /// Pillow's `clip8`: the accumulator is shifted arithmetically, then clamped.
    @inlinable @inline(__always)
    public static func clip8(_ acc: Int32) -> UInt8 {
        let v = acc >> 22
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
    }

    /// One output sample from `count` source samples `stride` apart starting at `base`.
    @inlinable
    public func sample(_ o: Int, _ src: UnsafeBufferPointer<UInt8>, base: Int, stride: Int) -> UInt8 {
        var acc = Self.rounding
        let start = base + Int(xmin[o]) * stride
        guard isDense else {
            for i in 0..<Int(taps[o]) { acc &+= Int32(src[start + i * stride]) &* onDemand(o, i) }
            return Self.clip8(acc)
        }
        let k = o * maxTaps
        for i in 0..<Int(taps[o]) {
            acc &+= Int32(src[start + i * stride]) &* coefficients[k + i]
        }
        return Self.clip8(acc)
    }
}

/// The order in which Pillow runs the two LANCZOS passes.
public enum PassOrder: Sendable, Equatable {
    /// Same size: Pillow copies without filtering.
    case copy
    case horizontalOnly
    case verticalOnly
    case horizontalFirst
    case verticalFirst

    /// Pillow >= 13 rule (§1.3.5): vertical first iff the height shrinks by more than twice the
    /// width's shrink (`W - outW` may be negative). Pillow <= 12.1 always went horizontal first,
    /// so tall images hash differently there.
    public static func pillow13(width: Int, height: Int, outWidth: Int, outHeight: Int) -> PassOrder {
        let needH = outWidth != width
        let needV = outHeight != height
        switch (needH, needV) {
        case (false, false): return .copy
        case (true, false): return .horizontalOnly
        case (false, true): return .verticalOnly
        case (true, true):
            let dh = height - outHeight
            return dh > 0 && dh > 2 * (width - outWidth) ? .verticalFirst : .horizontalFirst
        }
    }
}

/// Everything needed to reproduce `Image.resize((outWidth, outHeight), LANCZOS)` on an `L` image.
public struct PillowResizePlan: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let outWidth: Int
    public let outHeight: Int
    public let order: PassOrder
    /// Coefficients along x (width -> outWidth); present whenever the widths differ.
    public let horizontal: LanczosAxis?
    /// Coefficients along y (height -> outHeight); present whenever the heights differ.
    public let vertical: LanczosAxis?

    public init(width: Int, height: Int, outWidth: Int = 32, outHeight: Int = 32) {
        self.init(width: width, height: height, outWidth: outWidth, outHeight: outHeight,
                  axis: { LanczosAxis(inSize: $0, outSize: $1) })
    }

    /// Builds the plan with axis tables from `axis(inSize, outSize)`, so that a caller can
    /// share tables between images with one equal side (they cost thousands of `sin` calls).
    public init(width: Int, height: Int, outWidth: Int = 32, outHeight: Int = 32,
                axis: (Int, Int) -> LanczosAxis) {
        self.width = width
        self.height = height
        self.outWidth = outWidth
        self.outHeight = outHeight
        order = PassOrder.pillow13(width: width, height: height, outWidth: outWidth, outHeight: outHeight)
        horizontal = outWidth != width ? axis(width, outWidth) : nil
        vertical = outHeight != height ? axis(height, outHeight) : nil
        precondition(horizontal.map { $0.inSize == width && $0.outSize == outWidth } ?? true
                     && vertical.map { $0.inSize == height && $0.outSize == outHeight } ?? true,
                     "programmer error: axis table for the wrong size")
    }

    /// The source rows the vertical pass reads. In horizontal-first mode Pillow filters only
    /// these rows horizontally; skipping the others changes nothing.
    public var rowsRead: Range<Int> {
        guard let v = vertical else { return 0..<height }
        let last = v.outSize - 1
        return Int(v.xmin[0])..<Int(v.xmin[last] + v.taps[last])
    }

    /// Scalar reference: resizes a row-major `width x height` L image, pass by pass as Pillow does.
    public func resize(_ gray: [UInt8]) -> [UInt8] {
        precondition(gray.count == width * height, "programmer error: pixel count")
        switch order {
        case .copy:
            return gray
        case .horizontalOnly:
            return horizontalPass(gray, rows: 0..<height)
        case .verticalOnly:
            return verticalPass(gray, width: width)
        case .horizontalFirst:
            let rows = rowsRead
            let h = horizontalPass(gray, rows: rows)
            return verticalPass(h, width: outWidth, firstRow: rows.lowerBound)
        case .verticalFirst:
            return horizontalPass(verticalPass(gray, width: width), rows: 0..<outHeight)
        }
    }

    /// Filters `rows` of an image `width` wide to `outWidth`; returns `rows.count` rows.
    private func horizontalPass(_ src: [UInt8], rows: Range<Int>) -> [UInt8] {
        guard let axis = horizontal else { return src }
        var out = [UInt8](repeating: 0, count: rows.count * outWidth)
        src.withUnsafeBufferPointer { s in
            for (r, y) in rows.enumerated() {
                for o in 0..<outWidth {
                    out[r * outWidth + o] = axis.sample(o, s, base: y * width, stride: 1)
                }
            }
        }
        return out
    }

    /// Filters columns of an image `width` wide whose row 0 is source row `firstRow`.
    private func verticalPass(_ src: [UInt8], width w: Int, firstRow: Int = 0) -> [UInt8] {
        guard let axis = vertical else { return src }
        var out = [UInt8](repeating: 0, count: w * outHeight)
        src.withUnsafeBufferPointer { s in
            for o in 0..<outHeight {
                for x in 0..<w {
                    out[o * w + x] = axis.sample(o, s, base: x - firstRow * w, stride: w)
                }
            }
        }
        return out
    }
}
