import Foundation
import HashKit
import Analysis

/// Every stored dataset's hashes in memory as packed columns (one per family), loaded from the
/// store at start and updated by every write, so a new image is matchable by the next query
/// without any index rebuild. Queries scan the columns exactly (brute force on the warm
/// matcher: a range search that never misses a pair).
public final class MatchIndex: @unchecked Sendable {
    struct Column {
        var keys = [FileKey]()
        var position = [FileKey: Int]()
        /// Per family, `wordsPerHash` words per image in `keys` order.
        var words = [HashFamily.ID: [UInt64]]()

        mutating func upsert(_ key: FileKey, _ hashes: ImageHashes) {
            if let i = position[key] {
                for family in HashFamily.all {
                    let w = family.words(of: hashes), n = family.wordsPerHash
                    words[family.id]?.replaceSubrange(i * n ..< (i + 1) * n, with: w)
                }
            } else {
                position[key] = keys.count
                keys.append(key)
                for family in HashFamily.all { words[family.id, default: []] += family.words(of: hashes) }
            }
        }

        /// Swap-remove: the last image takes the removed one's place.
        mutating func remove(_ key: FileKey) {
            guard let i = position.removeValue(forKey: key) else { return }
            let last = keys.count - 1
            if i != last {
                keys[i] = keys[last]
                position[keys[i]] = i
                for family in HashFamily.all {
                    let n = family.wordsPerHash
                    guard var w = words[family.id] else { continue }
                    w.replaceSubrange(i * n ..< (i + 1) * n, with: w[last * n ..< (last + 1) * n])
                    words[family.id] = w
                }
            }
            keys.removeLast()
            for family in HashFamily.all { words[family.id]?.removeLast(family.wordsPerHash) }
        }

        func packed(_ family: HashFamily) -> PackedHashes {
            PackedHashes(wordsPerHash: family.wordsPerHash, words: words[family.id] ?? [])
        }
    }

    private let lock = NSLock()
    private var columns = [String: Column]()

    public init() {}

    /// Replaces a dataset's column with `dataset`'s hashed images (start, and after a scan).
    public func load(name: String, _ dataset: DatasetResult) {
        var column = Column()
        for (key, hashes) in zip(dataset.keys, dataset.hashes) { column.upsert(key, hashes) }
        lock.lock()
        columns[name] = column
        lock.unlock()
    }

    public func upsert(name: String, _ items: [(FileKey, ImageHashes)]) {
        lock.lock()
        var column = columns.removeValue(forKey: name) ?? Column()
        for (key, hashes) in items { column.upsert(key, hashes) }
        columns[name] = column
        lock.unlock()
    }

    public func remove(name: String, keys: [FileKey]) {
        lock.lock()
        if var column = columns.removeValue(forKey: name) {
            for key in keys { column.remove(key) }
            columns[name] = column
        }
        lock.unlock()
    }

    public func drop(name: String) {
        lock.lock()
        columns[name] = nil
        lock.unlock()
    }

    public func count(name: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return columns[name]?.keys.count ?? 0
    }

    // MARK: Queries

    /// One query: its hashes for the families it gives.
    public struct Query: Sendable {
        public var hashes: [HashFamily.ID: [UInt64]]
        public init(hashes: [HashFamily.ID: [UInt64]]) { self.hashes = hashes }
    }

    public struct Match: Sendable, Equatable {
        public var dataset: String
        public var key: FileKey
        /// Distance per family the query gave.
        public var distances: [HashFamily.ID: Int]
    }

    public struct Answer: Sendable {
        public var matches: [Match]
        public var truncated: Bool
    }

    /// Every stored image of `datasets` within the threshold of at least one family the query
    /// gives; each match carries the distance of every family the query gives. Sorted by the
    /// sum over families of distance / bits, then dataset, then key; at most `limit` per query.
    public func query(_ queries: [Query], datasets: [String], thresholds: [HashFamily.ID: Int], limit: Int,
                      matcher: Matcher) throws -> [Answer] {
        lock.lock()
        let snapshot = datasets.map { ($0, columns[$0] ?? Column()) }
        lock.unlock()

        var found = [[Match]](repeating: [], count: queries.count)
        for (name, column) in snapshot where !column.keys.isEmpty {
            // Candidates: (query, image) pairs within some family's threshold.
            var candidates = [Int: Set<Int>]()
            for family in HashFamily.all {
                let asking = queries.indices.filter { queries[$0].hashes[family.id] != nil }
                guard !asking.isEmpty else { continue }
                let packedQueries = PackedHashes(wordsPerHash: family.wordsPerHash,
                                                 words: asking.flatMap { queries[$0].hashes[family.id] ?? [] })
                let result = try matcher.match(packedQueries, column.packed(family),
                                               threshold: thresholds[family.id] ?? family.defaultThreshold)
                for p in result.pairs { candidates[asking[Int(p.a)], default: []].insert(Int(p.b)) }
            }
            for (q, images) in candidates {
                for i in images {
                    var distances = [HashFamily.ID: Int]()
                    for family in HashFamily.all {
                        guard let words = queries[q].hashes[family.id], let column = column.words[family.id] else { continue }
                        let n = family.wordsPerHash
                        var d = 0
                        for w in 0..<n { d += (words[w] ^ column[i * n + w]).nonzeroBitCount }
                        distances[family.id] = d
                    }
                    found[q].append(Match(dataset: name, key: column.keys[i], distances: distances))
                }
            }
        }
        return found.map { matches in
            let sorted = matches.sorted { l, r in
                let ls = Self.score(l), rs = Self.score(r)
                if ls != rs { return ls < rs }
                if l.dataset != r.dataset { return Array(l.dataset.utf8).lexicographicallyPrecedes(Array(r.dataset.utf8)) }
                return l.key < r.key
            }
            return Answer(matches: Array(sorted.prefix(limit)), truncated: sorted.count > limit)
        }
    }

    static func score(_ m: Match) -> Double {
        HashFamily.all.reduce(0.0) { sum, family in
            sum + (m.distances[family.id].map { Double($0) / Double(family.bits) } ?? 0)
        }
    }
}
