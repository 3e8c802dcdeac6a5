import Foundation
import NIOCore

/// One part of a multipart/form-data body.
struct FormPart: Sendable {
    /// The form field name.
    var name: String?
    /// The file name as bytes: `%XX` escapes are decoded, so a client can send names that are
    /// not UTF-8 (HTTP header text cannot carry them otherwise).
    var filename: [UInt8]?
    /// The part's content: a slice of the request body, sharing its storage (no copy).
    var data: ByteBuffer
    /// The content as an array (one copy, made only where an array is needed).
    var body: [UInt8] { Array(data.readableBytesView) }
}

/// A strict multipart/form-data parser (the syntax of RFC 2046 section 5.1.1): written here
/// instead of using a library because the one used before (MultipartKit) trapped on hostile
/// bytes, taking the whole server down. Every step is a bounds-checked scan over the body's
/// bytes, so no input can make it trap; whatever does not fit the syntax is a 400.
///
/// The syntax it accepts:
/// - a delimiter is CRLF `--boundary` (the first one may also open the body), followed by
///   optional transport padding (spaces, tabs) and CRLF; the closing delimiter is followed by
///   `--`. `--boundary` anywhere else (not at the start of a line) is content.
/// - after a delimiter: header lines `Name: value` (at most `maxHeaderLines`, each at most
///   `maxHeaderLineBytes`), a blank line, then the content up to the next delimiter.
/// - after the closing delimiter only white space (anything else means a body cut or garbled).
enum Multipart {
    /// Part header limits: real clients send two or three short lines.
    static let maxHeaderLines = 32
    static let maxHeaderLineBytes = 8192

    static func isMultipart(_ contentType: String?) -> Bool {
        contentType?.lowercased().hasPrefix("multipart/form-data") ?? false
    }

    static func boundary(_ contentType: String) -> String? {
        for piece in contentType.split(separator: ";").dropFirst() {
            let kv = piece.trimmingCharacters(in: .whitespaces)
            guard kv.lowercased().hasPrefix("boundary=") else { continue }
            var value = String(kv.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.utf8.count > 200 ? nil : value
        }
        return nil
    }

    static func parse(_ body: ByteBuffer, contentType: String, maxParts: Int) throws(ServiceError) -> [FormPart] {
        guard let boundary = boundary(contentType) else {
            throw ServiceError(.badRequest, "multipart/form-data without a boundary parameter in Content-Type")
        }
        let dashBoundary = Array("--\(boundary)".utf8)
        let scanned = body.withUnsafeReadableBytes { raw in
            BodyScanner(bytes: raw, dashBoundary: dashBoundary, maxParts: maxParts).parts()
        }
        switch scanned {
        case .failure(let error):
            throw error
        case .success(let found):
            return found.map { part in
                let params = dispositionParameters(part.disposition ?? "")
                let slice = body.getSlice(at: body.readerIndex + part.content.lowerBound, length: part.content.count)
                    ?? ByteBuffer()  // the range lies inside the readable bytes by construction
                return FormPart(name: params["name"], filename: params["filename"].map(PercentDecoding.lenientBytes), data: slice)
            }
        }
    }

    /// A part as found by the scanner: its Content-Disposition value and where its content lies
    /// (offsets into the readable bytes).
    struct ScannedPart {
        var disposition: String?
        var content: Range<Int>
    }

    /// The scan itself, over the body's bytes; only offsets come out.
    struct BodyScanner {
        let bytes: UnsafeRawBufferPointer
        let dashBoundary: [UInt8]
        let maxParts: Int

        static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), dash = UInt8(ascii: "-")

        func malformed(_ what: String) -> ServiceError {
            ServiceError(.badRequest, "the multipart/form-data body is malformed: \(what); check the boundary and part headers")
        }

        func parts() -> Result<[ScannedPart], ServiceError> {
            // The first delimiter may open the body without a CRLF before it.
            var afterDelimiter: AfterDelimiter
            if matches(dashBoundary, at: 0), let end = delimiterEnd(after: dashBoundary.count) {
                afterDelimiter = end
            } else if let first = nextDelimiter(from: 0) {
                afterDelimiter = first.after
            } else {
                return .failure(malformed("no '--\(String(decoding: dashBoundary.dropFirst(2), as: UTF8.self))' delimiter line (the boundary of Content-Type)"))
            }
            var found = [ScannedPart]()
            while true {
                switch afterDelimiter {
                case .closing(let at):
                    // Only white space may follow the closing delimiter.
                    for i in at..<bytes.count where ![Self.cr, Self.lf, 0x20, 0x09].contains(bytes[i]) {
                        return .failure(malformed("text after the closing delimiter"))
                    }
                    return .success(found)
                case .part(let start):
                    if found.count >= maxParts {
                        return .failure(ServiceError(.tooLarge, "more than \(maxParts) parts in one request (--max-images-per-request); send them in several requests"))
                    }
                    let disposition: String?, contentStart: Int
                    switch headers(from: start) {
                    case .failure(let error): return .failure(error)
                    case .success(let h): (disposition, contentStart) = h
                    }
                    guard let next = nextDelimiter(from: contentStart) else {
                        return .failure(ServiceError(.badRequest, "the multipart/form-data body ends before its closing boundary (was the upload cut off?)"))
                    }
                    found.append(ScannedPart(disposition: disposition, content: contentStart..<next.at))
                    afterDelimiter = next.after
                }
            }
        }

        /// What follows a delimiter: a part starting at an offset, or the end (closing delimiter).
        enum AfterDelimiter {
            case part(Int)
            case closing(Int)
        }

        func matches(_ needle: [UInt8], at i: Int) -> Bool {
            guard i >= 0, i <= bytes.count - needle.count else { return false }
            for k in 0..<needle.count where bytes[i + k] != needle[k] { return false }
            return true
        }

        /// After `--boundary` at `i`: `--` (closing), or transport padding then CRLF (a part
        /// follows); nil when neither (then it was not a delimiter).
        func delimiterEnd(after i: Int) -> AfterDelimiter? {
            if i + 1 < bytes.count, bytes[i] == Self.dash, bytes[i + 1] == Self.dash { return .closing(i + 2) }
            var j = i
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
            guard j + 1 < bytes.count, bytes[j] == Self.cr, bytes[j + 1] == Self.lf else { return nil }
            return .part(j + 2)
        }

        /// The next CRLF `--boundary` delimiter at or after `from`: where its CRLF starts, and what follows it.
        func nextDelimiter(from: Int) -> (at: Int, after: AfterDelimiter)? {
            var i = max(0, from)
            let needed = 2 + dashBoundary.count
            guard let base = bytes.baseAddress else { return nil }
            while i <= bytes.count - needed {
                // memchr finds the next CR quickly; the rest is compared byte by byte.
                guard let hit = memchr(base + i, Int32(Self.cr), bytes.count - needed + 1 - i) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if bytes[at + 1] == Self.lf, matches(dashBoundary, at: at + 2), let end = delimiterEnd(after: at + needed) {
                    return (at, end)
                }
                i = at + 1
            }
            return nil
        }

        /// The header lines from `start` to the blank line: the Content-Disposition value and
        /// where the content starts.
        func headers(from start: Int) -> Result<(String?, Int), ServiceError> {
            var disposition: String?
            var lineStart = start
            var lines = 0
            while true {
                guard let base = bytes.baseAddress, lineStart < bytes.count else {
                    return .failure(ServiceError(.badRequest, "the multipart/form-data body ends in a part's headers (was the upload cut off?)"))
                }
                let window = min(bytes.count - lineStart, Multipart.maxHeaderLineBytes + 2)
                guard let hit = memchr(base + lineStart, Int32(Self.lf), window) else {
                    if window < Multipart.maxHeaderLineBytes + 2 {
                        return .failure(ServiceError(.badRequest, "the multipart/form-data body ends in a part's headers (was the upload cut off?)"))
                    }
                    return .failure(malformed("a part header line is longer than \(Multipart.maxHeaderLineBytes) bytes"))
                }
                let lf = base.distance(to: UnsafeRawPointer(hit))
                guard lf > lineStart, bytes[lf - 1] == Self.cr else { return .failure(malformed("a part header line does not end with CRLF")) }
                let line = lineStart..<(lf - 1)
                if line.isEmpty { return .success((disposition, lf + 1)) }
                lines += 1
                guard lines <= Multipart.maxHeaderLines else {
                    return .failure(malformed("more than \(Multipart.maxHeaderLines) header lines in one part"))
                }
                guard line.count <= Multipart.maxHeaderLineBytes else {
                    return .failure(malformed("a part header line is longer than \(Multipart.maxHeaderLineBytes) bytes"))
                }
                guard let colon = line.first(where: { bytes[$0] == UInt8(ascii: ":") }), colon > line.lowerBound else {
                    return .failure(malformed("a part header line without 'Name:'"))
                }
                // A header name is a token: visible ASCII without separators (so no byte >= 0x80,
                // no white space, no folded continuation line).
                for k in line.lowerBound..<colon where !Self.isTokenByte(bytes[k]) {
                    return .failure(malformed("a part header name with a byte that is not an ASCII token character"))
                }
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line.lowerBound..<colon]), as: UTF8.self)
                if name.lowercased() == "content-disposition", disposition == nil {
                    let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(colon + 1)..<line.upperBound]), as: UTF8.self)
                    disposition = value.trimmingCharacters(in: .whitespaces)
                }
                lineStart = lf + 1
            }
        }

        static func isTokenByte(_ c: UInt8) -> Bool {
            guard c > 0x20, c < 0x7F else { return false }
            return !"()<>@,;:\\\"/[]?={}".utf8.contains(c)
        }
    }

    /// `form-data; name="x"; filename="a b.jpg"` -> ["name": "x", "filename": "a b.jpg"].
    static func dispositionParameters(_ header: String) -> [String: String] {
        var out = [String: String]()
        var rest = Substring(header)
        // Skip the disposition type.
        if let semi = rest.firstIndex(of: ";") { rest = rest[rest.index(after: semi)...] } else { return out }
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == ";" }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                var end = rest.endIndex
                for i in rest.indices {
                    let c = rest[i]
                    if escaped { value.append(c); escaped = false; continue }
                    if c == "\\" { escaped = true; continue }
                    if c == "\"" { end = i; break }
                    value.append(c)
                }
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            if out[key] == nil { out[key] = value }
        }
        return out
    }
}
