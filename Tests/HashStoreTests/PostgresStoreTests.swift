import Foundation
import HashKit
import HashStore
import HashStorePostgres
import TestSupport
import XCTest

/// `PostgresStore` on a real PostgreSQL 15 server: the shared store contract (the same
/// assertions as the SQLite store passes), then what is PostgreSQL's own: migrations, refusing
/// databases that are not stores or are newer, login failures.
final class PostgresStoreTests: XCTestCase {
    private var cluster: TestCluster!

    override func setUpWithError() throws { cluster = try TestCluster.shared() }

    override class func tearDown() {
        TestCluster.stopShared()
        super.tearDown()
    }

    func testEveryContractCheck() throws {
        for (name, check) in StoreContract.every {
            let store = try PostgresStore(try cluster.newDatabase())
            defer { try? store.close() }
            do { try check(store) } catch { XCTFail("\(name): \(error)") }
        }
    }

    func testMigrationsAreRecordedAndAReopenedStoreKeepsItsData() throws {
        let location = try cluster.newDatabase()
        var rng = SplitMix64(seed: 1)
        let change = StoreContract.hashedChange("a.jpg", 1, &rng)
        do {
            let store = try PostgresStore(location)
            let d = try store.upsertDataset(name: "d", root: "/d")
            try store.apply([change], to: d.id)
            try store.close()
        }
        XCTAssertEqual(try cluster.psql("SELECT version FROM schema_migrations ORDER BY version", database: location.database)
                        .split(separator: "\n"), ["v1-datasets", "v2-reviews-artifacts-thumbnails", "v3-change-log", "v4-scan-jobs"])
        let store = try PostgresStore(location)
        defer { try? store.close() }
        let d = try XCTUnwrap(store.dataset(named: "d"))
        XCTAssertEqual(try store.files(in: d.id), StoreContract.expectedFiles([change]))
        // Hashes are stored as the SQLite store stores them: the words little-endian.
        guard case .hashed(let h, _) = change.outcome else { return XCTFail("hashed change") }
        let hex = HashFamily.phash.words(of: h).map { w in
            (0..<8).map { String(format: "%02x", UInt8(truncatingIfNeeded: w >> (8 * $0))) }.joined()
        }.joined()
        XCTAssertEqual(try cluster.psql("SELECT encode(value, 'hex') FROM content_hash WHERE family = 'phash'",
                                        database: location.database).trimmingCharacters(in: .whitespacesAndNewlines), hex)
    }

    /// Every write logs its keys in commit order, the dataset's name beside them, in its own
    /// transaction: a failed write logs nothing; a hash-list import, a removal and a dataset's
    /// creation and deletion each log theirs; `changes(after:)` pages through them in order.
    func testEveryWriteLogsItsKeysInCommitOrder() throws {
        let store = try PostgresStore(try cluster.newDatabase())
        defer { try? store.close() }
        XCTAssertEqual(try store.lastChangeSeq(), 0)
        var rng = SplitMix64(seed: 7)
        let d = try store.upsertDataset(name: "d", root: nil)
        let a = StoreContract.hashedChange("a.jpg", 1, &rng), b = StoreContract.hashedChange("b.jpg", 2, &rng)
        try store.apply([a, b], to: d.id)
        XCTAssertThrowsError(try store.apply([a], to: d.id, stillWanted: { false }))
        try store.removeFiles([a.path], from: d.id)
        var lines = LineReader(handle: try listFile("\(String(repeating: "ab", count: 32)),x\n"))
        _ = try store.importHashList(named: "list", family: .pdq, lines: &lines, problem: { _, _ in })
        XCTAssertTrue(try store.deleteDataset(named: "d"))
        XCTAssertFalse(try store.deleteDataset(named: "d"))
        let list = try XCTUnwrap(store.dataset(named: "list"))
        let all = try store.changes(after: 0)
        XCTAssertEqual(all.map(\.seq), all.map(\.seq).sorted())
        XCTAssertEqual(all.map { "\($0.dataset)|\($0.datasetID)|\($0.path.map { String(decoding: $0, as: UTF8.self) } ?? "-")" },
                       ["d|\(d.id)|-", "d|\(d.id)|a.jpg", "d|\(d.id)|b.jpg", "d|\(d.id)|a.jpg",
                        "list|\(list.id)|-", "list|\(list.id)|x", "d|\(d.id)|-"])
        XCTAssertEqual(try store.lastChangeSeq(), all.last?.seq)
        XCTAssertEqual(try store.changes(after: all[1].seq, limit: 2), Array(all[2..<4]))
        XCTAssertEqual(try store.changes(after: try store.lastChangeSeq()), [])
    }

    /// Writers on several connections at once: every committed write is in the log once, and a
    /// reader polling `changes(after:)` while they run never skips a seq that commits later.
    func testConcurrentWritersNeverLeaveAGapBehindAReader() throws {
        let location = try cluster.newDatabase()
        let store = try PostgresStore(location)
        defer { try? store.close() }
        let d = try store.upsertDataset(name: "d", root: nil)
        let writers = 4, each = 25
        // Where the reader starts is read before any writer runs: read later, a writer's commit
        // could already lie behind it (the test, not the log, would then skip it).
        var last = try store.lastChangeSeq()
        let done = DispatchGroup()
        for w in 0..<writers {
            DispatchQueue.global().async(group: done) {
                var rng = SplitMix64(seed: UInt64(w + 1))
                for i in 0..<each { try? store.apply([StoreContract.hashedChange("w\(w)-\(i)", i, &rng)], to: d.id) }
            }
        }
        var seen: [StoreChange] = []
        while done.wait(timeout: .now() + .milliseconds(5)) == .timedOut {
            let next = try store.changes(after: last)
            seen += next
            last = next.last?.seq ?? last
        }
        seen += try store.changes(after: last)
        XCTAssertEqual(Set(seen.compactMap { $0.path.map { String(decoding: $0, as: UTF8.self) } }).count, writers * each)
        XCTAssertEqual(seen.count, writers * each, "a change was seen twice or skipped")
        // What the polling reader saw is exactly the log.
        XCTAssertEqual(seen, try store.changes(after: 1))
    }

    private func listFile(_ text: String) throws -> FileHandle {
        let path = NSTemporaryDirectory() + "crosshash-changes-\(UUID().uuidString).txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try XCTUnwrap(FileHandle(forReadingAtPath: path))
    }

    /// Two processes' worth of openers on a new database at once: the advisory lock lets one
    /// create the tables; all succeed.
    func testStoresOpeningANewDatabaseAtOnceAllSucceed() throws {
        let location = try cluster.newDatabase()
        let errors = NSLock()
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            do {
                let store = try PostgresStore(location, connections: 1)
                _ = try store.upsertDataset(name: "d\(i)", root: nil)
                try store.close()
            } catch {
                errors.lock(); failures.append("\(error)"); errors.unlock()
            }
        }
        XCTAssertEqual(failures, [])
        let store = try PostgresStore(location)
        defer { try? store.close() }
        XCTAssertEqual(try store.datasets().count, 6)
    }

    func testANewerSchemaIsRefusedAndLeftUntouched() throws {
        let location = try cluster.newDatabase()
        try PostgresStore(location).close()
        try cluster.psql("INSERT INTO schema_migrations (version) VALUES ('v99-future')", database: location.database)
        XCTAssertThrowsError(try PostgresStore(location)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .newerSchema)
            XCTAssertTrue("\(error)".contains("v99-future"), "\(error)")
        }
    }

    func testADatabaseWithOtherTablesIsNotAStoreAndLeftUntouched() throws {
        let location = try cluster.newDatabase()
        try cluster.psql("CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (1)", database: location.database)
        XCTAssertThrowsError(try PostgresStore(location)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .notAStore, "\(error)")
        }
        // Another application's schema_migrations (Rails keeps one) is not ours either.
        let rails = try cluster.newDatabase()
        try cluster.psql("CREATE TABLE schema_migrations (version varchar PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101000000')",
                         database: rails.database)
        XCTAssertThrowsError(try PostgresStore(rails)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .notAStore, "\(error)")
        }
        XCTAssertEqual(try cluster.psql("SELECT string_agg(table_name::text, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'",
                                        database: location.database).trimmingCharacters(in: .whitespacesAndNewlines), "invoices")
    }

    func testAWrongPasswordOrMissingDatabaseCannotOpen() throws {
        var location = try cluster.newDatabase()
        location.password = "wrong"
        XCTAssertThrowsError(try PostgresStore(location)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .cannotOpen, "\(error)")
            XCTAssertFalse("\(error)".contains("wrong"), "the password is never in a message")
            XCTAssertTrue("\(error)".contains("check the password (--store-password-file or PGPASSWORD)"), "\(error)")
        }
        var missing = try cluster.newDatabase()
        missing.database = "no_such_database"
        XCTAssertThrowsError(try PostgresStore(missing)) {
            XCTAssertEqual(($0 as? StoreError)?.kind, .cannotOpen, "\($0)")
            XCTAssertTrue("\($0)".contains("create the database (createdb"), "\($0)")
        }
        // Nothing listens on port 1.
        var closed = try cluster.newDatabase()
        closed.port = 1
        XCTAssertThrowsError(try PostgresStore(closed)) {
            XCTAssertEqual(($0 as? StoreError)?.kind, .cannotOpen, "\($0)")
            XCTAssertTrue("\($0)".contains("check that PostgreSQL is running and accepts connections at 127.0.0.1:1"), "\($0)")
        }
    }

    /// Names and paths travel as bound parameters: quotes, backslashes, SQL and non-UTF-8 bytes
    /// are stored and found as they are.
    func testHostileNamesAndPathsAreDataNotSQL() throws {
        let store = try PostgresStore(try cluster.newDatabase())
        defer { try? store.close() }
        let name = "x'); DROP TABLE file; --\\ \u{1F600}"
        let d = try store.upsertDataset(name: name, root: "/r'oot")
        var rng = SplitMix64(seed: 3)
        var change = StoreContract.hashedChange("p", 1, &rng)
        change.path = [0x27, 0x3b, 0x5c, 0xff, 0xfe, 0x00, 0x01]
        try store.apply([change], to: d.id)
        XCTAssertEqual(try store.dataset(named: name), StoredDataset(id: d.id, name: name, root: "/r'oot"))
        XCTAssertEqual(try store.file(change.path, in: d.id), StoreContract.expectedFiles([change]).first)
        XCTAssertEqual(try store.files(in: d.id).count, 1)
    }
}
