import Foundation
import XCTest
@testable import Analysis

/// Ground-truth files and verified-pair files read by name; scoring by counts worked out by hand
/// (the whole evaluation, with hashes and the sweep, is checked in ReportTests.EvaluationTests).
final class GroundTruthTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "crosshash-truth-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func file(_ name: String, _ text: String) throws -> String {
        let path = root + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func image(_ d: String, _ f: String) -> GroundTruth.NamedImage { .init(dataset: Array(d.utf8), file: Array(f.utf8)) }

    func testPairsAreUnorderedAndCountedOnce() throws {
        let path = try file("truth.json", """
        {"cross_pairs": [[["A", "a.jpg"], ["B", "b.jpg"]], [["B", "b.jpg"], ["A", "a.jpg"]], [["A", "a.jpg"], ["C", "c.jpg"]]]}
        """)
        let truth = try GroundTruth.load(path)
        XCTAssertEqual(truth.count, 2)
        XCTAssertTrue(truth.contains(GroundTruth.Pair(image("B", "b.jpg"), image("A", "a.jpg"))))
        XCTAssertEqual(GroundTruth.Pair(image("B", "b.jpg"), image("A", "a.jpg")).first, image("A", "a.jpg"))
    }

    func testVerifiedPairsScoredAgainstTheTruth() throws {
        let truth: Set<GroundTruth.Pair> = [GroundTruth.Pair(image("A", "a.jpg"), image("B", "b.jpg")),
                                            GroundTruth.Pair(image("A", "a.jpg"), image("C", "c.jpg"))]
        XCTAssertNil(try GroundTruth.scoreVerified(root + "/absent.json", truth: truth))
        let path = try file("verified.json", """
        {"pairs": [{"a": {"dataset": "B", "file": "b.jpg"}, "b": {"dataset": "A", "file": "a.jpg"}},
                   {"a": {"dataset": "B", "file": "x.jpg"}, "b": {"dataset": "C", "file": "c.jpg"}}]}
        """)
        let score = try XCTUnwrap(GroundTruth.scoreVerified(path, truth: truth))
        XCTAssertEqual(score, VerifiedScore(found: 2, truePairs: 2, truePositives: 1))
        XCTAssertEqual(score.precision, 0.5)
        XCTAssertEqual(score.recall, 0.5)
    }

    func testMalformedTruthNamesTheEntry() throws {
        let path = try file("wrong.json", #"{"cross_pairs": [[["A", "a.jpg"], ["B"]]]}"#)
        XCTAssertThrowsError(try GroundTruth.load(path)) { error in
            XCTAssertEqual((error as? HashFileError)?.reason, "cross_pairs[0] is not [[dataset, file], [dataset, file]]")
        }
    }
}
