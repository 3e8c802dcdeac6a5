import Foundation
import TestSupport
import XCTest

/// Replicas: several `crosshash serve` processes on one PostgreSQL store. A write acknowledged
/// by one becomes visible to queries on another through the store's change log (polled every
/// 200 ms), without a reload; a replica started later loads what is there.
final class ReplicaEndToEndTests: XCTestCase {
    private var cluster: TestCluster!

    override func setUpWithError() throws {
        // Several servers and a cluster at once, and a lease to wait out: the plain pass runs them.
        try E2E.skipLoadTestUnderASan()
        cluster = try TestCluster.shared()
    }

    override class func tearDown() {
        TestCluster.stopShared()
        super.tearDown()
    }

    private func picture(_ name: String) throws -> [UInt8] {
        try Array(Data(contentsOf: E2E.fixtures.appendingPathComponent("images/real/" + name)))
    }

    /// The query answer for `probe` against every dataset.
    private func query(_ c: HTTPClient, _ probe: String) throws -> String {
        var form = MultipartForm()
        form.addFile(probe, try picture(probe))
        let answer = try c.postMultipart("/v1/query", form)
        return "\(answer.status) \(answer.text)"
    }

    /// Polls `condition` every 20 ms up to `timeout`; returns the seconds it took, nil if never.
    private func until(_ timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if try condition() { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    func testAnUploadOnOneReplicaIsAnsweredByTheOtherAndADeleteGoes() throws {
        let url = try cluster.newDatabase().displayURL
        let args = ["--device", "cpu", "--store", url, "--store-password-file", cluster.passwordFile]
        let a = try ServerProcess(args)
        defer { _ = a.stop() }
        let b = try ServerProcess(args)
        defer { _ = b.stop() }
        let ca = try a.client(), cb = try b.client()
        XCTAssertEqual(try ca.request("PUT", "/v1/datasets/up").status, 201)
        var form = MultipartForm()
        for name in ["calla.jpg", "city.png"] { form.addFile(name, try picture(name)) }
        let up = try ca.postMultipart("/v1/datasets/up/images", form)
        XCTAssertEqual(up.status, 200, up.text)
        let onA = try query(ca, "calla.jpg")
        XCTAssertTrue(onA.hasPrefix("200 ") && onA.contains(#""file": "calla.jpg""#), onA)
        // B answers as A once the change reached it.
        let delay = try until(30) { try query(cb, "calla.jpg") == onA }
        XCTAssertNotNil(delay, "replica B never answered the upload on A: \((try? query(cb, "calla.jpg")) ?? "")")
        print("replica delay, upload on A to answer on B: \(String(format: "%.3f", delay ?? -1)) s")

        // A replica started after the writes loads them.
        let c = try ServerProcess(args)
        defer { _ = c.stop() }
        XCTAssertEqual(try query(try c.client(), "calla.jpg"), onA)

        // A delete on A, and a new dataset of that name holding only city.png: B's index drops
        // the old column (calla no longer matches there) and takes the new one's picture.
        XCTAssertEqual(try ca.request("DELETE", "/v1/datasets/up").status, 204)
        XCTAssertEqual(try ca.request("PUT", "/v1/datasets/up").status, 201)
        var city = MultipartForm()
        city.addFile("city.png", try picture("city.png"))
        XCTAssertEqual(try ca.postMultipart("/v1/datasets/up/images", city).status, 200)
        let gone = try query(ca, "calla.jpg"), cityOnA = try query(ca, "city.png")
        XCTAssertTrue(gone.hasPrefix("200 ") && !gone.contains(#""file": "calla.jpg""#), gone)
        XCTAssertTrue(cityOnA.contains(#""file": "city.png""#), cityOnA)
        XCTAssertNotNil(try until(30) { try query(cb, "calla.jpg") == gone && (try query(cb, "city.png")) == cityOnA },
                        "B still answers the deleted dataset: \((try? query(cb, "calla.jpg")) ?? "")")
    }
    /// Polls `c` for job `id` until it is done or failed (up to 120 s); its last answer.
    private func finished(_ c: HTTPClient, _ id: String) throws -> [String: Any] {
        var job = [String: Any]()
        _ = try until(120) {
            job = try c.get("/v1/jobs/\(id)").object
            return ["done", "failed"].contains(job["state"] as? String ?? "")
        }
        return job
    }

    /// Scan jobs live in the store: a scan started on A answers `GET /v1/jobs/{id}` on B as on A,
    /// ids drawn on both replicas never collide, and an unknown id is 404 on both.
    func testAScanJobStartedOnOneReplicaAnswersOnTheOther() throws {
        let base = try E2E.tempDir("replica-scan")
        defer { try? FileManager.default.removeItem(atPath: base) }
        for name in ["calla.jpg", "city.png", "string.jpg"] { try E2E.copy("real/" + name, to: base + "/pics/" + name) }
        let url = try cluster.newDatabase().displayURL
        let args = ["--device", "cpu", "--store", url, "--store-password-file", cluster.passwordFile, "--root", base]
        let a = try ServerProcess(args)
        defer { _ = a.stop() }
        let b = try ServerProcess(args)
        defer { _ = b.stop() }
        let ca = try a.client(), cb = try b.client()
        XCTAssertEqual(try ca.putJSON("/v1/datasets/pics", ["root": base + "/pics"]).status, 201)

        let started = try ca.request("POST", "/v1/datasets/pics/scan")
        XCTAssertEqual(started.status, 202, started.summary)
        let first = try XCTUnwrap(started.object["job"] as? String, started.summary)
        let onA = try finished(ca, first)
        XCTAssertEqual(onA["state"] as? String, "done", "\(onA)")
        XCTAssertEqual(onA["total"] as? Int, 3, "\(onA)")
        XCTAssertEqual(onA["decoded"] as? Int, 3, "\(onA)")
        let onB = try cb.get("/v1/jobs/\(first)")
        XCTAssertEqual(onB.status, 200, onB.summary)
        XCTAssertEqual(onB.object as NSDictionary, onA as NSDictionary, "B answers A's job as A does")

        // A second scan, on B: a new id, and its contents are reused from A's scan.
        let again = try cb.request("POST", "/v1/datasets/pics/scan")
        XCTAssertEqual(again.status, 202, again.summary)
        let second = try XCTUnwrap(again.object["job"] as? String, again.summary)
        XCTAssertNotEqual(second, first)
        let onB2 = try finished(cb, second)
        XCTAssertEqual(onB2["state"] as? String, "done", "\(onB2)")
        XCTAssertEqual(onB2["reused"] as? Int, 3, "\(onB2)")
        XCTAssertEqual(try ca.get("/v1/jobs/\(second)").object as NSDictionary, onB2 as NSDictionary, "A answers B's job as B does")
        XCTAssertEqual(try ca.get("/v1/jobs/\(first)").object as NSDictionary, onA as NSDictionary, "A's own job is unchanged")

        for c in [ca, cb] { XCTAssertEqual(try c.get("/v1/jobs/scan-999999").status, 404) }
    }

    /// Scan leases: A scans a folder and is SIGKILLed mid-way; B (lease 3 s) takes the job over
    /// and finishes it under the same id, and the dataset then holds what a scan in one go holds.
    func testAScanWhoseReplicaIsKilledIsFinishedByAnother() throws {
        let base = try E2E.tempDir("replica-lease")
        defer { try? FileManager.default.removeItem(atPath: base) }
        // Distinct contents (bytes after the JPEG's end mark), so nothing is reused within the folder.
        let calla = try picture("calla.jpg")
        try FileManager.default.createDirectory(atPath: base + "/pics", withIntermediateDirectories: true)
        let count = 300
        for n in 0..<count {
            try Data(calla + Array(String(format: "%08d", n).utf8)).write(to: URL(fileURLWithPath: base + String(format: "/pics/%04d.jpg", n)))
        }
        let url = try cluster.newDatabase().displayURL
        let args = ["--device", "cpu", "--threads", "1", "--store", url, "--store-password-file", cluster.passwordFile,
                    "--root", base, "--scan-lease-seconds", "3"]
        let a = try ServerProcess(args)  // killed below (its deinit kills it if the test stops first)
        let b = try ServerProcess(args)
        defer { _ = b.stop() }
        let ca = try a.client(), cb = try b.client()
        XCTAssertEqual(try ca.putJSON("/v1/datasets/pics", ["root": base + "/pics"]).status, 201)
        let started = try ca.request("POST", "/v1/datasets/pics/scan")
        XCTAssertEqual(started.status, 202, started.summary)
        let id = try XCTUnwrap(started.object["job"] as? String, started.summary)
        let midway = try until(120) {
            let job = try ca.get("/v1/jobs/\(id)").object
            return (job["done"] as? Int ?? 0) >= 10 && job["state"] as? String == "running"
        }
        XCTAssertNotNil(midway, "A's scan never got under way")
        a.kill9()
        let atKill = try cb.get("/v1/jobs/\(id)").object
        XCTAssertEqual(atKill["state"] as? String, "running", "\(atKill)")

        let onB = try finished(cb, id)
        XCTAssertEqual(onB["state"] as? String, "done", "\(onB)")
        XCTAssertEqual(onB["total"] as? Int, count, "\(onB)")

        // The same folder scanned in one go, as a second dataset on B.
        XCTAssertEqual(try cb.putJSON("/v1/datasets/whole", ["root": base + "/pics"]).status, 201)
        let whole = try XCTUnwrap(try cb.request("POST", "/v1/datasets/whole/scan").object["job"] as? String)
        XCTAssertEqual(try finished(cb, whole)["state"] as? String, "done")
        let resumed = try cb.get("/v1/datasets/pics").object, oneGo = try cb.get("/v1/datasets/whole").object
        XCTAssertEqual(resumed["images"] as? Int, count, "\(resumed)")
        XCTAssertEqual(resumed["images"] as? Int, oneGo["images"] as? Int)
        XCTAssertEqual(resumed["errors"] as? Int, oneGo["errors"] as? Int)
        XCTAssertEqual(resumed["warnings"] as? Int, oneGo["warnings"] as? Int)
        // Every file is calla.jpg's pixels: a query by calla.jpg's hashes (as imagehash computes
        // them, see callaKeys) finds every file of both datasets, the same matches in each.
        let body = #"{"queries": [{"phash": "a3ee681c7326879a", "blockmean": "7c003e007e80fec0fee17afc7cfc3cfe30ff60ff00ff80ff00ff00fe00fe00ff"}], "limit": 10000}"#
        let answer = try cb.request("POST", "/v1/query", headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        XCTAssertEqual(answer.status, 200, answer.summary)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(answer.text.utf8)) as? [String: Any])
        let matches = try XCTUnwrap((object["results"] as? [[String: Any]])?.first?["matches"] as? [[String: Any]])
        func of(_ dataset: String) -> [String] {
            matches.filter { $0["dataset"] as? String == dataset }.compactMap { m in
                // Sorted keys: a dictionary's own description orders its keys per instance.
                (try? JSONSerialization.data(withJSONObject: m.filter { $0.key != "dataset" }, options: .sortedKeys))
                    .map { String(decoding: $0, as: UTF8.self) }
            }.sorted()
        }
        XCTAssertEqual(of("pics").count, count)
        XCTAssertEqual(of("pics"), of("whole"))
    }

    /// The keys of `up` whose picture matches calla.jpg's hashes, as `c` answers (a JSON query,
    /// up to 10,000 matches).
    private func callaKeys(_ c: HTTPClient) throws -> Set<String> {
        let body = #"{"queries": [{"phash": "a3ee681c7326879a", "blockmean": "7c003e007e80fec0fee17afc7cfc3cfe30ff60ff00ff80ff00ff00fe00fe00ff"}], "limit": 10000}"#
        let answer = try c.request("POST", "/v1/query", headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        guard answer.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(answer.text.utf8)) as? [String: Any],
              let results = object["results"] as? [[String: Any]], let matches = results.first?["matches"] as? [[String: Any]] else {
            return []
        }
        return Set(matches.compactMap { $0["dataset"] as? String == "up" ? $0["file"] as? String : nil })
    }

    /// SIGKILL of A while it takes uploads: every upload A acknowledged reaches B, and a
    /// restarted A loads them all.
    func testSIGKILLOfAReplicaMidUploadLosesNothingAcknowledged() throws {
        let url = try cluster.newDatabase().displayURL
        let args = ["--device", "cpu", "--store", url, "--store-password-file", cluster.passwordFile]
        let a = try ServerProcess(args)
        let b = try ServerProcess(args)
        defer { _ = b.stop() }
        let ca = try a.client(timeout: 10), cb = try b.client()
        XCTAssertEqual(try ca.request("PUT", "/v1/datasets/up").status, 201)
        let calla = try picture("calla.jpg")
        let acknowledged = Acknowledged()
        let uploading = Thread {
            for i in 0..<10_000 {
                var form = MultipartForm()
                form.addFile("k\(i).jpg", calla)
                guard let answer = try? ca.postMultipart("/v1/datasets/up/images", form) else { return }
                if answer.status == 200 { acknowledged.add("k\(i).jpg") } else { return }
            }
        }
        uploading.start()
        XCTAssertNotNil(until(60) { acknowledged.count >= 20 }, "A acknowledged only \(acknowledged.count) uploads")
        a.kill9()
        Thread.sleep(forTimeInterval: 0.5)
        let acked = acknowledged.keys
        XCTAssertGreaterThanOrEqual(acked.count, 20)
        XCTAssertNotNil(try until(30) { try callaKeys(cb).isSuperset(of: acked) },
                        "B lacks \(acked.subtracting((try? callaKeys(cb)) ?? []).sorted())")
        let again = try ServerProcess(args)
        defer { _ = again.stop() }
        XCTAssertTrue(try callaKeys(try again.client()).isSuperset(of: acked))
    }
}

/// The uploads A acknowledged, written by the uploading thread and read by the test.
private final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var set = Set<String>()
    func add(_ key: String) { lock.withLock { _ = set.insert(key) } }
    var keys: Set<String> { lock.withLock { set } }
    var count: Int { lock.withLock { set.count } }
}
