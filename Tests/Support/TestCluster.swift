import Foundation
import HashStore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL 15 cluster for the tests, started once by scripts/pg_server.sh in a
/// temporary folder and stopped by the class that used it (its class tearDown). Each test gets its own
/// new database on it (psql, as the cluster's user), so tests never see each other's rows.
public final class TestCluster: @unchecked Sendable {
    /// The cluster's folder (nil: a cluster this process did not start, named by the environment).
    public let folder: URL?
    /// `postgresql://crosshash@127.0.0.1:PORT/crosshash`, without the password.
    public let url: String
    public let password: String
    /// Where `password` is written (for `--store-password-file`).
    public let passwordFile: String
    private var databases = 0
    private let lock = NSLock()

    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/pg_server.sh").path

    /// Set by scripts/test.sh, which starts one cluster for the whole run: its URL and its
    /// password file. Without them, the first test that needs a cluster starts its own.
    public static let urlVariable = "CROSSHASH_TEST_PG_URL", passwordFileVariable = "CROSSHASH_TEST_PG_PASSWORD_FILE"

    /// Where initdb is, nil when PostgreSQL is not installed (the tests are then skipped).
    public static var initdb: String? {
        ["/usr/lib/postgresql/15/bin/initdb", "/usr/local/bin/initdb", "/usr/bin/initdb"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static let lockShared = NSLock()
    nonisolated(unsafe) private static var started: Result<TestCluster, Error>?

    /// The one cluster of this test process: the environment's, else started on first use.
    public static func shared() throws -> TestCluster {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment[urlVariable], let file = environment[passwordFileVariable] {
            lockShared.lock()
            defer { lockShared.unlock() }
            let cluster = started ?? Result { try TestCluster(url: url, passwordFile: file) }
            started = cluster
            return try cluster.get()
        }
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
        let folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("crosshash-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let output = try Self.run("/bin/bash", [Self.script, "start", folder.appendingPathComponent("cluster").path])
        url = output.trimmingCharacters(in: .whitespacesAndNewlines)
        passwordFile = folder.appendingPathComponent("cluster/password").path
        password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        self.folder = folder
    }

    private init(url: String, passwordFile: String) throws {
        folder = nil
        self.url = url
        self.passwordFile = passwordFile
        password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the shared cluster and removes its folder (a later `shared()` starts a new one);
    /// the environment's cluster is left to scripts/test.sh.
    public static func stopShared() {
        lockShared.lock()
        defer { lockShared.unlock() }
        guard case .success(let cluster)? = started, let folder = cluster.folder else { return }
        started = nil
        _ = try? run("/bin/bash", [script, "stop", folder.appendingPathComponent("cluster").path])
        try? FileManager.default.removeItem(at: folder)
    }

    /// A new, empty database on the cluster, as a location with the password. Named after this
    /// process too, so test processes sharing scripts/test.sh's cluster never collide.
    public func newDatabase() throws -> PostgresLocation {
        lock.lock()
        databases += 1
        let name = "test_\(getpid())_\(databases)"
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
    public func psql(_ sql: String, database: String? = nil) throws -> String {
        var target = url
        if let database, let slash = url.lastIndex(of: "/") { target = String(url[...slash]) + database }
        return try Self.run("/usr/bin/psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", sql],
                            environment: ["PGPASSWORD": password])
    }

    /// Runs `tool` and gives back its standard output; throws with its standard error when it
    /// fails. posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit
    /// was seen to hang on a finished pg_server.sh (its server lives on, detached).
    @discardableResult
    public static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
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

