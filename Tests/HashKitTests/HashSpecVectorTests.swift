import XCTest
import TestSupport
@testable import HashKit

/// ALGORITHMS.md §7: the reference tools' hashes and intermediate values for images A–E.
final class HashSpecVectorTests: XCTestCase {
    func testReferenceHasherMatchesSpecHashes() {
        for (name, image, phash, blockmean) in SpecImages.vectors {
            let h = ReferenceHasher.hash(image)
            XCTAssertEqual(HashFamily.phash.hex(of: h), phash, "phash of \(name)")
            XCTAssertEqual(HashFamily.blockmean.hex(of: h), blockmean, "blockmean of \(name)")
        }
    }

    func testPillowGrayRows() {
        let cases: [(DecodedImage, [UInt8])] = [
            (SpecImages.a, [0, 3, 5, 8, 10, 13, 15, 18]),
            (SpecImages.b, [0, 0, 1, 2, 3, 4, 5, 5]),
            (SpecImages.c, [0, 5, 10, 15, 20, 25, 30, 35]),
            (SpecImages.e, [15, 15, 15, 15, 15, 15, 15, 15]),
        ]
        for (image, row) in cases { XCTAssertEqual(Array(Gray.pillowL(image)[0..<8]), row) }
    }

    func testResized32Rows() {
        let cases: [(DecodedImage, [UInt8])] = [
            (SpecImages.a, [3, 11, 20, 29, 37, 46, 54, 62]),
            (SpecImages.b, [3, 11, 19, 27, 35, 43, 51, 59]),
            (SpecImages.c, [18, 24, 30, 36, 43, 49, 55, 61]),
            (SpecImages.d, [128, 128, 128, 128, 128, 128, 128, 128]),
            (SpecImages.e, [26, 69, 31, 69, 31, 69, 31, 69]),
        ]
        for (image, row) in cases { XCTAssertEqual(Array(ReferenceHasher.resized32(image)[0..<8]), row) }
    }

    func testPassOrderRegressionVector() {
        let image = SpecImages.passOrder
        let plan = PillowResizePlan(width: 40, height: 500)
        XCTAssertEqual(plan.order, .verticalFirst)
        let sum = ReferenceHasher.resized32(image).reduce(0) { $0 + Int($1) }
        XCTAssertEqual(sum, 123106)
    }

    func testPassOrderRule() {
        func order(_ w: Int, _ h: Int, _ ow: Int = 32, _ oh: Int = 32) -> PassOrder {
            PassOrder.pillow13(width: w, height: h, outWidth: ow, outHeight: oh)
        }
        XCTAssertEqual(order(40, 60), .verticalFirst)
        XCTAssertEqual(order(40, 60, 8, 8), .horizontalFirst)
        XCTAssertEqual(order(31, 200), .verticalFirst)
        XCTAssertEqual(order(100, 37), .horizontalFirst)
        XCTAssertEqual(order(32, 32), .copy)
        XCTAssertEqual(order(32, 500), .verticalOnly)
        XCTAssertEqual(order(500, 32), .horizontalOnly)
        XCTAssertEqual(order(10, 10), .horizontalFirst)  // both grow: dh < 0
    }

    func testSolidImages() {
        let black = DecodedImage(width: 7, height: 9, layout: .gray, pixels: [UInt8](repeating: 0, count: 63))
        XCTAssertEqual(ReferenceHasher.phash(black), 0)
        let grey = DecodedImage(width: 70, height: 90, layout: .gray, pixels: [UInt8](repeating: 77, count: 6300))
        XCTAssertEqual(ReferenceHasher.phash(grey), 0x8000_0000_0000_0000)
        XCTAssertEqual(HashFamily.blockmean.hex(of: ReferenceHasher.hash(grey)), String(repeating: "f", count: 64))
    }
}
