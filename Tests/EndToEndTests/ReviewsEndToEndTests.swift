import XCTest
import Foundation

/// A curator's decision set through the real server persists across a restart and decides the
/// next `analyze --store` and `match` on the store; `--no-reviews` writes what a run without
/// reviews writes, byte for byte.
final class ReviewsEndToEndTests: XCTestCase {
    func testADifferentPairLeavesTheNextAnalyzeVerifiedFile() throws {
        let base = try E2E.tempDir("reviews")
        defer { try? FileManager.default.removeItem(atPath: base) }
        for (path, fixture) in [("a/calla.jpg", "real/calla.jpg"), ("a/city.png", "real/city.png"),
                                ("b/calla-copy.jpg", "real/calla.jpg"), ("b/city-copy.png", "real/city.png")] {
            try E2E.copy(fixture, to: "\(base)/\(path)")
        }
        let store = base + "/store.sqlite"
        func analyze(_ out: String, _ extra: [String] = []) throws {
            let r = try E2E.run(["analyze", "--device", "cpu", "--store", store, "a=\(base)/a", "b=\(base)/b", "--out", "\(base)/\(out)"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        func verified(_ out: String) throws -> [String] {
            let doc = try XCTUnwrap(try E2E.json("\(base)/\(out)/verified_cross_duplicates.json") as? [String: Any])
            return (doc["pairs"] as? [[String: Any]] ?? []).map { p in
                "\((p["a"] as? [String: Any])?["file"] ?? "") \((p["b"] as? [String: Any])?["file"] ?? "") \(p["by"] ?? "-")"
            }
        }
        try analyze("before")
        XCTAssertEqual(try verified("before"), ["calla.jpg calla-copy.jpg -", "city.png city-copy.png -"])

        let review = #"{"a": {"dataset": "b", "file": "calla-copy.jpg"}, "b": {"dataset": "a", "file": "calla.jpg"}, "decision": "different", "note": "two prints"}"#
        do {
            let server = try ServerProcess(["--device", "cpu", "--store", store])
            let c = try server.client()
            // A page of another site cannot set it; the API can.
            XCTAssertEqual(try c.postJSONText("/v1/reviews", review, method: "PUT", headers: [("Origin", "http://attacker.example")]).status, 403)
            let put = try c.postJSONText("/v1/reviews", review, method: "PUT")
            XCTAssertEqual(put.status, 201, put.text)
            XCTAssertEqual(server.stop(), 0)
        }
        do {
            let server = try ServerProcess(["--device", "cpu", "--store", store])
            let list = try server.client().get("/v1/reviews?datasets=a,b")
            XCTAssertTrue(list.text.contains(#""decision": "different""#), list.text)
            XCTAssertEqual(server.stop(), 0)
        }

        try analyze("reviewed")
        XCTAssertEqual(try verified("reviewed"), ["city.png city-copy.png measure"])
        let raw = try String(contentsOfFile: "\(base)/reviewed/perceptual_cross_duplicates.json", encoding: .utf8)
        XCTAssertTrue(raw.contains(#""review": {"#) && raw.contains(#""note": "two prints""#), raw)
        let report = try String(contentsOfFile: "\(base)/reviewed/REPORT.md", encoding: .utf8)
        XCTAssertTrue(report.contains("reviewed\\: different") && report.contains("Curators reviewed 1 pair (1 different)"), report)

        let match = try E2E.run(["match", "--device", "cpu", "--store", store, "a=store:a", "b=store:b", "--out", "\(base)/matched"])
        XCTAssertEqual(match.status, 0, match.stderr)
        XCTAssertEqual(try verified("matched"), ["city.png city-copy.png measure"])

        try analyze("ignored", ["--no-reviews"])
        for file in ["verified_cross_duplicates.json", "perceptual_cross_duplicates.json", "robust_cross_duplicates.json"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(base)/ignored/\(file)")),
                           try Data(contentsOf: URL(fileURLWithPath: "\(base)/before/\(file)")), file)
        }
    }
}
