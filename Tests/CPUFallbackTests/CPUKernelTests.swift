import XCTest
import CHashKernels
import HashKit
@testable import CPUFallback

/// The C kernels' contracts, checked directly across their variants.
final class CPUKernelTests: XCTestCase {
    /// The Int16 split of every LANCZOS coefficient reassembles exactly (largest |k| for a
    /// 32-wide output is about 5.3e6, far inside the 2^26 the split allows).
    func testCoefficientSplitIsExact() {
        for inSize in Array(1...300) + [511, 1000, 1919, 4000, 30000] {
            let axis = LanczosAxis(inSize: inSize, outSize: 32)
            let k = KernelAxis(axis)
            for o in 0..<32 {
                for i in 0..<k.stride {
                    let expected = i < Int(axis.taps[o]) ? axis.coefficients[o * axis.maxTaps + i] : 0
                    let got = Int32(k.hi[o * k.stride + i]) * 2048 + Int32(k.lo[o * k.stride + i])
                    if got != expected { return XCTFail("in \(inSize) o \(o) i \(i): \(got) != \(expected)") }
                }
            }
        }
    }

    /// Random rows and extreme coefficients: every variant equals the sequential Int32 sum.
    func testLanczosRowVariantsAgree() {
        var state: UInt64 = 1
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        let stride = 48, outs = 5, width = 200
        var row = (0..<(width + stride)).map { _ in Int16(next() % 256) }
        for i in width..<row.count { row[i] = 0 }
        let xmin: [Int32] = [0, 3, 50, 150, 152]
        let blocks: [Int32] = [3, 1, 2, 3, 3]
        var k = [Int32](repeating: 0, count: outs * stride)
        for o in 0..<outs {
            for i in 0..<(16 * Int(blocks[o])) {
                k[o * stride + i] = Int32(Int64(next() % (1 << 24)) - (1 << 22))  // -2^22 ..< 3·2^22
            }
        }
        let hi = k.map { Int16(truncatingIfNeeded: $0 >> 11) }, lo = k.map { Int16(truncatingIfNeeded: $0 & 2047) }
        var expected = [Int32](repeating: 0, count: outs)
        for o in 0..<outs {
            var acc: Int32 = 1 << 21
            for i in 0..<(16 * Int(blocks[o])) { acc &+= Int32(row[Int(xmin[o]) + i]) &* k[o * stride + i] }
            expected[o] = min(max(acc >> 22, 0), 255)
        }
        // The two-row kernel gets the row and its mirror image.
        let mirrored = Array(row[0..<width].reversed()) + row[width...]
        var expectedMirror = [Int32](repeating: 0, count: outs)
        for o in 0..<outs {
            var acc: Int32 = 1 << 21
            for i in 0..<(16 * Int(blocks[o])) { acc &+= Int32(mirrored[Int(xmin[o]) + i]) &* k[o * stride + i] }
            expectedMirror[o] = min(max(acc >> 22, 0), 255)
        }
        for variant in [CHK_PORTABLE, CHK_SSE2, CHK_AVX2] {
            var out = [Int32](repeating: -1, count: outs)
            chk_lanczos_row_using(Int32(variant), row, xmin, blocks, hi, lo, stride, outs, &out)
            XCTAssertEqual(out, expected, "variant \(variant)")
            var out0 = [Int32](repeating: -1, count: outs), out1 = out0
            chk_lanczos_rows2_using(Int32(variant), row, mirrored, xmin, blocks, hi, lo, stride, outs, &out0, &out1)
            XCTAssertEqual(out0, expected, "rows2 variant \(variant)")
            XCTAssertEqual(out1, expectedMirror, "rows2 variant \(variant)")
        }
    }

    func testPillowLVariantsAgreeOnAllColours() {
        // Every 8-bit colour appears once across 65 536 rows of 256 pixels would be slow in
        // debug builds; a stride through the cube covers all values of each channel.
        var rgb = [UInt8]()
        for r in stride(from: 0, through: 255, by: 5) {
            for g in 0...255 { for b in stride(from: g % 7, through: 255, by: 7) { rgb += [UInt8(r), UInt8(g), UInt8(b)] } }
        }
        let n = rgb.count / 3
        let expected = (0..<n).map { Int16(Gray.pillowL(r: rgb[3 * $0], g: rgb[3 * $0 + 1], b: rgb[3 * $0 + 2])) }
        for variant in [CHK_PORTABLE, CHK_SSE2, CHK_AVX2] {
            var out = [Int16](repeating: -1, count: n)
            chk_pillow_l_using(Int32(variant), rgb, 3, &out, n)
            XCTAssertEqual(out, expected, "variant \(variant)")
        }
    }
}
