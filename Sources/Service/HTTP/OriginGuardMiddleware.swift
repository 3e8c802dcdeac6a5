import Hummingbird

/// Refuses (403) a state-changing request (POST, PUT, PATCH, DELETE) whose `Origin` header
/// names another origin than the server's own, with or without API keys: a web page elsewhere
/// must not be able to make a visitor's browser start scans or set reviews on a crosshash
/// listening on 127.0.0.1 (browsers send `Origin` with such requests, and the page cannot
/// remove it). Requests without `Origin` are API clients (curl, the Python client) and pass.
///
/// The server's own origin is the request's `Host`: the same host and port, with scheme http
/// or https (https when a TLS proxy sits in front; a `Host` without a port matches the
/// scheme's default port). `Origin: null` (sandboxed frames, local files) is another origin.
struct OriginGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    static var guarded: Set<HTTPRequest.Method> { [.post, .put, .patch, .delete] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.guarded.contains(request.method), let origin = request.headers[.origin] else {
            return try await next(request, context)
        }
        // HTTP/1 `Host` arrives as the authority pseudo-field.
        let host = request.head.authority
        guard Self.sameOrigin(origin: origin, host: host) else {
            throw Problem(.forbidden, "a \(request.method.rawValue) from another origin (\(origin)) is refused: this server only takes "
                          + "state-changing requests from its own pages or from clients that send no Origin header")
        }
        return try await next(request, context)
    }

    /// Whether `origin` ("scheme://host[:port]") is the origin of a server reached as `host`.
    static func sameOrigin(origin: String, host: String?) -> Bool {
        guard let host, let served = Authority(host) else { return false }
        let lower = origin.lowercased()
        let scheme: String, defaultPort: Int
        if lower.hasPrefix("http://") { (scheme, defaultPort) = ("http://", 80) }
        else if lower.hasPrefix("https://") { (scheme, defaultPort) = ("https://", 443) }
        else { return false }
        guard let asked = Authority(String(lower.dropFirst(scheme.count))) else { return false }
        return asked.host == served.host && (asked.port ?? defaultPort) == (served.port ?? defaultPort)
    }

    /// "host", "host:port", "[v6]" or "[v6]:port", host lowercased; nil when malformed (a path,
    /// user info, a bad port).
    struct Authority: Equatable {
        var host: String
        var port: Int?

        init?(_ text: String) {
            let text = text.lowercased()
            guard !text.isEmpty, !text.contains("/"), !text.contains("@") else { return nil }
            var rest = Substring(text)
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                host = String(rest[...close])
                rest = rest[rest.index(after: close)...]
            } else {
                let colon = rest.firstIndex(of: ":") ?? rest.endIndex
                host = String(rest[..<colon])
                rest = rest[colon...]
            }
            guard !host.isEmpty else { return nil }
            if rest.isEmpty { port = nil; return }
            guard rest.hasPrefix(":"), let n = Int(rest.dropFirst()), (0...65535).contains(n) else { return nil }
            port = n
        }
    }
}
