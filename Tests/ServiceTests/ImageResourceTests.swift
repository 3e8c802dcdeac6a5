import XCTest
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import HashKit
import HashStore
@testable import Service

/// `/v1/datasets/{name}/images/{key}` and its thumbnail, over a real socket (`.live`): keys with
/// `/`, a space, `%`, `<script>` and a byte that is not UTF-8 go through the path as sent.
final class ImageResourceTests: XCTestCase {
    /// Keys (as bytes) of the scanned folder and the fixture each is a copy of.
    /// `shown`: the key as the answer's JSON names it, read with `\udcXX` taken as U+00XX.
    static let files: [(key: [UInt8], fixture: String, shown: String)] = [
        (Array("sub/a b.jpg".utf8), "real/sway_1920.jpg", "sub/a b.jpg"),
        (Array("100%.png".utf8), "real/sway_portrait.png", "100%.png"),
        (Array("<script>alert(1).jpg".utf8), "real/goldfish.jpg", "<script>alert(1).jpg"),
        (Array("odd".utf8) + [0xFF] + Array(".png".utf8), "real/city.png", "odd\u{FF}.png"),
    ]

    /// Every byte but unreserved ones as %XX, `/` included: the key as one path segment.
    static func segment(_ key: [UInt8]) -> String {
        key.map { b -> String in
            let c = Character(UnicodeScalar(b))
            return b < 0x80 && (c.isLetter || c.isNumber || "-._~".contains(c)) ? String(c) : String(format: "%%%02X", b)
        }.joined()
    }

    static func write(_ bytes: [UInt8], to path: [UInt8]) throws {
        let fd = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }, bytes.count)
    }

    /// A folder under the harness's --root with the files, scanned as dataset `photos`.
    func scanned(_ harness: ServiceHarness, _ client: any TestClientProtocol) async throws -> String {
        let folder = harness.allowedRoot + "/photos"
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        for file in Self.files { try Self.write(try ServiceHarness.fixture(file.fixture), to: Array((folder + "/").utf8) + file.key) }
        try await client.execute(uri: "/v1/datasets/photos", method: .put, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: #"{"root":"\#(folder)"}"#)) { r in XCTAssertEqual(r.status, .created, r.text) }
        try await ServiceHarness.scan(client, dataset: "photos", root: folder)
        return folder
    }

    func testImagesAreResourcesUnderTheirEncodedKeys() async throws {
        let harness = try ServiceHarness()
        try await harness.test(.live) { client in
            _ = try await self.scanned(harness, client)
            for file in Self.files {
                let uri = "/v1/datasets/photos/images/" + Self.segment(file.key)
                try await client.execute(uri: uri, method: .get) { r in
                    XCTAssertEqual(r.status, .ok, "\(uri): \(r.text)")
                    // The key comes back as the JSON outputs write names: a byte that is not
                    // UTF-8 as a `\udcXX` escape (read here as U+00XX, which JSON parsers take).
                    let text = r.text.replacingOccurrences(of: "\\udc", with: "\\u00")
                    let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], r.text)
                    let fixture = try ServiceHarness.fixture(file.fixture)
                    let expected = try ServiceHarness.expected(file.fixture)
                    XCTAssertEqual(object["phash"] as? String, expected["phash"], uri)
                    XCTAssertEqual(object["blockmean"] as? String, expected["blockmean"], uri)
                    XCTAssertEqual(object["digest"] as? String, ContentDigest.of(fixture).hex, uri)
                    XCTAssertEqual(object["size"] as? Int, fixture.count, uri)
                    XCTAssertEqual(object["file"] as? String, file.shown, uri)
                }
            }
            // The raw `%2F` is one segment, not two.
            self.assertProblem(try await client.execute(uri: "/v1/datasets/photos/images/sub/a%20b.jpg", method: .get), .notFound, "no such route")
            self.assertProblem(try await client.execute(uri: "/v1/datasets/photos/images/sub%2Fnope.jpg", method: .get), .notFound, "has no image 'sub/nope.jpg'")
            self.assertProblem(try await client.execute(uri: "/v1/datasets/photos/images/bad%2", method: .get), .badRequest, "percent-encoded")
            self.assertProblem(try await client.execute(uri: "/v1/datasets/nope/images/x.jpg", method: .get), .notFound, "no dataset named 'nope'")
        }
    }

    func testDeleteRemovesTheImageFromTheStoreAndFromQueries() async throws {
        let harness = try ServiceHarness()
        try await harness.test(.live) { client in
            _ = try await self.scanned(harness, client)
            let file = Self.files[2]
            let phash = try XCTUnwrap(try ServiceHarness.expected(file.fixture)["phash"])
            let query = ByteBuffer(string: #"{"queries":[{"id":"q","phash":"\#(phash)"}],"thresholds":{"phash":0},"limit":5}"#)
            func matches() async throws -> [String] {
                let r = try await client.execute(uri: "/v1/query", method: .post, headers: [.contentType: "application/json"], body: query)
                let result = (r.object["results"] as? [[String: Any]])?.first ?? [:]
                return (result["matches"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
            }
            let before = try await matches()
            XCTAssertEqual(before, [file.shown])
            let uri = "/v1/datasets/photos/images/" + Self.segment(file.key)
            try await client.execute(uri: uri, method: .delete) { r in XCTAssertEqual(r.status, .noContent, r.text) }
            let after = try await matches()
            XCTAssertEqual(after, [])
            self.assertProblem(try await client.execute(uri: uri, method: .get), .notFound, "has no image")
            self.assertProblem(try await client.execute(uri: uri, method: .delete), .notFound, "has no image")
            try await client.execute(uri: "/v1/datasets/photos", method: .get) { r in
                XCTAssertEqual(r.object["images"] as? Int, Self.files.count - 1, r.text)
            }
            // After a restart too: the store lost the row.
            let dataset = try XCTUnwrap(try harness.service.store.dataset(named: "photos"))
            XCTAssertNil(try harness.service.store.file(file.key, in: dataset.id))
        }
    }

    func testThumbnailIsABoundedJPEGCachedByContent() async throws {
        let harness = try ServiceHarness()
        try await harness.test(.live) { client in
            let folder = try await self.scanned(harness, client)
            for file in Self.files {
                let r = try await client.execute(uri: "/v1/datasets/photos/images/\(Self.segment(file.key))/thumbnail", method: .get)
                XCTAssertEqual(r.status, .ok, r.text)
                XCTAssertEqual(r.headers[.contentType], "image/jpeg")
                let jpeg = Array(r.body.readableBytesView)
                let picture = try ImageDecoder().decode(data: jpeg)
                XCTAssertLessThanOrEqual(max(picture.width, picture.height), Thumbnail.longestSide)
                let original = try ImageDecoder().decode(data: try ServiceHarness.fixture(file.fixture))
                if max(original.width, original.height) > Thumbnail.longestSide {
                    XCTAssertEqual(max(picture.width, picture.height), Thumbnail.longestSide, file.fixture)
                }
            }
            let store = try XCTUnwrap(harness.service.store as? HashStore, "the test harness opens an SQLite store")
            XCTAssertEqual(try store.thumbnailCacheUsage().count, Self.files.count)

            // The second request is answered from the store: a row changed there is what it sends.
            let file = Self.files[0]
            let uri = "/v1/datasets/photos/images/\(Self.segment(file.key))/thumbnail"
            let digest = ContentDigest.of(try ServiceHarness.fixture(file.fixture))
            let marker = Array(try ServiceHarness.fixture("real/calla.jpg"))
            try store.storeThumbnail(digest, variant: HashService.thumbnailVariant, marker, maxBytes: 1 << 30)
            let cached = try await client.execute(uri: uri, method: .get)
            XCTAssertEqual(Array(cached.body.readableBytesView), marker)
            let etag = try XCTUnwrap(cached.headers[.eTag])
            XCTAssertTrue(etag.contains(digest.hex), etag)
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag]) { r in XCTAssertEqual(r.status, .notModified) }

            // The file changed since its scan: the thumbnail is made from what is there now.
            try Self.write(try ServiceHarness.fixture("real/rollpaper.jpg"), to: Array((folder + "/").utf8) + file.key)
            let fresh = try await client.execute(uri: uri, method: .get)
            XCTAssertEqual(fresh.status, .ok)
            XCTAssertNotEqual(fresh.headers[.eTag], etag)
            XCTAssertNotEqual(Array(fresh.body.readableBytesView), marker)
            XCTAssertNoThrow(try ImageDecoder().decode(data: Array(fresh.body.readableBytesView)))
        }
    }

    func testThumbnailsAreRefusedWithoutPicturesOrOutsideTheFolder() async throws {
        let harness = try ServiceHarness()
        try await harness.test(.live) { client in
            let folder = try await self.scanned(harness, client)
            // Uploads keep only hashes: no pictures to show.
            _ = try await client.execute(uri: "/v1/datasets/uploads", method: .put)
            _ = try await client.execute(uri: "/v1/datasets/uploads/images", method: .post, headers: [.contentType: MultipartBody.contentType],
                                         body: MultipartBody.make([("file", "a.png", try ServiceHarness.fixture("real/city.png"))]))
            try await client.execute(uri: "/v1/datasets/uploads/images/a.png", method: .get) { r in XCTAssertEqual(r.status, .ok, r.text) }
            self.assertProblem(try await client.execute(uri: "/v1/datasets/uploads/images/a.png/thumbnail", method: .get), .notFound, "has no pictures")
            // A listed file that is not a picture: 422 with the decoder's reason.
            try Data("not a picture".utf8).write(to: URL(fileURLWithPath: folder + "/notes.png"))
            let rescan = try await client.execute(uri: "/v1/datasets/photos/scan", method: .post)
            let job = try XCTUnwrap(rescan.object["job"] as? String)
            var state = ""
            for _ in 0..<600 where state != "done" && state != "failed" {
                state = try await client.execute(uri: "/v1/jobs/\(job)", method: .get).object["state"] as? String ?? ""
                if state != "done" { try await Task.sleep(for: .milliseconds(50)) }
            }
            self.assertProblem(try await client.execute(uri: "/v1/datasets/photos/images/notes.png/thumbnail", method: .get),
                               .unprocessableContent, "not an image")
            // Keys the store does not list are never opened: traversal and absolute paths.
            let secret = harness.folder + "/secret.png"
            try Data(try ServiceHarness.fixture("real/city.png")).write(to: URL(fileURLWithPath: secret))
            for key in ["..%2F..%2Fsecret.png", "%2E%2E%2Fsecret.png", Self.segment(Array(secret.utf8))] {
                self.assertProblem(try await client.execute(uri: "/v1/datasets/photos/images/\(key)/thumbnail", method: .get), .notFound, "has no image")
            }
            // A listed file replaced by a link to a picture outside: not followed.
            let linked = folder + "/sub/a b.jpg"
            try FileManager.default.removeItem(atPath: linked)
            try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: secret)
            self.assertProblem(try await client.execute(uri: "/v1/datasets/photos/images/sub%2Fa%20b.jpg/thumbnail", method: .get),
                               .notFound, "symbolic link")
            // A listed folder replaced by a link: not followed either.
            try FileManager.default.removeItem(atPath: folder + "/sub")
            try FileManager.default.createSymbolicLink(atPath: folder + "/sub", withDestinationPath: harness.folder)
            self.assertProblem(try await client.execute(uri: "/v1/datasets/photos/images/sub%2Fa%20b.jpg/thumbnail", method: .get),
                               .notFound, "symbolic link")
        }
    }

    func testThumbnailCacheKeepsItsBound() throws {
        let store = try HashStore()
        let one = [UInt8](repeating: 7, count: 1000)
        for i in 0..<10 {
            try store.storeThumbnail(ContentDigest.of([UInt8(i)]), variant: "v", one, maxBytes: 3500)
            XCTAssertLessThanOrEqual(try store.thumbnailCacheUsage().bytes, 3500)
        }
        XCTAssertEqual(try store.thumbnailCacheUsage().count, 3)
        // The newest stay, the oldest went.
        XCTAssertNotNil(try store.thumbnail(ContentDigest.of([9]), variant: "v"))
        XCTAssertNil(try store.thumbnail(ContentDigest.of([0]), variant: "v"))
    }
}
