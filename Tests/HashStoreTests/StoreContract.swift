import Foundation
import HashKit
import HashStore
import XCTest

/// The assertions every store backend must pass, written once against the store interface
/// (`DatasetStoring`) and run by `SQLiteStoreContractTests` on the SQLite `HashStore` and by
/// `PostgresStoreTests` on `PostgresStore`. Each takes a fresh, empty store.
enum StoreContract {
    static func randomHashes(_ rng: inout SplitMix64) -> ImageHashes {
        var words: [HashFamily.ID: [UInt64]] = [:]
        for family in HashFamily.all { words[family.id] = (0..<family.wordsPerHash).map { _ in rng.next() } }
        return ImageHashes(words: words)!
    }

    static func constantHashes(_ word: UInt64) -> ImageHashes {
        var words: [HashFamily.ID: [UInt64]] = [:]
        for family in HashFamily.all { words[family.id] = Array(repeating: word, count: family.wordsPerHash) }
        return ImageHashes(words: words)!
    }

    static func digest(_ seed: Int) -> ContentDigest { ContentDigest.of(Array("content \(seed)".utf8)) }

    static func hashedChange(_ path: String, _ seed: Int, _ rng: inout SplitMix64,
                             version: String = ImageHashes.codeVersion) -> FileChange {
        FileChange(path: Array(path.utf8), stat: FileStat(size: Int64(seed), mtimeNs: Int64(seed) * 1000, inode: UInt64(seed)),
                   digest: digest(seed), outcome: .hashed(randomHashes(&rng), warnings: []), codeVersion: version)
    }

    /// What `files(in:)` should give back for `changes` applied in order (last one per path wins).
    static func expectedFiles(_ changes: [FileChange]) -> [StoredFile] {
        var byPath: [[UInt8]: FileChange] = [:]
        for change in changes { byPath[change.path] = change }
        return byPath.values
            .sorted { $0.path.lexicographicallyPrecedes($1.path) }
            .map { StoredFile(path: $0.path, stat: $0.stat, digest: $0.digest, codeVersion: $0.codeVersion, outcome: $0.outcome) }
    }

    /// Every check, in order, each on its own fresh store from `make`.
    static let all: [(name: String, check: (any DatasetStoring) throws -> Void)] = [
        ("datasets", datasets), ("fileRows", fileRows), ("codeVersions", codeVersions), ("optionalFamily", optionalFamily),
        ("familyHashesAndLists", familyHashesAndLists), ("removalAndMissingDatasets", removalAndMissingDatasets),
        ("digestPrefixes", digestPrefixes), ("dihedralVariants", dihedralVariants), ("concurrentWriters", concurrentWriters),
    ]

    // MARK: Checks

    static func datasets(_ store: any DatasetStoring) throws {
        let b = try store.upsertDataset(name: "b", root: "/b")
        let a = try store.upsertDataset(name: "a", root: nil)
        _ = try store.upsertDataset(name: "é", root: "/e")
        _ = try store.upsertDataset(name: "B", root: "/B")
        XCTAssertNotEqual(a.id, b.id)
        XCTAssertEqual(try store.datasets().map(\.name), ["B", "a", "b", "é"], "byte order")
        XCTAssertEqual(try store.summaries().map(\.dataset.name), ["B", "a", "b", "é"])

        let a2 = try store.upsertDataset(name: "a", root: "/new/a")
        XCTAssertEqual(a2, StoredDataset(id: a.id, name: "a", root: "/new/a"), "an upsert keeps the id, replaces the root")
        XCTAssertEqual(try store.dataset(named: "a"), a2)
        XCTAssertEqual(try store.dataset(id: a.id), a2)
        XCTAssertEqual(try store.upsertDataset(name: "b", root: nil), StoredDataset(id: b.id, name: "b", root: nil))
        XCTAssertNil(try store.dataset(named: "missing"))
        XCTAssertNil(try store.dataset(id: a.id + b.id + 1000))

        var rng = SplitMix64(seed: 2)
        let failed = FileChange(path: Array("bad".utf8), stat: nil, digest: nil, outcome: .failed("EACCES"),
                                codeVersion: ImageHashes.codeVersion)
        var warned = hashedChange("2", 2, &rng)
        if case .hashed(let h, _) = warned.outcome { warned.outcome = .hashed(h, warnings: ["odd"]) }
        try store.apply([hashedChange("1", 1, &rng), warned, failed], to: a.id)
        try store.apply([hashedChange("3", 3, &rng)], to: b.id)
        let summary = try XCTUnwrap(store.summaries().first { $0.dataset.name == "a" })
        XCTAssertEqual([summary.files, summary.images, summary.errors, summary.warned], [3, 2, 1, 1])
        let empty = try XCTUnwrap(store.summaries().first { $0.dataset.name == "B" })
        XCTAssertEqual([empty.files, empty.images, empty.errors, empty.warned], [0, 0, 0, 0])

        XCTAssertTrue(try store.deleteDataset(named: "a"))
        XCTAssertFalse(try store.deleteDataset(named: "a"))
        XCTAssertNil(try store.dataset(named: "a"))
        XCTAssertEqual(try store.files(in: a.id), [], "a dataset's files go with it")
        XCTAssertEqual(try store.files(in: b.id).count, 1)
        // Contents outlive the files that referred to them.
        XCTAssertNotNil(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion))
    }

    /// Every kind of file row comes back exactly, sorted by path bytes; a change replaces the row
    /// at its path whatever its kind was.
    static func fileRows(_ store: any DatasetStoring) throws {
        var rng = SplitMix64(seed: 3)
        let dataset = try store.upsertDataset(name: "mixed", root: "/m")
        let v = ImageHashes.codeVersion
        let changes = [
            FileChange(path: [0x66, 0xff, 0x2e], stat: FileStat(size: 10, mtimeNs: -5, inode: .max), digest: digest(1),
                       outcome: .hashed(randomHashes(&rng), warnings: ["premature end of JPEG", "line1\nline2 \"quoted\" ü"]),
                       codeVersion: v),
            FileChange(path: Array("z/broken.png".utf8), stat: FileStat(size: 3, mtimeNs: 7, inode: 8), digest: digest(2),
                       outcome: .failed("not a PNG file"), codeVersion: v),
            FileChange(path: Array("huge.tif".utf8), stat: FileStat(size: 1 << 40, mtimeNs: 1, inode: 2), digest: nil,
                       outcome: .failed("file too large"), codeVersion: v),
            FileChange(path: Array("dangling-link".utf8), stat: nil, digest: nil, outcome: .failed("not a readable file"), codeVersion: v),
            FileChange(path: [0x61], stat: FileStat(size: 1, mtimeNs: 1, inode: 1), digest: digest(3),
                       outcome: .hashed(constantHashes(0), warnings: []), codeVersion: v),
            FileChange(path: [0x61, 0x00], stat: FileStat(size: 1, mtimeNs: .min, inode: 1), digest: digest(4),
                       outcome: .hashed(constantHashes(.max), warnings: [""]), codeVersion: v),
            FileChange(path: [], stat: FileStat(size: 0, mtimeNs: 0, inode: 0), digest: digest(5),
                       outcome: .hashed(randomHashes(&rng), warnings: []), codeVersion: v),
            FileChange(path: Array("Z".utf8), stat: FileStat(size: .max, mtimeNs: .max, inode: 0), digest: digest(6),
                       outcome: .hashed(randomHashes(&rng), warnings: []), codeVersion: v),
        ]
        try store.apply(Array(changes.prefix(3)), to: dataset.id)
        try store.apply(Array(changes.dropFirst(3)), to: dataset.id)
        let files = try store.files(in: dataset.id)
        XCTAssertEqual(files, expectedFiles(changes))
        XCTAssertEqual(files.map(\.path), [[], Array("Z".utf8), [0x61], [0x61, 0x00], Array("dangling-link".utf8),
                                           [0x66, 0xff, 0x2e], Array("huge.tif".utf8), Array("z/broken.png".utf8)])
        XCTAssertEqual(try store.file([0x61, 0x00], in: dataset.id), expectedFiles([changes[5]]).first)
        XCTAssertNil(try store.file([0x62], in: dataset.id))

        let replacement = FileChange(path: [0x66, 0xff, 0x2e], stat: nil, digest: nil,
                                     outcome: .failed("permission denied"), codeVersion: v)
        try store.apply([replacement], to: dataset.id)
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles(changes + [replacement]))
        XCTAssertEqual(try store.files(in: dataset.id + 1000), [])
    }

    /// An outcome answers only its code version; a newer version replaces it (hashes included),
    /// the same version keeps what it stored.
    static func codeVersions(_ store: any DatasetStoring) throws {
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 4)
        let old = FileChange(path: Array("a".utf8), stat: FileStat(size: 1, mtimeNs: 2, inode: 3), digest: digest(1),
                             outcome: .hashed(randomHashes(&rng), warnings: ["w"]), codeVersion: "hash-1")
        try store.apply([old], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-1"), old.outcome)
        XCTAssertNil(try store.outcome(of: digest(1), codeVersion: "hash-2"))
        XCTAssertNil(try store.outcome(of: digest(99), codeVersion: "hash-1"))

        var new = old
        new.outcome = .hashed(randomHashes(&rng), warnings: [])
        new.codeVersion = "hash-2"
        try store.apply([new], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-2"), new.outcome)
        XCTAssertNil(try store.outcome(of: digest(1), codeVersion: "hash-1"))
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles([new]))

        var failing = new
        failing.outcome = .failed("decoder gave up")
        failing.codeVersion = "hash-3"
        try store.apply([failing], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-3"), .failed("decoder gave up"))
        var again = new
        again.codeVersion = "hash-4"
        try store.apply([again], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-4"), again.outcome)

        var sameVersion = again
        sameVersion.outcome = .failed("should not replace")
        try store.apply([sameVersion], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-4"), again.outcome)
    }

    /// PDQ is stored only when a run computed it, with its quality, and kept by later runs without it.
    static func optionalFamily(_ store: any DatasetStoring) throws {
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 20)
        let plain = hashedChange("a.png", 1, &rng)
        try store.apply([plain], to: dataset.id)
        let withPDQ: [HashFamily] = [.phash, .blockmean, .pdq]
        XCTAssertNil(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion, families: withPDQ))
        XCTAssertFalse(try XCTUnwrap(store.file(Array("a.png".utf8), in: dataset.id)).covers(withPDQ))

        guard case .hashed(var hashes, _) = plain.outcome else { return XCTFail("hashed change") }
        hashes.pdq = Hash256(words: SIMD4(rng.next(), rng.next(), rng.next(), rng.next()))
        hashes.pdqQuality = 42
        var pdqChange = plain
        pdqChange.outcome = .hashed(hashes, warnings: [])
        pdqChange.families = withPDQ
        try store.apply([pdqChange], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion, families: withPDQ), pdqChange.outcome)
        let again = try XCTUnwrap(store.file(Array("a.png".utf8), in: dataset.id))
        XCTAssertTrue(again.covers(withPDQ))
        XCTAssertEqual(again.outcome, pdqChange.outcome)
        try store.apply([plain], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion, families: withPDQ), pdqChange.outcome)
        let pdq = try store.familyHashes(in: dataset.id, family: .pdq)
        XCTAssertEqual(pdq.map(\.quality), [42])
        XCTAssertEqual(pdq.map(\.words), [hashes.pdq.wordArray])
    }

    /// The bulk load of one family: hashed files and list entries (with or without a quality) in
    /// key byte order; failed files and other families left out; one path on request.
    static func familyHashesAndLists(_ store: any DatasetStoring) throws {
        let dataset = try store.upsertDataset(name: "uploads", root: nil)
        var rng = SplitMix64(seed: 8)
        let pictures = [hashedChange("p2", 2, &rng), hashedChange("p1", 1, &rng)]
        let failed = FileChange(path: Array("broken".utf8), stat: nil, digest: digest(3), outcome: .failed("no"),
                                codeVersion: ImageHashes.codeVersion)
        let entries = [HashListEntry(id: Array("list-b".utf8), words: [rng.next(), rng.next(), rng.next(), rng.next()], quality: 90),
                       HashListEntry(id: [0x6c, 0xff], words: [1, 2, 3, 4]),
                       HashListEntry(id: Array("list-a".utf8), words: [rng.next(), rng.next(), rng.next(), rng.next()])]
        try store.apply(pictures + [failed], to: dataset.id, list: (.pdq, entries), stillWanted: nil)

        let phash = try store.familyHashes(in: dataset.id, family: .phash)
        XCTAssertEqual(phash.map(\.path), [Array("p1".utf8), Array("p2".utf8)], "list entries hold PDQ only; failures none")
        for (found, change) in zip(phash, pictures.reversed()) {
            guard case .hashed(let h, _) = change.outcome else { return XCTFail("hashed change") }
            XCTAssertEqual(found.words, HashFamily.phash.words(of: h))
            XCTAssertNil(found.quality)
        }
        let pdq = try store.familyHashes(in: dataset.id, family: .pdq)
        XCTAssertEqual(pdq.map(\.path), [Array("list-a".utf8), Array("list-b".utf8), [0x6c, 0xff]])
        XCTAssertEqual(pdq.map(\.words), [entries[2].words, entries[0].words, entries[1].words])
        XCTAssertEqual(pdq.map(\.quality), [nil, 90, nil])
        XCTAssertEqual(try store.familyHashes(in: dataset.id, family: .pdq, path: Array("list-b".utf8)).map(\.words), [entries[0].words])
        XCTAssertEqual(try store.familyHashes(in: dataset.id, family: .pdq, path: Array("p1".utf8)).count, 0)

        // An entry with the same ID replaces the earlier one.
        let replacement = HashListEntry(id: Array("list-a".utf8), words: [9, 9, 9, 9], quality: 7)
        try store.apply([], to: dataset.id, list: (.pdq, [replacement]), stillWanted: nil)
        let replaced = try store.familyHashes(in: dataset.id, family: .pdq, path: Array("list-a".utf8))
        XCTAssertEqual(replaced.map(\.words), [[9, 9, 9, 9]])
        XCTAssertEqual(replaced.map(\.quality), [7])
        let files = try store.files(in: dataset.id)
        XCTAssertEqual(files.filter { $0.codeVersion == HashStore.hashListVersion }.count, 3)
    }

    /// Removing files; writes into a deleted or no-longer-wanted dataset fail and write nothing.
    static func removalAndMissingDatasets(_ store: any DatasetStoring) throws {
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 6)
        let a = hashedChange("a", 1, &rng), b = hashedChange("b", 2, &rng), c = hashedChange("c", 3, &rng)
        try store.apply([a, b, c], to: dataset.id)
        try store.removeFiles([a.path, c.path, Array("never-there".utf8)], from: dataset.id)
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles([b]))
        XCTAssertNotNil(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion), "removing files keeps contents")

        func missing(_ body: () throws -> Void, _ what: String) {
            XCTAssertThrowsError(try body(), what) { XCTAssertEqual(($0 as? StoreError)?.kind, .datasetMissing, what) }
        }
        missing({ try store.apply([a], to: dataset.id, list: nil, stillWanted: { false }) }, "apply, not wanted")
        missing({ try store.removeFiles([b.path], from: dataset.id, stillWanted: { false }) }, "remove, not wanted")
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles([b]), "nothing written")
        try store.deleteDataset(named: "d")
        missing({ try store.apply([a], to: dataset.id) }, "apply, deleted")
        XCTAssertEqual(try store.files(in: dataset.id), [])
    }

    static func digestPrefixes(_ store: any DatasetStoring) throws {
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 9)
        try store.apply((0..<50).map { hashedChange("f\($0)", $0, &rng) }, to: dataset.id)
        try store.apply([hashedChange("other", 500, &rng, version: "hash-0")], to: dataset.id)
        let prefixes = try store.digestPrefixes(codeVersion: ImageHashes.codeVersion)
        XCTAssertEqual(prefixes.count, 50)
        XCTAssertTrue((0..<50).allSatisfy { prefixes.mayContain(digest($0)) })
        XCTAssertFalse(prefixes.mayContain(digest(500)), "another code version")
        XCTAssertFalse(prefixes.mayContain(digest(1000)))
    }

    /// `--dihedral`'s variants: kept per content beside the hashes, read back by path, added to a
    /// content stored without them, dropped with the hashes when another code version re-hashes it.
    static func dihedralVariants(_ store: any DatasetStoring) throws {
        let dataset = try store.upsertDataset(name: "d", root: "/d")
        var rng = SplitMix64(seed: 11)
        func variants() -> DihedralHashes {
            DihedralHashes(variants: [
                HashFamily.phash.id: (0..<8).map { _ in [rng.next()] },
                HashFamily.blockmean.id: (0..<8).map { _ in (0..<4).map { _ in rng.next() } },
            ])
        }
        var plain = hashedChange("plain.jpg", 1, &rng)
        var turned = hashedChange("turned.jpg", 2, &rng)
        turned.variants = variants()
        try store.apply([plain, turned], to: dataset.id)
        let families = [HashFamily.phash, .blockmean]
        XCTAssertEqual(try store.variants(in: dataset.id, families: families), [turned.path: turned.variants!])
        XCTAssertEqual(try store.variants(in: dataset.id, families: [.phash])[turned.path]?.variants.count, 1)
        XCTAssertTrue(try store.hasVariants(turned.digest!, families: families))
        XCTAssertFalse(try store.hasVariants(plain.digest!, families: families))
        XCTAssertFalse(try store.hasVariants(turned.digest!, families: families + [.pdq]), "no pdq variants were stored")

        plain.variants = variants()
        try store.apply([plain], to: dataset.id)
        XCTAssertEqual(try store.variants(in: dataset.id, families: families)[plain.path], plain.variants)
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles([plain, turned]), "the hashes are untouched")

        let rehashed = FileChange(path: turned.path, stat: turned.stat, digest: turned.digest, outcome: turned.outcome, codeVersion: "other")
        try store.apply([rehashed], to: dataset.id)
        XCTAssertNil(try store.variants(in: dataset.id, families: families)[turned.path])
    }

    /// Threads writing batches into their own datasets, with contents shared between them, at
    /// once: every row lands, and every shared content is stored once with its hashes.
    static func concurrentWriters(_ store: any DatasetStoring) throws {
        let writers = 4, batches = 5, perBatch = 20
        let ids = try (0..<writers).map { try store.upsertDataset(name: "w\($0)", root: nil).id }
        let failures = LockedFailures()
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            var rng = SplitMix64(seed: UInt64(100 + w))
            for batch in 0..<batches {
                // Seeds overlap between writers: the same content written by several at once.
                let changes = (0..<perBatch).map { i in
                    hashedChange("b\(batch)/f\(i)", batch * perBatch + i, &rng, version: "shared")
                }
                do { try store.apply(changes, to: ids[w]) } catch { failures.add("writer \(w): \(error)") }
            }
        }
        XCTAssertEqual(failures.all, [])
        for id in ids { XCTAssertEqual(try store.files(in: id).count, batches * perBatch) }
        for seed in 0..<(batches * perBatch) {
            guard case .hashed? = try store.outcome(of: digest(seed), codeVersion: "shared") else {
                return XCTFail("content \(seed) lacks its hashes")
            }
        }
    }
}

private final class LockedFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String] = []
    func add(_ failure: String) { lock.lock(); failures.append(failure); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return failures }
}

/// The contract on the SQLite store (a file in a temporary folder).
final class SQLiteStoreContractTests: XCTestCase {
    func testEveryContractCheck() throws {
        for (name, check) in StoreContract.every {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("SQLiteStoreContract-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try HashStore(path: folder.appendingPathComponent("store.sqlite").path)
            defer { try? store.close() }
            do { try check(store) } catch { XCTFail("\(name): \(error)") }
        }
    }
}
