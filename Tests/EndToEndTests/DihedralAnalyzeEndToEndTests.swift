import XCTest
import Foundation

/// `analyze --dihedral` and `match --dihedral` through the real binary, on pictures and their
/// mirrored and rotated copies made by Pillow (Tests/Fixtures/dihedral, scripts/make_dihedral_fixtures.py):
/// without the flag the copies are not paired (their reference hashes are far apart) and no pair
/// says "transform"; with it each copy is paired with its original by the variant Pillow made it
/// with, verified from the pixels; a store keeps the variants, so a second run decodes nothing,
/// and a store hashed without them decodes once to gain them.
final class DihedralAnalyzeEndToEndTests: XCTestCase {
    struct Planted {
        var a: String, b: String, transform: String
        var plain: [String: Int]
    }

    var root = ""
    var planted = [Planted]()
    var lone = ""

    override func setUpWithError() throws {
        root = try E2E.tempDir("dihedral")
        let dir = E2E.fixtures.appendingPathComponent("dihedral")
        let doc = try XCTUnwrap(try E2E.json(dir.appendingPathComponent("expected.json").path) as? [String: Any])
        lone = try XCTUnwrap(doc["lone"] as? String)
        for p in doc["pairs"] as? [[String: Any]] ?? [] {
            planted.append(Planted(a: p["a"] as? String ?? "", b: p["b"] as? String ?? "", transform: p["transform"] as? String ?? "",
                                   plain: p["plain_distance"] as? [String: Int] ?? [:]))
        }
        XCTAssertEqual(planted.count, 4)
        for sub in ["orig", "turned"] {
            try FileManager.default.copyItem(atPath: dir.appendingPathComponent(sub).path, toPath: "\(root)/\(sub)")
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    var datasets: [String] { ["orig=\(root)/orig", "turned=\(root)/turned"] }

    @discardableResult
    func analyze(_ out: String, _ extra: [String], file: StaticString = #filePath, line: UInt = #line) throws -> E2E.Run {
        let r = try E2E.run(["analyze"] + datasets + ["--out", root + "/" + out, "--device", "cpu"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    func object(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(try E2E.json(root + "/" + path) as? [String: Any], path)
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: root + "/" + path, encoding: .utf8) }

    /// "a-file b-file" -> pair object, of one family's file.
    func pairs(_ path: String) throws -> [String: [String: Any]] {
        var out = [String: [String: Any]]()
        for p in try object(path)["pairs"] as? [[String: Any]] ?? [] {
            let a = (p["a"] as? [String: Any])?["file"] as? String ?? "", b = (p["b"] as? [String: Any])?["file"] as? String ?? ""
            out["\(a) \(b)"] = p
        }
        return out
    }

    func files(_ manifest: [String: Any]) -> [String: Int] { manifest["files"] as? [String: Int] ?? [:] }

    static let families = ["perceptual", "robust"]

    func testMirroredAndRotatedCopiesArePairedOnlyWithDihedral() throws {
        // The reference hashes of each copy are far from its original's: only variants can pair them.
        for p in planted {
            XCTAssertGreaterThan(p.plain["phash"] ?? 0, 8, p.b)
            XCTAssertGreaterThan(p.plain["blockmean"] ?? 0, 8, p.b)
        }
        try analyze("plain", ["--no-store"])
        for family in Self.families {
            let found = try pairs("plain/\(family)_cross_duplicates.json")
            for p in planted { XCTAssertNil(found["\(p.a) \(p.b)"], "\(family): \(p.b) paired without --dihedral") }
            XCTAssertFalse(try text("plain/\(family)_cross_duplicates.json").contains("\"transform\""), family)
        }
        XCTAssertNil(try object("plain/manifest.json")["dihedral"])

        let run = try analyze("dihedral", ["--no-store", "--dihedral"])
        XCTAssertTrue(run.stderr.contains("--dihedral"), run.stderr)
        XCTAssertEqual(try object("dihedral/manifest.json")["dihedral"] as? Bool, true)
        for family in Self.families {
            let found = try pairs("dihedral/\(family)_cross_duplicates.json")
            for p in planted {
                let pair = try XCTUnwrap(found["\(p.a) \(p.b)"], "\(family): \(p.b) not paired with \(p.a)")
                XCTAssertEqual(pair["transform"] as? String, p.transform, "\(family) \(p.b)")
                XCTAssertEqual(pair["verified"] as? Bool, true, "\(family) \(p.b): \(pair)")
                let distance = try XCTUnwrap(pair["distance"] as? Int)
                // blockmean's variant is exactly the reference hash of the turned picture, which
                // the copy is (lossless); phash's differs by a few rounding bits at most.
                XCTAssertLessThanOrEqual(distance, family == "robust" ? 0 : 8, "\(family) \(p.b)")
            }
            // Every pair says its transform; the picture with no copy is in none.
            for (key, pair) in found {
                XCTAssertNotNil(pair["transform"] as? String, key)
                XCTAssertFalse(key.hasPrefix(lone + " "), "\(family): \(key)")
            }
        }
        let verified = try object("dihedral/verified_cross_duplicates.json")
        let rows = (verified["pairs"] as? [[String: Any]] ?? []).map {
            "\(($0["a"] as? [String: Any])?["file"] ?? "") \(($0["b"] as? [String: Any])?["file"] ?? "")"
        }
        for p in planted { XCTAssertTrue(rows.contains("\(p.a) \(p.b)"), "\(p.b) not verified: \(rows)") }
        let transforms = (verified["pairs"] as? [[String: Any]] ?? []).compactMap { $0["transform"] as? String }
        XCTAssertEqual(transforms.sorted(), planted.map(\.transform).sorted(), "each verified row says its transform")

        // Turned the other way round (the copies' dataset first), each pair's transform is the
        // inverse turn: a rot90 copy is brought back by rot270; mirrors and transverse are their own.
        let inverse = ["flip_h": "flip_h", "rot90": "rot270", "rot270": "rot90", "transverse": "transverse"]
        let r = try E2E.run(["analyze", "turned=\(root)/turned", "orig=\(root)/orig", "--out", root + "/reversed",
                             "--device", "cpu", "--no-store", "--dihedral", "--no-verify"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let found = try pairs("reversed/robust_cross_duplicates.json")
        for p in planted { XCTAssertEqual(found["\(p.b) \(p.a)"]?["transform"] as? String, inverse[p.transform], p.b) }
    }

    /// REPORT.md and report.html name the transform of each turned pair (a Transform column, a
    /// `transform` label beside the distances); a run without the flag shows neither.
    func testReportsShowTheTransformOfTurnedPairs() throws {
        try analyze("plain", ["--no-store"])
        XCTAssertFalse(try text("plain/REPORT.md").contains("Transform"))
        XCTAssertFalse(try text("plain/report.html").contains("class=\"transform\""))

        try analyze("dihedral", ["--no-store", "--dihedral"])
        let markdown = try text("dihedral/REPORT.md")
        XCTAssertTrue(markdown.contains("distance | Transform |"), markdown)
        let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| ") }
        let html = try text("dihedral/report.html")
        for p in planted {
            // One row per family table (phash, blockmean) pairs the copy, naming its transform.
            let escaped = { (name: String) in name.replacingOccurrences(of: "_", with: "\\_") }  // Markdown escapes "_"
            let turned = rows.filter { $0.contains(escaped(p.b)) && $0.contains(escaped(p.a)) }
            XCTAssertEqual(turned.count, 2, "\(p.b): \(turned)")
            for row in turned { XCTAssertTrue(row.contains("| `\(p.transform)` |"), "\(p.b): \(row)") }
        }
        // One label per family a pair is shown under.
        for (transform, count) in Dictionary(planted.map { ($0.transform, 2) }, uniquingKeysWith: +) {
            let label = "b matches a turned by this transform\">\(transform)</span>"
            XCTAssertEqual(html.components(separatedBy: label).count - 1, count, transform)
        }
    }

    func testTheStoreKeepsTheVariantsAndMatchReadsThem() throws {
        let store = root + "/store.sqlite"
        let count = planted.count * 2 + 1
        // A store hashed without variants: the first --dihedral run decodes every picture once more...
        try analyze("s0", ["--store", store])
        XCTAssertEqual(files(try object("s0/manifest.json"))["decoded"], count)
        try analyze("s1", ["--store", store, "--dihedral"])
        XCTAssertEqual(files(try object("s1/manifest.json"))["decoded"], count)
        // ...and the next decodes nothing, with the same pairs.
        let second = try analyze("s2", ["--store", store, "--dihedral"])
        XCTAssertEqual(files(try object("s2/manifest.json")), ["decoded": 0, "reused": count, "errors": 0])
        XCTAssertTrue(second.stderr.contains("0 decoded"), second.stderr)
        for family in Self.families {
            XCTAssertEqual(try text("s1/\(family)_cross_duplicates.json"), try text("s2/\(family)_cross_duplicates.json"), family)
            let found = try pairs("s2/\(family)_cross_duplicates.json")
            for p in planted { XCTAssertEqual(found["\(p.a) \(p.b)"]?["transform"] as? String, p.transform, "\(family) \(p.b)") }
        }
        // A run without the flag on the same store writes what --no-store writes: no transforms.
        try analyze("s3", ["--store", store])
        try analyze("n3", ["--no-store"])
        for family in Self.families {
            XCTAssertEqual(try text("s3/\(family)_cross_duplicates.json"), try text("n3/\(family)_cross_duplicates.json"), family)
        }

        // match --dihedral on the store gives analyze's pairs.
        let m = try E2E.run(["match", "orig=store:orig", "turned=store:turned", "--store", store, "--dihedral",
                             "--device", "cpu", "--out", root + "/m"])
        XCTAssertEqual(m.status, 0, m.stderr)
        for family in Self.families {
            XCTAssertEqual(try text("m/\(family)_cross_duplicates.json"), try text("s2/\(family)_cross_duplicates.json"), family)
        }

        // Sources without variants: a clear error naming the dataset.
        let fromFiles = try E2E.run(["match", "orig=\(root)/s2/orig", "turned=\(root)/s2/turned", "--dihedral", "--out", root + "/mf"])
        XCTAssertNotEqual(fromFiles.status, 0)
        XCTAssertTrue(fromFiles.stderr.contains("dataset 'orig'") && fromFiles.stderr.contains("variants"), fromFiles.stderr)
        let other = root + "/other.sqlite"
        try analyze("o", ["--store", other])
        let noVariants = try E2E.run(["match", "orig=store:orig", "turned=store:turned", "--store", other, "--dihedral",
                                      "--out", root + "/mo"])
        XCTAssertNotEqual(noVariants.status, 0)
        XCTAssertTrue(noVariants.stderr.contains("dataset 'orig'") && noVariants.stderr.contains("dihedral variants"), noVariants.stderr)
    }
}
