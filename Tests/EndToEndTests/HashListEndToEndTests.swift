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

/// `match` with a dataset imported as a PDQ hash list: its entries are matched by PDQ against
/// pictures analyzed into the same store, pairs named by the entries' IDs; the families a list
/// does not carry leave its entries out (neither failures nor pairs). The list's hashes are the
/// reference's (`pdqhash`, Tests/Fixtures/expected_pdq.json), so the pairs expected are too.
final class HashListMatchEndToEndTests: XCTestCase {
    var root = ""
    var store: String { root + "/store.sqlite" }
    var reference = [String: (hash: String, quality: Int)]()
    /// list ID -> the fixture whose reference PDQ it carries.
    static let list = [("calla-01", "real/calla.jpg"), ("gold,fish", "real/goldfish.jpg"), ("city-9", "real/city.png")]
    /// key in the analyzed folder -> fixture.
    static let pictures = [("calla.jpg", "real/calla.jpg"), ("fish/goldfish.jpg", "real/goldfish.jpg"),
                           ("desert.png", "real/desert.png"), ("mouse.jpg", "real/the_mouse.jpg")]

    override func setUpWithError() throws {
        root = try E2E.tempDir("hashlist-match")
        let data = try Data(contentsOf: E2E.fixtures.appendingPathComponent("expected_pdq.json"))
        let doc = try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] ?? [:]
        for (fixture, v) in doc {
            if let h = v["pdq"] as? String, let q = v["pdq_quality"] as? Int { reference[fixture] = (h, q) }
        }
        for (key, fixture) in Self.pictures { try E2E.copy(fixture, to: "\(root)/pics/\(key)") }
        // The ID after the first comma is taken whole: "gold,fish" is one ID.
        var text = "# reference PDQ of three fixtures\n"
        for (id, fixture) in Self.list { text += "\(try XCTUnwrap(reference[fixture]).hash),\(id)\n" }
        // A hash far from every picture (the bitwise complement of calla's): never paired.
        let calla = try XCTUnwrap(reference["real/calla.jpg"]).hash
        text += String(calla.map { c in String(15 - Int(String(c), radix: 16)!, radix: 16) }.joined()) + ",far\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/list.txt"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    @discardableResult
    func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> E2E.Run {
        let r = try E2E.run(args + ["--store", store])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    /// The pairs the reference hashes imply at PDQ's threshold 31 ("ID key distance"): the list
    /// gives no quality (matched), the pictures under quality 50 are not.
    func referencePairs() throws -> [String] {
        var out = [String]()
        for (id, lf) in Self.list {
            for (key, pf) in Self.pictures {
                let (a, b) = (try XCTUnwrap(reference[lf]), try XCTUnwrap(reference[pf]))
                let d = E2E.hamming(a.hash, b.hash)
                if d <= 31, b.quality >= 50 { out.append("\(id) \(key) \(d)") }
            }
        }
        return out.sorted()
    }

    func pairs(_ path: String) throws -> [String] {
        let doc = try XCTUnwrap(try E2E.json(path) as? [String: Any], path)
        return (doc["pairs"] as? [[String: Any]] ?? []).map { p in
            let a = (p["a"] as? [String: Any])?["file"] as? String ?? "?"
            let b = (p["b"] as? [String: Any])?["file"] as? String ?? "?"
            return "\(a) \(b) \(p["distance"] as? Int ?? -1)"
        }.sorted()
    }

    func testPDQListMatchesPicturesAnalyzedIntoTheSameStore() throws {
        try run(["import", "known", root + "/list.txt"])
        try run(["analyze", "pics=\(root)/pics", "--families", "phash,blockmean,pdq", "--no-verify", "--out", root + "/a"])

        let expected = try referencePairs()
        // calla and goldfish are the same pictures: distance 0 against their own entries.
        XCTAssertTrue(expected.contains("calla-01 calla.jpg 0"), "\(expected)")
        XCTAssertTrue(expected.contains("gold,fish fish/goldfish.jpg 0"), "\(expected)")

        try run(["match", "--families", "pdq", "known=store:known", "pics=store:pics", "--out", root + "/m"])
        XCTAssertEqual(try pairs(root + "/m/pdq_cross_duplicates.json"), expected)
        let hashes = try XCTUnwrap(try E2E.json(root + "/m/known/pdq_hashes.json") as? [String: Any])
        XCTAssertEqual(Set(hashes.keys), ["calla-01", "gold,fish", "city-9", "far"])
        // A list gives no quality: the hash alone.
        XCTAssertEqual(hashes["calla-01"] as? [String: String], ["hash": try XCTUnwrap(reference["real/calla.jpg"]).hash])
        XCTAssertEqual((try E2E.json(root + "/m/known/errors.json") as? [Any])?.count, 0)

        // Every family: the list's entries are in PDQ's pairs alone, in no other family's hash file.
        try run(["match", "--families", "phash,blockmean,pdq", "known=store:known", "pics=store:pics", "--out", root + "/all"])
        XCTAssertEqual(try pairs(root + "/all/pdq_cross_duplicates.json"), expected)
        // PDQ's pairs carry phash's distance (the next family) and every family's: a list entry
        // has neither, so its pairs leave them out rather than measure against a zero hash.
        let all = try XCTUnwrap(try E2E.json(root + "/all/pdq_cross_duplicates.json") as? [String: Any])
        for pair in all["pairs"] as? [[String: Any]] ?? [] {
            XCTAssertNil(pair["other_distance"], "\(pair)")
            XCTAssertEqual((pair["distances"] as? [String: Int]).map { Array($0.keys) }, ["pdq"], "\(pair)")
        }
        XCTAssertTrue(try String(contentsOfFile: root + "/all/REPORT.md", encoding: .utf8).contains("| 0 | – |"))
        XCTAssertEqual(try pairs(root + "/all/perceptual_cross_duplicates.json"), [])
        XCTAssertEqual(try pairs(root + "/all/robust_cross_duplicates.json"), [])
        XCTAssertEqual((try E2E.json(root + "/all/known/perceptual_hashes.json") as? [String: Any])?.count, 0)
        XCTAssertEqual((try E2E.json(root + "/all/known/errors.json") as? [Any])?.count, 0)
        XCTAssertEqual((try E2E.json(root + "/all/pics/perceptual_hashes.json") as? [String: Any])?.count, 4)

        // Entries have no pictures: their pairs are not verified, even when an ID names a real
        // file (here the very picture, by its absolute path): no file is read for an entry.
        let named = root + "/pics/calla.jpg"
        try Data("\(try XCTUnwrap(reference["real/calla.jpg"]).hash),\(named)\n".utf8).write(to: URL(fileURLWithPath: root + "/paths.txt"))
        try run(["import", "paths", root + "/paths.txt"])
        try run(["match", "--families", "pdq", "paths=store:paths", "pics=store:pics", "--out", root + "/v"])
        XCTAssertEqual(try pairs(root + "/v/pdq_cross_duplicates.json"), ["\(named) calla.jpg 0"])
        let verified = try XCTUnwrap(try E2E.json(root + "/v/verified_cross_duplicates.json") as? [String: Any])
        XCTAssertEqual(verified["verified"] as? Int, 0, "\(verified)")
        XCTAssertEqual(verified["candidates"] as? Int, 1, "\(verified)")

        // The output folder is a source in turn: the same PDQ pairs from its hash files.
        try run(["match", "--families", "pdq", "known=\(root)/m/known", "pics=\(root)/m/pics", "--out", root + "/again"])
        XCTAssertEqual(try pairs(root + "/again/pdq_cross_duplicates.json"), expected)
    }
}
