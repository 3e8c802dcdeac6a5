import Foundation
import Hummingbird
import NIOCore

/// `GET /healthz`, `/readyz`, `/metrics`, `/openapi.json`: for orchestrators and monitoring, so
/// outside the API keys. None touches the store.
struct OperationsController: ServiceController {
    let backend: ServiceBackend
    let metrics: ServiceMetrics

    func addRoutes(to group: ServiceRouteGroup) {
        group.get("healthz") { _, _ in json(.obj([("status", .str("ok"))])) }
        group.get("readyz", use: ready)
        group.get("metrics", use: exposition)
        group.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: EmbeddedAPIDocument.files.first?.source ?? "{}")))
        }
    }

    @Sendable func ready(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let device = backend.device
        return json(.obj([("status", .str("ready")), ("device", .obj([("kind", .str(device.kind)), ("name", .str(device.name))]))]))
    }

    @Sendable func exposition(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        metrics.refresh(queueDepth: backend.queueDepth)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
