import XCTest
@testable import HashKit

/// Pillow LANCZOS, OpenCV INTER_LINEAR_EXACT and both full hashes against the reference tools'
/// outputs recorded by scripts/resize_fixtures.py.
final class HashResizeTests: XCTestCase {
    typealias F = HashResizeFixtures

    func plane(_ w: Int, _ h: Int, _ seed: Int) -> [UInt8] {
        var p = [UInt8]()
        p.reserveCapacity(w * h)
        for y in 0..<h { for x in 0..<w { p.append(F.value(x, y, seed)) } }
        return p
    }

    func rgb(_ w: Int, _ h: Int) -> DecodedImage {
        let planes = (1...3).map { plane(w, h, $0) }
        var p = [UInt8]()
        p.reserveCapacity(w * h * 3)
        for i in 0..<(w * h) { p += [planes[0][i], planes[1][i], planes[2][i]] }
        return DecodedImage(width: w, height: h, layout: .rgb, pixels: p)
    }

    func testLanczos32MatchesPillow() {
        var orders = Set<String>()
        for c in F.cases {
            let plan = PillowResizePlan(width: c.width, height: c.height)
            orders.insert("\(plan.order)")
            XCTAssertEqual(Hex.encode(plan.resize(plane(c.width, c.height, 0))), c.lanczos32,
                           "\(c.width)x\(c.height) \(plan.order)")
        }
        // The fixture sizes must cover every pass order.
        XCTAssertEqual(orders, ["copy", "horizontalOnly", "verticalOnly", "horizontalFirst", "verticalFirst"])
    }

    func testLinearExact256MatchesOpenCV() {
        for c in F.cases {
            let out = BlockMean.resizeChannel(plane(c.width, c.height, 0), width: c.width, height: c.height,
                                              channels: 1, channel: 0)
            XCTAssertEqual(Hex.encode(Array(out[0..<256])), c.linear256Row0, "\(c.width)x\(c.height) row 0")
            XCTAssertEqual(fnv1a(out), c.linear256FNV, "\(c.width)x\(c.height)")
        }
    }

    func testHashesMatchReferenceTools() {
        for c in F.cases {
            let h = ReferenceHasher.hash(rgb(c.width, c.height))
            XCTAssertEqual(HashFamily.phash.hex(of: h), c.phash, "phash \(c.width)x\(c.height)")
            XCTAssertEqual(HashFamily.blockmean.hex(of: h), c.blockmean, "blockmean \(c.width)x\(c.height)")
        }
    }

    /// The uniform `index0/index1/weight1` encoding reproduces OpenCV's border branches.
    func testLinearTablesEncodeBorders() {
        for (s, d) in [(1, 256), (2, 256), (97, 256), (256, 256), (512, 256), (3000, 256), (7, 3)] {
            let a = LinearExactAxis(srcSize: s, dstSize: d)
            for v in 0..<d {
                if v < a.leftBorderEnd {
                    XCTAssertEqual([a.index0[v], a.index1[v], a.weight1[v]], [0, 0, 0])
                } else if v >= a.rightBorderStart {
                    XCTAssertEqual([a.index0[v], a.index1[v], a.weight1[v]], [Int32(s - 1), Int32(s - 1), 0])
                } else {
                    XCTAssertEqual(a.index1[v], a.index0[v] + 1)
                    XCTAssert((0...256).contains(a.weight1[v]))
                }
            }
            // Border rows: (h·256 + 32768) >> 16 == (h + 128) >> 8 for every 8.8 value.
        }
        for h in 0...(255 * 256) { XCTAssertEqual((h * 256 + 32768) >> 16, (h + 128) >> 8) }
        XCTAssertEqual(LinearExactAxis(srcSize: 1, dstSize: 256).leftBorderEnd, 256)
        let same = LinearExactAxis(srcSize: 256, dstSize: 256)
        XCTAssertEqual(same.index0.map(Int.init), Array(0..<255) + [255])
        XCTAssertEqual(same.weight1, [Int32](repeating: 0, count: 256))
    }

    func testLanczosAxisTable() {
        let a = LanczosAxis(inSize: 97, outSize: 32)
        XCTAssertEqual(a.maxTaps, Int((3.0 * 97 / 32).rounded(.up)) * 2 + 1)
        XCTAssertEqual(a.coefficients.count, 32 * a.maxTaps)
        for o in 0..<32 {
            XCTAssert(a.taps[o] <= a.maxTaps)
            XCTAssert(Int(a.xmin[o] + a.taps[o]) <= 97)
            let row = a.coefficients[(o * a.maxTaps)..<((o + 1) * a.maxTaps)]
            // Normalised weights sum to 1.0 in 2^22 fixed point, up to per-tap rounding.
            XCTAssertLessThanOrEqual(abs(row.reduce(0, +) - (1 << 22)), Int32(a.taps[o]))
            XCTAssert(row.dropFirst(Int(a.taps[o])).allSatisfy { $0 == 0 })
        }
        let rows = PillowResizePlan(width: 40, height: 500).rowsRead
        XCTAssertEqual(rows, 0..<500)
    }

    func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
