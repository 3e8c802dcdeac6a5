import Analysis

/// How the groups of one hash spread over the datasets: the numbers a Venn diagram or an
/// UpSet chart shows.
public struct DatasetOverlap: Sendable, Equatable {
    /// Hashed images per dataset (the circle areas).
    public var sizes: [Int]
    /// Dataset bit mask -> count. For masks of two or more datasets: the number of groups that
    /// span exactly those datasets. For a single dataset: its images that belong to no group
    /// (what is found only there), so every region of a diagram carries a number.
    public var exactly: [Int: Int]

    public init(sizes: [Int], exactly: [Int: Int]) {
        self.sizes = sizes
        self.exactly = exactly
    }

    /// Counts the groups of one hash. A group's datasets are the datasets of its members.
    public init(groups: [[ImageRef]], sizes: [Int]) {
        var exactly = [Int: Int]()
        var grouped = [Int](repeating: 0, count: sizes.count)
        for group in groups {
            let members = Set(group.filter { $0.dataset >= 0 && $0.dataset < sizes.count })
            let mask = members.reduce(0) { $0 | (1 << $1.dataset) }
            // A group inside one dataset (within-dataset pairs) is no overlap: its images stay
            // "only here" like every other image of that dataset.
            guard mask.nonzeroBitCount >= 2 else { continue }
            exactly[mask, default: 0] += 1
            for member in members { grouped[member.dataset] += 1 }
        }
        for i in sizes.indices { exactly[1 << i] = max(0, sizes[i] - grouped[i]) }
        self.init(sizes: sizes, exactly: exactly)
    }

    public var datasetCount: Int { sizes.count }

    /// Groups spanning exactly the datasets of `mask` (or unmatched images for one dataset).
    public func count(exactly mask: Int) -> Int { exactly[mask] ?? 0 }

    /// Groups spanning at least the datasets of `mask` (two or more): the lens the Venn
    /// geometry sizes for a pair of datasets.
    public func count(atLeast mask: Int) -> Int {
        exactly.reduce(0) { sum, entry in
            entry.key & mask == mask && entry.key.nonzeroBitCount >= 2 ? sum + entry.value : sum
        }
    }

    /// `count(atLeast:)` for every pair of datasets, the matrix `VennGeometry.layout` takes
    /// (the diagonal holds the sizes).
    public var pairwiseOverlaps: [[Int]] {
        sizes.indices.map { i in
            sizes.indices.map { j in i == j ? sizes[i] : count(atLeast: (1 << i) | (1 << j)) }
        }
    }

    /// Masks of two or more datasets with at least one group, largest count first (ties: fewer
    /// datasets, then lower mask), for the UpSet chart.
    public var nonEmptyCombinations: [(mask: Int, count: Int)] {
        exactly.filter { $0.key.nonzeroBitCount >= 2 && $0.value > 0 }
            .map { (mask: $0.key, count: $0.value) }
            .sorted {
                if $0.count != $1.count { return $0.count > $1.count }
                if $0.mask.nonzeroBitCount != $1.mask.nonzeroBitCount { return $0.mask.nonzeroBitCount < $1.mask.nonzeroBitCount }
                return $0.mask < $1.mask
            }
    }
}
