import XCTest
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import HashKit
import HashStore
import CPUFallback
import Engines
@testable import Service

/// A `HashService` on a temporary SQLite store with the CPU engine, and the server's own router
/// (every route and middleware) driven in process by HummingbirdTesting.
final class ServiceHarness {
    /// Bootstraps the process-wide metrics system, which allows one bootstrap per process.
    static let metrics = ServiceMetrics(deviceKind: "cpu", deviceName: "service-tests")

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    let folder: String
    /// A folder the server may read dataset roots under (`--root`).
    let allowedRoot: String
    let service: HashService
    let server: ServiceServer

    /// `prepare` writes to the store before the service opens it (as another crosshash would).
    init(apiKeys: Set<String> = [], maxBodyBytes: Int = 1 << 20, maxImagesPerRequest: Int = 20,
         maxQueryMatches: Int = 1_000_000, prepare: (HashStore) throws -> Void = { _ in }) throws {
        folder = NSTemporaryDirectory() + "crosshash-service-tests-" + UUID().uuidString
        allowedRoot = folder + "/roots"
        try FileManager.default.createDirectory(atPath: allowedRoot, withIntermediateDirectories: true)
        let resolvedRoot = try XCTUnwrap(HashService.realPath(allowedRoot))
        let store = try HashStore(path: folder + "/store.sqlite")
        try prepare(store)
        let engines = EngineSelection.cpu()
        let settings = ServiceSettings(roots: [resolvedRoot], maxImagesPerRequest: maxImagesPerRequest, queueImages: 64,
                                       workers: 2, maxQueryMatches: maxQueryMatches)
        service = try HashService(store: store, engines: engines, settings: settings)
        server = ServiceServer(service: service, metrics: Self.metrics, host: "127.0.0.1", port: 0, apiKeys: apiKeys,
                               maxBodyBytes: maxBodyBytes, requestTimeout: .seconds(30), maxInflightBodyBytes: maxBodyBytes * 4)
    }

    /// Runs `body` against the router (in process, or `.live`: a real server on a loopback port,
    /// requests over a real socket with their paths as sent), then stops the hashing pool and
    /// removes the store.
    func test(_ setup: TestingSetup = .router, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer {
            service.pool.shutdown()
            try? service.store.close()
            try? FileManager.default.removeItem(atPath: folder)
        }
        let app = Application(router: server.makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(setup) { client in try await body(client) }
    }

    /// Registers dataset `name` on `root`, starts its scan and waits (up to 30 s) for the job
    /// to end; asserts it ended done.
    static func scan(_ client: any TestClientProtocol, dataset name: String, root: String,
                     file: StaticString = #filePath, line: UInt = #line) async throws {
        _ = try await client.execute(uri: "/v1/datasets/\(name)", method: .put, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"root":"\#(root)"}"#))
        let started = try await client.execute(uri: "/v1/datasets/\(name)/scan", method: .post)
        let id = try XCTUnwrap(started.object["job"] as? String, file: file, line: line)
        var state = ""
        for _ in 0..<600 where state != "done" && state != "failed" {
            state = try await client.execute(uri: "/v1/jobs/\(id)", method: .get).object["state"] as? String ?? ""
            if state != "done" { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertEqual(state, "done", "scan of \(name)", file: file, line: line)
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent("images/" + name)))
    }

    /// The reference hashes of a fixture (Tests/Fixtures/expected.json, made by the Python reference).
    static func expected(_ name: String) throws -> [String: String] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entry = try XCTUnwrap(all[name] as? [String: Any], "\(name) in expected.json")
        return entry.compactMapValues { $0 as? String }
    }
}

/// A multipart/form-data body: (field name, file name or nil, bytes) per part.
struct MultipartBody {
    static let boundary = "crosshash-test-boundary"
    static let contentType = "multipart/form-data; boundary=\(boundary)"

    static func make(_ parts: [(name: String, filename: String?, bytes: [UInt8])]) -> ByteBuffer {
        var out = [UInt8]()
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\n\r\n"
            out += Array(head.utf8) + part.bytes + Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return ByteBuffer(bytes: out)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object ([:] when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }
}

extension XCTestCase {
    /// The body is the JSON document `expected` (the service writes it indented with sorted
    /// keys; the same document is compared, not its spacing).
    func assertJSON(_ r: TestResponse, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let got = try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView))
        let want = try? JSONSerialization.jsonObject(with: Data(expected.utf8))
        XCTAssertNotNil(want, "the expected text is JSON", file: file, line: line)
        XCTAssertEqual(got.map { $0 as AnyObject } as? NSObject, want.map { $0 as AnyObject } as? NSObject, r.text, file: file, line: line)
    }

    /// An RFC 9457 problem document with `status`, whose detail contains `fragment`.
    func assertProblem(_ r: TestResponse, _ status: HTTPResponse.Status, _ fragment: String, instance: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.text, file: file, line: line)
        XCTAssertEqual(r.headers[.contentType], "application/problem+json", r.text, file: file, line: line)
        let p = r.object
        XCTAssertEqual(p["type"] as? String, "about:blank", r.text, file: file, line: line)
        XCTAssertEqual(p["title"] as? String, status.reasonPhrase, r.text, file: file, line: line)
        XCTAssertEqual(p["status"] as? Int, status.code, r.text, file: file, line: line)
        let detail = p["detail"] as? String ?? ""
        XCTAssertTrue(detail.contains(fragment), "detail '\(detail)' lacks '\(fragment)'", file: file, line: line)
        if let instance { XCTAssertEqual(p["instance"] as? String, instance, file: file, line: line) }
    }
}
