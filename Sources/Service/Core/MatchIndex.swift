import Foundation
import HashKit
import Analysis
import CPUFallback

/// Every stored dataset's hashes in memory, one exact Hamming index (`HammingIndex`) per dataset
/// and family, loaded from the store at start and updated in place by every write (a new image
/// is matchable by the next query, with no rebuild and no copy of what is stored). Queries take
/// a snapshot of the datasets they ask under the lock and search it outside the lock, so writes
/// go on meanwhile; the answer is a brute-force scan's (the index is exact for every threshold,
/// scanning where probing would cost more).
///
/// Writes mutate the live record under the lock; a write copies only the chunks and pages it
/// touches that a query's snapshot still shares. A family index's growth rebuild (when its
/// count passes four times the last layout's) is done before that, outside the lock, on a copy
/// (`HammingIndex.reserve`), and swapped in with the write: queries never wait for a rebuild,
/// only for the batch's inserts. Writers are serialised by their own lock (`writer`), so
/// nothing changes a column between the copy and the swap.
///
/// Nothing per image on the heap: keys lie in byte arenas (`MatchKeys`), key -> slot is an
/// open-addressing table of slot numbers (`KeyTable`), hashes lie in each index's columns. At
/// start `HashService.reload` streams the store's rows into a `Loader` and each family's index
/// is built once from its gathered columns.
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

    /// What a query reads of a dataset: its images by slot and, per family (position in
    /// `MatchIndex.families`), the index of the images that have that family (an image without
    /// it is not there). A copy is a consistent snapshot that costs a few retains.
    struct Snapshot {
        var keys = MatchKeys()
        var indexes = [HammingIndex?](repeating: nil, count: MatchIndex.families.count)
    }

    /// A dataset's record: the snapshot part, and what only writers read (where each key is,
    /// which slots are free: slots stay dense, a removed image's slot is the next one taken).
    struct Column {
        var snapshot = Snapshot()
        var table = KeyTable()
        var free = [Int]()
        /// Slots ever taken (live or free).
        var slots = 0

        var count: Int { table.count }

        static func newIndex(_ family: HashFamily, expectedCount: Int = 0) -> HammingIndex {
            HammingIndex(words: family.wordsPerHash, threshold: family.defaultThreshold, expectedCount: expectedCount)
        }

        /// The entry's hash of family `f`, if it has one of the family's width.
        static func words(_ entry: Entry, _ f: Int) -> [UInt64]? {
            let family = MatchIndex.families[f]
            guard let w = entry[family.id], w.count == family.wordsPerHash else { return nil }
            return w
        }

        func slot(of key: UnsafeBufferPointer<UInt8>) -> Int? {
            table.find(key, hash: KeyTable.hash(key), in: snapshot.keys)
        }

        /// The slot of `key`: its own, or (a key the column lacks) the next free one, taken.
        mutating func take(_ key: UnsafeBufferPointer<UInt8>) -> Int {
            let hash = KeyTable.hash(key)
            if let s = table.find(key, hash: hash, in: snapshot.keys) { return s }
            let slot = free.popLast() ?? slots
            if slot == slots { slots += 1 }
            snapshot.keys.set(slot, key)
            table.insert(slot: slot, hash: hash)
            return slot
        }

        mutating func upsert(_ key: FileKey, _ entry: Entry) {
            let slot = key.bytes.withUnsafeBufferPointer { take($0) }
            for f in MatchIndex.families.indices {
                if let w = Self.words(entry, f) {
                    if snapshot.indexes[f] == nil { snapshot.indexes[f] = Self.newIndex(MatchIndex.families[f]) }
                    snapshot.indexes[f]?.replace(slot: slot, words: w)
                } else {
                    snapshot.indexes[f]?.remove(slot: slot)
                }
            }
        }

        mutating func remove(_ key: FileKey) {
            let found = key.bytes.withUnsafeBufferPointer { k -> Int? in
                let hash = KeyTable.hash(k)
                guard let slot = table.find(k, hash: hash, in: snapshot.keys) else { return nil }
                table.remove(slot: slot, hash: hash)
                return slot
            }
            guard let slot = found else { return }
            for f in MatchIndex.families.indices { snapshot.indexes[f]?.remove(slot: slot) }
            snapshot.keys.clear(slot)
            free.append(slot)
        }

        /// A column of `entries`, each family's index built in one pass.
        init(_ entries: [(FileKey, Entry)]) {
            var loader = Loader(expectedCount: entries.count)
            // A key given twice: its last entry wins, as upserts in order would give.
            var last = [FileKey: Int]()
            for (i, (key, _)) in entries.enumerated() { last[key] = i }
            for (i, (key, entry)) in entries.enumerated() where last[key] == i {
                key.bytes.withUnsafeBufferPointer { k in
                    let slot = loader.column.take(k)
                    for f in MatchIndex.families.indices {
                        guard let w = Self.words(entry, f) else { continue }
                        loader.slotsOf[f].append(slot)
                        loader.wordsOf[f] += w
                    }
                }
            }
            self = loader.column
            self.build(loader.slotsOf, loader.wordsOf)
        }

        init() {}

        /// Each family's index from its slots and words, in one pass a family, the families in
        /// parallel (the start's load: seconds at 10M images, most of it these passes).
        mutating func build(_ slotsOf: [[Int]], _ wordsOf: [[UInt64]]) {
            var built = snapshot.indexes
            let families = MatchIndex.families
            built.withUnsafeMutableBufferPointer { out in
                // Each iteration writes its own element only.
                nonisolated(unsafe) let out = out
                DispatchQueue.concurrentPerform(iterations: families.count) { f in
                    guard !slotsOf[f].isEmpty else { return }
                    var index = out[f] ?? Self.newIndex(families[f], expectedCount: slotsOf[f].count)
                    index.add(slots: slotsOf[f], words: wordsOf[f])
                    out[f] = index
                }
            }
            snapshot.indexes = built
            snapshot.keys.trim()
        }
    }

    /// Where `family` sits in `MatchIndex.families` (the `family` argument of `Loader.add`);
    /// nil for a family the index does not hold.
    public static func position(of family: HashFamily) -> Int? { families.firstIndex(of: family) }

    /// A dataset's column made from bulk rows (the start's load from the store): each row gives
    /// one key some families' words; the words of a family are gathered and its index is built
    /// in one pass by `load(name:_:)`. Nothing per image but its key's bytes, its slot in the
    /// key table, and its words.
    public struct Loader {
        var column = Column()
        var slotsOf = [[Int]](repeating: [], count: MatchIndex.families.count)
        var wordsOf = [[UInt64]](repeating: [], count: MatchIndex.families.count)

        public init(expectedCount: Int = 0) {
            column.table = KeyTable(expectedCount: expectedCount)
        }

        /// Gives `key` the hash `words` of the family at `position` (`MatchIndex.position(of:)`),
        /// which must be that family's width. A key given a family twice keeps the last.
        public mutating func add(key: UnsafeBufferPointer<UInt8>, family position: Int, words: UnsafeBufferPointer<UInt64>) {
            precondition(words.count == MatchIndex.families[position].wordsPerHash, "programmer error: \(words.count) words")
            let slot = column.take(key)
            slotsOf[position].append(slot)
            wordsOf[position].append(contentsOf: words)
        }

        public var count: Int { column.count }
    }

    /// How each family's index answers (tests force probing or scanning: the answer must not
    /// depend on it).
    var strategy = HammingIndex.Strategy.automatic

    private let lock = NSLock()
    /// Held by every write for its whole length (taken before `lock`): one writer at a time, so
    /// what a write prepares outside `lock` is still current when it swaps it in.
    private let writer = NSLock()
    /// Keyed by the name's bytes, as the store compares names (see `DatasetName`).
    private var columns = [DatasetName: Column]()

    public init() {}

    /// Replaces a dataset's column with its stored images' entries (start, and after a scan).
    public func load(name: String, _ entries: [(FileKey, Entry)]) {
        let column = Column(entries)
        writer.withLock {
            lock.lock()
            columns[DatasetName(name)] = column
            lock.unlock()
        }
    }

    /// Replaces a dataset's column with what `loader` gathered, each family's index built in one
    /// pass (the families in parallel), outside the lock.
    public func load(name: String, _ loader: consuming Loader) {
        var column = loader.column
        column.build(loader.slotsOf, loader.wordsOf)
        writer.withLock {
            lock.lock()
            columns[DatasetName(name)] = column
            lock.unlock()
        }
    }

    /// Sets each key's entry, replacing what the key held (families it no longer has go).
    public func upsert(name: String, _ items: [(FileKey, Entry)]) {
        let name = DatasetName(name)
        writer.lock()
        defer { writer.unlock() }
        var grown = grownIndexes(name, items)
        lock.lock()
        // The column moved out of the dictionary (no copy: nothing else holds it but the
        // snapshots queries took) and back, so the batch's upserts mutate it in place and look
        // the name up once. What a query's snapshot shares is copied chunk by chunk (a page of an
        // index, a chunk of keys), only where a write touches it.
        var column = columns.removeValue(forKey: name) ?? Column()
        for (f, index) in grown { column.snapshot.indexes[f] = index }
        // The grown indexes' tables are the column's alone from here on (no copy on insert).
        grown.removeAll()
        for (key, entry) in items { column.upsert(key, entry) }
        columns[name] = column
        lock.unlock()
    }

    /// The family indexes of `name` that adding `items` would rebuild, rebuilt for the larger
    /// count on copies, outside `lock` (called with `writer` held); an index the column lacks
    /// is made here too when the batch is large enough to grow it. By position in `families`.
    private func grownIndexes(_ name: DatasetName, _ items: [(FileKey, Entry)]) -> [Int: HammingIndex] {
        var adds = [Int](repeating: 0, count: Self.families.count)
        for (_, entry) in items {
            for f in Self.families.indices where Column.words(entry, f) != nil { adds[f] += 1 }
        }
        lock.lock()
        let current = columns[name]?.snapshot.indexes ?? [HammingIndex?](repeating: nil, count: Self.families.count)
        lock.unlock()
        var grown = [Int: HammingIndex]()
        for f in Self.families.indices where adds[f] > 0 {
            var index = current[f] ?? Column.newIndex(Self.families[f])
            guard index.wouldReshape(adding: adds[f]) else { continue }
            index.reserve(adding: adds[f])
            grown[f] = index
        }
        return grown
    }

    public func remove(name: String, keys: [FileKey]) {
        let name = DatasetName(name)
        writer.lock()
        defer { writer.unlock() }
        lock.lock()
        for key in keys { columns[name]?.remove(key) }
        lock.unlock()
    }

    public func drop(name: String) {
        writer.lock()
        defer { writer.unlock() }
        lock.lock()
        columns[DatasetName(name)] = nil
        lock.unlock()
    }

    public func count(name: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return columns[DatasetName(name)]?.count ?? 0
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
    /// each query's matches come from its family's index in blocks (a scan's a chunk at a
    /// time) into one bounded selection per query (`TopMatches`), never gathered. An image
    /// within the threshold of several families is counted once, by the first family (in
    /// `MatchIndex.families` order) that finds it: a later family skips an image that an
    /// earlier one the query gives is within its threshold of (the index is exact, so that
    /// family reported it). `shouldStop` is asked between datasets, families and queries and
    /// every few thousand matches; when it says true the query ends with `CancellationError`.
    public func query(_ queries: [Query], datasets: [String], thresholds: [HashFamily.ID: Int], limit: Int,
                      shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> [Answer] {
        guard limit > 0 else { return queries.map { _ in Answer(matches: [], truncated: false) } }
        // A name asked twice is one dataset (its images are not listed twice).
        var seen = Set<DatasetName>()
        let names = datasets.map(DatasetName.init).filter { seen.insert($0).inserted }
        lock.lock()
        let snapshot = names.map { columns[$0]?.snapshot ?? Snapshot() }
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
            // Same dataset: compare the keys' bytes where they lie.
            return keys[Int(l.dataset)].precedes(Int(l.image), Int(r.image))
        }

        for (d, dataset) in snapshot.enumerated() {
            for (k, index) in dataset.indexes.enumerated() {
                guard let index, index.count > 0 else { continue }
                // A threshold under 0 matches nothing (the route allows 0...bits).
                let threshold = plan.thresholds[k]
                guard threshold >= 0 else { continue }
                for q in plan.asking[k] {
                    try pulse.check()
                    try index.search(Array(plan.words(k, q)), threshold: threshold, strategy: strategy) { block in
                        try pulse.count(block.count)
                        for m in block {
                            guard let scored = plan.score(q, image: m.slot, indexes: dataset.indexes, foundBy: k, distance: m.distance)
                            else { continue }
                            selections[q].offer(Candidate(score: scored.score, dataset: Int32(d), image: Int32(m.slot),
                                                          distances: scored.distances),
                                                limit: limit, precedes: precedes)
                        }
                    }
                }
            }
        }
        try pulse.check()
        return selections.map { selection in
            let kept = selection.heap.sorted(by: precedes)
            let matches = kept.map { c in
                Match(dataset: names[Int(c.dataset)].string, key: keys[Int(c.dataset)].key(Int(c.image)),
                      distances: c.distances, score: c.score)
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
                              shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> [Answer] {
        let expanded = queries.flatMap { q in (q.variants ?? [q.hashes]).map { Query(hashes: $0) } }
        let answers = try query(expanded, datasets: datasets, thresholds: thresholds, limit: limit, shouldStop: shouldStop)
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
        /// family counted the image). Families the stored image lacks add nothing. The score adds
        /// distance / bits family by family in `MatchIndex.families` order (the default two first,
        /// exactly as before, so ties fall the same way).
        @inline(__always)
        func score(_ q: Int, image i: Int, indexes: [HammingIndex?], foundBy k: Int,
                   distance: Int) -> (score: Double, distances: Distances)? {
            var distances = Distances()
            var score = 0.0
            for f in 0..<wordsPerHash.count where gives[f][q] {
                var d = distance
                if f != k {
                    guard let other = indexes[f]?.distance(words(f, q), slot: i) else { continue }
                    d = other
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
