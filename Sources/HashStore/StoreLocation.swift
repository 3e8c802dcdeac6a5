import Foundation

/// Where `--store` points: an SQLite file (any value that is not a PostgreSQL URL, as before) or
/// a PostgreSQL database named by a libpq-style URL, `postgresql://USER@HOST[:PORT]/DB[?sslmode=M]`.
///
/// The URL form is deliberately narrower than libpq's: one host, a user and a database always
/// named, `sslmode` the only parameter, and never a password in the URL (it would sit in shell
/// histories, process lists and logs): the password comes from `--store-password-file` or
/// `PGPASSWORD`. Anything else is refused with a message rather than guessed at, so a typo never
/// becomes an SQLite file named "postgresql:...".
public enum StoreLocation: Equatable, Sendable {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// Parses a `--store` value. `passwordFile`: the `--store-password-file` value, read here
    /// (only for a PostgreSQL URL); else the password is `environment["PGPASSWORD"]`, else none
    /// (libpq then tries ~/.pgpass, or the server needs none).
    public static func parse(_ value: String, passwordFile: String? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreLocation {
        guard !value.isEmpty else { throw StoreLocationError("the --store value is empty: give a file path or a postgresql:// URL") }
        let lower = value.lowercased()
        guard lower.hasPrefix("postgresql:") || lower.hasPrefix("postgres:") else {
            if passwordFile != nil {
                throw StoreLocationError("--store-password-file is for a postgresql:// store, and --store \(value) is an SQLite file")
            }
            guard !value.utf8.contains(0) else { throw StoreLocationError("the --store path contains a NUL byte") }
            return .sqlite(path: value)
        }
        var location = try PostgresLocation(url: value)
        if let passwordFile {
            location.password = try PostgresLocation.readPassword(passwordFile)
        } else if let password = environment["PGPASSWORD"], !password.isEmpty {
            guard !password.utf8.contains(0) else { throw StoreLocationError("PGPASSWORD contains a NUL byte") }
            location.password = password
        }
        return .postgres(location)
    }
}

/// Why a `--store` value (or its password) cannot be used; the message says what to change.
public struct StoreLocationError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A PostgreSQL database to use as the store, with the connection settings libpq is given
/// (each as its own keyword, never pasted into a connection string).
public struct PostgresLocation: Equatable, Sendable {
    /// libpq's sslmode values.
    public static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    public var user: String
    /// A host name, an IPv4 address or an IPv6 address (without its brackets).
    public var host: String
    public var port: Int
    public var database: String
    /// nil: libpq's default (prefer).
    public var sslmode: String?
    public var password: String?

    public init(user: String, host: String, port: Int = 5432, database: String, sslmode: String? = nil, password: String? = nil) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.sslmode = sslmode
        self.password = password
    }

    /// The URL without its password, for messages and outputs.
    public var displayURL: String {
        let h = host.contains(":") ? "[\(host)]" : host
        var url = "postgresql://\(Self.encode(user))@\(h):\(port)/\(Self.encode(database))"
        if let sslmode { url += "?sslmode=\(sslmode)" }
        return url
    }

    /// The libpq keywords and values of a connection (PQconnectdbParams with expand_dbname 0, so
    /// no value is ever read as a connection string).
    public var connectionParameters: [(String, String)] {
        var p: [(String, String)] = [("host", host), ("port", String(port)), ("user", user), ("dbname", database),
                                     ("client_encoding", "UTF8"), ("application_name", "crosshash"),
                                     ("connect_timeout", "10")]
        if let sslmode { p.append(("sslmode", sslmode)) }
        if let password { p.append(("password", password)) }
        return p
    }

    /// Parses `postgresql://USER@HOST[:PORT]/DB[?sslmode=M]` (or `postgres://`); user and
    /// database are percent-decoded as libpq does.
    public init(url: String) throws {
        func bad(_ why: String) -> StoreLocationError {
            StoreLocationError("--store \(Self.redacted(url)) is not a PostgreSQL URL postgresql://USER@HOST[:PORT]/DB[?sslmode=MODE]: \(why)")
        }
        let lower = url.lowercased()
        let scheme = lower.hasPrefix("postgresql://") ? "postgresql://" : lower.hasPrefix("postgres://") ? "postgres://" : nil
        guard let scheme else { throw bad("it must start with postgresql://") }
        guard !url.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw bad("it contains a space or a control character (percent-encode it)")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        guard !rest.contains("#") else { throw bad("it has a #fragment") }

        var query: Substring?
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw bad("it names no database (/DB)") }
        let authority = rest[..<slash]
        let databaseText = rest[rest.index(after: slash)...]
        guard !databaseText.contains("/") else { throw bad("the database name holds a / (percent-encode it as %2F)") }
        guard let at = authority.lastIndex(of: "@") else { throw bad("it names no user (USER@)") }
        let userInfo = authority[..<at]
        var hostPort = authority[authority.index(after: at)...]
        guard !userInfo.contains(":") else {
            throw bad("it holds a password: put the password in a file given to --store-password-file, or in PGPASSWORD")
        }
        guard let user = Self.decode(userInfo), !user.isEmpty else { throw bad("the user is empty or badly percent-encoded") }
        guard let database = Self.decode(databaseText), !database.isEmpty else {
            throw bad("the database is empty or badly percent-encoded")
        }

        var portText: Substring?
        let host: Substring
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw bad("an IPv6 address has no closing ]") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("something follows the IPv6 address other than :PORT") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw bad("[\(host)] is not an IPv6 address")
            }
        } else {
            if let colon = hostPort.firstIndex(of: ":") {
                portText = hostPort[hostPort.index(after: colon)...]
                hostPort = hostPort[..<colon]
            }
            host = hostPort
            guard !host.isEmpty else { throw bad("it names no host (a unix socket folder is not supported)") }
            guard !host.contains(",") else { throw bad("it names several hosts; name one") }
            // Host names and IPv4 addresses: letters, digits, '-', '.', '_'; anything else
            // (a percent-encoded socket folder, '/') is refused.
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }) else {
                throw bad("\(host) is not a host name or address")
            }
        }
        var port = 5432
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let p = Int(portText), (1...65535).contains(p) else {
                throw bad("the port \(portText) is not a number from 1 to 65535")
            }
            port = p
        }

        var sslmode: String?
        if let query, !query.isEmpty {
            for pair in query.split(separator: "&", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let key = Self.decode(parts[0]), let value = Self.decode(parts[1]) else {
                    throw bad("the parameter \(pair) is not NAME=VALUE")
                }
                guard key == "sslmode" else { throw bad("the parameter \(key) is not supported (only sslmode)") }
                guard sslmode == nil else { throw bad("sslmode is given twice") }
                guard Self.sslModes.contains(value) else {
                    throw bad("sslmode \(value) is not one of \(Self.sslModes.joined(separator: ", "))")
                }
                sslmode = value
            }
        }
        self.init(user: user, host: String(host), port: port, database: database, sslmode: sslmode)
    }

    /// The first line of the password file (without its line end); refuses an empty password and
    /// a file with more than one non-empty line (perhaps the wrong file: a .pgpass or a key).
    static func readPassword(_ file: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw StoreLocationError("--store-password-file \(file) cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= 4096 else { throw StoreLocationError("--store-password-file \(file) is larger than 4096 bytes: is it the password?") }
        // Lines split on bytes: as Characters, "\r\n" is one grapheme and would not split on "\n".
        var lines = [UInt8](data).split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { $0.last == 0x0D ? $0.dropLast() : $0 }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard lines.count == 1, let line = lines.first, !line.isEmpty else {
            throw StoreLocationError("--store-password-file \(file) must hold the password on one line (it holds \(lines.count) lines)")
        }
        guard !line.contains(0) else { throw StoreLocationError("--store-password-file \(file) contains a NUL byte") }
        guard let password = String(bytes: line, encoding: .utf8) else {
            throw StoreLocationError("--store-password-file \(file) is not UTF-8 text")
        }
        return password
    }

    /// Percent-decoding as libpq does; nil when a % is not followed by two hex digits, or the
    /// result is not UTF-8 or holds a NUL (libpq takes C strings).
    static func decode(_ text: Substring) -> String? {
        var bytes = [UInt8]()
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let hex = String(bytes: utf8.prefix(2), encoding: .ascii), let value = UInt8(hex, radix: 16),
                      hex.allSatisfy(\.isHexDigit) else { return nil }
                utf8 = utf8.dropFirst(2)
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        guard !bytes.contains(0), let string = String(bytes: bytes, encoding: .utf8) else { return nil }
        return string
    }

    /// Percent-encodes all but unreserved characters (RFC 3986), so `displayURL` parses back.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) {
                out.append(c)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The URL with any password in it replaced, for error messages.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
