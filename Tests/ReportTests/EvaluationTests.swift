import Foundation
import XCTest
import HashKit
import JSONFiles
import CPUFallback
@testable import Report

/// A hand-made analysis folder and ground truth whose scores are worked out below by hand.
final class EvaluationTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "crosshash-eval-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func write(_ text: String, _ path: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    let zero256 = String(repeating: "0", count: 64)
    /// One bit set: byte 0 = 0x01.
    let oneBit256 = "01" + String(repeating: "0", count: 62)

    /// phash (threshold 2, sweep 0...4) distances:
    ///   a1=00 a2=ff | b1=01 b2=fc b3=ffff<<48 | c1=03
    ///   a1-b1 1, a1-b2 6, a1-b3 16, a2-b1 7, a2-b2 2, a2-b3 24,
    ///   a1-c1 2, a2-c1 6, b1-c1 1, b2-c1 8, b3-c1 18.
    /// blockmean (threshold 1, sweep 0...2): every hash zero except b1 (one bit), so pairs with
    /// b1 are at 1 and all others at 0: 11 pairs, 3 with b1 (a1, a2, c1), 8 at distance 0.
    /// Truth: a1-b1, a2-b2, b3-c1, c1-a1 (given in reverse order), and A/missing.jpg-b1 (no hash).
    func makeFolder() throws {
        try write("""
        {"algorithms": {"blockmean": {"bits": 256, "threshold": 1}, "phash": {"bits": 64, "threshold": 2}},
         "datasets": [{"name": "A", "images": 2}, {"name": "B", "images": 3}, {"name": "C", "images": 1}]}
        """, "out/manifest.json")
        try write(#"{"a1.jpg": "0000000000000000", "a2.jpg": "00000000000000ff"}"#, "out/A/perceptual_hashes.json")
        try write(#"{"b1.jpg": "0000000000000001", "sub/b2.jpg": "00000000000000fc", "b3.jpg": "ffff000000000000"}"#, "out/B/perceptual_hashes.json")
        try write(#"{"c1.jpg": "0000000000000003"}"#, "out/C/perceptual_hashes.json")
        try write("{\"a1.jpg\": \"\(zero256)\", \"a2.jpg\": \"\(zero256)\"}", "out/A/robust_hashes.json")
        try write("{\"b1.jpg\": \"\(oneBit256)\", \"sub/b2.jpg\": \"\(zero256)\", \"b3.jpg\": \"\(zero256)\"}", "out/B/robust_hashes.json")
        try write("{\"c1.jpg\": \"\(zero256)\"}", "out/C/robust_hashes.json")
        try write("""
        {"cross_pairs": [[["A", "a1.jpg"], ["B", "b1.jpg"]], [["A", "a2.jpg"], ["B", "sub/b2.jpg"]],
                         [["B", "b3.jpg"], ["C", "c1.jpg"]], [["C", "c1.jpg"], ["A", "a1.jpg"]],
                         [["A", "missing.jpg"], ["B", "b1.jpg"]]],
         "datasets": {"A": 2, "B": 3, "C": 1}}
        """, "truth.json")
    }

    /// A non-UTF-8 file name is written as Python's surrogate escape (`caf\udce9.jpg`, as
    /// JSONValue and Python's json module write it); the ground truth names it the same way.
    func testSurrogateEscapedNamesAreScored() throws {
        try write("""
        {"algorithms": {"blockmean": {"bits": 256, "threshold": 0}, "phash": {"bits": 64, "threshold": 0}},
         "datasets": [{"name": "A", "images": 1}, {"name": "B", "images": 2}]}
        """, "out/manifest.json")
        try write(#"{"caf\udce9.jpg": "0000000000000000"}"#, "out/A/perceptual_hashes.json")
        try write(#"{"x.jpg": "0000000000000000", "y\\udc00.jpg": "ffffffffffffffff"}"#, "out/B/perceptual_hashes.json")
        try write("{\"caf\\udce9.jpg\": \"\(zero256)\"}", "out/A/robust_hashes.json")
        try write("{\"x.jpg\": \"\(zero256)\", \"y\\\\udc00.jpg\": \"\(oneBit256)\"}", "out/B/robust_hashes.json")
        try write(#"{"cross_pairs": [[["A", "caf\udce9.jpg"], ["B", "x.jpg"]]]}"#, "truth.json")
        let report = try Evaluation.run(groundTruth: root + "/truth.json", outDir: root + "/out", matcher: CPUMatcher())
        XCTAssertEqual(report.unhashedTruthPairs, 0)
        for score in report.atThreshold {
            XCTAssertEqual(score.found, 1, "\(score.family.id.rawValue)")
            XCTAssertEqual(score.truePositives, 1, "\(score.family.id.rawValue)")
        }
    }

    func testScoresAgainstHandComputedValues() throws {
        try makeFolder()
        let r = try Evaluation.run(groundTruth: root + "/truth.json", outDir: root + "/out", matcher: CPUMatcher())
        XCTAssertEqual(r.groundTruthPairs, 5)
        XCTAssertEqual(r.unhashedTruthPairs, 1)

        // phash at 2: found a1-b1, b1-c1, a2-b2, a1-c1; true: a1-b1, a2-b2, a1-c1.
        let ph = r.atThreshold[0]
        XCTAssertEqual([ph.threshold, ph.found, ph.truePositives, ph.truePairs], [2, 4, 3, 5])
        XCTAssertEqual(ph.precision, 0.75)
        XCTAssertEqual(ph.recall, 0.6)
        XCTAssertEqual(ph.f1, 2 * 0.75 * 0.6 / 1.35, accuracy: 1e-12)
        let sweep = try XCTUnwrap(r.sweeps[HashFamily.phash.id])
        XCTAssertEqual(sweep.map(\.threshold), [0, 1, 2, 3, 4])
        XCTAssertEqual(sweep.map(\.found), [0, 2, 4, 4, 4])
        XCTAssertEqual(sweep.map(\.truePositives), [0, 1, 3, 3, 3])
        XCTAssertEqual(sweep[0].precision, 1, "nothing found: precision 1 as in reference.py")
        XCTAssertEqual(sweep[1].precision, 0.5)

        // blockmean at 1: all 11 pairs, all 4 hashed truth pairs; at 0: 8 pairs, 3 true.
        let bm = r.atThreshold[1]
        XCTAssertEqual([bm.threshold, bm.found, bm.truePositives], [1, 11, 4])
        XCTAssertEqual(bm.precision, 4.0 / 11)
        XCTAssertEqual(bm.recall, 0.8)
        let bmSweep = try XCTUnwrap(r.sweeps[HashFamily.blockmean.id])
        XCTAssertEqual(bmSweep.map(\.found), [8, 11, 11])
        XCTAssertEqual(bmSweep.map(\.truePositives), [3, 4, 4])

        XCTAssertTrue(r.text.contains("Ground truth: 5 cross-dataset pairs"))
        XCTAssertTrue(r.text.contains("phash          4          3      0.750   0.600  0.667"), r.text)
        XCTAssertTrue(r.text.contains("2*"))
        let png = try XCTUnwrap(r.chartPath)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertTrue(png.hasSuffix("/evaluation_sweep.png"))
    }

    func testEmptyTruthAndBadInputs() throws {
        try makeFolder()
        try write(#"{"cross_pairs": []}"#, "empty.json")
        let r = try Evaluation.run(groundTruth: root + "/empty.json", outDir: root + "/out", matcher: CPUMatcher())
        XCTAssertEqual(r.atThreshold[0].recall, 1, "empty truth: recall 1 as in reference.py")
        XCTAssertEqual(r.atThreshold[0].precision, 0)

        try write(#"{"pairs": []}"#, "wrong.json")
        XCTAssertThrowsError(try Evaluation.run(groundTruth: root + "/wrong.json", outDir: root + "/out", matcher: CPUMatcher())) { error in
            XCTAssertTrue("\(error)".contains("cross_pairs"), "\(error)")
        }
        XCTAssertThrowsError(try Evaluation.run(groundTruth: root + "/truth.json", outDir: root + "/nowhere", matcher: CPUMatcher())) { error in
            XCTAssertTrue("\(error)".contains("manifest.json"), "\(error)")
        }
        try write(#"{"a1.jpg": "xyz"}"#, "out/A/perceptual_hashes.json")
        XCTAssertThrowsError(try Evaluation.run(groundTruth: root + "/truth.json", outDir: root + "/out", matcher: CPUMatcher())) { error in
            XCTAssertTrue("\(error)".contains("a1.jpg"), "\(error)")
        }
    }
}
