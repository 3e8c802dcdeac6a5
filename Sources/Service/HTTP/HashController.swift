import Foundation
import Hummingbird

/// `POST /v1/hash`: hashes images without storing them. A raw body is one image (named by
/// `?name=`); multipart/form-data carries several, each answered in its own entry.
/// `POST /v1/hash/raw` is the same handler: the OpenAPI document gives each request content type
/// its own operation, as client generators need one per operation.
struct HashController: ServiceController {
    let backend: ServiceBackend
    let reader: RequestReader

    func addRoutes(to group: ServiceRouteGroup) {
        group.post("hash", use: hash)
        group.post("hash/raw", use: hash)
    }

    @Sendable func hash(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = request.uri.queryParameters.get("name") ?? "image"
        let (items, multipart) = try await reader.images(request, defaultName: name)
        let results = try await backend.hash(items.map(\.bytes), cancellation: context.cancellation)
        // One raw image that cannot be hashed is the request's failure; in a multipart body it
        // is one entry's.
        if !multipart, case .failed(let message) = results[0] {
            throw Problem(.unprocessableContent, message)
        }
        return json(.obj([("images", .array(zip(items, results).map { ImageEntry.hashed("name", $0.0.name, $0.1) }))]))
    }
}
