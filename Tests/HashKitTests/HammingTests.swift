import XCTest
@testable import HashKit

/// The one Swift Hamming distance, against bits counted one by one, and the family and packed
/// forms built on it.
final class HammingTests: XCTestCase {
    func bitByBit(_ a: [UInt64], _ b: [UInt64]) -> Int {
        zip(a, b).reduce(0) { sum, w in sum + (0..<64).filter { (w.0 >> UInt64($0)) & 1 != (w.1 >> UInt64($0)) & 1 }.count }
    }

    func testAgreesWithCountingBits() {
        var rng = SplitMix64(seed: 18)
        for words in [1, 4] {
            for _ in 0..<50 {
                let a = (0..<words).map { _ in rng.next() }, b = (0..<words).map { _ in rng.next() }
                XCTAssertEqual(Hamming.distance(a, b), bitByBit(a, b))
                XCTAssertEqual(Hamming.distance([0] + a, at: 1, b + [7], at: 0, words: words), bitByBit(a, b))
            }
        }
        XCTAssertEqual(Hamming.distance(0, .max), 64)
        XCTAssertEqual(Hamming.distance(0b1011, 0b0001), 2)
    }

    func testFamilyAndPackedDistancesUseIt() {
        let a = ImageHashes(phash: 0xff, blockmean: Hash256(words: SIMD4(1, 0, 0, 0)))
        let b = ImageHashes(phash: 0x0f, blockmean: Hash256(words: SIMD4(0, 0, 0, .max)))
        XCTAssertEqual(HashFamily.phash.distance(a, b), 4)
        XCTAssertEqual(HashFamily.blockmean.distance(a, b), 65)
        let packed = PackedHashes(.blockmean, [a, b])
        XCTAssertEqual(packed.distance(0, packed, 1), 65)
    }
}
