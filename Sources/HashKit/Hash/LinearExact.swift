/// OpenCV `resize(..., INTER_LINEAR_EXACT)` tables for one axis of an 8-bit image (§3.2):
/// 2-tap bilinear in 8.8 fixed point. For dst index `v`:
/// `value = (256 - weight1[v]) * src[index0[v]] + weight1[v] * src[index1[v]]`.
/// Border outputs (OpenCV copies `src[0]` or `src[s-1]`) are encoded with `index0 == index1`,
/// which yields exactly the copy (×256) horizontally and, vertically, the same rounding as
/// OpenCV's border rows: `(h·256 + 32768) >> 16 == (h + 128) >> 8`.
public struct LinearExactAxis: Sendable, Equatable {
    public let srcSize: Int
    public let dstSize: Int
    public let index0: [Int32]
    public let index1: [Int32]
    /// OpenCV's `c1` in 0...256 (`c0 = 256 - c1`).
    public let weight1: [Int32]
    /// Outputs `0..<leftBorderEnd` copy `src[0]` (all of them when `srcSize == 1`).
    public let leftBorderEnd: Int
    /// Outputs `rightBorderStart..<dstSize` copy `src[srcSize - 1]`.
    public let rightBorderStart: Int

    public init(srcSize s: Int, dstSize d: Int) {
        precondition(s > 0 && d > 0, "programmer error: empty axis")
        srcSize = s
        dstSize = d
        // cv::resize computes inv_scale = d / s, and the interpolator takes 1 / inv_scale:
        // two roundings, not s / d.
        let inv = Double(d) / Double(s)
        let scale = 1.0 / inv
        var i0 = [Int32](repeating: 0, count: d)
        var i1 = [Int32](repeating: 0, count: d)
        var w1 = [Int32](repeating: 0, count: d)
        var left = 0
        var right = d
        for v in 0..<d {
            var f = scale * (Double(v) + 0.5)
            f = f - 0.5
            let i = Int(f.rounded(.down))
            if i >= 0 && s > 1 {
                if i < s - 1 {
                    i0[v] = Int32(i)
                    i1[v] = Int32(i + 1)
                    w1[v] = Int32(((f - Double(i)) * 256).rounded(.toNearestOrEven))
                } else {
                    right = min(right, v)
                    i0[v] = Int32(s - 1)
                    i1[v] = Int32(s - 1)
                }
            } else {
                left = max(left, v + 1)
            }
        }
        index0 = i0
        index1 = i1
        weight1 = w1
        leftBorderEnd = left
        rightBorderStart = right
    }
}

/// OpenCV BlockMeanHash mode 0 (§3.5) and the INTER_LINEAR_EXACT resize it starts with.
public enum BlockMean {
    public static let side = 256

    /// Scalar reference: one 8-bit channel (`stride` bytes apart, starting at `offset`) of a
    /// `width x height` image resized to 256x256, following OpenCV's border rules literally.
    public static func resizeChannel(_ pixels: [UInt8], width: Int, height: Int, channels: Int,
                                     channel: Int) -> [UInt8] {
        let ax = LinearExactAxis(srcSize: width, dstSize: side)
        let ay = LinearExactAxis(srcSize: height, dstSize: side)
        // Horizontal pass in 8.8 fixed point, no rounding.
        func hrow(_ y: Int) -> [Int] {
            (0..<side).map { v -> Int in
                let px = { (x: Int) in Int(pixels[(y * width + x) * channels + channel]) }
                if v < ax.leftBorderEnd { return px(0) * 256 }
                if v >= ax.rightBorderStart { return px(width - 1) * 256 }
                let c1 = Int(ax.weight1[v])
                return (256 - c1) * px(Int(ax.index0[v])) + c1 * px(Int(ax.index0[v]) + 1)
            }
        }
        var out = [UInt8](repeating: 0, count: side * side)
        for v in 0..<side {
            let row: [Int]
            if v < ay.leftBorderEnd {
                row = hrow(0).map { ($0 + 128) >> 8 }
            } else if v >= ay.rightBorderStart {
                row = hrow(height - 1).map { ($0 + 128) >> 8 }
            } else {
                let c1 = Int(ay.weight1[v])
                let top = hrow(Int(ay.index0[v])), bottom = hrow(Int(ay.index0[v]) + 1)
                row = (0..<side).map { (top[$0] * (256 - c1) + bottom[$0] * c1 + 32768) >> 16 }
            }
            for x in 0..<side { out[v * side + x] = UInt8(row[x]) }
        }
        return out
    }

    /// Mode-0 bits from a 256x256 grey image: block (r, c) of 16x16 is bit `16r + c`, set when
    /// its mean is >= the image mean, i.e. `blockSum * 256 >= totalSum`.
    public static func bits(gray: [UInt8]) -> Hash256 {
        precondition(gray.count == side * side, "programmer error: blockmean needs 256x256 pixels")
        var sums = [Int](repeating: 0, count: 256)
        for y in 0..<side {
            for x in 0..<side { sums[(y >> 4) * 16 + (x >> 4)] += Int(gray[y * side + x]) }
        }
        return bits(blockSums: sums)
    }

    /// Mode-0 bits from the 256 block sums in block order.
    @inlinable
    public static func bits(blockSums sums: UnsafeBufferPointer<Int32>) -> Hash256 {
        var total = 0
        for s in sums { total += Int(s) }
        var w = SIMD4<UInt64>.zero
        for i in 0..<256 where Int(sums[i]) * 256 >= total { w[i >> 6] |= 1 << UInt64(i & 63) }
        return Hash256(words: w)
    }

    public static func bits(blockSums sums: [Int]) -> Hash256 {
        bits(blockSums: sums.map { Int32($0) })
    }

    public static func bits(blockSums sums: [Int32]) -> Hash256 {
        sums.withUnsafeBufferPointer { bits(blockSums: $0) }
    }

    /// BlockMeanHash mode 0 of an image as `convert("RGB")` then BGR order would give it.
    /// Grey images need one channel: BGR2GRAY(v, v, v) == v because the weights sum to 32768.
    public static func hash(_ image: DecodedImage) -> Hash256 {
        bits(gray: gray(image))
    }

    /// The 256x256 grey grid BlockMeanHash takes its block means of (its working grid).
    public static func gray(_ image: DecodedImage) -> [UInt8] {
        let c = image.layout.channels
        let resized = (0..<c).map {
            resizeChannel(image.pixels, width: image.width, height: image.height, channels: c, channel: $0)
        }
        let gray: [UInt8]
        switch image.layout {
        case .gray:
            gray = resized[0]
        case .rgb:
            // Channel 0 is R: in OpenCV's BGR array it is channel 2.
            gray = (0..<side * side).map { Gray.opencvGray(b: resized[2][$0], g: resized[1][$0], r: resized[0][$0]) }
        }
        return gray
    }
}
