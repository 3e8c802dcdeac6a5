import XCTest
import HashKit
import Analysis
@testable import Service

/// The match index's key storage (`MatchKeys`, byte arenas) and key -> slot table (`KeyTable`,
/// open addressing) against a Swift Dictionary model: random inserts, removals and reinserts of
/// keys with arbitrary bytes (NUL, 0xFF, empty, prefixes of each other, long), through growth,
/// with hashes forced to collide (every key at one home, at the table's last entry so that runs
/// wrap around) as well as Swift's own.
final class KeyTableTests: XCTestCase {
    var random = SplitMix64(seed: 23)

    /// Keys of arbitrary bytes from a small alphabet (so prefixes and repeats are common).
    func key() -> [UInt8] {
        let alphabet: [UInt8] = [0, 1, 0x2F, 0x61, 0x62, 0x7F, 0x80, 0xC3, 0xFF]
        let length = random.below(8) == 0 ? 200 + random.below(300) : random.below(6)
        return (0..<length).map { _ in alphabet[random.below(alphabet.count)] }
    }

    /// `ops` random operations on a table whose hash is `hash`, checked against the model after
    /// each batch: every model key found at its slot with its bytes, absent keys not found.
    func exercise(hash: @escaping ([UInt8]) -> UInt32, ops: Int, line: UInt = #line) {
        var keys = MatchKeys()
        var table = KeyTable()
        var model = [[UInt8]: Int]()
        var free = [Int](), slots = 0
        var removed = [[UInt8]]()
        var live = [[UInt8]]()  // the model's keys, to pick one at random
        func find(_ k: [UInt8]) -> Int? { k.withUnsafeBufferPointer { table.find($0, hash: hash(k), in: keys) } }
        for op in 0..<ops {
            switch random.below(10) {
            case 0..<5:
                // Insert a new key, or a removed one again (reinsert), unless present.
                let k = !removed.isEmpty && random.below(3) == 0 ? removed.removeLast() : key()
                guard model[k] == nil else { continue }
                XCTAssertNil(find(k), "op \(op): a key not inserted is found", line: line)
                let slot = free.popLast() ?? slots
                if slot == slots { slots += 1 }
                k.withUnsafeBufferPointer { keys.set(slot, $0) }
                table.insert(slot: slot, hash: hash(k))
                model[k] = slot
                live.append(k)
            case 5..<8:
                guard !live.isEmpty else { continue }
                live.swapAt(random.below(live.count), live.count - 1)
                let k = live.removeLast()
                guard let slot = model[k] else { XCTFail("op \(op): model lost \(k)", line: line); return }
                XCTAssertTrue(table.remove(slot: slot, hash: hash(k)), "op \(op)", line: line)
                keys.clear(slot)
                free.append(slot)
                model[k] = nil
                removed.append(k)
            default:
                let k = key()
                XCTAssertEqual(find(k), model[k], "op \(op): lookup of \(k)", line: line)
            }
            if op % 997 == 0 || op == ops - 1 {
                XCTAssertEqual(table.count, model.count, "op \(op)", line: line)
                for (k, slot) in model {
                    XCTAssertEqual(find(k), slot, "op \(op): \(k)", line: line)
                    XCTAssertEqual(keys.key(slot).bytes, k, "op \(op): bytes at slot \(slot)", line: line)
                }
                for k in removed.suffix(50) where model[k] == nil {
                    XCTAssertNil(find(k), "op \(op): removed \(k) still found", line: line)
                }
            }
        }
        // Growth happened (the table starts at 16 entries).
        XCTAssertGreaterThan(table.entries.count, 16, line: line)
    }

    func testSwiftHasherAgainstADictionary() {
        exercise(hash: { k in k.withUnsafeBufferPointer { KeyTable.hash($0) } }, ops: 60_000)
    }

    func testCollidingHashesAgainstADictionary() {
        // Every key at the same home, the last entry of any table size: one run that wraps.
        exercise(hash: { _ in UInt32.max }, ops: 3_000)
        // A few homes only: runs that merge and shift back across each other.
        exercise(hash: { k in UInt32(k.count % 3) &* 0x9E37_79B9 | 0xF }, ops: 3_000)
    }

    /// A slot rewritten again and again keeps its chunk's arena bounded (compaction), and the
    /// other keys of the chunk intact.
    func testRewrittenSlotsKeepTheArenaBounded() {
        var keys = MatchKeys()
        for slot in 0..<100 { Array("k\(slot)".utf8).withUnsafeBufferPointer { keys.set(slot, $0) } }
        var last = [UInt8]()
        for i in 0..<20_000 {
            last = Array("rewritten-\(i)-".utf8) + [UInt8](repeating: 0xFF, count: i % 50)
            last.withUnsafeBufferPointer { keys.set(7, $0) }
            if i % 3 == 0 { keys.clear(8) } else { Array("eight".utf8).withUnsafeBufferPointer { keys.set(8, $0) } }
        }
        XCTAssertEqual(keys.key(7).bytes, last)
        XCTAssertEqual(keys.key(8).bytes, Array("eight".utf8))
        for slot in 0..<100 where slot != 7 && slot != 8 { XCTAssertEqual(keys.key(slot), FileKey("k\(slot)")) }
        XCTAssertLessThan(keys.chunks[0].bytes.count, 20_000, "the arena was not compacted")
        XCTAssertFalse(keys.isLive(100))
        keys.clear(8)
        XCTAssertFalse(keys.isLive(8))
    }

    /// Byte order as `FileKey <` (memcmp, a prefix first), which orders equal scores.
    func testKeyOrderIsFileKeyOrder() {
        var keys = MatchKeys()
        let all = (0..<300).map { _ in key() }
        for (slot, k) in all.enumerated() { k.withUnsafeBufferPointer { keys.set(slot, $0) } }
        for _ in 0..<3_000 {
            let a = random.below(all.count), b = random.below(all.count)
            XCTAssertEqual(keys.precedes(a, b), FileKey(bytes: all[a]) < FileKey(bytes: all[b]), "\(all[a]) vs \(all[b])")
        }
    }

    /// A column made by the bulk `Loader` (rows family by family, as the start streams them)
    /// answers as one loaded from the same entries.
    func testLoaderAnswersAsAnEntryLoad() throws {
        var entries = [FileKey: MatchIndex.Entry]()
        let families = MatchIndex.families
        for i in 0..<3_000 {
            var e = MatchIndex.Entry()
            for f in families.indices where random.below(4) != 0 {
                // Few distinct hashes, so equal scores are common and keys order them.
                e[families[f].id] = (0..<families[f].wordsPerHash).map { _ in UInt64(random.below(4)) }
            }
            entries[FileKey(bytes: Array("\(i % 977)/\(i)".utf8) + (i % 5 == 0 ? [0, 0xFF] : []))] = e
        }
        let byEntries = MatchIndex()
        byEntries.load(name: "a", entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        var loader = MatchIndex.Loader()
        for f in families.indices {
            for (key, e) in entries {
                guard let w = e[families[f].id] else { continue }
                key.bytes.withUnsafeBufferPointer { k in w.withUnsafeBufferPointer { loader.add(key: k, family: f, words: $0) } }
            }
        }
        let byLoader = MatchIndex()
        byLoader.load(name: "a", loader)
        XCTAssertEqual(byLoader.count(name: "a"), entries.filter { !$0.value.isEmpty }.count)
        let queries = (0..<20).map { _ in
            MatchIndex.Query(hashes: Dictionary(uniqueKeysWithValues: families.map { f in
                (f.id, (0..<f.wordsPerHash).map { _ in UInt64(random.below(4)) }) }))
        }
        for t in [0, 1, 8] {
            let thresholds = Dictionary(uniqueKeysWithValues: families.map { ($0.id, t) })
            let want = try byEntries.query(queries, datasets: ["a"], thresholds: thresholds, limit: 50)
            let got = try byLoader.query(queries, datasets: ["a"], thresholds: thresholds, limit: 50)
            for (g, w) in zip(got, want) {
                XCTAssertEqual(g.matches, w.matches, "threshold \(t)")
                XCTAssertEqual(g.truncated, w.truncated)
            }
            XCTAssertTrue(want.contains { !$0.matches.isEmpty })
        }
    }
}
