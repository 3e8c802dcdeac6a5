import Foundation
import Hummingbird

/// One resource's routes, in the manner of a Hummingbird route collection: a controller holds
/// what its handlers need (the `ServiceBackend`, the `RequestReader`) and adds its routes to a
/// group. Handlers reach the store only through `ServiceBackend.blocking`.
protocol ServiceController: Sendable {
    func addRoutes(to group: ServiceRouteGroup)
}

/// The service's routes: operations at the top level, the API under /v1 behind the API keys.
/// The contract is Sources/Service/openapi.json.
enum ServiceRoutes {
    static func register(on router: Router<ServiceRequestContext>, backend: ServiceBackend, reader: RequestReader,
                         metrics: ServiceMetrics, apiKeys: Set<String>, sessions: UISessions? = nil, table: RouteTable = RouteTable()) {
        OperationsController(backend: backend, metrics: metrics)
            .addRoutes(to: ServiceRouteGroup(router: router, prefix: "", table: table))
        let v1 = ServiceRouteGroup(router: router.group("v1").add(middleware: APIKeyMiddleware(keys: apiKeys, sessions: sessions)), prefix: "v1", table: table)
        let controllers: [any ServiceController] = [
            HashController(backend: backend, reader: reader),
            DatasetsController(backend: backend, reader: reader),
            ImagesController(backend: backend),
            QueryController(backend: backend, reader: reader),
            CrossDuplicatesController(backend: backend),
            ReviewsController(backend: backend, reader: reader),
        ]
        for controller in controllers { controller.addRoutes(to: v1) }
        table.answerOtherMethods(on: router)
    }
}

/// Where a controller adds its routes: a Hummingbird router or group, with every route also
/// recorded in the `RouteTable` (for the 405 answers).
struct ServiceRouteGroup {
    let router: any RouterMethods<ServiceRequestContext>
    /// The group's path ("" or "v1"), as the route table records full paths.
    let prefix: String
    let table: RouteTable

    typealias Handler = @Sendable (Request, ServiceRequestContext) async throws -> Response

    func on(_ path: String, method: HTTPRequest.Method, use handler: @escaping Handler) {
        router.on(RouterPath(stringLiteral: path), method: method, use: handler)
        table.record(prefix.isEmpty ? path : "\(prefix)/\(path)", method)
    }

    func get(_ path: String, use handler: @escaping Handler) { on(path, method: .get, use: handler) }
    func put(_ path: String, use handler: @escaping Handler) { on(path, method: .put, use: handler) }
    func post(_ path: String, use handler: @escaping Handler) { on(path, method: .post, use: handler) }
    func delete(_ path: String, use handler: @escaping Handler) { on(path, method: .delete, use: handler) }
}

/// The methods each registered path takes. A known path asked with another method is 405 with
/// the methods it takes (`Allow`), not 404; the answer comes before the API key is checked.
/// Filled while the routes are registered, on one thread, before the server starts.
final class RouteTable: @unchecked Sendable {
    /// The methods a 405 is given for, and the order `Allow` lists methods in.
    static let methods: [HTTPRequest.Method] = [.get, .put, .post, .delete, .patch, .options, .trace]

    private(set) var paths = [String]()
    private var allowed = [String: [HTTPRequest.Method]]()

    func record(_ path: String, _ method: HTTPRequest.Method) {
        if allowed[path] == nil { paths.append(path) }
        allowed[path, default: []].append(method)
    }

    /// The `Allow` value of `path`: its methods in the order of `methods`.
    func allow(_ path: String) -> String {
        let taken = allowed[path] ?? []
        return Self.methods.filter(taken.contains).map(\.rawValue).joined(separator: ", ")
    }

    func answerOtherMethods(on router: Router<ServiceRequestContext>) {
        for path in paths {
            let taken = allowed[path] ?? [], allow = allow(path)
            for method in Self.methods where !taken.contains(method) {
                router.on(RouterPath(stringLiteral: path), method: method) { _, _ -> Response in
                    throw Problem(.methodNotAllowed, "\(path) takes \(allow)", headers: [.allow: allow])
                }
            }
        }
    }
}

extension ServiceRequestContext {
    /// A path parameter, percent-decoded; must be UTF-8.
    func pathParameter(_ name: String) throws -> String {
        guard let raw = parameters.get(name), let decoded = raw.removingPercentEncoding else {
            throw Problem(.badRequest, "the \(name) in the path is not valid percent-encoded UTF-8")
        }
        return decoded
    }
}
