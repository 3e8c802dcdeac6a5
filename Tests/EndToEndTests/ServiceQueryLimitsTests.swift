import XCTest
import Foundation
import HashKit
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `POST /v1/query` under hostile sizes and dataset names that are Unicode twins, through the real
/// `crosshash serve` on 127.0.0.1 (issue 16, items 3 and 10):
/// - 40 queries x limit 10,000 over 30,000 equal stored hashes: the answer is the top 10,000 of
///   the brute-force order for every query, and the server's resident memory stays bounded;
/// - queries x limit over `--max-query-matches` is refused with 413 before any work;
/// - a mixed random dataset gives exactly the brute-force answer (order, ties, `truncated`);
/// - `café` (NFC) and `café` (NFD) are two datasets everywhere, also after a restart.
final class ServiceQueryLimitsTests: XCTestCase {
    var root = ""
    var servers = [ServerProcess]()

    override func setUpWithError() throws {
        _ = try E2E.binary()
        root = try E2E.tempDir("query-limits")
    }

    override func tearDownWithError() throws {
        for s in servers where s.isRunning { s.kill9() }
        servers.removeAll()
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: Helpers

    func startServer(_ args: [String], store: String?) throws -> ServerProcess {
        let storeArgs = store.map { ["--store", $0] } ?? ["--no-store"]
        let server = try ServerProcess(["--device", "cpu"] + storeArgs + args)
        servers.append(server)
        try server.waitReady()
        return server
    }

    /// Percent-encodes a dataset name for a path segment (every byte outside [A-Za-z0-9._-]).
    func path(_ name: String) -> String {
        var out = ""
        for b in name.utf8 {
            let c = Character(Unicode.Scalar(b))
            if b < 0x80 && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-") { out.append(c) } else { out += String(format: "%%%02X", b) }
        }
        return out
    }

    struct Item {
        var file: String
        var phash: String
        var blockmean: String
    }

    func create(_ c: HTTPClient, _ name: String) throws {
        let r = try c.request("PUT", "/v1/datasets/\(path(name))")
        XCTAssertTrue(r.status == 201 || r.status == 200, "PUT \(name): \(r.summary)")
    }

    /// Stores precomputed hashes in batches of 20,000 items.
    func add(_ c: HTTPClient, _ name: String, _ items: [Item]) throws {
        var start = 0
        while start < items.count {
            let batch = items[start..<min(items.count, start + 20_000)]
            let r = try c.postJSON("/v1/datasets/\(path(name))/images",
                                   ["items": batch.map { ["file": $0.file, "phash": $0.phash, "blockmean": $0.blockmean] }])
            XCTAssertEqual(r.status, 200, "add to \(name): \(r.summary)")
            start += batch.count
        }
    }

    static func hex(_ words: [UInt64]) -> String { words.map { String(format: "%016llx", $0) }.joined() }

    /// One expected match: dataset, file and distances by family.
    struct Expected: Equatable, CustomStringConvertible {
        var dataset: [UInt8]
        var file: [UInt8]
        var distances: [String: Int]
        var description: String { "\(String(decoding: dataset, as: UTF8.self))/\(String(decoding: file, as: UTF8.self)) \(distances)" }
    }

    /// The brute force: every stored image within the threshold of a family the query gives,
    /// ordered by the sum of distance / bits (phash then blockmean), then dataset bytes, then
    /// file bytes.
    func bruteForce(query: [String: String], datasets: [(String, [Item])], thresholds: [String: Int],
                    limit: Int) -> (matches: [Expected], truncated: Bool) {
        let bits = ["phash": 64, "blockmean": 256]
        var all = [(score: Double, m: Expected)]()
        for (name, items) in datasets {
            for item in items {
                var distances = [String: Int]()
                var hit = false
                for family in ["phash", "blockmean"] {
                    guard let q = query[family] else { continue }
                    let d = HexHash.distance(q, family == "phash" ? item.phash : item.blockmean)
                    distances[family] = d
                    if d <= thresholds[family] ?? 8 { hit = true }
                }
                guard hit else { continue }
                var score = 0.0
                for family in ["phash", "blockmean"] { if let d = distances[family] { score = score + Double(d) / Double(bits[family] ?? 1) } }
                all.append((score, Expected(dataset: Array(name.utf8), file: Array(item.file.utf8), distances: distances)))
            }
        }
        all.sort { l, r in
            if l.score != r.score { return l.score < r.score }
            if l.m.dataset != r.m.dataset { return l.m.dataset.lexicographicallyPrecedes(r.m.dataset) }
            return l.m.file.lexicographicallyPrecedes(r.m.file)
        }
        return (all.prefix(limit).map(\.m), all.count > limit)
    }

    func matches(_ result: [String: Any]) -> [Expected] {
        ((result["matches"] as? [[String: Any]]) ?? []).map { m in
            Expected(dataset: Array((m["dataset"] as? String ?? "?").utf8), file: Array((m["file"] as? String ?? "?").utf8),
                     distances: (m["distances"] as? [String: Int]) ?? [:])
        }
    }

    // MARK: Item 3: bounded queries

    /// 40 queries x limit 10,000 over 30,000 equal hashes: 1,200,000 matches exist; each
    /// query's answer is the 10,000 smallest keys (all scores tie), `truncated` true, and the
    /// server's peak resident memory above its idle size stays under 200 MB (it built every
    /// match, about 500 MB here, before; the issue's 100 x 10,000 over 50,000 took 1.7-2.6 GB;
    /// the suite runs a smaller case to stay quick in debug and ASan builds).
    func testFortyQueriesOfTenThousandOverThirtyThousandEqualHashesAreExactAndBounded() throws {
        try E2E.skipLoadTestUnderASan()
        let server = try startServer([], store: nil)
        let c = try server.client(timeout: 600)
        try create(c, "equal")
        var random = SplitMix64(seed: 16)
        let phash = Self.hex([0x0123_4567_89AB_CDEF]), blockmean = Self.hex([1, 2, 3, 4])
        var files = (0..<30_000).map { String(format: "img/%05d.png", $0) }
        // Stored in a shuffled order: the answer's order must come from sorting, not insertion.
        for i in stride(from: files.count - 1, to: 0, by: -1) { files.swapAt(i, random.below(i + 1)) }
        try add(c, "equal", files.map { Item(file: $0, phash: phash, blockmean: blockmean) })
        let expectedFiles = files.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.prefix(10_000)

        let pid = server.process.processIdentifier
        let canMeasure = ProcStatus.resetPeak(pid)
        let idle = ProcStatus.rss(pid) / 1024
        let asked = 40
        let queries = (0..<asked).map { ["id": "q\($0)", "phash": phash, "blockmean": blockmean] }
        let started = Date()
        let r = try c.postJSON("/v1/query", ["queries": queries, "limit": 10_000])
        let seconds = Date().timeIntervalSince(started)
        let peak = ProcStatus.peak(pid) / 1024
        XCTAssertEqual(r.status, 200, r.summary)
        print("query 40 x 10,000 over 30,000 equal hashes: \(String(format: "%.1f", seconds)) s, "
              + "peak RSS above idle \((peak - idle) / 1024) MB (idle \(idle / 1024) MB), answer \(r.body.count) bytes")
        if canMeasure {
            XCTAssertLessThanOrEqual(peak - idle, 200 * 1024, "peak resident memory above idle, kB (idle \(idle) kB)")
        }
        let results = (r.object["results"] as? [[String: Any]]) ?? []
        XCTAssertEqual(results.count, asked)
        for (n, result) in results.enumerated() {
            XCTAssertEqual(result["id"] as? String, "q\(n)")
            XCTAssertEqual(result["truncated"] as? Bool, true, "query \(n)")
            let got = matches(result)
            XCTAssertEqual(got.count, 10_000, "query \(n)")
            XCTAssertEqual(got.map { String(decoding: $0.file, as: UTF8.self) }, Array(expectedFiles), "query \(n)")
            XCTAssertTrue(got.allSatisfy { $0.dataset == Array("equal".utf8) && $0.distances == ["phash": 0, "blockmean": 0] }, "query \(n)")
        }
        XCTAssertTrue(server.isRunning)
    }

    /// queries x limit over the cap is refused with 413 and a detail naming the cap and how to
    /// stay under it, before any matching; at the cap the query runs.
    func testQueriesTimesLimitOverTheCapIsRefusedWith413() throws {
        let server = try startServer(["--max-query-matches", "5000"], store: nil)
        let c = try server.client()
        try create(c, "small")
        let phash = Self.hex([42]), blockmean = Self.hex([5, 6, 7, 8])
        try add(c, "small", (0..<10).map { Item(file: "f\($0).png", phash: phash, blockmean: blockmean) })
        let query = ["phash": phash]

        let over = try c.postJSON("/v1/query", ["queries": [query, query], "limit": 3000])
        XCTAssertEqual(over.status, 413, over.summary)
        XCTAssertTrue(over.contentType.hasPrefix("application/problem+json"), over.summary)
        let detail = over.object["detail"] as? String ?? ""
        XCTAssertTrue(detail.contains("5000") && detail.contains("6000") && detail.contains("--max-query-matches"), detail)

        let at = try c.postJSON("/v1/query", ["queries": [query, query], "limit": 2500])
        XCTAssertEqual(at.status, 200, at.summary)
        let results = (at.object["results"] as? [[String: Any]]) ?? []
        XCTAssertEqual(results.map { matches($0).count }, [10, 10])

        // The default cap, 1,000,000: 101 queries x 10,000 is over it.
        let defaults = try startServer([], store: nil)
        let d = try defaults.client()
        let many = try d.postJSON("/v1/query", ["queries": Array(repeating: query, count: 101), "limit": 10_000])
        XCTAssertEqual(many.status, 413, many.summary)
        XCTAssertTrue((many.object["detail"] as? String ?? "").contains("1000000"), many.summary)
        XCTAssertTrue(server.isRunning && defaults.isRunning)
    }

    /// Three datasets of clustered random hashes (distances around the thresholds, repeated
    /// hashes so that scores tie, the same keys in several datasets), queries giving phash,
    /// blockmean or both, small and large limits: every answer equals the brute force in order,
    /// distances and `truncated`.
    func testMixedRandomDatasetsGiveTheBruteForceAnswer() throws {
        let server = try startServer([], store: nil)
        let c = try server.client(timeout: 120)
        var random = SplitMix64(seed: 0xC0FFEE)
        func flip(_ words: [UInt64], _ bits: Int) -> [UInt64] {
            var w = words
            for _ in 0..<bits {
                let b = random.below(w.count * 64)
                w[b / 64] ^= 1 << UInt64(b % 64)
            }
            return w
        }
        let centres = (0..<4).map { _ in ([random.next()], [random.next(), random.next(), random.next(), random.next()]) }
        func item(_ file: String) -> Item {
            let (p, b) = centres[random.below(centres.count)]
            return Item(file: file, phash: Self.hex(flip(p, random.below(12))), blockmean: Self.hex(flip(b, random.below(12))))
        }
        // Names whose byte order differs from the order they are created and asked in.
        let names = ["zeta", "alpha", "Émile"]
        var datasets = [(String, [Item])]()
        for (n, name) in names.enumerated() {
            try create(c, name)
            var items = (0..<400).map { item(String(format: "%@/%03d.png", n == 1 ? "b" : "a", $0)) }
            // Exact copies (ties in score) under other keys, and a key shared with another dataset.
            items += items.prefix(30).enumerated().map { Item(file: "copy\($0.offset).png", phash: $0.element.phash, blockmean: $0.element.blockmean) }
            try add(c, name, items)
            datasets.append((name, items))
        }
        let queryItems = (0..<12).map { item("q\($0)") }
        let cases: [(thresholds: [String: Int], limit: Int)] = [([:], 10), (["phash": 5, "blockmean": 10], 1000), (["phash": 12, "blockmean": 3], 25)]
        for (thresholds, limit) in cases {
            var queries = [[String: String]]()
            for (n, q) in queryItems.enumerated() {
                switch n % 3 {
                case 0: queries.append(["phash": q.phash])
                case 1: queries.append(["blockmean": q.blockmean])
                default: queries.append(["phash": q.phash, "blockmean": q.blockmean])
                }
            }
            let r = try c.postJSON("/v1/query", ["queries": queries, "limit": limit, "thresholds": thresholds])
            XCTAssertEqual(r.status, 200, r.summary)
            let results = (r.object["results"] as? [[String: Any]]) ?? []
            XCTAssertEqual(results.count, queries.count)
            var total = 0
            for (n, (query, result)) in zip(queries, results).enumerated() {
                let expected = bruteForce(query: query, datasets: datasets, thresholds: thresholds, limit: limit)
                let got = matches(result)
                total += got.count
                XCTAssertEqual(got, expected.matches, "query \(n) \(query) thresholds \(thresholds) limit \(limit)")
                XCTAssertEqual(result["truncated"] as? Bool, expected.truncated, "query \(n) thresholds \(thresholds) limit \(limit)")
            }
            XCTAssertGreaterThan(total, 0, "the case \(thresholds) found nothing: the test would prove little")
        }
    }

    // MARK: Item 10: Unicode twins

    /// `café` in NFC (c a f U+00E9) and in NFD (c a f e U+0301) are two names, byte for byte:
    /// each holds its own images for queries, GET, listing and DELETE, and both are found again
    /// after a restart on the same store (before, they shared one index in memory, and after a
    /// restart one of them was unfindable).
    func testUnicodeTwinDatasetsStayApart() throws {
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        XCTAssertEqual(nfc, nfd, "Swift compares strings by canonical equivalence")
        XCTAssertNotEqual(Array(nfc.utf8), Array(nfd.utf8))
        let store = root + "/store.sqlite"
        var server = try startServer([], store: store)
        var c = try server.client()
        let phash = Self.hex([0xFEDC_BA98_7654_3210]), blockmean = Self.hex([9, 9, 9, 9])
        try create(c, nfc)
        try create(c, nfd)
        try add(c, nfc, [Item(file: "nfc.png", phash: phash, blockmean: blockmean)])
        try add(c, nfd, [Item(file: "nfd-1.png", phash: phash, blockmean: blockmean),
                         Item(file: "nfd-2.png", phash: phash, blockmean: blockmean)])

        func query(_ datasets: [String]?) throws -> [Expected] {
            var body: [String: Any] = ["queries": [["phash": phash]]]
            if let datasets { body["datasets"] = datasets }
            let r = try c.postJSON("/v1/query", body)
            XCTAssertEqual(r.status, 200, r.summary)
            return ((r.object["results"] as? [[String: Any]])?.first).map(matches) ?? []
        }
        func pairs(_ m: [Expected]) -> [[UInt8]] { m.map { $0.dataset + Array(":".utf8) + $0.file } }
        func pair(_ name: String, _ file: String) -> [UInt8] { Array(name.utf8) + Array(":".utf8) + Array(file.utf8) }

        XCTAssertEqual(pairs(try query([nfc])), [pair(nfc, "nfc.png")], "NFC only")
        XCTAssertEqual(pairs(try query([nfd])), [pair(nfd, "nfd-1.png"), pair(nfd, "nfd-2.png")], "NFD only")
        // NFC's bytes (c3 a9) sort after NFD's (65 cc 81).
        XCTAssertEqual(pairs(try query(nil)), [pair(nfd, "nfd-1.png"), pair(nfd, "nfd-2.png"), pair(nfc, "nfc.png")], "both")

        func images(_ name: String) throws -> Int? {
            let r = try c.get("/v1/datasets/\(path(name))")
            guard r.status == 200 else { return nil }
            XCTAssertEqual(Array((r.object["name"] as? String ?? "").utf8), Array(name.utf8))
            return r.object["images"] as? Int
        }
        XCTAssertEqual(try images(nfc), 1)
        XCTAssertEqual(try images(nfd), 2)
        let listing = try c.get("/v1/datasets")
        let listed = ((listing.object["datasets"] as? [[String: Any]]) ?? []).map { (Array(($0["name"] as? String ?? "").utf8), $0["images"] as? Int ?? -1) }
        XCTAssertEqual(listed.map(\.0), [Array(nfd.utf8), Array(nfc.utf8)], listing.summary)
        XCTAssertEqual(listed.map(\.1), [2, 1], listing.summary)

        // Deleting NFD leaves NFC whole.
        XCTAssertEqual(try c.request("DELETE", "/v1/datasets/\(path(nfd))").status, 204)
        XCTAssertNil(try images(nfd))
        XCTAssertEqual(try images(nfc), 1)
        XCTAssertEqual(pairs(try query(nil)), [pair(nfc, "nfc.png")], "after deleting NFD")
        XCTAssertEqual(try c.postJSON("/v1/query", ["queries": [["phash": phash]], "datasets": [nfd]]).status, 404)

        // Both again, then a restart on the same store: both are loaded and found.
        try create(c, nfd)
        try add(c, nfd, [Item(file: "nfd-3.png", phash: phash, blockmean: blockmean)])
        server.stop()
        server = try startServer([], store: store)
        c = try server.client()
        XCTAssertEqual(pairs(try query(nil)), [pair(nfd, "nfd-3.png"), pair(nfc, "nfc.png")], "after a restart")
        XCTAssertEqual(pairs(try query([nfd])), [pair(nfd, "nfd-3.png")], "NFD after a restart")
        XCTAssertEqual(pairs(try query([nfc])), [pair(nfc, "nfc.png")], "NFC after a restart")
        XCTAssertEqual(try images(nfc), 1)
        XCTAssertEqual(try images(nfd), 1)
    }
}
