import HashKit

/// Which families to match and how: one threshold per family (the family's default unless the
/// user gave one), and whether pairs inside a dataset are listed too.
public struct MatchOptions: Sendable {
    public var families: [HashFamily]
    public var thresholds: [HashFamily.ID: Int]
    public var within: Bool

    public init(families: [HashFamily] = HashFamily.all, thresholds: [HashFamily.ID: Int] = [:], within: Bool = false) {
        self.families = families
        self.thresholds = thresholds
        self.within = within
    }

    public func threshold(_ family: HashFamily) -> Int { thresholds[family.id] ?? family.defaultThreshold }

    /// The family whose distance a pair of `family` also carries: the next family in the list
    /// (with two families, the other one), or `family` itself when it is alone.
    public func otherFamily(_ family: HashFamily) -> HashFamily {
        guard let i = families.firstIndex(of: family), families.count > 1 else { return family }
        return families[(i + 1) % families.count]
    }
}

/// Compares every image with every image of the other datasets, for one hash family, on
/// whichever `Matcher` the caller chose (CPU or OpenCL), and derives pairs, groups and each
/// image's nearest distance in the other datasets.
public struct CrossDatasetMatch {
    public var matcher: Matcher
    public var within: Bool

    public init(matcher: Matcher, within: Bool = false) {
        self.matcher = matcher
        self.within = within
    }

    /// Every family of `options`, in its order.
    public static func run(_ datasets: [DatasetResult], options: MatchOptions, matcher: Matcher) throws -> [FamilyMatches] {
        let cross = CrossDatasetMatch(matcher: matcher, within: options.within)
        return try options.families.map { family in
            try cross.run(datasets, family: family, other: options.otherFamily(family), threshold: options.threshold(family))
        }
    }

    public func run(_ datasets: [DatasetResult], family: HashFamily, other otherFamily: HashFamily,
                    threshold: Int) throws -> FamilyMatches {
        let packed = datasets.map { PackedHashes(family, $0.hashes) }
        let other = datasets.map { PackedHashes(otherFamily, $0.hashes) }
        var nearest: [[Int?]] = datasets.map { [Int?](repeating: nil, count: $0.hashes.count) }
        var pairs = [CrossPair]()

        func lower(_ current: Int?, _ candidate: UInt16) -> Int? {
            guard candidate != UInt16.max else { return current }
            return min(current ?? Int(candidate), Int(candidate))
        }

        for i in datasets.indices {
            for j in datasets.indices where j > i {
                let result = try matcher.match(packed[i], packed[j], threshold: threshold)
                for (a, d) in result.nearestInB.enumerated() { nearest[i][a] = lower(nearest[i][a], d) }
                for (b, d) in result.nearestInA.enumerated() { nearest[j][b] = lower(nearest[j][b], d) }
                for p in result.pairs {
                    pairs.append(CrossPair(
                        a: ImageRef(dataset: i, key: datasets[i].keys[Int(p.a)]),
                        b: ImageRef(dataset: j, key: datasets[j].keys[Int(p.b)]),
                        distance: Int(p.distance),
                        otherDistance: other[i].distance(Int(p.a), other[j], Int(p.b))))
                }
            }
        }

        var withinPairs: [CrossPair]?
        if within {
            var list = [CrossPair]()
            for i in datasets.indices {
                let result = try matcher.match(packed[i], packed[i], threshold: threshold)
                for p in result.pairs where p.a < p.b {
                    list.append(CrossPair(
                        a: ImageRef(dataset: i, key: datasets[i].keys[Int(p.a)]),
                        b: ImageRef(dataset: i, key: datasets[i].keys[Int(p.b)]),
                        distance: Int(p.distance),
                        otherDistance: other[i].distance(Int(p.a), other[i], Int(p.b))))
                }
            }
            withinPairs = list
        }

        return FamilyMatches(family: family, otherFamily: otherFamily, threshold: threshold, pairs: pairs,
                             within: withinPairs, groups: Self.groups(of: pairs), nearestOtherDistance: nearest.flatMap { $0 })
    }

    /// Connected components of the pair graph: members sorted by (dataset order, key), groups
    /// sorted by their first member.
    public static func groups(of pairs: [CrossPair]) -> [[ImageRef]] {
        var index = [ImageRef: Int]()
        var refs = [ImageRef]()
        func id(_ r: ImageRef) -> Int {
            if let i = index[r] { return i }
            index[r] = refs.count
            refs.append(r)
            return refs.count - 1
        }
        var parent = [Int]()
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        for p in pairs {
            let a = id(p.a), b = id(p.b)
            while parent.count < refs.count { parent.append(parent.count) }
            let ra = find(a), rb = find(b)
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        var components = [Int: [ImageRef]]()
        for (i, r) in refs.enumerated() { components[find(i), default: []].append(r) }
        return components.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }
}
