import XCTest
import Foundation

/// `crosshash bench --match-size N --families ...` through the real binary: the families drawn,
/// the exported sets (`--export-sets`, what scripts/bench_match.py reads) and their pair counts,
/// recounted here from the exported bytes by a plain loop.
final class BenchMatchEndToEndTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws { root = try E2E.tempDir("bench") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func rows(_ r: E2E.Run) throws -> [[String: Any]] {
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any], r.text)
        return doc["rows"] as? [[String: Any]] ?? []
    }

    /// Pairs within `threshold` between two exported sets (`bytes` per hash), by popcount.
    func pairs(_ a: Data, _ b: Data, bytes: Int, threshold: Int) -> Int {
        let wa = a.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
        let wb = b.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
        let words = bytes / 8
        var count = 0
        for i in 0..<(wa.count / words) {
            for j in 0..<(wb.count / words) {
                var d = 0
                for w in 0..<words { d += (wa[i * words + w] ^ wb[j * words + w]).nonzeroBitCount }
                if d <= threshold { count += 1 }
            }
        }
        return count
    }

    func testPDQSetsAreDrawnExportedAndMatchedAtThreshold31() throws {
        let n = 1500
        let r = try E2E.run(["bench", "--match-size", String(n), "--families", "pdq", "--brute-force-max", String(n),
                             "--export-sets", root + "/sets", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let measured = try rows(r)
        XCTAssertEqual(Set(measured.compactMap { $0["family"] as? String }), ["pdq"])
        for shape in ["uniform", "clustered"] {
            let group = measured.filter { $0["shape"] as? String == shape }
            XCTAssertEqual(Set(group.compactMap { $0["matcher"] as? String }), ["cpu brute force", "cpu index"], shape)
            XCTAssertEqual(Set(group.compactMap { $0["digest"] as? String }).count, 1, "\(shape): the matchers' pairs differ")
        }

        let sets = try XCTUnwrap(try E2E.json(root + "/sets/sets.json") as? [[String: Any]])
        XCTAssertEqual(sets.count, 2)
        for s in sets {
            XCTAssertEqual(s["family"] as? String, "pdq")
            XCTAssertEqual(s["bits"] as? Int, 256)
            XCTAssertEqual(s["threshold"] as? Int, 31)
            let a = try Data(contentsOf: URL(fileURLWithPath: root + "/sets/" + (s["a"] as? String ?? "")))
            let b = try Data(contentsOf: URL(fileURLWithPath: root + "/sets/" + (s["b"] as? String ?? "")))
            XCTAssertEqual(a.count, n * 32)
            XCTAssertEqual(b.count, n * 32)
            let expected = pairs(a, b, bytes: 32, threshold: 31)
            XCTAssertEqual(s["pairs"] as? Int, expected, "\(s["shape"] ?? "")")
            if s["shape"] as? String == "clustered" { XCTAssertGreaterThan(expected, n, "clusters at PDQ's radius") }
        }
    }

    func testDefaultFamiliesAreUnchangedAndAFolderRefusesFamilies() throws {
        let r = try E2E.run(["bench", "--match-size", "200", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(Set(try rows(r).compactMap { $0["family"] as? String }), ["phash", "blockmean"])

        let folder = try E2E.run(["bench", "--families", "pdq", root])
        XCTAssertNotEqual(folder.status, 0)
        XCTAssertTrue(folder.stderr.contains("omit the folder"), folder.stderr)
        let unknown = try E2E.run(["bench", "--families", "pdqq"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown hash family 'pdqq'"), unknown.stderr)
    }
}
