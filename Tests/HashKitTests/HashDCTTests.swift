import XCTest
@testable import HashKit

final class HashDCTTests: XCTestCase {
    func testMatchesScipyBitForBit() {
        for (name, input, expected) in HashDCTVectors.cases {
            let y = PocketDCT32.dct32(input.map { Double(bitPattern: $0) })
            XCTAssertEqual(y.map { $0.bitPattern }, expected, name)
        }
    }

    func testSpecUnitVector() {
        let y = PocketDCT32.dct32((0..<32).map { Double((37 * $0) % 256) })
        XCTAssertEqual(y[0], 0x1.b600000000000p+12)
        XCTAssertEqual(y[1], -0x1.449bcac34a0ccp+8)
        XCTAssertEqual(y[2], -0x1.c9581a9278a52p+8)
        XCTAssertEqual(y[3], -0x1.561672175e7aep+7)
        XCTAssertEqual(y[8], -0x1.93c0d303bbf21p+10)
        XCTAssertEqual(y[16].bitPattern, 0)
        XCTAssertEqual(y[31], 0x1.2ad8c13359958p+5)
    }

    func testConstantInputGivesExactZeroAC() {
        for v in [1.0, 93.0, 255.0, 12345.678] {
            let y = PocketDCT32.dct32([Double](repeating: v, count: 32))
            XCTAssertEqual(y[0], 64 * v)
            for k in 1..<32 { XCTAssertEqual(y[k], 0, "k=\(k) v=\(v)") }
        }
    }

    func testSymmetricInputGivesExactZeroOddOutputs() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<50 {
            let half = (0..<16).map { _ in Double(rng.next() % 256) }
            let y = PocketDCT32.dct32(half + half.reversed())
            for k in stride(from: 1, to: 32, by: 2) { XCTAssertEqual(y[k], 0, "k=\(k)") }
        }
    }

    /// The SIMD4 instantiation (what the CPU engine runs) is lane-for-lane the scalar one.
    func testFourLanesMatchScalar() {
        var rng = SplitMix64(seed: 11)
        let vectors = (0..<4).map { _ in (0..<32).map { _ in Double(rng.next() % 100_000) / 7 } }
        var lanes = (0..<32).map { SIMD4<Double>(vectors[0][$0], vectors[1][$0], vectors[2][$0], vectors[3][$0]) }
        var scratch = [SIMD4<Double>](repeating: .zero, count: 32)
        lanes.withUnsafeMutableBufferPointer { l in
            scratch.withUnsafeMutableBufferPointer { PocketDCT32.transform(l.baseAddress!, scratch: $0.baseAddress!) }
        }
        for lane in 0..<4 {
            XCTAssertEqual(lanes.map { $0[lane].bitPattern }, PocketDCT32.dct32(vectors[lane]).map { $0.bitPattern })
        }
    }

    func testTwiddleTablesAreThePocketfftValues() {
        XCTAssertEqual(PocketDCT32.twiddlesA[6].bitPattern, 0x3fe6a09e667f3bcc)  // cos(π/4) ends in ...bcc
        XCTAssertEqual(PocketDCT32.postTwiddles.count, 31)
        XCTAssertEqual(PocketDCT32.twiddlesA.count, 14)
        XCTAssertEqual(PocketDCT32.twiddlesB.count, 9)
    }
}

