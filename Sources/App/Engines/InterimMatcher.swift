import HashKit

/// Stand-in until CPUFallback's SIMD matcher lands.
final class CPUMatcher: Matcher {
    func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult {
        var pairs = [MatchPair]()
        var nearB = [UInt16](repeating: .max, count: a.count), nearA = [UInt16](repeating: .max, count: b.count)
        for i in 0..<a.count {
            for j in 0..<b.count {
                let d = a.distance(i, b, j)
                nearB[i] = min(nearB[i], UInt16(d))
                nearA[j] = min(nearA[j], UInt16(d))
                if d <= threshold { pairs.append(MatchPair(a: Int32(i), b: Int32(j), distance: UInt16(d))) }
            }
        }
        return MatchResult(pairs: pairs, nearestInB: nearB, nearestInA: nearA)
    }
}
