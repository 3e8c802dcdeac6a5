import Foundation
import HashKit
import XCTest
import CHashKernels
@testable import CPUFallback

/// `HammingIndex` against a brute-force model (a dictionary of slot -> hash scanned in full) on
/// uniform and clustered sets, through interleaved adds, removes and replaces.
final class HammingIndexTests: XCTestCase {
    typealias Rng = SplitMix64

    /// The reference: every live slot within the threshold, by slot.
    struct Model {
        var hashes = [Int: [UInt64]]()
        func search(_ q: [UInt64], threshold: Int) -> [HammingIndex.Match] {
            hashes.compactMap { slot, h -> HammingIndex.Match? in
                let d = Hamming.distance(q, h)
                return d <= threshold ? HammingIndex.Match(slot: slot, distance: d) : nil
            }.sorted { $0.slot < $1.slot }
        }
    }

    /// A hash `flips` random bits away from `h`.
    func near(_ h: [UInt64], flips: Int, _ rng: inout Rng) -> [UInt64] {
        var out = h
        var done = Set<Int>()
        while done.count < flips { done.insert(rng.below(h.count * 64)) }
        for bit in done { out[bit / 64] ^= 1 << UInt64(bit % 64) }
        return out
    }

    /// Hashes drawn from `pool` (uniform, or `MIHData.clustered`), `words` words each.
    func draw(_ pool: PackedHashes, _ i: Int) -> [UInt64] {
        Array(pool.words[(i * pool.wordsPerHash)..<((i + 1) * pool.wordsPerHash)])
    }

    /// Queries: stored hashes moved by 0...threshold + 2 bits, fresh draws from the pool, and
    /// the all-zero hash (the flat images of the clustered sets).
    func queries(_ index: HammingIndex, _ model: Model, pool: PackedHashes, threshold: Int, _ rng: inout Rng) -> [[UInt64]] {
        let stored = Array(model.hashes.values)
        var out = [[UInt64]](repeating: [UInt64](repeating: 0, count: pool.wordsPerHash), count: 1)
        for _ in 0..<6 where !stored.isEmpty {
            out.append(near(stored[rng.below(stored.count)], flips: rng.below(min(threshold + 3, pool.bits) + 1), &rng))
        }
        for _ in 0..<2 { out.append(draw(pool, rng.below(pool.count))) }
        return out
    }

    func check(_ index: HammingIndex, _ model: Model, pool: PackedHashes, thresholds: [Int], _ rng: inout Rng,
               _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(index.count, model.hashes.count, "count, \(label)", file: file, line: line)
        for t in thresholds {
            for q in queries(index, model, pool: pool, threshold: t, &rng) {
                let expected = model.search(q, threshold: t)
                for strategy in [HammingIndex.Strategy.automatic, .index, .scan] {
                    // The forced index at huge radii probes every key: only where that is small.
                    if strategy == .index && index.estimate(threshold: t).index > 5e7 { continue }
                    let got = index.search(q, threshold: t, strategy: strategy)
                    if got != expected {
                        XCTFail("\(label) t=\(t) \(strategy): \(got.count) matches, expected \(expected.count); first difference "
                                + "\(zip(got, expected).first { $0 != $1 }.map { "\($0) vs \($1)" } ?? "in length")",
                                file: file, line: line)
                        return
                    }
                }
            }
        }
    }

    /// Fills to `count`, then rounds of random writes (add at a free or fresh slot, remove,
    /// replace by a near or a fresh hash), checking every `checkEvery` writes.
    func churn(layout: HammingIndex.Layout, pool: PackedHashes, count: Int, writes: Int, thresholds: [Int], seed: UInt64,
               bulk: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        var rng = Rng(seed: seed)
        var index = HammingIndex(layout: layout)
        var model = Model()
        var free = [Int]()
        var next = 0
        if bulk {
            let slots = Array(0..<count)
            index.add(slots: slots, words: Array(pool.words[0..<(count * pool.wordsPerHash)]))
            for s in slots { model.hashes[s] = draw(pool, s) }
            next = count
        } else {
            for _ in 0..<count {
                let h = draw(pool, rng.below(pool.count))
                XCTAssertTrue(index.add(slot: next, words: h))
                model.hashes[next] = h
                next += 1
            }
        }
        let label = "\(layout) \(count) \(bulk ? "bulk" : "one by one")"
        check(index, model, pool: pool, thresholds: thresholds, &rng, "\(label) filled", file: file, line: line)
        let checkEvery = max(1, writes / 4)
        for w in 1...writes {
            let live = Array(model.hashes.keys)
            switch rng.below(3) {
            case 0 where !live.isEmpty:
                let s = live[rng.below(live.count)]
                XCTAssertTrue(index.remove(slot: s))
                XCTAssertFalse(index.remove(slot: s), "a removed slot is not live")
                model.hashes[s] = nil
                free.append(s)
            case 1 where !live.isEmpty:
                let s = live[rng.below(live.count)]
                let h = rng.below(2) == 0 ? near(model.hashes[s]!, flips: rng.below(4), &rng) : draw(pool, rng.below(pool.count))
                index.replace(slot: s, words: h)
                model.hashes[s] = h
            default:
                let s = free.popLast() ?? { defer { next += 1 }; return next }()
                let h = rng.below(2) == 0 && !live.isEmpty
                    ? near(model.hashes[live[rng.below(live.count)]]!, flips: rng.below(3), &rng) : draw(pool, rng.below(pool.count))
                XCTAssertTrue(index.add(slot: s, words: h))
                XCTAssertFalse(index.add(slot: s, words: h), "a live slot is not added twice")
                model.hashes[s] = h
            }
            if w % checkEvery == 0 {
                check(index, model, pool: pool, thresholds: thresholds, &rng, "\(label) after \(w) writes", file: file, line: line)
            }
        }
    }

    func uniform(words: Int, count: Int, seed: UInt64) -> PackedHashes {
        var rng = Rng(seed: seed)
        return MIHData.uniform(words: words, count: count, &rng)
    }

    func clustered(words: Int, count: Int, spread: Int, seed: UInt64) -> PackedHashes {
        var rng = Rng(seed: seed)
        let centres = MIHData.centres(words: words, count: count / 30, &rng)
        return MIHData.clustered(words: words, count: count, centres: centres, spread: spread, identical: count / 20, &rng)
    }

    let thresholds64 = [0, 1, 3, 8, 12, 20, 40, 64]

    func testUniform64MatchesBruteForce() {
        let pool = uniform(words: 1, count: 50_000, seed: 1)
        let layout = HammingIndex.Layout.best(words: 1, threshold: 8, expectedCount: 1 << 20)
        churn(layout: layout, pool: pool, count: 3000, writes: 1500, thresholds: thresholds64, seed: 2)
        churn(layout: layout, pool: pool, count: 5000, writes: 400, thresholds: [0, 8, 16], seed: 3, bulk: true)
        // Short substrings: keys as long as their substring while buckets fill, so the growth
        // rebuilds shrink the pages instead (m = 16: pages of one 4-bit bucket).
        for m in [9, 16] {
            churn(layout: HammingIndex.Layout(words: 1, substrings: m), pool: pool, count: 5000, writes: 300,
                  thresholds: [0, 2, 8, 17], seed: 10 + UInt64(m))
        }
        for m in [1, 2, 3, 5, 9] {
            churn(layout: HammingIndex.Layout(words: 1, substrings: m), pool: pool, count: 600, writes: 200,
                  thresholds: [0, 2, 8, 13], seed: 4 + UInt64(m))
        }
    }

    func testClustered64MatchesBruteForce() {
        let layout = HammingIndex.Layout.best(words: 1, threshold: 8, expectedCount: 1 << 20)
        let pool = clustered(words: 1, count: 20_000, spread: 11, seed: 20)
        churn(layout: layout, pool: pool, count: 3000, writes: 1500, thresholds: thresholds64, seed: 21)
        churn(layout: layout, pool: pool, count: 4000, writes: 400, thresholds: [0, 8, 16], seed: 22, bulk: true)
    }

    func test256BitMatchesBruteForce() {
        for threshold in [8, 31] {
            let layout = HammingIndex.Layout.best(words: 4, threshold: threshold, expectedCount: 1 << 20)
            let thresholds = [0, threshold / 2, threshold, threshold + 9, 100, 256]
            churn(layout: layout, pool: uniform(words: 4, count: 20_000, seed: 30), count: 1500, writes: 600,
                  thresholds: thresholds, seed: 31 + UInt64(threshold))
            churn(layout: layout, pool: clustered(words: 4, count: 20_000, spread: threshold + 3, seed: 40), count: 1500,
                  writes: 600, thresholds: thresholds, seed: 41 + UInt64(threshold), bulk: true)
        }
    }

    /// A layout chosen again (as growth does) keeps every answer, and writes after it too.
    func testRelayoutKeepsAnswers() {
        for (words, from, to) in [(1, 5, 3), (1, 3, 7), (4, 9, 4)] {
            var rng = Rng(seed: 50 + UInt64(from))
            let pool = clustered(words: words, count: 8000, spread: 9, seed: 51)
            var index = HammingIndex(layout: HammingIndex.Layout(words: words, substrings: from))
            var model = Model()
            for slot in 0..<3000 {
                let h = draw(pool, rng.below(pool.count))
                index.add(slot: slot, words: h)
                model.hashes[slot] = h
            }
            let thresholds = words == 1 ? [0, 3, 8, 13] : [0, 8, 20]
            check(index, model, pool: pool, thresholds: thresholds, &rng, "\(index.layout) before")
            let before = index
            index.relayout(HammingIndex.Layout(words: words, substrings: to))
            XCTAssertEqual(index.layout.substrings, to)
            XCTAssertEqual(index.tables.count, to)
            XCTAssertEqual(before.layout.substrings, from, "a snapshot keeps its layout")
            check(index, model, pool: pool, thresholds: thresholds, &rng, "\(index.layout) relaid")
            check(before, model, pool: pool, thresholds: thresholds, &rng, "\(before.layout) snapshot")
            for slot in stride(from: 0, to: 3000, by: 7) {
                index.remove(slot: slot)
                model.hashes[slot] = nil
            }
            for slot in 3000..<3500 {
                let h = near(draw(pool, rng.below(pool.count)), flips: rng.below(4), &rng)
                index.add(slot: slot, words: h)
                model.hashes[slot] = h
            }
            check(index, model, pool: pool, thresholds: thresholds, &rng, "\(index.layout) written after")
        }
    }

    /// The layout follows the set's size: at 10M hashes the best m is smaller than at 1M for
    /// 64-bit hashes at threshold 10 and 256-bit ones at 31 (longer substrings, fewer candidates
    /// a probe); an index laid out for a threshold takes it when asked, a fixed layout stays.
    func testLayoutFollowsTheCount() {
        for (words, threshold) in [(1, 10), (4, 31)] {
            let small = HammingIndex.layout(words: words, threshold: threshold, count: 1_000)
            let at1M = HammingIndex.layout(words: words, threshold: threshold, count: 1 << 20)
            let at10M = HammingIndex.layout(words: words, threshold: threshold, count: 10_000_000)
            XCTAssertEqual(small, at1M, "sets under 2^20 are laid out as 2^20")
            XCTAssertLessThan(at10M.substrings, at1M.substrings, "\(words * 64)-bit at \(threshold)")
            let cost = { (layout: HammingIndex.Layout, n: Int) in
                HammingIndex.estimate(layout: layout, keyBits: (0..<layout.substrings).map { min(layout.length($0), HammingIndex.keyBits(forCount: n)) },
                                      count: n, slots: n, threshold: threshold).index
            }
            XCTAssertLessThan(cost(at10M, 10_000_000), cost(at1M, 10_000_000))
        }
        let at1M = HammingIndex.layout(words: 1, threshold: 8, count: 1 << 20)
        var chosen = HammingIndex(words: 1, threshold: 8)
        var fixed = HammingIndex(layout: HammingIndex.Layout(words: 1, substrings: 9))
        var rng = Rng(seed: 60)
        for slot in 0..<2000 {
            let h = [rng.next()]
            chosen.add(slot: slot, words: h)
            fixed.add(slot: slot, words: h)
        }
        XCTAssertEqual(chosen.layout, at1M)
        XCTAssertFalse(chosen.relayoutIfBetter(), "2,000 hashes keep the layout of 2^20")
        XCTAssertFalse(fixed.relayoutIfBetter(), "a fixed layout is kept")
    }

    /// The bucket kernel against a plain count, for every variant the CPU has, at every radius.
    func testBucketKernelMatchesPlainCount() {
        var rng = Rng(seed: 70)
        let q = rng.next()
        // Near and far hashes, and lengths that are not a multiple of any vector width.
        for n in [0, 1, 7, 8, 9, 63, 257] {
            let hashes = (0..<n).map { i -> UInt64 in
                var h = i % 2 == 0 ? q : rng.next()
                for _ in 0..<rng.below(12) { h ^= 1 << UInt64(rng.below(64)) }
                return h
            }
            for radius in [-1, 0, 1, 5, 8, 11, 32, 64] {
                let expected = hashes.indices.filter { (q ^ hashes[$0]).nonzeroBitCount <= radius }.map(UInt32.init)
                for variant in [Int32(CHK_PORTABLE), Int32(CHK_SSE2)] {
                    var hits = [UInt32](repeating: 0, count: max(n, 1))
                    let found = hashes.withUnsafeBufferPointer { h in
                        hits.withUnsafeMutableBufferPointer {
                            chk_hamming_u64_within_using(variant, q, h.baseAddress ?? UnsafePointer(bitPattern: 8)!, n, Int32(radius), $0.baseAddress!)
                        }
                    }
                    XCTAssertEqual(Array(hits.prefix(found)), expected, "n=\(n) radius=\(radius) variant=\(variant)")
                }
            }
        }
    }

    /// The clustered sets really put many entries in one bucket and matches at the threshold.
    func testClusteredSetsExerciseTheBoundary() {
        let pool = clustered(words: 1, count: 4000, spread: 11, seed: 50)
        var index = HammingIndex(words: 1, threshold: 8)
        index.add(slots: Array(0..<4000), words: pool.words)
        let flat = index.search([0], threshold: 0, strategy: .index)
        XCTAssertGreaterThanOrEqual(flat.count, 200, "the flat images are one hash, in one bucket")
        var rng = Rng(seed: 51)
        var atThreshold = 0
        for _ in 0..<200 {
            let q = draw(pool, rng.below(pool.count))
            atThreshold += index.search(q, threshold: 8, strategy: .index).filter { $0.distance == 8 }.count
        }
        XCTAssertGreaterThan(atThreshold, 0, "matches at exactly the threshold")
    }

    /// A copy taken before a batch of writes answers as before them, while the writes run on
    /// another thread; the written index answers as the brute force after them.
    func testSnapshotIsolation() {
        var rng = Rng(seed: 60)
        let pool = clustered(words: 1, count: 20_000, spread: 10, seed: 61)
        var index = HammingIndex(words: 1, threshold: 8)
        var model = Model()
        for s in 0..<6000 {
            let h = draw(pool, rng.below(pool.count))
            index.add(slot: s, words: h)
            model.hashes[s] = h
        }
        let queries = (0..<40).map { i in i % 2 == 0 ? near(model.hashes[rng.below(6000)]!, flips: rng.below(9), &rng)
                                                     : draw(pool, rng.below(pool.count)) }
        let snapshot = index
        let before = queries.map { snapshot.search($0, threshold: 8) }
        XCTAssertEqual(before, queries.map { model.search($0, threshold: 8) })
        XCTAssertGreaterThan(before.map(\.count).reduce(0, +), 40, "the queries match something")

        // The writes: every slot a query matched is removed, replaced or moved, and new ones added.
        var writes = [(op: Int, slot: Int, words: [UInt64])]()
        for (k, slot) in Set(before.flatMap { $0.map(\.slot) }).sorted().enumerated() {
            writes.append((k % 3, slot, near(model.hashes[slot]!, flips: 1 + k % 4, &rng)))
        }
        for s in 6000..<8000 { writes.append((2, s, draw(pool, rng.below(pool.count)))) }
        for w in writes {
            model.hashes[w.slot] = w.op == 0 ? nil : w.words
        }
        let box = IndexBox(index)
        let readsDuring = Locked([[HammingIndex.Match]]())
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                box.write { index in
                    for w in writes {
                        if w.op == 0 { index.remove(slot: w.slot) } else { index.replace(slot: w.slot, words: w.words) }
                    }
                }
            } else {
                for q in queries { readsDuring.mutate { $0.append(snapshot.search(q, threshold: 8)) } }
            }
        }
        XCTAssertEqual(readsDuring.value, before, "reads of the snapshot during the writes")
        XCTAssertEqual(queries.map { snapshot.search($0, threshold: 8) }, before, "the snapshot after the writes")
        let after = box.read()
        XCTAssertEqual(queries.map { after.search($0, threshold: 8) }, queries.map { model.search($0, threshold: 8) })
        XCTAssertNotEqual(queries.map { after.search($0, threshold: 8) }, before, "the writes changed the answers")
        XCTAssertEqual(after.count, model.hashes.count)
    }

    /// `reserve(adding:)` rebuilds the tables ahead of a batch (what `MatchIndex.upsert` does
    /// on a copy, outside its lock): the batch's adds then only insert (none rebuilds), every
    /// answer stays the brute-force scan's, before, during and after, and the copy the reserve
    /// started from is untouched.
    func testReserveRebuildsAheadSoABatchOfAddsOnlyInserts() {
        var rng = Rng(seed: 70)
        for (words, thresholds) in [(1, [0, 3, 8, 12]), (4, [0, 8, 24])] {
            let pool = clustered(words: words, count: 30_000, spread: 10, seed: 71)
            var index = HammingIndex(words: words, threshold: 8)
            var model = Model()
            for s in 0..<3000 {
                let h = draw(pool, rng.below(pool.count))
                index.add(slot: s, words: h)
                model.hashes[s] = h
            }
            let batch = 4 * index.count
            XCTAssertTrue(index.wouldReshape(adding: batch), "a fourfold growth crowds the pages")
            let before = index
            var grown = index
            grown.reserve(adding: batch)
            XCTAssertGreaterThan(grown.targetKeyBits, before.targetKeyBits)
            XCTAssertFalse(grown.wouldReshape(adding: batch), "laid out for the batch already")
            check(grown, model, pool: pool, thresholds: thresholds, &rng, "\(words) words, reserved")
            let kept = model
            for s in 3000..<(3000 + batch) {
                XCTAssertFalse(grown.wouldReshape(adding: 1), "add \(s) would rebuild")
                let h = draw(pool, rng.below(pool.count))
                grown.add(slot: s, words: h)
                model.hashes[s] = h
                if s % 4000 == 0 { check(grown, model, pool: pool, thresholds: thresholds, &rng, "\(words) words, add \(s)") }
            }
            check(grown, model, pool: pool, thresholds: thresholds, &rng, "\(words) words, after the batch")
            check(before, kept, pool: pool, thresholds: thresholds, &rng, "\(words) words, the copy before the reserve")
            // Nothing to do when the batch fits: the same tables.
            var same = grown
            same.reserve(adding: 10)
            XCTAssertEqual(same.targetKeyBits, grown.targetKeyBits)
        }
    }

    /// A write after a snapshot copies the chunk of the hash column and the pages it touches;
    /// every other chunk and page is still shared with the snapshot (the same buffers).
    func testWriteAfterSnapshotCopiesOnlyWhatItTouches() {
        var rng = Rng(seed: 80)
        let n = 5 * HammingIndex.chunkSlots
        var index = HammingIndex(words: 1, threshold: 8)
        index.add(slots: Array(0..<n), words: (0..<n).map { _ in rng.next() })
        func chunkBuffers(_ x: HammingIndex) -> [UnsafeRawPointer?] {
            x.hashChunks.map { $0.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        }
        func pageBuffers(_ x: HammingIndex) -> [[UnsafeRawPointer?]] {
            x.tables.map { t in t.groups.flatMap { $0.map { p in p.slots.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } } } }
        }
        let snapshot = index
        let slot = 2 * HammingIndex.chunkSlots + 7
        index.replace(slot: slot, words: [rng.next()])
        let before = chunkBuffers(snapshot), after = chunkBuffers(index)
        XCTAssertEqual(before.count, 5)
        for c in 0..<5 {
            if c == 2 { XCTAssertNotEqual(before[c], after[c], "the written chunk is copied") }
            else { XCTAssertEqual(before[c], after[c], "chunk \(c) is shared") }
        }
        let pagesBefore = pageBuffers(snapshot), pagesAfter = pageBuffers(index)
        for t in pagesBefore.indices {
            let copied = zip(pagesBefore[t], pagesAfter[t]).filter { $0 != $1 }.count
            XCTAssert((1...2).contains(copied), "table \(t): \(copied) of \(pagesBefore[t].count) pages copied (the old and the new key's)")
        }
        XCTAssertEqual(snapshot.words(at: slot)?.count, 1)
        XCTAssertNotEqual(snapshot.words(at: slot), index.words(at: slot))
    }

    /// The index's own bytes per image at 200k uniform 64-bit hashes, half loaded in bulk and
    /// half added in batches (with the pages' spare capacity), stay under the header's figure.
    func testMemoryPerImage() {
        var rng = Rng(seed: 70)
        let n = 200_000
        let pool = MIHData.uniform(words: 1, count: n, &rng)
        var index = HammingIndex(words: 1, threshold: 8)
        index.add(slots: Array(0..<(n / 2)), words: Array(pool.words[0..<(n / 2)]))
        for start in stride(from: n / 2, to: n, by: 5000) {
            index.add(slots: Array(start..<(start + 5000)), words: Array(pool.words[start..<(start + 5000)]))
        }
        XCTAssertEqual(index.count, n)
        for t in index.tables {
            XCTAssertLessThanOrEqual(n >> (t.keyBits - t.pageBits), HammingIndex.growLoad << HammingIndex.maxPageBits,
                                     "pages stay small (an insert moves one page)")
        }
        let perImage = Double(index.memoryBytes) / Double(n)
        print("HammingIndex: \(index.layout), \(String(format: "%.1f", perImage)) bytes an image at \(n)")
        XCTAssertLessThan(perImage, 100)
        // Spot checks that this index answers.
        for i in stride(from: 0, to: n, by: 20_011) {
            XCTAssert(index.search(draw(pool, i), threshold: 8).contains(HammingIndex.Match(slot: i, distance: 0)))
        }
    }

    func testAddRemoveReplaceContract() {
        var index = HammingIndex(words: 4, threshold: 8)
        let h: [UInt64] = [1, 2, 3, 4]
        XCTAssertTrue(index.add(slot: 10_000, words: h))
        XCTAssertEqual(index.words(at: 10_000), h)
        XCTAssertNil(index.words(at: 9999))
        XCTAssertFalse(index.add(slot: 10_000, words: [0, 0, 0, 0]))
        index.replace(slot: 5, words: h)  // a free slot: an add
        XCTAssertEqual(index.search(h, threshold: 0), [.init(slot: 5, distance: 0), .init(slot: 10_000, distance: 0)])
        XCTAssertTrue(index.remove(slot: 10_000))
        XCTAssertFalse(index.contains(slot: 10_000))
        XCTAssertEqual(index.search(h, threshold: 256), [.init(slot: 5, distance: 0)])
        XCTAssertEqual(index.count, 1)
    }
}

/// The live index behind a lock, as the service would hold it.
private final class IndexBox: @unchecked Sendable {
    private let lock = NSLock()
    private var index: HammingIndex
    init(_ index: HammingIndex) { self.index = index }
    func write(_ body: (inout HammingIndex) -> Void) { lock.withLock { body(&index) } }
    func read() -> HammingIndex { lock.withLock { index } }
}

private final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func mutate(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
