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

    /// Memory the tables take, for the table cache's bound.
    var bytes: Int { (hi.count + lo.count) * 2 + (xmin.count + blocks.count) * 4 }

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
        let small = grid(src, plan: plan, kernel: kernel, rowsRead: rowsRead)
        return small.withUnsafeBufferPointer { dctBits($0.baseAddress!) }
    }

    /// The 32x32 LANCZOS grey grid (phash's working grid), row-major.
    static func grid(_ src: ImageView, plan: PillowResizePlan, kernel: KernelAxis?,
                     rowsRead: (Int) -> Void = { _ in }) -> [Int32] {
        var small = [Int32](repeating: 0, count: side * side)
        small.withUnsafeMutableBufferPointer { out in
            switch plan.order {
            case .copy, .horizontalOnly, .horizontalFirst:
                if plan.horizontal != nil && kernel == nil {
                    bandedHorizontalFirst(src, plan: plan, into: out.baseAddress!, rowsRead: rowsRead)
                } else {
                    horizontalFirst(src, plan: plan, kernel: kernel, into: out.baseAddress!, rowsRead: rowsRead)
                }
            case .verticalOnly, .verticalFirst:
                // A 32-wide image streams its rows like a tall one: no strip of all its rows.
                verticalFirst(src, plan: plan, kernel: kernel, into: out.baseAddress!, rowsRead: rowsRead)
            }
        }
        return small
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
        verticalStrip(strip, rows: rows, plan: plan, into: out)
    }

    /// Source samples per band of on-demand coefficients: 32 outputs x 4096 x 4 bytes = 512 kB.
    static let bandSamples = 4096

    /// Horizontal-first for an image whose horizontal axis is not dense (a very wide one): the
    /// columns go in bands; for each band the coefficients of every output that reads it are
    /// made once, then each row the vertical pass reads is converted to L over the band and
    /// added into its 32 accumulators. Wrapping Int32 sums are exact in any order (see
    /// `KernelAxis`), so the result equals one pass over the whole row.
    static func bandedHorizontalFirst(_ src: ImageView, plan: PillowResizePlan,
                                      into out: UnsafeMutablePointer<Int32>, rowsRead: (Int) -> Void) {
        guard let h = plan.horizontal else { return }
        let rows = plan.rowsRead
        let strip = UnsafeMutablePointer<Int32>.allocate(capacity: rows.count * side)
        defer { strip.deallocate() }
        strip.initialize(repeating: LanczosAxis.rounding, count: rows.count * side)
        let first = Int(h.xmin[0]), last = Int(h.xmin[side - 1] + h.taps[side - 1])
        var band = CoefficientBand(h, capacity: min(bandSamples, last - first))
        defer { band.deallocate() }
        let line = rowBuffer(band.capacity, padding: 0)
        defer { line.deallocate() }
        let pixels = src.pixels.baseAddress!
        var x0 = first
        while x0 < last {
            let x1 = min(x0 + band.capacity, last)
            band.load(x0..<x1)
            for y in rows {
                chk_pillow_l_using(src.variant, pixels + (y * src.width + x0) * src.channels, src.channels, line, x1 - x0)
                let acc = strip + (y - rows.lowerBound) * side
                for o in band.outputs {
                    let lo = max(Int(h.xmin[o]), x0), hi = min(Int(h.xmin[o] + h.taps[o]), x1)
                    guard lo < hi else { continue }
                    acc[o] &+= chk_dot_i16_i32(line + (lo - x0), band.coefficients(o, from: lo), hi - lo)
                }
            }
            x0 = x1
        }
        for i in 0..<(rows.count * side) { strip[i] = clip8(strip[i]) }
        rowsRead(rows.upperBound - 1)
        verticalStrip(strip, rows: rows, plan: plan, into: out)
    }

    /// The vertical pass over a strip of horizontally filtered rows `rows` (32 values each).
    static func verticalStrip(_ strip: UnsafeMutablePointer<Int32>, rows: Range<Int>, plan: PillowResizePlan,
                              into out: UnsafeMutablePointer<Int32>) {
        guard let v = plan.vertical else {
            out.update(from: strip, count: side * side)
            return
        }
        // Coefficients come in chunks, so a non-dense axis never needs a whole window at once.
        let chunk = min(v.maxTaps, bandSamples)
        let k = UnsafeMutablePointer<Int32>.allocate(capacity: chunk)
        defer { k.deallocate() }
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: side) { a in
            for o in 0..<side {
                for x in 0..<side { a[x] = LanczosAxis.rounding }
                let base = strip + (Int(v.xmin[o]) - rows.lowerBound) * side
                let taps = Int(v.taps[o])
                var i0 = 0
                while i0 < taps {
                    let i1 = min(i0 + chunk, taps)
                    v.fill(o, taps: i0..<i1, into: k)
                    for i in i0..<i1 {
                        let c = k[i - i0], r = base + i * side
                        for x in 0..<side { a[x] &+= r[x] &* c }
                    }
                    i0 = i1
                }
                for x in 0..<side { out[o * side + x] = clip8(a[x]) }
            }
        }
    }

    /// Tall images (Pillow >= 13), and 32-wide ones (vertical pass only): the vertical pass runs
    /// over the full width first. Each source row is converted once and added into the
    /// accumulators of the outputs whose window holds it, with coefficients made a band of rows
    /// at a time (from the dense table, or on demand for a very tall image), so memory stays
    /// 32 accumulators per column whatever the height.
    static func verticalFirst(_ src: ImageView, plan: PillowResizePlan, kernel: KernelAxis?,
                              into out: UnsafeMutablePointer<Int32>, rowsRead: (Int) -> Void) {
        guard let v = plan.vertical else { return }
        let w = src.width
        let row = rowBuffer(w, padding: kernel?.padding ?? 0)
        defer { row.deallocate() }
        let acc = UnsafeMutablePointer<Int32>.allocate(capacity: side * w)
        defer { acc.deallocate() }
        acc.initialize(repeating: LanczosAxis.rounding, count: side * w)
        let first = Int(v.xmin[0]), last = Int(v.xmin[side - 1] + v.taps[side - 1])
        var band = CoefficientBand(v, capacity: min(bandSamples, last - first))
        defer { band.deallocate() }
        var lo = 0  // first output whose window may still contain the current row
        var y0 = first
        while y0 < last {
            let y1 = min(y0 + band.capacity, last)
            band.load(y0..<y1)
            for y in y0..<y1 {
                while lo < side && Int(v.xmin[lo] + v.taps[lo]) <= y { lo += 1 }
                src.pillowLRow(y, into: row)
                var o = lo
                while o < side && Int(v.xmin[o]) <= y {
                    chk_accumulate_using(src.variant, acc + o * w, row, band.coefficients(o, from: y)[0], w)
                    o += 1
                }
                rowsRead(y)
            }
            y0 = y1
        }
        for o in 0..<side {
            let a = acc + o * w
            guard let h = plan.horizontal else {
                for x in 0..<side { out[o * side + x] = clip8(a[x]) }  // width is already 32
                continue
            }
            for x in 0..<w { row[x] = Int16(truncatingIfNeeded: clip8(a[x])) }
            if let k = kernel {
                k.apply(row, into: out + o * side, variant: src.variant)
            } else {
                // Not dense: only when tests force a tiny dense limit (a tall image's width is
                // far below any real limit).
                for x in 0..<side {
                    var s = LanczosAxis.rounding
                    for i in 0..<Int(h.taps[x]) { s &+= Int32(row[Int(h.xmin[x]) + i]) &* h.coefficient(x, i) }
                    out[o * side + x] = clip8(s)
                }
            }
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

/// The coefficients of one LANCZOS axis for a band of consecutive source samples, for every
/// output whose window meets the band: `outSize x capacity` Int32, refilled band by band.
struct CoefficientBand {
    let axis: LanczosAxis
    let capacity: Int
    /// The band loaded now.
    private(set) var samples: Range<Int> = 0..<0
    /// Outputs whose window meets `samples` (windows advance with the output index).
    private(set) var outputs: Range<Int> = 0..<0
    private let buffer: UnsafeMutablePointer<Int32>

    init(_ axis: LanczosAxis, capacity: Int) {
        self.axis = axis
        self.capacity = max(capacity, 1)
        buffer = .allocate(capacity: axis.outSize * self.capacity)
    }

    func deallocate() { buffer.deallocate() }

    /// Makes the coefficients of `band` (at most `capacity` samples).
    mutating func load(_ band: Range<Int>) {
        precondition(band.count <= capacity, "programmer error: band larger than its buffer")
        samples = band
        var first = axis.outSize, end = 0
        for o in 0..<axis.outSize {
            let lo = max(Int(axis.xmin[o]), band.lowerBound)
            let hi = min(Int(axis.xmin[o] + axis.taps[o]), band.upperBound)
            guard lo < hi else { continue }
            first = min(first, o)
            end = o + 1
            axis.fill(o, taps: (lo - Int(axis.xmin[o]))..<(hi - Int(axis.xmin[o])),
                      into: buffer + o * capacity + (lo - band.lowerBound))
        }
        outputs = first < end ? first..<end : 0..<0
    }

    /// Output `o`'s coefficients from source sample `s` on (`s` in the band and in o's window).
    @inline(__always)
    func coefficients(_ o: Int, from s: Int) -> UnsafePointer<Int32> {
        UnsafePointer(buffer + o * capacity + (s - samples.lowerBound))
    }
}
