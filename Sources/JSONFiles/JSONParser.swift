/// Reads JSON back into `JSONValue`, the inverse of its writer: strings come back as the raw
/// bytes they were written from, so a lone surrogate escape `\udcXX` (how the writer spells a
/// byte of a non-UTF-8 file name, Python's "surrogateescape") becomes the byte `XX` again.
/// Foundation's parser rejects lone surrogates, which is why the hash files need this one.
public struct JSONParseError: Error, CustomStringConvertible, Equatable {
    public var offset: Int
    public var reason: String
    /// True when the document broke a `JSONBudget` limit (too many values or nested too deeply)
    /// rather than the JSON syntax: a server answers that with 413, not 400.
    public var exceededBudget = false
    public var description: String { "\(reason) at byte \(offset)" }
}

/// How much a document may hold: the parser stops as soon as either limit is passed, so a
/// hostile document costs at most its bytes plus `maxValues` small values, never a full parse.
public struct JSONBudget: Sendable, Equatable {
    /// Values of any kind (objects, arrays, strings, numbers, literals; keys are not counted).
    public var maxValues: Int
    /// Containers open at once, at most `JSONValue.maxDepth` (512) whatever is asked: the parser
    /// keeps its own stack (no recursion), but releasing a value, comparing or printing it
    /// recurses once per level, so a value nested far deeper could overflow a thread's stack.
    public var maxDepth: Int

    public init(maxValues: Int, maxDepth: Int) {
        self.maxValues = maxValues
        self.maxDepth = min(maxDepth, JSONValue.maxDepth)
    }

    /// For trusted files (the hash files this program writes): any size, nesting up to 512.
    public static let files = JSONBudget(maxValues: .max, maxDepth: JSONValue.maxDepth)
}

extension JSONValue {
    /// Nesting deeper than this is always refused (see `JSONBudget.maxDepth`).
    public static let maxDepth = 512

    public static func parse(_ bytes: [UInt8], budget: JSONBudget = .files) throws(JSONParseError) -> JSONValue {
        var p = Parser(bytes: bytes, budget: budget)
        let value = try p.document()
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
    let budget: JSONBudget
    var i = 0
    /// Values made so far (checked against the budget as each one starts).
    var values = 0

    // The containers open at the moment, innermost last, kept in flat stacks so each one is
    // appended to in place: `isArray[n]` says which stack the n-th container's items are on.
    var isArray = [Bool]()
    var arrays = [[JSONValue]]()
    var objects = [[([UInt8], JSONValue)]]()
    /// The key of the value being parsed in each open object.
    var keys = [[UInt8]]()

    init(bytes: [UInt8], budget: JSONBudget) {
        self.bytes = bytes
        self.budget = budget
    }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    mutating func expect(_ word: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw fail("invalid literal") }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw fail("invalid literal") }
        i += n
        return value
    }

    /// Opens a container, refusing one nested deeper than the budget allows.
    mutating func open(array: Bool) throws(JSONParseError) {
        guard isArray.count + 1 < budget.maxDepth else {
            var e = fail("nested more than \(budget.maxDepth) levels deep")
            e.exceededBudget = true
            throw e
        }
        isArray.append(array)
        if array { arrays.append([]) } else { objects.append([]) }
    }

    /// `"key" :` in an object.
    mutating func key() throws(JSONParseError) -> [UInt8] {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
        let k = try string()
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        i += 1
        return k
    }

    /// The whole document, without recursion: a loop that reads one value, then closes every
    /// container that value completes.
    mutating func document() throws(JSONParseError) -> JSONValue {
        while true {
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input") }
            values += 1
            guard values <= budget.maxValues else {
                var e = fail("more than \(budget.maxValues) values")
                e.exceededBudget = true
                throw e
            }
            var finished: JSONValue
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    finished = .object([])
                } else {
                    try open(array: false)
                    keys.append(try key())
                    continue
                }
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                    i += 1
                    finished = .array([])
                } else {
                    try open(array: true)
                    continue
                }
            case UInt8(ascii: "\""): finished = .string(try string())
            case UInt8(ascii: "t"): finished = try expect("true", .bool(true))
            case UInt8(ascii: "f"): finished = try expect("false", .bool(false))
            case UInt8(ascii: "n"): finished = try expect("null", .null)
            default: finished = try number()
            }
            // Hand the value to its container; a container it completes is a value in turn.
            while true {
                guard let array = isArray.last else { return finished }
                skipSpace()
                if array {
                    arrays[arrays.count - 1].append(finished)
                    guard i < bytes.count else { throw fail("unexpected end of input in an array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; break }
                    guard bytes[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                    i += 1
                    finished = .array(arrays.removeLast())
                } else {
                    objects[objects.count - 1].append((keys.removeLast(), finished))
                    guard i < bytes.count else { throw fail("unexpected end of input in an object") }
                    if bytes[i] == UInt8(ascii: ",") {
                        i += 1
                        keys.append(try key())
                        break
                    }
                    guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                    i += 1
                    finished = .object(objects.removeLast())
                }
                isArray.removeLast()
            }
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
