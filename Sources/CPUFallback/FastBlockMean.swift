import HashKit

/// BlockMeanHash mode 0 on the CPU, bit-identical to `BlockMean.hash`: INTER_LINEAR_EXACT reads
/// two source rows per output row, so at most 512 rows of the source are ever touched.
enum FastBlockMean {
    static let side = BlockMean.side

    static func hash(_ src: ImageView, x ax: LinearExactAxis, y ay: LinearExactAxis) -> Hash256 {
        let ch = src.channels
        // Two horizontally filtered rows (8.8 fixed point, channel-planar), reused while the
        // output rows keep reading the same source rows (upscaling, small images).
        let rows = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * 3 * side)
        defer { rows.deallocate() }
        var cached: (Int, Int) = (-1, -1)  // source row held by slot 0 and slot 1
        var sums = [Int32](repeating: 0, count: 256)
        ax.index0.withUnsafeBufferPointer { i0 in
        ax.index1.withUnsafeBufferPointer { i1 in
        ax.weight1.withUnsafeBufferPointer { w1 in
            func filtered(_ y: Int) -> UnsafeMutablePointer<Int32> {
                if cached.0 == y { return rows }
                if cached.1 == y { return rows + 3 * side }
                // Evict the slot not holding the other row this output needs.
                let slot = cached.0 < cached.1 ? 0 : 1
                let dst = rows + slot * 3 * side
                let line = src.pixels.baseAddress! + y * src.width * ch
                for c in 0..<ch {
                    let d = dst + c * side
                    for v in 0..<side {
                        let a = Int32(line[Int(i0[v]) * ch + c]), b = Int32(line[Int(i1[v]) * ch + c])
                        let k1 = w1[v]
                        d[v] = (256 &- k1) &* a &+ k1 &* b
                    }
                }
                if slot == 0 { cached.0 = y } else { cached.1 = y }
                return dst
            }
            sums.withUnsafeMutableBufferPointer { s in
                var gray = [Int32](repeating: 0, count: side)
                gray.withUnsafeMutableBufferPointer { g in
                    for v in 0..<side {
                        let k1 = ay.weight1[v], k0 = 256 &- k1
                        let top = filtered(Int(ay.index0[v]))
                        let bottom = filtered(Int(ay.index1[v]))
                        if ch == 1 {
                            for x in 0..<side { g[x] = (top[x] &* k0 &+ bottom[x] &* k1 &+ 32768) &>> 16 }
                        } else {
                            let tr = top, tg = top + side, tb = top + 2 * side
                            let br = bottom, bg = bottom + side, bb = bottom + 2 * side
                            for x in 0..<side {
                                let r = (tr[x] &* k0 &+ br[x] &* k1 &+ 32768) &>> 16
                                let gg = (tg[x] &* k0 &+ bg[x] &* k1 &+ 32768) &>> 16
                                let b = (tb[x] &* k0 &+ bb[x] &* k1 &+ 32768) &>> 16
                                g[x] = (3735 &* b &+ 19235 &* gg &+ 9798 &* r &+ 16384) &>> 15
                            }
                        }
                        let blockRow = (v >> 4) * 16
                        for bx in 0..<16 {
                            var sum: Int32 = 0
                            for x in 0..<16 { sum &+= g[bx * 16 + x] }
                            s[blockRow + bx] &+= sum
                        }
                    }
                }
            }
        }}}
        return BlockMean.bits(blockSums: sums)
    }
}
