import XCTest
import HashKit
import Analysis
import CPUFallback
@testable import Service

/// `MatchIndex` (one `HammingIndex` per dataset and family) answers exactly as a brute-force
/// scan of the same entries written here: the same matches, distances, order, `limit` and
/// `truncated`, on random and clustered hashes, across loads, inserts, replaces (families
/// gained and lost) and deletes (freed slots taken again), for thresholds 0, 8, 31 and the
/// hash width.
final class MatchIndexTests: XCTestCase {
    let families = MatchIndex.families
    var random = SplitMix64(seed: 17)
    /// Per family, cluster centres: half the hashes are a centre with a few bits flipped.
    var centres = [[[UInt64]]]()

    override func setUp() {
        centres = families.map { f in (0..<12).map { _ in (0..<f.wordsPerHash).map { _ in random.next() } } }
    }

    func flipped(_ words: [UInt64], _ flips: Int) -> [UInt64] {
        var w = words
        for _ in 0..<flips {
            let bit = random.below(w.count * 64)
            w[bit / 64] ^= 1 << UInt64(bit % 64)
        }
        return w
    }

    func hash(_ f: Int) -> [UInt64] {
        if random.below(2) == 0 { return (0..<families[f].wordsPerHash).map { _ in random.next() } }
        return flipped(centres[f][random.below(centres[f].count)], random.below(12))
    }

    /// Mostly the default two families, some PDQ alone, some all three, a few none.
    func entry() -> MatchIndex.Entry {
        let sets: [[Int]] = [[0, 1], [0, 1], [0, 1], [2], [0, 1, 2], [0], []]
        var e = MatchIndex.Entry()
        for f in sets[random.below(sets.count)] { e[families[f].id] = hash(f) }
        return e
    }

    func key() -> FileKey { FileKey("img/\(random.below(100_000))") }

    /// The scan: every stored image within the threshold of a family both give; distances of
    /// every family both give; score = sum of distance / bits in family order.
    func bruteForce(_ queries: [MatchIndex.Query], _ stored: [(String, [FileKey: MatchIndex.Entry])],
                    thresholds: [HashFamily.ID: Int], limit: Int) -> [([MatchIndex.Match], Bool)] {
        queries.map { q in
            var all = [MatchIndex.Match]()
            for (name, entries) in stored {
                for (key, e) in entries {
                    var distances = MatchIndex.Distances(), score = 0.0, within = false
                    for (f, family) in families.enumerated() {
                        guard let a = q.hashes[family.id], let b = e[family.id] else { continue }
                        let d = zip(a, b).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
                        distances.values[f] = UInt16(d)
                        score = score + Double(d) / Double(family.bits)
                        if d <= thresholds[family.id]! { within = true }
                    }
                    if within { all.append(MatchIndex.Match(dataset: name, key: key, distances: distances, score: score)) }
                }
            }
            all.sort { l, r in
                if l.score != r.score { return l.score < r.score }
                if l.dataset != r.dataset { return DatasetName(l.dataset) < DatasetName(r.dataset) }
                return l.key < r.key
            }
            return (Array(all.prefix(limit)), all.count > limit)
        }
    }

    /// Queries near stored hashes (so low thresholds match), random ones, and ones giving a
    /// single family.
    func queries(_ stored: [(String, [FileKey: MatchIndex.Entry])]) -> [MatchIndex.Query] {
        let pool = stored.flatMap { $0.1.values }.filter { !$0.isEmpty }
        return (0..<24).map { i in
            var hashes = [HashFamily.ID: [UInt64]]()
            switch i % 4 {
            case 0, 1:
                for (id, w) in pool[random.below(pool.count)] { hashes[id] = flipped(w, random.below(10)) }
            case 2:
                for f in families.indices { hashes[families[f].id] = hash(f) }
            default:
                let f = random.below(families.count)
                hashes[families[f].id] = hash(f)
            }
            return MatchIndex.Query(hashes: hashes)
        }
    }

    func check(_ index: MatchIndex, _ stored: [(String, [FileKey: MatchIndex.Entry])], _ step: String) throws {
        for (name, entries) in stored { XCTAssertEqual(index.count(name: name), entries.count, "\(step): count of \(name)") }
        let queries = queries(stored)
        var matched = 0
        for t in [0, 8, 31, Int.max] {
            let thresholds = Dictionary(uniqueKeysWithValues: families.map { ($0.id, min(t, $0.bits)) })
            for limit in [7, 100_000] {
                let want = bruteForce(queries, stored, thresholds: thresholds, limit: limit)
                // Probing and scanning, forced, give the same answer as the automatic choice.
                for strategy in [HammingIndex.Strategy.automatic, .index, .scan] {
                    index.strategy = strategy
                    // "b" asked twice and first: one dataset, ordered by bytes all the same.
                    let got = try index.query(queries, datasets: ["b", "a", "b"], thresholds: thresholds, limit: limit)
                    XCTAssertEqual(got.count, want.count)
                    for (q, (g, w)) in zip(got, want).enumerated() {
                        if g.matches != w.0 {
                            let gs = Set(g.matches.map { "\($0.dataset)/\($0.key) \($0.distances.values) \($0.score)" })
                            let ws = Set(w.0.map { "\($0.dataset)/\($0.key) \($0.distances.values) \($0.score)" })
                            XCTFail("\(step): threshold \(t), limit \(limit), \(strategy), query \(q): \(g.matches.count) matches, \(w.0.count) by the scan; "
                                    + "only in the index: \(gs.subtracting(ws).sorted().prefix(3)); only in the scan: \(ws.subtracting(gs).sorted().prefix(3))")
                        }
                        XCTAssertEqual(g.truncated, w.1, "\(step): threshold \(t), limit \(limit), \(strategy), query \(q) truncated")
                        if t <= 31 { matched += g.matches.count }
                    }
                }
            }
        }
        index.strategy = .automatic
        // The sets are built so that the small thresholds find something (not only the width).
        XCTAssertGreaterThan(matched, 0, step)
    }

    func testAnswersAsABruteForceScanAcrossWrites() throws {
        let index = MatchIndex()
        var a = [FileKey: MatchIndex.Entry](), b = [FileKey: MatchIndex.Entry]()
        // A load, with keys given twice (the last entry wins).
        var loaded = [(FileKey, MatchIndex.Entry)]()
        for _ in 0..<3000 {
            let (k, e) = (key(), entry())
            loaded.append((k, e))
            a[k] = e
        }
        index.load(name: "a", loaded)
        // Inserts, in batches, into a dataset that starts empty.
        for _ in 0..<10 {
            var batch = [(FileKey, MatchIndex.Entry)]()
            for _ in 0..<100 {
                let (k, e) = (key(), entry())
                batch.append((k, e))
                b[k] = e
            }
            index.upsert(name: "b", batch)
        }
        try check(index, [("a", a), ("b", b)], "after inserts")

        // Replaces: new hashes, families gained and lost, and unchanged ones.
        var batch = [(FileKey, MatchIndex.Entry)]()
        for (i, k) in a.keys.sorted().prefix(800).enumerated() {
            let e = i % 5 == 0 ? a[k]! : entry()
            batch.append((k, e))
            a[k] = e
        }
        index.upsert(name: "a", batch)
        try check(index, [("a", a), ("b", b)], "after replaces")

        // Deletes (and keys that are not there), then inserts that take the freed slots.
        let gone = Array(a.keys.sorted().suffix(900)) + [FileKey("not/there")]
        index.remove(name: "a", keys: gone)
        for k in gone { a[k] = nil }
        index.remove(name: "b", keys: Array(b.keys.sorted().prefix(300)))
        for k in b.keys.sorted().prefix(300) { b[k] = nil }
        try check(index, [("a", a), ("b", b)], "after deletes")
        batch = []
        for _ in 0..<600 {
            let (k, e) = (key(), entry())
            batch.append((k, e))
            a[k] = e
        }
        index.upsert(name: "a", batch)
        try check(index, [("a", a), ("b", b)], "after inserts into freed slots")
    }

    /// A query's snapshot is not changed by writes made after it was taken, and the next
    /// query sees them.
    func testWritesAfterASnapshotDoNotChangeIt() throws {
        let index = MatchIndex()
        var a = [FileKey: MatchIndex.Entry]()
        for _ in 0..<5000 { let (k, e) = (key(), entry()); a[k] = e }
        index.load(name: "a", a.map { ($0.key, $0.value) })
        let q = MatchIndex.Query(hashes: [HashFamily.phash.id: a.values.first { $0[HashFamily.phash.id] != nil }![HashFamily.phash.id]!])
        let thresholds = [HashFamily.phash.id: 64, HashFamily.blockmean.id: 0, HashFamily.pdq.id: 0]
        let first = try index.query([q], datasets: ["a"], thresholds: thresholds, limit: 1_000_000, shouldStop: {
            // Asked while the query runs, on its snapshot: these writes land in the live index.
            index.remove(name: "a", keys: [FileKey("img/1"), FileKey("img/2")])
            return false
        })
        XCTAssertEqual(first[0].matches.count, a.values.filter { $0[HashFamily.phash.id] != nil }.count)
        index.remove(name: "a", keys: Array(a.keys))
        XCTAssertEqual(try index.query([q], datasets: ["a"], thresholds: thresholds, limit: 10)[0].matches, [])
    }

    /// Queries running while another thread writes see each write call whole or not at all
    /// (a snapshot is taken under the lock the write holds), and never a torn index.
    func testQueriesDuringWritesSeeWholeWrites() throws {
        let index = MatchIndex()
        var preload = [(FileKey, MatchIndex.Entry)]()
        for i in 0..<2000 { preload.append((FileKey("old/\(i)"), entry())) }
        index.load(name: "a", preload)
        let target = (0..<1).map { _ in random.next() }
        let q = MatchIndex.Query(hashes: [HashFamily.phash.id: target])
        let thresholds = [HashFamily.phash.id: 8, HashFamily.blockmean.id: 0, HashFamily.pdq.id: 0]
        let base = try index.query([q], datasets: ["a"], thresholds: thresholds, limit: 1_000_000)[0].matches.count
        // Batches of 100 images within 8 bits of the target (and random other families).
        var batches = [[(FileKey, MatchIndex.Entry)]]()
        for b in 0..<40 {
            batches.append((0..<100).map { i in
                var e = entry()
                e[HashFamily.phash.id] = flipped(target, random.below(9))
                return (FileKey("new/\(b)/\(i)"), e)
            })
        }
        let seen = NSLock()
        var counts = [Int](), failure: Error?, writing = true
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                // Paced, so that queries fall between the writes.
                while seen.withLock({ counts.isEmpty }) { usleep(100) }
                for batch in batches { index.upsert(name: "a", batch); usleep(2000) }
                // And at least one query sees every insert (so the answers cannot all be alike).
                let asked = seen.withLock { counts.count }
                while seen.withLock({ counts.count <= asked + 1 }) { usleep(100) }
                for batch in batches { index.remove(name: "a", keys: batch.map(\.0)); usleep(2000) }
                seen.withLock { writing = false }
                return
            }
            // Queries for as long as the writer writes.
            while seen.withLock({ writing }) {
                do {
                    let n = try index.query([q], datasets: ["a"], thresholds: thresholds, limit: 1_000_000)[0].matches.count
                    seen.withLock { counts.append(n) }
                } catch {
                    seen.withLock { failure = error }
                }
            }
        }
        XCTAssertNil(failure)
        print("queries during writes saw \(Set(counts).count) states of the dataset in \(counts.count) queries")
        XCTAssertGreaterThan(Set(counts).count, 1, "no query fell between the writes")
        for n in counts { XCTAssertEqual((n - base) % 100, 0, "a query saw part of a write: \(n) matches, \(base) before") }
        XCTAssertEqual(try index.query([q], datasets: ["a"], thresholds: thresholds, limit: 1_000_000)[0].matches.count, base)
    }
}
