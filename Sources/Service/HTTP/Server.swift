import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs the service on Hummingbird until SIGTERM or SIGINT: then it stops accepting, lets
/// requests in flight finish, waits for the queued scans, stops the hashing pool (both are
/// lifecycle services of the same group) and closes the store.
public struct ServiceServer {
    public var service: HashService
    public var metrics: ServiceMetrics
    public var host: String
    public var port: Int
    public var apiKeys: Set<String>
    public var maxBodyBytes: Int
    public var requestTimeout: Duration
    /// Bytes of request bodies held at once, all requests together (beyond: 503 + Retry-After).
    public var maxInflightBodyBytes: Int
    /// The curators' browser sessions (used with API keys).
    public let sessions = UISessions()

    /// The defaults `crosshash serve` starts from (`--max-body-bytes`, `--max-inflight-body-bytes`,
    /// `--request-timeout`).
    public static let defaultMaxBodyBytes = 256 << 20
    public static let defaultMaxInflightBodyBytes = 384 << 20
    public static let defaultRequestTimeoutSeconds = 120

    public init(service: HashService, metrics: ServiceMetrics, host: String, port: Int, apiKeys: Set<String>, maxBodyBytes: Int,
                requestTimeout: Duration = .seconds(ServiceServer.defaultRequestTimeoutSeconds),
                maxInflightBodyBytes: Int = ServiceServer.defaultMaxInflightBodyBytes) {
        self.requestTimeout = requestTimeout
        self.maxInflightBodyBytes = maxInflightBodyBytes
        self.service = service
        self.metrics = metrics
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.maxBodyBytes = maxBodyBytes
    }

    public func run(logger: Logger) async throws {
        // Hummingbird's own start-up and request lines only at warning level and above (unless
        // CROSSHASH_LOG asks for more): the one listening line below is what tools wait for.
        var serverLogger = logger
        if ProcessInfo.processInfo.environment["CROSSHASH_LOG"] == nil { serverLogger.logLevel = .warning }
        let bodyLimit = maxBodyBytes
        let router = makeRouter()
        let app = Application(
            router: router,
            // UnreadBodyCloser: a connection whose request body is not read is closed after the
            // answer, instead of reading and discarding whatever the client keeps sending.
            // ClientGoneHandler: a client's hang-up cancels the work done for its requests.
            server: .http1(configuration: .init(additionalChannelHandlers: [UnreadBodyCloser(maxBodyBytes: bodyLimit), ClientGoneHandler()],
                                                idleTimeout: .seconds(120))),
            configuration: .init(address: .hostname(host, port: port), serverName: "crosshash"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shown = host.contains(":") ? "[\(host)]" : host
                FileHandle.standardError.write(Data("crosshash: listening on http://\(shown):\(port)\n".utf8))
            },
            logger: serverLogger
        )
        // Shut down in reverse order: the server stops taking requests and finishes those in
        // flight, then the scans already queued finish, then the hashing pool stops.
        let group = ServiceGroup(configuration: .init(services: [service.pool, service.jobs, app],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: serverLogger))
        try await group.run()
        try service.store.close()
    }

    /// The router with every route and the middleware in front of them (problem documents,
    /// metrics, the cross-origin guard, the in-flight body budget); in-process tests drive it
    /// without a socket.
    func makeRouter() -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: OriginGuardMiddleware())
        router.add(middleware: BodyBudgetMiddleware(budget: BodyBudget(capacity: maxInflightBodyBytes)))
        let executor = BlockingExecutor.shared
        let reader = RequestReader(maxBodyBytes: maxBodyBytes, bodyTimeout: requestTimeout,
                                   maxImagesPerRequest: service.settings.maxImagesPerRequest, executor: executor)
        let backend = ServiceBackend(service: service, executor: executor)
        ServiceRoutes.register(on: router, backend: backend, reader: reader, metrics: metrics, apiKeys: apiKeys, sessions: sessions)
        // The curators' pages: HTML, not API, so outside the route table and openapi.json.
        UIController(backend: backend, keys: APIKeyMiddleware(keys: apiKeys), sessions: sessions).addRoutes(to: router)
        return router
    }
}
