import Foundation
import JSONFiles
import Hummingbird
import HashKit
import Analysis
import NIOCore

/// `POST /v1/query`: the stored images within the thresholds of each query. Queries are hashes
/// (JSON) or images (multipart/form-data, hashed here, with an optional `options` part).
/// `POST /v1/query/upload` is the same handler, documented as the multipart form (see HashController).
struct QueryController: ServiceController {
    let backend: ServiceBackend
    let reader: RequestReader

    func addRoutes(to group: ServiceRouteGroup) {
        group.post("query", use: query)
        group.post("query/upload", use: query)
    }

    @Sendable func query(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let asked: QueryRequest
        if let type = request.headers[.contentType], Multipart.isMultipart(type) {
            asked = try await images(request, contentType: type, cancellation: context.cancellation)
        } else {
            asked = try QueryRequest(hashes: try await reader.jsonBody(request, limit: .queries), settings: backend.settings)
        }
        let queries = asked.queries.compactMap { $0 }
        let options = asked.options, cancellation = context.cancellation
        let answers = try await backend.blocking { service in
            try service.query(queries, datasets: options.datasets, thresholds: options.thresholds, limit: options.limit,
                              shouldStop: { cancellation.isCancelled })
        }
        return StreamedBody.json(.obj([("results", .lazyArray(asked.results(answers)))]), cancellation: cancellation)
    }

    /// A multipart query: the images are hashed first; one that cannot be is answered with its error.
    func images(_ request: Request, contentType: String, cancellation: CancellationFlag) async throws -> QueryRequest {
        let settings = backend.settings
        let buffer = try await reader.body(request)
        let parts = try await reader.multipart(buffer, contentType: contentType, maxParts: settings.maxImagesPerRequest + 1)
        var asked = QueryRequest()
        if let optionsPart = parts.first(where: { $0.name == "options" && $0.filename == nil }) {
            asked.options = try QueryOptions(try RequestReader.parseJSON(ByteBuffer(bytes: optionsPart.body)))
        }
        let images = parts.filter { $0.filename != nil }
        guard !images.isEmpty else { throw Problem(.badRequest, "the multipart body has no image parts (parts with a filename)") }
        try QueryRequest.checkCap(images.count, limit: asked.options.limit, settings: settings)
        let results = try await backend.hash(images.map(\.body), cancellation: cancellation)
        for (i, (part, result)) in zip(images, results).enumerated() {
            asked.ids.append(.string(part.filename ?? []))
            switch result {
            case .hashed(let hashes, _):
                asked.queries.append(MatchIndex.Query(hashes: Dictionary(uniqueKeysWithValues: HashFamily.all.map { ($0.id, $0.words(of: hashes)) })))
            case .failed(let message):
                asked.queries.append(nil)
                asked.failures[i] = message
            }
        }
        return asked
    }
}

/// The options of a query: `{"datasets": [...], "thresholds": {"phash": 8}, "limit": 100}`.
struct QueryOptions: Sendable {
    var datasets: [String]?
    var thresholds = [HashFamily.ID: Int]()
    var limit = 100

    init() {}

    init(_ value: JSONValue) throws {
        guard case .object = value else { throw Problem(.badRequest, "expected a JSON object") }
        if let d = value["datasets"], d != .null {
            guard let list = d.arrayValue?.compactMap(\.stringValue), list.count == d.arrayValue?.count else {
                throw Problem(.badRequest, "\"datasets\" must be a list of dataset names")
            }
            datasets = list
        }
        if let t = value["thresholds"], t != .null {
            guard let pairs = t.objectPairs else { throw Problem(.badRequest, "\"thresholds\" must be an object like {\"phash\": 8}") }
            for (k, v) in pairs {
                let id = String(decoding: k, as: UTF8.self)
                guard let family = HashFamily.named(id) else {
                    throw Problem(.badRequest, "unknown hash family '\(id)' in \"thresholds\" (\(HashFamily.all.map(\.id.rawValue).joined(separator: ", ")))")
                }
                guard let n = v.intValue, (0...family.bits).contains(n) else {
                    throw Problem(.badRequest, "threshold of \(id) must be an integer 0...\(family.bits)")
                }
                thresholds[family.id] = n
            }
        }
        if let l = value["limit"], l != .null {
            guard let n = l.intValue, (1...10_000).contains(n) else { throw Problem(.badRequest, "\"limit\" must be an integer 1...10000") }
            limit = n
        }
    }
}

/// The queries of one request, in the client's order: a query is nil where its image could not
/// be hashed (`failures` says why).
struct QueryRequest {
    var options = QueryOptions()
    var ids = [JSONValue]()
    var queries = [MatchIndex.Query?]()
    var failures = [Int: String]()

    init() {}

    /// `{"queries": [{"id"?, "phash"?: HEX, "blockmean"?: HEX}, ...], options...}`.
    init(hashes body: JSONValue, settings: ServiceSettings) throws {
        options = try QueryOptions(body)
        guard let list = body["queries"]?.arrayValue, !list.isEmpty else {
            throw Problem(.badRequest, "expected {\"queries\": [{\"phash\": HEX, \"blockmean\": HEX}, ...]} with at least one query")
        }
        guard list.count <= settings.maxImagesPerRequest else {
            throw Problem(.contentTooLarge, "\(list.count) queries in one request, over the limit of \(settings.maxImagesPerRequest) (--max-images-per-request)")
        }
        try Self.checkCap(list.count, limit: options.limit, settings: settings)
        for (n, q) in list.enumerated() {
            guard case .object = q else { throw Problem(.badRequest, "queries[\(n)] must be an object") }
            var hashes = [HashFamily.ID: [UInt64]]()
            for family in HashFamily.all {
                guard let v = q[family.id.rawValue], v != .null else { continue }
                guard let hex = v.stringValue, let w = family.words(hex: hex) else {
                    throw Problem(.badRequest, "queries[\(n)].\(family.id) must be \(family.bits / 4) hex digits")
                }
                hashes[family.id] = w
            }
            guard !hashes.isEmpty else {
                throw Problem(.badRequest, "queries[\(n)] gives no hash (\(HashFamily.all.map(\.id.rawValue).joined(separator: ", ")))")
            }
            if let id = q["id"], id != .null {
                guard let text = id.stringBytes else { throw Problem(.badRequest, "queries[\(n)].id must be a string") }
                ids.append(.string(text))
            } else {
                ids.append(.int(n))
            }
            queries.append(MatchIndex.Query(hashes: hashes))
        }
    }

    /// Refuses, before any hashing or matching, a query request whose answer could hold more
    /// than `--max-query-matches` matches: `count` queries of up to `limit` matches each.
    static func checkCap(_ count: Int, limit: Int, settings: ServiceSettings) throws {
        let cap = settings.maxQueryMatches
        let (asked, overflow) = count.multipliedReportingOverflow(by: limit)
        guard overflow || asked > cap else { return }
        var fixes = ["send at most \(cap / limit) queries per request with this limit"]
        if cap / count >= 1 { fixes.insert("lower \"limit\" to at most \(cap / count)", at: 0) }
        throw Problem(.contentTooLarge, "\(count) queries x limit \(limit) = \(overflow ? "too many" : String(asked)) matches, "
            + "over this server's cap of \(cap) matches per request (--max-query-matches): \(fixes.joined(separator: ", or "))")
    }

    /// The answer's results, one per query, each made while it is written (100 queries x
    /// 10,000 matches is about 150 MB of text). `answers` holds one answer per hashed query.
    func results(_ answers: [MatchIndex.Answer]) -> LazyJSONArray {
        // Which answer belongs to each query (queries that could not be hashed have none).
        var answerOf = [Int?]()
        var next = 0
        for q in queries {
            answerOf.append(q == nil ? nil : next)
            if q != nil { next += 1 }
        }
        let hashed = queries, failed = failures, shownIDs = ids, position = answerOf
        return LazyJSONArray(count: queries.count) { i -> JSONValue in
            guard let q = hashed[i], let a = position[i] else {
                return .obj([("id", shownIDs[i]), ("error", .str(failed[i] ?? "not hashed"))])
            }
            let answer = answers[a]
            var fields: [(String, JSONValue)] = [("id", shownIDs[i])]
            for family in HashFamily.all { if let w = q.hashes[family.id] { fields.append((family.id.rawValue, .str(family.hex(w)))) } }
            // The matches are made one at a time while the result is written.
            fields.append(("matches", .lazyArray(LazyJSONArray(count: answer.matches.count) { j in
                let m = answer.matches[j]
                return .obj([("dataset", .str(m.dataset)), ("file", .string(m.key.bytes)),
                             ("distances", .obj(HashFamily.all.compactMap { f in m.distances[f.id].map { (f.id.rawValue, .int($0)) } }))])
            })))
            fields.append(("truncated", .bool(answer.truncated)))
            return .obj(fields)
        }
    }
}
