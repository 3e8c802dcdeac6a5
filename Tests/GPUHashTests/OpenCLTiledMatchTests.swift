import CPUFallback
import HashKit
import XCTest
import TestSupport
@testable import GPUHash

/// The tiled streaming matcher (`OpenCLMatcher.stream`) against the CPU matcher's default
/// stream, with tiles forced small so that both sets take many tiles, and the shared
/// per-device resources.
final class OpenCLTiledMatchTests: XCTestCase {
    /// Random sets with every third B hash planted near a random A hash (distances 0...16, so
    /// pairs on both sides of threshold 8 and nearest distances on both sides of a radius).
    private func sets(nA: Int, nB: Int, words: Int, seed: UInt64) -> (PackedHashes, PackedHashes) {
        var rng = SplitMix64(seed: seed)
        let a = (0..<(nA * words)).map { _ in rng.next() }
        var b = (0..<(nB * words)).map { _ in rng.next() }
        for j in stride(from: 0, to: nB, by: 3) {
            let source = Int.random(in: 0..<nA, using: &rng)
            var hash = Array(a[(source * words)..<((source + 1) * words)])
            for _ in 0..<(j / 3 % 17) { let bit = Int.random(in: 0..<(64 * words), using: &rng); hash[bit / 64] ^= 1 << UInt64(bit % 64) }
            b.replaceSubrange((j * words)..<((j + 1) * words), with: hash)
        }
        return (PackedHashes(wordsPerHash: words, words: a), PackedHashes(wordsPerHash: words, words: b))
    }

    /// Streams with `matcher`, checking that blocks arrive in (a, b) order, and returns
    /// everything with the number of blocks.
    private func collect(_ matcher: Matcher, _ a: PackedHashes, _ b: PackedHashes, threshold: Int,
                         radius: Int?) throws -> (pairs: [MatchPair], nearest: NearestDistancesResult, blocks: Int) {
        var pairs: [MatchPair] = []
        var blocks = 0
        let nearest = try matcher.stream(a, b, threshold: threshold, nearestRadius: radius) { block in
            blocks += 1
            pairs += block
        }
        let unordered = pairs.indices.dropFirst().first { (pairs[$0 - 1].a, pairs[$0 - 1].b) >= (pairs[$0].a, pairs[$0].b) }
        XCTAssertNil(unordered, "pairs out of (a, b) order")
        return (pairs, nearest, blocks)
    }

    func testStreamEqualsCPUAcrossManyTilesOfBothSets() throws {
        let device = try firstOpenCLDevice()
        let cpu = CPUMatcher()
        // Sizes that are and are not multiples of the tile, B smaller and larger than A.
        for (nA, nB, words, tile) in [(1000, 1000, 1, 250), (1237, 941, 1, 300), (555, 1601, 4, 128), (97, 33, 4, 40)] {
            let (a, b) = sets(nA: nA, nB: nB, words: words, seed: UInt64(nA * 31 + nB))
            let matcher = try OpenCLMatcher(device: device)
            matcher.tileHashes = tile
            matcher.comparisonsPerLaunch = tile * 64  // several launches per tile pair too
            matcher.spoolMemoryLimit = 97  // the runs of several B tiles go through a scratch file
            for radius in [nil, 0, 6, 12] {
                let expected = try collect(cpu, a, b, threshold: 8, radius: radius)
                let got = try collect(matcher, a, b, threshold: 8, radius: radius)
                let what = "\(nA)x\(nB) \(64 * words)-bit tile \(tile) radius \(radius.map(String.init) ?? "nil")"
                XCTAssertGreaterThan(expected.pairs.count, nB / 3 / 2, what)
                XCTAssertEqual(got.pairs, expected.pairs, what)
                XCTAssertEqual(got.nearest, expected.nearest, what)
                // One block per A tile: the tiles really were used.
                XCTAssertEqual(got.blocks, (nA + tile - 1) / tile, what)
            }
            XCTAssertEqual(try matcher.match(a, b, threshold: 8), try cpu.match(a, b, threshold: 8))
        }
    }

    func testClusteredSetStreamsEveryPair() throws {
        // 2,000 identical hashes on each side (4M pairs at distance 0) plus 100 random ones,
        // tiled so that the cluster spans several tiles of both sets.
        var rng = SplitMix64(seed: 21)
        let cluster = rng.next()
        let a = PackedHashes(.phash, words: Array(repeating: cluster, count: 2000) + (0..<100).map { _ in rng.next() })
        let b = PackedHashes(.phash, words: (0..<100).map { _ in rng.next() } + Array(repeating: cluster, count: 2000))
        let matcher = try OpenCLMatcher(device: firstOpenCLDevice())
        matcher.tileHashes = 700
        matcher.initialPairCapacity = 1000
        matcher.spoolMemoryLimit = 10_000  // an A tile's pairs go through a scratch file
        var count = 0
        var previous: (Int32, Int32) = (-1, -1)
        var ordered = true
        var exact = true
        let nearest = try matcher.stream(a, b, threshold: 8, nearestRadius: 4) { block in
            for p in block {
                if (p.a, p.b) <= previous { ordered = false }
                if p.distance != UInt16(a.distance(Int(p.a), b, Int(p.b))) { exact = false }
                previous = (p.a, p.b)
            }
            count += block.count
        }
        let expected = try CPUMatcher().stream(a, b, threshold: 8, nearestRadius: 4) { _ in }
        let expectedCount = (0..<a.count).reduce(0) { n, i in n + (0..<b.count).filter { a.distance(i, b, $0) <= 8 }.count }
        XCTAssertGreaterThanOrEqual(expectedCount, 4_000_000)
        XCTAssertEqual(count, expectedCount)
        XCTAssertTrue(ordered, "pairs out of (a, b) order")
        XCTAssertTrue(exact, "a pair's distance differs from its hashes'")
        XCTAssertEqual(nearest, expected)
    }

    func testEngineAndMatcherShareOneResourcesObject() throws {
        let resources = try OpenCLResources(device: firstOpenCLDevice())
        let engine = try OpenCLEngine(resources: resources)
        let matcher = try OpenCLMatcher(resources: resources)
        XCTAssertTrue(engine.resources === matcher.resources)
        XCTAssertTrue(engine.resources.context === matcher.resources.context)
        let builds = resources.programBuilds
        XCTAssertGreaterThan(builds, 0)
        // More users of the same device compile nothing again.
        let second = try OpenCLMatcher(resources: resources)
        _ = try OpenCLEngine(resources: resources)
        XCTAssertEqual(resources.programBuilds, builds, "kernels compiled again on a shared resources object")
        // Both users work on the shared context, interleaved.
        var rng = SplitMix64(seed: 3)
        let image = DecodedImage(width: 64, height: 48, layout: .rgb, pixels: (0..<(64 * 48 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        XCTAssertEqual(try engine.hash([image]), [ReferenceHasher.hash(image)])
        let (a, b) = sets(nA: 300, nB: 200, words: 1, seed: 9)
        XCTAssertEqual(try second.match(a, b, threshold: 8), try CPUMatcher().match(a, b, threshold: 8))
        XCTAssertEqual(try engine.hash([image]), [ReferenceHasher.hash(image)])
        // Separate convenience inits still build their own.
        let own = try OpenCLMatcher(device: firstOpenCLDevice())
        XCTAssertFalse(own.resources === resources)
    }
}
