import Foundation
import Hummingbird
import HashKit
import HashStore
import Analysis

/// `/v1/datasets...` and `/v1/jobs/{id}`: stored datasets, their uploads and their scans.
struct DatasetsController: ServiceController {
    let backend: ServiceBackend
    let reader: RequestReader

    func addRoutes(to group: ServiceRouteGroup) {
        group.get("datasets", use: list)
        group.get("datasets/:name", use: show)
        group.put("datasets/:name", use: put)
        group.delete("datasets/:name", use: delete)
        group.post("datasets/:name/images", use: addImages)
        // The multipart form documented as its own operation (see HashController).
        group.post("datasets/:name/images/upload", use: addImages)
        group.post("datasets/:name/scan", use: scan)
        group.get("jobs/:id", use: job)
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let summaries = try await backend.blocking { try $0.summaries() }
        return json(.obj([("datasets", .array(summaries.map(DatasetJSON.summary)))]))
    }

    @Sendable func put(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = try context.pathParameter("name")
        let body = try DatasetRootRequest(contentType: request.headers[.contentType], body: try await reader.body(request))
        let root = body.root
        let (summary, created) = try await backend.blocking { try $0.putDataset(name, root: root) }
        return json(DatasetJSON.summary(summary), status: created ? .created : .ok)
    }

    @Sendable func show(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = try context.pathParameter("name")
        let document = try await backend.blocking { service in
            DatasetJSON.detail(name: name, try service.summary(name), try service.load(name))
        }
        return json(document)
    }

    @Sendable func delete(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = try context.pathParameter("name")
        try await backend.blocking { try $0.deleteDataset(name) }
        return Response(status: .noContent)
    }

    /// Images (multipart/form-data, hashed here) or precomputed hashes (JSON `items`).
    @Sendable func addImages(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = try context.pathParameter("name")
        // Refused before the body is read or hashed (the service checks again when it writes).
        _ = try await backend.blocking { try $0.uploadTarget(name) }
        if let type = request.headers[.contentType], Multipart.isMultipart(type) {
            let (items, _) = try await reader.images(request, defaultName: "image")
            var uploads = [(key: FileKey, bytes: [UInt8])]()
            var refused = [(Int, [UInt8])]()
            for (i, item) in items.enumerated() {
                if let k = UploadKey.parse(item.name) { uploads.append((k, item.bytes)) } else { refused.append((i, item.name)) }
            }
            let added = try await backend.addImages(name, uploads)
            var entries = added.map(ImageEntry.added)
            for (i, bytes) in refused {
                entries.insert(ImageEntry.make("file", bytes, hashes: nil, error: UploadKey.refusal), at: min(i, entries.count))
            }
            let stored = added.filter { $0.outcome.hashes != nil }.count
            return json(.obj([("images", .array(entries)), ("added", .int(stored))]))
        }
        var buffer = try await reader.jsonBuffer(request)
        let added: Int
        if let plain = try await addPlainItems(name, buffer) {
            added = plain
        } else {
            let items = try PrecomputedHashesRequest(try await reader.parseJSON(&buffer, limit: .items),
                                                     maxImagesPerRequest: backend.settings.maxImagesPerRequest).items
            try await backend.blocking { try $0.addHashes(name, items) }
            added = items.count
        }
        return json(.obj([("added", .int(added))]))
    }

    /// A plain items body (`PlainItemsScanner`) read in one pass from the received bytes and
    /// stored, in one executor call; nil (nothing stored) for any other body, which the caller
    /// parses the general way. `body` is released when this returns, so the general parse holds
    /// one copy of the body, as before.
    private func addPlainItems(_ name: String, _ body: ByteBuffer) async throws -> Int? {
        let maxItems = backend.settings.maxImagesPerRequest * 100
        let budget = reader.jsonBudget(.items).budget
        return try await backend.blocking { service -> Int? in
            guard let items = body.withUnsafeReadableBytes({ PlainItemsScanner.scan($0, maxItems: maxItems, budget: budget) }) else {
                return nil
            }
            try service.addHashes(name, items)
            return items.count
        }
    }

    @Sendable func scan(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = try context.pathParameter("name")
        let id = try await backend.blocking { try $0.scan(name) }
        return json(.obj([("job", .str(id)), ("state", .str("queued"))]), status: .accepted, headers: [.location: "/v1/jobs/\(id)"])
    }

    /// A scan's progress (in memory: jobs are kept while the server runs).
    @Sendable func job(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let id = try context.pathParameter("id")
        guard let status = backend.jobStatus(id) else { throw Problem(.notFound, "no job '\(id)' (jobs are kept while the server runs)") }
        return json(DatasetJSON.job(status))
    }
}
