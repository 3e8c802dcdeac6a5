import Foundation
import Hummingbird

/// The curators' browser sessions (with `--api-key-file`): the key is typed once on /ui/login
/// and exchanged for a random token kept here, in memory, sent back as an `HttpOnly`,
/// `SameSite=Strict` cookie. The token authorises the pages, the thumbnails and the API calls
/// the pages' script makes, so the key itself never sits in the browser. Sessions expire and
/// are bounded in number (the oldest goes first); a restart ends them all.
public final class UISessions: @unchecked Sendable {
    public static let cookieName = "crosshash_session"
    public static let defaultLifetime: TimeInterval = 12 * 3600
    public static let defaultMaxSessions = 1000

    let lifetime: TimeInterval
    let maxSessions: Int
    private let lock = NSLock()
    /// Token -> expiry.
    private var expiries = [String: Date]()

    public init(lifetime: TimeInterval = UISessions.defaultLifetime, maxSessions: Int = UISessions.defaultMaxSessions) {
        self.lifetime = lifetime
        self.maxSessions = maxSessions
    }

    /// A new session's token: 32 bytes from the system's random source, as hex.
    func open(now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        lock.lock()
        defer { lock.unlock() }
        expiries = expiries.filter { $0.value > now }
        while expiries.count >= maxSessions, let oldest = expiries.min(by: { $0.value < $1.value }) { expiries[oldest.key] = nil }
        expiries[token] = now.addingTimeInterval(lifetime)
        return token
    }

    func close(_ token: String) {
        lock.lock()
        expiries[token] = nil
        lock.unlock()
    }

    /// Whether `token` names a live session.
    func isValid(_ token: String, now: Date = Date()) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let expiry = expiries[token] else { return false }
        if expiry <= now { expiries[token] = nil; return false }
        return true
    }

    /// Whether the request carries the cookie of a live session.
    func authorises(_ request: Request) -> Bool {
        guard let token = Self.token(in: request) else { return false }
        return isValid(token)
    }

    static func token(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0] == cookieName, !pair[1].isEmpty { return pair[1] }
            }
        }
        return nil
    }

    /// The `Set-Cookie` value of a new session. `Secure` when the page was reached over TLS (a
    /// proxy in front says so with `X-Forwarded-Proto: https`; serve itself speaks plain HTTP).
    func cookie(_ token: String, secure: Bool) -> String {
        "\(Self.cookieName)=\(token); Path=/; Max-Age=\(Int(lifetime)); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func expiredCookie(secure: Bool) -> String {
        "\(cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}
