import CHashKernels
import Foundation
import HashKit

/// Exact all-pairs Hamming matching by multi-index hashing (MIH: Norouzi, Punjani & Fleet, "Fast
/// Exact Search in Hamming Space with Multi-Index Hashing"). `pairs` are exactly those of the
/// brute force (`CPUMatcher`): every (i, j) with distance <= threshold, sorted by (a, b).
///
/// **Method.** Each hash of `bits` bits is cut into m disjoint *strided* substrings: substring s
/// holds bits s, s + m, s + 2m, ... (strided rather than contiguous, so that each substring
/// samples the whole image: neighbouring blockmean blocks and DCT coefficients are correlated,
/// which would crowd contiguous substrings into few buckets). With threshold r = q·m + a
/// (0 <= a < m), a pair within distance r has substring distance <= q on one of the first a + 1
/// substrings or <= q - 1 on one of the others (otherwise the distance would be at least
/// (a + 1)(q + 1) + (m - a - 1)q = r + 1): the exact generalised pigeonhole bound, slightly
/// tighter than "some substring within floor(r / m)". Substrings whose radius is negative are
/// not probed at all (so m > r + 1 never helps).
///
/// One table per probed substring indexes the other set, keyed by the substring's first K bits
/// (K = its length, capped near log2 of the set size so buckets hold about one entry), in CSR
/// form: 2^K + 1 `UInt32` bucket starts and the entries' indices grouped by bucket (plus, for
/// 64-bit hashes, a copy of each hash, so a bucket is verified with sequential reads, eight at a
/// time with AVX-512 VPOPCNTQ where the CPU has it). A query probes every key within its table's
/// radius (precomputed XOR masks of <= radius bits over K bits, buckets prefetched ahead) and
/// verifies each entry with the full popcount (C kernel `chk_mih_query`).
///
/// **No duplicate candidates, no candidate set.** A pair is reported only by the *first* table
/// whose substring distance qualifies it (checked with masked popcounts, only for the rare
/// candidates that are within the radius). Every qualifying pair is found there exactly once (a
/// bucket is probed at most once per table and holds each entry once), so there is no marker
/// array or `Set`: memory stays bounded by the tables and the output, however clustered the data
/// (10 000 copies of one hash cost 10 000 verifications per query, never extra memory).
///
/// **Choosing m.** `plan` evaluates every m in 1...r+1, key widths around log2 of the indexed
/// set's size and both orientations (index B and query with A, or the reverse) with a cost model
/// (`Cost`: probes, expected candidates for uniformly random hashes, table building, and which
/// cache level the tables fit in; constants measured on an AMD EPYC, release build) and compares
/// it with the brute force at its measured cost per pair; `.automatic` takes the cheaper. Picks at
/// threshold 8: phash 1M x 1M m = 4 (16-bit substrings, radius 2 on the first and 1 on the
/// others: 188 probes and ~2 900 candidates a query; m = 3 with radius 2 everywhere probes 3x
/// more and measured 3x slower), phash 100k x 100k m = 5 (13-bit, radii 1,1,1,1,0); blockmean
/// m = 9 (28/29-bit substrings, radius 0: 9 lookups a query, keys of 18 bits at 100k and 23 at
/// 1M). Brute force stays for small jobs (roughly below 3 000 x 3 000 at threshold 8).
///
/// **Queries in key order.** A runs in the order of its key in the first table (the one with the
/// largest radius, so most probes): consecutive queries probe the same or neighbouring buckets,
/// which stay in cache, and the copies of a cluster run back to back. Pairs are gathered back
/// into (a, b) order at the end.
///
/// **Nearest distances.** `nearestInB[i]` / `nearestInA[j]` are exact when the nearest distance
/// is <= `nearestRadius` (the threshold of each call unless given; the index then searches
/// max(threshold, nearestRadius)), `fartherThanRadius` otherwise, and `UInt16.max` when the other
/// set is empty (as the brute force). The brute-force path reports the same clamped values, so the
/// result never depends on the strategy chosen.
///
/// The queries are processed in chunks pulled by `threads` workers
/// (`DispatchQueue.concurrentPerform`); each worker keeps its own nearest-distance array for the
/// indexed set (merged by min); the output never depends on scheduling. Memory: the tables
/// (e.g. 49 MB for 1M phash, 338 MB for 1M blockmean), the query order (4 bytes a query), and
/// the output twice while it is gathered.
public final class IndexedMatcher: Matcher {
    /// `nearestInB` / `nearestInA` value for "farther than `nearestRadius`".
    public static let fartherThanRadius: UInt16 = MatchResult.fartherThanRadius

    public enum Strategy: Equatable, Sendable {
        /// The cheapest of brute force and the best index plan, by `estimatedCost`.
        case automatic
        /// Always the brute force (`CPUMatcher`), nearest distances clamped as the index reports them.
        case bruteForce
        /// Always the index: `substrings` forces m, `indexA` forces which set is indexed (nil: by
        /// cost). For tests and benchmarks. Brute force still when no plan is feasible (all
        /// would probe over 2^22 keys a table, or the tables would exceed a quarter of RAM).
        case indexed(substrings: Int? = nil, indexA: Bool? = nil)
    }

    public let threads: Int
    /// Nearest distances up to this are exact; nil: the threshold of each `match`.
    public let nearestRadius: Int?
    public let strategy: Strategy
    let variant: Int32
    /// Pairs a search keeps in memory before its spool goes to disk (tests lower it).
    var spoolMemoryLimit = 1 << 20

    public convenience init(threads: Int = min(2, ProcessInfo.processInfo.activeProcessorCount),
                            nearestRadius: Int? = nil, strategy: Strategy = .automatic) {
        self.init(threads: threads, nearestRadius: nearestRadius, strategy: strategy, variant: Int32(chk_mih_best_variant()))
    }

    init(threads: Int, nearestRadius: Int?, strategy: Strategy, variant: Int32) {
        precondition(nearestRadius.map { $0 >= 0 } ?? true, "programmer error: negative nearestRadius")
        self.threads = max(1, threads)
        self.nearestRadius = nearestRadius
        self.strategy = strategy
        self.variant = variant
    }

    // MARK: - Cost model

    /// How one index search is laid out.
    public struct Plan: Equatable, Sendable, CustomStringConvertible {
        /// m: substrings per hash (substring s = bits s, s + m, s + 2m, ...).
        public let substrings: Int
        /// Per probed substring (the first `radii.count`): the substring distance probed.
        public let radii: [Int]
        /// Per probed substring: the bits of its table key.
        public let keyBits: [Int]
        /// Bucket probes per query, all tables.
        public let probesPerQuery: Int
        /// Expected candidates per query for uniformly random hashes.
        public let candidatesPerQuery: Double
        /// true: A is indexed and B's hashes are the queries.
        public let indexesA: Bool
        /// Bytes of the tables.
        public let tableBytes: Int
        /// Estimated single-core seconds.
        public let estimatedSeconds: Double

        public var description: String {
            let subs = zip(radii, keyBits).map { "r\($0)/k\($1)" }.joined(separator: ",")
            return String(format: "MIH m=%d [%@] %@ probes/q=%d cand/q=%.1f tables=%.1f MB est=%.2fs",
                          substrings, subs, indexesA ? "index A" : "index B", probesPerQuery,
                          candidatesPerQuery, Double(tableBytes) / 1e6, estimatedSeconds)
        }
    }

    /// Single-core nanoseconds, measured on an AMD EPYC (Zen 4, 1 MB L2 per core, 32 MB L3),
    /// release build, 1M x 1M and 100k x 100k: the brute force per pair; and for the index, per
    /// table and query a fixed cost (the first, unprefetched bucket: a cache or DRAM miss), per
    /// probe (later buckets are prefetched, so their misses overlap), per candidate (64-bit
    /// hashes sit in the table and are scanned eight at a time; wider ones are read from the set
    /// at random), and per entry and table to build. Memory costs depend on which level the
    /// tables fit in; the first table's probes mostly hit the cache, as queries run in the order
    /// of that table's key.
    enum Cost {
        static func brutePerPair(words: Int) -> Double { words == 1 ? 0.2 : 0.3 * Double(words) }
        enum Level { case l2, l3, dram }
        static func level(bytes: Int) -> Level { bytes <= 512 << 10 ? .l2 : bytes <= 16 << 20 ? .l3 : .dram }
        static func perTable(_ l: Level) -> Double { l == .l2 ? 10 : l == .l3 ? 60 : 250 }
        static func probe(_ l: Level) -> Double { l == .l2 ? 3 : l == .l3 ? 8 : 25 }
        /// A candidate of `words` words; `setLevel`: where the indexed set's hashes fit.
        static func candidate(words: Int, setLevel: Level) -> Double {
            if words == 1 {
                let v = chk_mih_best_variant()
                return v >= CHK_MIH_AVX512 ? 0.4 : v == CHK_PORTABLE ? 2.5 : 1.0
            }
            return setLevel == .l2 ? 3 + 0.3 * Double(words) : setLevel == .l3 ? 15 : 100
        }
        static func buildPerEntry(keyBits: Int) -> Double { 6 + 0.4 * Double(keyBits) }
        static let perBucket = 0.5
        /// Allocating and first touching table memory.
        static let perByte = 0.25
        static let perQuery = 20.0
        static func key(bits: Int) -> Double { 0.4 * Double(bits) }
        /// The first table's probes that hit the cache: most, once the queries cover its keys.
        static func locality(queries: Int, keyBits: Int) -> Double { 0.8 * min(1, Double(queries) / Double(1 << keyBits)) }
        static let maxFlips = 1 << 22
    }

    /// Single-core seconds the brute force and the best index plan would take for threshold
    /// (the search radius) `threshold`; `indexed` is infinite when no plan is feasible.
    public static func estimatedCost(aCount: Int, bCount: Int, bits: Int, threshold: Int) -> (bruteForce: Double, indexed: Double) {
        let brute = Double(aCount) * Double(bCount) * Cost.brutePerPair(words: max(1, bits / 64)) * 1e-9
        let plan = plan(aCount: aCount, bCount: bCount, bits: bits, threshold: threshold)
        return (brute, plan?.estimatedSeconds ?? .infinity)
    }

    /// Whether the index is estimated cheaper than the brute force.
    public static func prefersIndex(aCount: Int, bCount: Int, bits: Int, threshold: Int) -> Bool {
        let c = estimatedCost(aCount: aCount, bCount: bCount, bits: bits, threshold: threshold)
        return c.indexed < c.bruteForce
    }

    /// The cheapest index plan for search radius `threshold` (nil when a set is empty or no plan
    /// is feasible). `substrings` and `indexA` force those choices.
    public static func plan(aCount: Int, bCount: Int, bits: Int, threshold: Int,
                            substrings: Int? = nil, indexA: Bool? = nil) -> Plan? {
        guard aCount > 0, bCount > 0, bits > 0, threshold >= 0 else { return nil }
        var best: Plan?
        for swap in [false, true] where indexA == nil || indexA == swap {
            let (nq, ni) = swap ? (bCount, aCount) : (aCount, bCount)
            let ms = substrings.map { [min(max(1, $0), bits)] } ?? Array(1...min(bits, threshold + 1))
            let width = Int.bitWidth - ni.leadingZeroBitCount
            for m in ms {
                for cap in Set((width - 1)...(width + 3)).map({ min(24, max(4, $0)) }).sorted() {
                    guard let p = evaluate(queries: nq, indexed: ni, bits: bits, radius: threshold, m: m,
                                           keyCap: cap, indexesA: swap) else { continue }
                    if best == nil || p.estimatedSeconds < best!.estimatedSeconds { best = p }
                }
            }
        }
        return best
    }

    static func evaluate(queries nq: Int, indexed ni: Int, bits: Int, radius r: Int, m: Int, keyCap: Int,
                         indexesA: Bool) -> Plan? {
        let words = (bits + 63) / 64
        let q = r / m, extra = r % m
        var radii = [Int](), keys = [Int]()
        for s in 0..<m {
            let rho = s <= extra ? q : q - 1
            guard rho >= 0 else { break }
            radii.append(rho)
            keys.append(min((bits - s + m - 1) / m, keyCap))
        }
        var probes = 0, candidates = 0.0, tableBytes = 0, build = 0.0
        var flips = [Int]()
        for (rho, k) in zip(radii, keys) {
            let f = flipCount(bits: k, radius: rho)
            guard f <= Cost.maxFlips else { return nil }
            flips.append(f)
            probes += f
            candidates += Double(f) * Double(ni) / Double(1 << k)
            tableBytes += 4 * ((1 << k) + 1) + 4 * ni + (words == 1 ? 8 * ni : 0) + 4 * f
            build += Double(ni) * Cost.buildPerEntry(keyBits: k) + Double(1 << k) * Cost.perBucket
        }
        guard tableBytes <= Int(ProcessInfo.processInfo.physicalMemory / 4) else { return nil }
        build += Double(tableBytes) * Cost.perByte
        let level = Cost.level(bytes: tableBytes)
        var perQuery = Cost.perQuery
        for (t, (f, k)) in zip(flips, keys).enumerated() {
            let miss = t == 0 ? 1 - Cost.locality(queries: nq, keyBits: k) : 1
            perQuery += Cost.key(bits: k) + miss * (Cost.perTable(level) + Double(f) * Cost.probe(level))
        }
        perQuery += candidates * Cost.candidate(words: words, setLevel: Cost.level(bytes: 8 * words * ni))
        let seconds = (build + Double(nq) * perQuery) * 1e-9
        return Plan(substrings: m, radii: radii, keyBits: keys, probesPerQuery: probes,
                    candidatesPerQuery: candidates, indexesA: indexesA,
                    tableBytes: tableBytes, estimatedSeconds: seconds)
    }

    /// Masks of at most `radius` bits over `bits` bits: sum of C(bits, k), k <= radius (saturating).
    static func flipCount(bits: Int, radius: Int) -> Int {
        var total = 0, c = 1
        for k in 0...min(radius, bits) {
            if k > 0 { c = c * (bits - k + 1) / k }
            total += c
            if total > Cost.maxFlips { return Cost.maxFlips + 1 }
        }
        return total
    }

    /// Every `bits`-bit mask with at most `radius` bits set, by popcount, then ascending.
    static func flipMasks(bits: Int, radius: Int) -> [UInt32] {
        var out: [UInt32] = [0]
        guard radius >= 1 else { return out }
        let limit: UInt64 = 1 << UInt64(bits)
        for k in 1...min(radius, bits) {
            var v: UInt64 = (1 << UInt64(k)) - 1
            while v < limit {
                out.append(UInt32(v))
                let c = v & (0 &- v), r = v + c
                v = (((r ^ v) >> 2) / c) | r
            }
        }
        return out
    }

    // MARK: - Matching

    public func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult {
        var pairs = [MatchPair]()
        var transposed = false
        let near = try run(a, b, threshold: threshold, nearestRadius: nearestRadius ?? threshold, indexA: nil) { block, isTransposed in
            pairs += block
            transposed = isTransposed
        }
        if transposed { pairs = Self.transpose(pairs, aCount: a.count) }
        return MatchResult(pairs: pairs, nearestInB: near.nearestInB, nearestInA: near.nearestInA)
    }

    /// Pairs in (a, b) order, a block at a time: the index always covers B here (indexing A would
    /// yield them in (b, a) order), and the pairs wait in a `RecordSpool`, so memory is the
    /// tables plus 12 bytes a query however many pairs there are.
    public func stream(_ a: PackedHashes, _ b: PackedHashes, threshold: Int, nearestRadius: Int?,
                       sink: (ArraySlice<MatchPair>) throws -> Void) throws -> NearestDistancesResult {
        try run(a, b, threshold: threshold, nearestRadius: nearestRadius ?? Int(UInt16.max), indexA: false) { block, _ in
            try sink(block)
        }
    }

    /// The strategy's choice between brute force and an index plan, then the search; `emit`
    /// gets blocks of pairs sorted by (query, indexed) and whether queries are B (`indexA`).
    private func run(_ a: PackedHashes, _ b: PackedHashes, threshold: Int, nearestRadius near: Int, indexA: Bool?,
                     emit: (ArraySlice<MatchPair>, Bool) throws -> Void) throws -> NearestDistancesResult {
        guard a.wordsPerHash == b.wordsPerHash else { throw MatchError.widthMismatch(a.wordsPerHash, b.wordsPerHash) }
        guard threshold >= 0 else { throw MatchError.negativeThreshold(threshold) }
        let na = a.count, nb = b.count
        guard na > 0, nb > 0 else {
            return NearestDistancesResult(nearestInB: [UInt16](repeating: .max, count: na),
                                          nearestInA: [UInt16](repeating: .max, count: nb))
        }
        // Nearest distances exact up to `near` need a search of that radius; past the hash
        // width every distance is exact anyway.
        let radius = max(threshold, min(near, a.bits))
        let plan: Plan?
        switch strategy {
        case .bruteForce:
            plan = nil
        case .automatic:
            let p = Self.plan(aCount: na, bCount: nb, bits: a.bits, threshold: radius, indexA: indexA)
            let brute = Double(na) * Double(nb) * Cost.brutePerPair(words: a.wordsPerHash) * 1e-9
            plan = p.flatMap { $0.estimatedSeconds < brute ? $0 : nil }
        case .indexed(let m, let forced):
            plan = Self.plan(aCount: na, bCount: nb, bits: a.bits, threshold: radius, substrings: m, indexA: indexA ?? forced)
        }
        guard let plan else {
            let brute = CPUMatcher(threads: threads, variant: variant)
            return try brute.stream(a, b, threshold: threshold, nearestRadius: near) { try emit($0, false) }
        }
        if plan.indexesA {
            let r = try search(queries: b, index: a, plan: plan, threshold: threshold, near: near) { try emit($0, true) }
            return NearestDistancesResult(nearestInB: r.nearIndex, nearestInA: r.nearQuery)
        }
        let r = try search(queries: a, index: b, plan: plan, threshold: threshold, near: near) { try emit($0, false) }
        return NearestDistancesResult(nearestInB: r.nearQuery, nearestInA: r.nearIndex)
    }

    /// One substring's table over the indexed set, in CSR form (manually allocated, so the C
    /// kernel can hold its pointers for the whole search).
    final class Table {
        let substring: Int, keyBits: Int, radius: Int
        let offsets: UnsafeMutableBufferPointer<UInt32>
        let ids: UnsafeMutableBufferPointer<UInt32>
        let hashes: UnsafeMutableBufferPointer<UInt64>?
        let flips: UnsafeMutableBufferPointer<UInt32>

        init(set: UnsafeBufferPointer<UInt64>, words: Int, count n: Int, m: Int, substring: Int, keyBits: Int,
             radius: Int) {
            self.substring = substring
            self.keyBits = keyBits
            self.radius = radius
            let size = 1 << keyBits
            offsets = .allocate(capacity: size + 1)
            offsets.initialize(repeating: 0)
            ids = .allocate(capacity: max(1, n))
            let keys = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(1, n))
            defer { keys.deallocate() }
            chk_mih_keys(set.baseAddress!, words, n, Int32(m), Int32(substring), Int32(keyBits), keys.baseAddress!)
            for i in 0..<n { offsets[Int(keys[i]) + 1] &+= 1 }
            for k in 0..<size { offsets[k + 1] &+= offsets[k] }
            // Scatter in ascending index order (stable), advancing each bucket's start to its
            // end, then shift the starts back by one bucket.
            for i in 0..<n {
                let k = Int(keys[i])
                ids[Int(offsets[k])] = UInt32(truncatingIfNeeded: i)
                offsets[k] &+= 1
            }
            var k = size
            while k > 0 { offsets[k] = offsets[k - 1]; k -= 1 }
            offsets[0] = 0
            if words == 1 {
                let h = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(1, n))
                for e in 0..<n { h[e] = set[Int(ids[e])] }
                hashes = h
            } else {
                hashes = nil
            }
            let masks = IndexedMatcher.flipMasks(bits: keyBits, radius: radius)
            flips = .allocate(capacity: masks.count)
            _ = flips.initialize(from: masks)
        }

        deinit {
            offsets.deallocate()
            ids.deallocate()
            hashes?.deallocate()
            flips.deallocate()
        }

        var raw: chk_mih_table {
            chk_mih_table(offsets: UnsafePointer(offsets.baseAddress!), ids: UnsafePointer(ids.baseAddress!),
                          hashes: hashes.map { UnsafePointer($0.baseAddress!) }, flips: UnsafePointer(flips.baseAddress!),
                          flip_count: flips.count, substring: Int32(substring), key_bits: Int32(keyBits),
                          radius: Int32(radius), reserved: 0)
        }
    }

    struct SearchResult {
        var nearQuery: [UInt16]
        var nearIndex: [UInt16]
    }

    /// Pairs handed to `emit` per block: about 1 MB.
    static let emitBlock = 1 << 16

    /// Every query hash against the tables over `index`. Pairs go to `emit` sorted by (query,
    /// index), a block at a time.
    func search(queries x: PackedHashes, index y: PackedHashes, plan: Plan, threshold: Int, near: Int,
                emit: (ArraySlice<MatchPair>) throws -> Void) throws -> SearchResult {
        let words = x.wordsPerHash, nx = x.count, ny = y.count, m = plan.substrings
        let tableCount = plan.radii.count
        // Substring bit masks, table order.
        var masks = [UInt64](repeating: 0, count: tableCount * words)
        for t in 0..<tableCount {
            var bit = t
            while bit < x.bits { masks[t * words + bit / 64] |= 1 << UInt64(bit % 64); bit += m }
        }
        let workers = max(1, threads)
        var tables = [Table?](repeating: nil, count: tableCount)
        y.words.withUnsafeBufferPointer { yw in
            let lock = NSLock()
            var next = 0
            DispatchQueue.concurrentPerform(iterations: min(workers, tableCount)) { _ in
                while true {
                    let t: Int = lock.withLock { defer { next += 1 }; return next }
                    guard t < tableCount else { break }
                    let table = Table(set: yw, words: words, count: ny, m: m, substring: t,
                                      keyBits: plan.keyBits[t], radius: plan.radii[t])
                    lock.withLock { tables[t] = table }
                }
            }
        }
        let built = tables.map { $0! }
        let raw = built.map(\.raw)

        // Queries run in the order of their key in the first table (the one with the largest
        // radius, so most of the probes): consecutive queries probe the same or neighbouring
        // buckets there, which stay in cache, and the copies of a cluster run back to back.
        let order = Self.order(x, m: m, keyBits: plan.keyBits[0])
        let chunk = max(64, min(4096, nx / (workers * 16) + 1))
        let chunkCount = (nx + chunk - 1) / chunk
        // Each chunk's pairs are appended to the spool as it completes (chunks finish in any
        // order); each query's run is found again by its start in the spool and its count.
        let spool = RecordSpool<MatchPair>(memoryLimit: spoolMemoryLimit)
        var spoolError: Error?
        var pairStart = [Int](repeating: 0, count: nx)
        var pairCount = [UInt32](repeating: 0, count: nx)
        var nearQuery = [UInt16](repeating: .max, count: nx)
        var nearIndex = [UInt16](repeating: .max, count: ny)
        let lock = NSLock()
        var next = 0
        let t32 = Int32(clamping: threshold), n32 = Int32(clamping: near), m32 = Int32(m)
        withExtendedLifetime(built) {
            x.words.withUnsafeBufferPointer { xw in
            y.words.withUnsafeBufferPointer { yw in
            raw.withUnsafeBufferPointer { rt in
            masks.withUnsafeBufferPointer { mk in
            pairStart.withUnsafeMutableBufferPointer { ps in
            pairCount.withUnsafeMutableBufferPointer { pn in
            nearQuery.withUnsafeMutableBufferPointer { nq in
                DispatchQueue.concurrentPerform(iterations: min(workers, chunkCount)) { _ in
                    var nearY = [UInt16](repeating: .max, count: ny)
                    var capacity = 1024
                    var buffer = [UInt64](repeating: 0, count: 2 * capacity)
                    nearY.withUnsafeMutableBufferPointer { nearY in
                        while true {
                            let c: Int = lock.withLock { defer { next += 1 }; return next }
                            guard c < chunkCount else { break }
                            var pairs = [MatchPair]()
                            for k in (c * chunk)..<min(nx, (c + 1) * chunk) {
                                let i = Int(order[k])
                                var best = UInt16.max
                                let q = xw.baseAddress! + i * words
                                var n = buffer.withUnsafeMutableBufferPointer { out in
                                    chk_mih_query_using(self.variant, q, words, yw.baseAddress!, rt.baseAddress!, tableCount, m32,
                                                        mk.baseAddress!, t32, n32, out.baseAddress!, capacity,
                                                        nearY.baseAddress!, &best)
                                }
                                if n > capacity {
                                    capacity = max(n, 2 * capacity)
                                    buffer = [UInt64](repeating: 0, count: 2 * capacity)
                                    n = buffer.withUnsafeMutableBufferPointer { out in
                                        chk_mih_query_using(self.variant, q, words, yw.baseAddress!, rt.baseAddress!, tableCount,
                                                            m32, mk.baseAddress!, t32, n32, out.baseAddress!, capacity,
                                                            nearY.baseAddress!, &best)
                                    }
                                }
                                ps[i] = pairs.count
                                pn[i] = UInt32(n)
                                for e in 0..<n {
                                    let v = buffer[e]
                                    pairs.append(MatchPair(a: Int32(truncatingIfNeeded: i), b: Int32(truncatingIfNeeded: v >> 16),
                                                           distance: UInt16(truncatingIfNeeded: v)))
                                }
                                nq[i] = best
                            }
                            lock.withLock {
                                // Starts so far are chunk-local; shift them to spool positions.
                                let base = spool.count
                                for k in (c * chunk)..<min(nx, (c + 1) * chunk) { ps[Int(order[k])] += base }
                                do { try spool.append(contentsOf: pairs) } catch { spoolError = spoolError ?? error }
                            }
                        }
                    }
                    lock.withLock {
                        for j in 0..<ny where nearY[j] < nearIndex[j] { nearIndex[j] = nearY[j] }
                    }
                }
            }}}}}}}
        }
        if let spoolError { throw spoolError }
        try spool.seal()
        // Gathered in query order from the spool, a block at a time.
        var block = [MatchPair]()
        block.reserveCapacity(Self.emitBlock)
        for i in 0..<nx where pairCount[i] > 0 {
            let start = pairStart[i]
            for k in start..<(start + Int(pairCount[i])) { block.append(spool[k]) }
            if block.count >= Self.emitBlock {
                try emit(block[...])
                block.removeAll(keepingCapacity: true)
            }
        }
        if !block.isEmpty { try emit(block[...]) }
        for i in 0..<nx where nearQuery[i] == .max { nearQuery[i] = Self.fartherThanRadius }
        for j in 0..<ny where nearIndex[j] == .max { nearIndex[j] = Self.fartherThanRadius }
        return SearchResult(nearQuery: nearQuery, nearIndex: nearIndex)
    }

    /// The indices of `x` ordered by their key of substring 0 (stable counting sort).
    static func order(_ x: PackedHashes, m: Int, keyBits: Int) -> [UInt32] {
        let n = x.count
        var keys = [UInt32](repeating: 0, count: n)
        x.words.withUnsafeBufferPointer { xw in
            keys.withUnsafeMutableBufferPointer { k in
                chk_mih_keys(xw.baseAddress!, x.wordsPerHash, n, Int32(m), 0, Int32(keyBits), k.baseAddress!)
            }
        }
        var start = [UInt32](repeating: 0, count: (1 << keyBits) + 1)
        for k in keys { start[Int(k) + 1] &+= 1 }
        for k in 0..<(1 << keyBits) { start[k + 1] &+= start[k] }
        var order = [UInt32](repeating: 0, count: n)
        for i in 0..<n {
            let k = Int(keys[i])
            order[Int(start[k])] = UInt32(truncatingIfNeeded: i)
            start[k] &+= 1
        }
        return order
    }

    /// (b, a) pairs sorted by (b, a) -> (a, b) pairs sorted by (a, b): a stable counting sort on a.
    static func transpose(_ pairs: [MatchPair], aCount: Int) -> [MatchPair] {
        var start = [Int](repeating: 0, count: aCount + 1)
        for p in pairs { start[Int(p.b) + 1] += 1 }
        for i in 0..<aCount { start[i + 1] += start[i] }
        return [MatchPair](unsafeUninitializedCapacity: pairs.count) { out, count in
            for p in pairs {
                let i = Int(p.b)
                (out.baseAddress! + start[i]).initialize(to: MatchPair(a: p.b, b: p.a, distance: p.distance))
                start[i] += 1
            }
            count = pairs.count
        }
    }
}
