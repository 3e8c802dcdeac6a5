/// Shrinks pixels by area averaging: each output pixel is the mean of the source area it
/// covers, partial pixels weighted by coverage. Never enlarges.
///
/// The arithmetic is fixed so that a test can compare it with a plain loop: each output row
/// first sums its source rows, `v = s[y0]*w0 + s[y1]*w1 + ...` in Float, then each output pixel
/// sums its columns of `v`, `h = v[x0]*u0 + v[x1]*u1 + ...`, rounded half away from zero and
/// clamped to 0...255. Columns first keeps the heavy loop (one multiply-add per source sample)
/// contiguous, so it vectorises; the gather over columns then runs once per output row, not
/// once per source row. Only one row of Float sums is kept.
public enum AreaDownscale {
    public static func fit(_ image: DecodedImage, longestSide: Int) -> (pixels: [UInt8], width: Int, height: Int) {
        let longest = max(image.width, image.height)
        guard longest > longestSide else { return (image.pixels, image.width, image.height) }
        let scale = Double(longestSide) / Double(longest)
        let outW = max(1, Int((Double(image.width) * scale).rounded()))
        let outH = max(1, Int((Double(image.height) * scale).rounded()))
        let ch = image.layout.channels
        let wx = Axis(from: image.width, to: outW), wy = Axis(from: image.height, to: outH)
        let stride = image.width * ch, rowLen = outW * ch

        let out = [UInt8](unsafeUninitializedCapacity: outH * rowLen) { dst, initialized in
            image.pixels.withUnsafeBufferPointer { src in
                let sums = UnsafeMutableBufferPointer<Float>.allocate(capacity: stride)
                let reduced = UnsafeMutableBufferPointer<Float>.allocate(capacity: rowLen)
                defer { sums.deallocate(); reduced.deallocate() }
                for oy in 0..<outH {
                    let taps = wy.range(oy)
                    for k in taps {
                        let row = UnsafeBufferPointer(rebasing: src[(wy.indices[k] * stride)..<((wy.indices[k] + 1) * stride)])
                        let weight = wy.weights[k]
                        // 0 + x*w == x*w exactly, so the first row initialises the sums.
                        if k == taps.lowerBound {
                            for i in 0..<stride { sums[i] = Float(row[i]) * weight }
                        } else {
                            for i in 0..<stride { sums[i] += Float(row[i]) * weight }
                        }
                    }
                    reduceRow(UnsafeBufferPointer(sums), channels: ch, axis: wx, into: reduced)
                    // A loop of its own so that the rounding vectorises too.
                    let outRow = UnsafeMutableBufferPointer(rebasing: dst[(oy * rowLen)..<((oy + 1) * rowLen)])
                    for i in 0..<rowLen { outRow[i] = byte(reduced[i]) }
                }
            }
            initialized = outH * rowLen
        }
        return (out, outW, outH)
    }

    /// One row of column sums reduced to the output width, per channel, in the fixed order.
    private static func reduceRow(_ sums: UnsafeBufferPointer<Float>, channels ch: Int, axis: Axis,
                                  into out: UnsafeMutableBufferPointer<Float>) {
        axis.indices.withUnsafeBufferPointer { indices in
            axis.weights.withUnsafeBufferPointer { weights in
                axis.offsets.withUnsafeBufferPointer { offsets in
                    for o in 0..<axis.count {
                        let first = offsets[o], end = offsets[o + 1]
                        if ch == 3 {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            for k in first..<end {
                                let p = indices[k] * 3, w = weights[k]
                                r += sums[p] * w
                                g += sums[p + 1] * w
                                b += sums[p + 2] * w
                            }
                            out[o * 3] = r
                            out[o * 3 + 1] = g
                            out[o * 3 + 2] = b
                        } else {
                            for c in 0..<ch {
                                var sum: Float = 0
                                for k in first..<end { sum += sums[indices[k] * ch + c] * weights[k] }
                                out[o * ch + c] = sum
                            }
                        }
                    }
                }
            }
        }
    }

    /// `UInt8(max(0, min(255, x.rounded())))` without the library rounding call and the
    /// conversion's trap checks, which cost more than the averaging itself.
    @inline(__always)
    static func byte(_ x: Float) -> UInt8 {
        let t: Float = x < 0 ? 0 : (x > 255 ? 255 : x)
        // Adding 2^23 leaves t rounded (ties to even) in the low mantissa bits.
        let magic: Float = 8_388_608
        var floor = (t + magic) - magic
        if floor > t { floor -= 1 }
        let rounded = t - floor >= 0.5 ? floor + 1 : floor
        return UInt8(truncatingIfNeeded: (rounded + magic).bitPattern)
    }

    /// For each output position, the source positions it covers and their normalised weights,
    /// flattened: output `o` uses entries `offsets[o] ..< offsets[o + 1]`.
    struct Axis {
        var indices: [Int] = []
        var weights: [Float] = []
        var offsets: [Int] = [0]

        init(from n: Int, to m: Int) {
            let span = Double(n) / Double(m)
            indices.reserveCapacity(n + m)
            weights.reserveCapacity(n + m)
            offsets.reserveCapacity(m + 1)
            for o in 0..<m {
                let start = Double(o) * span, end = min(Double(n), Double(o + 1) * span)
                var i = Int(start.rounded(.down))
                while Double(i) < end && i < n {
                    let covered = min(end, Double(i + 1)) - max(start, Double(i))
                    if covered > 1e-9 {
                        indices.append(i)
                        weights.append(Float(covered / span))
                    }
                    i += 1
                }
                offsets.append(indices.count)
            }
        }

        var count: Int { offsets.count - 1 }
        func range(_ o: Int) -> Range<Int> { offsets[o]..<offsets[o + 1] }
    }
}
