import XCTest
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Service

/// `/v1/reviews` and the cross-origin guard, against a real server on a loopback port.
final class ReviewsRoutesTests: XCTestCase {
    static let picture = "png/pillow_rgb.png"
    static let other = "png/gray8.png"

    func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// Datasets left (same.png) and right (copy.png: the same picture, else.png: another).
    func upload(_ client: any TestClientProtocol) async throws {
        let picture = try ServiceHarness.fixture(Self.picture), other = try ServiceHarness.fixture(Self.other)
        for (name, files) in [("left", [("same.png", picture)]), ("right", [("copy.png", picture), ("else.png", other)])] {
            _ = try await client.execute(uri: "/v1/datasets/\(name)", method: .put)
            let r = try await client.execute(uri: "/v1/datasets/\(name)/images", method: .post,
                                             headers: [.contentType: MultipartBody.contentType],
                                             body: MultipartBody.make(files.map { ("file", $0.0, $0.1) }))
            XCTAssertEqual(r.object["added"] as? Int, files.count, r.text)
        }
    }

    func testPutListExportAndDeleteReviews() async throws {
        let harness = try ServiceHarness()
        try await harness.test(.live) { client in
            try await self.upload(client)
            let put = #"{"a": {"dataset": "left", "file": "same.png"}, "b": {"dataset": "right", "file": "else.png"}, "decision": "different", "note": "a \"cat\", not, a dog"}"#
            let created = try await client.execute(uri: "/v1/reviews", method: .put, body: self.body(put))
            XCTAssertEqual(created.status, .created, created.text)
            let id = try XCTUnwrap(created.object["id"] as? Int)
            XCTAssertEqual(created.object["decision"] as? String, "different")
            // The same pair the other way round replaces it.
            let mirror = #"{"a": {"dataset": "right", "file": "else.png"}, "b": {"dataset": "left", "file": "same.png"}, "decision": "unsure"}"#
            let replaced = try await client.execute(uri: "/v1/reviews", method: .put, body: self.body(mirror))
            XCTAssertEqual(replaced.status, .ok, replaced.text)
            XCTAssertEqual(replaced.object["id"] as? Int, id)
            XCTAssertEqual(replaced.object["note"] as? String, "")
            _ = try await client.execute(uri: "/v1/reviews", method: .put, body: self.body(put))

            let list = try await client.execute(uri: "/v1/reviews?datasets=left,right", method: .get)
            XCTAssertEqual(list.status, .ok)
            let reviews = try XCTUnwrap(list.object["reviews"] as? [[String: Any]])
            XCTAssertEqual(reviews.count, 1)
            XCTAssertEqual((reviews[0]["a"] as? [String: String])?["file"], "same.png")
            XCTAssertEqual((reviews[0]["b"] as? [String: String])?["dataset"], "right")
            XCTAssertNotNil(reviews[0]["updated"] as? String)
            let listOne = try await client.execute(uri: "/v1/reviews?datasets=left", method: .get)
            XCTAssertEqual((listOne.object["reviews"] as? [Any])?.count, 0, listOne.text)

            let csv = try await client.execute(uri: "/v1/reviews?format=csv", method: .get)
            XCTAssertEqual(csv.headers[.contentType], "text/csv; charset=utf-8")
            let lines = csv.text.components(separatedBy: "\r\n")
            XCTAssertEqual(lines[0], "a_dataset,a_file,b_dataset,b_file,decision,note,updated")
            XCTAssertTrue(lines[1].hasPrefix(#"left,same.png,right,else.png,different,"a ""cat"", not, a dog",20"#), lines[1])

            do { let r = try await client.execute(uri: "/v1/reviews/\(id)", method: .delete); XCTAssertEqual(r.status, .noContent, r.text) }
            self.assertProblem(try await client.execute(uri: "/v1/reviews/\(id)", method: .delete), .notFound, "no review with id \(id)")
            self.assertJSON(try await client.execute(uri: "/v1/reviews", method: .get), #"{"reviews":[]}"#)
        }
    }

    func testBadReviewsAreProblems() async throws {
        let harness = try ServiceHarness()
        try await harness.test(.live) { client in
            try await self.upload(client)
            func put(_ text: String) async throws -> TestResponse {
                try await client.execute(uri: "/v1/reviews", method: .put, body: self.body(text))
            }
            self.assertProblem(try await put(#"{"a": {"dataset": "left", "file": "same.png"}, "b": {"dataset": "right", "file": "copy.png"}, "decision": "maybe"}"#),
                               .badRequest, "\"decision\" must be one of same, different, unsure")
            self.assertProblem(try await put(#"{"a": {"dataset": "left"}, "b": {"dataset": "right", "file": "copy.png"}, "decision": "same"}"#),
                               .badRequest, "\"a\" must be")
            self.assertProblem(try await put(#"{"a": {"dataset": "left", "file": "nope.png"}, "b": {"dataset": "right", "file": "copy.png"}, "decision": "same"}"#),
                               .notFound, "dataset 'left' has no hashed image 'nope.png'")
            self.assertProblem(try await put(#"{"a": {"dataset": "gone", "file": "x.png"}, "b": {"dataset": "right", "file": "copy.png"}, "decision": "same"}"#),
                               .notFound, "no dataset named 'gone'")
            self.assertProblem(try await put(#"{"a": {"dataset": "left", "file": "same.png"}, "b": {"dataset": "left", "file": "same.png"}, "decision": "same"}"#),
                               .badRequest, "the same image")
            let note = String(repeating: "n", count: HashService.maxReviewNoteBytes + 1)
            self.assertProblem(try await put(#"{"a": {"dataset": "left", "file": "same.png"}, "b": {"dataset": "right", "file": "copy.png"}, "decision": "same", "note": "\#(note)"}"#),
                               .badRequest, "the note is 4097 bytes")
            self.assertProblem(try await client.execute(uri: "/v1/reviews?format=xml", method: .get), .badRequest, "format must be json or csv")
            self.assertProblem(try await client.execute(uri: "/v1/reviews?datasets=left,nope", method: .get), .notFound, "no dataset named 'nope'")
            self.assertProblem(try await client.execute(uri: "/v1/reviews/abc", method: .delete), .notFound, "no review with id 'abc'")
        }
    }

    /// In process: a live server closes the connection of a refused body while the test client
    /// still sends it.
    func testReviewBodiesAreSmall() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let huge = "{}" + String(repeating: " ", count: ReviewsController.maxBodyBytes)
            self.assertProblem(try await client.execute(uri: "/v1/reviews", method: .put, headers: [.contentLength: "\(huge.utf8.count)"],
                                                        body: self.body(huge)),
                               .contentTooLarge, "over this route's limit of 65536")
        }
    }

    /// A browser page of another origin cannot change anything, with or without API keys;
    /// the server's own pages and clients without Origin can.
    func testStateChangesFromAnotherOriginAreRefused() async throws {
        let harness = try ServiceHarness()
        try await harness.test(.live) { client in
            // The test client names the server "localhost" (Host without a port: port 80 for http).
            let own = try XCTUnwrap(client.port)
            let foreign = try await client.execute(uri: "/v1/datasets/evil", method: .put, headers: [.origin: "http://attacker.example"])
            self.assertProblem(foreign, .forbidden, "from another origin (http://attacker.example) is refused")
            let otherPort = try await client.execute(uri: "/v1/datasets/evil", method: .put, headers: [.origin: "http://localhost:\(own)"])
            XCTAssertEqual(otherPort.status, .forbidden)
            do { let r = try await client.execute(uri: "/v1/datasets/evil", method: .delete, headers: [.origin: "null"]); XCTAssertEqual(r.status, .forbidden, r.text) }
            do { let r = try await client.execute(uri: "/v1/reviews/1", method: .delete, headers: [.origin: "https://attacker.example"]); XCTAssertEqual(r.status, .forbidden, r.text) }
            // Reads pass whatever the origin (the browser keeps a foreign page from reading them).
            do { let r = try await client.execute(uri: "/v1/datasets", method: .get, headers: [.origin: "http://attacker.example"]); XCTAssertEqual(r.status, .ok, r.text) }
            // The server's own origin, and no Origin at all.
            do { let r = try await client.execute(uri: "/v1/datasets/mine", method: .put, headers: [.origin: "http://localhost"]); XCTAssertEqual(r.status, .created, r.text) }
            do { let r = try await client.execute(uri: "/v1/datasets/plain", method: .put); XCTAssertEqual(r.status, .created, r.text) }
            self.assertJSON(try await client.execute(uri: "/v1/datasets", method: .get),
                            #"{"datasets":[{"name":"mine","root":null,"images":0,"errors":0},{"name":"plain","root":null,"images":0,"errors":0}]}"#)
        }
    }

    func testTheOriginGuardAlsoStandsWithAPIKeys() async throws {
        let harness = try ServiceHarness(apiKeys: ["k"])
        try await harness.test(.live) { client in
            let r = try await client.execute(uri: "/v1/datasets/x", method: .put,
                                             headers: [.origin: "http://attacker.example", .authorization: "Bearer k"])
            XCTAssertEqual(r.status, .forbidden, r.text)
            do { let r = try await client.execute(uri: "/v1/datasets/x", method: .put, headers: [.authorization: "Bearer k"]); XCTAssertEqual(r.status, .created, r.text) }
        }
    }

    func testSameOriginRule() {
        typealias Guard = OriginGuardMiddleware<ServiceRequestContext>
        XCTAssertTrue(Guard.sameOrigin(origin: "http://127.0.0.1:8080", host: "127.0.0.1:8080"))
        XCTAssertTrue(Guard.sameOrigin(origin: "HTTP://LocalHost:8080", host: "localhost:8080"))
        XCTAssertTrue(Guard.sameOrigin(origin: "https://photos.example", host: "photos.example"))
        XCTAssertTrue(Guard.sameOrigin(origin: "http://[::1]:9000", host: "[::1]:9000"))
        XCTAssertFalse(Guard.sameOrigin(origin: "http://127.0.0.1:8081", host: "127.0.0.1:8080"))
        XCTAssertFalse(Guard.sameOrigin(origin: "http://127.0.0.1", host: "127.0.0.1:8080"))
        XCTAssertFalse(Guard.sameOrigin(origin: "http://evil.example", host: "127.0.0.1:8080"))
        XCTAssertFalse(Guard.sameOrigin(origin: "null", host: "127.0.0.1:8080"))
        XCTAssertFalse(Guard.sameOrigin(origin: "ftp://127.0.0.1:8080", host: "127.0.0.1:8080"))
        XCTAssertFalse(Guard.sameOrigin(origin: "http://127.0.0.1:8080", host: nil))
    }
}
