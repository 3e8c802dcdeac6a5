/// A set of equal-width hashes stored contiguously: `wordsPerHash` UInt64 words per hash
/// (1 for phash, 4 for blockmean), so that both engines can scan it as a flat array.
public struct PackedHashes: Sendable, Equatable {
    public let wordsPerHash: Int
    public private(set) var words: [UInt64]

    public init(wordsPerHash: Int, words: [UInt64] = []) {
        precondition(wordsPerHash > 0 && words.count % wordsPerHash == 0, "programmer error: packing")
        self.wordsPerHash = wordsPerHash
        self.words = words
    }

    /// One family's hashes of many images, in order.
    public init(_ family: HashFamily, _ hashes: [ImageHashes]) {
        var w = [UInt64]()
        w.reserveCapacity(hashes.count * family.wordsPerHash)
        for h in hashes { w += family.words(of: h) }
        self.init(wordsPerHash: family.wordsPerHash, words: w)
    }

    public init(phashes: [UInt64]) { self.init(wordsPerHash: 1, words: phashes) }

    public init(blockmeans: [Hash256]) {
        var w = [UInt64]()
        w.reserveCapacity(blockmeans.count * 4)
        for h in blockmeans { w += [h.words[0], h.words[1], h.words[2], h.words[3]] }
        self.init(wordsPerHash: 4, words: w)
    }

    public var count: Int { words.count / wordsPerHash }
    public var bits: Int { wordsPerHash * 64 }

    public func distance(_ i: Int, _ other: PackedHashes, _ j: Int) -> Int {
        var d = 0
        for w in 0..<wordsPerHash { d += (words[i * wordsPerHash + w] ^ other.words[j * wordsPerHash + w]).nonzeroBitCount }
        return d
    }
}

/// One pair under the threshold: index `a` in the first set, `b` in the second.
public struct MatchPair: Hashable, Sendable {
    public var a: Int32
    public var b: Int32
    public var distance: UInt16

    public init(a: Int32, b: Int32, distance: UInt16) {
        self.a = a
        self.b = b
        self.distance = distance
    }
}

/// The result of comparing every hash of set A with every hash of set B.
public struct MatchResult: Sendable, Equatable {
    /// Pairs with `distance <= threshold`, sorted by (a, b).
    public var pairs: [MatchPair]
    /// For each hash of A, the smallest distance to any hash of B (`UInt16.max` when B is
    /// empty). Feeds the nearest-distance histogram.
    public var nearestInB: [UInt16]
    /// For each hash of B, the smallest distance to any hash of A.
    public var nearestInA: [UInt16]

    public init(pairs: [MatchPair], nearestInB: [UInt16], nearestInA: [UInt16]) {
        self.pairs = pairs
        self.nearestInB = nearestInB
        self.nearestInA = nearestInA
    }
}

/// All-pairs Hamming comparison between two hash sets. A pair matches when distance <= threshold.
public protocol Matcher: AnyObject {
    func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult
}
