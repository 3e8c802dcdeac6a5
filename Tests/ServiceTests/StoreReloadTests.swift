import XCTest
import HashKit
import HashStore
import Analysis
@testable import Service

/// The service's start (`HashService.reload`: rows streamed from a real SQLite store into the
/// index's columns) holds exactly what the reading it replaces held: the dataset as
/// `StoredDatasets.load` reads it (a file counts when its content has every default family),
/// each optional family's matchable hashes added from `familyHashes`, in a `[FileKey: Entry]`
/// dictionary. Both indexes answer the same queries alike, on a store holding hashed pictures
/// (with and without PDQ, PDQ over and under the quality floor), failures, PDQ-only entries and
/// an older build's contents without a blockmean.
final class StoreReloadTests: XCTestCase {
    var random = SplitMix64(seed: 41)

    /// The reading `reload` did before it streamed: the reference.
    func referenceIndex(_ store: HashStore, _ dataset: StoredDataset) throws -> MatchIndex {
        let result = try StoredDatasets.load(store, dataset, spec: DatasetSpec(name: dataset.name, path: dataset.root ?? ""))
        var entries = [FileKey: MatchIndex.Entry]()
        for (key, hashes) in zip(result.keys, result.hashes) { entries[key] = MatchIndex.entry(hashes, families: HashFamily.all) }
        for family in HashFamily.optional {
            for row in try store.familyHashes(in: dataset.id, family: family) where family.isMatchable(quality: row.quality) {
                entries[FileKey(bytes: row.path), default: [:]][family.id] = row.words
            }
        }
        let index = MatchIndex()
        index.load(name: dataset.name, entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return index
    }

    /// Few distinct values per word, so that many images tie and keys order them.
    func words(_ n: Int) -> [UInt64] { (0..<n).map { _ in UInt64(random.below(3)) << UInt64(random.below(64)) } }

    func testStreamedStartHoldsWhatTheDictionaryReadingHeld() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try HashStore(path: folder.appendingPathComponent("store.sqlite").path)
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var changes = [FileChange]()
        var kinds = [Int](repeating: 0, count: 5)
        for i in 0..<2_000 {
            // Keys with arbitrary bytes, some prefixes of others.
            let path = Array("f/\(i % 300)".utf8) + (i % 7 == 0 ? [0, 0xFF, UInt8(i % 256)] : Array("/\(i)".utf8))
            var digestBytes = [UInt8](repeating: 0, count: 32)
            for b in 0..<8 { digestBytes[b] = UInt8(truncatingIfNeeded: i >> (8 * b)) }
            digestBytes[31] = 1
            let digest = ContentDigest(bytes: digestBytes)
            var hashes = ImageHashes(phash: words(1)[0], blockmean: Hash256(words: SIMD4(words(4)[0], words(4)[1], words(4)[2], words(4)[3])))
            let kind = random.below(5)
            kinds[kind] += 1
            switch kind {
            case 0:
                changes.append(FileChange(path: path, stat: nil, digest: digest, outcome: .hashed(hashes, warnings: []),
                                          codeVersion: ImageHashes.codeVersion))
            case 1:
                // PDQ too, its quality over or under the floor (50).
                let w = words(4)
                hashes.pdq = Hash256(words: SIMD4(w[0], w[1], w[2], w[3]))
                hashes.pdqQuality = random.below(101)
                changes.append(FileChange(path: path, stat: nil, digest: digest, outcome: .hashed(hashes, warnings: []),
                                          codeVersion: ImageHashes.codeVersion, families: HashFamily.all + [.pdq]))
            case 2:
                changes.append(FileChange(path: path, stat: nil, digest: nil, outcome: .failed("not an image"),
                                          codeVersion: ImageHashes.codeVersion))
            case 3:
                // PDQ alone (as precomputed items or list entries): no default family.
                let w = words(4)
                hashes.pdq = Hash256(words: SIMD4(w[0], w[1], w[2], w[3]))
                hashes.pdqQuality = 40 + random.below(61)
                changes.append(FileChange(path: path, stat: nil, digest: digest, outcome: .hashed(hashes, warnings: []),
                                          codeVersion: "precomputed", families: [.pdq]))
            default:
                // An older build's content with a phash only: not loaded (hashed again later).
                changes.append(FileChange(path: path, stat: nil, digest: digest, outcome: .hashed(hashes, warnings: []),
                                          codeVersion: "crosshash-hash-1", families: [.phash]))
            }
        }
        try store.apply(changes, to: dataset.id)

        let want = try referenceIndex(store, dataset)
        let got = MatchIndex()
        try HashService.reload(store, dataset, into: got)
        XCTAssertEqual(got.count(name: "d"), want.count(name: "d"))
        XCTAssertGreaterThan(want.count(name: "d"), 600, "kinds \(kinds)")

        let families = MatchIndex.families
        let queries = (0..<30).map { q in
            MatchIndex.Query(hashes: Dictionary(uniqueKeysWithValues: families.enumerated().compactMap { f, family in
                q % 4 == f ? nil : (family.id, words(family.wordsPerHash))
            }))
        }
        var matched = 0
        for t in [0, 2, 8, 31] {
            let thresholds = Dictionary(uniqueKeysWithValues: families.map { ($0.id, t) })
            for limit in [5, 10_000] {
                let w = try want.query(queries, datasets: ["d"], thresholds: thresholds, limit: limit)
                let g = try got.query(queries, datasets: ["d"], thresholds: thresholds, limit: limit)
                for (q, (a, b)) in zip(g, w).enumerated() {
                    XCTAssertEqual(a.matches, b.matches, "threshold \(t), limit \(limit), query \(q)")
                    XCTAssertEqual(a.truncated, b.truncated, "threshold \(t), limit \(limit), query \(q)")
                    matched += b.matches.count
                }
            }
        }
        XCTAssertGreaterThan(matched, 1_000)
    }
}
