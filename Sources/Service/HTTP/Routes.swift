import Foundation
import Hummingbird
import HashKit
import HashStore
import Analysis
import JSONFiles
import NIOCore

/// The HTTP face of `HashService`: each route reads its request, calls the service and writes
/// JSON. Validation that depends only on the request lives here; everything else is the
/// service's. The contract is Sources/Service/openapi.json.
struct Routes {
    let service: HashService
    let maxBodyBytes: Int
    /// How long a client may take to send its body (a slow sender cannot hold a connection and
    /// its buffer forever).
    let bodyTimeout: Duration
    let metrics: ServiceMetrics

    func register(on router: Router<ServiceRequestContext>, apiKeys: Set<String>) {
        router.get("healthz") { _, _ in json(.obj([("status", .str("ok"))])) }
        router.get("readyz") { _, _ in
            json(.obj([("status", .str("ready")),
                       ("device", .obj([("kind", .str(service.engines.description.kind)), ("name", .str(service.engines.description.name))]))]))
        }
        router.get("metrics") { _, _ in
            metrics.refresh(queueDepth: service.pool.queueDepth)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: EmbeddedAPIDocument.files.first?.source ?? "{}")))
        }

        let v1 = router.group("v1").add(middleware: APIKeyMiddleware(keys: apiKeys))
        v1.post("hash", use: hash)
        v1.get("datasets", use: listDatasets)
        v1.put("datasets/:name", use: putDataset)
        v1.get("datasets/:name", use: getDataset)
        v1.delete("datasets/:name", use: deleteDataset)
        v1.post("datasets/:name/images", use: addImages)
        v1.post("datasets/:name/scan", use: scan)
        v1.get("jobs/:id", use: job)
        v1.post("query", use: query)
        v1.get("cross-duplicates", use: crossDuplicates)

        // A known path with another method is 405 with the methods it takes, not 404.
        let paths: [(String, [HTTPRequest.Method])] = [
            ("healthz", [.get]), ("readyz", [.get]), ("metrics", [.get]), ("openapi.json", [.get]),
            ("v1/hash", [.post]), ("v1/datasets", [.get]), ("v1/datasets/:name", [.get, .put, .delete]),
            ("v1/datasets/:name/images", [.post]), ("v1/datasets/:name/scan", [.post]), ("v1/jobs/:id", [.get]),
            ("v1/query", [.post]), ("v1/cross-duplicates", [.get]),
        ]
        for (path, allowed) in paths {
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            for method in [HTTPRequest.Method.get, .put, .post, .delete, .patch, .options, .trace] where !allowed.contains(method) {
                router.on(RouterPath(stringLiteral: path), method: method) { _, _ -> Response in
                    throw Problem(.methodNotAllowed, "\(path) takes \(allow)", headers: [.allow: allow])
                }
            }
        }
    }

    /// Runs blocking work (SQLite reads and writes, exact matching, large cross-duplicate
    /// documents) on GCD threads, never on Swift concurrency's cooperative pool: that pool has
    /// one thread per core, and a long query there would stall every other request, health
    /// checks included.
    func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
        }
    }

    // MARK: Reading requests

    // The body-reading helpers (body, jsonBody, parseJSON, images) are in RequestBody.swift.

    /// A path parameter, percent-decoded; must be UTF-8.
    func parameter(_ context: ServiceRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name), let decoded = raw.removingPercentEncoding else {
            throw Problem(.badRequest, "the \(name) in the path is not valid percent-encoded UTF-8")
        }
        return decoded
    }

    /// One image's entry in a response: `{nameKey, <family>: hex..., "warnings"?}` or `{nameKey, "error"}`.
    func entry(_ nameKey: String, _ name: [UInt8], hashes: ImageHashes?, warnings: [String] = [], error: String? = nil) -> JSONValue {
        var fields: [([UInt8], JSONValue)] = [(Array(nameKey.utf8), .string(name))]
        guard let hashes else { return .object(fields + [(Array("error".utf8), .str(error ?? "not hashed"))]) }
        for family in HashFamily.all { fields.append((Array(family.id.rawValue.utf8), .str(family.hex(of: hashes)))) }
        if !warnings.isEmpty { fields.append((Array("warnings".utf8), .array(warnings.map { .str($0) }))) }
        return .object(fields)
    }

    func hashedEntry(_ nameKey: String, _ name: [UInt8], _ outcome: FileOutcome) -> JSONValue {
        switch outcome {
        case .hashed(let hashes, let warnings): return entry(nameKey, name, hashes: hashes, warnings: warnings)
        case .failed(let message): return entry(nameKey, name, hashes: nil, error: message)
        }
    }

    // MARK: Hashing

    @Sendable func hash(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = request.uri.queryParameters.get("name") ?? "image"
        let (items, multipart) = try await images(request, defaultName: name)
        let results = try await service.hash(items.map(\.bytes), cancellation: context.cancellation)
        if !multipart, case .failed(let message) = results[0] {
            throw Problem(.unprocessableContent, message)
        }
        return json(.obj([("images", .array(zip(items, results).map { hashedEntry("name", $0.0.name, $0.1) }))]))
    }

    // MARK: Datasets

    func datasetJSON(_ s: DatasetSummary) -> JSONValue {
        .obj([("name", .str(s.dataset.name)), ("root", s.dataset.root.map { .str($0) } ?? .null),
              ("images", .int(s.images)), ("errors", .int(s.errors))])
    }

    @Sendable func listDatasets(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let service = self.service
        let summaries = try await offload { try service.summaries() }
        return json(.obj([("datasets", .array(summaries.map(datasetJSON)))]))
    }

    @Sendable func putDataset(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = try parameter(context, "name")
        let buffer = try await body(request)
        var root: String?
        if buffer.readableBytes > 0 {
            let type = request.headers[.contentType]?.lowercased() ?? ""
            guard type.isEmpty || type.hasPrefix("application/json") else {
                throw Problem(.unsupportedMediaType, "expected Content-Type application/json, got '\(type)'")
            }
            let value = try parseJSON(buffer)
            guard case .object = value else { throw Problem(.badRequest, "expected a JSON object like {\"root\": \"/data/photos\"}") }
            if let r = value["root"], r != .null {
                guard let text = r.stringValue else { throw Problem(.badRequest, "\"root\" must be a string (an absolute folder path)") }
                root = text
            }
        }
        let service = self.service, chosenRoot = root
        let (summary, created) = try await offload { try service.putDataset(name, root: chosenRoot) }
        return json(datasetJSON(summary), status: created ? .created : .ok)
    }

    @Sendable func getDataset(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = try parameter(context, "name")
        let service = self.service
        let (summary, dataset) = try await offload { (try service.summary(name), try service.load(name)) }
        let shown = 1000
        let problems = AnalysisJSON.errors(dataset).arrayValue ?? []
        var fields: [(String, JSONValue)] = [
            ("name", .str(name)), ("root", summary.dataset.root.map { .str($0) } ?? .null),
            ("images", .int(summary.images)), ("errors", .int(summary.errors)), ("warnings", .int(summary.warned)),
            ("problems", .array(Array(problems.prefix(shown)))),
        ]
        if problems.count > shown { fields.append(("problems_truncated", .bool(true))) }
        return json(.obj(fields))
    }

    @Sendable func deleteDataset(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let service = self.service, name = try parameter(context, "name")
        try await offload { try service.deleteDataset(name) }
        return Response(status: .noContent)
    }

    /// A file key sent by a client: a relative path without `.`/`..` segments or NUL.
    func key(_ bytes: [UInt8]) -> FileKey? {
        guard !bytes.isEmpty, bytes.first != UInt8(ascii: "/"), !bytes.contains(0), bytes.count <= 4096 else { return nil }
        let segments = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard !segments.contains(where: { $0.isEmpty || $0.elementsEqual([46]) || $0.elementsEqual([46, 46]) }) else { return nil }
        return FileKey(bytes: bytes)
    }

    @Sendable func addImages(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = try parameter(context, "name")
        guard let dataset = try service.store.dataset(named: name) else { throw HashService.unknown(name) }
        // Refused before the body is read or hashed (the service checks again when it writes).
        guard dataset.root == nil else { throw HashService.rootedUpload(name) }
        if let type = request.headers[.contentType], Multipart.isMultipart(type) {
            let (items, _) = try await images(request, defaultName: "image")
            var uploads = [(key: FileKey, bytes: [UInt8])]()
            var refused = [(Int, [UInt8])]()
            for (i, item) in items.enumerated() {
                if let k = key(item.name) { uploads.append((k, item.bytes)) } else { refused.append((i, item.name)) }
            }
            let added = try await service.addImages(name, uploads)
            var entries = added.map { hashedEntry("file", $0.key.bytes, $0.outcome) }
            for (i, bytes) in refused {
                entries.insert(entry("file", bytes, hashes: nil,
                                     error: "not a usable file key: a relative path without '.' or '..' segments, a leading '/' or NUL"),
                               at: min(i, entries.count))
            }
            let stored = added.filter { $0.outcome.hashes != nil }.count
            return json(.obj([("images", .array(entries)), ("added", .int(stored))]))
        }
        let body = try await jsonBody(request)
        guard let list = body["items"]?.arrayValue else {
            throw Problem(.badRequest, "expected multipart/form-data images or {\"items\": [{\"file\", \"phash\", \"blockmean\"}]}")
        }
        guard list.count <= service.settings.maxImagesPerRequest * 100 else {
            throw Problem(.contentTooLarge, "\(list.count) items in one request, over the limit of \(service.settings.maxImagesPerRequest * 100)")
        }
        var items = [(key: FileKey, hashes: ImageHashes)]()
        for (n, item) in list.enumerated() {
            guard let file = item["file"]?.stringBytes, let k = key(file) else {
                throw Problem(.badRequest, "items[\(n)]: \"file\" must be a relative path without '.' or '..' segments, a leading '/' or NUL")
            }
            var words = [HashFamily.ID: [UInt64]]()
            for family in HashFamily.all {
                guard let hex = item[family.id.rawValue]?.stringValue, let w = family.words(hex: hex) else {
                    throw Problem(.badRequest, "items[\(n)]: \"\(family.id)\" must be \(family.bits / 4) hex digits")
                }
                words[family.id] = w
            }
            guard let hashes = ImageHashes(words: words) else { throw Problem(.badRequest, "items[\(n)]: incomplete hashes") }
            items.append((k, hashes))
        }
        let service = self.service, parsed = items
        try await offload { try service.addHashes(name, parsed) }
        return json(.obj([("added", .int(items.count))]))
    }

    @Sendable func scan(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let id = try service.scan(try parameter(context, "name"))
        return json(.obj([("job", .str(id)), ("state", .str("queued"))]), status: .accepted, headers: [.location: "/v1/jobs/\(id)"])
    }

    @Sendable func job(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let id = try parameter(context, "id")
        guard let s = service.jobs.status(id) else { throw Problem(.notFound, "no job '\(id)' (jobs are kept while the server runs)") }
        var fields: [(String, JSONValue)] = [
            ("job", .str(s.id)), ("dataset", .str(s.dataset)), ("state", .str(s.state.rawValue)),
            ("done", .int(s.done)), ("total", .int(s.total)),
            ("decoded", .int(s.counts.decoded)), ("reused", .int(s.counts.reused)), ("errors", .int(s.counts.errors)),
        ]
        if let error = s.error { fields.append(("error", .str(error))) }
        return json(.obj(fields))
    }

    // MARK: Matching

    struct QueryOptions {
        var datasets: [String]?
        var thresholds = [HashFamily.ID: Int]()
        var limit = 100
    }

    func queryOptions(_ value: JSONValue) throws -> QueryOptions {
        guard case .object = value else { throw Problem(.badRequest, "expected a JSON object") }
        var options = QueryOptions()
        if let d = value["datasets"], d != .null {
            guard let list = d.arrayValue?.compactMap(\.stringValue), list.count == d.arrayValue?.count else {
                throw Problem(.badRequest, "\"datasets\" must be a list of dataset names")
            }
            options.datasets = list
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
                options.thresholds[family.id] = n
            }
        }
        if let l = value["limit"], l != .null {
            guard let n = l.intValue, (1...10_000).contains(n) else { throw Problem(.badRequest, "\"limit\" must be an integer 1...10000") }
            options.limit = n
        }
        return options
    }

    @Sendable func query(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        var options = QueryOptions()
        var ids = [JSONValue]()
        var queries = [MatchIndex.Query?]()
        var failures = [Int: String]()
        if let type = request.headers[.contentType], Multipart.isMultipart(type) {
            let buffer = try await body(request)
            let parts = try Multipart.parse(buffer, contentType: type, maxParts: service.settings.maxImagesPerRequest + 1)
            if let optionsPart = parts.first(where: { $0.name == "options" && $0.filename == nil }) {
                options = try queryOptions(try parseJSON(ByteBuffer(bytes: optionsPart.body)))
            }
            let images = parts.filter { $0.filename != nil }
            guard !images.isEmpty else { throw Problem(.badRequest, "the multipart body has no image parts (parts with a filename)") }
            try checkQueryCap(images.count, limit: options.limit)
            let results = try await service.hash(images.map(\.body), cancellation: context.cancellation)
            for (i, (part, result)) in zip(images, results).enumerated() {
                ids.append(.string(part.filename ?? []))
                switch result {
                case .hashed(let hashes, _):
                    queries.append(MatchIndex.Query(hashes: Dictionary(uniqueKeysWithValues: HashFamily.all.map { ($0.id, $0.words(of: hashes)) })))
                case .failed(let message):
                    queries.append(nil)
                    failures[i] = message
                }
            }
        } else {
            let body = try await jsonBody(request)
            options = try queryOptions(body)
            guard let list = body["queries"]?.arrayValue, !list.isEmpty else {
                throw Problem(.badRequest, "expected {\"queries\": [{\"phash\": HEX, \"blockmean\": HEX}, ...]} with at least one query")
            }
            guard list.count <= service.settings.maxImagesPerRequest else {
                throw Problem(.contentTooLarge, "\(list.count) queries in one request, over the limit of \(service.settings.maxImagesPerRequest) (--max-images-per-request)")
            }
            try checkQueryCap(list.count, limit: options.limit)
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
        let asked = queries.compactMap { $0 }
        let service = self.service, chosen = options, cancellation = context.cancellation
        let answers = try await offload {
            try service.query(asked, datasets: chosen.datasets, thresholds: chosen.thresholds, limit: chosen.limit,
                              shouldStop: { cancellation.isCancelled })
        }
        // Which answer belongs to each query (queries that could not be hashed have none).
        var answerOf = [Int?]()
        var next = 0
        for q in queries {
            answerOf.append(q == nil ? nil : next)
            if q != nil { next += 1 }
        }
        let hashed = queries, failed = failures, shownIDs = ids, position = answerOf
        // Written a result at a time, each made while it is written (100 queries x 10,000
        // matches is about 150 MB of text).
        let results = LazyJSONArray(count: queries.count) { i -> JSONValue in
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
        return StreamedBody.json(.obj([("results", .lazyArray(results))]), cancellation: cancellation)
    }

    /// Refuses, before any hashing or matching, a query request whose answer could hold more
    /// than `--max-query-matches` matches: `count` queries of up to `limit` matches each.
    func checkQueryCap(_ count: Int, limit: Int) throws {
        let cap = service.settings.maxQueryMatches
        let (asked, overflow) = count.multipliedReportingOverflow(by: limit)
        guard overflow || asked > cap else { return }
        var fixes = ["send at most \(cap / limit) queries per request with this limit"]
        if cap / count >= 1 { fixes.insert("lower \"limit\" to at most \(cap / count)", at: 0) }
        throw Problem(.contentTooLarge, "\(count) queries x limit \(limit) = \(overflow ? "too many" : String(asked)) matches, "
            + "over this server's cap of \(cap) matches per request (--max-query-matches): \(fixes.joined(separator: ", or "))")
    }

    @Sendable func crossDuplicates(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        var thresholds = [HashFamily.ID: Int]()
        for family in HashFamily.all {
            guard let text = q.get("\(family.id)_threshold") else { continue }
            guard let n = Int(text), (0...family.bits).contains(n) else {
                throw Problem(.badRequest, "\(family.id)_threshold must be an integer 0...\(family.bits)")
            }
            thresholds[family.id] = n
        }
        let familyName = q.get("family") ?? HashFamily.all[0].id.rawValue
        guard let family = HashFamily.named(familyName) else {
            throw Problem(.badRequest, "family must be one of \(HashFamily.all.map(\.id.rawValue).joined(separator: ", "))")
        }
        var within = false
        if let w = q.get("within") {
            guard w == "true" || w == "false" else { throw Problem(.badRequest, "within must be true or false") }
            within = w == "true"
        }
        let names = q.get("datasets").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let names, Set(names.map(DatasetName.init)).count != names.count || names.contains("") {
            throw Problem(.badRequest, "datasets must be distinct names separated by commas")
        }
        let service = self.service, matchOptions = MatchOptions(thresholds: thresholds, within: within)
        let cancellation = context.cancellation
        // Matched first (errors still get their status), then written while serialised.
        let answer = try await offload {
            try service.crossDuplicates(datasets: names, options: matchOptions, family: family, cancellation: cancellation)
        }
        return StreamedBody.json(answer, cancellation: cancellation)
    }
}
