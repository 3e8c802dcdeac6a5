import HashKit

/// A draw the tests make from HashKit's `SplitMix64` (one generator for every test, so a
/// failure replays from its seed).
extension SplitMix64 {
    /// A Float in [0, 1) from the top 24 bits.
    public mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
}

/// Hashes as the JSON outputs and the service write them (hex), compared in the tests.
public enum HexHash {
    /// The Hamming distance of two hex hashes of one family: whatever the family's hex order,
    /// the differing bits are those of the differing digits. Int.max when either is not hex or
    /// the lengths differ, so a comparison with a threshold fails visibly.
    public static func distance(_ a: String, _ b: String) -> Int {
        guard let x = Hex.decode(a), let y = Hex.decode(b), x.count == y.count else { return .max }
        return zip(x, y).reduce(0) { $0 + Hamming.distance(UInt64($1.0), UInt64($1.1)) }
    }
}
