import Foundation
import HashKit
import HashStore
import HashStorePostgres
import XCTest

/// A real PostgreSQL 15 cluster for the tests, started once by scripts/pg_server.sh in a
/// temporary folder and stopped by the class that used it (its class tearDown). Each test gets its own
/// new database on it (psql, as the cluster's user), so tests never see each other's rows.
final class TestCluster: @unchecked Sendable {
    let folder: URL
    let url: String
    let password: String
    private var databases = 0
    private let lock = NSLock()

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/pg_server.sh").path

    /// Where initdb is, nil when PostgreSQL is not installed (the tests are then skipped).
    static var initdb: String? {
        ["/usr/lib/postgresql/15/bin/initdb", "/usr/local/bin/initdb", "/usr/bin/initdb"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static let lockShared = NSLock()
    nonisolated(unsafe) private static var started: Result<TestCluster, Error>?

    /// The one cluster of this test process, started on first use.
    static func shared() throws -> TestCluster {
        guard initdb != nil else {
            throw XCTSkip("PostgreSQL 15 is not installed (no initdb): run scripts/setup.sh to test the PostgreSQL store")
        }
        lockShared.lock()
        defer { lockShared.unlock() }
        let cluster = started ?? Result { try TestCluster() }
        started = cluster
        return try cluster.get()
    }

    private init() throws {
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("crosshash-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let output = try Self.run("/bin/bash", [Self.script, "start", folder.appendingPathComponent("cluster").path])
        url = output.trimmingCharacters(in: .whitespacesAndNewlines)
        password = try String(contentsOf: folder.appendingPathComponent("cluster/password"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the shared cluster and removes its folder (a later `shared()` starts a new one).
    static func stopShared() {
        lockShared.lock()
        defer { lockShared.unlock() }
        guard case .success(let cluster)? = started else { return }
        started = nil
        _ = try? run("/bin/bash", [script, "stop", cluster.folder.appendingPathComponent("cluster").path])
        try? FileManager.default.removeItem(at: cluster.folder)
    }

    /// A new, empty database on the cluster, as a location with the password.
    func newDatabase() throws -> PostgresLocation {
        lock.lock()
        databases += 1
        let name = "test_\(databases)"
        lock.unlock()
        try psql("CREATE DATABASE \(name)")
        guard case .postgres(var location) = try StoreLocation.parse(url, environment: ["PGPASSWORD": password]) else {
            throw StoreLocationError("pg_server.sh printed \(url), not a postgresql:// URL")
        }
        location.database = name
        return location
    }

    /// Runs SQL through psql (a route to the database that does not go through PostgresStore).
    @discardableResult
    func psql(_ sql: String, database: String? = nil) throws -> String {
        var target = url
        if let database, let slash = url.lastIndex(of: "/") { target = String(url[...slash]) + database }
        return try Self.run("/usr/bin/psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", sql],
                            environment: ["PGPASSWORD": password])
    }

    /// Runs `tool` and gives back its standard output; throws with its standard error when it
    /// fails. posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit
    /// was seen to hang on a finished pg_server.sh (its server lives on, detached).
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pg-run-\(UUID().uuidString)").path
        let outPath = base + ".out", errPath = base + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            env.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, argv, env)
        guard spawned == 0 else { throw StoreLocationError("cannot start \(tool): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        // Exited normally (no signal) with status 0.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw StoreLocationError("\(tool) \(arguments.joined(separator: " ")) failed (wait status \(status)): \(errors)")
        }
        return output
    }
}

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
                        .split(separator: "\n"), ["v1-datasets", "v2-reviews-artifacts-thumbnails"])
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
        }
        var missing = try cluster.newDatabase()
        missing.database = "no_such_database"
        XCTAssertThrowsError(try PostgresStore(missing)) { XCTAssertEqual(($0 as? StoreError)?.kind, .cannotOpen, "\($0)") }
        // Nothing listens on port 1.
        var closed = try cluster.newDatabase()
        closed.port = 1
        XCTAssertThrowsError(try PostgresStore(closed)) { XCTAssertEqual(($0 as? StoreError)?.kind, .cannotOpen, "\($0)") }
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
