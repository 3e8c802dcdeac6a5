/// A JSON document with one canonical text form, so the same inputs give byte-identical files:
/// objects print their keys sorted by code point, 2-space indentation, `": "` and `","`
/// separators (what Python's `json.dumps(indent=2, sort_keys=True, ensure_ascii=False)` prints).
///
/// Strings are raw bytes. Valid UTF-8 is written as is; a byte that is not part of valid UTF-8
/// (a file name from a non-UTF-8 file system) is written as the lone surrogate `\udcXX`, which
/// is Python's "surrogateescape" form: `os.fsencode(json.load(f)[...])` gives the original bytes.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string([UInt8])
    case array([JSONValue])
    /// Keys are sorted when printed; duplicate keys keep the last value.
    case object([([UInt8], JSONValue)])
    /// An array whose elements are made one at a time while it is written (printed exactly like
    /// `.array`): millions of pairs go to a file without ever being held as values.
    case lazyArray(LazyJSONArray)
    /// A value already printed at a given indentation (a value repeated millions of times, such
    /// as an image reference in pair lists, is printed once).
    case printed(SerializedJSON)

    public static func str(_ s: String) -> JSONValue { .string(Array(s.utf8)) }

    public static func obj(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { (Array($0.0.utf8), $0.1) })
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized() == rhs.serialized() }

    /// The canonical text, ending with a newline.
    public func serialized() -> [UInt8] {
        var out = [UInt8]()
        write(into: &out, indent: 0, flush: nil)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// The canonical text, handed to `flush` in pieces of about `chunk` bytes (lazy arrays are
    /// made and written an element at a time, so memory stays at one piece).
    public func serialize(chunk: Int = 1 << 20, to flush: ([UInt8]) throws -> Void) throws {
        var out = [UInt8]()
        var failure: Error?
        withoutActuallyEscaping(flush) { flush in
            // Answers false once a flush has thrown, as when a reader went away: lazy arrays stop making
            // elements instead of building the rest of the document for nobody.
            let flusher: (inout [UInt8]) -> Bool = { buffer in
                guard failure == nil else { return false }
                guard buffer.count >= chunk else { return true }
                do { try flush(buffer) } catch { failure = error; return false }
                buffer.removeAll(keepingCapacity: true)
                return true
            }
            write(into: &out, indent: 0, flush: flusher)
        }
        if let failure { throw failure }
        out.append(UInt8(ascii: "\n"))
        try flush(out)
    }

    public var text: String { String(decoding: serialized(), as: UTF8.self) }

    fileprivate func write(into out: inout [UInt8], indent: Int, flush: ((inout [UInt8]) -> Bool)?) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .double(let d):
            // Finite values only; Swift's shortest round-trip form is the same as Python's repr.
            out += Array((d.isFinite ? (d == d.rounded() && abs(d) < 1e16 ? String(format1: d) : "\(d)") : "null").utf8)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += Array("[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent + 2)
                item.write(into: &out, indent: indent + 2, flush: flush)
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .printed(let text):
            // The text is only valid at the indentation it was printed at (a pair list nested
            // deeper, e.g. in a service response, prints the value again).
            if text.indent == indent { out += text.bytes } else { text.value.write(into: &out, indent: indent, flush: flush) }
        case .lazyArray(let items):
            if items.count == 0 { out += Array("[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for n in 0..<items.count {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent + 2)
                items.element(n).write(into: &out, indent: indent + 2, flush: flush)
                if let flush, !flush(&out) { return }
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            if pairs.isEmpty { out += Array("{}".utf8); return }
            // Keys already in order and distinct (what the writers build): no sorting needed.
            if zip(pairs, pairs.dropFirst()).allSatisfy({ JSONValue.codePointOrder($0.0, $1.0) }) {
                out.append(UInt8(ascii: "{"))
                for (n, (key, value)) in pairs.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    JSONValue.newline(&out, indent + 2)
                    JSONValue.writeString(key, into: &out)
                    out += [UInt8(ascii: ":"), UInt8(ascii: " ")]
                    value.write(into: &out, indent: indent + 2, flush: flush)
                }
                JSONValue.newline(&out, indent)
                out.append(UInt8(ascii: "}"))
                return
            }
            var unique = [[UInt8]: JSONValue]()
            for (k, v) in pairs { unique[k] = v }
            let keys = unique.keys.sorted { JSONValue.codePointOrder($0, $1) }
            out.append(UInt8(ascii: "{"))
            for (n, key) in keys.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent + 2)
                JSONValue.writeString(key, into: &out)
                out += [UInt8(ascii: ":"), UInt8(ascii: " ")]
                unique[key]?.write(into: &out, indent: indent + 2, flush: flush)
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(UInt8(ascii: "\n"))
        out += [UInt8](repeating: UInt8(ascii: " "), count: indent)
    }

    /// UTF-8 byte order is code point order, which is how Python sorts keys (surrogate-escaped
    /// bytes sort as U+DC80.. in Python; they are rare enough that byte order is kept simple).
    static func codePointOrder(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func writeString(_ s: [UInt8], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var i = 0
        while i < s.count {
            let c = s[i]
            switch c {
            case UInt8(ascii: "\""): out += [92, 34]; i += 1
            case UInt8(ascii: "\\"): out += [92, 92]; i += 1
            case 0x0A: out += [92, UInt8(ascii: "n")]; i += 1
            case 0x0D: out += [92, UInt8(ascii: "r")]; i += 1
            case 0x09: out += [92, UInt8(ascii: "t")]; i += 1
            case 0..<0x20, 0x7F:
                out += Array("\\u00".utf8) + [hexDigits[Int(c >> 4)], hexDigits[Int(c & 15)]]
                i += 1
            case 0x20..<0x7F: out.append(c); i += 1
            default:
                let n = validUTF8Length(s, at: i)
                if n > 0 {
                    out += s[i..<(i + n)]
                    i += n
                } else {
                    out += Array("\\udc".utf8) + [hexDigits[Int(c >> 4)], hexDigits[Int(c & 15)]]
                    i += 1
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Length of the valid UTF-8 sequence starting at `i` (a non-ASCII lead byte), or 0.
    static func validUTF8Length(_ s: [UInt8], at i: Int) -> Int {
        let c = s[i]
        let n: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: n = 2
        case 0xE0: n = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: n = 3
        case 0xED: n = 3; hi = 0x9F
        case 0xF0: n = 4; lo = 0x90
        case 0xF1...0xF3: n = 4
        case 0xF4: n = 4; hi = 0x8F
        default: return 0
        }
        guard i + n <= s.count else { return 0 }
        for k in 1..<n {
            let b = s[i + k]
            let (l, h) = k == 1 ? (lo, hi) : (UInt8(0x80), UInt8(0xBF))
            if b < l || b > h { return 0 }
        }
        return n
    }
}

private extension String {
    /// Integral doubles print like Python floats ("3.0"), others via Swift's shortest form.
    init(format1 d: Double) { self = String(Int64(d)) + ".0" }
}

/// A value's canonical text at one indentation, for `JSONValue.printed`.
public struct SerializedJSON: Sendable {
    public let value: JSONValue
    public let bytes: [UInt8]
    public let indent: Int

    public init(_ value: JSONValue, indent: Int) {
        var out = [UInt8]()
        value.write(into: &out, indent: indent, flush: nil)
        self.value = value
        bytes = out
        self.indent = indent
    }
}

/// The elements of a `JSONValue.lazyArray`: how many, and how to make the n-th.
public struct LazyJSONArray: Sendable {
    public let count: Int
    public let element: @Sendable (Int) -> JSONValue

    public init(count: Int, element: @escaping @Sendable (Int) -> JSONValue) {
        self.count = count
        self.element = element
    }
}
