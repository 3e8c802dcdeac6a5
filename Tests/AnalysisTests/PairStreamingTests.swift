import Foundation
import HashKit
import TestSupport
import XCTest
import JSONFiles
@testable import Analysis

/// Pairs streamed from the matcher: the lists, groups, truncation and nearest-distance radius.
final class PairStreamingTests: XCTestCase {
    /// Datasets of random phashes near a few centres (so there are pairs and groups), with
    /// blockmeans derived from them.
    func datasets(_ sizes: [Int], seed: UInt64) -> [DatasetResult] {
        var rng = SplitMix64(seed: seed)
        let centres = (0..<12).map { _ in rng.next() }
        return sizes.enumerated().map { n, size in
            let hashes = (0..<size).map { _ -> ImageHashes in
                var p = centres[rng.below(centres.count)]
                for _ in 0..<rng.below(6) { p ^= 1 << UInt64(rng.below(64)) }
                return ImageHashes(phash: p, blockmean: Hash256(words: SIMD4(p, ~p, p &* 3, 0)))
            }
            let keys = (0..<size).map { FileKey(String(format: "img%05d.png", $0)) }
            return DatasetResult(spec: DatasetSpec(name: "D\(n)", path: "/nowhere/D\(n)"), keys: keys, hashes: hashes, issues: [])
        }
    }

    /// The pairs the old in-memory code produced: every (i < j) dataset pair, brute force.
    func referencePairs(_ ds: [DatasetResult], threshold: Int) -> [CrossPair] {
        var out = [CrossPair]()
        for i in ds.indices {
            for j in ds.indices where j > i {
                let a = PackedHashes(.phash, ds[i].hashes), b = PackedHashes(.phash, ds[j].hashes)
                let oa = PackedHashes(.blockmean, ds[i].hashes), ob = PackedHashes(.blockmean, ds[j].hashes)
                for p in BruteForceMatch.match(a, b, threshold: threshold).pairs {
                    out.append(CrossPair(a: ImageRef(dataset: i, key: ds[i].keys[Int(p.a)]),
                                         b: ImageRef(dataset: j, key: ds[j].keys[Int(p.b)]),
                                         distance: Int(p.distance), otherDistance: oa.distance(Int(p.a), ob, Int(p.b))))
                }
            }
        }
        return out
    }

    func testStreamedPairsAndGroupsEqualTheInMemoryComputation() throws {
        let ds = datasets([400, 300, 250], seed: 3)
        let want = referencePairs(ds, threshold: 6)
        XCTAssertGreaterThan(want.count, 10_000, "a list large enough to spill")
        var match = CrossDatasetMatch(matcher: BruteForceMatcher())
        match.pairMemoryLimit = 1000  // on disk after 1,000 pairs
        let r = try match.run(ds, family: .phash, other: .blockmean, threshold: 6)
        XCTAssertEqual(Array(r.pairs), want)
        XCTAssertEqual(r.groups, CrossDatasetMatch.groups(of: want))
        XCTAssertFalse(r.truncated)
        XCTAssertEqual(r.pairsFound, want.count)
    }

    func testMaxPairsKeepsTheFirstPairsAndSaysTruncated() throws {
        let ds = datasets([200, 150], seed: 4)
        let want = referencePairs(ds, threshold: 6)
        let cap = want.count / 3
        let r = try CrossDatasetMatch(matcher: BruteForceMatcher(), maxPairs: cap).run(ds, family: .phash, other: .blockmean, threshold: 6)
        XCTAssertEqual(Array(r.pairs), Array(want.prefix(cap)))
        XCTAssertTrue(r.truncated)
        XCTAssertEqual(r.pairsFound, want.count)
        XCTAssertEqual(r.groups, CrossDatasetMatch.groups(of: Array(want.prefix(cap))), "groups of the pairs written")

        let json = String(decoding: AnalysisJSON.crossDuplicates(r, ds).serialized(), as: UTF8.self)
        XCTAssert(json.contains("\"truncated\": true"), json.prefix(300).description)
        XCTAssert(json.contains("\"pairs_found\": \(want.count)"))
        let full = try CrossDatasetMatch(matcher: BruteForceMatcher()).run(ds, family: .phash, other: .blockmean, threshold: 6)
        XCTAssertFalse(String(decoding: AnalysisJSON.crossDuplicates(full, ds).serialized(), as: UTF8.self).contains("truncated"),
                       "an uncut file has no new field")
    }

    func testNearestDistancesAreExactUpToTheRadiusOnLargeInputsOnly() throws {
        let ds = datasets([120, 90], seed: 5)
        let exact = try CrossDatasetMatch(matcher: BruteForceMatcher()).run(ds, family: .phash, other: .blockmean, threshold: 1,
                                                                              nearestRadius: 3)
        XCTAssertNil(exact.nearestRadius, "small input: exact histogram")
        let bounded = try CrossDatasetMatch(matcher: BruteForceMatcher(), exactNearestComparisons: 100)
            .run(ds, family: .phash, other: .blockmean, threshold: 1, nearestRadius: 3)
        XCTAssertEqual(bounded.nearestRadius, 3)
        XCTAssert(exact.nearestOtherDistance.contains { ($0 ?? 0) > 3 }, "the data has far images")
        XCTAssertEqual(exact.pairs.count, bounded.pairs.count)
        for (e, b) in zip(exact.nearestOtherDistance, bounded.nearestOtherDistance) {
            XCTAssertEqual(b, e.map { $0 <= 3 ? $0 : FamilyMatches.fartherThanRadius })
        }
    }

    func testLazyArraysSerializeExactlyLikeArraysInAnyChunking() throws {
        let items = (0..<300).map { JSONValue.obj([("n", .int($0)), ("s", .str("x\($0)é"))]) }
        let eager = JSONValue.obj([("a", .array(items)), ("b", .array([])), ("z", .int(1))])
        let lazy = JSONValue.obj([("a", .lazyArray(LazyJSONArray(count: items.count) { items[$0] })),
                                  ("b", .lazyArray(LazyJSONArray(count: 0) { _ in .null })), ("z", .int(1))])
        XCTAssertEqual(lazy.serialized(), eager.serialized())
        for chunk in [1, 50, 1 << 20] {
            var pieces = [[UInt8]]()
            try lazy.serialize(chunk: chunk) { pieces.append($0) }
            XCTAssertEqual(Array(pieces.joined()), eager.serialized(), "chunk \(chunk)")
            if chunk == 1 { XCTAssertGreaterThan(pieces.count, 100) }
        }
        // Text printed at one indentation and written at another is printed again.
        let printed = JSONValue.printed(SerializedJSON(items[3], indent: 6))
        XCTAssertEqual(JSONValue.obj([("x", .obj([("y", .array([printed]))]))]).serialized(),
                       JSONValue.obj([("x", .obj([("y", .array([items[3]]))]))]).serialized())
        let path = NSTemporaryDirectory() + "lazy-\(getpid()).json"
        defer { unlink(path) }
        try AtomicFile.write(lazy, to: path)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), eager.serialized())
    }

    func testClosestPairsAreTheSortedPrefix() throws {
        var rng = SplitMix64(seed: 9)
        let pairs = (0..<2000).map { i in
            CrossPair(a: ImageRef(dataset: 0, key: FileKey("a\(i)")), b: ImageRef(dataset: 1, key: FileKey("b\(i)")),
                      distance: rng.below(9), otherDistance: rng.below(40))
        }
        let sorted = pairs.enumerated().sorted {
            ($0.element.distance, $0.element.otherDistance, $0.offset) < ($1.element.distance, $1.element.otherDistance, $1.offset)
        }.map(\.offset)
        let list = PairList(pairs)
        for k in [0, 1, 7, 500, 1999, 2000, 5000] { XCTAssertEqual(list.closest(k), Array(sorted.prefix(k)), "k=\(k)") }
    }

    func testShardsAreDisjointAndCoverEveryKey() {
        let keys = (0..<5000).map { FileKey("dir\($0 % 7)/file\($0).jpg") }
        for n in [1, 2, 3, 8] {
            let shards = (1...n).map { Shard(index: $0, count: n)! }
            var seen = [Int](repeating: 0, count: keys.count)
            for s in shards { for (i, k) in keys.enumerated() where s.contains(k) { seen[i] += 1 } }
            XCTAssert(seen.allSatisfy { $0 == 1 }, "n=\(n)")
            if n > 1 {
                let sizes = shards.map { s in keys.filter(s.contains).count }
                XCTAssert(sizes.allSatisfy { abs($0 - keys.count / n) < keys.count / n / 5 }, "balanced: \(sizes)")
            }
        }
        XCTAssertNil(Shard("0/3"))
        XCTAssertNil(Shard("4/3"))
        XCTAssertNil(Shard("1/0"))
        XCTAssertNil(Shard("x"))
        XCTAssertEqual(Shard("2/3"), Shard(index: 2, count: 3))
    }
}
