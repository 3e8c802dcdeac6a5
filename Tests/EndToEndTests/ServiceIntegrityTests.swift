import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16, items 8, 9, 11 and 12, on a real `crosshash serve` with a real SQLite store on
/// 127.0.0.1: error details name nothing outside what the client sent (no resolved paths, no
/// store path, the same 403 whether an outside folder exists or not); a deleted dataset never
/// comes back from a scan; a delete during an upload is 404, never 500; a full disk is 507 and
/// the server recovers; uploads to a folder-backed dataset are refused with 409.
final class ServiceIntegrityTests: XCTestCase {
    var root = ""
    var servers = [ServerProcess]()
    var mounted = [String]()

    override func setUpWithError() throws {
        _ = try E2E.binary()
        root = try E2E.tempDir("integrity")
    }

    override func tearDownWithError() throws {
        for s in servers where s.isRunning { s.kill9() }
        servers.removeAll()
        for dir in mounted { _ = Self.command("/bin/umount", ["-l", dir]) }
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: Helpers

    var defaultStore: String { root + "/state/store.sqlite" }

    func startServer(_ args: [String] = [], store: String? = nil) throws -> ServerProcess {
        let server = try ServerProcess(["--device", "cpu", "--store", store ?? defaultStore] + args)
        servers.append(server)
        try server.waitReady()
        return server
    }

    func bytes(_ fixture: String) throws -> [UInt8] {
        Array(try Data(contentsOf: E2E.fixtures.appendingPathComponent("images/" + fixture)))
    }

    func makeManyFiles(_ count: Int, in folder: String) throws {
        let png = try Data(contentsOf: E2E.fixtures.appendingPathComponent("images/edge/square_256.png"))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for i in 0..<count {
            try (png + Data("crosshash-integrity-\(i)".utf8)).write(to: URL(fileURLWithPath: "\(folder)/img\(i).png"))
        }
    }

    /// The problem document's detail, after checking status and media type.
    @discardableResult
    func problem(_ r: HTTPResponse, _ status: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        XCTAssertEqual(r.status, status, "\(what): \(r.summary)", file: file, line: line)
        XCTAssertTrue(r.contentType.hasPrefix("application/problem+json"), "\(what): \(r.summary)", file: file, line: line)
        let detail = r.object["detail"] as? String ?? ""
        XCTAssertFalse(detail.isEmpty, "\(what): no detail in \(r.summary)", file: file, line: line)
        return detail
    }

    func names(_ c: HTTPClient) throws -> [String] {
        let r = try c.get("/v1/datasets")
        XCTAssertEqual(r.status, 200, r.summary)
        return (r.object["datasets"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "?" }
    }

    func waitJob(_ c: HTTPClient, _ id: String, timeout: TimeInterval = 300) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last = [String: Any]()
        while Date() < deadline {
            last = try c.get("/v1/jobs/\(id)").object
            if last["state"] as? String == "done" || last["state"] as? String == "failed" { return last }
            usleep(50_000)
        }
        XCTFail("job \(id) did not end within \(Int(timeout)) s: \(last)")
        return last
    }

    func startScan(_ c: HTTPClient, _ dataset: String) throws -> String {
        let r = try c.request("POST", "/v1/datasets/\(dataset)/scan")
        XCTAssertEqual(r.status, 202, r.summary)
        return try XCTUnwrap(r.object["job"] as? String, r.summary)
    }

    /// Runs a program, returning its status (nil when it cannot be started) and output.
    @discardableResult
    static func command(_ path: String, _ args: [String]) -> (status: Int32?, output: String) {
        guard FileManager.default.isExecutableFile(atPath: path) else { return (nil, "") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        guard (try? p.run()) != nil else { return (nil, "") }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// Runs SQL on the store from another process (sqlite3, or Python's sqlite3 module); false when
    /// neither is there.
    func sql(_ store: String, _ statement: String) -> Bool {
        if Self.command("/usr/bin/sqlite3", [store, statement]).status == 0 { return true }
        for python in ["/usr/bin/python3", "/usr/local/bin/python3"] {
            let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()"
            if Self.command(python, ["-c", script, store, statement]).status == 0 { return true }
        }
        return false
    }

    // MARK: 8. Paths do not leak

    func testRootsOutsideAreOneForbiddenAnswerAndNoDetailNamesAServerPath() throws {
        let allowed = root + "/allowed", outside = root + "/outside"
        try FileManager.default.createDirectory(atPath: allowed + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside + "/inner", withIntermediateDirectories: true)
        try E2E.copy("real/calla.jpg", to: allowed + "/a/calla.jpg")
        XCTAssertEqual(symlink(outside, allowed + "/link_out"), 0)
        XCTAssertEqual(symlink(outside + "/missing", allowed + "/dangling_out"), 0)
        let server = try startServer(["--root", allowed])
        let c = try server.client()
        let cwd = FileManager.default.currentDirectoryPath

        // Outside every --root, existing or not, directly or through a link or /proc: one answer.
        let outsiders = [
            outside, outside + "/inner", outside + "/missing", outside + "/missing/deeper", "/etc", "/no/such/folder",
            "/", allowed + "/../outside", allowed + "/../no-such", allowed + "/link_out", allowed + "/link_out/inner",
            allowed + "/link_out/missing", allowed + "/dangling_out", "/proc/self/cwd", "/proc/self/root/etc",
            allowed + "/a/calla.jpg/../../../outside",
        ]
        var shapes = Set<String>()
        for path in outsiders {
            let detail = problem(try c.putJSON("/v1/datasets/g", ["root": path]), 403, "root \(path)")
            let shape = detail.replacingOccurrences(of: path, with: "<ROOT>")
            shapes.insert(shape)
            for secret in [outside, cwd, "resolved", allowed] where !path.contains(secret) {
                XCTAssertFalse(shape.contains(secret), "root \(path): detail '\(detail)' names '\(secret)'")
            }
        }
        XCTAssertEqual(shapes.count, 1, "every outside root gets the same detail: \(shapes.sorted())")
        XCTAssertEqual(try names(c), [], "nothing was created")

        // A NUL byte is refused, not taken as the path before it.
        let nul = try c.postJSONText("/v1/datasets/g", "{\"root\": \"\(allowed)/a\\u0000/etc\"}", method: "PUT")
        problem(nul, 400, "root with a NUL byte")
        XCTAssertEqual(try names(c), [], "a NUL root created nothing")

        // Inside a root the client may be told what is missing or not a folder.
        XCTAssertTrue(problem(try c.putJSON("/v1/datasets/g", ["root": allowed + "/missing"]), 400, "missing inside").contains("does not exist"))
        XCTAssertTrue(problem(try c.putJSON("/v1/datasets/g", ["root": allowed + "/a/calla.jpg"]), 400, "file inside").contains("is not a folder"))
        XCTAssertEqual(try c.putJSON("/v1/datasets/g", ["root": allowed + "/a"]).status, 201)
        server.stop()
    }

    func testStoreFaultsAndFailedJobsNameNoStorePath() throws {
        let allowed = root + "/allowed"
        try FileManager.default.createDirectory(atPath: allowed + "/d", withIntermediateDirectories: true)
        try E2E.copy("real/calla.jpg", to: allowed + "/d/calla.jpg")
        try E2E.copy("real/city.png", to: allowed + "/d/city.png")
        let server = try startServer(["--root", allowed])
        let c = try server.client()
        XCTAssertEqual(try c.putJSON("/v1/datasets/d", ["root": allowed + "/d"]).status, 201)
        XCTAssertEqual(try waitJob(c, try startScan(c, "d"))["state"] as? String, "done")

        // Damage a row from outside (as a disk fault or another program would): reads of it fail.
        guard sql(defaultStore, "UPDATE file SET digest = X'00'") else {
            throw XCTSkip("neither sqlite3 nor python3 with sqlite3 is available to damage the store")
        }
        let r = try c.get("/v1/datasets/d")
        let detail = problem(r, 500, "a damaged row")
        XCTAssertFalse(detail.contains(root), "the 500 names the store's folder: \(detail)")
        XCTAssertFalse(detail.contains("store.sqlite"), "the 500 names the store: \(detail)")
        let incident = detail.split(whereSeparator: { !$0.isHexDigit }).first { $0.count == 8 }.map(String.init)
        XCTAssertNotNil(incident, "the 500 gives an incident id: \(detail)")
        if let incident {
            // The log line is written just before the answer; the reader thread may lag behind.
            let deadline = Date().addingTimeInterval(10)
            while !(server.stderr.contains(incident) && server.stderr.contains("store.sqlite")) && Date() < deadline { usleep(50_000) }
            XCTAssertTrue(server.stderr.contains(incident), "the incident \(incident) is in the server's log: \(server.stderr.suffix(2000))")
            XCTAssertTrue(server.stderr.contains("store.sqlite"), "the log has the real error: \(server.stderr.suffix(2000))")
        }

        // A scan that hits the damage fails; its error names no store path either.
        let job = try waitJob(c, try startScan(c, "d"))
        XCTAssertEqual(job["state"] as? String, "failed", "\(job)")
        let error = job["error"] as? String ?? ""
        XCTAssertFalse(error.isEmpty, "\(job)")
        XCTAssertFalse(error.contains(root) || error.contains("store.sqlite"), "the failed job names the store: \(error)")
        XCTAssertEqual(try c.get("/healthz").status, 200)
        server.stop()
    }

    // MARK: 9. A deleted dataset stays deleted

    func testDeletingADatasetCancelsItsScansAndItNeverComesBack() throws {
        let allowed = root + "/allowed"
        try makeManyFiles(1500, in: allowed + "/big")
        try FileManager.default.createDirectory(atPath: allowed + "/small", withIntermediateDirectories: true)
        try E2E.copy("real/calla.jpg", to: allowed + "/small/calla.jpg")
        let server = try startServer(["--root", allowed, "--threads", "1"])
        let c = try server.client()
        XCTAssertEqual(try c.putJSON("/v1/datasets/big", ["root": allowed + "/big"]).status, 201)
        XCTAssertEqual(try c.putJSON("/v1/datasets/victim", ["root": allowed + "/small"]).status, 201)
        XCTAssertEqual(try c.request("PUT", "/v1/datasets/kept").status, 201)

        let bigJob = try startScan(c, "big")
        let victimJob = try startScan(c, "victim")
        let queued = try c.get("/v1/jobs/\(victimJob)").object
        XCTAssertEqual(queued["state"] as? String, "queued", "the victim's scan waits behind the big one: \(queued)")
        XCTAssertEqual(try c.request("DELETE", "/v1/datasets/victim").status, 204)

        // The big scan is deleted while it runs (once it has started writing).
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, (try c.get("/v1/jobs/\(bigJob)").object["done"] as? Int ?? 0) < 50 { usleep(20_000) }
        let running = try c.get("/v1/jobs/\(bigJob)").object
        XCTAssertEqual(running["state"] as? String, "running", "the big scan still runs when deleted: \(running)")
        XCTAssertEqual(try c.request("DELETE", "/v1/datasets/big").status, 204)

        let big = try waitJob(c, bigJob)
        XCTAssertEqual(big["state"] as? String, "failed", "a scan of a deleted dataset stops: \(big)")
        XCTAssertTrue((big["error"] as? String ?? "").contains("deleted"), "\(big)")
        let victim = try waitJob(c, victimJob)
        XCTAssertEqual(victim["state"] as? String, "failed", "a queued scan of a deleted dataset never runs: \(victim)")
        XCTAssertTrue((victim["error"] as? String ?? "").contains("deleted"), "\(victim)")

        for (what, client) in [("now", c)] {
            XCTAssertEqual(try names(client), ["kept"], what)
            XCTAssertEqual(try client.get("/v1/datasets/victim").status, 404, what)
            XCTAssertEqual(try client.get("/v1/datasets/big").status, 404, what)
        }
        server.stop()

        let restarted = try startServer(["--root", allowed])
        let r = try restarted.client()
        XCTAssertEqual(try names(r), ["kept"], "after a restart on the same store")
        XCTAssertEqual(try r.get("/v1/datasets/victim").status, 404)
        // The same names can be created again, empty.
        let again = try r.putJSON("/v1/datasets/victim", ["root": allowed + "/small"])
        XCTAssertEqual(again.status, 201, again.summary)
        XCTAssertEqual(again.object["images"] as? Int, 0, again.summary)
        restarted.stop()
    }

    // MARK: 11. No 500 for a delete during an upload; a full disk is 507

    func testDeleteWhileAnUploadIsHashedIsNotFoundAndStoresNothing() throws {
        let server = try startServer(["--threads", "1", "--queue-images", "64"])
        let c = try server.client()
        XCTAssertEqual(try c.request("PUT", "/v1/datasets/up").status, 201)
        var form = MultipartForm()
        let big = try bytes("large/smooth_9000x7000.jpg")
        for i in 0..<3 { form.addFile("big\(i).jpg", big) }
        let request = HTTPClient.requestBytes("POST", "/v1/datasets/up/images", headers: [("Content-Type", form.contentType)],
                                              body: form.body, port: c.port)
        let conn = try HTTPConnection(port: c.port, timeout: 600)
        XCTAssertTrue(conn.send(request))
        // Waits (bounded) until the images are in the hashing queue: the delete then comes while
        // they are hashed.
        let deadline = Date().addingTimeInterval(120)
        var depth = 0
        while Date() < deadline, depth == 0 {
            let metrics = try c.get("/metrics").text.split(separator: "\n")
            depth = metrics.first { $0.hasPrefix("crosshash_queue_depth ") }.flatMap { Int(Double($0.split(separator: " ").last ?? "") ?? 0) } ?? 0
            if depth == 0 { usleep(10_000) }
        }
        XCTAssertGreaterThan(depth, 0, "the upload never reached the hashing queue")
        let deleted = try c.request("DELETE", "/v1/datasets/up")
        XCTAssertEqual(deleted.status, 204, deleted.summary)
        let r = try conn.readResponse()
        XCTAssertNotEqual(r.status, 500, r.summary)
        XCTAssertEqual(r.status, 404, "the upload ended before the delete; make it longer: \(r.summary)")
        if r.status == 404 { XCTAssertTrue(problem(r, 404, "upload").contains("deleted"), r.summary) }

        XCTAssertEqual(try names(c), [])
        XCTAssertEqual(try c.get("/v1/datasets/up").status, 404)
        let again = try c.request("PUT", "/v1/datasets/up")
        XCTAssertEqual(again.status, 201, again.summary)
        XCTAssertEqual(again.object["images"] as? Int, 0, "nothing of the upload was stored: \(again.summary)")
        server.stop()

        let restarted = try startServer()
        XCTAssertEqual(try restarted.client().get("/v1/datasets/up").object["images"] as? Int, 0)
        restarted.stop()
    }

    /// `items` of precomputed hashes, distinct so each adds a content row.
    func items(_ count: Int, from start: Int) -> [[String: String]] {
        (start..<(start + count)).map { i in
            let phash = String(format: "%016llx", UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
            let block = String(repeating: String(format: "%016llx", UInt64(i) &* 0xC2B2_AE3D_27D4_EB4F), count: 4)
            return ["file": "f\(i).jpg", "phash": phash, "blockmean": block]
        }
    }

    func testFullDiskIs507WithoutAPathAndWritesResumeAfterSpaceIsFreed() throws {
        let disk = root + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk])
        guard mount.status == 0 else { throw XCTSkip("skipped: mounting a tmpfs was refused (\(mount.output.trimmingCharacters(in: .whitespacesAndNewlines)))") }
        mounted.append(disk)
        let store = disk + "/store.sqlite"
        let server = try startServer([], store: store)
        let c = try server.client()
        XCTAssertEqual(try c.request("PUT", "/v1/datasets/fill").status, 201)
        // Room made later by removing this.
        let filler = disk + "/filler"
        try Data(count: 512 << 10).write(to: URL(fileURLWithPath: filler))

        var sent = 0, full: HTTPResponse?
        for _ in 0..<200 {
            let r = try c.postJSON("/v1/datasets/fill/images", ["items": items(500, from: sent)])
            if r.status != 200 { full = r; break }
            sent += 500
        }
        let r = try XCTUnwrap(full, "2 MB never filled up after \(sent) items")
        let detail = problem(r, 507, "a full disk")
        XCTAssertTrue(detail.contains("full"), detail)
        XCTAssertFalse(detail.contains(disk) || detail.contains("store.sqlite") || detail.contains(root), "the 507 names a path: \(detail)")
        XCTAssertGreaterThan(sent, 0, "some uploads fit first")

        // Reads still work, and a multipart upload is refused the same way.
        XCTAssertEqual(try c.get("/healthz").status, 200)
        let stored = try c.get("/v1/datasets/fill")
        XCTAssertEqual(stored.status, 200, stored.summary)
        XCTAssertEqual(stored.object["images"] as? Int, sent, "what was answered 200 is there, nothing else: \(stored.summary)")
        let q = try c.postJSON("/v1/query", ["queries": [items(1, from: 0)[0].filter { $0.key != "file" }], "thresholds": ["phash": 0, "blockmean": 0]])
        XCTAssertEqual(q.status, 200, q.summary)
        var form = MultipartForm()
        form.addFile("calla.jpg", try bytes("real/calla.jpg"))
        for i in 0..<20 { form.addFile("more\(i).jpg", try bytes("real/calla.jpg") + Array("x\(i)".utf8)) }
        let more = try c.postMultipart("/v1/datasets/fill/images", form)
        XCTAssertTrue(more.status == 507 || more.status == 200, more.summary)
        if more.status == 507 { XCTAssertFalse(problem(more, 507, "multipart on a full disk").contains(disk)) }

        // Space freed: writes work again.
        try FileManager.default.removeItem(atPath: filler)
        let after = try c.postJSON("/v1/datasets/fill/images", ["items": items(100, from: 1_000_000)])
        XCTAssertEqual(after.status, 200, "after freeing space: \(after.summary)")
        XCTAssertEqual(try c.get("/healthz").status, 200)
        server.stop()
    }

    // MARK: 12. A dataset is either folder-backed or upload-backed

    func testUploadsToARootedDatasetAndRootsOnUploadedDatasetsAreConflicts() throws {
        let allowed = root + "/allowed"
        try FileManager.default.createDirectory(atPath: allowed + "/r", withIntermediateDirectories: true)
        try E2E.copy("real/calla.jpg", to: allowed + "/r/calla.jpg")
        let server = try startServer(["--root", allowed])
        let c = try server.client()
        XCTAssertEqual(try c.putJSON("/v1/datasets/r", ["root": allowed + "/r"]).status, 201)
        XCTAssertEqual(try waitJob(c, try startScan(c, "r"))["state"] as? String, "done")

        var form = MultipartForm()
        form.addFile("goldfish.jpg", try bytes("real/goldfish.jpg"))
        let up = try c.postMultipart("/v1/datasets/r/images", form)
        XCTAssertTrue(problem(up, 409, "multipart upload to a rooted dataset").contains("scan"), up.summary)
        let hashes = try c.postJSON("/v1/datasets/r/images", ["items": items(1, from: 7)])
        problem(hashes, 409, "hashes sent to a rooted dataset")
        XCTAssertEqual(try c.get("/v1/datasets/r").object["images"] as? Int, 1, "nothing was stored")
        XCTAssertEqual(try waitJob(c, try startScan(c, "r"))["state"] as? String, "done")
        XCTAssertEqual(try c.get("/v1/datasets/r").object["images"] as? Int, 1)

        // An upload-backed dataset keeps its uploads: it cannot get a root.
        XCTAssertEqual(try c.request("PUT", "/v1/datasets/u").status, 201)
        XCTAssertEqual(try c.postMultipart("/v1/datasets/u/images", form).status, 200)
        let rooting = try c.putJSON("/v1/datasets/u", ["root": allowed + "/r"])
        problem(rooting, 409, "a root on a dataset with uploads")
        let u = try c.get("/v1/datasets/u")
        XCTAssertTrue(u.object["root"] is NSNull, u.summary)
        XCTAssertEqual(u.object["images"] as? Int, 1, u.summary)
        // An empty dataset may still get one.
        XCTAssertEqual(try c.request("PUT", "/v1/datasets/e").status, 201)
        XCTAssertEqual(try c.putJSON("/v1/datasets/e", ["root": allowed + "/r"]).status, 200)
        server.stop()
    }
}
