import XCTest
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import HashKit
import HashStore
@testable import Service

/// PDQ in `POST /v1/datasets/{name}/images` items and `POST /v1/query`, and dihedral picture
/// queries, on a real store with real pictures. Expected hashes come from the references:
/// Tests/Fixtures/expected.json (imagehash, OpenCV), expected_pdq.json (Meta's pdqhash) and
/// Tests/Fixtures/mirror_query (a Pillow mirror, scripts/make_mirror_query_fixture.py).
final class PDQAndDihedralQueryTests: XCTestCase {
    static let picture = "png/pillow_rgb.png"
    static let other = "png/gray8.png"

    func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// The reference PDQ of a fixture: (hex, quality).
    static func pdq(_ name: String) throws -> (hex: String, quality: Int) {
        let data = try Data(contentsOf: ServiceHarness.fixtures.appendingPathComponent("expected_pdq.json"))
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entry = try XCTUnwrap(all[name] as? [String: Any], "\(name) in expected_pdq.json")
        return (try XCTUnwrap(entry["pdq"] as? String), try XCTUnwrap(entry["pdq_quality"] as? Int))
    }

    static func results(_ r: TestResponse) -> [[String: Any]] { r.object["results"] as? [[String: Any]] ?? [] }

    static func matches(_ result: [String: Any]) -> [[String: Any]] { result["matches"] as? [[String: Any]] ?? [] }

    func testPDQItemsAreStoredAndMatchedByHashAndByPicture() async throws {
        let harness = try ServiceHarness()
        let picture = try ServiceHarness.fixture(Self.picture)
        let (pdq, quality) = try Self.pdq(Self.picture)
        let (otherPDQ, otherQuality) = try Self.pdq(Self.other)
        let otherRef = try ServiceHarness.expected(Self.other)
        // The same hash as the picture's, but sent with a quality under PDQ's floor (50).
        let items = #"""
            {"items": [{"file": "list/7", "pdq": "\#(pdq.uppercased())"},
                       {"file": "flat", "pdq": "\#(pdq)", "pdq_quality": 10},
                       {"file": "g.png", "phash": "\#(otherRef["phash"]!)", "blockmean": "\#(otherRef["blockmean"]!)",
                        "pdq": "\#(otherPDQ)", "pdq_quality": \#(otherQuality)}]}
            """#
        try await harness.test { client in
            _ = try await client.execute(uri: "/v1/datasets/lists", method: .put)
            try await client.execute(uri: "/v1/datasets/lists/images", method: .post, headers: [.contentType: "application/json"],
                                     body: self.json(items)) { r in
                XCTAssertEqual(r.status, .ok, r.text)
                self.assertJSON(r, #"{"added":3}"#)
            }
            // The store holds the entries as `crosshash import` writes list lines, and the
            // picture's PDQ with its quality beside its other hashes.
            let stored = try harness.service.store.familyHashes(in: try XCTUnwrap(try harness.service.store.dataset(named: "lists")).id,
                                                                family: .pdq)
            XCTAssertEqual(stored.map { String(decoding: $0.path, as: UTF8.self) }, ["flat", "g.png", "list/7"])
            XCTAssertEqual(stored.map { HashFamily.pdq.hex($0.words) }, [pdq, otherPDQ, pdq])
            XCTAssertEqual(stored.map(\.quality), [10, otherQuality, nil])

            // The entries are images of the dataset, not problems.
            try await client.execute(uri: "/v1/datasets/lists", method: .get) { r in
                XCTAssertEqual(r.object["images"] as? Int, 3, r.text)
                XCTAssertEqual(r.object["errors"] as? Int, 0, r.text)
                XCTAssertEqual((r.object["problems"] as? [Any])?.count, 0, r.text)
            }
            // Each entry reads back with what was sent (hex as Meta writes it, lower case).
            try await client.execute(uri: "/v1/datasets/lists/images/list%2F7", method: .get) { r in
                XCTAssertEqual(r.object["pdq"] as? String, pdq, r.text)
                XCTAssertNil(r.object["error"], r.text)
                XCTAssertNil(r.object["pdq_quality"], r.text)
            }
            try await client.execute(uri: "/v1/datasets/lists/images/g.png", method: .get) { r in
                XCTAssertEqual(r.object["phash"] as? String, otherRef["phash"], r.text)
                XCTAssertEqual(r.object["pdq"] as? String, otherPDQ, r.text)
                XCTAssertEqual(r.object["pdq_quality"] as? Int, otherQuality, r.text)
            }
            // By hash: the entry at distance 0; the one under the quality floor is not matched.
            let byHash = #"{"queries":[{"id":"q","pdq":"\#(pdq)"}],"thresholds":{"pdq":31}}"#
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: "application/json"], body: self.json(byHash)) { r in
                self.assertJSON(r, #"{"results":[{"id":"q","pdq":"\#(pdq)","matches":[{"dataset":"lists","file":"list/7","distances":{"pdq":0}}],"truncated":false}]}"#)
            }
            // By hash with phash too: the picture item is found by its phash, and its PDQ
            // distance is given; a PDQ-only entry has no phash distance.
            let both = #"{"queries":[{"phash":"\#(otherRef["phash"]!)","pdq":"\#(pdq)"}]}"#
            try await client.execute(uri: "/v1/query", method: .post, body: self.json(both)) { r in
                let found = Self.matches(Self.results(r).first ?? [:])
                XCTAssertEqual(found.map { $0["file"] as? String }, ["list/7", "g.png"], r.text)
                let distances = found.map { $0["distances"] as? [String: Int] ?? [:] }
                XCTAssertEqual(distances.first, ["pdq": 0], r.text)
                XCTAssertEqual(distances.last?["phash"], 0, r.text)
                XCTAssertEqual(distances.last?["pdq"], Hamming.distance(HashFamily.pdq.words(hex: pdq)!, HashFamily.pdq.words(hex: otherPDQ)!), r.text)
            }
            // By picture, asking for PDQ: the reference hash and quality, and the entry.
            let byPicture = MultipartBody.make([("options", nil, Array(#"{"families":["pdq"],"datasets":["lists"]}"#.utf8)),
                                                ("file", "probe.png", picture)])
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: MultipartBody.contentType], body: byPicture) { r in
                self.assertJSON(r, #"{"results":[{"id":"probe.png","pdq":"\#(pdq)","pdq_quality":\#(quality),"matches":[{"dataset":"lists","file":"list/7","distances":{"pdq":0}}],"truncated":false}]}"#)
            }
            // By picture without `families`: the default two only, as before (no PDQ, and the
            // PDQ-only entry cannot match).
            let plain = MultipartBody.make([("file", "probe.png", picture)])
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: MultipartBody.contentType], body: plain) { r in
                let result = Self.results(r).first ?? [:]
                XCTAssertNil(result["pdq"], r.text)
                XCTAssertEqual(result["phash"] as? String, try? ServiceHarness.expected(Self.picture)["phash"], r.text)
                XCTAssertFalse(Self.matches(result).contains { $0["file"] as? String == "list/7" }, r.text)
            }
            // A key twice in one request: the last item wins (here a picture's hashes over a list
            // entry), in the store and in matching alike.
            let twice = #"{"items":[{"file":"dup","pdq":"\#(otherPDQ)"},{"file":"dup","phash":"\#(otherRef["phash"]!)","blockmean":"\#(otherRef["blockmean"]!)"}]}"#
            _ = try await client.execute(uri: "/v1/datasets/lists/images", method: .post, body: self.json(twice))
            try await client.execute(uri: "/v1/datasets/lists/images/dup", method: .get) { r in
                XCTAssertEqual(r.object["phash"] as? String, otherRef["phash"], r.text)
                XCTAssertNil(r.object["pdq"], r.text)
            }
            let pdqOfOther = #"{"queries":[{"pdq":"\#(otherPDQ)"}],"datasets":["lists"]}"#
            try await client.execute(uri: "/v1/query", method: .post, body: self.json(pdqOfOther)) { r in
                XCTAssertEqual(Self.matches(Self.results(r).first ?? [:]).map { $0["file"] as? String }, ["g.png"], r.text)
            }
            // The same key replaces: list/7 now holds the other picture's PDQ.
            _ = try await client.execute(uri: "/v1/datasets/lists/images", method: .post,
                                         body: self.json(#"{"items":[{"file":"list/7","pdq":"\#(otherPDQ)"}]}"#))
            try await client.execute(uri: "/v1/query", method: .post, body: self.json(byHash)) { r in
                XCTAssertEqual(Self.matches(Self.results(r).first ?? [:]).count, 0, r.text)
            }

            // Bad items: nothing stored, a problem naming the item and what to send.
            let bad: [(String, String)] = [
                (#"{"items":[{"file":"x","pdq":"\#(pdq.dropLast(2))"}]}"#, "items[0]: \"pdq\" must be 64 hex digits (got 62 characters)"),
                (#"{"items":[{"file":"x","pdq":"\#(pdq)","pdq_quality":101}]}"#, "\"pdq_quality\" must be an integer 0...100"),
                (#"{"items":[{"file":"x","pdq_quality":60}]}"#, "\"pdq_quality\" without \"pdq\""),
                (#"{"items":[{"file":"x","phash":"\#(otherRef["phash"]!)","pdq":"\#(pdq)"}]}"#, "incomplete hashes, \"blockmean\" missing"),
                (#"{"items":[{"file":"x","phash":"\#(otherRef["phash"]!)","blockmean":"\#(otherRef["blockmean"]!)","pdq":"\#(pdq)"}]}"#,
                 "\"pdq_quality\" (0...100) is needed"),
                (#"{"items":[{"file":"x"}]}"#, "items[0] gives no hash"),
            ]
            for (body, fragment) in bad {
                self.assertProblem(try await client.execute(uri: "/v1/datasets/lists/images", method: .post, body: self.json(body)),
                                   .badRequest, fragment)
            }
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, body: self.json(#"{"queries":[{"pdq":"abc"}]}"#)),
                               .badRequest, "queries[0].pdq must be 64 hex digits")
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, body: self.json(#"{"queries":[{"pdq":"\#(pdq)"}],"thresholds":{"pdq":257}}"#)),
                               .badRequest, "threshold of pdq must be an integer 0...256")
        }
    }

    /// A list imported with the store's import (what `crosshash import` runs) before the server
    /// starts: queries by PDQ hash and by picture return the list's IDs.
    func testQueryAgainstAnImportedListReturnsTheIDs() async throws {
        let (pdq, _) = try Self.pdq(Self.picture)
        let (otherPDQ, _) = try Self.pdq(Self.other)
        let list = NSTemporaryDirectory() + "crosshash-list-\(UUID().uuidString).txt"
        try "# partner list\n\(pdq),partner-7\n\(otherPDQ),partner-9\n".write(toFile: list, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: list) }
        let harness = try ServiceHarness { store in
            let handle = try XCTUnwrap(FileHandle(forReadingAtPath: list))
            var lines = LineReader(handle: handle)
            let summary = try store.importHashList(named: "partner", family: .pdq, lines: &lines, problem: { _, _ in })
            XCTAssertEqual(summary.imported, 2)
        }
        let picture = try ServiceHarness.fixture(Self.picture)
        try await harness.test { client in
            let byHash = #"{"queries":[{"id":"a","pdq":"\#(pdq)"},{"id":"b","pdq":"\#(otherPDQ)"}],"datasets":["partner"]}"#
            try await client.execute(uri: "/v1/query", method: .post, body: self.json(byHash)) { r in
                let results = Self.results(r)
                XCTAssertEqual(results.map { Self.matches($0).map { $0["file"] as? String } }, [["partner-7"], ["partner-9"]], r.text)
                XCTAssertEqual(results.map { Self.matches($0).map { $0["distances"] as? [String: Int] } }, [[["pdq": 0]], [["pdq": 0]]], r.text)
            }
            let byPicture = MultipartBody.make([("options", nil, Array(#"{"families":["phash","pdq"]}"#.utf8)), ("file", "p.png", picture)])
            try await client.execute(uri: "/v1/query/upload", method: .post, headers: [.contentType: MultipartBody.contentType], body: byPicture) { r in
                let result = Self.results(r).first ?? [:]
                XCTAssertEqual(result["pdq"] as? String, pdq, r.text)
                XCTAssertNil(result["blockmean"], r.text)
                XCTAssertEqual(Self.matches(result).map { $0["file"] as? String }, ["partner-7"], r.text)
            }
        }
    }

    /// A mirrored copy (Pillow's FLIP_LEFT_RIGHT) of a stored picture: found with `"dihedral":
    /// true`, at distance 0 through the flip_h variant; not found without it.
    func testDihedralQueryFindsAMirroredPicture() async throws {
        let harness = try ServiceHarness()
        let original = try ServiceHarness.fixture(Self.picture)
        let folder = ServiceHarness.fixtures.appendingPathComponent("mirror_query")
        let mirror = Array(try Data(contentsOf: folder.appendingPathComponent("pillow_rgb_flip_h.png")))
        let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("expected.json"))) as? [String: Any])
        let mirrorRef = try XCTUnwrap(reference["pillow_rgb_flip_h.png"] as? [String: String])
        let apart = try XCTUnwrap(reference["distances"] as? [String: Int])
        try await harness.test { client in
            _ = try await client.execute(uri: "/v1/datasets/alpha", method: .put)
            _ = try await client.execute(uri: "/v1/datasets/alpha/images", method: .post, headers: [.contentType: MultipartBody.contentType],
                                         body: MultipartBody.make([("file", "original.png", original)]))
            let plain = MultipartBody.make([("file", "mirror.png", mirror)])
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: MultipartBody.contentType], body: plain) { r in
                let result = Self.results(r).first ?? [:]
                XCTAssertEqual(result["phash"] as? String, mirrorRef["phash"], r.text)
                XCTAssertEqual(result["blockmean"] as? String, mirrorRef["blockmean"], r.text)
                XCTAssertGreaterThan(apart["phash"] ?? 0, 8)
                XCTAssertGreaterThan(apart["blockmean"] ?? 0, 8)
                XCTAssertEqual(Self.matches(result).count, 0, r.text)
                XCTAssertFalse(r.text.contains("transform"), r.text)
            }
            let dihedral = MultipartBody.make([("options", nil, Array(#"{"dihedral":true}"#.utf8)), ("file", "mirror.png", mirror)])
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: MultipartBody.contentType], body: dihedral) { r in
                XCTAssertEqual(r.status, .ok, r.text)
                self.assertJSON(r, #"{"results":[{"id":"mirror.png","phash":"\#(mirrorRef["phash"]!)","blockmean":"\#(mirrorRef["blockmean"]!)","matches":[{"dataset":"alpha","file":"original.png","distances":{"phash":0,"blockmean":0},"transform":"flip_h"}],"truncated":false}]}"#)
            }
            // The original itself, dihedral: found by identity (first in Dihedral order at 0).
            let same = MultipartBody.make([("options", nil, Array(#"{"dihedral":true,"families":["phash"]}"#.utf8)), ("file", "o.png", original)])
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: MultipartBody.contentType], body: same) { r in
                let found = Self.matches(Self.results(r).first ?? [:])
                XCTAssertEqual(found.map { $0["transform"] as? String }, ["identity"], r.text)
                XCTAssertEqual(found.map { $0["distances"] as? [String: Int] }, [["phash": 0]], r.text)
            }
            // A hash has no pixels to transpose.
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post,
                                                        body: self.json(#"{"queries":[{"phash":"\#(mirrorRef["phash"]!)"}],"dihedral":true}"#)),
                               .unprocessableContent, "\"dihedral\": true needs the picture")
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post,
                                                        body: self.json(#"{"queries":[{"phash":"\#(mirrorRef["phash"]!)"}],"dihedral":"yes"}"#)),
                               .badRequest, "\"dihedral\" must be true or false")
        }
    }

    /// A dihedral query keeps up to `limit` matches for each of 8 variants before merging:
    /// `--max-query-matches` counts them all, before any hashing.
    func testDihedralQueriesCountTheirVariantsAgainstTheMatchCap() async throws {
        let harness = try ServiceHarness(maxQueryMatches: 100)
        let picture = try ServiceHarness.fixture(Self.picture)
        try await harness.test { client in
            let plain = MultipartBody.make([("options", nil, Array(#"{"limit":20}"#.utf8)), ("file", "p.png", picture)])
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: MultipartBody.contentType], body: plain) { r in
                XCTAssertEqual(r.status, .ok, r.text)
            }
            let dihedral = MultipartBody.make([("options", nil, Array(#"{"limit":20,"dihedral":true}"#.utf8)), ("file", "p.png", picture)])
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: MultipartBody.contentType],
                                                        body: dihedral),
                               .contentTooLarge, "1 queries x 8 dihedral variants x limit 20 = 160 matches, over this server's cap of 100")
        }
    }
}
