import HashKit

/// Which families to match and how: one threshold per family (the family's default unless the
/// user gave one), whether pairs inside a dataset are listed too, and the bounds that keep huge
/// inputs in bounded time and memory.
public struct MatchOptions: Sendable {
    public var families: [HashFamily]
    public var thresholds: [HashFamily.ID: Int]
    public var within: Bool
    /// `--dihedral`: cross-dataset pairs also match mirrored and rotated copies (see
    /// `CrossDatasetMatch.dihedral`); the datasets must carry their variants.
    public var dihedral = false
    /// Pairs kept per family (cross-dataset and, separately, within-dataset); past it the lists
    /// are marked truncated. Each kept pair costs 20 bytes of scratch disk and ~150 bytes of JSON.
    public var maxPairs: Int
    /// Up to this many comparisons (summed over dataset pairs), nearest distances are exact at
    /// every distance; beyond it they are exact up to `nearestRadius(for:)`, so that an index can
    /// serve them instead of an N x M scan.
    public var exactNearestComparisons: Int

    public static let defaultMaxPairs = 10_000_000
    public static let defaultExactNearestComparisons = 1 << 28

    public init(families: [HashFamily] = HashFamily.all, thresholds: [HashFamily.ID: Int] = [:], within: Bool = false,
                maxPairs: Int = MatchOptions.defaultMaxPairs,
                exactNearestComparisons: Int = MatchOptions.defaultExactNearestComparisons) {
        self.families = families
        self.thresholds = thresholds
        self.within = within
        self.maxPairs = maxPairs
        self.exactNearestComparisons = exactNearestComparisons
    }

    public func threshold(_ family: HashFamily) -> Int { thresholds[family.id] ?? family.defaultThreshold }

    /// The radius nearest distances are exact up to when the input is too large for exact ones:
    /// the threshold plus the report's gap margin (1/32 of the bits), so the report can still say
    /// whether the threshold sits in an empty stretch of the histogram.
    public func nearestRadius(for family: HashFamily) -> Int { Self.nearestRadius(threshold: threshold(family), family: family) }

    /// The threshold plus the report's gap margin (1/32 of the bits).
    public static func nearestRadius(threshold: Int, family: HashFamily) -> Int { threshold + max(1, family.bits / 32) }

    /// The family whose distance a pair of `family` also carries: the next family in the list
    /// (with two families, the other one), or `family` itself when it is alone.
    public func otherFamily(_ family: HashFamily) -> HashFamily {
        guard let i = families.firstIndex(of: family), families.count > 1 else { return family }
        return families[(i + 1) % families.count]
    }
}

/// Compares every image with every image of the other datasets, for one hash family, on
/// whichever `Matcher` the caller chose (CPU brute force, CPU index, OpenCL), and derives pairs,
/// groups and each image's nearest distance in the other datasets.
///
/// Pairs stream from the matcher into a `PairList` (20 bytes each, on disk once large) and into
/// a union-find over image numbers, so memory is bounded by the hash sets, not by the pairs.
public struct CrossDatasetMatch {
    public var matcher: Matcher
    public var within: Bool
    public var maxPairs: Int
    public var exactNearestComparisons: Int
    /// `--dihedral`: a cross-dataset pair (a, b) matches when one of the 8 dihedral variants of
    /// a's hash (a from the dataset given first) is within the threshold of b's plain hash.
    public var dihedral = false
    /// Pairs a list keeps in memory before it goes to a scratch file (tests lower it).
    var pairMemoryLimit = 1 << 20
    /// Checked between blocks of pairs: when it answers true the run throws `CancellationError`
    /// (the service's client went away; the CLI never stops).
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(matcher: Matcher, within: Bool = false, maxPairs: Int = MatchOptions.defaultMaxPairs,
                exactNearestComparisons: Int = MatchOptions.defaultExactNearestComparisons) {
        self.matcher = matcher
        self.within = within
        self.maxPairs = maxPairs
        self.exactNearestComparisons = exactNearestComparisons
    }

    /// Every family of `options`, in its order.
    public static func run(_ datasets: [DatasetResult], options: MatchOptions, matcher: Matcher) throws -> [FamilyMatches] {
        var cross = CrossDatasetMatch(matcher: matcher, within: options.within, maxPairs: options.maxPairs,
                                      exactNearestComparisons: options.exactNearestComparisons)
        cross.dihedral = options.dihedral
        return try options.families.map { family in
            try cross.run(datasets, family: family, other: options.otherFamily(family), threshold: options.threshold(family),
                          nearestRadius: options.nearestRadius(for: family))
        }
    }

    /// `nearestRadius` (default: `MatchOptions.nearestRadius`) applies only when the comparisons
    /// exceed `exactNearestComparisons`, so large inputs can be served by an index; the
    /// choice depends on the input alone, never on the matcher, so every device gives the same.
    ///
    /// Pictures under the family's quality floor (PDQ's 50) take no part: they are in no pair
    /// and no group, and their nearest distance is nil. Nor do images without a hash of the
    /// family (list entries of another family, `DatasetResult.partial`).
    public func run(_ datasets: [DatasetResult], family: HashFamily, other otherFamily: HashFamily,
                    threshold: Int, nearestRadius: Int? = nil) throws -> FamilyMatches {
        guard family.qualityFloor != nil || datasets.contains(where: { !$0.partial.isEmpty }) else {
            return try runMatchable(datasets, family: family, other: otherFamily, threshold: threshold, nearestRadius: nearestRadius)
        }
        let kept = datasets.map { d in d.hashes.indices.map { d.carries(family, at: $0) && family.isMatchable(d.hashes[$0]) } }
        let matchable = zip(datasets, kept).map { dataset, keep in
            var d = dataset
            d.keys = zip(dataset.keys, keep).filter(\.1).map(\.0)
            d.hashes = zip(dataset.hashes, keep).filter(\.1).map(\.0)
            d.digests = []
            if dataset.variants.count == dataset.keys.count { d.variants = zip(dataset.variants, keep).filter(\.1).map(\.0) }
            if dataset.partial.count == dataset.keys.count { d.partial = zip(dataset.partial, keep).filter(\.1).map(\.0) }
            return d
        }
        var result = try runMatchable(matchable, family: family, other: otherFamily, threshold: threshold, nearestRadius: nearestRadius)
        // Back to one nearest distance per hashed picture, nil for those not matched.
        var nearest = result.nearestOtherDistance.makeIterator()
        result.nearestOtherDistance = kept.flatMap { $0.map { $0 ? (nearest.next() ?? nil) : nil } }
        return result
    }

    /// `run` on pictures that all take part in matching.
    func runMatchable(_ datasets: [DatasetResult], family: HashFamily, other otherFamily: HashFamily,
                      threshold: Int, nearestRadius: Int? = nil) throws -> FamilyMatches {
        let packed = datasets.map { PackedHashes(family, $0.hashes) }
        let other = datasets.map { PackedHashes(otherFamily, $0.hashes) }
        // A list entry without the other family gives its pairs no other distance (never one
        // against a zero hash).
        let lacksOther = datasets.map { d in d.partial.count == d.keys.count ? d.partial.map { !($0?.families.contains(otherFamily.id) ?? true) } : nil }
        func otherDistance(_ i: Int, _ a: Int32, _ j: Int, _ b: Int32) -> Int {
            if lacksOther[i]?[Int(a)] == true || lacksOther[j]?[Int(b)] == true { return CrossPair.noDistance }
            return other[i].distance(Int(a), other[j], Int(b))
        }
        let keys = datasets.map(\.keys)
        var comparisons = 0
        for i in datasets.indices { for j in datasets.indices where j > i { comparisons += packed[i].count * packed[j].count } }
        let radius = comparisons > exactNearestComparisons
            ? nearestRadius ?? MatchOptions.nearestRadius(threshold: threshold, family: family) : nil

        var nearest: [[UInt16]] = datasets.map { [UInt16](repeating: .max, count: $0.hashes.count) }
        let offsets = datasets.reduce(into: [0]) { $0.append($0.last! + $1.hashes.count) }
        var components = UnionFind(count: offsets.last!)
        let cross = PairListBuilder(limit: maxPairs, memoryLimit: pairMemoryLimit)

        for i in datasets.indices {
            for j in datasets.indices where j > i {
                if shouldStop() { throw CancellationError() }
                if dihedral {
                    let near = try dihedralPairs(datasets[i], datasets[j], family: family, other: otherFamily, b: packed[j],
                                                 threshold: threshold, radius: radius) { p, d, otherDistance in
                        let lacking = lacksOther[i]?[Int(p.a)] == true || lacksOther[j]?[Int(p.b)] == true
                        guard try cross.add(datasetA: i, datasetB: j, p, otherDistance: lacking ? CrossPair.noDistance : otherDistance(),
                                            transform: d) else { return }
                        components.union(offsets[i] + Int(p.a), offsets[j] + Int(p.b))
                    }
                    for (a, d) in near.nearestInB.enumerated() where d < nearest[i][a] { nearest[i][a] = d }
                    for (b, d) in near.nearestInA.enumerated() where d < nearest[j][b] { nearest[j][b] = d }
                    continue
                }
                let near = try matcher.stream(packed[i], packed[j], threshold: threshold, nearestRadius: radius) { block in
                    if shouldStop() { throw CancellationError() }
                    for p in block {
                        guard try cross.add(datasetA: i, datasetB: j, p, otherDistance: otherDistance(i, p.a, j, p.b)) else { continue }
                        components.union(offsets[i] + Int(p.a), offsets[j] + Int(p.b))
                    }
                }
                for (a, d) in near.nearestInB.enumerated() where d < nearest[i][a] { nearest[i][a] = d }
                for (b, d) in near.nearestInA.enumerated() where d < nearest[j][b] { nearest[j][b] = d }
            }
        }

        var withinPairs: PairList?
        var withinSeen = 0
        if within {
            let list = PairListBuilder(limit: maxPairs, memoryLimit: pairMemoryLimit)
            for i in datasets.indices {
                _ = try matcher.stream(packed[i], packed[i], threshold: threshold, nearestRadius: 0) { block in
                    if shouldStop() { throw CancellationError() }
                    for p in block where p.a < p.b {
                        try list.add(datasetA: i, datasetB: i, p, otherDistance: otherDistance(i, p.a, i, p.b))
                    }
                }
            }
            withinPairs = try list.finish(keys: keys)
            withinSeen = list.seen
        }

        let pairs = try cross.finish(keys: keys)
        let groups = components.groups().map { members in
            members.map { n -> ImageRef in
                let d = offsets.lastIndex { $0 <= n }!
                return ImageRef(dataset: d, key: keys[d][n - offsets[d]])
            }
        }
        let distances: [Int?] = nearest.flatMap { row in
            row.map { d -> Int? in
                d == .max ? nil : d == MatchResult.fartherThanRadius ? FamilyMatches.fartherThanRadius : Int(d)
            }
        }
        return FamilyMatches(family: family, otherFamily: otherFamily, threshold: threshold, pairs: pairs,
                             within: withinPairs, pairsFound: cross.seen + withinSeen, groups: groups,
                             nearestOtherDistance: distances, nearestRadius: radius)
    }

    /// The dihedral pairs of datasets `da` (its 8 variants per picture) and `db` (plain hashes
    /// `b`): one matcher run over the variants of every picture of `da`, variant-major (so an
    /// index is built once, over whichever side the matcher finds cheaper, never 8 times), its
    /// pairs folded to one per picture pair: the smallest distance, the first variant in
    /// `Dihedral` order that reaches it. Pairs go to `add` in (a, b) order with their transform
    /// and the other family's distance under the same transform; nearest distances are the
    /// smallest over the variants.
    func dihedralPairs(_ da: DatasetResult, _ dbSet: DatasetResult, family: HashFamily, other otherFamily: HashFamily,
                       b: PackedHashes, threshold: Int, radius: Int?,
                       add: (MatchPair, Dihedral, () -> Int) throws -> Void) throws -> NearestDistancesResult {
        let na = da.hashes.count
        guard da.variants.count == na else {
            preconditionFailure("programmer error: --dihedral matching needs the variants of every picture of '\(da.spec.name)'")
        }
        // A picture without this family's variants (never after loading) is matched by its plain hash.
        let variants = da.variants.indices.map { i in
            da.variants[i].variants[family.id] ?? [[UInt64]](repeating: family.words(of: da.hashes[i]), count: Dihedral.allCases.count)
        }
        var words = [UInt64]()
        words.reserveCapacity(na * Dihedral.allCases.count * family.wordsPerHash)
        for d in Dihedral.allCases { for v in variants { words += v[d.rawValue] } }
        let queries = PackedHashes(family, words: words)
        // (a, b) -> (distance, variant): the variant-major stream meets smaller variants first,
        // so a later variant replaces an earlier one only when strictly closer.
        var best = [UInt64: (distance: UInt16, variant: Int)]()
        let near = try matcher.stream(queries, b, threshold: threshold, nearestRadius: radius) { block in
            if shouldStop() { throw CancellationError() }
            for p in block {
                let a = Int(p.a) % max(1, na), v = Int(p.a) / max(1, na)
                let key = UInt64(a) << 32 | UInt64(UInt32(bitPattern: p.b))
                if let found = best[key], found.distance <= p.distance { continue }
                best[key] = (p.distance, v)
            }
        }
        for key in best.keys.sorted() {
            guard let found = best[key], let d = Dihedral(rawValue: found.variant) else { continue }
            let a = Int(key >> 32), bIndex = Int(key & 0xFFFF_FFFF)
            let pair = MatchPair(a: Int32(a), b: Int32(bIndex), distance: found.distance)
            try add(pair, d) {
                let otherA = da.variants[a].words(otherFamily, d) ?? otherFamily.words(of: da.hashes[a])
                return Hamming.distance(otherA, otherFamily.words(of: dbSet.hashes[bIndex]))
            }
        }
        var nearestInB = [UInt16](repeating: .max, count: na)
        for (q, d) in near.nearestInB.enumerated() where d < nearestInB[q % max(1, na)] { nearestInB[q % max(1, na)] = d }
        return NearestDistancesResult(nearestInB: nearestInB, nearestInA: near.nearestInA)
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
        let numbered = pairs.map { (id($0.a), id($0.b)) }
        var components = UnionFind(count: refs.count)
        for (a, b) in numbered { components.union(a, b) }
        return components.groups().map { $0.map { refs[$0] }.sorted() }.sorted { $0[0] < $1[0] }
    }
}

/// Disjoint sets over 0..<count (path halving, union by smaller root), 4 bytes an element.
struct UnionFind {
    private var parent: [Int32]
    /// Whether an element took part in any union (a group has at least two members).
    private var linked: [Bool]

    init(count: Int) {
        parent = (0..<count).map { Int32($0) }
        linked = [Bool](repeating: false, count: count)
    }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while Int(parent[x]) != x {
            parent[x] = parent[Int(parent[x])]
            x = Int(parent[x])
        }
        return x
    }

    mutating func union(_ a: Int, _ b: Int) {
        linked[a] = true
        linked[b] = true
        let ra = find(a), rb = find(b)
        if ra != rb { parent[max(ra, rb)] = Int32(min(ra, rb)) }
    }

    /// Components of two or more elements: members ascending, components by their smallest member.
    mutating func groups() -> [[Int]] {
        var slot = [Int: Int]()
        var out = [[Int]]()
        for x in parent.indices where linked[x] {
            let r = find(x)
            if let s = slot[r] { out[s].append(x) } else { slot[r] = out.count; out.append([x]) }
        }
        return out
    }
}
