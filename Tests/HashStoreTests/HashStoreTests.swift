import Foundation
import HashKit
import HashStore
import XCTest

final class HashStoreTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("HashStoreTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    // MARK: Helpers

    private func storePath(_ name: String = "store.sqlite") -> String {
        folder.appendingPathComponent(name).path
    }

    private func randomHashes(_ rng: inout SplitMix64) -> ImageHashes {
        var words: [HashFamily.ID: [UInt64]] = [:]
        for family in HashFamily.all {
            words[family.id] = (0..<family.wordsPerHash).map { _ in rng.next() }
        }
        return ImageHashes(words: words)!
    }

    private func constantHashes(_ word: UInt64) -> ImageHashes {
        var words: [HashFamily.ID: [UInt64]] = [:]
        for family in HashFamily.all { words[family.id] = Array(repeating: word, count: family.wordsPerHash) }
        return ImageHashes(words: words)!
    }

    private func digest(_ seed: Int) -> ContentDigest {
        ContentDigest.of(Array("content \(seed)".utf8))
    }

    private func hashedChange(_ path: String, _ seed: Int, _ rng: inout SplitMix64,
                              version: String = ImageHashes.codeVersion) -> FileChange {
        FileChange(path: Array(path.utf8), stat: FileStat(size: Int64(seed), mtimeNs: Int64(seed) * 1000, inode: UInt64(seed)),
                   digest: digest(seed), outcome: .hashed(randomHashes(&rng), warnings: []), codeVersion: version)
    }

    /// What `files(in:)` should give back for `changes` applied in order (last one per path wins),
    /// assuming every digest's content was first written by these changes.
    private func expectedFiles(_ changes: [FileChange]) -> [StoredFile] {
        var byPath: [[UInt8]: FileChange] = [:]
        for change in changes { byPath[change.path] = change }
        return byPath.values
            .sorted { $0.path.lexicographicallyPrecedes($1.path) }
            .map { StoredFile(path: $0.path, stat: $0.stat, digest: $0.digest, codeVersion: $0.codeVersion, outcome: $0.outcome) }
    }

    private func readData(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// Runs `/usr/bin/sqlite3 path sql`, a route to the file that does not go through HashStore.
    @discardableResult
    private func sqlite3(_ path: String, _ sql: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let tool = "/usr/bin/sqlite3"
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("needs \(tool)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "sqlite3 failed: \(output)", file: file, line: line)
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The `StoreError` `body` throws; fails the test when it throws nothing or something else.
    private func storeError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> StoreError? {
        do {
            try body()
            XCTFail("expected a StoreError, nothing was thrown", file: file, line: line)
        } catch let error as StoreError {
            return error
        } catch {
            XCTFail("expected a StoreError, got \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: 1. Schema

    func testNewStoreIsCreatedInWALModeWithItsTablesAndReopensWithItsData() throws {
        let path = folder.appendingPathComponent("new/nested/store.sqlite").path
        var rng = SplitMix64(seed: 1)
        let change = hashedChange("a.jpg", 1, &rng)
        do {
            let store = try HashStore(path: path)
            let dataset = try store.upsertDataset(name: "photos", root: "/data/photos")
            try store.apply([change], to: dataset.id)
            XCTAssertTrue(FileManager.default.fileExists(atPath: path + "-wal"), "a write in WAL mode goes to the -wal file")
            try store.close()
        }
        // Bytes 18 and 19 of an SQLite header are 2 for a WAL database (1 for rollback journals).
        let header = [UInt8](try readData(path).prefix(20))
        XCTAssertEqual(Array(header.prefix(16)), Array("SQLite format 3\0".utf8))
        XCTAssertEqual(header[18], 2)
        XCTAssertEqual(header[19], 2)

        let reopened = try HashStore(path: path)
        defer { try? reopened.close() }
        let dataset = try XCTUnwrap(reopened.dataset(named: "photos"))
        XCTAssertEqual(dataset.root, "/data/photos")
        XCTAssertEqual(try reopened.files(in: dataset.id), expectedFiles([change]))

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            let tables = try sqlite3(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            XCTAssertEqual(tables.split(separator: "\n").map(String.init),
                           ["artifact", "content", "content_hash", "content_variant", "dataset", "file", "grdb_migrations", "review", "thumbnail"])
            XCTAssertEqual(try sqlite3(path, "PRAGMA journal_mode"), "wal")
            XCTAssertEqual(try sqlite3(path, "PRAGMA application_id"), String(0x4352_5348))
            // Hash blobs are the family's words little-endian, 8 bytes each, whatever the machine.
            guard case .hashed(let hashes, _) = change.outcome else { return XCTFail("hashed change expected") }
            for family in HashFamily.all {
                let stored = try sqlite3(path, "SELECT hex(value) FROM content_hash WHERE family = '\(family.id.rawValue)'")
                let littleEndian = family.words(of: hashes)
                    .flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64(8 * $0)) } }
                XCTAssertEqual(stored, Hex.encode(littleEndian).uppercased(), "\(family.id)")
            }
        }
    }

    /// A store written by the previous schema (v1, before report artifacts) is migrated in place
    /// when opened: its data stays, the new table appears.
    func testAnOlderStoreIsMigratedKeepingItsData() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { throw XCTSkip("/usr/bin/sqlite3 is missing") }
        let path = folder.appendingPathComponent("old.sqlite").path
        var rng = SplitMix64(seed: 7)
        let change = hashedChange("old.jpg", 3, &rng)
        do {
            let store = try HashStore(path: path)
            let dataset = try store.upsertDataset(name: "old", root: "/data/old")
            try store.apply([change], to: dataset.id)
            try store.close()
        }
        // Turn it into a v1 store: what the release before "v2-artifacts" wrote.
        _ = try sqlite3(path, "DROP TABLE artifact; DROP TABLE review; DROP TABLE thumbnail; DROP TABLE content_variant; ALTER TABLE content_hash DROP COLUMN quality; "
                        + "DELETE FROM grdb_migrations WHERE identifier <> 'v1';")
        XCTAssertEqual(try sqlite3(path, "SELECT identifier FROM grdb_migrations"), "v1")

        let store = try HashStore(path: path)
        defer { try? store.close() }
        let dataset = try XCTUnwrap(store.dataset(named: "old"))
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles([change]))
        XCTAssertNil(try store.artifact("k"))
        try store.storeArtifact("k", [1, 2, 3])
        XCTAssertEqual(try store.artifact("k"), [1, 2, 3])
        XCTAssertEqual(try sqlite3(path, "SELECT identifier FROM grdb_migrations ORDER BY identifier").split(separator: "\n"),
                       ["v1", "v2-artifacts", "v3-reviews", "v3-thumbnails", "v4-pdq", "v5-dihedral"])
    }

    /// `--dihedral`'s variants: kept per content beside the hashes, read back by path, added to
    /// a content stored without them, and dropped with the hashes when another code version
    /// re-hashes the content.
    func testDihedralVariantsRoundTripPerContent() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
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
        XCTAssertTrue(try store.hasVariants(turned.digest!, families: families))
        XCTAssertFalse(try store.hasVariants(plain.digest!, families: families))
        XCTAssertFalse(try store.hasVariants(turned.digest!, families: families + [.pdq]), "no pdq variants were stored")

        // A later run with variants adds them to the content stored without.
        plain.variants = variants()
        try store.apply([plain], to: dataset.id)
        XCTAssertEqual(try store.variants(in: dataset.id, families: families)[plain.path], plain.variants)
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles([plain, turned]), "the hashes are untouched")

        // Another code version replaces the content: its old variants go with its old hashes.
        let rehashed = FileChange(path: turned.path, stat: turned.stat, digest: turned.digest, outcome: turned.outcome, codeVersion: "other")
        try store.apply([rehashed], to: dataset.id)
        XCTAssertNil(try store.variants(in: dataset.id, families: families)[turned.path])
    }

    func testAnEmptyFileIsInitialisedAsAStore() throws {
        let path = storePath()
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        let store = try HashStore(path: path)
        defer { try? store.close() }
        _ = try store.upsertDataset(name: "x", root: nil)
        XCTAssertEqual(try store.datasets().map(\.name), ["x"])
    }

    // MARK: 2. Round trip

    func testDatasetsAreUpsertedListedInByteOrderAndDeletedWithTheirFiles() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let b = try store.upsertDataset(name: "b", root: "/b")
        let a = try store.upsertDataset(name: "a", root: nil)
        _ = try store.upsertDataset(name: "é", root: "/e")
        _ = try store.upsertDataset(name: "B", root: "/B")
        XCTAssertNotEqual(a.id, b.id)
        XCTAssertEqual(try store.datasets().map(\.name), ["B", "a", "b", "é"])

        // Upserting an existing name keeps its id and replaces the root (also with nil).
        let a2 = try store.upsertDataset(name: "a", root: "/new/a")
        XCTAssertEqual(a2, StoredDataset(id: a.id, name: "a", root: "/new/a"))
        XCTAssertEqual(try store.dataset(named: "a"), a2)
        let b2 = try store.upsertDataset(name: "b", root: nil)
        XCTAssertEqual(b2, StoredDataset(id: b.id, name: "b", root: nil))
        XCTAssertEqual(try store.dataset(named: "b")?.root, .some(nil))
        XCTAssertNil(try store.dataset(named: "missing"))

        var rng = SplitMix64(seed: 2)
        try store.apply([hashedChange("1", 1, &rng), hashedChange("2", 2, &rng)], to: a.id)
        try store.apply([hashedChange("3", 3, &rng)], to: b.id)
        XCTAssertEqual(try store.counts().files, 3)

        XCTAssertTrue(try store.deleteDataset(named: "a"))
        XCTAssertFalse(try store.deleteDataset(named: "a"))
        XCTAssertNil(try store.dataset(named: "a"))
        XCTAssertEqual(try store.files(in: a.id), [])
        XCTAssertEqual(try store.files(in: b.id).count, 1)
        let counts = try store.counts()
        XCTAssertEqual(counts.datasets, 3)
        XCTAssertEqual(counts.files, 1)
        XCTAssertEqual(counts.contents, 3, "contents outlive the files that referred to them")
    }

    /// apply + files(in:) give back every kind of row exactly, sorted by path bytes.
    private func checkFileRowsRoundTrip(_ store: HashStore) throws {
        var rng = SplitMix64(seed: 3)
        let dataset = try store.upsertDataset(name: "mixed", root: "/m")
        let changes = [
            FileChange(path: [0x66, 0xff, 0x2e], stat: FileStat(size: 10, mtimeNs: -5, inode: .max), digest: digest(1),
                       outcome: .hashed(randomHashes(&rng), warnings: ["premature end of JPEG", "line1\nline2 \"quoted\" ü"]),
                       codeVersion: ImageHashes.codeVersion),
            FileChange(path: Array("z/broken.png".utf8), stat: FileStat(size: 3, mtimeNs: 7, inode: 8), digest: digest(2),
                       outcome: .failed("not a PNG file"), codeVersion: ImageHashes.codeVersion),
            FileChange(path: Array("huge.tif".utf8), stat: FileStat(size: 1 << 40, mtimeNs: 1, inode: 2), digest: nil,
                       outcome: .failed("file too large"), codeVersion: ImageHashes.codeVersion),
            FileChange(path: Array("dangling-link".utf8), stat: nil, digest: nil,
                       outcome: .failed("not a readable file"), codeVersion: ImageHashes.codeVersion),
            FileChange(path: [0x61], stat: FileStat(size: 1, mtimeNs: 1, inode: 1), digest: digest(3),
                       outcome: .hashed(constantHashes(0), warnings: []), codeVersion: ImageHashes.codeVersion),
            FileChange(path: [0x61, 0x00], stat: FileStat(size: 1, mtimeNs: 1, inode: 1), digest: digest(4),
                       outcome: .hashed(constantHashes(.max), warnings: [""]), codeVersion: ImageHashes.codeVersion),
            FileChange(path: Array("Z".utf8), stat: FileStat(size: 0, mtimeNs: 0, inode: 0), digest: digest(5),
                       outcome: .hashed(randomHashes(&rng), warnings: []), codeVersion: ImageHashes.codeVersion),
        ]
        try store.apply(Array(changes.prefix(3)), to: dataset.id)
        try store.apply(Array(changes.dropFirst(3)), to: dataset.id)
        let files = try store.files(in: dataset.id)
        XCTAssertEqual(files, expectedFiles(changes))
        XCTAssertEqual(files.map(\.path), [Array("Z".utf8), [0x61], [0x61, 0x00], Array("dangling-link".utf8),
                                           [0x66, 0xff, 0x2e], Array("huge.tif".utf8), Array("z/broken.png".utf8)])

        // A file row is replaced by a change at the same path, whatever its kind was.
        let replacement = FileChange(path: [0x66, 0xff, 0x2e], stat: nil, digest: nil,
                                     outcome: .failed("permission denied"), codeVersion: ImageHashes.codeVersion)
        try store.apply([replacement], to: dataset.id)
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles(changes + [replacement]))
        XCTAssertEqual(try store.files(in: dataset.id + 1000), [])
    }

    func testFileRowsRoundTripInAFileStore() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        try checkFileRowsRoundTrip(store)
    }

    func testRandomHashesRoundTripBitForBit() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let dataset = try store.upsertDataset(name: "random", root: nil)
        var rng = SplitMix64(seed: 0xC0FFEE)
        let changes = (0..<500).map { hashedChange("img\($0).jpg", $0, &rng) }
        try store.apply(changes, to: dataset.id)
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles(changes))
        for change in changes {
            XCTAssertEqual(try store.outcome(of: change.digest!, codeVersion: change.codeVersion), change.outcome)
        }
    }

    // MARK: 3. Outcomes by digest and code version

    /// PDQ (an optional family) is stored only when a run computed it: a content stored without
    /// it does not answer a run that wants it, until a run that computed it adds the row (hash
    /// and quality), which later runs of either kind read back.
    func testAnOptionalFamilyIsAddedToAStoredContentAndReadBack() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 20)
        let plain = hashedChange("a.png", 1, &rng)
        try store.apply([plain], to: dataset.id)
        let withPDQ: [HashFamily] = [.phash, .blockmean, .pdq]
        XCTAssertNil(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion, families: withPDQ))
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion), plain.outcome)
        let stored = try XCTUnwrap(try store.file(Array("a.png".utf8), in: dataset.id))
        XCTAssertFalse(stored.covers(withPDQ))
        XCTAssertTrue(stored.covers(HashFamily.all))

        guard case .hashed(var hashes, _) = plain.outcome else { return XCTFail("hashed change") }
        hashes.pdq = Hash256(words: SIMD4(rng.next(), rng.next(), rng.next(), rng.next()))
        hashes.pdqQuality = 42
        var pdqChange = plain
        pdqChange.outcome = .hashed(hashes, warnings: [])
        pdqChange.families = withPDQ
        try store.apply([pdqChange], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion, families: withPDQ), pdqChange.outcome)
        let again = try XCTUnwrap(try store.file(Array("a.png".utf8), in: dataset.id))
        XCTAssertTrue(again.covers(withPDQ))
        XCTAssertEqual(again.outcome, pdqChange.outcome, "hash and quality read back")
        // A later run without PDQ writes the same content again: the PDQ row stays.
        try store.apply([plain], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion, families: withPDQ), pdqChange.outcome)
        XCTAssertEqual(try sqlite3(storePath(), "SELECT quality FROM content_hash WHERE family = 'pdq'"), "42")
    }


    func testOutcomeIsFoundOnlyForTheSameCodeVersionAndANewVersionReplacesIt() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 4)
        let old = FileChange(path: Array("a".utf8), stat: FileStat(size: 1, mtimeNs: 2, inode: 3), digest: digest(1),
                             outcome: .hashed(randomHashes(&rng), warnings: ["w"]), codeVersion: "hash-1")
        try store.apply([old], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-1"), old.outcome)
        XCTAssertNil(try store.outcome(of: digest(1), codeVersion: "hash-2"), "another code version must be re-hashed")
        XCTAssertNil(try store.outcome(of: digest(99), codeVersion: "hash-1"), "unknown content")

        // Re-hashed by a newer version: the content's outcome is replaced, hashes included.
        var new = old
        new.outcome = .hashed(randomHashes(&rng), warnings: [])
        new.codeVersion = "hash-2"
        try store.apply([new], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-2"), new.outcome)
        XCTAssertNil(try store.outcome(of: digest(1), codeVersion: "hash-1"))
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles([new]))

        // A version that fails where the last one hashed: no hashes are left behind.
        var failing = new
        failing.outcome = .failed("decoder gave up")
        failing.codeVersion = "hash-3"
        try store.apply([failing], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-3"), .failed("decoder gave up"))
        // ...and hashing it again under a later version writes the hashes afresh.
        var again = new
        again.codeVersion = "hash-4"
        try store.apply([again], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-4"), again.outcome)

        // The same version again keeps what that version stored (it would compute the same).
        var sameVersion = again
        sameVersion.outcome = .failed("should not replace")
        try store.apply([sameVersion], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: "hash-4"), again.outcome)
        XCTAssertEqual(try store.counts().contents, 1)
    }

    /// One `apply` writes contents in digest order and files in path order; a path or a digest
    /// given twice in one batch must still end as the changes applied one by one in the order given
    /// leave it (the last change of a path wins; a content replaced by a later code version in the
    /// same batch keeps the later one's outcome and hashes), whatever order the batch comes in.
    func testOneBatchEndsAsItsChangesAppliedOneByOne() throws {
        var rng = SplitMix64(seed: 21)
        // Paths out of order, some twice; contents shared (the same version keeps the first
        // outcome), one re-hashed by another version in the same batch and then by the first
        // version again (which replaces it back, as two applies one by one do).
        var changes = (0..<300).map { n in hashedChange("p\((n * 7919) % 300)", n % 40, &rng) }
        changes += (0..<50).map { n in hashedChange("p\((n * 13) % 300)", 1000 + n, &rng) }
        var rehashed = hashedChange("q-rehashed", 5, &rng, version: "hash-next")
        rehashed.stat = nil
        changes.append(rehashed)
        changes.append(hashedChange("q-after", 5, &rng))
        changes.append(FileChange(path: Array("p3".utf8), stat: nil, digest: nil, outcome: .failed("unreadable"),
                                  codeVersion: ImageHashes.codeVersion))
        changes.append(FileChange(path: Array("q-empty-warning".utf8), stat: FileStat(size: 0, mtimeNs: 0, inode: 0),
                                  digest: digest(2000), outcome: .hashed(randomHashes(&rng), warnings: [""]),
                                  codeVersion: ImageHashes.codeVersion))

        let batched = try HashStore(path: storePath("batched.sqlite"))
        let oneByOne = try HashStore(path: storePath("one-by-one.sqlite"))
        defer {
            try? batched.close()
            try? oneByOne.close()
        }
        let a = try batched.upsertDataset(name: "d", root: nil)
        let b = try oneByOne.upsertDataset(name: "d", root: nil)
        try batched.apply(changes, to: a.id)
        for change in changes { try oneByOne.apply([change], to: b.id) }

        XCTAssertEqual(try batched.files(in: a.id), try oneByOne.files(in: b.id))
        XCTAssertEqual(try batched.files(in: a.id).count, Set(changes.map(\.path)).count)
        XCTAssertEqual(try batched.counts().contents, try oneByOne.counts().contents)
        for change in changes {
            guard let d = change.digest else { continue }
            for version in [ImageHashes.codeVersion, "hash-next"] {
                XCTAssertEqual(try batched.outcome(of: d, codeVersion: version), try oneByOne.outcome(of: d, codeVersion: version),
                               "content \(d.hex) under \(version)")
            }
        }
        // The text of every row, read by SQLite's own shell (not through HashStore): the same bytes.
        let dump = "SELECT hex(path), size, mtime_ns, inode, hex(digest), code_version, error FROM file ORDER BY path;"
            + "SELECT hex(digest), code_version, error, warnings FROM content ORDER BY digest;"
            + "SELECT hex(digest), family, hex(value), quality FROM content_hash ORDER BY digest, family;"
        XCTAssertEqual(try sqlite3(storePath("batched.sqlite"), dump), try sqlite3(storePath("one-by-one.sqlite"), dump))
    }

    // MARK: 4. Contents shared between datasets

    func testContentWrittenForOneDatasetIsFoundForAnother() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let a = try store.upsertDataset(name: "A", root: "/a")
        let b = try store.upsertDataset(name: "B", root: "/b")
        var rng = SplitMix64(seed: 5)
        let original = hashedChange("dir/original.jpg", 7, &rng)
        try store.apply([original], to: a.id)

        // B's copy (another name, another stat) is recognised by its digest alone.
        let found = try XCTUnwrap(store.outcome(of: digest(7), codeVersion: ImageHashes.codeVersion))
        XCTAssertEqual(found, original.outcome)
        let copy = FileChange(path: Array("copy.jpg".utf8), stat: FileStat(size: 9, mtimeNs: 9, inode: 9),
                              digest: digest(7), outcome: found, codeVersion: ImageHashes.codeVersion)
        try store.apply([copy], to: b.id)
        XCTAssertEqual(try store.counts().contents, 1)
        try store.deleteDataset(named: "A")
        XCTAssertEqual(try store.files(in: b.id), expectedFiles([copy]))
    }

    // MARK: 5. Removing files, pruning contents

    func testRemoveFilesAndPruneUnreferencedContents() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 6)
        let unique = hashedChange("unique", 1, &rng)
        let shared1 = hashedChange("shared1", 2, &rng)
        var shared2 = shared1
        shared2.path = Array("shared2".utf8)
        let failedNoDigest = FileChange(path: Array("unreadable".utf8), stat: nil, digest: nil,
                                        outcome: .failed("EACCES"), codeVersion: ImageHashes.codeVersion)
        try store.apply([unique, shared1, shared2, failedNoDigest], to: dataset.id)
        XCTAssertEqual(try store.pruneUnreferencedContents(), 0)

        try store.removeFiles([unique.path, shared1.path, failedNoDigest.path, Array("never-there".utf8)], from: dataset.id)
        XCTAssertEqual(try store.files(in: dataset.id), expectedFiles([shared2]))
        XCTAssertEqual(try store.counts().contents, 2, "removing files keeps their contents")
        XCTAssertNotNil(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion))

        XCTAssertEqual(try store.pruneUnreferencedContents(), 1)
        XCTAssertNil(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion))
        XCTAssertEqual(try store.outcome(of: digest(2), codeVersion: ImageHashes.codeVersion), shared1.outcome)
        XCTAssertEqual(try store.counts().contents, 1)

        // The pruned content's hash rows went with it: writing the same digest again must not
        // collide with leftovers, and reads back the new hashes.
        let back = hashedChange("unique", 1, &rng)
        try store.apply([back], to: dataset.id)
        XCTAssertEqual(try store.outcome(of: digest(1), codeVersion: ImageHashes.codeVersion), back.outcome)
    }

    // MARK: 6. Versioning

    func testAStoreFromANewerSchemaIsRefusedAndLeftUntouched() throws {
        let path = storePath()
        do {
            let store = try HashStore(path: path)
            _ = try store.upsertDataset(name: "d", root: nil)
            try store.close()
        }
        try sqlite3(path, "INSERT INTO grdb_migrations VALUES ('v999')")
        let before = try readData(path)
        let error = storeError { _ = try HashStore(path: path) }
        XCTAssertEqual(error?.kind, .newerSchema)
        XCTAssertTrue(error?.description.contains("v999") ?? false, error?.description ?? "")
        XCTAssertTrue(error?.description.contains(path) ?? false)
        XCTAssertEqual(try readData(path), before)
    }

    // MARK: 7. Files that are not (healthy) stores

    func testAnotherApplicationsSQLiteDatabaseIsNotAStoreAndLeftUntouched() throws {
        let path = storePath("other.db")
        try sqlite3(path, "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        let before = try readData(path)
        let error = storeError { _ = try HashStore(path: path) }
        XCTAssertEqual(error?.kind, .notAStore)
        XCTAssertTrue(error?.description.contains("--store") ?? false)
        XCTAssertEqual(try readData(path), before)

        // Marked as another application's even without tables.
        let marked = storePath("marked.db")
        try sqlite3(marked, "PRAGMA application_id = 42; CREATE TABLE t(x); DROP TABLE t;")
        let markedBefore = try readData(marked)
        XCTAssertEqual(storeError { _ = try HashStore(path: marked) }?.kind, .notAStore)
        XCTAssertEqual(try readData(marked), markedBefore)
    }

    func testTextAndRandomBytesAreRefusedAndLeftUntouched() throws {
        var rng = SplitMix64(seed: 7)
        let random = Data((0..<20_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let sqliteHeaderThenGarbage = Data("SQLite format 3\0".utf8) + random
        let cases: [(String, Data)] = [
            ("notes.txt", Data("these are my notes, not a database\n".utf8)),
            ("random.bin", random),
            ("header.bin", sqliteHeaderThenGarbage),
            ("tiny.bin", Data([0x53])),
        ]
        for (name, contents) in cases {
            let path = storePath(name)
            try contents.write(to: URL(fileURLWithPath: path))
            let error = storeError { _ = try HashStore(path: path) }
            XCTAssertTrue(error?.kind == .damaged || error?.kind == .notAStore, "\(name): \(String(describing: error))")
            XCTAssertTrue(error?.description.contains(path) ?? false)
            XCTAssertEqual(try readData(path), contents, name)
        }
        let textError = storeError { _ = try HashStore(path: storePath("notes.txt")) }
        XCTAssertTrue(textError?.description.contains("not an SQLite database") ?? false, textError?.description ?? "")
    }

    func testAStoreWithGarbageInItsPagesIsReportedDamaged() throws {
        // Garbage over every page but the first and last, and over one page in the middle only
        // (which leaves the schema readable: only the page check at open can see it).
        for (name, pages) in [("all", nil), ("one", 1)] as [(String, Int?)] {
            let path = storePath("\(name).sqlite")
            do {
                let store = try HashStore(path: path)
                let dataset = try store.upsertDataset(name: "big", root: nil)
                var rng = SplitMix64(seed: 8)
                try store.apply((0..<3000).map { hashedChange("file\($0)", $0, &rng) }, to: dataset.id)
                try store.close()
            }
            // Closing the last connection folds the WAL into the main file, which the damage must hit.
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"), "the WAL should be gone after close")
            var contents = try readData(path)
            XCTAssertGreaterThan(contents.count, 64 * 4096)
            let middle = contents.count / 4096 / 2 * 4096
            let range = pages.map { middle..<(middle + $0 * 4096) } ?? 4096..<(contents.count - 4096)
            var rng = SplitMix64(seed: 9)
            for i in range { contents[i] = UInt8(truncatingIfNeeded: rng.next()) }
            try contents.write(to: URL(fileURLWithPath: path))

            let error = storeError { _ = try HashStore(path: path) }
            XCTAssertEqual(error?.kind, .damaged, "\(name): \(String(describing: error))")
            XCTAssertTrue(error?.description.contains("move it away") ?? false)
            XCTAssertEqual(try readData(path), contents, "\(name): opening a damaged store must not write to it")
        }
    }

    // MARK: 8, 9. Concurrency

    func testTwoStoresOnOneFileWriteConcurrently() throws {
        let path = storePath()
        // Both open a store that does not exist yet at the same moment.
        let opened = Locked<[Result<HashStore, Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let result = Result { try HashStore(path: path) }
            opened.mutate { $0.append(result) }
        }
        let stores = try opened.value.map { try $0.get() }
        defer { for store in stores { try? store.close() } }
        XCTAssertEqual(stores.count, 2)

        let datasets = try stores.enumerated().map { try $1.upsertDataset(name: "d\($0)", root: nil) }
        let errors = Locked<[Error]>([])
        let expected = Locked<[Int: [FileChange]]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { which in
            var rng = SplitMix64(seed: UInt64(100 + which))
            var written: [FileChange] = []
            for batch in 0..<50 {
                let changes = (0..<20).map { i in
                    hashedChange("b\(batch)/f\(i)", which * 1_000_000 + batch * 100 + i, &rng)
                }
                do {
                    try stores[which].apply(changes, to: datasets[which].id)
                    written += changes
                } catch {
                    errors.mutate { $0.append(error) }
                }
            }
            expected.mutate { $0[which] = written }
        }
        XCTAssertEqual(errors.value.map { "\($0)" }, [])
        for which in 0..<2 {
            let files = try stores[1 - which].files(in: datasets[which].id)
            XCTAssertEqual(files.count, 1000)
            XCTAssertEqual(files, expectedFiles(expected.value[which] ?? []))
        }
        XCTAssertEqual(try stores[0].counts().contents, 2000)
    }

    func testStoresOpeningANewFileAtTheSameMomentAllSucceed() throws {
        // Processes started together race to create the schema; the losers must not fail.
        for round in 0..<20 {
            let path = storePath("race\(round).sqlite")
            let opened = Locked<[Result<HashStore, Error>]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                let result = Result { try HashStore(path: path) }
            opened.mutate { $0.append(result) }
            }
            for result in opened.value {
                switch result {
                case .success(let store):
                    XCTAssertEqual(try store.datasets(), [])
                    try store.close()
                case .failure(let error):
                    XCTFail("round \(round): \(error)")
                }
            }
        }
    }

    func testSeveralProcessesCreateAndWriteOneStore() throws {
        #if os(Linux)
        // The test binary itself is the other process: it runs `testChildProcessWriter` alone.
        // Several rounds on new files, since processes racing to create a store collide only
        // now and then.
        let binary = CommandLine.arguments[0]
        for round in 0..<6 {
            let path = storePath("shared\(round).sqlite")
            let processes = (0..<Self.childProcesses).map { index -> Process in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["HashStoreTests.HashStoreTests/testChildProcessWriter"]
                var environment = ProcessInfo.processInfo.environment
                environment[Self.childPathVariable] = path
                environment[Self.childIndexVariable] = String(index)
                // Under --sanitize=address, LeakSanitizer fails every XCTest process at exit for
                // XCTest's own objects; the children's status must say whether their test passed.
                environment["ASAN_OPTIONS"] = (environment["ASAN_OPTIONS"].map { $0 + ":" } ?? "") + "detect_leaks=0"
                process.environment = environment
                process.standardOutput = FileHandle.nullDevice
                return process
            }
            for process in processes { try process.run() }
            for process in processes { process.waitUntilExit() }
            XCTAssertEqual(processes.map(\.terminationStatus), Array(repeating: 0, count: Self.childProcesses),
                           "round \(round): a child process failed (its XCTest output went to stderr)")

            let store = try HashStore(path: path)
            defer { try? store.close() }
            for index in 0..<Self.childProcesses {
                let dataset = try XCTUnwrap(store.dataset(named: "process\(index)"))
                XCTAssertEqual(try store.files(in: dataset.id).count, Self.childBatches * Self.childBatchSize)
            }
            XCTAssertEqual(try store.counts().contents, Self.childProcesses * Self.childBatches * Self.childBatchSize)
        }
        #else
        throw XCTSkip("starts the test binary as a child process, which only Linux XCTest allows this simply")
        #endif
    }

    private static let childProcesses = 6
    private static let childPathVariable = "CROSSHASH_STORE_TEST_CHILD_PATH"
    private static let childIndexVariable = "CROSSHASH_STORE_TEST_CHILD_INDEX"
    private static let childBatches = 10
    private static let childBatchSize = 20

    /// Not a test of its own: the body of each child process of `testSeveralProcessesCreateAndWriteOneStore`.
    func testChildProcessWriter() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let path = environment[Self.childPathVariable], let index = environment[Self.childIndexVariable].flatMap(Int.init) else {
            throw XCTSkip("runs only as a child process of testSeveralProcessesCreateAndWriteOneStore")
        }
        let store = try HashStore(path: path)
        let dataset = try store.upsertDataset(name: "process\(index)", root: nil)
        var rng = SplitMix64(seed: UInt64(1000 + index))
        for batch in 0..<Self.childBatches {
            let changes = (0..<Self.childBatchSize).map { hashedChange("\(batch)/\($0)", (index + 1) * 100_000 + batch * 100 + $0, &rng) }
            try store.apply(changes, to: dataset.id)
            XCTAssertEqual(try store.outcome(of: changes[0].digest!, codeVersion: ImageHashes.codeVersion), changes[0].outcome)
        }
        XCTAssertEqual(try store.files(in: dataset.id).count, Self.childBatches * Self.childBatchSize)
        try store.close()
    }

    func testManyReadersWhileAWriterAppliesBatches() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 10)
        let known = (0..<200).map { hashedChange("known\($0)", $0, &rng) }
        try store.apply(known, to: dataset.id)

        let errors = Locked<[String]>([])
        let writerDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var rng = SplitMix64(seed: 11)
            for batch in 0..<50 {
                let changes = (0..<50).map { self.hashedChange("new\(batch)-\($0)", 10_000 + batch * 100 + $0, &rng) }
                do { try store.apply(changes, to: dataset.id) } catch { errors.mutate { $0.append("writer: \(error)") } }
            }
            writerDone.signal()
        }
        DispatchQueue.concurrentPerform(iterations: 4000) { i in
            let change = known[i % known.count]
            do {
                let outcome = try store.outcome(of: change.digest!, codeVersion: ImageHashes.codeVersion)
                if outcome != change.outcome { errors.mutate { $0.append("reader \(i): wrong outcome") } }
            } catch {
                errors.mutate { $0.append("reader \(i): \(error)") }
            }
        }
        writerDone.wait()
        XCTAssertEqual(errors.value, [])
        XCTAssertEqual(try store.counts().files, 200 + 50 * 50)
    }

    // MARK: 10. In memory

    func testInMemoryStoreRoundTrips() throws {
        let store = try HashStore()
        XCTAssertNil(store.path)
        try checkFileRowsRoundTrip(store)
        XCTAssertEqual(try store.sizeOnDisk(), 0)
        XCTAssertEqual(try store.datasets().map(\.name), ["mixed"])
        let other = try HashStore()
        XCTAssertEqual(try other.datasets(), [], "each in-memory store is private")
    }

    // MARK: 11. Size, closing, errors

    func testSizeOnDiskCountsTheFileAndItsWAL() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let dataset = try store.upsertDataset(name: "d", root: nil)
        var rng = SplitMix64(seed: 12)
        try store.apply((0..<1000).map { hashedChange("f\($0)", $0, &rng) }, to: dataset.id)
        // 1000 contents with at least 8 bytes of hash per family cannot fit in less.
        let hashBytes = 1000 * HashFamily.all.reduce(0) { $0 + $1.wordsPerHash * 8 }
        XCTAssertGreaterThan(try store.sizeOnDisk(), Int64(hashBytes))
    }

    func testCloseIsIdempotentAndAClosedStoreThrows() throws {
        let store = try HashStore(path: storePath())
        _ = try store.upsertDataset(name: "d", root: nil)
        try store.close()
        try store.close()
        XCTAssertNotNil(storeError { _ = try store.datasets() })
    }

    func testApplyingToADeletedDatasetFails() throws {
        let store = try HashStore(path: storePath())
        defer { try? store.close() }
        let dataset = try store.upsertDataset(name: "gone", root: nil)
        try store.deleteDataset(named: "gone")
        var rng = SplitMix64(seed: 13)
        let error = storeError { try store.apply([hashedChange("x", 1, &rng)], to: dataset.id) }
        // Its own kind, so the service can answer 404 (the dataset was deleted meanwhile), not 500.
        XCTAssertEqual(error?.kind, .datasetMissing)
        XCTAssertEqual(try store.counts().contents, 0, "the failed batch left nothing behind")
    }

    func testAFolderAtThePathCannotBeOpened() throws {
        let error = storeError { _ = try HashStore(path: folder.path) }
        XCTAssertEqual(error?.kind, .cannotOpen)
    }
}

/// A value shared between test threads.
private final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func mutate(_ body: (inout Value) -> Void) { lock.lock(); defer { lock.unlock() }; body(&stored) }
}
