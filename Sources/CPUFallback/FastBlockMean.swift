import CHashKernels
import HashKit

/// BlockMeanHash mode 0 on the CPU, bit-identical to `BlockMean.hash`: INTER_LINEAR_EXACT reads
/// two source rows per output row, so at most 512 rows of the source are ever touched.
enum FastBlockMean {
    static let side = BlockMean.side

    /// `verticalFirst`: blend row pairs first (nil: pick the cheaper order). Both orders give
    /// the same integers: the bilinear sum has no intermediate rounding.
    static func hash(_ src: ImageView, x ax: LinearExactAxis, y ay: LinearExactAxis,
                     verticalFirst: Bool? = nil) -> Hash256 {
        let ch = src.channels
        let plane = ch * side
        // Byte offsets of the two taps of each output column.
        var off0 = ax.index0.map { $0 * Int32(ch) }
        var off1 = ax.index1.map { $0 * Int32(ch) }
        var sums = [Int32](repeating: 0, count: 256)
        if verticalFirst ?? prefersVerticalFirst(src, y: ay) {
            let scratch = UnsafeMutablePointer<UInt16>.allocate(capacity: src.width * ch)
            defer { scratch.deallocate() }
            let base = src.pixels.baseAddress!, rowBytes = src.width * ch
            off0.withUnsafeBufferPointer { o0 in
            off1.withUnsafeBufferPointer { o1 in
            ax.weight1.withUnsafeBufferPointer { w1 in
            sums.withUnsafeMutableBufferPointer { s in
                for v in 0..<side {
                    chk_blockmean_row_vfirst_using(src.variant, base + Int(ay.index0[v]) * rowBytes,
                                                   base + Int(ay.index1[v]) * rowBytes, src.width, ch,
                                                   ay.weight1[v], o0.baseAddress!, o1.baseAddress!,
                                                   w1.baseAddress!, scratch, s.baseAddress! + (v >> 4) * 16)
                }
            }}}}
            return BlockMean.bits(blockSums: sums)
        }
        // Two horizontally filtered rows (8.8 fixed point, channel-planar). Output rows move
        // down monotonically, so a row is filtered once and reused while outputs still read it.
        let rows = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * 3 * side)
        defer { rows.deallocate() }
        var held = (-1, -1)  // source row in slot 0, slot 1
        off0.withUnsafeMutableBufferPointer { o0 in
        off1.withUnsafeMutableBufferPointer { o1 in
        ax.weight1.withUnsafeBufferPointer { w1 in
            func filtered(_ y: Int, keeping other: Int) -> UnsafeMutablePointer<Int32> {
                if held.0 == y { return rows }
                if held.1 == y { return rows + plane }
                let slot = held.0 == other ? 1 : 0
                chk_linear_row_using(src.variant, src.pixels.baseAddress! + y * src.width * ch, ch,
                                     o0.baseAddress!, o1.baseAddress!, w1.baseAddress!, rows + slot * plane)
                if slot == 0 { held.0 = y } else { held.1 = y }
                return rows + slot * plane
            }
            sums.withUnsafeMutableBufferPointer { s in
                for v in 0..<side {
                    let y0 = Int(ay.index0[v]), y1 = Int(ay.index1[v])
                    let top = filtered(y0, keeping: y1)
                    let bottom = filtered(y1, keeping: y0)
                    chk_blockmean_row_using(src.variant, top, bottom, ay.weight1[v], ch, s.baseAddress! + (v >> 4) * 16)
                }
            }
        }}}
        return BlockMean.bits(blockSums: sums)
    }

    /// Horizontal-first filters each distinct source row once (256 gathered columns per
    /// channel); vertical-first blends a full row pair per output row and gathers once. The
    /// weights are measured costs: a gathered column ~32 blended samples (AVX2, this machine).
    static func prefersVerticalFirst(_ src: ImageView, y ay: LinearExactAxis) -> Bool {
        var distinct = 0, last = -1
        for v in 0..<side {
            for r in [Int(ay.index0[v]), Int(ay.index1[v])] where r != last {
                distinct += 1
                last = r
            }
        }
        let horizontalCost = distinct * side * 32
        let verticalCost = side * (side * 32 + src.width * src.channels)
        return verticalCost < horizontalCost
    }
}
