import Foundation
import HashKit
import Analysis

/// Every stored dataset's hashes in memory as packed columns (one per family), loaded from the
/// store at start and updated by every write, so a new image is matchable by the next query
/// without any index rebuild. Queries scan the columns exactly (brute force on the warm
/// matcher: a range search that never misses a pair).
public final class MatchIndex: @unchecked Sendable {
    /// One stored image's matchable hashes: the families it has (a list entry may hold PDQ only,
    /// a picture hashed without PDQ the default two), without a PDQ under the quality floor.
    public typealias Entry = [HashFamily.ID: [UInt64]]

    /// The families the index holds and queries may give, in `HashFamily.known` order (the
    /// order distances and scores add up in).
    static let families = HashFamily.known

    /// The matchable hashes of a picture's `hashes` of `families`.
    public static func entry(_ hashes: ImageHashes, families: [HashFamily]) -> Entry {
        var entry = Entry()
        for family in families where family.isMatchable(hashes) { entry[family.id] = family.words(of: hashes) }
        return entry
    }

    struct Column {
        var keys = [FileKey]()
        var position = [FileKey: Int]()
        /// Per family, `wordsPerHash` words per image in `keys` order (zeros where `has` is false).
        var words = [HashFamily.ID: [UInt64]]()
        /// Per family, whether each image has a matchable hash of it.
        var has = [HashFamily.ID: [Bool]]()

        mutating func upsert(_ key: FileKey, _ entry: Entry) {
            if let i = position[key] {
                for family in MatchIndex.families {
                    let n = family.wordsPerHash, w = entry[family.id] ?? Array(repeating: 0, count: n)
                    words[family.id]?.replaceSubrange(i * n ..< (i + 1) * n, with: w)
                    has[family.id]?[i] = entry[family.id] != nil
                }
            } else {
                position[key] = keys.count
                keys.append(key)
                for family in MatchIndex.families {
                    words[family.id, default: []] += entry[family.id] ?? Array(repeating: 0, count: family.wordsPerHash)
                    has[family.id, default: []].append(entry[family.id] != nil)
                }
            }
        }

        /// Swap-remove: the last image takes the removed one's place.
        mutating func remove(_ key: FileKey) {
            guard let i = position.removeValue(forKey: key) else { return }
            let last = keys.count - 1
            if i != last {
                keys[i] = keys[last]
                position[keys[i]] = i
                // In place, through the dictionaries' element accessors: taking the array out
                // (`if var w = words[id]`) copied the whole column on every delete.
                for family in MatchIndex.families {
                    let n = family.wordsPerHash
                    for k in 0..<n {
                        if let v = words[family.id]?[last * n + k] { words[family.id]?[i * n + k] = v }
                    }
                    if let h = has[family.id]?[last] { has[family.id]?[i] = h }
                }
            }
            keys.removeLast()
            for family in MatchIndex.families {
                words[family.id]?.removeLast(family.wordsPerHash)
                has[family.id]?.removeLast()
            }
        }

        func packed(_ family: HashFamily) -> PackedHashes {
            PackedHashes(wordsPerHash: family.wordsPerHash, words: words[family.id] ?? [])
        }
    }

    private let lock = NSLock()
    /// Keyed by the name's bytes, as the store compares names (see `DatasetName`).
    private var columns = [DatasetName: Column]()

    public init() {}

    /// Replaces a dataset's column with its stored images' entries (start, and after a scan).
    public func load(name: String, _ entries: [(FileKey, Entry)]) {
        var column = Column()
        for (key, entry) in entries { column.upsert(key, entry) }
        lock.lock()
        columns[DatasetName(name)] = column
        lock.unlock()
    }

    /// Sets each key's entry, replacing what the key held (families it no longer has go).
    public func upsert(name: String, _ items: [(FileKey, Entry)]) {
        let name = DatasetName(name)
        lock.lock()
        var column = columns.removeValue(forKey: name) ?? Column()
        for (key, entry) in items { column.upsert(key, entry) }
        columns[name] = column
        lock.unlock()
    }

    public func remove(name: String, keys: [FileKey]) {
        let name = DatasetName(name)
        lock.lock()
        if var column = columns.removeValue(forKey: name) {
            for key in keys { column.remove(key) }
            columns[name] = column
        }
        lock.unlock()
    }

    public func drop(name: String) {
        lock.lock()
        columns[DatasetName(name)] = nil
        lock.unlock()
    }

    public func count(name: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return columns[DatasetName(name)]?.keys.count ?? 0
    }

    // MARK: Queries

    /// One query: its hashes for the families it gives, and, for a dihedral query, the hashes
    /// of the picture's 8 variants (`Dihedral.allCases` order) for the same families.
    public struct Query: Sendable {
        public var hashes: [HashFamily.ID: [UInt64]]
        public var variants: [[HashFamily.ID: [UInt64]]]?
        public init(hashes: [HashFamily.ID: [UInt64]], variants: [[HashFamily.ID: [UInt64]]]? = nil) {
            self.hashes = hashes
            self.variants = variants
        }
    }

    /// A match's distance for each family the query gave, held inline (no allocation per match:
    /// an answer may hold a million of them).
    public struct Distances: Sendable, Equatable {
        /// By position in `MatchIndex.families`; `absent` where the query or the stored image
        /// does not give the family.
        var values = SIMD4<UInt16>(repeating: Distances.absent)
        static let absent = UInt16.max

        public subscript(id: HashFamily.ID) -> Int? {
            guard let f = MatchIndex.families.firstIndex(where: { $0.id == id }), values[f] != Self.absent else { return nil }
            return Int(values[f])
        }
    }

    public struct Match: Sendable, Equatable {
        public var dataset: String
        public var key: FileKey
        /// Distance per family the query gave and the stored image has.
        public var distances: Distances
        /// For a dihedral query: the variant of the query picture that matched (the first in
        /// `Dihedral` order at the smallest score); nil otherwise.
        public var transform: Dihedral? = nil
        /// The order's first key (sum over families of distance / bits).
        var score: Double = 0
    }

    public struct Answer: Sendable {
        public var matches: [Match]
        /// Whether more than `limit` stored images matched.
        public var truncated: Bool
    }

    /// Every stored image of `datasets` within the threshold of at least one family the query
    /// gives; each match carries the distance of every family the query gives. Sorted by the
    /// sum over families of distance / bits, then dataset (bytes), then key (bytes); at most
    /// `limit` per query, `truncated` when more matched.
    ///
    /// Memory is bounded by `queries.count x limit` kept matches, however many images match:
    /// pairs are streamed from the matcher into one bounded selection per query (`TopMatches`),
    /// never gathered. A pair within the threshold of several families is counted once, by the
    /// first family (in `MatchIndex.families` order) that finds it: a later family skips a pair that
    /// an earlier one the query gives is within its threshold of (the matcher is exact, so that
    /// family reported it). `shouldStop` is asked between datasets and families and every few
    /// thousand pairs; when it says true the query ends with `CancellationError`.
    public func query(_ queries: [Query], datasets: [String], thresholds: [HashFamily.ID: Int], limit: Int,
                      matcher: Matcher, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> [Answer] {
        guard limit > 0 else { return queries.map { _ in Answer(matches: [], truncated: false) } }
        // A name asked twice is one dataset (its images are not listed twice).
        var seen = Set<DatasetName>()
        let names = datasets.map(DatasetName.init).filter { seen.insert($0).inserted }
        lock.lock()
        let snapshot = names.map { columns[$0] ?? Column() }
        lock.unlock()

        let families = Self.families
        precondition(families.count <= 4, "programmer error: Distances holds 4 families")
        // The order's second key, dataset bytes, as a rank (names are distinct).
        var ranks = [Int32](repeating: 0, count: names.count)
        for (r, d) in names.indices.sorted(by: { names[$0] < names[$1] }).enumerated() { ranks[d] = Int32(r) }
        let rank = ranks
        let keys = snapshot.map(\.keys)
        let plan = FamilyPlan(queries, families: families, thresholds: thresholds)
        var selections = [TopMatches](repeating: TopMatches(), count: queries.count)
        var pulse = StopPulse(shouldStop)

        // The order, as today's full sort: score, then dataset bytes, then key bytes.
        let precedes: (Candidate, Candidate) -> Bool = { l, r in
            if l.score != r.score { return l.score < r.score }
            if l.dataset != r.dataset { return rank[Int(l.dataset)] < rank[Int(r.dataset)] }
            return keys[Int(l.dataset)][Int(l.image)] < keys[Int(r.dataset)][Int(r.image)]
        }

        for (d, column) in snapshot.enumerated() where !column.keys.isEmpty {
            let stored = families.map { column.words[$0.id] ?? [] }
            let has = families.map { column.has[$0.id] ?? [] }
            for (k, family) in families.enumerated() {
                let asking = plan.asking[k]
                guard !asking.isEmpty else { continue }
                try pulse.check()
                let packedQueries = PackedHashes(wordsPerHash: family.wordsPerHash, words: asking.flatMap { plan.words(k, $0) })
                let threshold = plan.thresholds[k]
                // Nearest distances are not used: exact up to the threshold is the cheapest.
                _ = try matcher.stream(packedQueries, column.packed(family), threshold: threshold,
                                       nearestRadius: threshold) { block in
                    for p in block {
                        try pulse.count(1)
                        let q = asking[Int(p.a)], i = Int(p.b)
                        // An image without this family is held as zeros: never a match.
                        guard has[k][i] else { continue }
                        guard let scored = plan.score(q, image: i, stored: stored, has: has, foundBy: k, distance: Int(p.distance))
                        else { continue }
                        selections[q].offer(Candidate(score: scored.score, dataset: Int32(d), image: Int32(i), distances: scored.distances),
                                            limit: limit, precedes: precedes)
                    }
                }
            }
        }
        try pulse.check()
        return selections.map { selection in
            let kept = selection.heap.sorted(by: precedes)
            let matches = kept.map { c in
                Match(dataset: names[Int(c.dataset)].string, key: keys[Int(c.dataset)][Int(c.image)], distances: c.distances,
                      score: c.score)
            }
            return Answer(matches: matches, truncated: selection.found > limit)
        }
    }

    /// Queries of pictures with their dihedral variants (`Query.variants`): every variant is
    /// searched as a query of its own, and each stored image is kept once, at the variant with
    /// the smallest score (the first in `Dihedral` order among equal ones), which becomes its
    /// `transform`; its distances are that variant's. The order and `limit` are `query`'s. Exact:
    /// an image among the best `limit` of the union is among the best `limit` of the search of
    /// its own variant (whatever precedes it there precedes it in the union too).
    public func queryDihedral(_ queries: [Query], datasets: [String], thresholds: [HashFamily.ID: Int], limit: Int,
                              matcher: Matcher, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> [Answer] {
        let expanded = queries.flatMap { q in (q.variants ?? [q.hashes]).map { Query(hashes: $0) } }
        let answers = try query(expanded, datasets: datasets, thresholds: thresholds, limit: limit, matcher: matcher,
                                shouldStop: shouldStop)
        struct Place: Hashable { var dataset: DatasetName; var key: FileKey }
        var out = [Answer](), next = 0
        for q in queries {
            let count = q.variants?.count ?? 1
            var best = [Place: Match](), truncated = false
            for v in 0..<count {
                let answer = answers[next + v]
                truncated = truncated || answer.truncated
                for var m in answer.matches {
                    let place = Place(dataset: DatasetName(m.dataset), key: m.key)
                    if let kept = best[place], kept.score <= m.score { continue }
                    m.transform = q.variants == nil ? nil : Dihedral(rawValue: v)
                    best[place] = m
                }
            }
            next += count
            let sorted = best.values.sorted { l, r in
                if l.score != r.score { return l.score < r.score }
                let ld = DatasetName(l.dataset), rd = DatasetName(r.dataset)
                if ld != rd { return ld < rd }
                return l.key < r.key
            }
            out.append(Answer(matches: Array(sorted.prefix(limit)), truncated: truncated || sorted.count > limit))
        }
        return out
    }

    /// A kept match: where it is and how it ranks (24 bytes, no references).
    struct Candidate {
        var score: Double
        var dataset: Int32
        var image: Int32
        var distances: Distances
    }

    /// The best `limit` candidates of one query seen so far, in a binary max-heap whose root is
    /// the worst kept one, and how many candidates were offered in all.
    struct TopMatches {
        var heap = [Candidate]()
        var found = 0

        mutating func offer(_ c: Candidate, limit: Int, precedes: (Candidate, Candidate) -> Bool) {
            found += 1
            if heap.count < limit {
                heap.append(c)
                var i = heap.count - 1
                while i > 0 {
                    let parent = (i - 1) / 2
                    guard precedes(heap[parent], heap[i]) else { break }
                    heap.swapAt(parent, i)
                    i = parent
                }
                return
            }
            // Full: only a candidate before the worst kept one gets in (the order is strict:
            // no two candidates are equal, so the kept set is exactly the full sort's prefix).
            guard precedes(c, heap[0]) else { return }
            heap[0] = c
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < heap.count && precedes(heap[worst], heap[l]) { worst = l }
                if r < heap.count && precedes(heap[worst], heap[r]) { worst = r }
                if worst == i { break }
                heap.swapAt(i, worst)
                i = worst
            }
        }
    }

    /// The queries' hashes laid out per family (position in `MatchIndex.families`), so that the
    /// per-pair work reads arrays instead of dictionaries.
    struct FamilyPlan {
        let wordsPerHash: [Int]
        let bits: [Int]
        let thresholds: [Int]
        /// Per family: the queries that give it, in order.
        let asking: [[Int]]
        /// Per family: each query's words (zeros where it does not give the family).
        let queryWords: [[UInt64]]
        /// Per family: whether each query gives it.
        let gives: [[Bool]]

        init(_ queries: [Query], families: [HashFamily], thresholds: [HashFamily.ID: Int]) {
            wordsPerHash = families.map(\.wordsPerHash)
            bits = families.map(\.bits)
            self.thresholds = families.map { thresholds[$0.id] ?? $0.defaultThreshold }
            asking = families.map { f in queries.indices.filter { queries[$0].hashes[f.id] != nil } }
            gives = families.map { f in queries.map { $0.hashes[f.id] != nil } }
            queryWords = families.map { f in
                queries.flatMap { q -> [UInt64] in
                    guard let w = q.hashes[f.id], w.count == f.wordsPerHash else { return Array(repeating: 0, count: f.wordsPerHash) }
                    return w
                }
            }
        }

        func words(_ f: Int, _ q: Int) -> ArraySlice<UInt64> {
            queryWords[f][(q * wordsPerHash[f])..<((q + 1) * wordsPerHash[f])]
        }

        /// The score and distances of query `q` and stored image `i`, found by family `k` at
        /// `distance`; nil when an earlier family the query gives is within its threshold (that
        /// family counted the pair). Families the stored image lacks add nothing. The score adds distance / bits family by family in
        /// `MatchIndex.families` order (the default two first, exactly as before, so ties fall the same way).
        @inline(__always)
        func score(_ q: Int, image i: Int, stored: [[UInt64]], has: [[Bool]], foundBy k: Int,
                   distance: Int) -> (score: Double, distances: Distances)? {
            var distances = Distances()
            var score = 0.0
            for f in 0..<wordsPerHash.count where gives[f][q] && has[f][i] {
                var d = distance
                if f != k {
                    let n = wordsPerHash[f]
                    d = Hamming.distance(queryWords[f], at: q * n, stored[f], at: i * n, words: n)
                    if f < k && d <= thresholds[f] { return nil }
                }
                distances.values[f] = UInt16(d)
                score = score + Double(d) / Double(bits[f])
            }
            return (score, distances)
        }
    }

    /// Asks `shouldStop` every `every` pairs (well under 50 ms of work) and at every `check`.
    struct StopPulse {
        let shouldStop: () -> Bool
        var pending = 0
        let every = 1 << 14

        init(_ shouldStop: @escaping () -> Bool) { self.shouldStop = shouldStop }

        func check() throws { if shouldStop() { throw CancellationError() } }

        mutating func count(_ n: Int) throws {
            pending += n
            if pending >= every {
                pending = 0
                try check()
            }
        }
    }
}
