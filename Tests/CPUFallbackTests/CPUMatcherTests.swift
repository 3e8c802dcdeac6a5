import XCTest
import TestSupport
import CHashKernels
import HashKit
@testable import CPUFallback

final class CPUMatcherTests: XCTestCase {
    typealias Rng = SplitMix64

    /// B holds, for most hashes of A, a copy with exactly k flipped bits, k = 0...threshold+1.
    func planted(words: Int, na: Int, nb: Int, threshold: Int, _ rng: inout Rng) -> (PackedHashes, PackedHashes) {
        let a = (0..<(na * words)).map { _ in rng.next() }
        var b = (0..<(nb * words)).map { _ in rng.next() }
        for i in 0..<min(na, nb) where i % 4 != 3 {
            let j = rng.below(nb)
            var h = Array(a[(i * words)..<((i + 1) * words)])
            var flipped = Set<Int>()
            let k = i % (threshold + 2)
            while flipped.count < k { flipped.insert(rng.below(words * 64)) }
            for bit in flipped { h[bit / 64] ^= 1 << UInt64(bit % 64) }
            b.replaceSubrange((j * words)..<((j + 1) * words), with: h)
        }
        return (PackedHashes(wordsPerHash: words, words: a), PackedHashes(wordsPerHash: words, words: b))
    }

    func testMatchesBruteForce() throws {
        var rng = Rng(seed: 5)
        for (words, na, nb, threshold) in [(1, 300, 500, 8), (4, 300, 500, 8), (1, 1, 3000, 10), (4, 2500, 40, 30),
                                            (1, 700, 2500, 20), (2, 50, 60, 5), (4, 1, 1, 0)] {
            let (a, b) = planted(words: words, na: na, nb: nb, threshold: threshold, &rng)
            let expected = BruteForceMatch.match(a, b, threshold: threshold)
            for threads in [1, 2, 3] {
                for variant in [CHK_PORTABLE, CHK_SSE2, CHK_AVX2] {
                    let got = try CPUMatcher(threads: threads, variant: Int32(variant)).match(a, b, threshold: threshold)
                    XCTAssertEqual(got, expected, "words \(words) \(na)x\(nb) t=\(threshold) threads \(threads) v\(variant)")
                }
            }
            // The planted pairs must actually exercise the threshold boundary.
            if min(na, nb) > 2 * (threshold + 2) {
                XCTAssert(expected.pairs.contains { Int($0.distance) == threshold }, "\(na)x\(nb)")
            }
        }
    }

    func testSelfMatchAndEmptySets() throws {
        var rng = Rng(seed: 8)
        let (a, _) = planted(words: 1, na: 400, nb: 1, threshold: 0, &rng)
        let r = try CPUMatcher().match(a, a, threshold: 0)
        XCTAssert(r.nearestInB.allSatisfy { $0 == 0 })
        XCTAssert((0..<400).allSatisfy { i in r.pairs.contains(MatchPair(a: Int32(i), b: Int32(i), distance: 0)) })
        let empty = PackedHashes(wordsPerHash: 1)
        let e = try CPUMatcher().match(a, empty, threshold: 8)
        XCTAssertEqual(e.pairs, [])
        XCTAssertEqual(e.nearestInB, [UInt16](repeating: .max, count: 400))
        XCTAssertEqual(e.nearestInA, [])
        XCTAssertThrowsError(try CPUMatcher().match(a, PackedHashes(wordsPerHash: 4), threshold: 8))
        XCTAssertThrowsError(try CPUMatcher().match(a, a, threshold: -1))
    }

    func testKnownDistances() throws {
        let a = PackedHashes(.phash, words: [0, 0xff])
        let b = PackedHashes(.phash, words: [0x1, 0xffff_ffff_ffff_ffff, 0xf0])
        let r = try CPUMatcher().match(a, b, threshold: 4)
        XCTAssertEqual(r.pairs, [MatchPair(a: 0, b: 0, distance: 1), MatchPair(a: 0, b: 2, distance: 4),
                                 MatchPair(a: 1, b: 2, distance: 4)])
        XCTAssertEqual(r.nearestInB, [1, 4])
        XCTAssertEqual(r.nearestInA, [1, 56, 4])
    }
}
