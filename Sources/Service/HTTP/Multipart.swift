import Foundation
import MultipartKit
import NIOCore

/// One part of a multipart/form-data body.
struct FormPart {
    /// The form field name.
    var name: String?
    /// The file name as bytes: `%XX` escapes are decoded, so a client can send names that are
    /// not UTF-8 (HTTP header text cannot carry them otherwise).
    var filename: [UInt8]?
    var body: [UInt8]
}

/// multipart/form-data through vapor's MultipartKit parser, with the checks a server needs on
/// top: the boundary from the header, a body that ends before its closing boundary is an error
/// (a client cut off mid-upload), and a part count limit.
enum Multipart {
    static func isMultipart(_ contentType: String?) -> Bool {
        contentType?.lowercased().hasPrefix("multipart/form-data") ?? false
    }

    static func boundary(_ contentType: String) -> String? {
        for piece in contentType.split(separator: ";").dropFirst() {
            let kv = piece.trimmingCharacters(in: .whitespaces)
            guard kv.lowercased().hasPrefix("boundary=") else { continue }
            var value = String(kv.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    static func parse(_ body: ByteBuffer, contentType: String, maxParts: Int) throws(ServiceError) -> [FormPart] {
        guard let boundary = boundary(contentType) else {
            throw ServiceError(.badRequest, "multipart/form-data without a boundary parameter in Content-Type")
        }
        // MultipartKit 4.7 traps (index out of range) on a header name byte >= 0x80: such a body
        // must never reach it.
        guard headerNamesAreASCII(body, boundary: boundary) else {
            throw ServiceError(.badRequest, "a part header name of the multipart/form-data body is not ASCII")
        }
        let parser = MultipartParser(boundary: boundary)
        var parts = [FormPart]()
        var headers = [(String, String)]()
        var data = [UInt8]()
        var open = false
        var tooMany = false
        parser.onHeader = { name, value in
            open = true
            headers.append((name, value))
        }
        parser.onBody = { buffer in
            open = true
            data += buffer.readableBytesView
        }
        parser.onPartComplete = {
            if parts.count >= maxParts { tooMany = true }
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            let params = Self.dispositionParameters(disposition)
            if !tooMany {
                parts.append(FormPart(name: params["name"], filename: params["filename"].map(Self.percentDecoded), body: data))
            }
            headers = []
            data = []
            open = false
        }
        do {
            try parser.execute(body)
        } catch {
            throw ServiceError(.badRequest, "the multipart/form-data body is malformed (\(error)); check the boundary and part headers")
        }
        if tooMany {
            throw ServiceError(.tooLarge, "more than \(maxParts) parts in one request (--max-images-per-request); send them in several requests")
        }
        // The parser accepts a body that simply stops; the closing boundary says it is whole.
        let closing = Array("--\(boundary)--".utf8)
        var tail = Array(body.readableBytesView.suffix(closing.count + 8))
        while let last = tail.last, last == 0x0A || last == 0x0D || last == 0x20 || last == 0x09 { tail.removeLast() }
        if open || !tail.ends(with: closing) {
            throw ServiceError(.badRequest, "the multipart/form-data body ends before its closing boundary (was the upload cut off?)")
        }
        return parts
    }

    /// Whether every header name of every part (the text before ':' on the lines between a
    /// delimiter and the blank line) is ASCII.
    static func headerNamesAreASCII(_ body: ByteBuffer, boundary: String) -> Bool {
        let bytes = Array(body.readableBytesView)
        let delimiter = Array("--\(boundary)".utf8)
        var i = 0
        while let d = find(delimiter, in: bytes, from: i) {
            var j = d + delimiter.count
            if j + 1 < bytes.count, bytes[j] == UInt8(ascii: "-"), bytes[j + 1] == UInt8(ascii: "-") { return true }
            guard let eol = find([13, 10], in: bytes, from: j) else { return true }
            j = eol + 2
            let end = find([13, 10, 13, 10], in: bytes, from: j) ?? bytes.count
            var lineStart = j
            while lineStart < end {
                let lineEnd = find([13, 10], in: bytes, from: lineStart).map { min($0, end) } ?? end
                var k = lineStart
                while k < lineEnd, bytes[k] != UInt8(ascii: ":") {
                    if bytes[k] >= 0x80 { return false }
                    k += 1
                }
                lineStart = lineEnd + 2
            }
            i = end
        }
        return true
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        var i = start
        let first = needle[0]
        while i <= bytes.count - needle.count {
            if bytes[i] == first, bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
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

    /// `%XX` escapes to bytes; anything else as its UTF-8.
    static func percentDecoded(_ s: String) -> [UInt8] {
        let bytes = Array(s.utf8)
        var out = [UInt8]()
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
