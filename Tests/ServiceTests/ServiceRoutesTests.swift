import XCTest
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Service

/// Each resource's routes in process, on a real store with real pictures: the happy paths,
/// and the problem documents of bad requests (the real-socket behaviour, hostile clients
/// included, is in Tests/EndToEndTests).
final class ServiceRoutesTests: XCTestCase {
    static let picture = "png/pillow_rgb.png"
    static let other = "png/gray8.png"

    func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    // MARK: Operations

    func testOperationsRoutes() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            try await client.execute(uri: "/healthz", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                self.assertJSON(r, #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/readyz", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual((r.object["device"] as? [String: Any])?["kind"] as? String, "cpu")
            }
            try await client.execute(uri: "/openapi.json", method: .get) { r in
                XCTAssertEqual(r.headers[.contentType], "application/json")
                XCTAssertNotNil(r.object["paths"], "the embedded OpenAPI document")
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertTrue(r.text.contains("crosshash_queue_depth"), r.text)
            }
        }
    }

    // MARK: Hash

    func testHashRawAndMultipartGiveTheReferenceHashes() async throws {
        let harness = try ServiceHarness()
        let picture = try ServiceHarness.fixture(Self.picture), other = try ServiceHarness.fixture(Self.other)
        let ref = try ServiceHarness.expected(Self.picture), otherRef = try ServiceHarness.expected(Self.other)
        try await harness.test { client in
            try await client.execute(uri: "/v1/hash?name=a.png", method: .post, body: ByteBuffer(bytes: picture)) { r in
                XCTAssertEqual(r.status, .ok, r.text)
                self.assertJSON(r, #"{"images":[{"name":"a.png","phash":"\#(ref["phash"]!)","blockmean":"\#(ref["blockmean"]!)"}]}"#)
            }
            let body = MultipartBody.make([("file", "one.png", picture), ("file", "two.png", other), ("file", "bad.png", [1, 2, 3])])
            try await client.execute(uri: "/v1/hash", method: .post, headers: [.contentType: MultipartBody.contentType], body: body) { r in
                XCTAssertEqual(r.status, .ok, r.text)
                let images = r.object["images"] as? [[String: Any]] ?? []
                XCTAssertEqual(images.map { $0["name"] as? String }, ["one.png", "two.png", "bad.png"])
                XCTAssertEqual(images.first?["phash"] as? String, ref["phash"])
                XCTAssertEqual(images.dropFirst().first?["blockmean"] as? String, otherRef["blockmean"])
                XCTAssertNotNil(images.last?["error"], "a part that is not a picture is answered in its entry")
            }
            // One raw body that is not a picture: 422.
            let r422 = try await client.execute(uri: "/v1/hash", method: .post, body: ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47, 1, 2]))
            self.assertProblem(r422, .unprocessableContent, "not an image", instance: "/v1/hash")
            let empty = try await client.execute(uri: "/v1/hash", method: .post, body: ByteBuffer())
            self.assertProblem(empty, .badRequest, "the body is empty")
        }
    }

    // MARK: Datasets

    func testDatasetLifecycleWithUploadsAndPrecomputedHashes() async throws {
        let harness = try ServiceHarness()
        let picture = try ServiceHarness.fixture(Self.picture)
        let ref = try ServiceHarness.expected(Self.picture), otherRef = try ServiceHarness.expected(Self.other)
        try await harness.test { client in
            try await client.execute(uri: "/v1/datasets/alpha", method: .put) { r in
                XCTAssertEqual(r.status, .created, r.text)
                self.assertJSON(r, #"{"name":"alpha","root":null,"images":0,"errors":0}"#)
            }
            try await client.execute(uri: "/v1/datasets/alpha", method: .put) { r in XCTAssertEqual(r.status, .ok) }

            let upload = MultipartBody.make([("file", "pics/a.png", picture), ("file", "../escape.png", picture)])
            try await client.execute(uri: "/v1/datasets/alpha/images", method: .post,
                                     headers: [.contentType: MultipartBody.contentType], body: upload) { r in
                XCTAssertEqual(r.status, .ok, r.text)
                XCTAssertEqual(r.object["added"] as? Int, 1)
                let images = r.object["images"] as? [[String: Any]] ?? []
                XCTAssertEqual(images.first?["file"] as? String, "pics/a.png")
                XCTAssertEqual(images.first?["phash"] as? String, ref["phash"])
                XCTAssertTrue((images.last?["error"] as? String ?? "").contains("not a usable file key"), r.text)
            }
            let items = #"{"items":[{"file":"b.png","phash":"\#(otherRef["phash"]!)","blockmean":"\#(otherRef["blockmean"]!)"}]}"#
            try await client.execute(uri: "/v1/datasets/alpha/images", method: .post,
                                     headers: [.contentType: "application/json"], body: self.json(items)) { r in
                self.assertJSON(r, #"{"added":1}"#)
            }
            try await client.execute(uri: "/v1/datasets", method: .get) { r in
                self.assertJSON(r, #"{"datasets":[{"name":"alpha","root":null,"images":2,"errors":0}]}"#)
            }
            try await client.execute(uri: "/v1/datasets/alpha", method: .get) { r in
                XCTAssertEqual(r.object["images"] as? Int, 2, r.text)
                XCTAssertEqual(r.object["problems"] as? [Any] as? [String] ?? [], [])
            }

            // Bad requests: each with its own status.
            self.assertProblem(try await client.execute(uri: "/v1/datasets/alpha/images", method: .post,
                                                        headers: [.contentType: "application/json"],
                                                        body: self.json(#"{"items":[{"file":"/abs.png","phash":"00"}]}"#)),
                               .badRequest, "items[0]: \"file\"")
            self.assertProblem(try await client.execute(uri: "/v1/datasets/alpha/images", method: .post,
                                                        headers: [.contentType: "application/json"], body: self.json("{nope")),
                               .badRequest, "not valid JSON")
            self.assertProblem(try await client.execute(uri: "/v1/datasets/alpha", method: .put,
                                                        headers: [.contentType: "text/plain"], body: self.json("root")),
                               .unsupportedMediaType, "expected Content-Type application/json")
            self.assertProblem(try await client.execute(uri: "/v1/datasets/.hidden", method: .put), .badRequest, "not a usable dataset name")
            self.assertProblem(try await client.execute(uri: "/v1/datasets/alpha", method: .put,
                                                        headers: [.contentType: "application/json"], body: self.json(#"{"root":"/etc"}"#)),
                               .forbidden, "outside the folders")

            try await client.execute(uri: "/v1/datasets/alpha", method: .delete) { r in XCTAssertEqual(r.status, .noContent) }
            self.assertProblem(try await client.execute(uri: "/v1/datasets/alpha", method: .get), .notFound, "no dataset named 'alpha'",
                               instance: "/v1/datasets/alpha")
        }
    }

    func testScanJobIndexesTheRootFolder() async throws {
        let harness = try ServiceHarness()
        let folder = harness.allowedRoot + "/photos"
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try Data(try ServiceHarness.fixture(Self.picture)).write(to: URL(fileURLWithPath: folder + "/sub/p.png"))
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: folder + "/broken.png"))
        try await harness.test { client in
            try await client.execute(uri: "/v1/datasets/scanned", method: .put, headers: [.contentType: "application/json"],
                                     body: self.json(#"{"root":"\#(folder)"}"#)) { r in XCTAssertEqual(r.status, .created, r.text) }
            let started = try await client.execute(uri: "/v1/datasets/scanned/scan", method: .post)
            XCTAssertEqual(started.status, .accepted, started.text)
            let id = try XCTUnwrap(started.object["job"] as? String)
            XCTAssertEqual(started.headers[.location], "/v1/jobs/\(id)")
            var state = ""
            for _ in 0..<600 where state != "done" && state != "failed" {
                state = try await client.execute(uri: "/v1/jobs/\(id)", method: .get).object["state"] as? String ?? ""
                if state != "done" { try await Task.sleep(for: .milliseconds(50)) }
            }
            XCTAssertEqual(state, "done")
            try await client.execute(uri: "/v1/datasets/scanned", method: .get) { r in
                XCTAssertEqual(r.object["images"] as? Int, 1, r.text)
                XCTAssertEqual(r.object["errors"] as? Int, 1, r.text)
            }
            // Uploads to a dataset with a root are refused before the body is read.
            self.assertProblem(try await client.execute(uri: "/v1/datasets/scanned/images", method: .post, body: self.json("{}")),
                               .conflict, "has a root folder")
            self.assertProblem(try await client.execute(uri: "/v1/jobs/scan-999999", method: .get), .notFound, "no job 'scan-999999'")
        }
    }

    // MARK: Query and cross-duplicates

    func testQueryByHashAndByImage() async throws {
        let harness = try ServiceHarness(maxImagesPerRequest: 3, maxQueryMatches: 1000)
        let picture = try ServiceHarness.fixture(Self.picture)
        let ref = try ServiceHarness.expected(Self.picture)
        try await harness.test { client in
            _ = try await client.execute(uri: "/v1/datasets/alpha", method: .put)
            _ = try await client.execute(uri: "/v1/datasets/alpha/images", method: .post, headers: [.contentType: MultipartBody.contentType],
                                         body: MultipartBody.make([("file", "a.png", picture)]))
            let asked = #"{"queries":[{"id":"q","phash":"\#(ref["phash"]!)"}],"thresholds":{"phash":4},"limit":5}"#
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: "application/json"], body: self.json(asked)) { r in
                XCTAssertEqual(r.status, .ok, r.text)
                self.assertJSON(r, #"{"results":[{"id":"q","phash":"\#(ref["phash"]!)","matches":[{"dataset":"alpha","file":"a.png","distances":{"phash":0}}],"truncated":false}]}"#)
            }
            let byImage = MultipartBody.make([("options", nil, Array(#"{"limit":1}"#.utf8)), ("file", "probe.png", picture)])
            try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: MultipartBody.contentType], body: byImage) { r in
                let result = (r.object["results"] as? [[String: Any]])?.first ?? [:]
                XCTAssertEqual(result["id"] as? String, "probe.png", r.text)
                XCTAssertEqual((result["matches"] as? [[String: Any]])?.first?["file"] as? String, "a.png", r.text)
            }
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, body: self.json(#"{"queries":[{"phash":"zz"}]}"#)),
                               .badRequest, "queries[0].phash must be 16 hex digits")
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, body: self.json(#"{"queries":[{"phash":"\#(ref["phash"]!)"}],"limit":0}"#)),
                               .badRequest, "\"limit\" must be an integer 1...10000")
            let four = Array(repeating: #"{"phash":"\#(ref["phash"]!)"}"#, count: 4).joined(separator: ",")
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, body: self.json(#"{"queries":[\#(four)]}"#)),
                               .contentTooLarge, "4 queries in one request, over the limit of 3")
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, body: self.json(#"{"queries":[{"phash":"\#(ref["phash"]!)"}],"limit":5000}"#)),
                               .contentTooLarge, "over this server's cap of 1000 matches")
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: "text/plain"], body: self.json("{}")),
                               .unsupportedMediaType, "expected Content-Type application/json, got 'text/plain'")
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, body: self.json(#"{"queries":[{"phash":"\#(ref["phash"]!)"}],"datasets":["nope"]}"#)),
                               .notFound, "no dataset named 'nope'")
        }
    }

    func testCrossDuplicatesAcrossTwoDatasets() async throws {
        let harness = try ServiceHarness()
        let picture = try ServiceHarness.fixture(Self.picture), other = try ServiceHarness.fixture(Self.other)
        try await harness.test { client in
            for (name, files) in [("left", [("same.png", picture)]), ("right", [("copy.png", picture), ("else.png", other)])] {
                _ = try await client.execute(uri: "/v1/datasets/\(name)", method: .put)
                let body = MultipartBody.make(files.map { ("file", $0.0, $0.1) })
                let r = try await client.execute(uri: "/v1/datasets/\(name)/images", method: .post,
                                                 headers: [.contentType: MultipartBody.contentType], body: body)
                XCTAssertEqual(r.object["added"] as? Int, files.count, r.text)
            }
            try await client.execute(uri: "/v1/cross-duplicates?datasets=left,right", method: .get) { r in
                XCTAssertEqual(r.status, .ok, r.text)
                XCTAssertEqual(r.headers[.contentType], "application/json")
                XCTAssertTrue(r.text.contains("same.png") && r.text.contains("copy.png"), r.text)
                XCTAssertFalse(r.text.contains("else.png"), r.text)
            }
            self.assertProblem(try await client.execute(uri: "/v1/cross-duplicates?phash_threshold=99", method: .get),
                               .badRequest, "phash_threshold must be an integer 0...64")
            self.assertProblem(try await client.execute(uri: "/v1/cross-duplicates?family=md5", method: .get), .badRequest, "family must be one of")
            self.assertProblem(try await client.execute(uri: "/v1/cross-duplicates?within=yes", method: .get), .badRequest, "within must be true or false")
            self.assertProblem(try await client.execute(uri: "/v1/cross-duplicates?datasets=left,left", method: .get), .badRequest, "distinct names")
        }
    }

    // MARK: Routing, limits and keys

    func testUnknownRoutesAndMethodsAreProblems() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            self.assertProblem(try await client.execute(uri: "/v2/nothing", method: .get), .notFound, "no such route")
            let r = try await client.execute(uri: "/v1/datasets/alpha", method: .patch)
            self.assertProblem(r, .methodNotAllowed, "v1/datasets/:name takes GET, PUT, DELETE")
            XCTAssertEqual(r.headers[.allow], "GET, PUT, DELETE")
            let hash = try await client.execute(uri: "/v1/hash", method: .get)
            XCTAssertEqual(hash.status, .methodNotAllowed)
            XCTAssertEqual(hash.headers[.allow], "POST")
        }
    }

    /// The 405 table comes from the registered routes: every path has an Allow of exactly the
    /// methods it was registered with, and every other method of the list gets a 405.
    func testMethodTableIsDerivedFromTheRoutes() async throws {
        let harness = try ServiceHarness()
        let table = RouteTable()
        ServiceRoutes.register(on: Router(context: ServiceRequestContext.self), backend: ServiceBackend(service: harness.service),
                               reader: RequestReader(maxBodyBytes: 1, bodyTimeout: .seconds(1), maxImagesPerRequest: 1, executor: .shared),
                               metrics: ServiceHarness.metrics, apiKeys: [], table: table)
        XCTAssertEqual(Set(table.paths), ["healthz", "readyz", "metrics", "openapi.json", "v1/hash", "v1/hash/raw", "v1/datasets", "v1/datasets/:name",
                                          "v1/datasets/:name/images", "v1/datasets/:name/images/upload", "v1/datasets/:name/scan",
                                          "v1/datasets/:name/images/:key", "v1/datasets/:name/images/:key/thumbnail",
                                          "v1/jobs/:id", "v1/query", "v1/query/upload", "v1/cross-duplicates",
                                          "v1/reviews", "v1/reviews/:id"])
        XCTAssertEqual(table.allow("v1/datasets/:name"), "GET, PUT, DELETE")
        XCTAssertEqual(table.allow("v1/query"), "POST")
        try await harness.test { client in
            for path in table.paths {
                let uri = "/" + path.replacingOccurrences(of: ":name", with: "x").replacingOccurrences(of: ":id", with: "y").replacingOccurrences(of: ":key", with: "k")
                for method in RouteTable.methods where !table.allow(path).contains(method.rawValue) {
                    let r = try await client.execute(uri: uri, method: method)
                    XCTAssertEqual(r.status, .methodNotAllowed, "\(method) \(uri)")
                    XCTAssertEqual(r.headers[.allow], table.allow(path), "\(method) \(uri)")
                }
            }
        }
    }

    func testBodyAndJSONLimits() async throws {
        let harness = try ServiceHarness(maxBodyBytes: 64 << 10, maxImagesPerRequest: 2)
        try await harness.test { client in
            let big = ByteBuffer(bytes: [UInt8](repeating: 0x41, count: 100 << 10))
            let r = try await client.execute(uri: "/v1/hash", method: .post, headers: [.contentLength: "\(big.readableBytes)"], body: big)
            self.assertProblem(r, .contentTooLarge, "over this server's limit of 65536")
            XCTAssertEqual(r.headers[.connection], "close")
            // A JSON document over the route's value budget (8 x 2 queries + 10,000 values).
            let values = Array(repeating: "0", count: 12_000).joined(separator: ",")
            self.assertProblem(try await client.execute(uri: "/v1/query", method: .post, body: self.json(#"{"queries":[],"pad":[\#(values)]}"#)),
                               .contentTooLarge, "the JSON body is over this route's limit of 10016 values")
            let parts = MultipartBody.make([("file", "a", [1]), ("file", "b", [2]), ("file", "c", [3])])
            self.assertProblem(try await client.execute(uri: "/v1/hash", method: .post, headers: [.contentType: MultipartBody.contentType], body: parts),
                               .contentTooLarge, "more than 2 parts in one request")
        }
    }

    func testAPIKeysGuardTheAPIButNotOperations() async throws {
        let harness = try ServiceHarness(apiKeys: ["secret-key"])
        try await harness.test { client in
            let missing = try await client.execute(uri: "/v1/datasets", method: .get)
            self.assertProblem(missing, .unauthorized, "requires an API key")
            XCTAssertEqual(missing.headers[.wwwAuthenticate], "Bearer realm=\"crosshash\"")
            let wrong = try await client.execute(uri: "/v1/datasets", method: .get, headers: [.authorization: "Bearer nope"])
            self.assertProblem(wrong, .unauthorized, "not valid")
            XCTAssertEqual(wrong.headers[.wwwAuthenticate], "Bearer realm=\"crosshash\", error=\"invalid_token\"")
            try await client.execute(uri: "/v1/datasets", method: .get, headers: [.authorization: "Bearer secret-key"]) { r in
                self.assertJSON(r, #"{"datasets":[]}"#)
            }
            try await client.execute(uri: "/healthz", method: .get) { r in XCTAssertEqual(r.status, .ok) }
        }
    }
}
