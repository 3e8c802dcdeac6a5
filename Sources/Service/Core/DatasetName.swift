/// A dataset name as a key: two names are the same dataset iff their UTF-8 bytes are equal.
///
/// The store compares names as SQLite compares text, byte for byte, while Swift's `String ==`
/// is canonical equivalence: `café` written with U+00E9 (NFC) and with `e` + U+0301 (NFD) are
/// two datasets in the store but would be one `String` key. Every comparison and dictionary key
/// of dataset names in the service goes through this type, so memory agrees with the store.
public struct DatasetName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let string: String
    public let bytes: [UInt8]

    public init(_ string: String) {
        self.string = string
        bytes = Array(string.utf8)
    }

    public static func == (l: DatasetName, r: DatasetName) -> Bool { l.bytes == r.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
    /// Byte order (= code point order for UTF-8), the order the store lists names in.
    public static func < (l: DatasetName, r: DatasetName) -> Bool { l.bytes.lexicographicallyPrecedes(r.bytes) }

    public var description: String { string }

    /// Whether `a` and `b` name the same dataset.
    public static func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }
}
