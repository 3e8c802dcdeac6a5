import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16's answers that can be huge and work that must stop: cross-duplicates capped by
/// `--max-pairs` and streamed with bounded memory, work dropped within a second of the client
/// going away, and the shared in-flight pixel budget (413 for a request over it, 503 with
/// Retry-After while others hold it). A real `crosshash serve` on 127.0.0.1; memory is the
/// server's own resident memory from /proc, asserted only outside AddressSanitizer.
final class ServiceLimitsTests: XCTestCase {
    var root = ""
    var servers = [ServerProcess]()

    override func setUpWithError() throws {
        _ = try E2E.binary()
        root = try E2E.tempDir("limits")
    }

    override func tearDownWithError() throws {
        for s in servers where s.isRunning { s.kill9() }
        servers.removeAll()
        try? FileManager.default.removeItem(atPath: root)
    }

    func startServer(_ args: [String]) throws -> ServerProcess {
        let server = try ServerProcess(["--device", "cpu", "--no-store"] + args)
        servers.append(server)
        try server.waitReady()
        return server
    }

    static var underASan: Bool { ProcStatus.underASan }

    /// Fills dataset `name` with `count` images of one and the same hash pair (every image of one
    /// dataset matches every image of another), in requests of 5,000 precomputed items.
    func fillEqual(_ c: HTTPClient, _ name: String, count: Int, phash: String, blockmean: String) throws {
        XCTAssertEqual(try c.request("PUT", "/v1/datasets/\(name)").status, 201)
        var start = 0
        while start < count {
            let end = min(count, start + 5000)
            let items = (start..<end).map { "{\"file\": \"\(name)/\($0).png\", \"phash\": \"\(phash)\", \"blockmean\": \"\(blockmean)\"}" }
            let r = try c.postJSONText("/v1/datasets/\(name)/images", "{\"items\": [\(items.joined(separator: ","))]}")
            XCTAssertEqual(r.status, 200, r.summary)
            start = end
        }
    }

    static let phash = "c6c6393939c6c639"
    static let blockmean = String(repeating: "0f", count: 32)

    // MARK: cross-duplicates

    func testCrossDuplicatesAreCappedStreamedAndBounded() throws {
        let server = try startServer(["--max-pairs", "100000"])
        let c = try server.client(timeout: 300)
        try fillEqual(c, "a", count: 2000, phash: Self.phash, blockmean: Self.blockmean)
        try fillEqual(c, "b", count: 2000, phash: Self.phash, blockmean: Self.blockmean)
        let pid = server.process.processIdentifier
        let idle = ProcStatus.rss(pid)
        _ = ProcStatus.resetPeak(pid)

        let r = try c.get("/v1/cross-duplicates?datasets=a,b")
        XCTAssertEqual(r.status, 200, r.summary)
        let object = r.object
        XCTAssertEqual(object["truncated"] as? Bool, true, "4,000,000 pairs over --max-pairs 100000 must say truncated")
        XCTAssertEqual(object["pairs_found"] as? Int, 4_000_000)
        XCTAssertEqual((object["pairs"] as? [Any])?.count, 100_000)
        XCTAssertEqual(r.header("transfer-encoding")?.lowercased(), "chunked", "a large answer is streamed")
        let peak = ProcStatus.peak(pid)
        if !Self.underASan {
            // Before the cap and the streaming this answer took about 1.5 GB.
            XCTAssertLessThan(peak - idle, 300 << 20, "cross-duplicates of 4M pairs: \((peak - idle) >> 20) MB above idle")
        }

        // Below the cap: the whole list and no truncation fields (the CLI's shape, byte for byte).
        try fillEqual(c, "c", count: 10, phash: Self.phash, blockmean: Self.blockmean)
        try fillEqual(c, "d", count: 10, phash: Self.phash, blockmean: Self.blockmean)
        let small = try c.get("/v1/cross-duplicates?datasets=c,d&family=blockmean")
        XCTAssertEqual(small.status, 200, small.summary)
        XCTAssertEqual((small.object["pairs"] as? [Any])?.count, 100)
        XCTAssertNil(small.object["truncated"], "an uncut answer has no truncation fields")
        XCTAssertNil(small.object["pairs_found"])
        XCTAssertTrue(server.isRunning)
    }

    func testCrossDuplicatesWorkStopsWhenTheClientLeaves() throws {
        let server = try startServer(["--max-pairs", "50000000"])
        let c = try server.client(timeout: 300)
        try fillEqual(c, "a", count: 3000, phash: Self.phash, blockmean: Self.blockmean)
        try fillEqual(c, "b", count: 3000, phash: Self.phash, blockmean: Self.blockmean)
        let pid = server.process.processIdentifier

        // Three clients ask for 9,000,000 pairs and hang up after 0.2 s.
        for _ in 0..<3 {
            let conn = try c.connect()
            XCTAssertTrue(conn.send("GET /v1/cross-duplicates?datasets=a,b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
            usleep(200_000)
            conn.close()
        }
        // Within a second of the last hang-up the work must have stopped: the server then uses
        // (almost) no CPU. Before, it went on matching and serialising for many seconds.
        usleep(1_200_000)
        let before = ProcStatus.cpuSeconds(pid)
        usleep(2_000_000)
        let after = ProcStatus.cpuSeconds(pid)
        XCTAssertLessThan(after - before, 0.4, "CPU seconds used 1.2-3.2 s after every client left")
        XCTAssertEqual(try c.get("/healthz").status, 200)

        // A client that leaves in the middle of the answer: writing stops, and so does making
        // the rest of the document (before, the serialiser went on building it for nobody).
        let reader = try c.connect()
        XCTAssertTrue(reader.send("GET /v1/cross-duplicates?datasets=a,b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
        let received = reader.readUntilClosed(max: 1 << 20)
        XCTAssertFalse(received.bytes.isEmpty, "some of the answer arrived")
        reader.close()
        usleep(1_200_000)
        let left = ProcStatus.cpuSeconds(pid)
        usleep(2_000_000)
        XCTAssertLessThan(ProcStatus.cpuSeconds(pid) - left, 0.4, "CPU seconds used 1.2-3.2 s after a client left mid-answer")
        XCTAssertEqual(try c.get("/healthz").status, 200)
    }

    // MARK: everything at once

    /// A mix of heavy requests at once, with the default limits: thin 4M-pixel pictures, large
    /// JSON bodies and a big cross-duplicates answer. Each gets an answer (200, or 503/413 from
    /// the budgets), the server's peak resident memory above idle stays within the documented
    /// total (2 GB), and afterwards an ordinary image is hashed at once.
    func testAMixOfHeavyRequestsStaysWithinTheDocumentedTotal() throws {
        try E2E.skipLoadTestUnderASan()
        let server = try startServer([])
        let c = try server.client(timeout: 600)
        try fillEqual(c, "a", count: 1500, phash: Self.phash, blockmean: Self.blockmean)
        try fillEqual(c, "b", count: 1500, phash: Self.phash, blockmean: Self.blockmean)
        let thin = root + "/thin.png"
        try ThinImageEndToEndTests.writeGreyPNG(thin, width: 1, height: 4_000_000)
        let thinBytes = Array(try Data(contentsOf: URL(fileURLWithPath: thin)))
        // 120 MB of JSON: a valid query padded with spaces (the body budget holds it, the parser
        // walks it without building anything large).
        let padded = Array("{\"queries\": [{\"phash\": \"\(Self.phash)\"}]".utf8) + [UInt8](repeating: 0x20, count: 120 << 20) + Array("}".utf8)
        let pid = server.process.processIdentifier
        let idle = ProcStatus.rss(pid)
        _ = ProcStatus.resetPeak(pid)

        let statuses = StatusLog()
        let group = DispatchGroup()
        func run(_ what: String, _ request: @escaping () throws -> HTTPResponse) {
            group.enter()
            DispatchQueue.global().async {
                statuses.add(what, (try? request().status) ?? -1)
                group.leave()
            }
        }
        for _ in 0..<4 { run("thin") { try c.request("POST", "/v1/hash", headers: [("Content-Type", "image/png")], body: thinBytes) } }
        for _ in 0..<3 { run("json") { try c.request("POST", "/v1/query", headers: [("Content-Type", "application/json")], body: padded) } }
        run("cross") { try c.get("/v1/cross-duplicates?datasets=a,b") }
        XCTAssertEqual(group.wait(timeout: .now() + 600), .success, "every request answered within 10 minutes")
        let peak = ProcStatus.peak(pid)
        let seen = statuses.all
        for (what, list) in seen {
            XCTAssertTrue(list.allSatisfy { [200, 413, 503].contains($0) }, "\(what): \(list)")
        }
        XCTAssertTrue(seen["thin"]?.contains(200) ?? false, "some thin pictures were hashed: \(seen)")
        XCTAssertEqual(seen["cross"], [200])
        XCTAssertLessThan(peak - idle, 2 << 30, "peak above idle \((peak - idle) >> 20) MB with \(seen)")
        print("mix of heavy requests: peak above idle \((peak - idle) >> 20) MB; statuses \(seen)")
        let small = Array(try Data(contentsOf: E2E.fixtures.appendingPathComponent("images/real/calla.jpg")))
        XCTAssertEqual(try c.request("POST", "/v1/hash", headers: [("Content-Type", "image/jpeg")], body: small).status, 200)
    }

    // MARK: the pixel budget

    func testPixelBudgetRefusesOversizeRequestsAndAdmitsWhatFits() throws {
        // A 4000 x 4000 grey PNG: 16,000,000 pixels from its header, against a budget of 20M.
        let path = root + "/16m.png"
        try ThinImageEndToEndTests.writeGreyPNG(path, width: 4000, height: 4000)
        let big = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let small = Array(try Data(contentsOf: E2E.fixtures.appendingPathComponent("images/real/calla.jpg")))
        let server = try startServer(["--max-inflight-pixels", "20000000", "--max-pixels", "20000000", "--threads", "1"])
        let c = try server.client(timeout: 300)

        // Two of them in one request: 32M pixels, over the budget on their own -> 413.
        var form = MultipartForm()
        form.addFile("a.png", big)
        form.addFile("b.png", big)
        let over = try c.postMultipart("/v1/hash", form)
        XCTAssertEqual(over.status, 413, over.summary)
        XCTAssertTrue(over.text.contains("--max-inflight-pixels"), over.summary)

        // While a request of 16M pixels (plus its small companions) is hashed, another 16M does
        // not fit: 503 with Retry-After, before any of its pixels are decoded.
        var slow = MultipartForm()
        slow.addFile("big.png", big)
        for n in 0..<8 { slow.addFile("small\(n).jpg", small) }
        let first = try c.connect()
        XCTAssertTrue(first.send(HTTPClient.requestBytes("POST", "/v1/hash", headers: [("Content-Type", slow.contentType)],
                                                          body: slow.body, port: c.port)))
        // Wait until the first request is admitted (its images wait in the queue: /metrics).
        let admitted = Date().addingTimeInterval(30)
        while Date() < admitted {
            let metrics = try c.get("/metrics").text
            let depth = metrics.split(separator: "\n").first { $0.hasPrefix("crosshash_queue_depth ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            if depth > 0 { break }
            usleep(5_000)
        }
        var saw503 = false
        for _ in 0..<20 where !saw503 {
            let second = try c.request("POST", "/v1/hash", headers: [("Content-Type", "image/png")], body: big)
            if second.status == 503 {
                saw503 = true
                XCTAssertNotNil(second.header("retry-after"), second.summary)
                XCTAssertTrue(second.text.contains("--max-inflight-pixels"), second.summary)
            } else {
                XCTAssertEqual(second.status, 200, second.summary)
            }
        }
        XCTAssertTrue(saw503, "a second 16M-pixel image while one is hashed must not fit a 20M-pixel budget")
        let answer = try first.readResponse()
        XCTAssertEqual(answer.status, 200, answer.summary)
        XCTAssertEqual((answer.object["images"] as? [[String: Any]])?.filter { $0["phash"] != nil }.count, 9)
        first.close()
        // Once it is done the same image fits again, and gives the CLI's hashes.
        let alone = try c.request("POST", "/v1/hash", headers: [("Content-Type", "image/png")], body: big)
        XCTAssertEqual(alone.status, 200, alone.summary)
        let cli = try E2E.run(["hash", "--json", "--device", "cpu", path])
        let cliHash = (try? JSONSerialization.jsonObject(with: Data(cli.text.utf8)) as? [String: Any])?["phash"] as? String
        XCTAssertEqual((alone.object["images"] as? [[String: Any]])?.first?["phash"] as? String, cliHash)
    }
}

/// Statuses of concurrent requests, by kind.
final class StatusLog: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses = [String: [Int]]()

    func add(_ what: String, _ status: Int) {
        lock.lock()
        statuses[what, default: []].append(status)
        lock.unlock()
    }

    var all: [String: [Int]] {
        lock.lock()
        defer { lock.unlock() }
        return statuses
    }
}
