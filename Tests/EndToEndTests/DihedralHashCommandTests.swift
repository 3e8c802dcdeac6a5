import XCTest
import Foundation

/// `crosshash hash --json --dihedral`: each row is the row without the flag plus
/// `"variants": {family: [8 hex]}` (identity first, the plain hash), PDQ's being what
/// `pdqhash.compute_dihedral` returned (expected_pdq.json, reordered to ours).
final class DihedralHashCommandTests: XCTestCase {
    /// Meta's index (original, rot90, rot180, rot270, flipX, flipY, flipPlus1, flipMinus1) of
    /// each of identity, flip_h, flip_v, rot90, rot180, rot270, transpose, transverse.
    static let metaIndex = [0, 5, 4, 1, 2, 3, 6, 7]

    func testRowsGainTheVariantsOfEveryFamily() throws {
        let images = E2E.fixtures.appendingPathComponent("images/edge").path
        let families = ["--families", "phash,blockmean,pdq"]
        let plain = try E2E.run(["hash", "--json", "--device", "cpu"] + families + [images])
        let variants = try E2E.run(["hash", "--json", "--device", "cpu", "--dihedral"] + families + [images])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(variants.status, 0, variants.stderr)
        let data = try Data(contentsOf: E2E.fixtures.appendingPathComponent("expected_pdq.json"))
        let ref = try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] ?? [:]
        let plainLines = plain.text.split(separator: "\n"), lines = variants.text.split(separator: "\n")
        XCTAssertEqual(plainLines.count, lines.count)
        var checked = 0
        for (p, line) in zip(plainLines, lines) {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            guard let v = obj["variants"] as? [String: [String]] else {
                XCTAssertEqual(String(p), String(line), "an error line stays as it was")
                continue
            }
            XCTAssert(line.hasPrefix(p.dropLast()), "the plain columns come first, unchanged: \(line)")
            XCTAssertEqual(Array(v.keys).sorted(), ["blockmean", "pdq", "phash"])
            for family in ["phash", "blockmean", "pdq"] {
                XCTAssertEqual(v[family]?.count, 8, family)
                XCTAssertEqual(v[family]?.first, obj[family] as? String, "\(family) identity is the plain hash")
            }
            let file = "edge/" + ((obj["file"] as? String ?? "") as NSString).lastPathComponent
            let meta = ref[file]?["pdq_dihedral"] as? [String] ?? []
            XCTAssertEqual(v["pdq"], Self.metaIndex.map { meta.indices.contains($0) ? meta[$0] : "" }, file)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 20)
    }

    func testDihedralNeedsJSON() throws {
        let images = E2E.fixtures.appendingPathComponent("images/edge").path
        let r = try E2E.run(["hash", "--dihedral", images])
        XCTAssertNotEqual(r.status, 0)
        XCTAssert(r.stderr.contains("--json"), r.stderr)
        XCTAssert(r.text.isEmpty)
    }
}
