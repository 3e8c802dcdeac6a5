import CHashKernels
import Foundation
import HashKit
import TestSupport
import XCTest
@testable import CPUFallback

/// Test data for the index: uniform hashes, and clustered sets shaped like real collections.
enum MIHData {
    static func uniform(words: Int, count: Int, _ rng: inout SplitMix64) -> PackedHashes {
        PackedHashes(wordsPerHash: words, words: (0..<(count * words)).map { _ in rng.next() })
    }

    /// Random centres with near copies at distances 0...spread, `identical` all-zero (flat)
    /// hashes, 0.1 % exact copies of one centre and 0.1 % all-one hashes. `centres` are shared so
    /// that two sets drawn from them match each other.
    static func clustered(words: Int, count: Int, centres: [UInt64], spread: Int, identical: Int,
                          _ rng: inout SplitMix64) -> PackedHashes {
        let nc = centres.count / words
        var out = [UInt64]()
        out.reserveCapacity(count * words)
        for i in 0..<count {
            if i < identical {
                out += [UInt64](repeating: 0, count: words)  // flat images: one repeated hash
            } else if i < identical + max(1, count / 1000) {
                out += centres[0..<words]  // exact copies of one picture
            } else if i % 997 == 5 {
                out += [UInt64](repeating: .max, count: words)
            } else {
                let c = rng.below(nc)
                var h = Array(centres[(c * words)..<((c + 1) * words)])
                let k = rng.below(spread + 1)
                var flipped = Set<Int>()
                while flipped.count < k { flipped.insert(rng.below(words * 64)) }
                for bit in flipped { h[bit / 64] ^= 1 << UInt64(bit % 64) }
                out += h
            }
        }
        // Shuffle, so clusters are not contiguous in index order.
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        var shuffled = [UInt64]()
        shuffled.reserveCapacity(out.count)
        for i in order { shuffled += out[(i * words)..<((i + 1) * words)] }
        return PackedHashes(wordsPerHash: words, words: shuffled)
    }

    static func centres(words: Int, count: Int, _ rng: inout SplitMix64) -> [UInt64] {
        (0..<(max(1, count) * words)).map { _ in rng.next() }
    }
}

final class IndexedMatcherTests: XCTestCase {
    typealias Rng = SplitMix64

    /// The reference: the plain loop for small jobs, the (itself brute-force-checked) CPU matcher
    /// for larger ones.
    func reference(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult {
        a.count * b.count <= 300_000 ? BruteForceMatch.match(a, b, threshold: threshold)
            : try CPUMatcher(threads: 2).match(a, b, threshold: threshold)
    }

    /// Pairs identical; nearest distances identical up to `near`, `fartherThanRadius` beyond,
    /// `UInt16.max` against an empty set.
    func check(_ got: MatchResult, _ expected: MatchResult, near: Int, _ label: String,
               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.pairs.count, expected.pairs.count, "pair count, \(label)", file: file, line: line)
        if got.pairs != expected.pairs {
            let k = (0..<min(got.pairs.count, expected.pairs.count)).first { got.pairs[$0] != expected.pairs[$0] }
                ?? min(got.pairs.count, expected.pairs.count)
            XCTFail("pairs differ at \(k), \(label)", file: file, line: line)
        }
        func clamp(_ d: UInt16) -> UInt16 { d == .max ? .max : Int(d) <= near ? d : IndexedMatcher.fartherThanRadius }
        XCTAssertEqual(got.nearestInB, expected.nearestInB.map(clamp), "nearestInB, \(label)", file: file, line: line)
        XCTAssertEqual(got.nearestInA, expected.nearestInA.map(clamp), "nearestInA, \(label)", file: file, line: line)
    }

    func matchers(threshold: Int, near: Int? = nil) -> [(String, IndexedMatcher)] {
        var list: [(String, IndexedMatcher)] = [
            ("auto", IndexedMatcher(threads: 2, nearestRadius: near)),
            ("index", IndexedMatcher(threads: 2, nearestRadius: near, strategy: .indexed())),
            ("index A", IndexedMatcher(threads: 3, nearestRadius: near, strategy: .indexed(indexA: true))),
            ("brute", IndexedMatcher(threads: 1, nearestRadius: near, strategy: .bruteForce)),
            ("portable", IndexedMatcher(threads: 1, nearestRadius: near, strategy: .indexed(indexA: false),
                                        variant: Int32(CHK_PORTABLE))),
            ("popcnt", IndexedMatcher(threads: 1, nearestRadius: near, strategy: .indexed(indexA: false),
                                      variant: Int32(CHK_SSE2))),
            ("avx512", IndexedMatcher(threads: 1, nearestRadius: near, strategy: .indexed(indexA: false),
                                      variant: Int32(CHK_MIH_AVX512))),
        ]
        for m in Set([1, 2, 3, 4, threshold + 1, threshold + 3]).sorted() {
            list.append(("m=\(m)", IndexedMatcher(threads: 2, nearestRadius: near, strategy: .indexed(substrings: m))))
        }
        return list
    }

    func sweep(words: Int, sizes: [(Int, Int)], thresholds: [Int], clustered: Bool, seed: UInt64,
               allMatchersUpTo: Int = 1_000_000) throws {
        var rng = Rng(seed: seed)
        for (na, nb) in sizes {
            for t in thresholds {
                let a: PackedHashes, b: PackedHashes
                if clustered {
                    let centres = MIHData.centres(words: words, count: max(na, nb) / 10, &rng)
                    a = MIHData.clustered(words: words, count: na, centres: centres, spread: t + 3, identical: na / 20, &rng)
                    b = MIHData.clustered(words: words, count: nb, centres: centres, spread: t + 3, identical: nb / 20, &rng)
                } else {
                    a = MIHData.uniform(words: words, count: na, &rng)
                    b = MIHData.uniform(words: words, count: nb, &rng)
                }
                let expected = try reference(a, b, threshold: t)
                let list = na * nb <= allMatchersUpTo ? matchers(threshold: t) : Array(matchers(threshold: t).prefix(3))
                for (name, matcher) in list {
                    let got = try matcher.match(a, b, threshold: t)
                    check(got, expected, near: t, "\(64 * words)-bit \(clustered ? "clustered" : "uniform") \(na)x\(nb) t=\(t) \(name)")
                }
                if clustered && min(na, nb) >= 1000 {
                    XCTAssert(expected.pairs.contains { Int($0.distance) == t }, "the boundary is exercised")
                }
            }
        }
    }

    let sizes64 = [(0, 0), (0, 7), (7, 0), (1, 1), (1, 2), (2, 1), (100, 100), (1000, 1000), (100, 1000), (1000, 100)]

    func testPhashUniformMatchesBruteForce() throws {
        try sweep(words: 1, sizes: sizes64, thresholds: [0, 1, 2, 4, 8, 12, 16, 24], clustered: false, seed: 1)
        try sweep(words: 1, sizes: [(5000, 5000)], thresholds: [0, 8, 16], clustered: false, seed: 2, allMatchersUpTo: 0)
    }

    func testPhashClusteredMatchesBruteForce() throws {
        try sweep(words: 1, sizes: sizes64, thresholds: [0, 1, 2, 4, 8, 12, 16, 24], clustered: true, seed: 3)
        try sweep(words: 1, sizes: [(5000, 5000)], thresholds: [0, 8, 16], clustered: true, seed: 4, allMatchersUpTo: 0)
    }

    func testBlockmeanMatchesBruteForce() throws {
        let sizes = [(0, 3), (3, 0), (1, 1), (2, 1), (100, 100), (1000, 1000), (1000, 100)]
        try sweep(words: 4, sizes: sizes, thresholds: [0, 8, 16, 32], clustered: false, seed: 5)
        try sweep(words: 4, sizes: sizes, thresholds: [0, 8, 16, 32], clustered: true, seed: 6)
        try sweep(words: 4, sizes: [(5000, 5000)], thresholds: [8], clustered: true, seed: 7, allMatchersUpTo: 0)
    }

    /// PDQ: 256 bits at its default threshold 31 (the pigeonhole splits the radius over many
    /// substrings, none at radius 0 until m = 32), uniform and clustered (copies up to 34 bits
    /// away, flat and all-one blocks), every plan against the brute force.
    func testPDQRadius31MatchesBruteForce() throws {
        let sizes = [(1, 1), (2, 1), (300, 200), (1000, 1000)]
        try sweep(words: 4, sizes: sizes, thresholds: [31], clustered: false, seed: 12)
        try sweep(words: 4, sizes: sizes, thresholds: [31], clustered: true, seed: 13)
        try sweep(words: 4, sizes: [(4000, 4000)], thresholds: [31], clustered: true, seed: 14, allMatchersUpTo: 0)
        for m in [8, 13, 16, 32] {
            var rng = Rng(seed: 15 + UInt64(m))
            let centres = MIHData.centres(words: 4, count: 300, &rng)
            let a = MIHData.clustered(words: 4, count: 3000, centres: centres, spread: 34, identical: 30, &rng)
            let b = MIHData.clustered(words: 4, count: 3000, centres: centres, spread: 34, identical: 30, &rng)
            let got = try IndexedMatcher(threads: 2, strategy: .indexed(substrings: m)).match(a, b, threshold: 31)
            check(got, try reference(a, b, threshold: 31), near: 31, "pdq clustered 3000x3000 m=\(m)")
        }
    }

    /// The plan for PDQ at 1M x 1M and 100k x 100k: feasible, several times cheaper than the
    /// brute force, radii of at most 2 over keys of about log2 of the set.
    func testPDQPlanIsFeasibleAndCheaperThanBruteForce() throws {
        for n in [100_000, 1_000_000] {
            let plan = try XCTUnwrap(IndexedMatcher.plan(aCount: n, bCount: n, bits: 256, threshold: 31), "\(n)")
            let cost = IndexedMatcher.estimatedCost(aCount: n, bCount: n, bits: 256, threshold: 31)
            XCTAssertLessThan(cost.indexed * 3, cost.bruteForce, "\(n): \(plan)")
            XCTAssert(plan.radii.allSatisfy { $0 <= 2 }, "\(n): \(plan)")
            print("pdq \(n)x\(n) t=31: \(plan); brute force est \(cost.bruteForce) s")
        }
    }

    func testOtherWidths() throws {
        try sweep(words: 2, sizes: [(300, 200)], thresholds: [0, 5, 20], clustered: true, seed: 8)
    }

    func testSameSetTwice() throws {
        var rng = Rng(seed: 9)
        for (words, t) in [(1, 8), (1, 0), (4, 8), (4, 32)] {
            let centres = MIHData.centres(words: words, count: 100, &rng)
            let a = MIHData.clustered(words: words, count: 1500, centres: centres, spread: t + 3, identical: 200, &rng)
            let expected = try reference(a, a, threshold: t)
            for (name, matcher) in matchers(threshold: t) {
                let got = try matcher.match(a, a, threshold: t)
                check(got, expected, near: t, "self \(64 * words)-bit t=\(t) \(name)")
                XCTAssert(got.nearestInB.allSatisfy { $0 == 0 } && got.nearestInA.allSatisfy { $0 == 0 })
            }
        }
    }

    /// Thousands of copies of one flat hash: candidate lists as long as the set.
    func testHugeIdenticalCluster() throws {
        var rng = Rng(seed: 10)
        var words = [UInt64](repeating: 0, count: 2000)
        words += (0..<1000).map { _ in rng.next() }
        words += (0..<1000).map { _ in UInt64(1) << UInt64(rng.below(64)) }  // distance 1 from flat
        let a = PackedHashes(.phash, words: words)
        let expected = try CPUMatcher(threads: 2).match(a, a, threshold: 8)
        XCTAssertGreaterThan(expected.pairs.count, 9_000_000)
        for (name, matcher) in [("index", IndexedMatcher(threads: 2, strategy: .indexed())),
                                ("m=9", IndexedMatcher(threads: 2, strategy: .indexed(substrings: 9)))] {
            check(try matcher.match(a, a, threshold: 8), expected, near: 8, "flat cluster \(name)")
        }
    }

    func testNearestRadius() throws {
        var rng = Rng(seed: 11)
        let centres = MIHData.centres(words: 1, count: 50, &rng)
        let a = MIHData.clustered(words: 1, count: 800, centres: centres, spread: 14, identical: 10, &rng)
        let b = MIHData.clustered(words: 1, count: 600, centres: centres, spread: 14, identical: 10, &rng)
        for (t, near) in [(4, 10), (8, 2), (0, 6), (6, 0)] {
            let expected = BruteForceMatch.match(a, b, threshold: t)
            for (name, matcher) in matchers(threshold: t, near: near) {
                let got = try matcher.match(a, b, threshold: t)
                check(got, expected, near: near, "t=\(t) near=\(near) \(name)")
                // Both buckets must be present, or the test proves little.
                XCTAssert(got.nearestInB.contains(IndexedMatcher.fartherThanRadius), "\(name)")
                XCTAssert(got.nearestInB.contains { Int($0) <= near }, "\(name)")
            }
        }
    }

    func testKnownDistancesAndErrors() throws {
        let a = PackedHashes(.phash, words: [0, 0xff])
        let b = PackedHashes(.phash, words: [0x1, 0xffff_ffff_ffff_ffff, 0xf0])
        for matcher in [IndexedMatcher(strategy: .indexed()), IndexedMatcher(strategy: .indexed(substrings: 2))] {
            let r = try matcher.match(a, b, threshold: 4)
            XCTAssertEqual(r.pairs, [MatchPair(a: 0, b: 0, distance: 1), MatchPair(a: 0, b: 2, distance: 4),
                                     MatchPair(a: 1, b: 2, distance: 4)])
            XCTAssertEqual(r.nearestInB, [1, 4])
            XCTAssertEqual(r.nearestInA, [1, IndexedMatcher.fartherThanRadius, 4])
            let e = try matcher.match(a, PackedHashes(wordsPerHash: 1), threshold: 8)
            XCTAssertEqual(e.pairs, [])
            XCTAssertEqual(e.nearestInB, [.max, .max])
            XCTAssertEqual(e.nearestInA, [])
            XCTAssertThrowsError(try matcher.match(a, PackedHashes(wordsPerHash: 4), threshold: 8))
            XCTAssertThrowsError(try matcher.match(a, a, threshold: -1))
        }
    }

    func testFlipMasks() {
        for (bits, radius, count) in [(8, 0, 1), (8, 1, 9), (16, 2, 137), (21, 2, 232), (5, 7, 32), (10, 3, 176)] {
            let masks = IndexedMatcher.flipMasks(bits: bits, radius: radius)
            XCTAssertEqual(masks.count, count, "\(bits) bits radius \(radius)")
            XCTAssertEqual(IndexedMatcher.flipCount(bits: bits, radius: radius), count)
            XCTAssertEqual(Set(masks).count, masks.count)
            XCTAssert(masks.allSatisfy { $0.nonzeroBitCount <= radius && $0 < 1 << UInt32(bits) })
        }
    }

    func testCostModelChoosesByScale() throws {
        for bits in [64, 256] {
            XCTAssertFalse(IndexedMatcher.prefersIndex(aCount: 1, bCount: 1, bits: bits, threshold: 8))
            XCTAssertFalse(IndexedMatcher.prefersIndex(aCount: 10, bCount: 10, bits: bits, threshold: 8))
            XCTAssertFalse(IndexedMatcher.prefersIndex(aCount: 1, bCount: 1000, bits: bits, threshold: 8))
            XCTAssertTrue(IndexedMatcher.prefersIndex(aCount: 100_000, bCount: 100_000, bits: bits, threshold: 8))
            XCTAssertTrue(IndexedMatcher.prefersIndex(aCount: 1_000_000, bCount: 1_000_000, bits: bits, threshold: 8))
            let c = IndexedMatcher.estimatedCost(aCount: 100_000, bCount: 100_000, bits: bits, threshold: 8)
            XCTAssertLessThan(c.indexed * 5, c.bruteForce, "\(bits) bits: \(c)")
        }
        // 64 bits and threshold 64: every pair matches, the index cannot win.
        XCTAssertFalse(IndexedMatcher.prefersIndex(aCount: 100_000, bCount: 100_000, bits: 64, threshold: 64))
        // blockmean at 8: radius-0 lookups.
        let bm = try XCTUnwrap(IndexedMatcher.plan(aCount: 1_000_000, bCount: 1_000_000, bits: 256, threshold: 8))
        XCTAssert(bm.radii.allSatisfy { $0 == 0 } && bm.substrings >= 9, "\(bm)")
        // A small set against a large one: the large one is indexed.
        let lop = try XCTUnwrap(IndexedMatcher.plan(aCount: 2_000_000, bCount: 2000, bits: 64, threshold: 8))
        XCTAssertTrue(lop.indexesA, "\(lop)")
        XCTAssertNil(IndexedMatcher.plan(aCount: 0, bCount: 10, bits: 64, threshold: 8))
    }
}

/// Timings, run only when CROSSHASH_MIH_BENCH=1 (release recommended):
/// `CROSSHASH_MIH_BENCH=1 swift test -c release --filter IndexedMatcherBenchmark`.
/// CROSSHASH_MIH_BENCH_BRUTE=1 adds the brute force at 1M (minutes); CROSSHASH_MIH_BENCH_M=m forces
/// m substrings; CROSSHASH_MIH_BENCH_KINDS=uniform (or clustered) runs one kind of data;
/// CROSSHASH_MIH_BENCH_VARIANT=0|1|3 pins the kernel (portable, popcount, AVX-512).
final class IndexedMatcherBenchmark: XCTestCase {
    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["CROSSHASH_MIH_BENCH"] == "1" else {
            throw XCTSkip("set CROSSHASH_MIH_BENCH=1 to run the multi-index hashing benchmarks")
        }
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }

    static func peakRSSMB() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024  // kB
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576  // bytes
        #endif
    }

    func run(n: Int, words: Int, brute: Bool) throws {
        let kinds = ProcessInfo.processInfo.environment["CROSSHASH_MIH_BENCH_KINDS"] ?? "uniform,clustered"
        for clustered in [false, true] where kinds.contains(clustered ? "clustered" : "uniform") {
            var rng = SplitMix64(seed: 2024)
            let a: PackedHashes, b: PackedHashes
            if clustered {
                let centres = MIHData.centres(words: words, count: n / 8, &rng)
                a = MIHData.clustered(words: words, count: n, centres: centres, spread: 11, identical: min(10_000, n / 100), &rng)
                b = MIHData.clustered(words: words, count: n, centres: centres, spread: 11, identical: min(10_000, n / 100), &rng)
            } else {
                a = MIHData.uniform(words: words, count: n, &rng)
                b = MIHData.uniform(words: words, count: n, &rng)
            }
            let label = "\(words == 1 ? "phash" : "blockmean") \(n)x\(n) \(clustered ? "clustered" : "uniform")"
            let cost = IndexedMatcher.estimatedCost(aCount: n, bCount: n, bits: 64 * words, threshold: 8)
            let plan = IndexedMatcher.plan(aCount: n, bCount: n, bits: 64 * words, threshold: 8)
            print("BENCH \(label): \(plan.map { "\($0)" } ?? "no plan"); estimate brute \(String(format: "%.1f", cost.bruteForce)) s, index \(String(format: "%.1f", cost.indexed)) s (1 core)")
            let env = ProcessInfo.processInfo.environment
            let strategy: IndexedMatcher.Strategy = env["CROSSHASH_MIH_BENCH_M"].flatMap(Int.init).map { .indexed(substrings: $0) } ?? .automatic
            if case .indexed(let m, _) = strategy {
                let forced = IndexedMatcher.plan(aCount: n, bCount: n, bits: 64 * words, threshold: 8, substrings: m)
                print("BENCH \(label): forced \(forced.map { "\($0)" } ?? "no plan")")
            }
            var start = Date()
            var cpu = Self.cpuSeconds()
            let variant = env["CROSSHASH_MIH_BENCH_VARIANT"].flatMap(Int32.init) ?? Int32(chk_mih_best_variant())
            let indexed = try IndexedMatcher(threads: 2, nearestRadius: nil, strategy: strategy, variant: variant)
                .match(a, b, threshold: 8)
            let ti = Date().timeIntervalSince(start)
            print(String(format: "BENCH %@: index %.2f s (%.2f s CPU), %d pairs, peak RSS %.0f MB", label, ti,
                         Self.cpuSeconds() - cpu, indexed.pairs.count, Self.peakRSSMB()))
            guard brute else { continue }
            start = Date()
            cpu = Self.cpuSeconds()
            let reference = try CPUMatcher(threads: 2).match(a, b, threshold: 8)
            let tb = Date().timeIntervalSince(start)
            cpu = Self.cpuSeconds() - cpu
            let same = reference.pairs == indexed.pairs
            let nearSame = zip(reference.nearestInB, indexed.nearestInB).allSatisfy { $0 <= 8 ? $0 == $1 : $1 == IndexedMatcher.fartherThanRadius }
                && zip(reference.nearestInA, indexed.nearestInA).allSatisfy { $0 <= 8 ? $0 == $1 : $1 == IndexedMatcher.fartherThanRadius }
            print(String(format: "BENCH %@: brute %.2f s (%.2f s CPU), %d pairs, identical pairs %@, nearest %@, speed-up %.1fx, peak RSS %.0f MB",
                         label, tb, cpu, reference.pairs.count, same ? "yes" : "NO", nearSame ? "yes" : "NO", tb / ti, Self.peakRSSMB()))
            XCTAssert(same && nearSame, label)
        }
    }

    var bruteAt1M: Bool { ProcessInfo.processInfo.environment["CROSSHASH_MIH_BENCH_BRUTE"] == "1" }

    func testPhash100k() throws { try run(n: 100_000, words: 1, brute: true) }
    func testBlockmean100k() throws { try run(n: 100_000, words: 4, brute: true) }
    func testPhash1M() throws { try run(n: 1_000_000, words: 1, brute: bruteAt1M) }
    func testBlockmean1M() throws { try run(n: 1_000_000, words: 4, brute: bruteAt1M) }
}
