import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small blocking HTTP/1.1 client over POSIX sockets, for the `crosshash serve` end-to-end
/// tests. It only ever talks to the loopback address (127.0.0.1); every read has a timeout
/// (SO_RCVTIMEO), so a server that never answers fails a test instead of hanging it.
struct HTTPResponse {
    var status: Int
    /// Header names lower-cased, in the order received.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.name == n }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as JSON (lone `\udcXX` surrogate escapes, the spelling of non-UTF-8 bytes, read
    /// as the private-use characters U+E0XX; see `TestJSON`).
    func json() throws -> Any { try TestJSON.parse(body) }

    /// The body as a JSON object, or an empty one (the caller's assertions then say what is missing).
    var object: [String: Any] { ((try? json()) as? [String: Any]) ?? [:] }

    var contentType: String { header("content-type") ?? "" }

    var summary: String { "HTTP \(status) \(contentType): \(String(text.prefix(600)))" }
}

enum HTTPClientError: Error, CustomStringConvertible {
    case refusedHost(String)
    case socket(String)
    case timeout(String)
    case closed(String)
    case malformed(String)

    var description: String {
        switch self {
        case .refusedHost(let h): return "refused host \(h): these tests only talk to 127.0.0.1"
        case .socket(let s): return "socket: \(s)"
        case .timeout(let s): return "timed out: \(s)"
        case .closed(let s): return "connection closed: \(s)"
        case .malformed(let s): return "malformed response: \(s)"
        }
    }
}

/// One TCP connection to 127.0.0.1:port, with raw send and buffered receive.
final class HTTPConnection {
    private(set) var fd: Int32 = -1
    private var buffer = [UInt8]()
    /// Whether the peer closed (recv returned 0) or reset the connection.
    private(set) var peerClosed = false
    private(set) var lastError: String?

    init(host: String = "127.0.0.1", port: UInt16, timeout: TimeInterval = 30) throws {
        guard host == "127.0.0.1" || host == "localhost" else { throw HTTPClientError.refusedHost(host) }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError.socket("socket(): \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            fd = -1
            throw HTTPClientError.socket("connect(127.0.0.1:\(port)): \(message)")
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Half-closes: the server sees the end of the request stream.
    func shutdownWrite() { if fd >= 0 { shutdown(fd, Int32(SHUT_WR)) } }

    /// Sends every byte; false when the peer closed or reset the connection first (never SIGPIPE).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                lastError = String(cString: strerror(errno))
                return false
            }
            offset += n
        }
        return true
    }

    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads more bytes into the buffer; false on close, reset or timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer += chunk[0..<n]
                return true
            }
            if n == 0 { peerClosed = true; return false }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPClientError.timeout("no data from the server within the receive timeout") }
            lastError = String(cString: strerror(errno))
            peerClosed = true
            return false
        }
    }

    /// Everything the server sends until it closes the connection (or the timeout, or `max` bytes).
    func readUntilClosed(max: Int = 16 << 20) -> (bytes: [UInt8], closed: Bool) {
        while buffer.count < max {
            do { if try !fill() { break } } catch { return (buffer, false) }
        }
        let out = buffer
        buffer.removeAll()
        return (out, peerClosed)
    }

    private func readLine() throws -> String {
        while true {
            if let i = findCRLF() {
                let line = String(decoding: buffer[0..<i], as: UTF8.self)
                buffer.removeFirst(i + 2)
                return line
            }
            guard try fill() else { throw HTTPClientError.closed("while reading a line (\(buffer.count) bytes pending)") }
        }
    }

    private func findCRLF() -> Int? {
        guard buffer.count >= 2 else { return nil }
        for i in 0..<(buffer.count - 1) where buffer[i] == 13 && buffer[i + 1] == 10 { return i }
        return nil
    }

    private func readExactly(_ n: Int) throws -> [UInt8] {
        while buffer.count < n {
            guard try fill() else { throw HTTPClientError.closed("body ended after \(buffer.count) of \(n) bytes") }
        }
        let out = Array(buffer[0..<n])
        buffer.removeFirst(n)
        return out
    }

    /// Reads one response (skipping 1xx interim responses): by Content-Length, chunked transfer
    /// encoding, or until the connection closes.
    func readResponse(forHEAD: Bool = false) throws -> HTTPResponse {
        while true {
            let statusLine = try readLine()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
                throw HTTPClientError.malformed("status line '\(statusLine)'")
            }
            var headers = [(name: String, value: String)]()
            while true {
                let line = try readLine()
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else { throw HTTPClientError.malformed("header line '\(line)'") }
                headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            if (100..<200).contains(status) { continue }
            var response = HTTPResponse(status: status, headers: headers, body: [])
            if forHEAD || status == 204 || status == 304 { return response }
            if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
                var body = [UInt8]()
                while true {
                    let sizeLine = try readLine()
                    let hex = sizeLine.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                    guard let size = Int(hex, radix: 16), size >= 0 else { throw HTTPClientError.malformed("chunk size '\(sizeLine)'") }
                    if size == 0 {
                        while try !readLine().isEmpty {}  // trailers
                        break
                    }
                    body += try readExactly(size)
                    guard try readLine().isEmpty else { throw HTTPClientError.malformed("no CRLF after a chunk") }
                }
                response.body = body
            } else if let length = response.header("content-length") {
                guard let n = Int(length), n >= 0 else { throw HTTPClientError.malformed("content-length '\(length)'") }
                response.body = try readExactly(n)
            } else {
                response.body = readUntilClosed().bytes
            }
            return response
        }
    }
}

/// Blocking requests to one server on 127.0.0.1, one connection per request.
struct HTTPClient {
    var port: UInt16
    var timeout: TimeInterval = 60
    /// Headers sent with every request (e.g. the API key).
    var defaultHeaders: [(String, String)] = []

    init(port: UInt16, host: String = "127.0.0.1", timeout: TimeInterval = 60, defaultHeaders: [(String, String)] = []) throws {
        guard host == "127.0.0.1" || host == "localhost" else { throw HTTPClientError.refusedHost(host) }
        self.port = port
        self.timeout = timeout
        self.defaultHeaders = defaultHeaders
    }

    func connect() throws -> HTTPConnection { try HTTPConnection(port: port, timeout: timeout) }

    /// The bytes of a request: request line, Host, the given headers, Content-Length (unless
    /// given or `contentLength` is false), Connection: close, then the body.
    static func requestBytes(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [],
                             port: UInt16, contentLength: Bool = true) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        let hasLength = headers.contains { $0.0.lowercased() == "content-length" || $0.0.lowercased() == "transfer-encoding" }
        if contentLength && !hasLength && (!body.isEmpty || ["POST", "PUT", "PATCH"].contains(method)) {
            head += "Content-Length: \(body.count)\r\n"
        }
        if !headers.contains(where: { $0.0.lowercased() == "connection" }) { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPResponse {
        let conn = try connect()
        defer { conn.close() }
        let bytes = Self.requestBytes(method, path, headers: defaultHeaders + headers, body: body, port: port)
        let sent = conn.send(bytes)
        // A server may answer (e.g. 413) and close before reading the whole body: read what it said.
        do {
            return try conn.readResponse(forHEAD: method == "HEAD")
        } catch {
            if !sent { throw HTTPClientError.closed("send failed (\(conn.lastError ?? "?")) and no response: \(error)") }
            throw error
        }
    }

    func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPResponse {
        try request("GET", path, headers: headers)
    }

    func postJSON(_ path: String, _ object: Any, headers: [(String, String)] = []) throws -> HTTPResponse {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: Array(data))
    }

    /// A JSON body given as text (for hand-written JSON: surrogate escapes, malformed documents).
    func postJSONText(_ path: String, _ text: String, method: String = "POST", headers: [(String, String)] = []) throws -> HTTPResponse {
        try request(method, path, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
    }

    func putJSON(_ path: String, _ object: Any?) throws -> HTTPResponse {
        guard let object else { return try request("PUT", path) }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try request("PUT", path, headers: [("Content-Type", "application/json")], body: Array(data))
    }

    func postMultipart(_ path: String, _ form: MultipartForm, headers: [(String, String)] = []) throws -> HTTPResponse {
        try request("POST", path, headers: [("Content-Type", form.contentType)] + headers, body: form.body)
    }

    /// Sends raw bytes on a fresh connection, optionally half-closes, and returns whatever the
    /// server answers until it closes (nil response when nothing parseable came back).
    func raw(_ bytes: [UInt8], shutdownAfter: Bool = false, readTimeout: TimeInterval? = nil)
        throws -> (response: HTTPResponse?, bytes: [UInt8], closed: Bool, sendCompleted: Bool) {
        let conn = try HTTPConnection(port: port, timeout: readTimeout ?? timeout)
        defer { conn.close() }
        let sent = conn.send(bytes)
        if shutdownAfter { conn.shutdownWrite() }
        let (received, closed) = conn.readUntilClosed()
        var response: HTTPResponse?
        if !received.isEmpty { response = Self.parse(received) }
        return (response, received, closed, sent)
    }

    /// Parses the first response in a byte buffer (for raw exchanges).
    static func parse(_ bytes: [UInt8]) -> HTTPResponse? {
        guard let end = (0..<max(0, bytes.count - 3)).first(where: {
            bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10
        }) else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = head[0].split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return nil }
        var headers = [(name: String, value: String)]()
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(bytes[(end + 4)...])
        if let length = headers.first(where: { $0.name == "content-length" }).flatMap({ Int($0.value) }), length <= body.count {
            body = Array(body[0..<length])
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}

/// A multipart/form-data body. File names are sent with every byte outside printable ASCII
/// (and `%`, `"`, `\`) as a `%XX` escape, which the server decodes back to bytes, so names
/// that are not UTF-8 can be sent.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: [UInt8]?
        var contentType: String?
        var data: [UInt8]
    }

    let boundary = "crosshash-test-boundary-" + UUID().uuidString
    private(set) var parts = [Part]()

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func add(name: String, filename: String?, contentType: String? = "application/octet-stream", data: [UInt8]) {
        parts.append(Part(name: name, filename: filename.map { Array($0.utf8) }, contentType: contentType, data: data))
    }

    /// A part whose file name is raw bytes (not necessarily UTF-8).
    mutating func add(name: String, filenameBytes: [UInt8], contentType: String? = "application/octet-stream", data: [UInt8]) {
        parts.append(Part(name: name, filename: filenameBytes, contentType: contentType, data: data))
    }

    /// An image part: form name "file", file name as given.
    mutating func addFile(_ filename: String, _ data: [UInt8]) { add(name: "file", filename: filename, data: data) }

    static func escape(_ bytes: [UInt8]) -> String {
        var out = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "%") && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                out.append(Character(Unicode.Scalar(b)))
            } else {
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    var body: [UInt8] {
        var out = [UInt8]()
        for p in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(p.name)\""
            if let f = p.filename { head += "; filename=\"\(Self.escape(f))\"" }
            head += "\r\n"
            if let t = p.contentType { head += "Content-Type: \(t)\r\n" }
            head += "\r\n"
            out += Array(head.utf8) + p.data + Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }
}

/// JSON with the server's spelling of non-UTF-8 bytes: a lone surrogate escape `\udcXX` (which
/// Foundation's parser refuses) is read as the private-use character U+E0XX instead.
enum TestJSON {
    static func parse(_ bytes: [UInt8]) throws -> Any {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        func isHex(_ c: UInt8) -> Bool { (48...57).contains(c) || (97...102).contains(c | 0x20) }
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\\"), i + 1 < bytes.count {
                if bytes[i + 1] == UInt8(ascii: "u"), i + 5 < bytes.count,
                   bytes[i + 2] | 0x20 == UInt8(ascii: "d"), bytes[i + 3] | 0x20 == UInt8(ascii: "c"),
                   isHex(bytes[i + 4]), isHex(bytes[i + 5]) {
                    out += Array("\\ue0".utf8) + [bytes[i + 4], bytes[i + 5]]
                    i += 6
                } else {
                    out += [c, bytes[i + 1]]
                    i += 2
                }
            } else {
                out.append(c)
                i += 1
            }
        }
        return try JSONSerialization.jsonObject(with: Data(out), options: [.fragmentsAllowed])
    }

    /// The string `parse` gives for file-name bytes: valid UTF-8 sequences as themselves, every
    /// other byte as U+E0XX (like the server's `\udcXX`).
    static func key(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            var matched = false
            for n in (1...4).reversed() where i + n <= bytes.count {
                if let s = String(validating: bytes[i..<(i + n)], as: UTF8.self), s.unicodeScalars.count == 1 {
                    out += s
                    i += n
                    matched = true
                    break
                }
            }
            if !matched {
                out.unicodeScalars.append(Unicode.Scalar(0xE000 + UInt32(bytes[i]))!)
                i += 1
            }
        }
        return out
    }
}
