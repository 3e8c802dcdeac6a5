/// Reads JSON back into `JSONValue`, the inverse of its writer: strings come back as the raw
/// bytes they were written from, so a lone surrogate escape `\udcXX` (how the writer spells a
/// byte of a non-UTF-8 file name, Python's "surrogateescape") becomes the byte `XX` again.
/// Foundation's parser rejects lone surrogates, which is why the hash files need this one.
public struct JSONParseError: Error, CustomStringConvertible, Equatable {
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at byte \(offset)" }
}

extension JSONValue {
    /// Nesting deeper than this is refused (no recursion can exhaust the stack on hostile input).
    static let maxDepth = 512

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        var p = Parser(bytes: bytes)
        p.skipSpace()
        let value = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw p.fail("unexpected text after the JSON value") }
        return value
    }

    /// The value of `key` in an object, or nil (also when this is not an object).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        let k = Array(key.utf8)
        return pairs.last { $0.0 == k }?.1
    }

    public var stringBytes: [UInt8]? { if case .string(let s) = self { return s } else { return nil } }
    public var stringValue: String? { stringBytes.map { String(decoding: $0, as: UTF8.self) } }
    public var intValue: Int? { if case .int(let i) = self { return i } else { return nil } }
    public var arrayValue: [JSONValue]? {
        switch self {
        case .array(let a): return a
        case .lazyArray(let a): return (0..<a.count).map(a.element)
        default: return nil
        }
    }
    public var objectPairs: [([UInt8], JSONValue)]? { if case .object(let o) = self { return o } else { return nil } }
}

private struct Parser {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func expect(_ word: String, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("invalid literal") }
        i += w.count
        return value
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < JSONValue.maxDepth else { throw fail("nested too deeply") }
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var pairs = [([UInt8], JSONValue)]()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipSpace()
                pairs.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard i < bytes.count else { throw fail("unexpected end of input in an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            var items = [JSONValue]()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw fail("unexpected end of input in an array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        default: return try number()
        }
    }

    mutating func number() throws(JSONParseError) -> JSONValue {
        let start = i
        var integral = true
        while i < bytes.count {
            let c = bytes[i]
            if (48...57).contains(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
                i += 1
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                integral = false
                i += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if integral, let n = Int(text) { return .int(n) }
        guard !text.isEmpty, let d = Double(text) else { i = start; throw fail("invalid value") }
        return .double(d)
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 97...102: d = UInt32(c - 87)
            case 65...70: d = UInt32(c - 55)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// A string starting at the opening quote, as bytes.
    mutating func string() throws(JSONParseError) -> [UInt8] {
        i += 1
        var out = [UInt8]()
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; return out }
            if c < 0x20 { throw fail("control character in a string") }
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar), i + 6 <= bytes.count,
                   bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let low = try hex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = save
                    }
                }
                if (0xDC80...0xDCFF).contains(scalar) {
                    out.append(UInt8(scalar - 0xDC00))  // surrogateescape: one raw byte
                } else if let u = Unicode.Scalar(scalar) {
                    out += Array(String(Character(u)).utf8)
                } else {
                    throw fail("lone surrogate \\u\(String(scalar, radix: 16)) that is not an escaped byte")
                }
            default: throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }
}
