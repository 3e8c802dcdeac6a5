import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `crosshash serve` through the real binary and real sockets on 127.0.0.1: hashing, datasets,
/// uploads, queries, scans, cross-duplicates against `crosshash analyze`, API keys, operations
/// routes, hostile HTTP, SIGKILL and SIGTERM. Expected hashes come from Tests/Fixtures/expected.json
/// or from the CLI on the same files, never from this file.
final class ServiceEndToEndTests: XCTestCase {
    var root = ""
    var expected = [String: [String: Any]]()
    var servers = [ServerProcess]()

    override func setUpWithError() throws {
        _ = try E2E.binary()
        root = try E2E.tempDir("serve")
        expected = try E2E.expected()
    }

    override func tearDownWithError() throws {
        for s in servers where s.isRunning { s.kill9() }
        servers.removeAll()
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: Helpers

    var defaultStore: String { root + "/state/store.sqlite" }

    /// Starts a server (CPU engine, a store in this test's folder unless `store` is nil) and waits
    /// until /readyz says ready. It is killed in tearDown whatever happens.
    func startServer(_ args: [String] = [], store: String? = "", ready: Bool = true) throws -> ServerProcess {
        var storeArgs = [String]()
        if let store { storeArgs = ["--store", store.isEmpty ? defaultStore : store] }
        let server = try ServerProcess(["--device", "cpu"] + storeArgs + args)
        servers.append(server)
        if ready { try server.waitReady() }
        return server
    }

    func bytes(_ fixture: String) throws -> [UInt8] {
        Array(try Data(contentsOf: E2E.fixtures.appendingPathComponent("images/" + fixture)))
    }

    func ref(_ fixture: String, _ family: String = "phash") -> String {
        expected[fixture]?[family] as? String ?? "missing \(family) of \(fixture) in expected.json"
    }

    /// `crosshash hash --json` on fixture files: fixture -> its JSON object (phash/blockmean or error).
    func cliHash(_ fixtures: [String]) throws -> [String: [String: String]] {
        let paths = fixtures.map { E2E.fixtures.appendingPathComponent("images/" + $0).path }
        let r = try E2E.run(["hash", "--json"] + paths)
        XCTAssertEqual(r.status, 0, r.stderr)
        var out = [String: [String: String]]()
        for line in r.text.split(separator: "\n") {
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], String(line))
            if let i = paths.firstIndex(of: obj["file"] ?? "") { out[fixtures[i]] = obj }
        }
        XCTAssertEqual(out.count, fixtures.count, r.text)
        return out
    }

    /// An RFC 9457 problem: the status, application/problem+json, type/title/status/detail
    /// (detail containing `fragment` when given). Returns the detail.
    @discardableResult
    func assertProblem(_ r: HTTPResponse, _ status: Int, _ fragment: String? = nil, _ what: String = "",
                       instance: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> String {
        XCTAssertEqual(r.status, status, "\(what): \(r.summary)", file: file, line: line)
        XCTAssertTrue(r.contentType.lowercased().hasPrefix("application/problem+json"),
                      "\(what): Content-Type '\(r.contentType)' of \(r.summary)", file: file, line: line)
        let p = r.object
        XCTAssertEqual(p["status"] as? Int, status, "\(what): \(r.summary)", file: file, line: line)
        XCTAssertEqual(p["type"] as? String, "about:blank", "\(what): \(r.summary)", file: file, line: line)
        XCTAssertFalse((p["title"] as? String ?? "").isEmpty, "\(what): no title in \(r.summary)", file: file, line: line)
        let detail = p["detail"] as? String ?? ""
        XCTAssertFalse(detail.isEmpty, "\(what): no detail in \(r.summary)", file: file, line: line)
        if let fragment {
            XCTAssertTrue(detail.contains(fragment), "\(what): detail '\(detail)' lacks '\(fragment)'", file: file, line: line)
        }
        if let instance, let given = p["instance"] as? String {
            XCTAssertEqual(given, instance, "\(what): instance", file: file, line: line)
        }
        return detail
    }

    func assertStatus(_ r: HTTPResponse, _ status: Int, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, "\(what): \(r.summary)", file: file, line: line)
        if status != 204 {
            XCTAssertTrue(r.contentType.lowercased().hasPrefix("application/json"), "\(what): Content-Type '\(r.contentType)'", file: file, line: line)
        }
    }

    /// GET /healthz answers 200 and the process still runs.
    func assertAlive(_ server: ServerProcess, after what: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = try? server.client(timeout: 20).get("/healthz")
        XCTAssertEqual(r?.status, 200, "after \(what): \(r?.summary ?? "no answer"); stderr tail:\n\(server.stderr.suffix(3000))",
                       file: file, line: line)
        XCTAssertTrue(server.isRunning, "the server died after \(what)", file: file, line: line)
    }

    func realpath(_ path: String) -> String {
        guard let r = Glibc.realpath(path, nil) else { return path }
        defer { free(r) }
        return String(cString: r)
    }

    func copyLayout(_ files: [(String, String)], into dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (key, fixture) in files { try E2E.copy(fixture, to: dir + "/" + key) }
    }

    /// POST /v1/datasets/NAME/scan, then GET /v1/jobs/ID until done or failed (bounded); the final job.
    @discardableResult
    func scan(_ c: HTTPClient, _ dataset: String, timeout: TimeInterval = 120, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let r = try c.request("POST", "/v1/datasets/\(dataset)/scan")
        assertStatus(r, 202, "scan \(dataset)", file: file, line: line)
        let id = try XCTUnwrap(jobID(r.object), "no job id: \(r.summary)", file: file, line: line)
        XCTAssertEqual(r.object["state"] as? String, "queued", r.summary, file: file, line: line)
        XCTAssertEqual(r.header("location"), "/v1/jobs/\(id)", "Location of \(r.summary)", file: file, line: line)
        let job = try waitJob(c, id, timeout: timeout, file: file, line: line)
        XCTAssertEqual(job["state"] as? String, "done", "\(job)", file: file, line: line)
        XCTAssertEqual(job["dataset"] as? String, dataset, "\(job)", file: file, line: line)
        return job
    }

    func jobID(_ obj: [String: Any]) -> String? {
        if let s = obj["job"] as? String { return s }
        if let n = obj["job"] as? Int { return String(n) }
        return nil
    }

    func waitJob(_ c: HTTPClient, _ id: String, timeout: TimeInterval, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last = [String: Any]()
        while Date() < deadline {
            let r = try c.get("/v1/jobs/\(id)")
            assertStatus(r, 200, "job \(id)", file: file, line: line)
            last = r.object
            XCTAssertEqual(jobID(last), id, file: file, line: line)
            let state = last["state"] as? String ?? "?"
            XCTAssertTrue(["queued", "running", "done", "failed"].contains(state), "job state '\(state)'", file: file, line: line)
            if state == "done" || state == "failed" || r.status != 200 { return last }
            usleep(100_000)
        }
        XCTFail("job \(id) not done within \(Int(timeout)) s: \(last)", file: file, line: line)
        return last
    }

    func int(_ obj: [String: Any], _ key: String) -> Int { obj[key] as? Int ?? -1 }

    // MARK: 1. POST /v1/hash

    func testHashRawAndMultipartEqualTheCLI() throws {
        let fixtures = ["real/calla.jpg", "real/city.png", "real/rhythm.png", "real/focal_ubuntukylin_gray.jpg",
                        "jpeg/progressive.jpg", "jpeg/cmyk_adobe.jpg", "jpeg/odd_101x77_422.jpg",
                        "png/pal8_trns.png", "png/adam7_rgba16.png", "png/gray16.png"]
        let bad = ["hostile/README.txt", "hostile/bomb_60000x60000.png", "hostile/truncated_scan.jpg"]
        let cli = try cliHash(fixtures + bad + ["hostile/corrupt_header_garbage.jpg"])
        for f in fixtures {
            XCTAssertEqual(cli[f]?["phash"], ref(f), "the CLI itself agrees with the reference: \(f)")
            XCTAssertEqual(cli[f]?["blockmean"], ref(f, "blockmean"), f)
        }
        let server = try startServer()
        XCTAssertEqual(server.stderr.components(separatedBy: ServerProcess.listeningPrefix).count - 1, 1,
                       "exactly one listening line: \(server.stderr)")
        let c = try server.client()

        // Raw bodies, one image each.
        for (i, f) in fixtures.enumerated() {
            let name = "n\(i)_" + (f as NSString).lastPathComponent
            let type = i % 3 == 0 ? "application/octet-stream" : (f.hasSuffix(".png") ? "image/png" : "image/jpeg")
            let r = try c.request("POST", "/v1/hash?name=\(name)", headers: [("Content-Type", type)], body: try bytes(f))
            assertStatus(r, 200, f)
            let images = r.object["images"] as? [[String: Any]] ?? []
            XCTAssertEqual(images.count, 1, r.summary)
            XCTAssertEqual(images.first?["name"] as? String, name, r.summary)
            XCTAssertEqual(images.first?["phash"] as? String, cli[f]?["phash"], f)
            XCTAssertEqual(images.first?["blockmean"] as? String, cli[f]?["blockmean"], f)
        }
        let unnamed = try c.request("POST", "/v1/hash", headers: [("Content-Type", "image/png")], body: try bytes("real/desert.png"))
        assertStatus(unnamed, 200, "no ?name")
        let unnamedImage = (unnamed.object["images"] as? [[String: Any]])?.first
        XCTAssertEqual(unnamedImage?["name"] as? String, "image", unnamed.summary)
        XCTAssertEqual(unnamedImage?["phash"] as? String, ref("real/desert.png"))

        // Multipart: every part one image, in part order; a part without filename takes its form name.
        var form = MultipartForm()
        for f in fixtures { form.addFile(f.replacingOccurrences(of: "/", with: "_"), try bytes(f)) }
        form.add(name: "formfield", filename: nil, contentType: "image/png", data: try bytes("real/city.png"))
        let multi = try c.postMultipart("/v1/hash", form)
        assertStatus(multi, 200, "multipart")
        let images = multi.object["images"] as? [[String: Any]] ?? []
        XCTAssertEqual(images.map { $0["name"] as? String ?? "?" }, fixtures.map { $0.replacingOccurrences(of: "/", with: "_") } + ["formfield"])
        for (f, image) in zip(fixtures + ["real/city.png"], images) {
            XCTAssertEqual(image["phash"] as? String, cli[f]?["phash"], f)
            XCTAssertEqual(image["blockmean"] as? String, cli[f]?["blockmean"], f)
            XCTAssertNil(image["error"], f)
        }

        // A raw image that cannot be hashed: 422 with the decoder's message, the CLI's text.
        for f in bad {
            let r = try c.request("POST", "/v1/hash?name=x", headers: [("Content-Type", "application/octet-stream")], body: try bytes(f))
            assertProblem(r, 422, cli[f]?["error"] ?? "?", f, instance: "/v1/hash")
        }
        let bomb = try c.request("POST", "/v1/hash", headers: [("Content-Type", "image/png")], body: try bytes("hostile/bomb_60000x60000.png"))
        assertProblem(bomb, 422, "over the limit of 178956970 (--max-pixels)", "bomb")
        let text = try c.request("POST", "/v1/hash", headers: [("Content-Type", "image/jpeg")], body: try bytes("hostile/README.txt"))
        assertProblem(text, 422, "not an image", "text file")

        // Multipart mixing good and bad parts: 200, an error entry per bad part, warnings kept.
        var mixed = MultipartForm()
        let mixedFiles = ["real/calla.jpg", "hostile/README.txt", "hostile/bomb_60000x60000.png", "real/city.png",
                          "hostile/truncated_scan.jpg", "hostile/corrupt_header_garbage.jpg"]
        for f in mixedFiles { mixed.addFile((f as NSString).lastPathComponent, try bytes(f)) }
        let m = try c.postMultipart("/v1/hash", mixed)
        assertStatus(m, 200, "mixed multipart")
        let entries = m.object["images"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.map { $0["name"] as? String ?? "?" }, mixedFiles.map { ($0 as NSString).lastPathComponent }, m.summary)
        if entries.count == mixedFiles.count {
            for (f, e) in zip(mixedFiles, entries) {
                if let message = cli[f]?["error"] {
                    XCTAssertEqual(e["error"] as? String, message, f)
                    XCTAssertNil(e["phash"], f)
                } else {
                    XCTAssertEqual(e["phash"] as? String, ref(f), f)
                    XCTAssertEqual(e["blockmean"] as? String, ref(f, "blockmean"), f)
                    XCTAssertNil(e["error"], f)
                }
            }
            let warnings = entries[5]["warnings"] as? [String] ?? []
            XCTAssertEqual(warnings, ["Corrupt JPEG data: 3 extraneous bytes before marker 0xda"], "\(entries[5])")
            XCTAssertNil(entries[0]["warnings"], "no warnings on a clean image")
        }

        // Multipart without parts: 400.
        assertProblem(try c.postMultipart("/v1/hash", MultipartForm()), 400, nil, "no parts")
        assertProblem(try c.request("POST", "/v1/hash", headers: [("Content-Type", MultipartForm().contentType)]), 400, nil, "empty multipart body")
    }

    // MARK: 2. Datasets

    func testDatasetLifecycleRootsAndNames() throws {
        let allowed = root + "/allowed", outside = root + "/outside"
        try copyLayout([("calla.jpg", "real/calla.jpg")], into: allowed + "/a")
        try copyLayout([("city.png", "real/city.png")], into: allowed + "/b")
        try copyLayout([("secret.png", "real/desert.png")], into: outside)
        XCTAssertEqual(symlink(outside, allowed + "/link_out"), 0)
        XCTAssertEqual(symlink(allowed + "/b", allowed + "/link_in"), 0)
        let server = try startServer(["--root", allowed])
        let c = try server.client()

        let empty = try c.get("/v1/datasets")
        assertStatus(empty, 200, "list")
        XCTAssertEqual((empty.object["datasets"] as? [Any])?.count, 0, empty.summary)

        // Create without root, again (200), then give it a root.
        let created = try c.request("PUT", "/v1/datasets/alpha")
        assertStatus(created, 201, "create alpha")
        XCTAssertEqual(created.object["name"] as? String, "alpha")
        XCTAssertTrue(created.object["root"] is NSNull, "no root yet: \(created.summary)")
        XCTAssertEqual(created.object["images"] as? Int, 0)
        XCTAssertEqual(created.object["errors"] as? Int, 0)
        assertStatus(try c.request("PUT", "/v1/datasets/alpha"), 200, "existing alpha")
        let rooted = try c.putJSON("/v1/datasets/alpha", ["root": allowed + "/a"])
        assertStatus(rooted, 200, "alpha with a root")
        let rootA = rooted.object["root"] as? String
        XCTAssertTrue(rootA == allowed + "/a" || rootA == realpath(allowed + "/a"), rooted.summary)
        assertStatus(try c.putJSON("/v1/datasets/beta", ["root": allowed + "/b"]), 201, "beta")
        assertStatus(try c.putJSON("/v1/datasets/viaLink", ["root": allowed + "/link_in"]), 201, "a link resolving inside --root")
        assertStatus(try c.request("PUT", "/v1/datasets/caf%C3%A9"), 201, "UTF-8 name")

        let list = try c.get("/v1/datasets")
        assertStatus(list, 200, "list")
        let datasets = list.object["datasets"] as? [[String: Any]] ?? []
        XCTAssertEqual(datasets.map { $0["name"] as? String ?? "?" }, ["alpha", "beta", "café", "viaLink"], list.summary)
        for d in datasets {
            XCTAssertNotNil(d["images"] as? Int, "\(d)")
            XCTAssertNotNil(d["errors"] as? Int, "\(d)")
            XCTAssertTrue(d.keys.contains("root"), "\(d)")
        }
        let alpha = try c.get("/v1/datasets/alpha")
        assertStatus(alpha, 200, "get alpha")
        XCTAssertEqual(alpha.object["name"] as? String, "alpha")
        XCTAssertEqual(alpha.object["root"] as? String, rootA)
        for key in ["images", "errors", "warnings"] { XCTAssertEqual(alpha.object[key] as? Int, 0, "\(key): \(alpha.summary)") }
        XCTAssertEqual((alpha.object["problems"] as? [Any])?.count, 0, alpha.summary)

        // Roots outside every --root: 403, and nothing created.
        for (what, path) in [("outside", outside), ("../ escape", allowed + "/../outside"), ("symlink to outside", allowed + "/link_out"),
                             ("/", "/"), ("/tmp", realpath(NSTemporaryDirectory()))] {
            assertProblem(try c.putJSON("/v1/datasets/gamma", ["root": path]), 403, nil, what, instance: "/v1/datasets/gamma")
        }
        assertProblem(try c.putJSON("/v1/datasets/alpha", ["root": outside]), 403, nil, "existing dataset, root outside")
        XCTAssertEqual(try c.get("/v1/datasets/alpha").object["root"] as? String, rootA, "a refused root changes nothing")
        // Not a folder: 400.
        assertProblem(try c.putJSON("/v1/datasets/gamma", ["root": allowed + "/a/calla.jpg"]), 400, nil, "a file as root")
        assertProblem(try c.putJSON("/v1/datasets/gamma", ["root": allowed + "/missing"]), 400, nil, "a missing folder as root")
        assertProblem(try c.postJSONText("/v1/datasets/gamma", "{\"root\": ", method: "PUT"), 400, nil, "malformed JSON body")
        assertProblem(try c.postJSONText("/v1/datasets/gamma", "{\"root\": 42}", method: "PUT"), 400, nil, "root not a string")
        assertProblem(try c.get("/v1/datasets/gamma"), 404, nil, "gamma never created")

        // Unknown datasets: 404 everywhere.
        assertProblem(try c.get("/v1/datasets/nope"), 404, nil, "GET unknown", instance: "/v1/datasets/nope")
        assertProblem(try c.request("DELETE", "/v1/datasets/nope"), 404, nil, "DELETE unknown")
        assertProblem(try c.postJSON("/v1/datasets/nope/images", ["items": [["file": "a.jpg", "phash": ref("real/calla.jpg"),
                                                                             "blockmean": ref("real/calla.jpg", "blockmean")]]]),
                      404, nil, "upload to unknown")
        assertProblem(try c.request("POST", "/v1/datasets/nope/scan"), 404, nil, "scan unknown")
        // A dataset without root cannot be scanned.
        assertProblem(try c.request("POST", "/v1/datasets/caf%C3%A9/scan"), 409, nil, "scan without root")

        // Bad names: 400.
        let longest = String(repeating: "n", count: 200)
        for (what, name) in [(".hidden", ".hidden"), ("dot-dot", "%2E%2E"), ("slash", "a%2Fb"), ("NUL", "a%00b"),
                             ("non-UTF-8", "%E9t%E9"), ("control character", "tab%09name"), ("201 bytes", longest + "n")] {
            assertProblem(try c.request("PUT", "/v1/datasets/" + name), 400, nil, "name \(what)")
        }
        assertStatus(try c.request("PUT", "/v1/datasets/" + longest), 201, "a 200-byte name")

        // DELETE.
        let deleted = try c.request("DELETE", "/v1/datasets/alpha")
        XCTAssertEqual(deleted.status, 204, deleted.summary)
        assertProblem(try c.get("/v1/datasets/alpha"), 404, nil, "deleted")
        let after = try c.get("/v1/datasets").object["datasets"] as? [[String: Any]] ?? []
        XCTAssertEqual(after.map { $0["name"] as? String ?? "?" }, ["beta", "café", longest, "viaLink"])
        assertProblem(try c.request("DELETE", "/v1/datasets/alpha"), 404, nil, "deleted twice")
        server.stop()
    }

    // MARK: 3. Uploads and queries

    struct Stored {
        var dataset: String
        var file: String
        var fixture: String
    }

    /// The matches the spec defines, computed from the reference hashes: an image matches when one
    /// given family is within its threshold; sorted by the sum of distance/bits, dataset, file.
    func expectedMatches(_ stored: [Stored], phash: String?, blockmean: String?, thresholds: (Int, Int),
                         datasets: Set<String>? = nil) -> [(dataset: String, file: String, distances: [String: Int])] {
        var out = [(dataset: String, file: String, distances: [String: Int], key: Int)]()
        for s in stored where datasets?.contains(s.dataset) ?? true {
            var d = [String: Int]()
            var hit = false, key = 0
            if let phash {
                let x = E2E.hamming(phash, ref(s.fixture))
                d["phash"] = x
                hit = hit || x <= thresholds.0
                key += x * 4
            }
            if let blockmean {
                let x = E2E.hamming(blockmean, ref(s.fixture, "blockmean"))
                d["blockmean"] = x
                hit = hit || x <= thresholds.1
                key += x
            }
            if hit { out.append((s.dataset, s.file, d, key)) }
        }
        out.sort { ($0.key, $0.dataset, $0.file) < ($1.key, $1.dataset, $1.file) }
        return out.map { ($0.dataset, $0.file, $0.distances) }
    }

    func assertMatches(_ result: [String: Any], _ expect: [(dataset: String, file: String, distances: [String: Int])], limit: Int = 100,
                       _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let matches = result["matches"] as? [[String: Any]] ?? []
        let got = matches.map { m in
            "\(m["dataset"] as? String ?? "?")/\(m["file"] as? String ?? "?") \((m["distances"] as? [String: Int] ?? [:]).sorted { $0.key < $1.key })"
        }
        let want = expect.prefix(limit).map { "\($0.dataset)/\($0.file) \($0.distances.sorted { $0.key < $1.key })" }
        XCTAssertEqual(got, want, "\(what): \(result)", file: file, line: line)
        XCTAssertEqual(result["truncated"] as? Bool, expect.count > limit, "\(what): truncated", file: file, line: line)
    }

    func testUploadsAreImmediatelyQueryable() throws {
        let server = try startServer()
        let c = try server.client()
        assertStatus(try c.request("PUT", "/v1/datasets/up"), 201)
        assertStatus(try c.request("PUT", "/v1/datasets/other"), 201)
        let cafe: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".jpg".utf8)

        // Multipart upload: keys are file names (a non-UTF-8 one sent as %E9); bad keys are error entries.
        var form = MultipartForm()
        form.addFile("calla.jpg", try bytes("real/calla.jpg"))
        form.addFile("sub/city.png", try bytes("real/city.png"))
        form.add(name: "file", filenameBytes: cafe, data: try bytes("real/goldfish.jpg"))
        form.addFile("notes.txt", try bytes("hostile/README.txt"))
        form.addFile("../escape.jpg", try bytes("real/desert.png"))
        form.addFile("/abs.jpg", try bytes("real/desert.png"))
        form.addFile("a/./b.jpg", try bytes("real/desert.png"))
        let up = try c.postMultipart("/v1/datasets/up/images", form)
        assertStatus(up, 200, "multipart upload")
        XCTAssertTrue(up.text.lowercased().contains("caf\\udce9.jpg"), "non-UTF-8 byte written as \\udce9: \(up.text)")
        let entries = up.object["images"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.map { $0["file"] as? String ?? "?" },
                       ["calla.jpg", "sub/city.png", TestJSON.key(cafe), "notes.txt", "../escape.jpg", "/abs.jpg", "a/./b.jpg"], up.summary)
        if entries.count == 7 {
            for (i, f) in ["real/calla.jpg", "real/city.png", "real/goldfish.jpg"].enumerated() {
                XCTAssertEqual(entries[i]["phash"] as? String, ref(f), f)
                XCTAssertEqual(entries[i]["blockmean"] as? String, ref(f, "blockmean"), f)
            }
            for i in 3..<7 {
                XCTAssertFalse((entries[i]["error"] as? String ?? "").isEmpty, "\(entries[i])")
                XCTAssertNil(entries[i]["phash"], "\(entries[i])")
            }
            XCTAssertTrue((entries[3]["error"] as? String ?? "").contains("not an image"), "\(entries[3])")
        }
        XCTAssertEqual(up.object["added"] as? Int, 3, up.summary)

        // Precomputed hashes as JSON, one key given as a surrogate escape.
        let items: (String, String) -> String = { file, fixture in
            "{\"file\": \"\(file)\", \"phash\": \"\(self.ref(fixture))\", \"blockmean\": \"\(self.ref(fixture, "blockmean"))\"}"
        }
        let pre = try c.postJSONText("/v1/datasets/up/images", "{\"items\": [\(items("pre/mouse.jpg", "real/the_mouse.jpg")), "
                                     + "\(items("pre/string.jpg", "real/string.jpg")), \(items("pr\\udce8.jpg", "real/sway_1920.jpg"))]}")
        assertStatus(pre, 200, "JSON items")
        XCTAssertEqual(pre.object["added"] as? Int, 3, pre.summary)
        let other = try c.postJSONText("/v1/datasets/other/images", "{\"items\": [\(items("x.jpg", "real/calla.jpg")), "
                                       + "\(items("y.png", "real/desert.png")), \(items("z.jpg", "real/rollpaper.jpg"))]}")
        assertStatus(other, 200, "JSON items, other")
        XCTAssertEqual(other.object["added"] as? Int, 3, other.summary)

        // Invalid items: 400 naming the item, nothing stored.
        let badHex = try c.postJSONText("/v1/datasets/up/images", "{\"items\": [\(items("good.jpg", "real/ukui_default.jpg")), "
                                        + "{\"file\": \"bad.jpg\", \"phash\": \"zz\(ref("real/calla.jpg").dropFirst(2))\", \"blockmean\": \"\(ref("real/calla.jpg", "blockmean"))\"}]}")
        let detail = assertProblem(badHex, 400, nil, "bad hex in an item")
        XCTAssertTrue(detail.contains("bad.jpg") || detail.contains("[1]") || detail.contains("item 1") || detail.contains("item 2"),
                      "the detail names the item: \(detail)")
        for key in ["../x.jpg", "/x.jpg", "", "a/../b.jpg", "./x.jpg"] {
            assertProblem(try c.postJSONText("/v1/datasets/up/images", "{\"items\": [\(items(key, "real/ukui_default.jpg"))]}"), 400, nil, "key '\(key)'")
        }
        assertProblem(try c.postJSONText("/v1/datasets/up/images", "{\"items\": [{\"file\": \"short.jpg\", \"phash\": \"abc\", \"blockmean\": \"\(ref("real/calla.jpg", "blockmean"))\"}]}"),
                      400, nil, "short phash")

        var stored = [Stored(dataset: "up", file: "calla.jpg", fixture: "real/calla.jpg"),
                      Stored(dataset: "up", file: "sub/city.png", fixture: "real/city.png"),
                      Stored(dataset: "up", file: TestJSON.key(cafe), fixture: "real/goldfish.jpg"),
                      Stored(dataset: "up", file: "pre/mouse.jpg", fixture: "real/the_mouse.jpg"),
                      Stored(dataset: "up", file: "pre/string.jpg", fixture: "real/string.jpg"),
                      Stored(dataset: "up", file: TestJSON.key(Array("pr".utf8) + [0xE8] + Array(".jpg".utf8)), fixture: "real/sway_1920.jpg"),
                      Stored(dataset: "other", file: "x.jpg", fixture: "real/calla.jpg"),
                      Stored(dataset: "other", file: "y.png", fixture: "real/desert.png"),
                      Stored(dataset: "other", file: "z.jpg", fixture: "real/rollpaper.jpg")]

        let info = try c.get("/v1/datasets/up")
        assertStatus(info, 200)
        XCTAssertEqual(info.object["images"] as? Int, 6, "3 uploaded + 3 precomputed, nothing from the refused requests: \(info.summary)")
        let upErrors = info.object["errors"] as? Int ?? -1
        XCTAssertTrue(upErrors == 0 || upErrors == 1, info.summary)
        if upErrors == 1 {
            XCTAssertEqual((info.object["problems"] as? [[String: Any]])?.first?["file"] as? String, "notes.txt", info.summary)
        }
        XCTAssertEqual(try c.get("/v1/datasets/other").object["images"] as? Int, 3)

        // JSON queries: distances, order, thresholds, limit, datasets.
        let calla = ref("real/calla.jpg"), callaB = ref("real/calla.jpg", "blockmean")
        let queries: [[String: Any]] = [
            ["id": "calla", "phash": calla, "blockmean": callaB],
            ["id": "phash only", "phash": ref("real/goldfish.jpg")],
            ["id": "blockmean only", "blockmean": ref("real/city.png", "blockmean")],
            ["id": "surrogate", "phash": ref("real/sway_1920.jpg"), "blockmean": ref("real/sway_1920.jpg", "blockmean")],
            ["phash": ref("real/warty_final.jpg"), "blockmean": ref("real/warty_final.jpg", "blockmean")],
        ]
        let q = try c.postJSON("/v1/query", ["queries": queries])
        assertStatus(q, 200, "query")
        let results = q.object["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.count, queries.count, q.summary)
        for (query, result) in zip(queries, results) {
            if let id = query["id"] as? String { XCTAssertEqual(result["id"] as? String, id) }
            if let p = query["phash"] as? String { XCTAssertEqual(result["phash"] as? String, p) }
            if let b = query["blockmean"] as? String { XCTAssertEqual(result["blockmean"] as? String, b) }
            assertMatches(result, expectedMatches(stored, phash: query["phash"] as? String, blockmean: query["blockmean"] as? String,
                                                  thresholds: (8, 8)), "\(query)")
        }
        if results.count == queries.count {
            XCTAssertEqual((results[0]["matches"] as? [[String: Any]])?.count, 2, "calla is in both datasets: \(results[0])")
            XCTAssertEqual((results[3]["matches"] as? [[String: Any]])?.first?["file"] as? String, stored[5].file)
        }

        // Wide thresholds, a limit, one dataset.
        for (thresholds, limit, only) in [((30, 100), 3, nil), ((64, 256), 5, Set(["up"])), ((20, 60), 10000, Set(["other"])),
                                          ((0, 0), 1, nil)] as [((Int, Int), Int, Set<String>?)] {
            var body: [String: Any] = ["queries": queries, "thresholds": ["phash": thresholds.0, "blockmean": thresholds.1], "limit": limit]
            if let only { body["datasets"] = Array(only) }
            let r = try c.postJSON("/v1/query", body)
            assertStatus(r, 200, "query \(thresholds) \(limit)")
            let rs = r.object["results"] as? [[String: Any]] ?? []
            XCTAssertEqual(rs.count, queries.count, r.summary)
            for (query, result) in zip(queries, rs) {
                assertMatches(result, expectedMatches(stored, phash: query["phash"] as? String, blockmean: query["blockmean"] as? String,
                                                      thresholds: thresholds, datasets: only), limit: limit, "\(query) \(thresholds) limit \(limit)")
            }
        }
        assertProblem(try c.postJSON("/v1/query", ["queries": [queries[0]], "datasets": ["up", "nope"]]), 404, nil, "unknown dataset in query")

        // Multipart queries: images with options; a part that is not an image answers with an error in its slot.
        var mq = MultipartForm()
        mq.addFile("probe.jpg", try bytes("real/calla.jpg"))
        mq.addFile("junk.txt", try bytes("hostile/README.txt"))
        mq.add(name: "options", filename: nil, contentType: "application/json",
               data: Array("{\"thresholds\": {\"phash\": 0, \"blockmean\": 0}, \"datasets\": [\"up\", \"other\"]}".utf8))
        mq.addFile("mouse.jpg", try bytes("real/the_mouse.jpg"))
        let mr = try c.postMultipart("/v1/query", mq)
        assertStatus(mr, 200, "multipart query")
        let mresults = mr.object["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(mresults.map { $0["id"] as? String ?? "?" }, ["probe.jpg", "junk.txt", "mouse.jpg"], mr.summary)
        if mresults.count == 3 {
            XCTAssertEqual(mresults[0]["phash"] as? String, calla)
            XCTAssertEqual(mresults[0]["blockmean"] as? String, callaB)
            assertMatches(mresults[0], expectedMatches(stored, phash: calla, blockmean: callaB, thresholds: (0, 0)), "probe")
            XCTAssertTrue((mresults[1]["error"] as? String ?? "").contains("not an image"), "\(mresults[1])")
            XCTAssertNil(mresults[1]["matches"], "\(mresults[1])")
            assertMatches(mresults[2], expectedMatches(stored, phash: ref("real/the_mouse.jpg"), blockmean: ref("real/the_mouse.jpg", "blockmean"),
                                                       thresholds: (0, 0)), "mouse")
        }

        // A key that exists is replaced: calla.jpg now holds warty_final's hashes.
        let replaced = try c.postJSONText("/v1/datasets/up/images", "{\"items\": [\(items("calla.jpg", "real/warty_final.jpg"))]}")
        assertStatus(replaced, 200, "replace")
        stored[0].fixture = "real/warty_final.jpg"
        XCTAssertEqual(try c.get("/v1/datasets/up").object["images"] as? Int, 6, "replaced, not added")
        let after = try c.postJSON("/v1/query", ["queries": queries, "thresholds": ["phash": 8, "blockmean": 8]])
        for (query, result) in zip(queries, after.object["results"] as? [[String: Any]] ?? []) {
            assertMatches(result, expectedMatches(stored, phash: query["phash"] as? String, blockmean: query["blockmean"] as? String,
                                                  thresholds: (8, 8)), "after replacing: \(query)")
        }
        server.stop()
    }

    // MARK: 4. Scans, cross-duplicates, the shared store

    func testScansAndCrossDuplicatesEqualAnalyze() throws {
        let allowed = root + "/allowed"
        let a = allowed + "/A", b = allowed + "/B", cDir = allowed + "/C"
        try copyLayout([("calla.jpg", "real/calla.jpg"), ("city.png", "real/city.png"), ("rooms/rhythm.png", "real/rhythm.png"),
                        ("baseline_420.jpg", "jpeg/baseline_420.jpg"), ("notes/README.txt", "hostile/README.txt"),
                        ("broken/cut.jpg", "hostile/truncated_scan.jpg")], into: a)
        try copyLayout([("copies/calla_copy.jpg", "real/calla.jpg"), ("goldfish.jpg", "real/goldfish.jpg"), ("the_mouse.jpg", "real/the_mouse.jpg"),
                        ("empty.jpg", "hostile/empty.jpg"), ("progressive.jpg", "jpeg/progressive.jpg"), ("city2.png", "real/city.png")], into: b)
        try copyLayout([("c.jpg", "real/calla.jpg"), ("desert.png", "real/desert.png"), ("cut.jpg", "hostile/truncated_scan.jpg")], into: cDir)
        let store = root + "/shared/store.sqlite"

        // The CLI analyses C into the store first: serve must see it as dataset c.
        let first = try E2E.run(["analyze", "c=\(cDir)", "--out", root + "/out_c", "--store", store])
        XCTAssertEqual(first.status, 0, first.stderr)

        let server = try startServer(["--root", allowed], store: store)
        let c = try server.client()
        let cInfo = try c.get("/v1/datasets/c")
        assertStatus(cInfo, 200, "dataset c from the CLI")
        XCTAssertEqual(cInfo.object["images"] as? Int, 2, cInfo.summary)
        XCTAssertEqual(cInfo.object["errors"] as? Int, 1, cInfo.summary)
        let cProblems = cInfo.object["problems"] as? [[String: Any]] ?? []
        XCTAssertEqual(cProblems.first?["file"] as? String, "cut.jpg", cInfo.summary)
        XCTAssertTrue((cProblems.first?["error"] as? String ?? "").contains("truncated"), cInfo.summary)
        let desert = try c.postJSON("/v1/query", ["queries": [["phash": ref("real/desert.png"), "blockmean": ref("real/desert.png", "blockmean")]],
                                                  "thresholds": ["phash": 0, "blockmean": 0]])
        let desertMatches = ((desert.object["results"] as? [[String: Any]])?.first?["matches"] as? [[String: Any]]) ?? []
        XCTAssertEqual(desertMatches.map { "\($0["dataset"] as? String ?? "?")/\($0["file"] as? String ?? "?")" }, ["c/desert.png"], desert.summary)

        assertStatus(try c.putJSON("/v1/datasets/a", ["root": a]), 201, "a")
        assertStatus(try c.putJSON("/v1/datasets/b", ["root": b]), 201, "b")
        let jobA = try scan(c, "a")
        XCTAssertEqual(int(jobA, "total"), 6, "\(jobA)")
        XCTAssertEqual(int(jobA, "done"), int(jobA, "total"), "\(jobA)")
        XCTAssertEqual(int(jobA, "errors"), 2, "\(jobA)")
        XCTAssertEqual(int(jobA, "decoded") + int(jobA, "reused"), 6, "\(jobA)")
        XCTAssertGreaterThanOrEqual(int(jobA, "reused"), 1, "calla.jpg's content is known from c: \(jobA)")
        XCTAssertNil(jobA["error"], "\(jobA)")
        let jobB = try scan(c, "b")
        XCTAssertEqual(int(jobB, "total"), 6, "\(jobB)")
        XCTAssertEqual(int(jobB, "done"), 6, "\(jobB)")
        XCTAssertEqual(int(jobB, "errors"), 1, "\(jobB)")
        let again = try scan(c, "a")
        XCTAssertEqual([int(again, "done"), int(again, "decoded"), int(again, "reused"), int(again, "errors")], [6, 0, 6, 2],
                       "an unchanged folder is reused from the store: \(again)")

        // The same JSON bytes as analyze on the same folders.
        func cli(_ out: String, _ args: [String]) throws -> String {
            // The service answers the raw pairs: the CLI's without verification.
            let r = try E2E.run(["analyze"] + args + ["--out", root + "/" + out, "--no-store", "--max-report-pairs", "5", "--no-verify"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return root + "/" + out
        }
        func assertSameBytes(_ query: String, _ file: String, line: UInt = #line) throws {
            let r = try c.get("/v1/cross-duplicates" + query)
            assertStatus(r, 200, query, line: line)
            let want = try Data(contentsOf: URL(fileURLWithPath: file))
            XCTAssertEqual(Data(r.body), want, "\(query) differs from \(file):\n\(r.text.prefix(1500))\n---\n\(String(decoding: want.prefix(1500), as: UTF8.self))",
                           line: line)
        }
        let ab = try cli("ab", ["a=\(a)", "b=\(b)"])
        try assertSameBytes("?datasets=a,b&family=phash", ab + "/perceptual_cross_duplicates.json")
        try assertSameBytes("?datasets=a,b", ab + "/perceptual_cross_duplicates.json")
        try assertSameBytes("?datasets=a,b&family=blockmean", ab + "/robust_cross_duplicates.json")
        let abc = try cli("abc", ["a=\(a)", "b=\(b)", "c=\(cDir)", "--phash-threshold", "20", "--blockmean-threshold", "40", "--within"])
        try assertSameBytes("?phash_threshold=20&blockmean_threshold=40&within=true", abc + "/perceptual_cross_duplicates.json")
        try assertSameBytes("?datasets=a,b,c&phash_threshold=20&blockmean_threshold=40&within=true&family=blockmean",
                            abc + "/robust_cross_duplicates.json")
        let ca = try cli("ca", ["c=\(cDir)", "a=\(a)"])
        try assertSameBytes("?datasets=c,a&family=phash", ca + "/perceptual_cross_duplicates.json")
        try assertSameBytes("?datasets=c,a&family=blockmean", ca + "/robust_cross_duplicates.json")

        // The dataset's problems are its errors.json.
        let aInfo = try c.get("/v1/datasets/a")
        XCTAssertEqual(aInfo.object["images"] as? Int, 4, aInfo.summary)
        XCTAssertEqual(aInfo.object["errors"] as? Int, 2, aInfo.summary)
        let errorsJSON = try E2E.json(ab + "/a/errors.json") as? [[String: Any]] ?? []
        XCTAssertEqual((aInfo.object["problems"] as? [[String: Any]]).map { NSArray(array: $0) }, NSArray(array: errorsJSON), aInfo.summary)
        XCTAssertNotEqual(aInfo.object["problems_truncated"] as? Bool, true, aInfo.summary)

        // Bad parameters.
        assertProblem(try c.get("/v1/cross-duplicates?datasets=a,nope"), 404, nil, "unknown dataset")
        for q in ["family=nope", "phash_threshold=65", "blockmean_threshold=257", "phash_threshold=-1", "blockmean_threshold=x"] {
            assertProblem(try c.get("/v1/cross-duplicates?datasets=a,b&" + q), 400, nil, q)
        }
        assertProblem(try c.get("/v1/jobs/no-such-job"), 404, nil, "unknown job")
        server.stop()

        // And the other way round: what the server scanned, the CLI reuses without decoding.
        let reuse = try E2E.run(["analyze", "a=\(a)", "b=\(b)", "--out", root + "/reuse", "--store", store, "--no-verify"])
        XCTAssertEqual(reuse.status, 0, reuse.stderr)
        XCTAssertTrue(reuse.stderr.contains("(0 decoded, 12 reused from the store)"), reuse.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: root + "/reuse/perceptual_cross_duplicates.json")),
                       try Data(contentsOf: URL(fileURLWithPath: ab + "/perceptual_cross_duplicates.json")))
    }

    // MARK: 5. API keys and operations routes

    func testAPIKeysAndOperationsRoutes() throws {
        let keys = root + "/keys.txt"
        try Data("# the test keys\n\nfirst-key-123\n\nsecond-key-456\n".utf8).write(to: URL(fileURLWithPath: keys))
        let server = try startServer(["--api-key-file", keys])
        let open = try server.client()

        for (what, headers) in [("no key", [(String, String)]()), ("wrong key", [("Authorization", "Bearer wrong")]),
                                ("comment line as key", [("Authorization", "Bearer # the test keys")]),
                                ("empty bearer", [("Authorization", "Bearer ")]), ("not bearer", [("Authorization", "Basic Zmlyc3Qta2V5LTEyMw==")])] {
            for (method, path) in [("GET", "/v1/datasets"), ("PUT", "/v1/datasets/locked"), ("GET", "/v1/jobs/1")] {
                let r = try open.request(method, path, headers: headers)
                assertProblem(r, 401, nil, "\(what) \(method) \(path)")
                XCTAssertTrue(r.header("www-authenticate")?.hasPrefix("Bearer") == true, "WWW-Authenticate of \(r.summary)")
            }
            let h = try open.request("POST", "/v1/hash", headers: headers + [("Content-Type", "image/png")], body: try bytes("real/city.png"))
            assertProblem(h, 401, nil, "\(what) hash")
        }
        assertProblem(try open.get("/v1/datasets/locked"), 401, nil, "no key, unknown dataset")

        let first = try server.client(apiKey: "first-key-123"), second = try server.client(apiKey: "second-key-456")
        assertStatus(try first.get("/v1/datasets"), 200, "first key")
        assertStatus(try second.get("/v1/datasets"), 200, "second key")
        var form = MultipartForm()
        form.addFile("a.jpg", try bytes("real/calla.jpg"))
        form.addFile("b.png", try bytes("real/city.png"))
        form.addFile("c.txt", try bytes("hostile/README.txt"))
        let hashed = try first.postMultipart("/v1/hash", form)
        assertStatus(hashed, 200, "hash with a key")
        XCTAssertEqual((hashed.object["images"] as? [[String: Any]])?.first?["phash"] as? String, ref("real/calla.jpg"))

        // Operations: no key needed.
        let health = try open.get("/healthz")
        assertStatus(health, 200, "healthz")
        XCTAssertEqual(health.object["status"] as? String, "ok")
        let ready = try open.get("/readyz")
        assertStatus(ready, 200, "readyz")
        XCTAssertEqual(ready.object["status"] as? String, "ready")
        let device = ready.object["device"] as? [String: Any] ?? [:]
        XCTAssertEqual(device["kind"] as? String, "cpu", ready.summary)
        XCTAssertFalse((device["name"] as? String ?? "").isEmpty, ready.summary)

        let metrics = try open.get("/metrics")
        XCTAssertEqual(metrics.status, 200, metrics.summary)
        XCTAssertTrue(metrics.contentType.hasPrefix("text/plain"), metrics.contentType)
        XCTAssertTrue(metrics.contentType.contains("version=0.0.4"), metrics.contentType)
        var hashedTotal = 0.0
        for line in metrics.text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            if name == "crosshash_images_hashed_total", let v = line.split(separator: " ").last.flatMap({ Double($0) }) { hashedTotal += v }
        }
        XCTAssertGreaterThanOrEqual(hashedTotal, 2, "crosshash_images_hashed_total after hashing 2 images:\n\(metrics.text.prefix(3000))")
        for name in ["crosshash_decode_seconds", "crosshash_hash_seconds", "crosshash_queue_depth", "crosshash_device_info", "# TYPE"] {
            XCTAssertTrue(metrics.text.contains(name), "/metrics lacks \(name)")
        }
        for line in metrics.text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            XCTAssertNotNil(line.split(separator: " ").last.flatMap { Double($0) }, "not a Prometheus sample line: '\(line)'")
        }

        let openapi = try open.get("/openapi.json")
        XCTAssertEqual(openapi.status, 200, openapi.summary)
        XCTAssertTrue(openapi.contentType.hasPrefix("application/json"), openapi.contentType)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(openapi.body)) as? [String: Any])
        XCTAssertTrue((doc["openapi"] as? String ?? "").hasPrefix("3.1"), "\(doc["openapi"] ?? "none")")
        let paths = doc["paths"] as? [String: [String: Any]] ?? [:]
        let routes: [(String, [String])] = [
            ("/v1/hash", ["post"]), ("/v1/hash/raw", ["post"]), ("/v1/datasets", ["get"]), ("/v1/datasets/{name}", ["get", "put", "delete"]),
            ("/v1/datasets/{name}/images", ["post"]), ("/v1/datasets/{name}/images/upload", ["post"]), ("/v1/datasets/{name}/scan", ["post"]),
            ("/v1/datasets/{name}/images/{key}", ["get", "delete"]), ("/v1/datasets/{name}/images/{key}/thumbnail", ["get"]),
            ("/v1/jobs/{id}", ["get"]), ("/v1/query", ["post"]), ("/v1/query/upload", ["post"]), ("/v1/cross-duplicates", ["get"]), ("/healthz", ["get"]), ("/readyz", ["get"]),
            ("/metrics", ["get"]), ("/openapi.json", ["get"]), ("/v1/reviews", ["get", "put"]), ("/v1/reviews/{id}", ["delete"]),
        ]
        for (path, methods) in routes {
            XCTAssertNotNil(paths[path], "openapi.json has no path \(path); it has \(paths.keys.sorted())")
            for m in methods { XCTAssertNotNil(paths[path]?[m], "openapi.json: no \(m) on \(path)") }
        }
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Service/openapi.json")
        if let data = try? Data(contentsOf: committed) {
            let file = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            XCTAssertEqual(NSDictionary(dictionary: file), NSDictionary(dictionary: doc), "/openapi.json is the committed Sources/Service/openapi.json")
        }
        server.stop()
    }

    // MARK: 6. Hostile HTTP

    func testHostileHTTPLeavesTheServerServing() throws {
        let server = try startServer()
        let c = try server.client(timeout: 30)
        assertStatus(try c.request("PUT", "/v1/datasets/cut"), 201)

        // Garbage instead of a request: a 4xx or a closed connection, never a hang or a crash.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        let garbage: [UInt8] = (0..<4096).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
        for (what, payload) in [("random bytes", garbage + Array("\r\n\r\n".utf8)), ("a bad request line", Array("HELLO THERE\r\n\r\n".utf8)),
                                ("a header without colon", Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColonHere\r\n\r\n".utf8)),
                                ("a bad Content-Length", Array("POST /v1/hash HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\nxyz".utf8)),
                                ("an unsupported version", Array("GET /healthz HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n".utf8))] {
            let r = try c.raw(payload, shutdownAfter: true, readTimeout: 15)
            XCTAssertTrue(r.closed || r.response != nil, "\(what): neither an answer nor a close within 15 s")
            if let resp = r.response { XCTAssertTrue((400..<600).contains(resp.status), "\(what): \(resp.summary)") }
            else { XCTAssertTrue(r.bytes.isEmpty, "\(what): unparseable answer \(r.bytes.prefix(200))") }
            assertAlive(server, after: what)
        }

        // A body cut in the middle, then the connection closed: nothing stored, server fine.
        var form = MultipartForm()
        for f in ["real/calla.jpg", "real/goldfish.jpg", "real/string.jpg"] { form.addFile((f as NSString).lastPathComponent, try bytes(f)) }
        let full = HTTPClient.requestBytes("POST", "/v1/datasets/cut/images", headers: [("Content-Type", form.contentType)], body: form.body, port: c.port)
        for cutAt in [full.count / 2, full.count - 10] {
            let conn = try c.connect()
            conn.send(Array(full[0..<cutAt]))
            usleep(200_000)
            conn.close()
            assertAlive(server, after: "a multipart body cut at \(cutAt) of \(full.count) bytes")
        }
        let rawCut = try c.connect()
        rawCut.send(HTTPClient.requestBytes("POST", "/v1/hash", headers: [("Content-Type", "image/jpeg"), ("Content-Length", "30079")],
                                            body: Array(try bytes("real/calla.jpg").prefix(9000)), port: c.port))
        rawCut.close()
        assertAlive(server, after: "a raw body cut")
        XCTAssertEqual(try c.get("/v1/datasets/cut").object["images"] as? Int, 0, "a request that never completed stores nothing")

        // A lying Content-Length of 10 GB: 413 (or a close), at once, without waiting for the body.
        let liar = try HTTPConnection(port: c.port, timeout: 20)
        liar.send(Array("POST /v1/hash HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000000\r\n\r\n".utf8)
                  + Array(try bytes("real/calla.jpg").prefix(64)))
        do {
            let r = try liar.readResponse()
            assertProblem(r, 413, nil, "Content-Length: 10000000000")
        } catch HTTPClientError.closed {
            // closed without an answer: acceptable
        } catch {
            XCTFail("Content-Length: 10000000000: neither 413 nor a close: \(error)")
        }
        liar.close()
        assertAlive(server, after: "Content-Length: 10000000000")

        // Malformed queries: 400.
        let calla = ref("real/calla.jpg"), callaB = ref("real/calla.jpg", "blockmean")
        for (what, text) in [("truncated JSON", "{\"queries\": ["), ("not an object", "[1, 2]"), ("queries not an array", "{\"queries\": \"x\"}"),
                             ("not JSON", "hello"), ("empty body", "")] {
            assertProblem(try c.postJSONText("/v1/query", text), 400, nil, what, instance: "/v1/query")
        }
        let good: [String: Any] = ["id": "q", "phash": calla, "blockmean": callaB]
        for (what, thresholds) in [("phash 65", ["phash": 65]), ("phash -1", ["phash": -1]), ("phash \"x\"", ["phash": "x"]),
                                   ("blockmean 257", ["blockmean": 257]), ("blockmean -1", ["blockmean": -1])] as [(String, [String: Any])] {
            assertProblem(try c.postJSON("/v1/query", ["queries": [good], "thresholds": thresholds]), 400, nil, "threshold \(what)")
        }
        assertStatus(try c.postJSON("/v1/query", ["queries": [good], "thresholds": ["phash": 64, "blockmean": 256]]), 200, "thresholds at the bits")
        for (what, query) in [("non-hex phash", ["phash": "zzzzzzzzzzzzzzzz"]), ("short phash", ["phash": "abc"]),
                              ("long phash", ["phash": calla + "0"]), ("63-digit blockmean", ["blockmean": String(callaB.dropLast())]),
                              ("non-hex blockmean", ["blockmean": "g" + callaB.dropFirst()]), ("no hash", ["id": "nothing"]),
                              ("phash not a string", ["phash": 12345])] as [(String, [String: Any])] {
            assertProblem(try c.postJSON("/v1/query", ["queries": [query]]), 400, nil, what)
        }
        for limit in [0, 10001, -5] {
            assertProblem(try c.postJSON("/v1/query", ["queries": [good], "limit": limit]), 400, nil, "limit \(limit)")
        }
        assertStatus(try c.postJSON("/v1/query", ["queries": [good], "limit": 10000]), 200, "limit 10000")

        // Wrong Content-Type: 415.
        let json = Array("{\"queries\": [{\"phash\": \"\(calla)\"}]}".utf8)
        assertProblem(try c.request("POST", "/v1/query", headers: [("Content-Type", "text/plain")], body: json), 415, nil, "text/plain query")
        assertProblem(try c.request("POST", "/v1/datasets/cut/images", headers: [("Content-Type", "text/plain")], body: json), 415, nil, "text/plain upload")

        // Bad multipart: 400.
        assertProblem(try c.request("POST", "/v1/hash", headers: [("Content-Type", "multipart/form-data; boundary=abc")],
                                    body: Array("this is not multipart at all".utf8)), 400, nil, "a body without the boundary")
        assertProblem(try c.request("POST", "/v1/hash", headers: [("Content-Type", "multipart/form-data")], body: form.body), 400, nil,
                      "multipart without a boundary parameter")

        // Unknown routes, wrong methods.
        assertProblem(try c.get("/v1/nothing"), 404, nil, "unknown /v1 route", instance: "/v1/nothing")
        assertProblem(try c.get("/nothing/at/all"), 404, nil, "unknown route")
        assertProblem(try c.get("/v1/hash"), 405, nil, "GET /v1/hash")
        assertProblem(try c.request("DELETE", "/v1/query"), 405, nil, "DELETE /v1/query")
        assertProblem(try c.request("POST", "/v1/datasets/cut"), 405, nil, "POST /v1/datasets/cut")
        assertAlive(server, after: "malformed requests")

        // A server with small limits, no --root, and an in-memory store.
        let small = try startServer(["--no-store", "--max-images-per-request", "3", "--max-body-bytes", "100000"], store: nil)
        let s = try small.client(timeout: 30)
        var three = MultipartForm(), four = MultipartForm()
        for (i, f) in ["edge/square_32.png", "edge/tiny_7x7.png", "png/gray8.png", "edge/square_64.png"].enumerated() {
            if i < 3 { three.addFile("f\(i).png", try bytes(f)) }
            four.addFile("f\(i).png", try bytes(f))
        }
        assertStatus(try s.postMultipart("/v1/hash", three), 200, "3 images, the limit")
        assertProblem(try s.postMultipart("/v1/hash", four), 413, nil, "4 images over --max-images-per-request 3")
        assertStatus(try s.request("PUT", "/v1/datasets/lim"), 201)
        assertProblem(try s.postMultipart("/v1/datasets/lim/images", four), 413, nil, "4 images uploaded")
        XCTAssertEqual(try s.get("/v1/datasets/lim").object["images"] as? Int, 0, "a refused upload stores nothing")
        assertStatus(try s.postMultipart("/v1/datasets/lim/images", three), 200, "3 images uploaded")
        XCTAssertEqual(try s.get("/v1/datasets/lim").object["images"] as? Int, 3, "the in-memory store")
        let fourQueries = (0..<4).map { ["id": "q\($0)", "phash": calla] }
        assertProblem(try s.postJSON("/v1/query", ["queries": fourQueries]), 413, nil, "4 queries")
        assertStatus(try s.postJSON("/v1/query", ["queries": Array(fourQueries.prefix(3))]), 200, "3 queries")
        let big = try s.request("POST", "/v1/hash", headers: [("Content-Type", "image/png")],
                                body: try bytes("edge/square_256.png"))  // 123,598 bytes > 100,000
        assertProblem(big, 413, nil, "a body over --max-body-bytes")
        assertAlive(small, after: "bodies over the limits")
        assertProblem(try s.putJSON("/v1/datasets/rooted", ["root": root]), 403, nil, "a root without any --root")
        small.stop()
        server.stop()
    }

    // MARK: 7. SIGKILL

    /// The same small PNG with different bytes after its end (ignored by every decoder), as
    /// StoreEndToEndTests does: many distinct files, so a scan lasts long enough to be killed.
    func makeManyFiles(_ count: Int, in folder: String) throws {
        let png = try Data(contentsOf: E2E.fixtures.appendingPathComponent("images/edge/square_256.png"))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for i in 0..<count {
            try (png + Data("crosshash-\(i)".utf8)).write(to: URL(fileURLWithPath: "\(folder)/img\(i).png"))
        }
    }

    func storedContents(_ store: String) -> Int? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [store, "select count(*) from content;"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func testSigkillKeepsAcknowledgedUploadsAndScansResume() throws {
        let allowed = root + "/allowed"
        try FileManager.default.createDirectory(atPath: allowed, withIntermediateDirectories: true)
        let server = try startServer(["--root", allowed, "--threads", "1"])
        let c = try server.client()
        assertStatus(try c.request("PUT", "/v1/datasets/acked"), 201)
        var form = MultipartForm()
        for f in ["real/calla.jpg", "real/city.png", "real/goldfish.jpg"] { form.addFile((f as NSString).lastPathComponent, try bytes(f)) }
        let up = try c.postMultipart("/v1/datasets/acked/images", form)
        assertStatus(up, 200, "upload")
        let item = "{\"items\": [{\"file\": \"pre/mouse.jpg\", \"phash\": \"\(ref("real/the_mouse.jpg"))\", \"blockmean\": \"\(ref("real/the_mouse.jpg", "blockmean"))\"}]}"
        assertStatus(try c.postJSONText("/v1/datasets/acked/images", item), 200, "items")

        // A larger folder, scanned, killed in the middle.
        let many = allowed + "/many", refDir = allowed + "/ref"
        try makeManyFiles(1000, in: many)
        try copyLayout([("square.png", "edge/square_256.png"), ("calla.jpg", "real/calla.jpg")], into: refDir)
        assertStatus(try c.putJSON("/v1/datasets/many", ["root": many]), 201)
        assertStatus(try c.putJSON("/v1/datasets/ref", ["root": refDir]), 201)
        try scan(c, "ref")
        let started = try c.request("POST", "/v1/datasets/many/scan")
        assertStatus(started, 202, "scan many")
        let id = try XCTUnwrap(jobID(started.object))
        let deadline = Date().addingTimeInterval(120)
        var committed: Int?, last = [String: Any]()
        while Date() < deadline {
            last = try c.get("/v1/jobs/\(id)").object
            if last["state"] as? String == "done" || last["state"] as? String == "failed" { break }
            if let n = storedContents(defaultStore) {
                // 5 contents come from the uploads and ref; wait for some of the scan's batches.
                if n >= 250 { committed = n; break }
            } else if int(last, "done") >= 250 { break }
            usleep(50_000)
        }
        XCTAssertNotEqual(last["state"] as? String, "done", "the scan ended before it could be killed; make it longer")
        server.kill9()
        XCTAssertEqual(server.process.terminationReason, .uncaughtSignal)

        let restarted = try startServer(["--root", allowed])
        let r = try restarted.client()
        let list = try r.get("/v1/datasets")
        assertStatus(list, 200, "the store opens after SIGKILL")
        XCTAssertEqual((list.object["datasets"] as? [[String: Any]])?.map { $0["name"] as? String ?? "?" }, ["acked", "many", "ref"], list.summary)
        let acked = try r.get("/v1/datasets/acked")
        XCTAssertEqual(acked.object["images"] as? Int, 4, "every acknowledged image survives SIGKILL: \(acked.summary)")
        let q = try r.postJSON("/v1/query", ["queries": [["phash": ref("real/goldfish.jpg"), "blockmean": ref("real/goldfish.jpg", "blockmean")],
                                                         ["phash": ref("real/the_mouse.jpg")]],
                                             "datasets": ["acked"], "thresholds": ["phash": 0, "blockmean": 0]])
        let results = q.object["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.map { (($0["matches"] as? [[String: Any]]) ?? []).map { $0["file"] as? String ?? "?" } }, [["goldfish.jpg"], ["pre/mouse.jpg"]],
                       q.summary)

        let job = try scan(r, "many")
        XCTAssertEqual(int(job, "total"), 1000, "\(job)")
        XCTAssertEqual(int(job, "done"), 1000, "\(job)")
        XCTAssertEqual(int(job, "decoded") + int(job, "reused"), 1000, "\(job)")
        XCTAssertEqual(int(job, "errors"), 0, "\(job)")
        if committed != nil {
            XCTAssertGreaterThan(int(job, "reused"), 0, "batches committed before the kill are reused: \(job)")
            XCTAssertGreaterThan(int(job, "decoded"), 0, "the kill came before the end: \(job)")
        }
        XCTAssertEqual(try r.get("/v1/datasets/many").object["images"] as? Int, 1000)

        let clean = root + "/clean"
        let cli = try E2E.run(["analyze", "many=\(many)", "ref=\(refDir)", "--out", clean, "--no-store", "--max-report-pairs", "5", "--no-verify"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        for (family, file) in [("phash", "perceptual_cross_duplicates.json"), ("blockmean", "robust_cross_duplicates.json")] {
            let got = try r.get("/v1/cross-duplicates?datasets=many,ref&family=\(family)")
            assertStatus(got, 200, family)
            XCTAssertEqual(Data(got.body), try Data(contentsOf: URL(fileURLWithPath: clean + "/" + file)), "\(family) after SIGKILL and a new scan")
        }
        restarted.stop()
    }

    // MARK: 8. SIGTERM

    func testSigtermFinishesTheRequestInFlightAndExitsZero() throws {
        let server = try startServer()
        let c = try server.client()
        assertStatus(try c.request("PUT", "/v1/datasets/t"), 201)
        var form = MultipartForm()
        let files = ["real/calla.jpg", "real/goldfish.jpg", "real/string.jpg", "real/the_mouse.jpg", "real/warty_final.jpg"]
        for f in files { form.addFile((f as NSString).lastPathComponent, try bytes(f)) }
        let request = HTTPClient.requestBytes("POST", "/v1/datasets/t/images", headers: [("Content-Type", form.contentType)],
                                              body: form.body, port: c.port)
        // The request is in flight (accepted, body partly received) when SIGTERM comes.
        let conn = try HTTPConnection(port: c.port, timeout: 60)
        XCTAssertTrue(conn.send(Array(request[0..<(request.count * 2 / 3)])))
        usleep(300_000)
        server.sendSIGTERM()
        usleep(200_000)
        XCTAssertTrue(conn.send(Array(request[(request.count * 2 / 3)...])), "the server stopped reading the request in flight: \(conn.lastError ?? "")")
        do {
            let r = try conn.readResponse()
            assertStatus(r, 200, "the request in flight at SIGTERM")
            XCTAssertEqual(r.object["added"] as? Int, files.count, r.summary)
            let images = r.object["images"] as? [[String: Any]] ?? []
            XCTAssertEqual(images.map { $0["phash"] as? String ?? "?" }, files.map { ref($0) }, r.summary)
        } catch {
            XCTFail("no response to the request in flight at SIGTERM: \(error); stderr:\n\(server.stderr.suffix(2000))")
        }
        conn.close()
        XCTAssertTrue(ServerProcess.wait(server.process, timeout: 30), "still running 30 s after SIGTERM")
        if !server.isRunning {
            XCTAssertEqual(server.process.terminationReason, .exit, server.stderr)
            XCTAssertEqual(server.process.terminationStatus, 0, "exit status after SIGTERM: \(server.stderr)")
        }

        // The acknowledged upload is in the store; SIGINT stops the server the same way.
        let again = try startServer()
        let info = try again.client().get("/v1/datasets/t")
        XCTAssertEqual(info.object["images"] as? Int, files.count, info.summary)
        kill(again.process.processIdentifier, SIGINT)
        XCTAssertTrue(ServerProcess.wait(again.process, timeout: 30), "still running 30 s after SIGINT")
        XCTAssertEqual(again.process.terminationReason, .exit, again.stderr)
        XCTAssertEqual(again.process.terminationStatus, 0, "exit status after SIGINT: \(again.stderr)")
    }
}
