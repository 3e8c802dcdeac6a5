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

    /// Hashes of one family given as their words, `family.wordsPerHash` per hash.
    public init(_ family: HashFamily, words: [UInt64]) { self.init(wordsPerHash: family.wordsPerHash, words: words) }

    public var count: Int { words.count / wordsPerHash }
    public var bits: Int { wordsPerHash * 64 }

    public func distance(_ i: Int, _ other: PackedHashes, _ j: Int) -> Int {
        Hamming.distance(words, at: i * wordsPerHash, other.words, at: j * wordsPerHash, words: wordsPerHash)
    }
}

/// One pair under the threshold: index `a` in the first set, `b` in the second.
public struct MatchPair: Hashable, Sendable, BitwiseCopyable {
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

extension MatchResult {
    /// A nearest distance that is larger than the radius the caller asked to be exact up to.
    public static let fartherThanRadius: UInt16 = .max - 1

    /// `d` as reported with nearest distances exact up to `radius` (nil: exact everywhere).
    @inline(__always)
    public static func clamp(_ d: UInt16, radius: Int?) -> UInt16 {
        guard let radius, d != .max, Int(d) > radius else { return d }
        return fartherThanRadius
    }
}

/// The nearest distances of a streamed match (`Matcher.stream`).
public struct NearestDistancesResult: Sendable, Equatable {
    /// For each hash of A, its smallest distance to B (see `MatchResult.nearestInB`).
    public var nearestInB: [UInt16]
    /// For each hash of B, its smallest distance to A.
    public var nearestInA: [UInt16]

    public init(nearestInB: [UInt16], nearestInA: [UInt16]) {
        self.nearestInB = nearestInB
        self.nearestInA = nearestInA
    }
}

/// All-pairs Hamming comparison between two hash sets. A pair matches when distance <= threshold.
public protocol Matcher: AnyObject {
    func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult

    /// The same pairs as `match`, handed to `sink` in (a, b) order a block at a time instead of
    /// returned whole, so that the caller decides what to keep: memory stays bounded by the hash
    /// sets however many pairs there are. Nearest distances are exact up to `nearestRadius`
    /// (nil: exact everywhere) and `MatchResult.fartherThanRadius` beyond it, whichever matcher
    /// runs, so results never depend on the device or strategy.
    func stream(_ a: PackedHashes, _ b: PackedHashes, threshold: Int, nearestRadius: Int?,
                sink: (ArraySlice<MatchPair>) throws -> Void) throws -> NearestDistancesResult
}

extension Matcher {
    /// Rows of A per `match` call of the default `stream`: about 2^22 comparisons, so one block's
    /// pairs stay small even when every comparison matches.
    public static func streamRows(bCount: Int) -> Int { max(64, (1 << 22) / max(1, bCount)) }

    /// The default: A in row blocks through `match`. Matchers with a cheaper way override it.
    public func stream(_ a: PackedHashes, _ b: PackedHashes, threshold: Int, nearestRadius: Int?,
                       sink: (ArraySlice<MatchPair>) throws -> Void) throws -> NearestDistancesResult {
        let na = a.count, nb = b.count
        guard na > 0, nb > 0 else {
            let r = try match(a, b, threshold: threshold)
            return NearestDistancesResult(nearestInB: r.nearestInB, nearestInA: r.nearestInA)
        }
        let rows = Self.streamRows(bCount: nb)
        let words = a.wordsPerHash
        var nearestInB = [UInt16]()
        nearestInB.reserveCapacity(na)
        var nearestInA = [UInt16](repeating: .max, count: nb)
        var start = 0
        while start < na {
            let end = min(na, start + rows)
            let block = start == 0 && end == na
                ? a : PackedHashes(wordsPerHash: words, words: Array(a.words[(start * words)..<(end * words)]))
            var r = try match(block, b, threshold: threshold)
            if start > 0 { for k in r.pairs.indices { r.pairs[k].a += Int32(start) } }
            try sink(r.pairs[...])
            nearestInB += r.nearestInB.map { MatchResult.clamp($0, radius: nearestRadius) }
            for j in 0..<nb where r.nearestInA[j] < nearestInA[j] { nearestInA[j] = r.nearestInA[j] }
            start = end
        }
        return NearestDistancesResult(nearestInB: nearestInB,
                                      nearestInA: nearestInA.map { MatchResult.clamp($0, radius: nearestRadius) })
    }
}
