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
    /// The hashing pool computes the default families; PDQ (`families`) and the dihedral
    /// variants (`dihedral`), only when asked for, from the same decode (`PictureWants`).
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
        // A dihedral query searches 8 variants a picture, each keeping up to `limit` matches
        // until they are merged: the cap counts them all.
        try QueryRequest.checkCap(images.count, limit: asked.options.limit, settings: settings,
                                  variants: asked.options.dihedral ? Dihedral.allCases.count : 1)
        let families = asked.options.families
        let wants = PictureWants(families: families, dihedral: asked.options.dihedral)
        let results = wants.isEmpty ? try await backend.hash(images.map(\.body), cancellation: cancellation).map { ($0, PictureExtras()) }
            : try await backend.hash(images.map(\.body), wanting: wants, cancellation: cancellation)
        for (i, (part, (result, extras))) in zip(images, results).enumerated() {
            asked.ids.append(.string(part.filename ?? []))
            guard case .hashed(let hashes, _) = result else {
                asked.queries.append(nil)
                asked.shown.append([])
                asked.failures[i] = result.failure ?? "not hashed"
                continue
            }
            var words = [HashFamily.ID: [UInt64]](), shown = [(String, JSONValue)]()
            for family in families {
                guard let w = HashFamily.all.contains(family) ? family.words(of: hashes) : extras.hashes[family.id] else { continue }
                shown.append((family.id.rawValue, .str(family.hex(w))))
                let quality = extras.quality[family.id]
                if let quality { shown.append(("\(family.id)_quality", .int(quality))) }
                // A picture under the family's quality floor is not matched by it, as in `analyze`.
                if family.isMatchable(quality: quality) { words[family.id] = w }
            }
            // Each variant gives the families the picture is matched by (its own hashes' families).
            var variants: [[HashFamily.ID: [UInt64]]]?
            if let v = extras.variants {
                variants = Dihedral.allCases.map { d -> [HashFamily.ID: [UInt64]] in
                    var hashes = [HashFamily.ID: [UInt64]]()
                    for family in families where words[family.id] != nil { hashes[family.id] = v.words(family, d) }
                    return hashes
                }
            }
            asked.queries.append(MatchIndex.Query(hashes: words, variants: variants))
            asked.shown.append(shown)
        }
        return asked
    }
}

/// The options of a query: `{"datasets": [...], "thresholds": {"phash": 8}, "limit": 100}`, and
/// for picture queries `"families": ["phash", "blockmean", "pdq"]` (what is computed and
/// matched; default the two default families) and `"dihedral": true`.
struct QueryOptions: Sendable {
    var datasets: [String]?
    var thresholds = [HashFamily.ID: Int]()
    var limit = 100
    var families = HashFamily.all
    var dihedral = false

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
        let names = HashFamily.known.map(\.id.rawValue).joined(separator: ", ")
        if let f = value["families"], f != .null {
            guard let list = f.arrayValue, !list.isEmpty else {
                throw Problem(.badRequest, "\"families\" must be a non-empty list of hash families (\(names))")
            }
            var chosen = Set<HashFamily.ID>()
            for v in list {
                guard let id = v.stringValue, let family = HashFamily.named(id) else {
                    throw Problem(.badRequest, "unknown hash family \(v.stringValue.map { "'\($0)'" } ?? "(not a string)") in \"families\" (\(names))")
                }
                chosen.insert(family.id)
            }
            families = HashFamily.known.filter { chosen.contains($0.id) }
        }
        if let d = value["dihedral"], d != .null {
            guard case .bool(let on) = d else { throw Problem(.badRequest, "\"dihedral\" must be true or false") }
            dihedral = on
        }
    }
}

/// The queries of one request, in the client's order: a query is nil where its image could not
/// be hashed (`failures` says why).
struct QueryRequest {
    var options = QueryOptions()
    var ids = [JSONValue]()
    var queries = [MatchIndex.Query?]()
    /// Per query, the hashes (and qualities) the answer shows for it.
    var shown = [[(String, JSONValue)]]()
    var failures = [Int: String]()

    init() {}

    /// `{"queries": [{"id"?, "phash"?: HEX, "blockmean"?: HEX, "pdq"?: HEX}, ...], options...}`.
    init(hashes body: JSONValue, settings: ServiceSettings) throws {
        options = try QueryOptions(body)
        guard !options.dihedral else {
            throw Problem(.unprocessableContent, "\"dihedral\": true needs the picture: its 8 variants are hashed from its pixels, "
                + "not from a hash; send the picture as multipart/form-data (POST /v1/query/upload) with the options part")
        }
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
            for family in HashFamily.known {
                guard let v = q[family.id.rawValue], v != .null else { continue }
                guard let hex = v.stringValue, let w = family.words(hex: hex) else {
                    throw Problem(.badRequest, "queries[\(n)].\(family.id) must be \(family.bits / 4) hex digits")
                }
                hashes[family.id] = w
            }
            guard !hashes.isEmpty else {
                throw Problem(.badRequest, "queries[\(n)] gives no hash (\(HashFamily.known.map(\.id.rawValue).joined(separator: ", ")))")
            }
            if let id = q["id"], id != .null {
                guard let text = id.stringBytes else { throw Problem(.badRequest, "queries[\(n)].id must be a string") }
                ids.append(.string(text))
            } else {
                ids.append(.int(n))
            }
            queries.append(MatchIndex.Query(hashes: hashes))
            shown.append(HashFamily.known.compactMap { f in hashes[f.id].map { (f.id.rawValue, .str(f.hex($0))) } })
        }
    }

    /// Refuses, before any hashing or matching, a query request whose answer could hold more
    /// than `--max-query-matches` matches: `count` queries of up to `limit` matches each.
    static func checkCap(_ count: Int, limit: Int, settings: ServiceSettings, variants: Int = 1) throws {
        let cap = settings.maxQueryMatches
        let (asked, overflow) = (count * variants).multipliedReportingOverflow(by: limit)
        guard overflow || asked > cap else { return }
        let each = limit * variants
        var fixes = ["send at most \(cap / each) queries per request with this limit"]
        if cap / (count * variants) >= 1 { fixes.insert("lower \"limit\" to at most \(cap / (count * variants))", at: 0) }
        let what = variants == 1 ? "\(count) queries" : "\(count) queries x \(variants) dihedral variants"
        throw Problem(.contentTooLarge, "\(what) x limit \(limit) = \(overflow ? "too many" : String(asked)) matches, "
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
        let hashed = queries, failed = failures, shownIDs = ids, position = answerOf, shownHashes = shown
        return LazyJSONArray(count: queries.count) { i -> JSONValue in
            guard hashed[i] != nil, let a = position[i] else {
                return .obj([("id", shownIDs[i]), ("error", .str(failed[i] ?? "not hashed"))])
            }
            let answer = answers[a]
            var fields: [(String, JSONValue)] = [("id", shownIDs[i])]
            fields += shownHashes[i]
            // The matches are made one at a time while the result is written.
            fields.append(("matches", .lazyArray(LazyJSONArray(count: answer.matches.count) { j in
                let m = answer.matches[j]
                var match: [(String, JSONValue)] = [("dataset", .str(m.dataset)), ("file", .string(m.key.bytes)),
                    ("distances", .obj(HashFamily.known.compactMap { f in m.distances[f.id].map { (f.id.rawValue, .int($0)) } }))]
                if let t = m.transform { match.append(("transform", .str(t.name))) }
                return .obj(match)
            })))
            fields.append(("truncated", .bool(answer.truncated)))
            return .obj(fields)
        }
    }
}
