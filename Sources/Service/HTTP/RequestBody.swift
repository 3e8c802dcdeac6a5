import Foundation
import Hummingbird
import Analysis
import JSONFiles
import NIOCore

// Reading request bodies: the size limit of one body (--max-body-bytes), the memory of all
// bodies together (--max-inflight-body-bytes), the time a client may take to send one
// (--request-timeout), and the JSON budget of each route.

/// The bytes of request bodies held in memory at once, all requests together. A body must get
/// its bytes here before it is read: a declared Content-Length all at once, a chunked body as
/// it grows. A request that cannot is answered 503 with Retry-After, so a crowd of large
/// uploads waits its turn instead of exhausting the server's memory.
final class BodyBudget: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var used = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Takes `bytes` if they fit; false (and nothing taken) otherwise.
    func reserve(_ bytes: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard bytes >= 0, bytes <= capacity - used else { return false }
        used += bytes
        return true
    }

    func release(_ bytes: Int) {
        lock.lock()
        used = max(0, used - bytes)
        lock.unlock()
    }
}

/// What one request holds of the `BodyBudget`; all of it is given back when the request's
/// handler ends (`BodyBudgetMiddleware`). Reached through a task local, so the routes need no
/// extra parameter.
final class BodyLease: @unchecked Sendable {
    @TaskLocal static var current: BodyLease?

    let budget: BodyBudget
    private let lock = NSLock()
    private var held = 0

    init(budget: BodyBudget) { self.budget = budget }

    func reserve(_ bytes: Int) -> Bool {
        guard budget.reserve(bytes) else { return false }
        lock.lock()
        held += bytes
        lock.unlock()
        return true
    }

    func releaseAll() {
        lock.lock()
        let bytes = held
        held = 0
        lock.unlock()
        budget.release(bytes)
    }
}

/// Gives each request a lease on the shared body budget and returns it when the handler ends.
struct BodyBudgetMiddleware<Context: RequestContext>: RouterMiddleware {
    let budget: BodyBudget

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let lease = BodyLease(budget: budget)
        defer { lease.releaseAll() }
        return try await BodyLease.$current.withValue(lease) { try await next(request, context) }
    }
}

extension Routes {
    /// The 503 of a body that does not fit the in-flight budget.
    static func budgetFull(_ budget: BodyBudget) -> Problem {
        Problem(.serviceUnavailable,
                "the server already holds its limit of \(budget.capacity) bytes of request bodies (--max-inflight-body-bytes); retry shortly",
                headers: [.retryAfter: "1"])
    }

    /// The whole body, refused before reading when its declared length is over the limit or
    /// does not fit the in-flight budget.
    func body(_ request: Request) async throws -> ByteBuffer {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let length = declared, length > maxBodyBytes {
            throw Problem(.contentTooLarge, "the body is \(length) bytes, over this server's limit of \(maxBodyBytes) (--max-body-bytes)")
        }
        let lease = BodyLease.current
        if let declared, let lease, !lease.reserve(declared) { throw Self.budgetFull(lease.budget) }
        let limit = maxBodyBytes, timeout = bodyTimeout
        let reserved = lease == nil ? 0 : declared ?? 0
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await Self.collect(request.body, limit: limit, declared: declared, reserved: reserved, lease: lease) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw Problem(.requestTimeout, "the body did not arrive within \(timeout) (--request-timeout)")
            }
            return buffer
        }
    }

    /// Reads the body into one buffer, refusing it past `limit` bytes (413) or when the bytes
    /// beyond the `reserved` ones do not fit the budget (503).
    static func collect(_ body: RequestBody, limit: Int, declared: Int?, reserved: Int, lease: BodyLease?) async throws -> ByteBuffer {
        // A declared length is allocated at once (the pages are only touched as bytes arrive).
        var buffer = ByteBufferAllocator().buffer(capacity: min(declared ?? 0, limit))
        var reserved = reserved
        for try await chunk in body {
            let total = buffer.readableBytes + chunk.readableBytes
            guard total <= limit else {
                throw Problem(.contentTooLarge, "the body is over this server's limit of \(limit) bytes (--max-body-bytes)")
            }
            if let lease, total > reserved {
                guard lease.reserve(total - reserved) else { throw budgetFull(lease.budget) }
                reserved = total
            }
            buffer.writeImmutableBuffer(chunk)
        }
        return buffer
    }

    /// How much JSON each route takes: a few values per item of its count limit, plus room for
    /// the options; nesting far deeper than any request document needs is refused too.
    func jsonBudget(_ request: Request) -> (budget: JSONBudget, why: String) {
        let perRequest = service.settings.maxImagesPerRequest
        let path = request.uri.path
        if path.hasPrefix("/v1/query") {
            return (JSONBudget(maxValues: 8 * perRequest + Self.jsonSlack, maxDepth: Self.jsonDepth),
                    "up to \(perRequest) queries (--max-images-per-request) of a few values each")
        }
        if path.hasPrefix("/v1/datasets/"), path.hasSuffix("/images") {
            return (JSONBudget(maxValues: 8 * 100 * perRequest + Self.jsonSlack, maxDepth: Self.jsonDepth),
                    "up to \(100 * perRequest) items (100 x --max-images-per-request) of a few values each")
        }
        return (Self.smallJSON, "a small options document")
    }

    /// Values allowed besides the counted items (options such as a list of dataset names).
    static var jsonSlack: Int { 10_000 }
    static var jsonDepth: Int { 16 }
    static var smallJSON: JSONBudget { JSONBudget(maxValues: jsonSlack, maxDepth: jsonDepth) }

    func jsonBody(_ request: Request) async throws -> JSONValue {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") || type.hasPrefix("application/problem+json") || type.isEmpty else {
            throw Problem(.unsupportedMediaType, "expected Content-Type application/json, got '\(type)'")
        }
        var buffer = try await body(request)
        let bytes = Array(buffer.readableBytesView)
        buffer = ByteBuffer()  // the parser reads the copy: the body's own storage goes before parsing
        let (budget, why) = jsonBudget(request)
        return try parseJSON(bytes: bytes, budget: budget, why: why)
    }

    func parseJSON(_ buffer: ByteBuffer, budget: JSONBudget = Routes.smallJSON, why: String = "a small options document") throws -> JSONValue {
        try parseJSON(bytes: Array(buffer.readableBytesView), budget: budget, why: why)
    }

    /// Parses JSON within a budget: the parser stops at the first value or level over it (413),
    /// so memory stays a small multiple of the body whatever the document.
    func parseJSON(bytes: [UInt8], budget: JSONBudget, why: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(bytes, budget: budget)
        } catch let error as JSONParseError where error.exceededBudget {
            throw Problem(.contentTooLarge,
                          "the JSON body is over this route's limit of \(budget.maxValues) values nested at most \(budget.maxDepth) deep "
                          + "(\(why)): \(error); send fewer items per request")
        } catch {
            throw Problem(.badRequest, "the body is not valid JSON: \(error)")
        }
    }

    /// Images of a request: a raw body is one image; multipart/form-data gives one per part.
    func images(_ request: Request, defaultName: String) async throws -> (items: [(name: [UInt8], bytes: [UInt8])], multipart: Bool) {
        let type = request.headers[.contentType]
        let buffer = try await body(request)
        if let type, Multipart.isMultipart(type) {
            let parts = try Multipart.parse(buffer, contentType: type, maxParts: service.settings.maxImagesPerRequest)
            let files = parts.filter { $0.filename != nil || $0.name != "options" }
            guard !files.isEmpty else { throw Problem(.badRequest, "the multipart body has no image parts") }
            return (files.map { ($0.filename ?? Array(($0.name ?? "image").utf8), $0.body) }, true)
        }
        guard buffer.readableBytes > 0 else {
            throw Problem(.badRequest, "the body is empty: send an image, or multipart/form-data with image parts")
        }
        return ([(Array(defaultName.utf8), Array(buffer.readableBytesView))], false)
    }
}
