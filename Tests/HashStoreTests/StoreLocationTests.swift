import Foundation
import HashStore
import XCTest

/// `--store` values: a path stays an SQLite file; a postgresql:// URL is parsed strictly, and
/// every hostile or ambiguous form is refused with a message instead of reaching libpq.
final class StoreLocationTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("StoreLocationTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func parse(_ value: String, passwordFile: String? = nil, env: [String: String] = [:]) throws -> StoreLocation {
        try StoreLocation.parse(value, passwordFile: passwordFile, environment: env)
    }

    private func postgres(_ value: String, env: [String: String] = [:]) throws -> PostgresLocation {
        guard case .postgres(let location) = try parse(value, env: env) else {
            throw StoreLocationError("\(value) was taken for an SQLite path")
        }
        return location
    }

    /// The refusal's message, failing the test when the value was accepted.
    private func refusal(_ value: String, passwordFile: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let location = try parse(value, passwordFile: passwordFile)
            XCTFail("\(value) was accepted as \(location)", file: file, line: line)
            return ""
        } catch let error as StoreLocationError {
            return error.message
        } catch {
            XCTFail("\(value): unexpected \(error)", file: file, line: line)
            return ""
        }
    }

    func testPathsStaySQLite() throws {
        for path in ["store.sqlite", "/tmp/x/store.sqlite", "./postgresql://db", "my postgresql:file", "ünïcode/störe",
                     "relative/postgres", "file:store.sqlite"] {
            XCTAssertEqual(try parse(path), .sqlite(path: path), path)
        }
    }

    func testFullURL() throws {
        let l = try postgres("postgresql://crosshash@db.example.org:6543/hashes?sslmode=verify-full")
        XCTAssertEqual(l, PostgresLocation(user: "crosshash", host: "db.example.org", port: 6543, database: "hashes",
                                           sslmode: "verify-full"))
        XCTAssertEqual(l.displayURL, "postgresql://crosshash@db.example.org:6543/hashes?sslmode=verify-full")
        // postgres:// and any case of the scheme; the default port.
        XCTAssertEqual(try postgres("POSTGRES://u@127.0.0.1/d"), PostgresLocation(user: "u", host: "127.0.0.1", database: "d"))
    }

    func testIPv6AndPercentEncoding() throws {
        let l = try postgres("postgresql://us%40er%20x@[::1]:5433/d%2Fb%C3%A9")
        XCTAssertEqual(l.user, "us@er x")
        XCTAssertEqual(l.host, "::1")
        XCTAssertEqual(l.port, 5433)
        XCTAssertEqual(l.database, "d/bé")
        // The display form percent-encodes back and parses to the same location.
        XCTAssertEqual(l.displayURL, "postgresql://us%40er%20x@[::1]:5433/d%2Fb%C3%A9")
        XCTAssertEqual(try postgres(l.displayURL), l)
    }

    func testPasswordSources() throws {
        let url = "postgresql://u@h/d"
        XCTAssertNil(try postgres(url).password)
        XCTAssertEqual(try postgres(url, env: ["PGPASSWORD": "s3cret"]).password, "s3cret")
        let file = folder.appendingPathComponent("pw").path
        try Data("from-file\r\n\n".utf8).write(to: URL(fileURLWithPath: file))
        // The file wins over the environment.
        guard case .postgres(let l) = try parse(url, passwordFile: file, env: ["PGPASSWORD": "env"]) else {
            return XCTFail("not postgres")
        }
        XCTAssertEqual(l.password, "from-file")
        // Never in the display form; given to libpq as its own keyword.
        XCTAssertFalse(l.displayURL.contains("from-file"))
        XCTAssertTrue(l.connectionParameters.contains { $0 == ("password", "from-file") })
    }

    func testHostileURLsAreRefused() {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("postgresql://u:pw@h/d", "password"),
            ("postgresql://h/d", "no user"),
            ("postgresql://u@h", "no database"),
            ("postgresql://u@h/", "database is empty"),
            ("postgresql://u@/d", "no host"),
            ("postgresql://u@h1,h2/d", "several hosts"),
            ("postgresql://u@%2Ftmp/d", "not a host name"),
            ("postgresql://u@h:0/d", "port"),
            ("postgresql://u@h:65536/d", "port"),
            ("postgresql://u@h:+5/d", "port"),
            ("postgresql://u@h:/d", "port"),
            ("postgresql://u@h:99999999999999999999/d", "port"),
            ("postgresql://u@h/d?host=evil", "not supported"),
            ("postgresql://u@h/d?sslmode=off", "sslmode"),
            ("postgresql://u@h/d?sslmode=require&sslmode=disable", "twice"),
            ("postgresql://u@h/d?sslmode", "NAME=VALUE"),
            ("postgresql://u@h/d#x", "fragment"),
            ("postgresql://u@h/d x", "space"),
            ("postgresql://u@h/d\n", "control"),
            ("postgresql://u%00@h/d", "user"),
            ("postgresql://u@h/d%00", "database"),
            ("postgresql://u%zz@h/d", "user"),
            ("postgresql://u@h/d%4", "database"),
            ("postgresql://u@h/d%FF", "database"),
            ("postgresql://u@h/a/b", "/"),
            ("postgresql://u@[::1/d", "closing"),
            ("postgresql://u@[::1]x/d", "IPv6"),
            ("postgresql://u@[zz]/d", "IPv6"),
            ("postgresql:/u@h/d", "postgresql://"),
            ("postgres:u@h/d", "postgresql://"),
            ("store\0.sqlite", "NUL"),
        ]
        for (value, expected) in cases {
            let message = refusal(value)
            XCTAssertTrue(message.contains(expected), "\(value.debugDescription): \(message)")
        }
        // The password of a refused URL is never repeated in the message.
        XCTAssertFalse(refusal("postgresql://u:hunter2@h/d").contains("hunter2"))
    }

    func testPasswordFileProblems() throws {
        let url = "postgresql://u@h/d"
        XCTAssertTrue(refusal(url, passwordFile: folder.appendingPathComponent("missing").path).contains("cannot be read"))
        let twoLines = folder.appendingPathComponent("two")
        try Data("a\nb\n".utf8).write(to: twoLines)
        XCTAssertTrue(refusal(url, passwordFile: twoLines.path).contains("one line"))
        let empty = folder.appendingPathComponent("empty")
        try Data("\n".utf8).write(to: empty)
        XCTAssertTrue(refusal(url, passwordFile: empty.path).contains("one line"))
        let nul = folder.appendingPathComponent("nul")
        try Data([0x61, 0, 0x62]).write(to: nul)
        XCTAssertTrue(refusal(url, passwordFile: nul.path).contains("NUL"))
        // A password file with an SQLite store is a mistake, not ignored.
        XCTAssertTrue(refusal("store.sqlite", passwordFile: twoLines.path).contains("SQLite"))
    }
}
