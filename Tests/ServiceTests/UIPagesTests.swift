import XCTest
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Service
import HashStore

/// The curators' pages (/ui/) in process: escaping of hostile file names, the security headers,
/// pagination, and the login session that stands in for the API key in a browser.
final class UIPagesTests: XCTestCase {
    static let picture = "real/goldfish.jpg"

    /// Datasets `a` (files `aFiles`) and `b` (files `bFiles`), all with the hashes of one picture
    /// (precomputed, no folders): every file of a pairs with every file of b at distance 0.
    func upload(_ client: any TestClientProtocol, aFiles: [String], bFiles: [String]) async throws {
        let ref = try ServiceHarness.expected(Self.picture)
        for (name, files) in [("a", aFiles), ("b", bFiles)] {
            _ = try await client.execute(uri: "/v1/datasets/\(name)", method: .put)
            let items = files.map { file -> String in
                let quoted = "\"" + file.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
                return #"{"file":\#(quoted),"phash":"\#(ref["phash"]!)","blockmean":"\#(ref["blockmean"]!)"}"#
            }
            let r = try await client.execute(uri: "/v1/datasets/\(name)/images", method: .post, headers: [.contentType: "application/json"],
                                             body: ByteBuffer(string: #"{"items":[\#(items.joined(separator: ","))]}"#))
            XCTAssertEqual(r.status, .ok, r.text)
        }
    }

    func testHostileFileNamesRenderAsTextUnderAStrictPolicy() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            try await self.upload(client, aFiles: ["<script>alert(1)</script>.png", "quote\"'&.png"], bFiles: ["copy.png"])
            let page = try await client.execute(uri: "/ui/pairs?datasets=a,b&family=phash", method: .get)
            XCTAssertEqual(page.status, .ok, page.text)
            XCTAssertTrue(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;.png"), page.text)
            XCTAssertFalse(page.text.contains("<script>alert"), "a file name became markup")
            XCTAssertTrue(page.text.contains("quote&quot;&#39;&amp;.png"), page.text)
            XCTAssertEqual(page.text.components(separatedBy: "<script").count - 1, 1, "only the page's own script tag")
            // Datasets without folders have no thumbnails: a labelled placeholder, not a broken image.
            XCTAssertFalse(page.text.contains("<img"), "no thumbnail route for datasets without pictures")
            XCTAssertTrue(page.text.contains(#"aria-label="a: &lt;script&gt;alert(1)&lt;/script&gt;.png (no picture on this server)""#), page.text)
            // A thumbnail link encodes the key as one path segment.
            XCTAssertEqual(UIController.thumbnail(ReviewSide(dataset: "a b", file: Array("<script>alert(1)</script>.png".utf8))),
                           "/v1/datasets/a%20b/images/%3Cscript%3Ealert%281%29%3C%2Fscript%3E.png/thumbnail")
            for uri in ["/ui/", "/ui/pairs", "/ui/search", "/ui/app.js", "/ui/app.css"] {
                let r = try await client.execute(uri: uri, method: .get)
                XCTAssertEqual(r.status, .ok, "\(uri): \(r.text)")
                let csp = r.headers[.contentSecurityPolicy] ?? ""
                XCTAssertTrue(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "\(uri): \(csp)")
                XCTAssertEqual(r.headers[.xContentTypeOptions], "nosniff", uri)
            }
            let datasets = try await client.execute(uri: "/ui/", method: .get)
            XCTAssertTrue(datasets.text.contains("<th scope=\"row\">a</th>"), datasets.text)
            XCTAssertFalse(datasets.text.contains("style="), "no inline style (the policy refuses it)")
        }
    }

    func testTheGalleryIsPaginated() async throws {
        let harness = try ServiceHarness(maxImagesPerRequest: 100)
        try await harness.test { client in
            let count = UIController.pageSize + 3
            try await self.upload(client, aFiles: ["one.png"], bFiles: (0..<count).map { "copy\($0).png" })
            let first = try await client.execute(uri: "/ui/pairs?datasets=a,b", method: .get)
            XCTAssertEqual(first.text.components(separatedBy: "<li class=\"pair\"").count - 1, UIController.pageSize)
            XCTAssertTrue(first.text.contains("\(count) pairs, page 1 of 2"), first.text)
            XCTAssertTrue(first.text.contains("rel=\"next\" href=\"/ui/pairs?datasets=a,b&amp;family=phash&amp;filter=all&amp;page=2\""), first.text)
            XCTAssertLessThan(first.body.readableBytes, 500_000)
            let second = try await client.execute(uri: "/ui/pairs?datasets=a,b&page=2", method: .get)
            XCTAssertEqual(second.text.components(separatedBy: "<li class=\"pair\"").count - 1, 3)
            // Dataset names with query syntax in them survive the page links.
            XCTAssertEqual(UIController.segment(Array("a&b=c#d,e f".utf8), keeping: ","), "a%26b%3Dc%23d,e%20f")
            XCTAssertTrue(second.text.contains("rel=\"prev\""))
            let status1 = try await client.execute(uri: "/ui/pairs?page=0", method: .get).status
            XCTAssertEqual(status1, .badRequest)
            let status2 = try await client.execute(uri: "/ui/pairs?filter=maybe", method: .get).status
            XCTAssertEqual(status2, .badRequest)
        }
    }

    /// 320 x 320 = 102,400 pairs (all at distance 0, no pictures to verify): the first page is
    /// rendered in bounded time and stays a page.
    func testTheFirstPageOfOneHundredThousandPairs() async throws {
        let harness = try ServiceHarness(maxImagesPerRequest: 400)
        try await harness.test { client in
            try await self.upload(client, aFiles: (0..<320).map { "a\($0).png" }, bFiles: (0..<320).map { "b\($0).png" })
            let start = Date()
            let page = try await client.execute(uri: "/ui/pairs?datasets=a,b", method: .get)
            let seconds = Date().timeIntervalSince(start)
            print("gallery first page of 102400 pairs: \(String(format: "%.3f", seconds)) s, \(page.body.readableBytes) bytes")
            XCTAssertTrue(page.text.contains("102400 pairs, page 1 of 2048"), String(page.text.prefix(2000)))
            XCTAssertEqual(page.text.components(separatedBy: "<li class=\"pair\"").count - 1, UIController.pageSize)
            XCTAssertLessThan(page.body.readableBytes, 500_000)
            // A debug build on a shared machine: generous; the release figure is in the README.
            XCTAssertLessThan(seconds, 20)
        }
    }

    /// On real pictures: the filters agree with `cross-duplicates?verify=true`, and a review
    /// moves its pair between them.
    func testFiltersFollowVerdictsAndReviews() async throws {
        let harness = try ServiceHarness()
        let sides = [("left", VerifiedCrossDuplicatesTests.left), ("right", VerifiedCrossDuplicatesTests.right)]
        for (name, files) in sides {
            let folder = harness.allowedRoot + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for file in files { try VerifiedCrossDuplicatesTests.picture(file).write(to: URL(fileURLWithPath: folder + "/" + file)) }
        }
        try await harness.test(.live) { client in
            for (name, _) in sides {
                try await ServiceHarness.scan(client, dataset: name, root: "\(harness.allowedRoot)/\(name)")
            }
            let answer = try await client.execute(uri: "/v1/cross-duplicates?datasets=left,right&verify=true", method: .get)
            let pairs = answer.object["pairs"] as? [[String: Any]] ?? []
            let verified = pairs.filter { $0["verified"] as? Bool == true }
            XCTAssertGreaterThan(verified.count, 0)
            func count(_ filter: String) async throws -> Int {
                let page = try await client.execute(uri: "/ui/pairs?datasets=left,right&filter=\(filter)", method: .get)
                XCTAssertEqual(page.status, .ok, page.text)
                let shown = page.text.components(separatedBy: "<li class=\"pair\"").count - 1
                XCTAssertEqual(page.text.components(separatedBy: "<img ").count - 1, 2 * shown, "both thumbnails of every pair")
                return shown
            }
            let all = try await count("all"), yes = try await count("verified"), no = try await count("unverified")
            XCTAssertEqual(all, pairs.count)
            XCTAssertEqual(yes, verified.count)
            XCTAssertEqual(no, pairs.count - verified.count)
            let unreviewed = try await count("unreviewed")
            XCTAssertEqual(unreviewed, pairs.count)

            let first = verified[0]
            let a = try XCTUnwrap(first["a"] as? [String: Any]), b = try XCTUnwrap(first["b"] as? [String: Any])
            let review = #"{"a":{"dataset":"\#(a["dataset"]!)","file":"\#(a["file"]!)"},"b":{"dataset":"\#(b["dataset"]!)","file":"\#(b["file"]!)"},"decision":"different"}"#
            let put = try await client.execute(uri: "/v1/reviews", method: .put, headers: [.contentType: "application/json"], body: ByteBuffer(string: review))
            XCTAssertEqual(put.status, .created, put.text)
            let (yesAfter, noAfter, unreviewedAfter) = (try await count("verified"), try await count("unverified"), try await count("unreviewed"))
            XCTAssertEqual(yesAfter, verified.count - 1, "a pair marked different is not verified")
            XCTAssertEqual(noAfter, pairs.count - verified.count + 1)
            XCTAssertEqual(unreviewedAfter, pairs.count - 1)
            let page = try await client.execute(uri: "/ui/pairs?datasets=left,right", method: .get)
            XCTAssertTrue(page.text.contains(#"data-decision="different""#) && page.text.contains("verified (similarity "), page.text)
        }
    }

    func testTheKeyOpensASessionForPagesAndAPI() async throws {
        let harness = try ServiceHarness(apiKeys: ["sesame"])
        try await harness.test { client in
            let away = try await client.execute(uri: "/ui/pairs", method: .get)
            XCTAssertEqual(away.status, .seeOther)
            XCTAssertEqual(away.headers[.location], "/ui/login")
            let status3 = try await client.execute(uri: "/ui/login", method: .get).status
            XCTAssertEqual(status3, .ok)
            let status4 = try await client.execute(uri: "/ui/app.css", method: .get).status
            XCTAssertEqual(status4, .ok, "the login page's style needs no session")

            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrong = try await client.execute(uri: "/ui/login", method: .post, headers: form, body: ByteBuffer(string: "key=open"))
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertNil(wrong.headers[.setCookie])

            let right = try await client.execute(uri: "/ui/login", method: .post, headers: form, body: ByteBuffer(string: "key=sesame"))
            XCTAssertEqual(right.status, .seeOther)
            XCTAssertEqual(right.headers[.location], "/ui/")
            let cookie = try XCTUnwrap(right.headers[.setCookie])
            let attributes = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertTrue(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict") && attributes.contains("Path=/"), cookie)
            XCTAssertTrue(attributes.contains("Max-Age=\(Int(UISessions.defaultLifetime))"), cookie)
            XCTAssertFalse(attributes.contains("Secure"), "plain HTTP: a Secure cookie would never come back")
            let token = try XCTUnwrap(attributes.first?.split(separator: "=", maxSplits: 1).last.map(String.init))
            XCTAssertEqual(token.count, 64)

            let session: HTTPFields = [.cookie: "\(UISessions.cookieName)=\(token)"]
            let status5 = try await client.execute(uri: "/ui/", method: .get, headers: session).status
            XCTAssertEqual(status5, .ok)
            let status6 = try await client.execute(uri: "/v1/datasets", method: .get, headers: session).status
            XCTAssertEqual(status6, .ok, "the pages' script calls the API")
            let status7 = try await client.execute(uri: "/v1/datasets", method: .get).status
            XCTAssertEqual(status7, .unauthorized)
            let forged = try await client.execute(uri: "/v1/datasets", method: .get, headers: [.cookie: "\(UISessions.cookieName)=forged"])
            XCTAssertEqual(forged.status, .unauthorized)

            let tls = try await client.execute(uri: "/ui/login", method: .post,
                                               headers: [.contentType: "application/x-www-form-urlencoded", .init("X-Forwarded-Proto")!: "https"],
                                               body: ByteBuffer(string: "key=sesame"))
            XCTAssertTrue(tls.headers[.setCookie]?.hasSuffix("; Secure") ?? false, "behind a TLS proxy the cookie is Secure")

            let out = try await client.execute(uri: "/ui/logout", method: .post, headers: session)
            XCTAssertEqual(out.status, .seeOther)
            let status8 = try await client.execute(uri: "/ui/", method: .get, headers: session).status
            XCTAssertEqual(status8, .seeOther, "logged out")
        }
    }

    func testSessionsExpireAndAreBounded() {
        let sessions = UISessions(lifetime: 60, maxSessions: 2)
        let start = Date()
        let first = sessions.open(now: start)
        XCTAssertTrue(sessions.isValid(first, now: start.addingTimeInterval(59)))
        XCTAssertFalse(sessions.isValid(first, now: start.addingTimeInterval(61)))
        let a = sessions.open(now: start), b = sessions.open(now: start.addingTimeInterval(1)), c = sessions.open(now: start.addingTimeInterval(2))
        XCTAssertFalse(sessions.isValid(a, now: start.addingTimeInterval(3)), "the oldest goes when the bound is reached")
        XCTAssertTrue(sessions.isValid(b, now: start.addingTimeInterval(3)) && sessions.isValid(c, now: start.addingTimeInterval(3)))
        XCTAssertNotEqual(b, c)
    }

    func testWithoutKeysThereIsNoLogin() async throws {
        let harness = try ServiceHarness()
        try await harness.test { client in
            let r = try await client.execute(uri: "/ui/login", method: .get)
            XCTAssertEqual(r.status, .seeOther)
            XCTAssertEqual(r.headers[.location], "/ui/")
            let status9 = try await client.execute(uri: "/ui/", method: .get).status
            XCTAssertEqual(status9, .ok)
        }
    }
}
