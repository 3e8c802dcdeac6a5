import XCTest
import Foundation

/// `crosshash analyze` on three generated datasets with planted cross-dataset duplicates: real
/// pictures copied under other names, the same picture in another JPEG encoding, and bad files.
/// Expected hashes and distances come from Tests/Fixtures/expected.json (the reference tools).
final class AnalyzeEndToEndTests: XCTestCase {
    /// dataset -> [(key in the dataset, fixture it is a copy of)]
    static let layout: [(String, [(String, String)])] = [
        ("museum", [("calla.jpg", "real/calla.jpg"), ("city.png", "real/city.png"), ("goldfish.jpg", "real/goldfish.jpg"),
                    ("rooms/rhythm.png", "real/rhythm.png"), ("rooms/deep/string.jpg", "real/string.jpg"),
                    ("baseline_420.jpg", "jpeg/baseline_420.jpg"), ("notes/README.txt", "hostile/README.txt"),
                    ("broken/page.jpg", "hostile/html_page.jpg")]),
        ("archive", [("copies/calla_copy.jpg", "real/calla.jpg"), ("goldfish.jpg", "real/goldfish.jpg"),
                     ("the_mouse.jpg", "real/the_mouse.jpg"), ("baseline_444.jpg", "jpeg/baseline_444.jpg"),
                     ("empty.jpg", "hostile/empty.jpg"), ("cut.jpg", "hostile/truncated_scan.jpg")]),
        ("web", [("c.jpg", "real/calla.jpg"), ("warty_final.jpg", "real/warty_final.jpg"), ("desert.png", "real/desert.png"),
                 ("anim.gif", "hostile/unsupported.gif")]),
    ]

    var root = ""
    var expected = [String: [String: Any]]()

    override func setUpWithError() throws {
        root = try E2E.tempDir("analyze")
        expected = try E2E.expected()
        for (dataset, files) in Self.layout {
            for (key, fixture) in files { try E2E.copy(fixture, to: "\(root)/\(dataset)/\(key)") }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func analyze(_ out: String, _ extra: [String] = []) throws -> E2E.Run {
        let args = ["analyze"] + Self.layout.map { "\($0.0)=\(root)/\($0.0)" } + ["--out", out] + extra
        let r = try E2E.run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    func reference(_ fixture: String, _ alg: String) -> String? { expected[fixture]?[alg] as? String }

    /// The pairs the reference hashes imply: every cross-dataset pair within the threshold.
    func referencePairs(_ alg: String, threshold: Int) -> [String] {
        var out = [String]()
        for (i, (da, fa)) in Self.layout.enumerated() {
            for (db, fb) in Self.layout[(i + 1)...] {
                for (ka, xa) in fa {
                    for (kb, xb) in fb {
                        guard let ha = reference(xa, alg), let hb = reference(xb, alg) else { continue }
                        let d = E2E.hamming(ha, hb)
                        if d <= threshold { out.append("\(da)/\(ka) \(db)/\(kb) \(d)") }
                    }
                }
            }
        }
        return out.sorted()
    }

    func pairs(_ doc: Any) -> [String] {
        let pairs = (doc as? [String: Any])?["pairs"] as? [[String: Any]] ?? []
        return pairs.map { p in
            let a = p["a"] as? [String: Any] ?? [:], b = p["b"] as? [String: Any] ?? [:]
            return "\(a["dataset"] ?? "")/\(a["file"] ?? "") \(b["dataset"] ?? "")/\(b["file"] ?? "") \(p["distance"] ?? "")"
        }
    }

    func testOutputsMatchTheReferenceTools() throws {
        let out = root + "/out"
        let run = try analyze(out)
        XCTAssertTrue(run.stderr.contains("phash pairs"), "summary line missing: \(run.stderr)")
        // stderr is a pipe here: no progress redraws, only the summary.
        XCTAssertFalse(run.stderr.contains("ETA") || run.stderr.contains("\r"), run.stderr)

        // Every file is in exactly one of the hash files or errors.json, hashes equal the reference.
        for (dataset, files) in Self.layout {
            let ph = try E2E.json("\(out)/\(dataset)/perceptual_hashes.json") as? [String: String] ?? [:]
            let bm = try E2E.json("\(out)/\(dataset)/robust_hashes.json") as? [String: String] ?? [:]
            let errors = try E2E.json("\(out)/\(dataset)/errors.json") as? [[String: Any]] ?? []
            let errorFiles = Set(errors.compactMap { $0["file"] as? String })
            for (key, fixture) in files {
                let isImage = reference(fixture, "phash") != nil
                if isImage {
                    XCTAssertEqual(ph[key], reference(fixture, "phash"), "\(dataset)/\(key) phash")
                    XCTAssertEqual(bm[key], reference(fixture, "blockmean"), "\(dataset)/\(key) blockmean")
                    XCTAssertFalse(errorFiles.contains(key), "\(dataset)/\(key) both hashed and failed")
                } else {
                    XCTAssertNil(ph[key], "\(dataset)/\(key) should not be hashed")
                    XCTAssertTrue(errorFiles.contains(key), "\(dataset)/\(key) missing from errors.json")
                }
            }
            XCTAssertEqual(ph.count + errorFiles.count, files.count, "\(dataset): a file was dropped or invented")
        }
        let museumErrors = try E2E.json("\(out)/museum/errors.json") as? [[String: Any]] ?? []
        let reasons = Dictionary(uniqueKeysWithValues: museumErrors.map { ($0["file"] as? String ?? "", $0["error"] as? String ?? "") })
        XCTAssertTrue(reasons["broken/page.jpg"]?.hasPrefix("not an image (starts with `<!DOCTYPE") == true, reasons["broken/page.jpg"] ?? "")
        XCTAssertTrue(reasons["notes/README.txt"]?.hasPrefix("not an image") == true, reasons["notes/README.txt"] ?? "")

        // Pairs equal what the reference hashes imply, in OUTPUTS.md's order.
        for (alg, prefix) in [("phash", "perceptual"), ("blockmean", "robust")] {
            let doc = try E2E.json("\(out)/\(prefix)_cross_duplicates.json")
            let found = pairs(doc)
            XCTAssertEqual(found.sorted(), referencePairs(alg, threshold: 8), alg)
            XCTAssertEqual(found, found.sorted { a, b in
                let order = ["museum": 0, "archive": 1, "web": 2]
                func parts(_ s: String) -> (Int, Int, String, String) {
                    let f = s.split(separator: " ").map(String.init)
                    let da = String(f[0].split(separator: "/")[0]), db = String(f[1].split(separator: "/")[0])
                    return (order[da] ?? 9, order[db] ?? 9, f[0], f[1])
                }
                return parts(a) < parts(b)
            }, "\(alg) pairs are not in (dataset a, dataset b, a.file, b.file) order")
            // The planted triple: calla in all three datasets forms one group.
            let groups = (doc as? [String: Any])?["groups"] as? [[[String: Any]]] ?? []
            let flat = groups.map { $0.map { "\($0["dataset"] ?? "")/\($0["file"] ?? "")" } }
            XCTAssertTrue(flat.contains(["museum/calla.jpg", "archive/copies/calla_copy.jpg", "web/c.jpg"]), "\(alg) groups: \(flat)")
            XCTAssertTrue(flat.contains(["museum/goldfish.jpg", "archive/goldfish.jpg"]), "\(alg) groups: \(flat)")
        }

        // Reports: REPORT.md sections, a row per pair, thumbnails present, HTML self-contained.
        let report = try String(contentsOfFile: out + "/REPORT.md", encoding: .utf8)
        XCTAssertTrue(report.contains("perceptual_venn_diagram.png"))
        // Markdown escapes the underscore.
        XCTAssertTrue(report.contains("**Dataset:** archive <br> **Filename:** copies/calla\\_copy"), "pair cell missing")
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("src=\"//"), "report.html reaches the network")
        let thumbs = try FileManager.default.contentsOfDirectory(atPath: out + "/examples")
        XCTAssertTrue(thumbs.contains { $0.contains("calla") }, "thumbnails: \(thumbs)")
        for name in ["perceptual_venn_diagram.png", "robust_venn_diagram.svg", "manifest.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(name)"), name)
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: out + "/perceptual_venn_diagram.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let width = png.count > 24 ? Int(png[16]) << 24 | Int(png[17]) << 16 | Int(png[18]) << 8 | Int(png[19]) : 0
        XCTAssertGreaterThanOrEqual(width, 800)
    }

    func testOutputsAreDeterministicAcrossRunsThreadsAndDevices() throws {
        let a = root + "/out-a", b = root + "/out-b"
        _ = try analyze(a, ["--threads", "1"])
        _ = try analyze(b, ["--threads", "3"])
        var outs = [b]
        if try E2E.openCLAvailable() {
            let c = root + "/out-c"
            _ = try analyze(c, ["--device", "opencl"])
            outs.append(c)
        }
        let files = ["perceptual_cross_duplicates.json", "robust_cross_duplicates.json", "REPORT.md",
                     "museum/perceptual_hashes.json", "museum/robust_hashes.json", "museum/errors.json",
                     "archive/errors.json", "web/robust_hashes.json"]
        for other in outs {
            for f in files {
                let x = try Data(contentsOf: URL(fileURLWithPath: "\(a)/\(f)"))
                let y = try Data(contentsOf: URL(fileURLWithPath: "\(other)/\(f)"))
                XCTAssertEqual(x, y, "\(f) differs between \(a) and \(other)")
            }
        }
    }

    func testDatasetArgumentsAreValidated() throws {
        let dup = try E2E.run(["analyze", "x=\(root)/museum", "x=\(root)/web", "--out", root + "/o"])
        XCTAssertNotEqual(dup.status, 0)
        XCTAssertTrue(dup.stderr.contains("two datasets are named 'x'"), dup.stderr)
        let missing = try E2E.run(["analyze", "x=\(root)/nope", "--out", root + "/o"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("is not a folder"), missing.stderr)
    }

    func testSingleDatasetWritesHashesAndNoPairs() throws {
        let out = root + "/single"
        let r = try E2E.run(["analyze", "\(root)/web", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let ph = try E2E.json(out + "/web/perceptual_hashes.json") as? [String: String] ?? [:]
        XCTAssertEqual(ph["c.jpg"], reference("real/calla.jpg", "phash"))
        XCTAssertTrue(pairs(try E2E.json(out + "/perceptual_cross_duplicates.json")).isEmpty)
    }
}
