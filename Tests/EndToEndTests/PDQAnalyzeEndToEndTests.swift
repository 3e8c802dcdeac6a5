import XCTest
import Foundation

/// `analyze --families phash,blockmean,pdq` through the real binary: PDQ hashes and qualities
/// equal the reference's (Tests/Fixtures/expected_pdq.json), pairs carry every family's
/// distance, pictures under the quality floor are listed but never matched, the default run is
/// untouched by it, `match` on the output reproduces it, and a store hashed without PDQ gains it
/// on the next run that asks (decoding once) and reuses it after.
final class PDQAnalyzeEndToEndTests: XCTestCase {
    /// dataset -> [(key in the dataset, fixture it is a copy of)]. The low-quality pictures
    /// (baseline_*: 45, solids: 0, warty_final: 3) have identical or near hashes across datasets,
    /// so only the quality floor keeps them out of the pairs.
    static let layout: [(String, [(String, String)])] = [
        ("museum", [("calla.jpg", "real/calla.jpg"), ("goldfish.jpg", "real/goldfish.jpg"), ("the_mouse.jpg", "real/the_mouse.jpg"),
                    ("baseline_420.jpg", "jpeg/baseline_420.jpg"), ("black.png", "edge/solid_black.png"),
                    ("notes/README.txt", "hostile/README.txt")]),
        ("archive", [("copies/calla_copy.jpg", "real/calla.jpg"), ("goldfish.jpg", "real/goldfish.jpg"),
                     ("baseline_444.jpg", "jpeg/baseline_444.jpg"), ("grey.png", "edge/solid_grey128.png"),
                     ("quality10.jpg", "jpeg/quality10.jpg")]),
        ("web", [("c.jpg", "real/calla.jpg"), ("warty_final.jpg", "real/warty_final.jpg"), ("odd.jpg", "jpeg/odd_101x77_420.jpg"),
                 ("warty_copy.jpg", "real/warty_final.jpg")]),
    ]
    static let allFamilies = ["--families", "phash,blockmean,pdq"]

    var root = ""
    var expectedPDQ = [String: [String: Any]]()
    var expected = [String: [String: Any]]()

    override func setUpWithError() throws {
        root = try E2E.tempDir("pdq")
        let data = try Data(contentsOf: E2E.fixtures.appendingPathComponent("expected_pdq.json"))
        expectedPDQ = (try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]).compactMapValues { $0 as? [String: Any] }
        expected = try E2E.expected()
        for (dataset, files) in Self.layout {
            for (key, fixture) in files { try E2E.copy(fixture, to: "\(root)/\(dataset)/\(key)") }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    var datasets: [String] { Self.layout.map { "\($0.0)=\(root)/\($0.0)" } }

    @discardableResult
    func analyze(_ out: String, _ extra: [String], file: StaticString = #filePath, line: UInt = #line) throws -> E2E.Run {
        let r = try E2E.run(["analyze"] + datasets + ["--out", root + "/" + out] + extra)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    func object(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(try E2E.json(root + "/" + path) as? [String: Any], path)
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: root + "/" + path)) }

    func pdq(_ fixture: String) -> (hash: String, quality: Int)? {
        guard let hash = expectedPDQ[fixture]?["pdq"] as? String, let q = expectedPDQ[fixture]?["pdq_quality"] as? Int else { return nil }
        return (hash, q)
    }

    /// The cross-dataset pairs the reference PDQ hashes imply at threshold 31, both pictures at
    /// quality 50 or more, as "dataset/key dataset/key distance".
    func referencePDQPairs() -> [String] {
        var out = [String]()
        for (i, (da, fa)) in Self.layout.enumerated() {
            for (db, fb) in Self.layout[(i + 1)...] {
                for (ka, xa) in fa {
                    for (kb, xb) in fb {
                        guard let a = pdq(xa), let b = pdq(xb), a.quality >= 50, b.quality >= 50 else { continue }
                        let d = E2E.hamming(a.hash, b.hash)
                        if d <= 31 { out.append("\(da)/\(ka) \(db)/\(kb) \(d)") }
                    }
                }
            }
        }
        return out.sorted()
    }

    func pairs(_ doc: [String: Any]) -> [[String: Any]] { doc["pairs"] as? [[String: Any]] ?? [] }

    func name(_ side: Any?) -> String {
        let s = side as? [String: Any] ?? [:]
        return "\(s["dataset"] ?? "")/\(s["file"] ?? "")"
    }

    /// The fixture a "dataset/key" is a copy of.
    func fixture(_ ref: String) -> String? {
        for (dataset, files) in Self.layout { for (key, f) in files where "\(dataset)/\(key)" == ref { return f } }
        return nil
    }

    func testPDQHashesPairsDistancesAndTheQualityFloor() throws {
        let run = try analyze("pdq", Self.allFamilies + ["--no-store"])
        XCTAssertTrue(run.stderr.contains("pdq pairs"), run.stderr)

        // Every picture is in pdq_hashes.json, low quality or not, with the reference's hash and quality.
        for (dataset, files) in Self.layout {
            let hashes = try object("pdq/\(dataset)/pdq_hashes.json")
            var below = 0
            for (key, fixture) in files {
                guard let want = pdq(fixture) else {
                    XCTAssertNil(hashes[key], "\(dataset)/\(key) is not a picture")
                    continue
                }
                let entry = try XCTUnwrap(hashes[key] as? [String: Any], "\(dataset)/\(key) missing from pdq_hashes.json")
                XCTAssertEqual(entry["hash"] as? String, want.hash, "\(dataset)/\(key) pdq")
                XCTAssertEqual(entry["quality"] as? Int, want.quality, "\(dataset)/\(key) quality")
                if want.quality < 50 { below += 1 }
            }
            // The manifest counts the pictures under the floor, per dataset.
            let manifest = try object("pdq/manifest.json")
            let entry = (manifest["datasets"] as? [[String: Any]])?.first { $0["name"] as? String == dataset }
            XCTAssertEqual((entry?["below_quality_floor"] as? [String: Any])?["pdq"] as? Int, below, dataset)
            XCTAssertGreaterThan(below, 0, "\(dataset): the layout plants low-quality pictures")
        }
        let manifest = try object("pdq/manifest.json")
        XCTAssertEqual((manifest["algorithms"] as? [String: Any])?["pdq"] as? [String: Int], ["bits": 256, "threshold": 31])

        // PDQ pairs: what the reference hashes imply among pictures at or over the floor.
        let doc = try object("pdq/pdq_cross_duplicates.json")
        XCTAssertEqual(doc["algorithm"] as? String, "pdq")
        XCTAssertEqual(doc["threshold"] as? Int, 31)
        let found = pairs(doc).map { "\(name($0["a"])) \(name($0["b"])) \($0["distance"] ?? "")" }
        XCTAssertEqual(found.sorted(), referencePDQPairs())
        XCTAssertFalse(found.isEmpty, "the layout plants PDQ pairs")
        let lowQuality = ["museum/baseline_420.jpg", "museum/black.png", "archive/baseline_444.jpg", "archive/grey.png", "web/warty_final.jpg"]
        for ref in lowQuality {
            XCTAssertFalse(found.contains { $0.contains(ref + " ") }, "\(ref) is under the quality floor and must not be matched")
            let groups = (doc["groups"] as? [[[String: Any]]] ?? []).flatMap { $0.map(name) }
            XCTAssertFalse(groups.contains(ref), "\(ref) is in a pdq group")
        }

        // Every family's pairs carry every family's distance (the reference's), and other_distance still.
        for prefix in ["perceptual", "robust", "pdq"] {
            let list = pairs(try object("pdq/\(prefix)_cross_duplicates.json"))
            XCTAssertFalse(list.isEmpty, prefix)
            for p in list {
                let distances = try XCTUnwrap(p["distances"] as? [String: Int], "\(prefix): a pair without distances")
                XCTAssertEqual(Set(distances.keys), ["phash", "blockmean", "pdq"])
                XCTAssertNotNil(p["other_distance"] as? Int)
                let (fa, fb) = (try XCTUnwrap(fixture(name(p["a"]))), try XCTUnwrap(fixture(name(p["b"]))))
                XCTAssertEqual(distances["pdq"], E2E.hamming(pdq(fa)!.hash, pdq(fb)!.hash), "\(prefix) \(fa) \(fb)")
                for alg in ["phash", "blockmean"] {
                    let (ha, hb) = (try XCTUnwrap(expected[fa]?[alg] as? String), try XCTUnwrap(expected[fb]?[alg] as? String))
                    XCTAssertEqual(distances[alg], E2E.hamming(ha, hb), "\(prefix) \(alg) \(fa) \(fb)")
                }
                XCTAssertEqual(p["distance"] as? Int, distances[["perceptual": "phash", "robust": "blockmean", "pdq": "pdq"][prefix]!])
            }
        }

        // The default families: no PDQ file, no "distances", and phash/blockmean hash files unchanged.
        try analyze("default", ["--no-store"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/default/pdq_cross_duplicates.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/default/museum/pdq_hashes.json"))
        XCTAssertFalse(String(decoding: try bytes("default/perceptual_cross_duplicates.json"), as: UTF8.self).contains("distances"))
        XCTAssertNil((try object("default/manifest.json")["datasets"] as? [[String: Any]])?.first?["below_quality_floor"])
        for (dataset, _) in Self.layout {
            for file in ["perceptual_hashes.json", "robust_hashes.json", "errors.json"] {
                XCTAssertEqual(try bytes("default/\(dataset)/\(file)"), try bytes("pdq/\(dataset)/\(file)"), "\(dataset)/\(file)")
            }
        }

        // `match` on the output folder reads pdq_hashes.json (hash and quality) back: the same files.
        let match = try E2E.run(["match"] + Self.layout.map { "\($0.0)=\(root)/pdq/\($0.0)" }
                                + ["--out", root + "/matched"] + Self.allFamilies + ["--no-verify"])
        XCTAssertEqual(match.status, 0, match.stderr)
        try analyze("pdq-noverify", Self.allFamilies + ["--no-store", "--no-verify"])
        for name in ["pdq_cross_duplicates.json", "perceptual_cross_duplicates.json", "museum/pdq_hashes.json", "web/pdq_hashes.json"] {
            XCTAssertEqual(try bytes("matched/\(name)"), try bytes("pdq-noverify/\(name)"), name)
        }
    }

    func testThresholdOptionAndUnknownFamilies() throws {
        try analyze("t", Self.allFamilies + ["--no-store", "--no-verify", "--pdq-threshold", "0"])
        let doc = try object("t/pdq_cross_duplicates.json")
        XCTAssertEqual(doc["threshold"] as? Int, 0)
        XCTAssertTrue(pairs(doc).allSatisfy { $0["distance"] as? Int == 0 })
        let bad = try E2E.run(["analyze"] + datasets + ["--out", root + "/bad", "--families", "phash,md5", "--no-store"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown hash family 'md5'"), bad.stderr)
    }

    /// A store written without PDQ gains it on the first run that asks (every picture decoded
    /// again, once); the run after reuses everything; outputs equal a run without a store.
    func testStoreGainsPDQOnceAndReusesIt() throws {
        let store = ["--store", root + "/state/store.sqlite", "--no-verify"]
        try analyze("plain", store)
        let pictures = Self.layout.reduce(0) { $0 + $1.1.filter { pdq($0.1) != nil }.count }
        let files = Self.layout.reduce(0) { $0 + $1.1.count }
        try analyze("gains", Self.allFamilies + store)
        try analyze("reuses", Self.allFamilies + store)
        try analyze("nostore", Self.allFamilies + ["--no-store", "--no-verify"])
        func counts(_ out: String) throws -> [Int] {
            let f = try XCTUnwrap(try object(out + "/manifest.json")["files"] as? [String: Int])
            return [f["decoded"] ?? -1, f["reused"] ?? -1]
        }
        XCTAssertEqual(try counts("plain"), [files, 0])
        // Every stored picture lacks PDQ, so each is decoded again, except that a copy whose
        // content an earlier file of this run already stored with PDQ may be reused: whether the
        // batch writer has stored it by then is a race, so the count lies between one decode per
        // distinct content and one per picture file. Failures (README.txt) are never decoded again.
        let contents = Set(Self.layout.flatMap { $0.1.map(\.1) }.filter { pdq($0) != nil }).count
        let gains = try counts("gains")
        XCTAssertEqual(gains[0] + gains[1], files, "every file is decoded or reused")
        XCTAssertTrue((contents...pictures).contains(gains[0]), "pictures stored without PDQ are decoded again (\(gains[0]) decoded, \(contents)...\(pictures) expected); failures are not")
        XCTAssertEqual(try counts("reuses"), [0, files])
        var names = ["pdq_cross_duplicates.json", "perceptual_cross_duplicates.json", "robust_cross_duplicates.json", "REPORT.md"]
        for (dataset, _) in Self.layout { names += ["pdq_hashes.json", "perceptual_hashes.json", "errors.json"].map { "\(dataset)/\($0)" } }
        for name in names {
            XCTAssertEqual(try bytes("gains/\(name)"), try bytes("nostore/\(name)"), "gains/\(name)")
            XCTAssertEqual(try bytes("reuses/\(name)"), try bytes("nostore/\(name)"), "reuses/\(name)")
        }
        // The default families on the same store still reuse everything and write the seed's files.
        try analyze("plain-again", store)
        XCTAssertEqual(try counts("plain-again"), [0, files])
        XCTAssertEqual(try bytes("plain-again/perceptual_cross_duplicates.json"), try bytes("plain/perceptual_cross_duplicates.json"))

        // `match` from the store: PDQ where the store has it, a clear error where it does not.
        let fromStore = try E2E.run(["match"] + Self.layout.map { "\($0.0)=store:\($0.0)" } + ["--out", root + "/m"]
                                    + Self.allFamilies + store)
        XCTAssertEqual(fromStore.status, 0, fromStore.stderr)
        XCTAssertEqual(try bytes("m/pdq_cross_duplicates.json"), try bytes("nostore/pdq_cross_duplicates.json"))
    }
}
