import HashKit

/// phash on the CPU: Pillow L + LANCZOS 32x32 + pocketfft DCT, bit-identical to
/// `ReferenceHasher.phash`. Integer passes are exact whatever the summation order; the DCT runs
/// four columns per `SIMD4<Double>` through the same generic code as the scalar reference.
enum FastPHash {
    static let side = 32

    static func hash(_ src: ImageView, plan: PillowResizePlan) -> UInt64 {
        var small = [Int32](repeating: 0, count: side * side)
        small.withUnsafeMutableBufferPointer { out in
            switch plan.order {
            case .copy, .horizontalOnly, .verticalOnly, .horizontalFirst:
                horizontalFirst(src, plan: plan, into: out.baseAddress!)
            case .verticalFirst:
                verticalFirst(src, plan: plan, into: out.baseAddress!)
            }
        }
        return small.withUnsafeBufferPointer { dctBits($0.baseAddress!) }
    }

    /// One output sample of a LANCZOS axis: `row` holds the source samples as Int32.
    @inline(__always)
    static func tap(_ row: UnsafePointer<Int32>, _ k: UnsafePointer<Int32>, _ n: Int) -> Int32 {
        var acc = LanczosAxis.rounding
        for i in 0..<n { acc &+= row[i] &* k[i] }
        return acc
    }

    @inline(__always)
    static func clip8(_ acc: Int32) -> Int32 {
        let v = acc &>> 22
        return v < 0 ? 0 : (v > 255 ? 255 : v)
    }

    /// Rows of the source are converted to L and filtered horizontally one at a time (only
    /// those the vertical pass reads), then the 32-wide strip is filtered vertically.
    static func horizontalFirst(_ src: ImageView, plan: PillowResizePlan, into out: UnsafeMutablePointer<Int32>) {
        let rows = plan.rowsRead
        let w = src.width
        let rowBuf = UnsafeMutablePointer<Int32>.allocate(capacity: w)
        defer { rowBuf.deallocate() }
        let strip = UnsafeMutablePointer<Int32>.allocate(capacity: rows.count * side)
        defer { strip.deallocate() }
        for y in rows {
            let dst = strip + (y - rows.lowerBound) * side
            if let h = plan.horizontal {
                src.pillowLRow(y, into: rowBuf)
                h.coefficients.withUnsafeBufferPointer { k in
                    for o in 0..<side {
                        let acc = tap(rowBuf + Int(h.xmin[o]), k.baseAddress! + o * h.maxTaps, Int(h.taps[o]))
                        dst[o] = clip8(acc)
                    }
                }
            } else {
                src.pillowLRow(y, into: dst)  // width is already 32
            }
        }
        guard let v = plan.vertical else {
            out.update(from: strip, count: side * side)
            return
        }
        v.coefficients.withUnsafeBufferPointer { k in
            for o in 0..<side {
                var acc = [Int32](repeating: LanczosAxis.rounding, count: side)
                let base = strip + (Int(v.xmin[o]) - rows.lowerBound) * side
                let kk = k.baseAddress! + o * v.maxTaps
                acc.withUnsafeMutableBufferPointer { a in
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
    static func verticalFirst(_ src: ImageView, plan: PillowResizePlan, into out: UnsafeMutablePointer<Int32>) {
        guard let v = plan.vertical, let h = plan.horizontal else { return }
        let w = src.width
        let rowBuf = UnsafeMutablePointer<Int32>.allocate(capacity: w)
        defer { rowBuf.deallocate() }
        let acc = UnsafeMutablePointer<Int32>.allocate(capacity: side * w)
        defer { acc.deallocate() }
        acc.initialize(repeating: LanczosAxis.rounding, count: side * w)
        let first = Int(v.xmin[0]), last = Int(v.xmin[side - 1] + v.taps[side - 1])
        var lo = 0  // first output whose window may still contain the current row
        v.coefficients.withUnsafeBufferPointer { k in
            for y in first..<last {
                while lo < side && Int(v.xmin[lo] + v.taps[lo]) <= y { lo += 1 }
                src.pillowLRow(y, into: rowBuf)
                var o = lo
                while o < side && Int(v.xmin[o]) <= y {
                    let c = k[o * v.maxTaps + y - Int(v.xmin[o])]
                    let a = acc + o * w
                    for x in 0..<w { a[x] &+= rowBuf[x] &* c }
                    o += 1
                }
            }
        }
        h.coefficients.withUnsafeBufferPointer { k in
            for o in 0..<side {
                let a = acc + o * w
                for x in 0..<w { rowBuf[x] = clip8(a[x]) }
                for ox in 0..<side {
                    out[o * side + ox] = clip8(tap(rowBuf + Int(h.xmin[ox]), k.baseAddress! + ox * h.maxTaps,
                                                   Int(h.taps[ox])))
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
