import Foundation
import HashStore
import TestSupport
import XCTest

/// The real `crosshash` binary on a real PostgreSQL 15 cluster (scripts/pg_server.sh, or the one
/// scripts/test.sh started) against the same commands on an SQLite store: `analyze` writes the
/// same output folders, byte for byte, on a first and a second (unchanged store) run, and
/// `serve` answers a dataset upload and a query alike.
final class PostgresEndToEndTests: XCTestCase {
    private var cluster: TestCluster!
    private var root: String!

    override func setUpWithError() throws {
        cluster = try TestCluster.shared()
        root = try E2E.tempDir("postgres")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    override class func tearDown() {
        TestCluster.stopShared()
        super.tearDown()
    }

    /// A new database's URL (no password in it).
    private func newStoreURL() throws -> String { try cluster.newDatabase().displayURL }

    /// Every file under `folder`, by relative path.
    private func tree(_ folder: String) throws -> [String: Data] {
        var files = [String: Data]()
        let base = URL(fileURLWithPath: folder)
        guard let walk = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        for case let url as URL in walk where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            files[String(url.path.dropFirst(base.path.count + 1))] = try Data(contentsOf: url)
        }
        return files
    }

    /// manifest.json with what may differ between two runs or two stores blanked: the timing
    /// object ("seconds", as scripts/compare_outputs.py masks it) and the store's own
    /// description (`store`: its path or URL and its size on disk, which differ by backend).
    private func masked(_ manifest: Data) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: manifest) as? [String: Any] else {
            XCTFail("manifest.json is not an object")
            return manifest
        }
        XCTAssertNotNil(object["seconds"], "the manifest's timings moved: update the mask")
        XCTAssertNotNil(object["store"], "the manifest's store moved: update the mask")
        object["seconds"] = "<masked>"
        object["store"] = "<masked>"
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    private func assertSameOutputs(_ a: String, _ b: String, _ label: String) throws {
        let x = try tree(a), y = try tree(b)
        XCTAssertEqual(x.keys.sorted(), y.keys.sorted(), label)
        XCTAssertGreaterThan(x.count, 10, "\(label): the output folder is nearly empty")
        for (path, bytes) in x.sorted(by: { $0.key < $1.key }) {
            guard let other = y[path] else { continue }
            if path == "manifest.json" {
                XCTAssertEqual(try masked(bytes), try masked(other), "\(label): \(path)")
            } else {
                XCTAssertTrue(bytes == other, "\(label): \(path) differs")
            }
        }
    }

    func testAnalyzeWritesTheSameOutputsOnPostgreSQLAsOnSQLite() throws {
        let fixtures = E2E.fixtures.path
        let datasets = ["a=\(fixtures)/dihedral/orig", "b=\(fixtures)/dihedral/turned", "c=\(fixtures)/images/real"]
        let flags = ["--device", "cpu", "--dihedral", "--within", "--families", "phash,blockmean,pdq"]
        let sqlite = root + "/store.sqlite"
        let url = try newStoreURL()
        for run in 1...2 {
            let lite = try E2E.run(["analyze"] + datasets + flags + ["--store", sqlite, "--out", "\(root!)/sqlite\(run)"])
            XCTAssertEqual(lite.status, 0, lite.stderr)
            let pg = try E2E.run(["analyze"] + datasets + flags + ["--store", url, "--store-password-file", cluster.passwordFile,
                                                                   "--out", "\(root!)/pg\(run)"])
            XCTAssertEqual(pg.status, 0, pg.stderr)
            XCTAssertTrue(pg.stderr.contains(run == 1 ? "0 reused from the store" : "0 decoded"), pg.stderr)
            XCTAssertTrue(pg.stderr.contains("pdq pairs"), pg.stderr)
            try assertSameOutputs("\(root!)/sqlite\(run)", "\(root!)/pg\(run)", "run \(run)")
            // The store's description names the URL, never the password.
            let manifest = try String(contentsOfFile: "\(root!)/pg\(run)/manifest.json", encoding: .utf8)
            XCTAssertTrue(manifest.contains("\"path\": \"\(url)\""), manifest)
            XCTAssertFalse(manifest.contains(cluster.password))
        }
        // PGPASSWORD works as the file does; a wrong one stops the run before any work, saying what to do.
        let env = try E2E.run(["analyze", datasets[0], "--device", "cpu", "--store", url, "--out", root + "/env"],
                              env: ["PGPASSWORD": cluster.password])
        XCTAssertEqual(env.status, 0, env.stderr)
        let wrong = try E2E.run(["analyze", datasets[0], "--device", "cpu", "--store", url, "--out", root + "/wrong"],
                                env: ["PGPASSWORD": "not-the-password"])
        XCTAssertEqual(wrong.status, 2, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("--store-password-file or PGPASSWORD"), wrong.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/wrong/manifest.json"))
    }

    func testServeAnswersAnUploadAndAQueryAsOnSQLite() throws {
        let url = try newStoreURL()
        func session(_ store: [String], env: [String: String]) throws -> [String] {
            let server = try ServerProcess(["--device", "cpu"] + store, env: env)
            defer { _ = server.stop() }
            let c = try server.client()
            var answers = [String]()
            answers.append("\(try c.request("PUT", "/v1/datasets/up").status)")
            var form = MultipartForm()
            for name in ["calla.jpg", "city.png", "goldfish.jpg", "the_mouse.jpg"] {
                form.addFile(name, try Array(Data(contentsOf: E2E.fixtures.appendingPathComponent("images/real/" + name))))
            }
            let up = try c.postMultipart("/v1/datasets/up/images", form)
            answers.append("\(up.status) \(up.text)")
            var query = MultipartForm()
            query.addFile("probe.jpg", try Array(Data(contentsOf: E2E.fixtures.appendingPathComponent("images/real/calla.jpg"))))
            let q = try c.postMultipart("/v1/query", query)
            answers.append("\(q.status) \(q.text)")
            let list = try c.get("/v1/datasets")
            answers.append("\(list.status) \(list.text)")
            return answers
        }
        let lite = try session(["--store", root + "/serve.sqlite"], env: [:])
        let pg = try session(["--store", url], env: ["PGPASSWORD": cluster.password])
        XCTAssertEqual(lite.count, 4)
        XCTAssertTrue(lite[2].contains("\"file\" : \"calla.jpg\"") || lite[2].contains("\"file\": \"calla.jpg\""), lite[2])
        XCTAssertEqual(pg, lite)
        // A restarted service finds the uploads in PostgreSQL (the start streams them back).
        let again = try ServerProcess(["--device", "cpu", "--store", url], env: ["PGPASSWORD": cluster.password])
        defer { _ = again.stop() }
        let list = try again.client().get("/v1/datasets")
        XCTAssertTrue(list.text.contains("\"images\" : 4") || list.text.contains("\"images\": 4"), list.text)
    }
}
