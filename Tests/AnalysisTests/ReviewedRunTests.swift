import XCTest
import Foundation
import HashKit
import HashStore
import CPUFallback
import Engines
import JSONFiles
import TestSupport
@testable import Analysis

/// Curators' reviews in the store decide the pairs they name: real files, the CPU engine, a
/// real store, and the files the run writes.
final class ReviewedRunTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "crosshash-reviewed-\(UUID().uuidString)"
        for (dataset, name, fixture) in [("a", "calla.jpg", "real/calla.jpg"), ("a", "city.png", "real/city.png"),
                                         ("b", "calla-copy.jpg", "real/calla.jpg"), ("b", "city-copy.png", "real/city.png"),
                                         ("b", "mouse.jpg", "real/the_mouse.jpg")] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(dataset)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: IndexerTests.fixtures.appendingPathComponent(fixture).path,
                                             toPath: "\(root)/\(dataset)/\(name)")
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func run(_ store: HashStore, to out: String, reviews: Bool = true, options: MatchOptions = MatchOptions()) throws -> AnalysisResult {
        var run = AnalysisRun(matcher: BruteForceMatcher(), device: CPUEngine().description, options: options,
                              verification: AnalysisRun.VerificationSettings(), limits: DecodeLimits(), version: "test",
                              report: { _, _, _ in })
        run.appliesReviews = reviews
        let pipeline = HashPipeline(engine: CPUEngine(), mode: .inline, decoder: ImageDecoder(), workers: 2)
        let specs = ["a", "b"].map { DatasetSpec(name: $0, path: "\(root)/\($0)") }
        return try run.run(.folders(specs, DatasetIndexer(store: store, pipeline: pipeline)), to: root + "/" + out, showProgress: false)
    }

    func bytes(_ out: String, _ file: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(out)/\(file)")) }

    func json(_ out: String, _ file: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes(out, file)) as? [String: Any])
    }

    /// (a file, b file, by) of each verified pair.
    func verified(_ out: String) throws -> [[String?]] {
        let pairs = try XCTUnwrap(try json(out, "verified_cross_duplicates.json")["pairs"] as? [[String: Any]])
        return pairs.map { p in
            [(p["a"] as? [String: Any])?["file"] as? String, (p["b"] as? [String: Any])?["file"] as? String, p["by"] as? String]
        }
    }

    static let files = ["perceptual_cross_duplicates.json", "robust_cross_duplicates.json", "verified_cross_duplicates.json"]

    func testAPairMarkedDifferentLeavesTheVerifiedFileAndTheDecisionFollowsARename() throws {
        let store = try HashStore(path: root + "/store.sqlite")
        defer { try? store.close() }
        _ = try run(store, to: "before")
        XCTAssertEqual(try verified("before"), [["calla.jpg", "calla-copy.jpg", nil], ["city.png", "city-copy.png", nil]])

        let a = ReviewSide(dataset: "a", file: Array("calla.jpg".utf8)), b = ReviewSide(dataset: "b", file: Array("calla-copy.jpg".utf8))
        let (review, _) = try store.putReview(a: b, b: a, decision: .different, note: "two prints of one photo")
        let reviewed = try run(store, to: "reviewed")
        XCTAssertEqual(try verified("reviewed"), [["city.png", "city-copy.png", "measure"]])
        XCTAssertEqual(try json("reviewed", "verified_cross_duplicates.json")["verified"] as? Int, 1)
        let raw = try XCTUnwrap(try json("reviewed", "perceptual_cross_duplicates.json")["pairs"] as? [[String: Any]])
        let calla = try XCTUnwrap(raw.first { ($0["a"] as? [String: Any])?["file"] as? String == "calla.jpg" })
        XCTAssertEqual(calla["review"] as? [String: String], ["decision": "different", "note": "two prints of one photo"])
        XCTAssertEqual(calla["verified"] as? Bool, true, "the measure's verdict stays on the raw pair")
        XCTAssertTrue(raw.filter { ($0["a"] as? [String: Any])?["file"] as? String == "city.png" }.allSatisfy { $0["review"] == nil })
        XCTAssertFalse(reviewed.verification?.isVerified(reviewed.matches(.phash).pairs[0]) ?? true)

        // Renamed: the decision stays with the pictures.
        try FileManager.default.moveItem(atPath: "\(root)/b/calla-copy.jpg", toPath: "\(root)/b/renamed.jpg")
        _ = try run(store, to: "renamed")
        XCTAssertEqual(try verified("renamed"), [["city.png", "city-copy.png", "measure"]])
        try FileManager.default.moveItem(atPath: "\(root)/b/renamed.jpg", toPath: "\(root)/b/calla-copy.jpg")

        // --no-reviews, and a store whose reviews are gone: what a run without reviews writes, byte for byte.
        _ = try run(store, to: "ignored", reviews: false)
        XCTAssertTrue(try store.deleteReview(id: review.id))
        _ = try run(store, to: "deleted")
        for file in Self.files {
            XCTAssertEqual(try bytes("ignored", file), try bytes("before", file), file)
            XCTAssertEqual(try bytes("deleted", file), try bytes("before", file), file)
        }
    }

    func testAPairMarkedSameIsVerifiedByReview() throws {
        let store = try HashStore(path: root + "/store.sqlite")
        defer { try? store.close() }
        _ = try run(store, to: "before")
        _ = try store.putReview(a: ReviewSide(dataset: "a", file: Array("city.png".utf8)),
                                b: ReviewSide(dataset: "b", file: Array("city-copy.png".utf8)), decision: .same, note: "")
        _ = try run(store, to: "same")
        XCTAssertEqual(try verified("same"), [["calla.jpg", "calla-copy.jpg", "measure"], ["city.png", "city-copy.png", "review"]])

        // A raw pair the measure rejects (every pair is raw at the widest thresholds) joins when marked same.
        let wide = MatchOptions(thresholds: [HashFamily.phash.id: 64, HashFamily.blockmean.id: 256])
        _ = try run(store, to: "wide", options: wide)
        XCTAssertFalse(try verified("wide").contains { $0[0] == "calla.jpg" && $0[1] == "mouse.jpg" })
        _ = try store.putReview(a: ReviewSide(dataset: "a", file: Array("calla.jpg".utf8)),
                                b: ReviewSide(dataset: "b", file: Array("mouse.jpg".utf8)), decision: .same, note: "a curator knows")
        _ = try run(store, to: "wide-same", options: wide)
        XCTAssertTrue(try verified("wide-same").contains(["calla.jpg", "mouse.jpg", "review"]))
    }
}
