import Foundation

/// Pillow's LANCZOS coefficients for one axis (`precompute_coeffs` + `normalize_coeffs_8bpc`),
/// in the fixed-point form both engines apply: for output `o`,
/// `acc = 1 << 21; acc += src[xmin[o] + i] * coefficients[o * maxTaps + i] for i in 0..<taps[o]`,
/// result `clamp(acc >> 22, 0, 255)` (arithmetic shift). Coefficients past `taps[o]` are zero,
/// so a kernel may also run all `maxTaps` taps as long as it never reads past the source end.
public struct LanczosAxis: Sendable, Equatable {
    public static let precisionBits = 22
    /// The accumulator's starting value: rounds the final `>> 22` to nearest.
    public static let rounding: Int32 = 1 << 21

    public let inSize: Int
    public let outSize: Int
    /// Row stride of `coefficients`: Pillow's `ksize = ceil(support) * 2 + 1`.
    public let maxTaps: Int
    /// First source index each output reads.
    public let xmin: [Int32]
    /// Number of source samples each output reads (`xmin[o] + taps[o] <= inSize`).
    public let taps: [Int32]
    /// `outSize * maxTaps` coefficients, 2^22 fixed point, zero-padded.
    public let coefficients: [Int32]

    public init(inSize: Int, outSize: Int) {
        precondition(inSize > 0 && outSize > 0, "programmer error: empty axis")
        self.inSize = inSize
        self.outSize = outSize
        let scale = Double(inSize) / Double(outSize)
        let filterscale = max(scale, 1.0)
        let support = 3.0 * filterscale
        let stride = Int(support.rounded(.up)) * 2 + 1
        let inv = 1.0 / filterscale
        var xmins = [Int32](repeating: 0, count: outSize)
        var counts = [Int32](repeating: 0, count: outSize)
        var coeffs = [Int32](repeating: 0, count: outSize * stride)
        var w = [Double](repeating: 0, count: stride)
        for o in 0..<outSize {
            let center = (Double(o) + 0.5) * scale
            // C casts truncate toward zero; the clamps then keep the window inside the source.
            let lo = max(Int((center - support + 0.5).rounded(.towardZero)), 0)
            let hi = min(Int((center + support + 0.5).rounded(.towardZero)), inSize)
            let n = hi - lo
            var ww = 0.0
            for i in 0..<n {
                w[i] = Self.lanczos((Double(i + lo) - center + 0.5) * inv)
                ww += w[i]
            }
            for i in 0..<n {
                let v = ww != 0 ? w[i] / ww : w[i]
                coeffs[o * stride + i] = v < 0
                    ? Int32((v * 4194304.0 - 0.5).rounded(.towardZero))
                    : Int32((v * 4194304.0 + 0.5).rounded(.towardZero))
            }
            xmins[o] = Int32(lo)
            counts[o] = Int32(n)
        }
        maxTaps = stride
        xmin = xmins
        taps = counts
        coefficients = coeffs
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
