import Foundation
import HashKit
import TestSupport
import XCTest
@testable import CPUFallback

/// `Matcher.stream`: the same pairs as the brute force, in (a, b) order, delivered in blocks,
/// with nearest distances exact up to the radius asked for, whichever matcher and strategy.
final class StreamMatchTests: XCTestCase {
    /// Every pair of every block, checking the blocks arrive in (a, b) order.
    func collect(_ matcher: Matcher, _ a: PackedHashes, _ b: PackedHashes, threshold: Int, radius: Int?,
                 blocks: inout Int) throws -> MatchResult {
        var pairs = [MatchPair]()
        var count = 0
        let near = try matcher.stream(a, b, threshold: threshold, nearestRadius: radius) { block in
            count += 1
            pairs += block
        }
        blocks = count
        for (p, q) in zip(pairs, pairs.dropFirst()) where (p.a, p.b) >= (q.a, q.b) {
            XCTFail("pairs out of order: \(p) then \(q)")
            break
        }
        return MatchResult(pairs: pairs, nearestInB: near.nearestInB, nearestInA: near.nearestInA)
    }

    func expected(_ a: PackedHashes, _ b: PackedHashes, threshold: Int, radius: Int?) -> MatchResult {
        var r = BruteForceMatch.match(a, b, threshold: threshold)
        r.nearestInB = r.nearestInB.map { MatchResult.clamp($0, radius: radius) }
        r.nearestInA = r.nearestInA.map { MatchResult.clamp($0, radius: radius) }
        return r
    }

    func matchers() -> [(String, Matcher)] {
        let spilling = IndexedMatcher(threads: 2, strategy: .indexed())
        spilling.spoolMemoryLimit = 97  // the pair spool goes to disk after 97 pairs
        return [("cpu brute force", CPUMatcher(threads: 2)),
                ("index (auto)", IndexedMatcher(threads: 2)),
                ("index (forced)", IndexedMatcher(threads: 2, strategy: .indexed())),
                ("index (forced, A indexed by cost is not allowed when streaming)", IndexedMatcher(threads: 2, strategy: .indexed(indexA: true))),
                ("index spilling to disk", spilling),
                ("brute force via the protocol default", BruteForceMatcher())]
    }

    func testStreamEqualsBruteForceOnUniformAndClusteredSets() throws {
        var rng = SplitMix64(seed: 7)
        for words in [1, 4] {
            for (na, nb) in [(0, 5), (5, 0), (1, 1), (300, 200), (1500, 900)] {
                let centres = MIHData.centres(words: words, count: max(1, max(na, nb) / 10), &rng)
                let sets = [("uniform", MIHData.uniform(words: words, count: na, &rng), MIHData.uniform(words: words, count: nb, &rng)),
                            ("clustered", MIHData.clustered(words: words, count: na, centres: centres, spread: 10, identical: na / 5, &rng),
                             MIHData.clustered(words: words, count: nb, centres: centres, spread: 10, identical: nb / 5, &rng))]
                for (shape, a, b) in sets {
                    for (t, radius) in [(0, nil), (8, nil), (8, 12), (3, 3)] as [(Int, Int?)] {
                        let want = expected(a, b, threshold: t, radius: radius)
                        for (name, m) in matchers() {
                            var blocks = 0
                            let got = try collect(m, a, b, threshold: t, radius: radius, blocks: &blocks)
                            let label = "\(name) \(64 * words)-bit \(shape) \(na)x\(nb) t=\(t) r=\(radius.map(String.init) ?? "exact")"
                            XCTAssertEqual(got.pairs, want.pairs, label)
                            XCTAssertEqual(got.nearestInB, want.nearestInB, label)
                            XCTAssertEqual(got.nearestInA, want.nearestInA, label)
                        }
                    }
                }
            }
        }
    }

    /// 3,000 x 3,000 copies of one hash: nine million pairs arrive in several bounded blocks.
    func testPairExplosionArrivesInBoundedBlocks() throws {
        let a = PackedHashes(.phash, words: [UInt64](repeating: 0xDEAD_BEEF, count: 3000))
        for (name, m) in matchers().prefix(3) {
            var total = 0, largest = 0, blocks = 0, last = (Int32(-1), Int32(-1))
            _ = try m.stream(a, a, threshold: 8, nearestRadius: 8) { block in
                blocks += 1
                total += block.count
                largest = max(largest, block.count)
                if let f = block.first { XCTAssert((last.0, last.1) < (f.a, f.b), name) }
                if let l = block.last { last = (l.a, l.b) }
            }
            XCTAssertEqual(total, 9_000_000, name)
            XCTAssertGreaterThan(blocks, 1, name)
            XCTAssertLessThanOrEqual(largest, 1 << 22, name)
        }
    }

    func testRecordSpoolReadsBackWhatWasWrittenInMemoryAndOnDisk() throws {
        for limit in [1, 3, 1000] {
            let spool = RecordSpool<MatchPair>(memoryLimit: limit)
            let records = (0..<500).map { MatchPair(a: Int32($0), b: Int32(3 * $0), distance: UInt16($0 % 9)) }
            for r in records.prefix(100) { try spool.append(r) }
            try spool.append(contentsOf: records.dropFirst(100))
            try spool.seal()
            XCTAssertEqual(spool.count, 500)
            XCTAssertEqual(spool.isOnDisk, limit < 500)
            XCTAssertEqual((0..<500).map { spool[$0] }, records)
        }
    }
}
