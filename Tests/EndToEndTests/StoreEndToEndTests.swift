import XCTest
import TestSupport
import Foundation

/// The hash store through the real binary: runs that remember (reuse by stat, by content
/// digest), outputs byte-identical with and without the store, a SIGKILL in the middle of a
/// run, two processes on one store, and store files that must not be used.
final class StoreEndToEndTests: XCTestCase {
    static let layout: [(String, [(String, String)])] = [
        ("museum", [("calla.jpg", "real/calla.jpg"), ("city.png", "real/city.png"), ("rooms/rhythm.png", "real/rhythm.png"),
                    ("baseline_420.jpg", "jpeg/baseline_420.jpg"), ("notes/README.txt", "hostile/README.txt"),
                    ("broken/cut.jpg", "hostile/truncated_scan.jpg")]),
        ("archive", [("copies/calla_copy.jpg", "real/calla.jpg"), ("goldfish.jpg", "real/goldfish.jpg"),
                     ("the_mouse.jpg", "real/the_mouse.jpg"), ("empty.jpg", "hostile/empty.jpg")]),
        ("web", [("c.jpg", "real/calla.jpg"), ("desert.png", "real/desert.png"), ("cut.jpg", "hostile/truncated_scan.jpg")]),
    ]
    /// The files every analysis writes whose bytes must not depend on the store (all but manifest.json).
    static let deterministic = ["perceptual_cross_duplicates.json", "robust_cross_duplicates.json", "verified_cross_duplicates.json",
                                "REPORT.md", "report.html",
                                "museum/perceptual_hashes.json", "museum/robust_hashes.json", "museum/errors.json",
                                "archive/perceptual_hashes.json", "archive/robust_hashes.json", "archive/errors.json",
                                "web/perceptual_hashes.json", "web/robust_hashes.json", "web/errors.json"]

    var root = ""
    var store: String { root + "/state/store.sqlite" }

    override func setUpWithError() throws {
        root = try E2E.tempDir("store")
        for (dataset, files) in Self.layout {
            for (key, fixture) in files { try E2E.copy(fixture, to: "\(root)/\(dataset)/\(key)") }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func datasets(_ names: [String]? = nil) -> [String] {
        (names ?? Self.layout.map(\.0)).map { "\($0)=\(root)/\($0)" }
    }

    @discardableResult
    func analyze(_ out: String, _ args: [String], store: [String]? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> E2E.Run {
        let r = try E2E.run(["analyze"] + args + ["--out", root + "/" + out] + (store ?? ["--store", self.store]))
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    /// manifest.json's "files" counts: (decoded, reused, errors), in total or for one dataset.
    func counts(_ out: String, dataset: String? = nil) throws -> [Int] {
        let manifest = try XCTUnwrap(try E2E.json(root + "/" + out + "/manifest.json") as? [String: Any])
        var files = manifest["files"] as? [String: Any]
        if let dataset {
            let entry = (manifest["datasets"] as? [[String: Any]])?.first { $0["name"] as? String == dataset }
            files = entry?["files"] as? [String: Any]
        }
        let f = try XCTUnwrap(files, "no files counts in manifest.json")
        return ["decoded", "reused", "errors"].map { f[$0] as? Int ?? -1 }
    }

    func assertSameOutputs(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let thumbnails = try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(a)/examples").sorted()
        XCTAssertFalse(thumbnails.isEmpty, file: file, line: line)
        XCTAssertEqual(thumbnails, try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(b)/examples").sorted(), file: file, line: line)
        for name in Self.deterministic + thumbnails.map({ "examples/" + $0 }) + ["perceptual_venn_diagram.svg", "robust_distance_histogram.png"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(a)/\(name)"))
            let y = try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(b)/\(name)"))
            XCTAssertEqual(x, y, "\(a)/\(name) differs from \(b)/\(name)", file: file, line: line)
        }
    }

    func testSecondRunReusesEverythingWithIdenticalOutputs() throws {
        let first = try analyze("first", datasets())
        // 13 files: 9 images, 4 that cannot be hashed (text, truncated JPEG, empty file, GIF).
        XCTAssertEqual(try counts("first"), [13, 0, 4])
        XCTAssertTrue(first.stderr.contains("0 reused from the store"), first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: store), "the store file is created")

        let second = try analyze("second", datasets())
        XCTAssertEqual(try counts("second"), [0, 13, 4], "nothing changed: every file, broken ones too, comes from the store")
        XCTAssertTrue(second.stderr.contains("(0 decoded, 13 reused from the store)"), second.stderr)
        try analyze("nostore", datasets(), store: ["--no-store"])
        XCTAssertEqual(try counts("nostore"), [13, 0, 4])
        try assertSameOutputs("first", "second")
        try assertSameOutputs("first", "nostore")

        let manifest = try XCTUnwrap(try E2E.json(root + "/second/manifest.json") as? [String: Any])
        let storeInfo = try XCTUnwrap(manifest["store"] as? [String: Any])
        XCTAssertEqual(storeInfo["path"] as? String, store)
        XCTAssertGreaterThan(storeInfo["bytes"] as? Int ?? 0, 0)

        if try E2E.openCLAvailable() {
            try analyze("opencl", datasets() + ["--device", "opencl"], store: ["--no-store"])
            try assertSameOutputs("first", "opencl")
        }
    }

    func testDefaultStoreLivesInTheCacheFolder() throws {
        let cache = root + "/cache"
        let r = try E2E.run(["analyze"] + datasets(["web"]) + ["--out", root + "/o"], env: ["XDG_CACHE_HOME": cache])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache + "/crosshash/store.sqlite"))
        let again = try E2E.run(["analyze"] + datasets(["web"]) + ["--out", root + "/o2"], env: ["XDG_CACHE_HOME": cache])
        XCTAssertTrue(again.stderr.contains("(0 decoded, 3 reused"), again.stderr)
    }

    func testRenamedFoldersNewDatasetsAndChangedFiles() throws {
        try analyze("first", datasets())
        let fm = FileManager.default

        // A renamed folder under the same dataset name: same inodes, nothing is even read.
        try fm.moveItem(atPath: root + "/archive", toPath: root + "/archive_moved")
        try analyze("moved", ["museum=\(root)/museum", "archive=\(root)/archive_moved", "web=\(root)/web"])
        XCTAssertEqual(try counts("moved", dataset: "archive"), [0, 4, 1])

        // Copied under another dataset name: new rows, but every content is known by its digest.
        try fm.copyItem(atPath: root + "/archive_moved", toPath: root + "/archive_copy")
        try analyze("copied", ["museum=\(root)/museum", "archive_copy=\(root)/archive_copy"])
        XCTAssertEqual(try counts("copied", dataset: "archive_copy"), [0, 4, 1], "digest reuse: 0 files decoded")

        // A fourth dataset: only its new images are decoded (calla.jpg is known content).
        try E2E.copy("real/warty_final.jpg", to: root + "/fourth/warty.jpg")
        try E2E.copy("real/string.jpg", to: root + "/fourth/string.jpg")
        try E2E.copy("real/calla.jpg", to: root + "/fourth/calla_again.jpg")
        try analyze("four", ["museum=\(root)/museum", "archive=\(root)/archive_moved", "web=\(root)/web", "fourth=\(root)/fourth"])
        XCTAssertEqual(try counts("four", dataset: "fourth"), [2, 1, 0])
        XCTAssertEqual(try counts("four"), [2, 14, 4])

        // A changed file is decoded again; a deleted one leaves the dataset; a fixed one leaves errors.json.
        try fm.removeItem(atPath: root + "/web/desert.png")
        try fm.removeItem(atPath: root + "/web/c.jpg")
        try E2E.copy("real/goldfish.jpg", to: root + "/web/c.jpg")
        try fm.removeItem(atPath: root + "/museum/broken/cut.jpg")
        try E2E.copy("real/the_mouse.jpg", to: root + "/museum/broken/cut.jpg")
        try analyze("changed", datasets(["museum", "web"]))
        let web = try XCTUnwrap(try E2E.json(root + "/changed/web/perceptual_hashes.json") as? [String: String])
        XCTAssertEqual(web.keys.sorted(), ["c.jpg"], "desert.png was deleted")
        let expected = try E2E.expected()
        XCTAssertEqual(web["c.jpg"], expected["real/goldfish.jpg"]?["phash"] as? String, "the new content's hash, not the stored one")
        let museumErrors = try XCTUnwrap(try E2E.json(root + "/changed/museum/errors.json") as? [[String: Any]])
        XCTAssertEqual(museumErrors.compactMap { $0["file"] as? String }, ["notes/README.txt"])
        // Both replaced files are known content (goldfish and the mouse are in archive): reused by digest.
        XCTAssertEqual(try counts("changed"), [0, 8, 2])
        try analyze("changed_nostore", datasets(["museum", "web"]), store: ["--no-store"])
        for name in ["museum/perceptual_hashes.json", "museum/errors.json", "web/robust_hashes.json", "perceptual_cross_duplicates.json"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(root)/changed/\(name)")),
                           try Data(contentsOf: URL(fileURLWithPath: "\(root)/changed_nostore/\(name)")), name)
        }
    }

    func testOtherDecodeLimitsAreAnotherHashingVersion() throws {
        try analyze("first", datasets(["web"]))
        // The limits decide outcomes (an image over --max-pixels is an error), so results made under
        // other limits are not reused: every file is decoded again.
        try analyze("limits", datasets(["web"]) + ["--max-pixels", "100000"])
        XCTAssertEqual(try counts("limits"), [3, 0, 3], "both pictures are over 100,000 pixels, and the cut JPEG fails")
        let errors = try XCTUnwrap(try E2E.json(root + "/limits/web/errors.json") as? [[String: Any]])
        XCTAssertTrue(errors.contains { ($0["error"] as? String ?? "").contains("--max-pixels") }, "\(errors)")
    }

    // MARK: Faults

    /// Many distinct files (the same small PNG with different bytes after its end, which every
    /// decoder ignores), so a run lasts long enough to be killed in the middle.
    func makeManyFiles(_ count: Int, in folder: String) throws {
        let png = try Data(contentsOf: E2E.fixtures.appendingPathComponent("images/edge/square_256.png"))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for i in 0..<count {
            try (png + Data("crosshash-\(i)".utf8)).write(to: URL(fileURLWithPath: "\(folder)/img\(i).png"))
        }
    }

    func testSigkillMidRunLeavesAConsistentStore() throws {
        try makeManyFiles(1500, in: root + "/many")
        let p = try E2E.process(["analyze", "many=\(root)/many", "--out", root + "/killed", "--store", store, "--threads", "1"])
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until some batches are committed (read through a second connection, as any
        // reader of a WAL database may), then kill without warning.
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning, Date() < deadline {
            if let n = Int(try sqlite3(store, "select count(*) from content;", allowFailure: true)), n >= 300 { break }
            usleep(50_000)
        }
        XCTAssertTrue(p.isRunning, "the run ended before it could be killed; make it longer")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)

        try analyze("resumed", ["many=\(root)/many"])
        let c = try counts("resumed")
        XCTAssertEqual(c[0] + c[1], 1500)
        XCTAssertGreaterThan(c[1], 0, "batches committed before the kill are reused")
        XCTAssertGreaterThan(c[0], 0, "the kill came before the end")
        try analyze("clean", ["many=\(root)/many"], store: ["--no-store"])
        for name in ["many/perceptual_hashes.json", "many/robust_hashes.json", "many/errors.json"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(root)/resumed/\(name)")),
                           try Data(contentsOf: URL(fileURLWithPath: "\(root)/clean/\(name)")), name)
        }
        try analyze("third", ["many=\(root)/many"])
        XCTAssertEqual(try counts("third"), [0, 1500, 0])
    }

    func testTwoProcessesOnOneStore() throws {
        // Fewer files under AddressSanitizer, where each run is several times slower: the two
        // processes still overlap for many transactions.
        let count = TestEnvironment.underAddressSanitizer ? 150 : 400
        try makeManyFiles(count, in: root + "/left")
        try makeManyFiles(count, in: root + "/right")
        // Both write the same contents (the files are equal across folders) and their own datasets.
        let runs = try ["left", "right"].map { name -> Process in
            let p = try E2E.process(["analyze", "\(name)=\(root)/\(name)", "shared=\(root)/web", "--out", root + "/out_" + name,
                                     "--store", store, "--threads", "1"])
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in runs { try p.run() }
        for p in runs { p.waitUntilExit() }
        XCTAssertEqual(runs.map(\.terminationStatus), [0, 0])
        try analyze("check", ["left=\(root)/left", "right=\(root)/right", "shared=\(root)/web"])
        XCTAssertEqual(try counts("check"), [0, 2 * count + 3, 1], "both runs' results are in the store")
        try analyze("clean", ["left=\(root)/left", "right=\(root)/right", "shared=\(root)/web"], store: ["--no-store"])
        for name in ["left/perceptual_hashes.json", "right/robust_hashes.json", "shared/errors.json", "robust_cross_duplicates.json"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(root)/check/\(name)")),
                           try Data(contentsOf: URL(fileURLWithPath: "\(root)/clean/\(name)")), name)
        }
    }

    /// `--store` naming a file that must not be used: exit status 2, a message naming the file
    /// and what to do, and the file untouched.
    func assertRefused(_ path: String, saying words: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let r = try E2E.run(["analyze"] + datasets(["web"]) + ["--out", root + "/refused", "--store", path])
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(path), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(words), r.stderr, file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "the file is never overwritten", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/refused/manifest.json"), file: file, line: line)
    }

    /// Runs SQL with Debian's sqlite3 shell (scripts/setup.sh installs it); returns its output.
    @discardableResult
    func sqlite3(_ path: String, _ sql: String, allowFailure: Bool = false) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { throw XCTSkip("/usr/bin/sqlite3 is missing") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if !allowFailure { XCTAssertEqual(p.terminationStatus, 0, sql) }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testUnusableStoreFilesAreRefused() throws {
        let text = root + "/notes.txt"
        try Data("my notes, not a database\n".utf8).write(to: URL(fileURLWithPath: text))
        try assertRefused(text, saying: "--store")

        let foreign = root + "/other.sqlite"
        try sqlite3(foreign, "create table photos(id integer primary key, title text); insert into photos values(1, 'x');")
        try assertRefused(foreign, saying: "not a crosshash store")

        // A real store from a newer crosshash (a migration this build does not know).
        try analyze("first", datasets(["web"]))
        let newer = root + "/newer.sqlite"
        try analyze("n", datasets(["web"]), store: ["--store", newer])
        try sqlite3(newer, "insert into grdb_migrations values('v999-from-the-future');")
        try assertRefused(newer, saying: "newer")

        // A damaged store: a real one with its pages overwritten.
        let damaged = root + "/damaged.sqlite"
        try makeManyFiles(300, in: root + "/many")
        try analyze("d", ["many=\(root)/many"], store: ["--store", damaged])
        try sqlite3(damaged, "pragma wal_checkpoint(truncate);")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: damaged))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data((0..<16384).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }))
        try handle.close()
        try assertRefused(damaged, saying: "damaged")
    }
}
