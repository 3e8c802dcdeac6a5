/// Escaping and number formatting for the human outputs. Everything a user controls (dataset
/// names, file names) passes through here before it lands in Markdown or HTML.
enum Text {
    /// Where `pattern` first occurs in `bytes`, or nil.
    static func firstIndex(of pattern: [UInt8], in bytes: [UInt8], from start: Int = 0) -> Int? {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        var i = start
        while i <= bytes.count - pattern.count {
            if bytes[i] == first && bytes[i ..< i + pattern.count].elementsEqual(pattern) { return i }
            i += 1
        }
        return nil
    }

    /// Every occurrence of `pattern` replaced, left to right, on UTF-8 bytes (charts inlined into
    /// report.html are 100 KB each; Foundation's replacingOccurrences took most of the report's time,
    /// and the standard library's generic `[UInt8].replacing(_:with:)` is about 150x slower than this
    /// loop on a 280 KB chart in a release build: 544 ms against 3.7 ms for two replacements).
    static func replacing(_ pattern: String, with replacement: String, in bytes: [UInt8]) -> [UInt8] {
        let pattern = Array(pattern.utf8), replacement = Array(replacement.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var copied = 0
        while let i = firstIndex(of: pattern, in: bytes, from: copied) {
            out += bytes[copied ..< i]
            out += replacement
            copied = i + pattern.count
        }
        out += bytes[copied...]
        return out
    }

    /// Text for an HTML element body or a double- or single-quoted attribute value.
    static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters would corrupt the document; file names may hold them.
                if ch.value < 0x20 && ch != "\t" { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// Inline Markdown text that renders literally, also inside a table cell: every character
    /// GitHub-flavoured Markdown gives a meaning inline is backslash-escaped (`(`, `)` and `!`
    /// only matter next to `[` `]`, which are escaped; `:` stops `http://` autolinks), line
    /// breaks (which would end a table row) become spaces.
    static func markdown(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "\\", "`", "*", "_", "{", "}", "[", "]", "<", ">", "#", "|", "~", "$", "&", ":":
                out += "\\"
                out.unicodeScalars.append(ch)
            case "\n", "\r", "\t": out += " "
            default:
                if ch.value < 0x20 || ch.value == 0x7f { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// A relative path for a Markdown link target or an HTML href/src: each `/`-separated
    /// segment percent-encoded (RFC 3986 unreserved characters stay), so spaces, parentheses
    /// and non-ASCII names cannot break the link.
    static func urlPath(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        return out
    }

    /// 1864 -> "1,864", independent of the machine's locale so reports are byte-identical.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return n < 0 ? "-" + out : out
    }

    /// A fraction as a fixed-point decimal ("0.613"), locale-independent.
    static func fixed(_ x: Double, digits: Int = 3) -> String {
        guard x.isFinite else { return "n/a" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        let whole = Int(scaled / scale)
        let frac = Int(scaled - Double(whole) * scale)
        var fracText = String(frac)
        while fracText.count < digits { fracText = "0" + fracText }
        let sign = x < 0 && scaled > 0 ? "-" : ""
        return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fracText)"
    }

    /// "1 pair" / "3 pairs".
    static func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String {
        "\(count(n)) \(n == 1 ? one : (many ?? one + "s"))"
    }

    /// "two" for 2; digits from ten on.
    static func numberWord(_ n: Int) -> String {
        let words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        return (0..<words.count).contains(n) ? words[n] : count(n)
    }

    /// "a", "a and b", "a, b and c".
    static func list(_ items: [String]) -> String {
        guard let last = items.last else { return "" }
        return items.count == 1 ? last : items.dropLast().joined(separator: ", ") + " and " + last
    }
}

/// Helpers over a key's display text used by thumbnails and the reports.
enum FileKeyDisplay {
    /// The last path segment.
    static func baseName(_ key: String) -> String {
        key.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? key
    }

    /// The key without its extension ("part3/Q20173413.jpg" -> "part3/Q20173413"); a leading
    /// dot of the base name is not an extension.
    static func withoutExtension(_ key: String) -> String {
        let base = baseName(key)
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return key }
        let cut = base.distance(from: dot, to: base.endIndex)
        return String(key.dropLast(cut))
    }
}
