import JSONFiles
import HashKit
import Analysis

/// One pass over a precomputed-hashes body in its plain form, straight from the received bytes
/// into items: `{"items": [{"file": "...", "phash": "...", "blockmean": "..."}, ...]}` (any JSON
/// white space, keys in any order), every string free of escapes, each item a picture with the
/// default families only. This is what clients and `load_serve.py fill` send, and it skips the
/// general parse's value tree (a few boxed values and arrays per item) and the copy of the body
/// the general parser reads.
///
/// Anything else (escapes, other keys, nulls, PDQ, a duplicate key, an item or value the general
/// path would refuse, too many items or values for the route's budget) gives nil, and the caller
/// parses the body the general way: the same items come out for every body this accepts, and
/// every refusal and its message comes from the general path alone.
enum PlainItemsScanner {
    /// The keys of a plain item: "file", then the default families (data, not a per-family branch).
    static let keys: [[UInt8]] = [Array("file".utf8)] + HashFamily.all.map { Array($0.id.rawValue.utf8) }

    static func scan(_ bytes: UnsafeRawBufferPointer, maxItems: Int, budget: JSONBudget) -> [PrecomputedItem]? {
        var s = Cursor(bytes: bytes)
        guard s.take(UInt8(ascii: "{")), s.string() == Self.itemsKey, s.take(UInt8(ascii: ":")),
              s.take(UInt8(ascii: "[")) else { return nil }
        var items = [PrecomputedItem]()
        // Values the general parser would count: the document, the array, and per item the
        // object and its strings.
        let perItem = 1 + keys.count
        if !s.peek(UInt8(ascii: "]")) {
            repeat {
                guard items.count < maxItems, 2 + (items.count + 1) * perItem <= budget.maxValues,
                      let item = s.item() else { return nil }
                items.append(item)
            } while s.take(UInt8(ascii: ","))
        }
        guard s.take(UInt8(ascii: "]")), s.take(UInt8(ascii: "}")) else { return nil }
        s.skipSpace()
        guard s.i == bytes.count else { return nil }
        // Depth 3 is within every route budget (at least 16 levels).
        guard budget.maxDepth > 3 else { return nil }
        return items
    }

    private static let itemsKey = Array("items".utf8)

    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0A, 0x0D: i += 1
                default: return
                }
            }
        }

        /// Skips white space, then takes `byte` if it comes next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        mutating func peek(_ byte: UInt8) -> Bool {
            skipSpace()
            return i < bytes.count && bytes[i] == byte
        }

        /// A string without escapes or control characters, as its bytes; nil for anything else.
        mutating func string() -> [UInt8]? {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            var j = start
            while j < bytes.count {
                let c = bytes[j]
                if c == UInt8(ascii: "\"") {
                    i = j + 1
                    return Array(bytes[start..<j])
                }
                if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
                j += 1
            }
            return nil
        }

        /// `{"file": ..., "<family>": ..., ...}` with each key of `keys` exactly once.
        mutating func item() -> PrecomputedItem? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var values = [[UInt8]?](repeating: nil, count: PlainItemsScanner.keys.count)
            repeat {
                guard let key = string(), let slot = PlainItemsScanner.keys.firstIndex(of: key), values[slot] == nil,
                      take(UInt8(ascii: ":")), let value = string() else { return nil }
                values[slot] = value
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")), let file = values[0], let key = UploadKey.parse(file) else { return nil }
            // The general path's own conversions, so an accepted item is the item it makes.
            var words = [HashFamily.ID: [UInt64]]()
            for (n, family) in HashFamily.all.enumerated() {
                guard let hex = values[n + 1], let w = family.words(hex: String(decoding: hex, as: UTF8.self)) else { return nil }
                words[family.id] = w
            }
            guard let hashes = ImageHashes(words: words) else { return nil }
            return PrecomputedItem(key: key, hashes: .picture(hashes, families: HashFamily.all))
        }
    }
}
