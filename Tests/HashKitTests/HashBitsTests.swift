import XCTest
@testable import HashKit

final class HashBitsTests: XCTestCase {
    func testGreyImagesHashOnOneChannel() {
        // BGR2GRAY(v, v, v) == v for every byte, so the RGB path and the grey path agree.
        for v in 0...255 { XCTAssertEqual(Gray.opencvGray(b: UInt8(v), g: UInt8(v), r: UInt8(v)), UInt8(v)) }
        for v in 0...255 { XCTAssertEqual(Gray.pillowL(r: UInt8(v), g: UInt8(v), b: UInt8(v)), UInt8(v)) }
        var rng = SplitMix64(seed: 3)
        for (w, h) in [(1, 1), (45, 300), (300, 45), (513, 257)] {
            let g = (0..<(w * h)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let grey = DecodedImage(width: w, height: h, layout: .gray, pixels: g)
            let rgb = DecodedImage(width: w, height: h, layout: .rgb, pixels: g.flatMap { [$0, $0, $0] })
            XCTAssertEqual(ReferenceHasher.hash(grey), ReferenceHasher.hash(rgb), "\(w)x\(h)")
        }
    }

    func testGrayFormulasOnKnownColours() {
        // Pillow and OpenCV disagree on pure colours; these are the tools' own outputs.
        XCTAssertEqual(Gray.pillowL(r: 255, g: 0, b: 0), 76)
        XCTAssertEqual(Gray.pillowL(r: 0, g: 255, b: 0), 150)
        XCTAssertEqual(Gray.pillowL(r: 0, g: 0, b: 255), 29)
        XCTAssertEqual(Gray.opencvGray(b: 0, g: 0, r: 255), 76)
        XCTAssertEqual(Gray.opencvGray(b: 0, g: 255, r: 0), 150)
        XCTAssertEqual(Gray.opencvGray(b: 255, g: 0, r: 0), 29)
        XCTAssertEqual(Gray.pillowL(r: 1, g: 2, b: 3), 2)  // (19595 + 76940 + 22413 + 32768) >> 16
    }

    func testPHashBitOrderAndMedian() {
        // Coefficient i = i: median 31.5, bits 32...63 set, i.e. the low 32 bits of the word.
        XCTAssertEqual(PHash.bits((0..<64).map(Double.init)), 0x0000_0000_ffff_ffff)
        // Only (0,0) above the median: most significant bit, as str(imagehash) prints it.
        var low = [Double](repeating: 0, count: 64)
        low[0] = 5
        XCTAssertEqual(Hex.encode(PHash.bits(low)), "8000000000000000")
        low[9] = 5  // (1,1) -> bit 63 - 9
        XCTAssertEqual(PHash.bits(low), 0x8040_0000_0000_0000)
        // Ties with the median are not set (strict >).
        XCTAssertEqual(PHash.bits([Double](repeating: 1, count: 64)), 0)
    }

    func testBlockMeanBitsAndHex() {
        // Block i has sum i: total 32640, bit set when 256·i >= 32640 i.e. i >= 127.5.
        let h = BlockMean.bits(blockSums: (0..<256).map { Int32($0) })
        XCTAssertEqual(h.words, SIMD4<UInt64>(0, 0, .max, .max))
        let sums = (0..<256).map { Int32($0 < 128 ? 0 : 10) }
        XCTAssertEqual(BlockMean.bits(blockSums: sums).words, SIMD4(0, 0, .max, .max))
        // Equal blocks: mean == every block, `>=` sets all bits (OpenCV gives ff..ff on solids).
        XCTAssertEqual(BlockMean.bits(blockSums: [Int32](repeating: 9, count: 256)).hex,
                       String(repeating: "f", count: 64))
        // LSB-first: block 0 is bit 0 of byte 0 -> hex "01...".
        var one = [Int32](repeating: 0, count: 256)
        one[0] = 1
        XCTAssertEqual(BlockMean.bits(blockSums: one).hex, "01" + String(repeating: "0", count: 62))
        XCTAssertEqual(Hash256(hex: BlockMean.bits(blockSums: one).hex), BlockMean.bits(blockSums: one))
    }
}
