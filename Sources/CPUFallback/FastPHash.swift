import CHashKernels
import HashKit

/// A LANCZOS axis laid out for `chk_lanczos_row`: taps rounded up to blocks of 16 with zero
/// coefficients, each coefficient split as `hi * 2048 + lo` so both halves fit Int16 and the
/// products run as 16-bit multiply-adds. The sum is reassembled modulo 2^32, and Pillow's true
/// Int32 sum fits, so the result is exactly Pillow's sequential loop.
struct KernelAxis {
    let outSize: Int
    let stride: Int
    let xmin: [Int32]
    let blocks: [Int32]
    let hi: [Int16]
    let lo: [Int16]

    init(_ axis: LanczosAxis) {
        outSize = axis.outSize
        stride = (axis.maxTaps + 15) & ~15
        xmin = axis.xmin
        blocks = axis.taps.map { ($0 + 15) / 16 }
        var h = [Int16](repeating: 0, count: axis.outSize * stride)
        var l = h
        for o in 0..<axis.outSize {
            for i in 0..<Int(axis.taps[o]) {
                let k = axis.coefficients[o * axis.maxTaps + i]
                h[o * stride + i] = Int16(truncatingIfNeeded: k >> 11)
                l[o * stride + i] = Int16(truncatingIfNeeded: k & 2047)
            }
        }
        hi = h
        lo = l
    }

    /// Two rows at once, sharing coefficient loads.
    @inline(__always)
    func apply2(_ row0: UnsafePointer<Int16>, _ row1: UnsafePointer<Int16>, into out0: UnsafeMutablePointer<Int32>,
                _ out1: UnsafeMutablePointer<Int32>, variant: Int32) {
        xmin.withUnsafeBufferPointer { x in
            blocks.withUnsafeBufferPointer { b in
                hi.withUnsafeBufferPointer { h in
                    lo.withUnsafeBufferPointer { l in
                        chk_lanczos_rows2_using(variant, row0, row1, x.baseAddress!, b.baseAddress!, h.baseAddress!,
                                                l.baseAddress!, stride, outSize, out0, out1)
                    }
                }
            }
        }
    }

    /// How far past the source row the padded blocks may read.
    var padding: Int { stride }

    /// `outSize` samples from `row` (which must hold `padding` readable samples past its end).
    @inline(__always)
    func apply(_ row: UnsafePointer<Int16>, into out: UnsafeMutablePointer<Int32>, variant: Int32) {
        xmin.withUnsafeBufferPointer { x in
            blocks.withUnsafeBufferPointer { b in
                hi.withUnsafeBufferPointer { h in
                    lo.withUnsafeBufferPointer { l in
                        chk_lanczos_row_using(variant, row, x.baseAddress!, b.baseAddress!, h.baseAddress!, l.baseAddress!,
                                        stride, outSize, out)
                    }
                }
            }
        }
    }
}

/// phash on the CPU: Pillow L + LANCZOS 32x32 + pocketfft DCT, bit-identical to
/// `ReferenceHasher.phash`. Integer passes are exact whatever the summation order; the DCT runs
/// four columns per `SIMD4<Double>` through the same generic code as the scalar reference.
enum FastPHash {
    static let side = 32

    /// `rowsRead(y)` is told each time the source rows up to `y` have been read, in order.
    static func hash(_ src: ImageView, plan: PillowResizePlan, kernel: KernelAxis?,
                     rowsRead: (Int) -> Void = { _ in }) -> UInt64 {
        var small = [Int32](repeating: 0, count: side * side)
        small.withUnsafeMutableBufferPointer { out in
            switch plan.order {
            case .copy, .horizontalOnly, .verticalOnly, .horizontalFirst:
                horizontalFirst(src, plan: plan, kernel: kernel, into: out.baseAddress!, rowsRead: rowsRead)
            case .verticalFirst:
                verticalFirst(src, plan: plan, kernel: kernel, into: out.baseAddress!, rowsRead: rowsRead)
            }
        }
        return small.withUnsafeBufferPointer { dctBits($0.baseAddress!) }
    }

    @inline(__always)
    static func clip8(_ acc: Int32) -> Int32 {
        let v = acc &>> 22
        return v < 0 ? 0 : (v > 255 ? 255 : v)
    }

    /// A zero-padded Int16 row buffer.
    static func rowBuffer(_ width: Int, padding: Int) -> UnsafeMutablePointer<Int16> {
        let p = UnsafeMutablePointer<Int16>.allocate(capacity: width + padding)
        p.initialize(repeating: 0, count: width + padding)
        return p
    }

    /// Rows of the source are converted to L and filtered horizontally one at a time (only
    /// those the vertical pass reads), then the 32-wide strip is filtered vertically.
    static func horizontalFirst(_ src: ImageView, plan: PillowResizePlan, kernel: KernelAxis?,
                                into out: UnsafeMutablePointer<Int32>, rowsRead: (Int) -> Void) {
        let rows = plan.rowsRead
        let strip = UnsafeMutablePointer<Int32>.allocate(capacity: rows.count * side)
        defer { strip.deallocate() }
        let pad = kernel?.padding ?? 0
        let row = rowBuffer(src.width, padding: pad), row2 = rowBuffer(src.width, padding: pad)
        defer { row.deallocate(); row2.deallocate() }
        var y = rows.lowerBound
        while y < rows.upperBound {
            let dst = strip + (y - rows.lowerBound) * side
            src.pillowLRow(y, into: row)
            if let h = kernel {
                if y + 1 < rows.upperBound {
                    src.pillowLRow(y + 1, into: row2)
                    h.apply2(row, row2, into: dst, dst + side, variant: src.variant)
                    rowsRead(y + 1)
                    y += 2
                    continue
                }
                h.apply(row, into: dst, variant: src.variant)
            } else {
                for x in 0..<side { dst[x] = Int32(row[x]) }  // width is already 32
            }
            rowsRead(y)
            y += 1
        }
        guard let v = plan.vertical else {
            out.update(from: strip, count: side * side)
            return
        }
        v.coefficients.withUnsafeBufferPointer { k in
            var acc = [Int32](repeating: 0, count: side)
            acc.withUnsafeMutableBufferPointer { a in
                for o in 0..<side {
                    for x in 0..<side { a[x] = LanczosAxis.rounding }
                    let base = strip + (Int(v.xmin[o]) - rows.lowerBound) * side
                    let kk = k.baseAddress! + o * v.maxTaps
                    for i in 0..<Int(v.taps[o]) {
                        let c = kk[i], r = base + i * side
                        for x in 0..<side { a[x] &+= r[x] &* c }
                    }
                    for x in 0..<side { out[o * side + x] = clip8(a[x]) }
                }
            }
        }
    }

    /// Tall images (Pillow >= 13): the vertical pass runs over the full width first. Each source
    /// row is converted once and added into the accumulators of the outputs whose window holds it.
    static func verticalFirst(_ src: ImageView, plan: PillowResizePlan, kernel: KernelAxis?,
                              into out: UnsafeMutablePointer<Int32>, rowsRead: (Int) -> Void) {
        guard let v = plan.vertical, let h = kernel else { return }
        let w = src.width
        let row = rowBuffer(w, padding: h.padding)
        defer { row.deallocate() }
        let acc = UnsafeMutablePointer<Int32>.allocate(capacity: side * w)
        defer { acc.deallocate() }
        acc.initialize(repeating: LanczosAxis.rounding, count: side * w)
        let first = Int(v.xmin[0]), last = Int(v.xmin[side - 1] + v.taps[side - 1])
        var lo = 0  // first output whose window may still contain the current row
        v.coefficients.withUnsafeBufferPointer { k in
            for y in first..<last {
                while lo < side && Int(v.xmin[lo] + v.taps[lo]) <= y { lo += 1 }
                src.pillowLRow(y, into: row)
                var o = lo
                while o < side && Int(v.xmin[o]) <= y {
                    chk_accumulate_using(src.variant, acc + o * w, row, k[o * v.maxTaps + y - Int(v.xmin[o])], w)
                    o += 1
                }
                rowsRead(y)
            }
        }
        for o in 0..<side {
            let a = acc + o * w
            for x in 0..<w { row[x] = Int16(truncatingIfNeeded: clip8(a[x])) }
            h.apply(row, into: out + o * side, variant: src.variant)
        }
    }

    /// DCT of all 32 columns (four per SIMD4 lane group), then of rows 0...7, then the bits.
    static func dctBits(_ px: UnsafePointer<Int32>) -> UInt64 {
        var low = [Double](repeating: 0, count: 64)
        withUnsafeTemporaryAllocation(of: SIMD4<Double>.self, capacity: 2 * side) { buf in
            let c = buf.baseAddress!, t = c + side
            // cols[y * 8 + g] = axis-0 output y of columns 4g...4g+3.
            var cols = [SIMD4<Double>](repeating: .zero, count: side * 8)
            for g in 0..<8 {
                for y in 0..<side {
                    let p = px + y * side + 4 * g
                    c[y] = SIMD4(Double(p[0]), Double(p[1]), Double(p[2]), Double(p[3]))
                }
                PocketDCT32.transform(c, scratch: t)
                for y in 0..<side { cols[y * 8 + g] = c[y] }
            }
            // Rows 0...7 of the axis-0 result, four rows per lane group.
            for rg in 0..<2 {
                for x in 0..<side {
                    let g = x >> 2, lane = x & 3
                    c[x] = SIMD4(cols[(4 * rg) * 8 + g][lane], cols[(4 * rg + 1) * 8 + g][lane],
                                 cols[(4 * rg + 2) * 8 + g][lane], cols[(4 * rg + 3) * 8 + g][lane])
                }
                PocketDCT32.transform(c, scratch: t)
                for r in 0..<4 {
                    for x in 0..<8 { low[(4 * rg + r) * 8 + x] = c[x][r] }
                }
            }
        }
        return PHash.bits(low)
    }
}
