import XCTest
import Foundation
import HummingbirdTesting
import NIOCore
import HashKit
import HashStore
import Analysis
@testable import Service

/// `GET /v1/cross-duplicates?verify=true` against `analyze` on the same pictures.
final class VerifiedCrossDuplicatesTests: XCTestCase {
    static let left = ["engraving.png", "lines.png", "map.png"]
    static let right = ["engraving_q80.jpg", "lines_resized.jpg", "map_shift_resized.jpg", "dialog_en.png"]

    static func picture(_ name: String) throws -> Data {
        try Data(contentsOf: ServiceHarness.fixtures.appendingPathComponent("verification/" + name))
    }

    func testVerdictsAreAnalyzesAndPairsWithoutPicturesSaySo() async throws {
        let harness = try ServiceHarness()
        let folders = ["left", "right"].map { harness.allowedRoot + "/" + $0 }
        for (folder, files) in zip(folders, [Self.left, Self.right]) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for file in files { try Self.picture(file).write(to: URL(fileURLWithPath: folder + "/" + file)) }
        }
        // analyze on the same folders (its own store), with verification.
        let out = harness.folder + "/out"
        let engines = harness.service.engines
        let analyzeStore = try HashStore(path: harness.folder + "/analyze.sqlite")
        let pipeline = HashPipeline(engines: engines, decoder: ImageDecoder(), workers: 2)
        let run = AnalysisRun(matcher: engines.matcher, device: engines.description, options: MatchOptions(),
                              verification: .init(), limits: DecodeLimits(), version: "test", report: { _, _, _ in })
        try run.run(.folders(zip(["left", "right"], folders).map { DatasetSpec(name: $0, path: $1) },
                             DatasetIndexer(store: analyzeStore, pipeline: pipeline)), to: out, showProgress: false)
        try analyzeStore.close()
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/perceptual_cross_duplicates.json")))
        let pairs = ((written as? [String: Any])?["pairs"] as? [[String: Any]]) ?? []
        XCTAssertGreaterThan(pairs.count, 0)
        XCTAssertTrue(pairs.allSatisfy { $0["verified"] != nil }, "analyze judged every pair")
        XCTAssertTrue(pairs.contains { $0["verified"] as? Bool == true }, "the copies are verified")

        try await harness.test(.live) { client in
            for (name, folder) in zip(["left", "right"], folders) {
                try await ServiceHarness.scan(client, dataset: name, root: folder)
            }
            let uri = "/v1/cross-duplicates?datasets=left,right&verify=true"
            let first = try await client.execute(uri: uri, method: .get)
            XCTAssertEqual(first.status, .ok, first.text)
            self.assertJSON(first, String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/perceptual_cross_duplicates.json")), as: UTF8.self))
            // Kept in the store by the two contents' digests: the second answer is the same.
            try await client.execute(uri: uri, method: .get) { r in XCTAssertEqual(r.text, first.text) }
            // Without verify the answer is the plain one.
            try await client.execute(uri: "/v1/cross-duplicates?datasets=left,right", method: .get) { r in
                XCTAssertFalse(r.text.contains("\"verified\""), r.text)
            }
            self.assertProblem(try await client.execute(uri: "/v1/cross-duplicates?verify=yes", method: .get), .badRequest, "verify must be true or false")

            // A curator's decision decides its pair here too, as in `analyze --store`: the pair
            // gains "review" and leaves the verified groups.
            let firstPairs = first.object["pairs"] as? [[String: Any]] ?? []
            let copy = try XCTUnwrap(firstPairs.first { $0["verified"] as? Bool == true }, first.text)
            let a = try XCTUnwrap(copy["a"] as? [String: Any]), b = try XCTUnwrap(copy["b"] as? [String: Any])
            let review = try JSONSerialization.data(withJSONObject: ["a": a, "b": b, "decision": "different", "note": "two states"])
            let put = try await client.execute(uri: "/v1/reviews", method: .put, headers: [.contentType: "application/json"],
                                               body: ByteBuffer(bytes: review))
            XCTAssertEqual(put.status, .created, put.text)
            let reviewed = try await client.execute(uri: uri, method: .get)
            let reviewedPair = try XCTUnwrap((reviewed.object["pairs"] as? [[String: Any]])?.first {
                NSDictionary(dictionary: $0["a"] as? [String: Any] ?? [:]).isEqual(to: a) && NSDictionary(dictionary: $0["b"] as? [String: Any] ?? [:]).isEqual(to: b)
            }, reviewed.text)
            XCTAssertEqual((reviewedPair["review"] as? [String: Any])?["decision"] as? String, "different", reviewed.text)
            let groups = reviewed.object["verified_groups"] as? [[[String: Any]]] ?? []
            let grouped = groups.filter { g in g.contains { NSDictionary(dictionary: $0).isEqual(to: a) } && g.contains { NSDictionary(dictionary: $0).isEqual(to: b) } }
            XCTAssertTrue(grouped.isEmpty, "a pair marked different is no verified copy: \(reviewed.text)")

            // An upload-backed dataset keeps no pictures: its pairs get no verdict, and the answer says why.
            _ = try await client.execute(uri: "/v1/datasets/uploads", method: .put)
            _ = try await client.execute(uri: "/v1/datasets/uploads/images", method: .post, headers: [.contentType: MultipartBody.contentType],
                                         body: MultipartBody.make([("file", "engraving.png", Array(try Self.picture("engraving.png")))]))
            let mixed = try await client.execute(uri: "/v1/cross-duplicates?datasets=left,uploads&verify=true", method: .get)
            XCTAssertEqual(mixed.status, .ok, mixed.text)
            let mixedPairs = mixed.object["pairs"] as? [[String: Any]] ?? []
            XCTAssertGreaterThan(mixedPairs.count, 0, mixed.text)
            XCTAssertTrue(mixedPairs.allSatisfy { $0["verified"] == nil }, mixed.text)
            XCTAssertEqual(mixed.object["unverified_pairs"] as? Int, mixedPairs.count, mixed.text)
            XCTAssertTrue((mixed.object["unverified_reason"] as? String ?? "").contains("no pictures"), mixed.text)
        }
    }
}
