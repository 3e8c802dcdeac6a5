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
        BlockMeanPass(src, x: ax, y: ay, verticalFirst: verticalFirst).finish()
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

/// The blockmean of one image, computed output row by output row as the source rows become
/// available: the phash pass streams the image top to bottom and calls `advance(through:)`,
/// so the rows blockmean needs are read while they are still in cache.
final class BlockMeanPass {
    private static let side = BlockMean.side
    private let src: ImageView
    private let ax: LinearExactAxis
    private let ay: LinearExactAxis
    private let verticalFirst: Bool
    /// Byte offsets of the two taps of each output column.
    private var off0: [Int32]
    private var off1: [Int32]
    private var sums = [Int32](repeating: 0, count: 256)
    /// Next output row to compute.
    private var next = 0
    /// Vertical-first: one blended row (uint16). Horizontal-first: two filtered source rows
    /// (8.8 fixed point, channel-planar), reused while output rows still read them.
    private let scratch: UnsafeMutableRawPointer
    private var held = (-1, -1)

    init(_ src: ImageView, x ax: LinearExactAxis, y ay: LinearExactAxis, verticalFirst: Bool? = nil) {
        self.src = src
        self.ax = ax
        self.ay = ay
        self.verticalFirst = verticalFirst ?? FastBlockMean.prefersVerticalFirst(src, y: ay)
        let ch = Int32(src.channels)
        off0 = ax.index0.map { $0 * ch }
        off1 = ax.index1.map { $0 * ch }
        let bytes = self.verticalFirst ? src.width * src.channels * 2 : 2 * 3 * Self.side * 4
        scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 32)
    }

    deinit { scratch.deallocate() }

    /// Computes every output row whose source rows are all `<= y`.
    func advance(through y: Int) {
        while next < Self.side && Int(max(ay.index0[next], ay.index1[next])) <= y {
            row(next)
            next += 1
        }
    }

    /// Computes the remaining rows and returns the hash.
    func finish() -> Hash256 {
        BlockMean.bits(blockSums: finishSums())
    }

    /// Computes the remaining rows and returns the 16x16 block sums, row-major.
    func finishSums() -> [Int32] {
        advance(through: Int.max)
        return sums
    }

    private func row(_ v: Int) {
        let ch = src.channels
        let y0 = Int(ay.index0[v]), y1 = Int(ay.index1[v])
        let base = src.pixels.baseAddress!
        off0.withUnsafeBufferPointer { o0 in
        off1.withUnsafeBufferPointer { o1 in
        ax.weight1.withUnsafeBufferPointer { w1 in
        sums.withUnsafeMutableBufferPointer { s in
            let blockRow = s.baseAddress! + (v >> 4) * 16
            if verticalFirst {
                let rowBytes = src.width * ch
                chk_blockmean_row_vfirst_using(src.variant, base + y0 * rowBytes, base + y1 * rowBytes, src.width, ch,
                                               ay.weight1[v], o0.baseAddress!, o1.baseAddress!, w1.baseAddress!,
                                               scratch.assumingMemoryBound(to: UInt16.self), blockRow)
            } else {
                let top = filtered(y0, keeping: y1, o0, o1, w1)
                let bottom = filtered(y1, keeping: y0, o0, o1, w1)
                chk_blockmean_row_using(src.variant, top, bottom, ay.weight1[v], ch, blockRow)
            }
        }}}}
    }

    /// Source row `y` filtered horizontally, from the two-slot cache or computed into the slot
    /// not holding `other` (the other row the current output needs).
    private func filtered(_ y: Int, keeping other: Int, _ o0: UnsafeBufferPointer<Int32>,
                          _ o1: UnsafeBufferPointer<Int32>, _ w1: UnsafeBufferPointer<Int32>) -> UnsafeMutablePointer<Int32> {
        let plane = src.channels * Self.side
        let rows = scratch.assumingMemoryBound(to: Int32.self)
        if held.0 == y { return rows }
        if held.1 == y { return rows + plane }
        let slot = held.0 == other ? 1 : 0
        chk_linear_row_using(src.variant, src.pixels.baseAddress! + y * src.width * src.channels, src.channels,
                             o0.baseAddress!, o1.baseAddress!, w1.baseAddress!, rows + slot * plane)
        if slot == 0 { held.0 = y } else { held.1 = y }
        return rows + slot * plane
    }
}
