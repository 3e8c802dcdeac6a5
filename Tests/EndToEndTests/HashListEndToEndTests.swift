import XCTest
import Foundation
import HashKit
import TestSupport

/// `crosshash import` and `export` through the real binary, on hash list files: entries with and
/// without IDs, bad lines, replacement by ID, and byte-identical round trips.
final class HashListEndToEndTests: XCTestCase {
    var root = ""
    var store: String { root + "/store.sqlite" }

    override func setUpWithError() throws { root = try E2E.tempDir("hashlist") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    /// `count` random PDQ hashes (lowercase hex, Meta's form) from a fixed seed.
    static func hashes(_ count: Int, seed: UInt64) -> [String] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<4).map { _ in Hex.encode(random.next()) }.joined() }
    }

    func write(_ text: String, _ name: String) throws -> String {
        let path = root + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    func run(_ args: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> E2E.Run {
        let r = try E2E.run(args + ["--store", store])
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        return r
    }

    func export(_ name: String) throws -> String { try run(["export", name, "--family", "pdq"]).text }

    func testImportsEntriesWithAndWithoutIDsAndSkipsBadLines() throws {
        let h = Self.hashes(4, seed: 20)
        let list = try write("""
            # a list shared by a partner
            \(h[0]),alpha
            \(h[1])

            zzzz,not-a-hash
            \(h[2].uppercased()),gamma\r
            \(h[3].dropLast())
            """, "list.txt")
        let r = try run(["import", "shared", list])
        XCTAssertEqual(r.text, "imported 3 pdq hashes into shared (0 replaced an entry with the same ID), 2 bad lines skipped, 2 blank or comment lines\n")
        XCTAssertTrue(r.stderr.contains("list.txt:5: skipped: not 64 hex digits of a pdq hash"), r.stderr)
        XCTAssertTrue(r.stderr.contains("list.txt:7: skipped"), r.stderr)
        // Key byte order: the line number "3" sorts before the letters; hex comes back lowercase.
        XCTAssertEqual(try export("shared"), "\(h[1]),3\n\(h[0]),alpha\n\(h[2]),gamma\n")
    }

    func testReimportReplacesEntriesWithTheSameID() throws {
        let h = Self.hashes(4, seed: 21)
        try run(["import", "shared", try write("\(h[0]),alpha\n\(h[1]),beta\n", "first.txt")])
        let r = try run(["import", "shared", try write("\(h[2]),beta\n\(h[3]),delta\n", "second.txt")])
        XCTAssertTrue(r.text.hasPrefix("imported 2 pdq hashes into shared (1 replaced"), r.text)
        XCTAssertEqual(try export("shared"), "\(h[0]),alpha\n\(h[2]),beta\n\(h[3]),delta\n")
    }

    func testCanonicalListRoundTripsByteForByte() throws {
        let h = Self.hashes(2500, seed: 22)
        // IDs in byte order, as export writes them. 2,500 lines keep the test quick; the
        // 1M-line round trip is scripts/bench_hash_list.sh.
        let ids = (0..<h.count).map { String(format: "id-%05d", $0) }
        let text = zip(h, ids).map { "\($0),\($1)\n" }.joined()
        let list = try write(text, "canonical.txt")
        try run(["import", "canon", list])
        let out = root + "/exported.txt"
        try run(["export", "canon", "--family", "pdq", "-o", out])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), Data(text.utf8))
    }

    func testExportOfAMissingDatasetFailsWithAMessage() throws {
        let r = try run(["export", "nothing", "--family", "pdq"], status: 1)
        XCTAssertTrue(r.stderr.contains("no dataset named nothing"), r.stderr)
    }
}
