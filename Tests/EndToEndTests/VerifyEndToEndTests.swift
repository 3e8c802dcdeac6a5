import XCTest
import Foundation

/// `crosshash analyze` with verification (the default) and with `--no-verify` on the datasets of
/// AnalyzeEndToEndTests: the raw pairs and groups are the same either way, every pair gains a
/// verdict, copies of one picture verify, and the reports show the verdicts.
final class VerifyEndToEndTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = try E2E.tempDir("verify")
        for (dataset, files) in AnalyzeEndToEndTests.layout {
            for (key, fixture) in files { try E2E.copy(fixture, to: "\(root)/\(dataset)/\(key)") }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func analyze(_ out: String, _ extra: [String] = []) throws {
        let args = ["analyze"] + AnalyzeEndToEndTests.layout.map { "\($0.0)=\(root)/\($0.0)" } + ["--out", out, "--no-store"] + extra
        let r = try E2E.run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// Copies of one picture: the same fixture, or the one photograph JPEG-encoded with 4:2:0 and
    /// with 4:4:4 chroma (a re-encoded copy).
    static func samePicture(_ a: String, _ b: String) -> Bool {
        a == b || Set([a, b]) == ["jpeg/baseline_420.jpg", "jpeg/baseline_444.jpg"]
    }

    /// The fixture a dataset file is a copy of.
    func fixture(_ ref: [String: Any]) -> String? {
        guard let d = ref["dataset"] as? String, let f = ref["file"] as? String else { return nil }
        return AnalyzeEndToEndTests.layout.first { $0.0 == d }?.1.first { $0.0 == f }?.1
    }

    func testVerificationAddsVerdictsAndKeepsRawPairs() throws {
        let on = root + "/out-verify", off = root + "/out-raw"
        try analyze(on)
        try analyze(off, ["--no-verify"])
        var verifiedCopies = 0
        for prefix in ["perceptual", "robust"] {
            let v = try XCTUnwrap(E2E.json("\(on)/\(prefix)_cross_duplicates.json") as? [String: Any])
            let raw = try XCTUnwrap(E2E.json("\(off)/\(prefix)_cross_duplicates.json") as? [String: Any])
            let vPairs = try XCTUnwrap(v["pairs"] as? [[String: Any]]), rawPairs = try XCTUnwrap(raw["pairs"] as? [[String: Any]])
            XCTAssertFalse(rawPairs.isEmpty, prefix)
            // Same members, order and fields; verification only adds "verified" and "similarity".
            XCTAssertEqual(vPairs.count, rawPairs.count, prefix)
            for (p, r) in zip(vPairs, rawPairs) {
                XCTAssertEqual(Set(p.keys), Set(r.keys).union(["verified", "similarity"]), prefix)
                var stripped = p
                stripped["verified"] = nil
                stripped["similarity"] = nil
                XCTAssertEqual(NSDictionary(dictionary: stripped), NSDictionary(dictionary: r), prefix)
                let verified = try XCTUnwrap(p["verified"] as? Bool)
                let similarity = try XCTUnwrap(p["similarity"] as? Double)
                XCTAssertTrue((-1...1).contains(similarity))
                // Copies of one picture verify; different pictures that hash alike do not.
                let a = try XCTUnwrap(fixture(try XCTUnwrap(p["a"] as? [String: Any])))
                let b = try XCTUnwrap(fixture(try XCTUnwrap(p["b"] as? [String: Any])))
                XCTAssertEqual(verified, Self.samePicture(a, b), "\(prefix): \(a) vs \(b), similarity \(similarity)")
                if verified { verifiedCopies += 1 }
            }
            XCTAssertEqual(NSArray(array: try XCTUnwrap(v["groups"] as? [Any])), NSArray(array: try XCTUnwrap(raw["groups"] as? [Any])))
            XCTAssertNil(raw["verified_groups"])
            XCTAssertNotNil(v["verified_groups"] as? [[Any]])
            for p in rawPairs { XCTAssertNil(p["verified"]) }
        }
        XCTAssertGreaterThan(verifiedCopies, 0)

        // verified_cross_duplicates.json: one row per image pair, with both distances.
        XCTAssertFalse(FileManager.default.fileExists(atPath: off + "/verified_cross_duplicates.json"))
        let merged = try XCTUnwrap(E2E.json(on + "/verified_cross_duplicates.json") as? [String: Any])
        let rows = try XCTUnwrap(merged["pairs"] as? [[String: Any]])
        XCTAssertFalse(rows.isEmpty)
        var seen = Set<String>()
        for row in rows {
            let distances = try XCTUnwrap(row["distances"] as? [String: Int])
            XCTAssertEqual(Set(distances.keys), ["phash", "blockmean"])
            let a = try XCTUnwrap(row["a"] as? [String: Any]), b = try XCTUnwrap(row["b"] as? [String: Any])
            XCTAssertTrue(Self.samePicture(try XCTUnwrap(fixture(a)), try XCTUnwrap(fixture(b))))
            XCTAssertTrue(seen.insert("\(a["dataset"]!)/\(a["file"]!) \(b["dataset"]!)/\(b["file"]!)").inserted, "one row per image pair")
        }

        // The reports: a verdict on every listed pair, the verified Venn diagram, the sentence.
        let md = try String(contentsOfFile: on + "/REPORT.md", encoding: .utf8)
        XCTAssertTrue(md.contains("verified_venn_diagram.png"))
        XCTAssertTrue(md.contains("Verification re-checked the"))
        XCTAssertEqual(md.components(separatedBy: "✅ verified").count - 1, verifiedCopies)
        XCTAssertTrue(FileManager.default.fileExists(atPath: on + "/verified_venn_diagram.png"))
        let html = try String(contentsOfFile: on + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("id=\"vonly\""), "the verified-only filter")
        XCTAssertEqual(html.components(separatedBy: "class=\"badge ok\"").count - 1, verifiedCopies)
        XCTAssertTrue(html.contains("class=\"badge no\"") || verifiedCopies == rowsCount(on))
        let rawMd = try String(contentsOfFile: off + "/REPORT.md", encoding: .utf8)
        XCTAssertFalse(rawMd.contains("verified"))
    }

    func rowsCount(_ out: String) -> Int {
        ["perceptual", "robust"].reduce(0) { n, prefix in
            n + (((try? E2E.json("\(out)/\(prefix)_cross_duplicates.json")) as? [String: Any])?["pairs"] as? [Any] ?? []).count
        }
    }
}
