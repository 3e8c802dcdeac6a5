import CPUFallback
import HashKit
import XCTest
import TestSupport
@testable import GPUHash

final class OpenCLMatcherTests: XCTestCase {
    /// Random sets where every B hash near an A hash was planted at a known distance
    /// 0...threshold+1 (so both sides of the threshold occur), the rest random.
    private func plantedSets(nA: Int, nB: Int, words: Int, threshold: Int, seed: UInt64) -> (PackedHashes, PackedHashes) {
        var rng = SplitMix64(seed: seed)
        let a = (0..<(nA * words)).map { _ in rng.next() }
        var b = (0..<(nB * words)).map { _ in rng.next() }
        for j in stride(from: 0, to: nB, by: 3) {
            let source = Int.random(in: 0..<nA, using: &rng)
            let distance = j / 3 % (threshold + 2)
            var hash = Array(a[(source * words)..<((source + 1) * words)])
            var flipped = Set<Int>()
            while flipped.count < distance { flipped.insert(Int.random(in: 0..<(64 * words), using: &rng)) }
            for bit in flipped { hash[bit / 64] ^= 1 << UInt64(bit % 64) }
            b.replaceSubrange((j * words)..<((j + 1) * words), with: hash)
        }
        return (PackedHashes(wordsPerHash: words, words: a), PackedHashes(wordsPerHash: words, words: b))
    }

    private func check(words: Int, threshold: Int, nA: Int, nB: Int, seed: UInt64,
                       configure: (OpenCLMatcher) -> Void = { _ in }) throws {
        let matcher = try OpenCLMatcher(device: firstOpenCLDevice())
        configure(matcher)
        let (a, b) = plantedSets(nA: nA, nB: nB, words: words, threshold: threshold, seed: seed)
        let expected = BruteForceMatch.match(a, b, threshold: threshold)
        let got = try matcher.match(a, b, threshold: threshold)
        XCTAssertGreaterThan(expected.pairs.count, nB / 3 / (threshold + 2) * (threshold + 1) - 1,
                             "the planted pairs should be found")
        XCTAssertEqual(got.pairs, expected.pairs, "\(words * 64) bits, threshold \(threshold)")
        XCTAssertEqual(got.nearestInB, expected.nearestInB)
        XCTAssertEqual(got.nearestInA, expected.nearestInA)
    }

    func testPlanted64BitPairsMatchBruteForce() throws {
        try check(words: 1, threshold: 8, nA: 701, nB: 933, seed: 1)
    }

    func testPlanted256BitPairsMatchBruteForce() throws {
        try check(words: 4, threshold: 8, nA: 517, nB: 645, seed: 2)
    }

    func testWideThresholdWithManyRandomPairs() throws {
        // At threshold 24 random 64-bit hashes match often (~3%): many pairs, several per row.
        try check(words: 1, threshold: 24, nA: 300, nB: 400, seed: 3)
        try check(words: 4, threshold: 110, nA: 200, nB: 300, seed: 4)
    }

    func testPairBufferOverflowAndChunkingGiveTheSameResult() throws {
        try check(words: 1, threshold: 24, nA: 333, nB: 250, seed: 5) { m in
            m.initialPairCapacity = 7
            m.comparisonsPerLaunch = 64 * 250
        }
        // A pair buffer capped below one chunk's pairs: chunks are halved until they fit.
        try check(words: 1, threshold: 24, nA: 700, nB: 250, seed: 8) { m in
            m.initialPairCapacity = 10
            m.maxPairBytes = 12 * 100
        }
        try check(words: 4, threshold: 8, nA: 200, nB: 130, seed: 6) { m in
            m.initialPairCapacity = 1
            m.comparisonsPerLaunch = 1
        }
    }

    func testIdenticalSetsAtThresholdZero() throws {
        let matcher = try OpenCLMatcher(device: firstOpenCLDevice())
        var rng = SplitMix64(seed: 7)
        let hashes = PackedHashes(.phash, words: (0..<100).map { _ in rng.next() } + [42, 42])
        let result = try matcher.match(hashes, hashes, threshold: 0)
        var expected = (0..<100).map { MatchPair(a: Int32($0), b: Int32($0), distance: 0) }
        for i: Int32 in 100...101 { for j: Int32 in 100...101 { expected.append(MatchPair(a: i, b: j, distance: 0)) } }
        XCTAssertEqual(result.pairs, expected)
        XCTAssertEqual(result.nearestInB, Array(repeating: 0, count: 102))
    }

    func testEqualsCPUMatcher() throws {
        let matcher = try OpenCLMatcher(device: firstOpenCLDevice())
        for (words, threshold) in [(1, 8), (4, 8), (1, 0), (4, 256)] {
            let (a, b) = plantedSets(nA: 1500, nB: 1100, words: words, threshold: min(threshold, 20), seed: UInt64(10 + words))
            XCTAssertEqual(try matcher.match(a, b, threshold: threshold), try CPUMatcher().match(a, b, threshold: threshold),
                           "\(64 * words) bits, threshold \(threshold)")
        }
    }

    func testEmptySetsAndInvalidWidths() throws {
        let matcher = try OpenCLMatcher(device: firstOpenCLDevice())
        let some = PackedHashes(.phash, words: [1, 2, 3])
        let result = try matcher.match(some, PackedHashes(wordsPerHash: 1), threshold: 8)
        XCTAssertEqual(result, MatchResult(pairs: [], nearestInB: [.max, .max, .max], nearestInA: []))
        XCTAssertThrowsError(try matcher.match(some, PackedHashes(.blockmean, words: [0, 0, 0, 0]), threshold: 8)) { error in
            XCTAssertEqual(error as? OpenCLError, .mismatchedHashWidths(64, 256))
        }
        XCTAssertThrowsError(try matcher.match(some, some, threshold: -1)) { error in
            XCTAssertEqual(error as? OpenCLError, .negativeThreshold(-1))
        }
        XCTAssertThrowsError(try matcher.match(PackedHashes(wordsPerHash: 2, words: [1, 2]),
                                               PackedHashes(wordsPerHash: 2, words: [1, 2]), threshold: 8))
    }
}
