import HashKit

/// The obviously correct all-pairs loop every matcher is checked against.
public enum BruteForceMatch {
    public static func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) -> MatchResult {
        var pairs = [MatchPair]()
        var nearestInB = [UInt16](repeating: .max, count: a.count)
        var nearestInA = [UInt16](repeating: .max, count: b.count)
        for i in 0..<a.count {
            for j in 0..<b.count {
                let d = a.distance(i, b, j)
                nearestInB[i] = min(nearestInB[i], UInt16(d))
                nearestInA[j] = min(nearestInA[j], UInt16(d))
                if d <= threshold { pairs.append(MatchPair(a: Int32(i), b: Int32(j), distance: UInt16(d))) }
            }
        }
        return MatchResult(pairs: pairs, nearestInB: nearestInB, nearestInA: nearestInA)
    }
}

/// `BruteForceMatch` as a `Matcher`, to test code that takes any matcher.
public final class BruteForceMatcher: Matcher {
    public init() {}

    public func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult {
        BruteForceMatch.match(a, b, threshold: threshold)
    }
}
