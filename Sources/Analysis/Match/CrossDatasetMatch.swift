import HashKit

/// Compares every image with every image of the other datasets, for one hash algorithm, on
/// whichever `Matcher` the caller chose (CPU or OpenCL), and derives pairs, groups and each
/// image's nearest distance in the other datasets.
public struct CrossDatasetMatch {
    public var matcher: Matcher
    public var within: Bool

    public init(matcher: Matcher, within: Bool = false) {
        self.matcher = matcher
        self.within = within
    }

    public func run(_ datasets: [DatasetResult], algorithm: HashAlgorithm, threshold: Int) throws -> AlgorithmResult {
        let packed = datasets.map { Self.pack($0.hashes, algorithm) }
        let other = datasets.map { Self.pack($0.hashes, algorithm.other) }
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

        return AlgorithmResult(algorithm: algorithm, threshold: threshold, pairs: pairs, within: withinPairs,
                               groups: Self.groups(of: pairs), nearestOtherDistance: nearest.flatMap { $0 })
    }

    static func pack(_ hashes: [ImageHashes], _ algorithm: HashAlgorithm) -> PackedHashes {
        algorithm == .phash ? PackedHashes(phashes: hashes.map(\.phash)) : PackedHashes(blockmeans: hashes.map(\.blockmean))
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
