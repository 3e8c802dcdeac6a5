import HashKit

/// One of N deterministic parts of a dataset, for hashing on several machines: a file belongs to
/// shard K of N by a hash of its relative path (FNV-1a 64), so every machine computes the same
/// split without talking to the others, wherever the dataset is mounted, and the shards are
/// disjoint and together cover every file.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// 1...count.
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// "K/N" with 1 <= K <= N.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    public func contains(_ key: FileKey) -> Bool {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return Int(h % UInt64(count)) == index - 1
    }
}
