import Hummingbird

/// With keys configured (`--api-key-file`), a request must carry `Authorization: Bearer KEY`
/// with one of them. Keys are compared in constant time (every byte of every key is looked
/// at), so response timing tells an attacker nothing about how close a guess was.
/// A request without `Authorization` may instead carry the cookie of a curator's session
/// (`UISessions`, opened on /ui/login with a key): the pages' script calls the API with it.
/// Cross-site use of that cookie is stopped twice: it is `SameSite=Strict`, and the origin
/// guard refuses state changes from other origins.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: [[UInt8]]
    let sessions: UISessions?

    init(keys: Set<String>, sessions: UISessions? = nil) {
        self.keys = keys.sorted().map { Array($0.utf8) }
        self.sessions = sessions
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !keys.isEmpty else { return try await next(request, context) }
        if request.headers[.authorization] == nil, let sessions, sessions.authorises(request) { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix) else {
            throw Problem(.unauthorized, "this server requires an API key: send Authorization: Bearer KEY",
                          headers: [.wwwAuthenticate: "Bearer realm=\"crosshash\""])
        }
        guard accepts(String(decoding: header.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)) else {
            throw Problem(.unauthorized, "the API key is not valid for this server",
                          headers: [.wwwAuthenticate: "Bearer realm=\"crosshash\", error=\"invalid_token\""])
        }
        return try await next(request, context)
    }

    /// Time depends only on the lengths, never on where the first difference is.
    /// Whether `given` is one of the keys (constant time, as for bearer tokens).
    func accepts(_ given: String) -> Bool {
        let bytes = Array(given.utf8)
        var matched = false
        for key in keys { matched = Self.constantTimeEqual(bytes, key) || matched }
        return matched
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0, y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0
    }
}
