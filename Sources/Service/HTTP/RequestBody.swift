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

/// Which JSON budget a route parses its body with.
enum JSONLimit: Sendable {
    /// A small options document (a dataset's root, query options).
    case small
    /// `POST /v1/query`: up to --max-images-per-request queries.
    case queries
    /// `POST /v1/datasets/{name}/images` with precomputed hashes: up to 100 x --max-images-per-request items.
    case items
}

/// Reads request bodies within the server's limits. Every route reads its body through this, so
/// the limits hold for every route alike.
struct RequestReader: Sendable {
    let maxBodyBytes: Int
    /// How long a client may take to send its body (a slow sender cannot hold a connection and
    /// its buffer forever).
    let bodyTimeout: Duration
    let maxImagesPerRequest: Int
    /// Where large bodies are parsed (off the cooperative pool).
    let executor: BlockingExecutor

    /// The 503 of a body that does not fit the in-flight budget.
    static func budgetFull(_ budget: BodyBudget) -> Problem {
        Problem(.serviceUnavailable,
                "the server already holds its limit of \(budget.capacity) bytes of request bodies (--max-inflight-body-bytes); retry shortly",
                headers: [.retryAfter: "1"])
    }

    /// The whole body, refused before reading when its declared length is over the limit or
    /// does not fit the in-flight budget. `routeLimit`: a route's own, smaller limit.
    func body(_ request: Request, routeLimit: Int? = nil) async throws -> ByteBuffer {
        let limit = min(routeLimit ?? maxBodyBytes, maxBodyBytes)
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let length = declared, length > limit {
            throw Problem(.contentTooLarge, limit < maxBodyBytes
                ? "the body is \(length) bytes, over this route's limit of \(limit)"
                : "the body is \(length) bytes, over this server's limit of \(maxBodyBytes) (--max-body-bytes)")
        }
        let lease = BodyLease.current
        if let declared, let lease, !lease.reserve(declared) { throw Self.budgetFull(lease.budget) }
        let timeout = bodyTimeout
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
    func jsonBudget(_ limit: JSONLimit) -> (budget: JSONBudget, why: String) {
        let perRequest = maxImagesPerRequest
        switch limit {
        case .queries:
            return (JSONBudget(maxValues: 8 * perRequest + Self.jsonSlack, maxDepth: Self.jsonDepth),
                    "up to \(perRequest) queries (--max-images-per-request) of a few values each")
        case .items:
            return (JSONBudget(maxValues: 8 * 100 * perRequest + Self.jsonSlack, maxDepth: Self.jsonDepth),
                    "up to \(100 * perRequest) items (100 x --max-images-per-request) of a few values each")
        case .small:
            return (Self.smallJSON, Self.smallWhy)
        }
    }

    /// Values allowed besides the counted items (options such as a list of dataset names).
    static var jsonSlack: Int { 10_000 }
    static var jsonDepth: Int { 16 }
    static var smallJSON: JSONBudget { JSONBudget(maxValues: jsonSlack, maxDepth: jsonDepth) }
    static let smallWhy = "a small options document"

    /// A JSON body (Content-Type application/json or none), parsed on the executor within the
    /// route's budget.
    func jsonBody(_ request: Request, limit: JSONLimit, routeLimit: Int? = nil) async throws -> JSONValue {
        var buffer = try await jsonBuffer(request, routeLimit: routeLimit)
        return try await parseJSON(&buffer, limit: limit)
    }

    /// A JSON body's bytes as received (Content-Type application/json or none), for a route that
    /// reads its plain form in one pass itself and parses anything else with `parseJSON(_:limit:)`.
    func jsonBuffer(_ request: Request, routeLimit: Int? = nil) async throws -> ByteBuffer {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") || type.hasPrefix("application/problem+json") || type.isEmpty else {
            throw Problem(.unsupportedMediaType, "expected Content-Type application/json, got '\(type)'")
        }
        return try await body(request, routeLimit: routeLimit)
    }

    /// Parses a body read by `jsonBuffer` on the executor within the route's budget. The parser
    /// reads a copy and `buffer` is emptied first, so the body's own storage goes before parsing
    /// when the caller holds no other reference to it.
    func parseJSON(_ buffer: inout ByteBuffer, limit: JSONLimit) async throws -> JSONValue {
        let bytes = Array(buffer.readableBytesView)
        buffer = ByteBuffer()
        let (budget, why) = jsonBudget(limit)
        return try await executor.run { try Self.parseJSON(bytes: bytes, budget: budget, why: why) }
    }

    /// A small JSON document (options) already read.
    static func parseJSON(_ buffer: ByteBuffer) throws -> JSONValue {
        try parseJSON(bytes: Array(buffer.readableBytesView), budget: smallJSON, why: smallWhy)
    }

    /// Parses JSON within a budget: the parser stops at the first value or level over it (413),
    /// so memory stays a small multiple of the body whatever the document.
    static func parseJSON(bytes: [UInt8], budget: JSONBudget, why: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(bytes, budget: budget)
        } catch where error.exceededBudget {
            throw Problem(.contentTooLarge,
                          "the JSON body is over this route's limit of \(budget.maxValues) values nested at most \(budget.maxDepth) deep "
                          + "(\(why)): \(error); send fewer items per request")
        } catch {
            throw Problem(.badRequest, "the body is not valid JSON: \(error)")
        }
    }

    /// The parts of a multipart/form-data body, parsed on the executor (at most `maxParts`).
    func multipart(_ buffer: ByteBuffer, contentType: String, maxParts: Int) async throws -> [FormPart] {
        try await executor.run { try Multipart.parse(buffer, contentType: contentType, maxParts: maxParts) }
    }

    /// Images of a request: a raw body is one image; multipart/form-data gives one per part.
    func images(_ request: Request, defaultName: String) async throws -> (items: [(name: [UInt8], bytes: [UInt8])], multipart: Bool) {
        let type = request.headers[.contentType]
        let buffer = try await body(request)
        if let type, Multipart.isMultipart(type) {
            let parts = try await multipart(buffer, contentType: type, maxParts: maxImagesPerRequest)
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
