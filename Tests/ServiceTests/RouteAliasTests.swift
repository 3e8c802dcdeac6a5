import XCTest
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Service

/// The alias paths the OpenAPI document gives each request content type (`POST /v1/hash/raw`,
/// `/v1/datasets/{name}/images/upload`, `/v1/query/upload`) are the same handlers as their
/// original paths: for the same request they answer the same bytes (problem documents differ
/// only in `instance`, the request path), and the original paths still take every form.
final class RouteAliasTests: XCTestCase {
    static let picture = "png/pillow_rgb.png"
    static let other = "png/gray8.png"

    /// Sends the same request to `path` and `alias` and checks the answers are the same.
    @discardableResult
    func assertSameAnswer(_ client: any TestClientProtocol, _ path: String, _ alias: String, headers: HTTPFields = [:],
                          body: ByteBuffer, file: StaticString = #filePath, line: UInt = #line) async throws -> TestResponse {
        let original = try await client.execute(uri: path, method: .post, headers: headers, body: body)
        let aliased = try await client.execute(uri: alias, method: .post, headers: headers, body: body)
        XCTAssertEqual(original.status, aliased.status, "\(path) vs \(alias): \(aliased.text)", file: file, line: line)
        XCTAssertEqual(original.headers[.contentType], aliased.headers[.contentType], file: file, line: line)
        if original.status.code < 400 {
            XCTAssertEqual(original.text, aliased.text, "\(path) vs \(alias)", file: file, line: line)
        } else {
            var a = original.object, b = aliased.object
            XCTAssertEqual(a.removeValue(forKey: "instance") as? String, path.split(separator: "?").first.map(String.init), file: file, line: line)
            XCTAssertEqual(b.removeValue(forKey: "instance") as? String, alias.split(separator: "?").first.map(String.init), file: file, line: line)
            XCTAssertEqual(NSDictionary(dictionary: a), NSDictionary(dictionary: b), "\(path) vs \(alias)", file: file, line: line)
        }
        return aliased
    }

    func testHashRawAliasAnswersAsHash() async throws {
        let harness = try ServiceHarness()
        let picture = try ServiceHarness.fixture(Self.picture), other = try ServiceHarness.fixture(Self.other)
        let ref = try ServiceHarness.expected(Self.picture)
        try await harness.test { client in
            let octets: HTTPFields = [.contentType: "application/octet-stream"]
            let raw = try await self.assertSameAnswer(client, "/v1/hash?name=a.png", "/v1/hash/raw?name=a.png", headers: octets,
                                                      body: ByteBuffer(bytes: picture))
            self.assertJSON(raw, #"{"images":[{"name":"a.png","phash":"\#(ref["phash"]!)","blockmean":"\#(ref["blockmean"]!)"}]}"#)
            // Without a Content-Type, as today's raw clients send it.
            try await self.assertSameAnswer(client, "/v1/hash", "/v1/hash/raw", body: ByteBuffer(bytes: picture))
            let notAPicture = try await self.assertSameAnswer(client, "/v1/hash/raw", "/v1/hash", headers: octets,
                                                              body: ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47, 1, 2]))
            self.assertProblem(notAPicture, .unprocessableContent, "not an image", instance: "/v1/hash")
            // The raw alias also takes multipart bodies (one handler), like /v1/hash.
            let parts = MultipartBody.make([("file", "one.png", picture), ("file", "two.png", other), ("file", "bad.png", [1, 2, 3])])
            let multipart = try await self.assertSameAnswer(client, "/v1/hash", "/v1/hash/raw",
                                                            headers: [.contentType: MultipartBody.contentType], body: parts)
            XCTAssertEqual((multipart.object["images"] as? [[String: Any]])?.count, 3, multipart.text)
        }
    }

    func testUploadAliasStoresAsImages() async throws {
        let harness = try ServiceHarness()
        let picture = try ServiceHarness.fixture(Self.picture)
        let otherRef = try ServiceHarness.expected(Self.other)
        try await harness.test { client in
            for name in ["alpha", "beta"] { _ = try await client.execute(uri: "/v1/datasets/\(name)", method: .put) }
            let parts = MultipartBody.make([("file", "pics/a.png", picture), ("file", "../escape.png", picture)])
            let multipart: HTTPFields = [.contentType: MultipartBody.contentType]
            let original = try await client.execute(uri: "/v1/datasets/alpha/images", method: .post, headers: multipart, body: parts)
            let aliased = try await client.execute(uri: "/v1/datasets/beta/images/upload", method: .post, headers: multipart, body: parts)
            XCTAssertEqual(aliased.status, .ok, aliased.text)
            XCTAssertEqual(original.text, aliased.text)
            XCTAssertEqual(aliased.object["added"] as? Int, 1)

            // Precomputed hashes (JSON) on the upload alias too: one handler.
            let items = #"{"items":[{"file":"b.png","phash":"\#(otherRef["phash"]!)","blockmean":"\#(otherRef["blockmean"]!)"}]}"#
            let json: HTTPFields = [.contentType: "application/json"]
            let a = try await client.execute(uri: "/v1/datasets/alpha/images", method: .post, headers: json, body: ByteBuffer(string: items))
            let b = try await client.execute(uri: "/v1/datasets/beta/images/upload", method: .post, headers: json, body: ByteBuffer(string: items))
            self.assertJSON(a, #"{"added":1}"#)
            XCTAssertEqual(a.text, b.text)
            let alpha = try await client.execute(uri: "/v1/datasets/alpha", method: .get)
            let beta = try await client.execute(uri: "/v1/datasets/beta", method: .get)
            XCTAssertEqual(alpha.object["images"] as? Int, 2, alpha.text)
            XCTAssertEqual(beta.object["images"] as? Int, 2, beta.text)
            // An unknown dataset: the same 404 on both paths.
            let missing = try await self.assertSameAnswer(client, "/v1/datasets/nope/images", "/v1/datasets/nope/images/upload",
                                                          headers: multipart, body: parts)
            XCTAssertEqual(missing.status, .notFound, missing.text)
        }
    }

    func testQueryUploadAliasAnswersAsQuery() async throws {
        let harness = try ServiceHarness(maxImagesPerRequest: 3, maxQueryMatches: 1000)
        let picture = try ServiceHarness.fixture(Self.picture)
        let ref = try ServiceHarness.expected(Self.picture)
        try await harness.test { client in
            _ = try await client.execute(uri: "/v1/datasets/alpha", method: .put)
            _ = try await client.execute(uri: "/v1/datasets/alpha/images/upload", method: .post, headers: [.contentType: MultipartBody.contentType],
                                         body: MultipartBody.make([("file", "a.png", picture)]))
            let byImage = MultipartBody.make([("options", nil, Array(#"{"limit":1}"#.utf8)), ("file", "probe.png", picture)])
            let images = try await self.assertSameAnswer(client, "/v1/query", "/v1/query/upload",
                                                         headers: [.contentType: MultipartBody.contentType], body: byImage)
            self.assertJSON(images, #"{"results":[{"id":"probe.png","phash":"\#(ref["phash"]!)","blockmean":"\#(ref["blockmean"]!)","#
                            + #""matches":[{"dataset":"alpha","file":"a.png","distances":{"phash":0,"blockmean":0}}],"truncated":false}]}"#)
            let asked = #"{"queries":[{"id":"q","phash":"\#(ref["phash"]!)"}],"thresholds":{"phash":4},"limit":5}"#
            let hashes = try await self.assertSameAnswer(client, "/v1/query", "/v1/query/upload", headers: [.contentType: "application/json"],
                                                         body: ByteBuffer(string: asked))
            self.assertJSON(hashes, #"{"results":[{"id":"q","phash":"\#(ref["phash"]!)","matches":[{"dataset":"alpha","file":"a.png","distances":{"phash":0}}],"truncated":false}]}"#)
            let noImages = try await self.assertSameAnswer(client, "/v1/query/upload", "/v1/query", headers: [.contentType: MultipartBody.contentType],
                                                           body: MultipartBody.make([("options", nil, Array("{}".utf8))]))
            self.assertProblem(noImages, .badRequest, "no image parts", instance: "/v1/query")
        }
    }
}
