import XCTest
import Foundation

/// `crosshash match`: the matching and reporting half of `analyze` from hashes only (an analyze
/// output, `hash --json` shards, the store) gives the same files as `analyze`; `--max-pairs`
/// truncation is said everywhere.
final class MatchEndToEndTests: XCTestCase {
    var root = ""
    let layout = AnalyzeEndToEndTests.layout
    var names: [String] { layout.map(\.0) }

    override func setUpWithError() throws {
        root = try E2E.tempDir("match")
        for (dataset, files) in layout {
            for (key, fixture) in files { try E2E.copy(fixture, to: "\(root)/\(dataset)/\(key)") }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func run(_ args: [String], status: Int32 = 0) throws -> E2E.Run {
        let r = try E2E.run(args)
        XCTAssertEqual(r.status, status, "\(args.joined(separator: " ")): \(r.stderr)")
        return r
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Every JSON output but manifest.json (timings, sources) byte-identical.
    func assertSameData(_ got: String, _ want: String, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var files = ["perceptual_cross_duplicates.json", "robust_cross_duplicates.json", "verified_cross_duplicates.json"]
        for n in names { files += ["\(n)/perceptual_hashes.json", "\(n)/robust_hashes.json"] }
        for f in files {
            XCTAssertEqual(try bytes("\(got)/\(f)"), try bytes("\(want)/\(f)"), "\(label): \(f)", file: file, line: line)
        }
        XCTAssert(FileManager.default.fileExists(atPath: got + "/REPORT.md"), label, file: file, line: line)
        XCTAssert(FileManager.default.fileExists(atPath: got + "/report.html"), label, file: file, line: line)
    }

    func testMatchFromAnalyzeOutputShardsAndStoreEqualsAnalyze() throws {
        let store = root + "/store.sqlite"
        let analyzed = root + "/analyzed"
        _ = try run(["analyze"] + names.map { "\($0)=\(root)/\($0)" } + ["--out", analyzed, "--store", store])
        let cross = try JSONSerialization.jsonObject(with: try bytes(analyzed + "/perceptual_cross_duplicates.json")) as? [String: Any]
        XCTAssertGreaterThan((cross?["pairs"] as? [Any])?.count ?? 0, 2, "the fixtures have cross-dataset copies")

        // 1. From the analyze output's dataset folders.
        let fromOutput = root + "/from-output"
        _ = try run(["match", "--device", "cpu"] + names.map { "\($0)=\(analyzed)/\($0)" } + ["--out", fromOutput])
        try assertSameData(fromOutput, analyzed, "from the analyze output")
        for n in names {
            XCTAssertEqual(try bytes("\(fromOutput)/\(n)/errors.json"), try bytes("\(analyzed)/\(n)/errors.json"), "errors of \(n)")
        }

        // 2. From `hash --json --relative --shard K/3` files, three shards per dataset.
        var shardArgs = [String]()
        for n in names {
            var lines = 0
            for k in 1...3 {
                let r = try run(["hash", "--json", "--relative", "--shard", "\(k)/3", "--device", "cpu", "\(root)/\(n)"])
                let path = "\(root)/\(n)-shard\(k).jsonl"
                try r.stdout.write(to: URL(fileURLWithPath: path))
                lines += r.text.split(separator: "\n").count
                shardArgs.append("\(n)=\(path)")
            }
            let whole = try run(["hash", "--json", "--relative", "--device", "cpu", "\(root)/\(n)"])
            XCTAssertEqual(lines, whole.text.split(separator: "\n").count, "the shards of \(n) cover it exactly once")
        }
        let fromShards = root + "/from-shards"
        _ = try run(["match"] + shardArgs + names.map { "--images=\($0)=\(root)/\($0)" } + ["--out", fromShards])
        try assertSameData(fromShards, analyzed, "from hash --json shards")

        // 3. From the store.
        let fromStore = root + "/from-store"
        _ = try run(["match", "--store", store] + names.map { "\($0)=store:\($0)" } + ["--out", fromStore])
        try assertSameData(fromStore, analyzed, "from the store")

        // Another threshold: the same as analyze at that threshold.
        let loose = root + "/loose", looseMatch = root + "/loose-match"
        _ = try run(["analyze"] + names.map { "\($0)=\(root)/\($0)" } + ["--out", loose, "--store", store, "--phash-threshold", "20"])
        _ = try run(["match"] + names.map { "\($0)=\(analyzed)/\($0)" } + ["--out", looseMatch, "--phash-threshold", "20"])
        try assertSameData(looseMatch, loose, "threshold 20")
    }

    func testMaxPairsTruncatesVisiblyAndBadSourcesAreRefused() throws {
        let analyzed = root + "/analyzed"
        _ = try run(["analyze"] + names.map { "\($0)=\(root)/\($0)" } + ["--out", analyzed, "--no-store"])
        let capped = root + "/capped"
        let r = try run(["match"] + names.map { "\($0)=\(analyzed)/\($0)" } + ["--out", capped, "--max-pairs", "1"])
        XCTAssert(r.stderr.contains("TRUNCATED"), r.stderr)
        XCTAssert(r.stderr.contains("--max-pairs"), r.stderr)
        let doc = try JSONSerialization.jsonObject(with: try bytes(capped + "/perceptual_cross_duplicates.json")) as? [String: Any]
        XCTAssertEqual(doc?["truncated"] as? Bool, true)
        XCTAssertEqual((doc?["pairs"] as? [Any])?.count, 1)
        let full = try JSONSerialization.jsonObject(with: try bytes(analyzed + "/perceptual_cross_duplicates.json")) as? [String: Any]
        XCTAssertEqual(doc?["pairs_found"] as? Int, (full?["pairs"] as? [Any])?.count)
        XCTAssert(try String(contentsOfFile: capped + "/REPORT.md", encoding: .utf8).contains("Truncated:"))
        XCTAssert(try String(contentsOfFile: capped + "/report.html", encoding: .utf8).contains("Truncated:"))
        let manifest = try JSONSerialization.jsonObject(with: try bytes(capped + "/manifest.json")) as? [String: Any]
        XCTAssertNotNil((manifest?["truncated"] as? [String: Any])?["phash"])

        let garbage = root + "/garbage.jsonl"
        try Data("{\"file\": \"a.jpg\", \"phash\": \"zz\"}\n".utf8).write(to: URL(fileURLWithPath: garbage))
        let bad = try run(["match", "x=\(garbage)", "--out", root + "/bad"], status: 2)
        XCTAssert(bad.stderr.contains("line 1"), bad.stderr)
        let missing = try run(["match", "x=\(root)/nope", "--out", root + "/bad"], status: 64)
        XCTAssert(missing.stderr.contains("no such file or folder"), missing.stderr)
        let noStore = try run(["match", "--store", root + "/s.sqlite", "x=store:museum", "--out", root + "/bad"], status: 2)
        XCTAssert(noStore.stderr.contains("no hash store here"), noStore.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/s.sqlite"), "a missing store is not created")
        _ = try run(["analyze", "museum=\(root)/museum", "--out", root + "/one", "--store", root + "/s.sqlite"])
        let noDataset = try run(["match", "--store", root + "/s.sqlite", "x=store:nothing", "--out", root + "/bad"], status: 2)
        XCTAssert(noDataset.stderr.contains("no dataset named 'nothing'"), noDataset.stderr)
    }

    /// `match` decodes pictures only to verify pairs and draw thumbnails, and honours the same
    /// decode limits as `analyze` there: under a one-pixel limit no picture decodes, so no pair
    /// is verified and every thumbnail is the placeholder.
    func testMatchHonoursTheDecodeLimits() throws {
        let analyzed = root + "/analyzed"
        _ = try run(["analyze"] + names.map { "\($0)=\(root)/\($0)" } + ["--out", analyzed, "--no-store"])
        func verified(_ out: String) throws -> Int {
            let doc = try JSONSerialization.jsonObject(with: try bytes(out + "/verified_cross_duplicates.json")) as? [String: Any]
            return try XCTUnwrap(doc?["verified"] as? Int)
        }
        let plain = root + "/plain", limited = root + "/limited"
        _ = try run(["match"] + names.map { "\($0)=\(analyzed)/\($0)" } + ["--out", plain])
        _ = try run(["match"] + names.map { "\($0)=\(analyzed)/\($0)" } + ["--out", limited, "--max-pixels", "1"])
        XCTAssertGreaterThan(try verified(plain), 0, "the fixtures have verified copies")
        XCTAssertEqual(try verified(limited), 0, "no picture decodes under --max-pixels 1")
        let thumbnails = try FileManager.default.contentsOfDirectory(atPath: limited + "/examples").sorted()
        XCTAssertFalse(thumbnails.isEmpty)
        let placeholder = try bytes("\(limited)/examples/\(thumbnails[0])")
        for t in thumbnails { XCTAssertEqual(try bytes("\(limited)/examples/\(t)"), placeholder, "\(t) is the placeholder") }
        let byBytes = try run(["match"] + names.map { "\($0)=\(analyzed)/\($0)" } + ["--out", root + "/bytes", "--max-file-bytes", "1"])
        XCTAssert(byBytes.stderr.contains("0 verified"), byBytes.stderr)
    }
}

