import CHashKernels
import Foundation

/// A long-lived, incrementally updated, exact Hamming range index over one hash family's hashes
/// of one dataset (kept up to date by every write instead of rebuilt per match; held in memory,
/// not saved): `add`, `remove` and `replace` by slot, and `search(query, threshold)`, which
/// returns exactly what a brute-force scan over the live slots returns (every slot within the
/// threshold, with its distance, sorted by slot) for every threshold 0...bits.
///
/// **Method.** Multi-index hashing with `IndexedMatcher`'s substrings (read its header): a hash
/// is cut into m strided substrings (substring s holds bits s, s + m, s + 2m, ...); one table
/// per substring maps its key (the substring's first `keyBits` bits) to the slots holding it.
/// For threshold r = q·m + a (0 <= a < m) a slot within r has substring distance <= q on one of
/// the first a + 1 substrings or <= q - 1 on one of the others (the generalised pigeonhole
/// bound), so probing every key within that radius of the query's key in each table, and
/// verifying each candidate by its full popcount, finds every match. A match is reported only
/// by the *first* table whose (whole) substring distance qualifies it, so it is reported once,
/// with no candidate set. m is chosen when the index is made (`Layout.best`, for the family's
/// usual threshold and expected size) and chosen again as the set grows (each power of two of
/// the count from 2^21, and each batch `add` that rebuilds: the best m follows log2 N, as the
/// key length does); any other threshold is still exact. When the probes
/// would cost more than the scan (`estimate`: large thresholds, tiny sets), `search` scans the
/// live slots instead: the answer is the same, only the cost differs.
///
/// **Layout in memory** (no heap object or dictionary entry per image):
/// - the hashes by slot, `words` words each, in chunks of `chunkSlots` slots, and a live byte
///   per slot (a removed slot is a zeroed tombstone until the caller reuses it: slots are the
///   caller's, e.g. a free list or the store's row ids, so keep them dense);
/// - per table, 2^keyBits buckets in CSR pages of 2^pageBits buckets, about 256 entries a page
///   (`shape`; `Page`: bucket starts, then the entries' slots grouped by bucket and, for
///   one-word hashes, a copy of each hash, so a bucket is verified with sequential reads);
///   pages are grouped 2^`groupShift` to a chunk of the page directory. An insert or delete
///   moves entries within one page (a few KB), never more; a delete removes the entry itself,
///   so the tables hold no tombstones and need no compaction.
/// - `keyBits` follows the size (about log2 of the live count, so buckets hold one to four
///   entries, until the key is as long as its substring): when the average page passes four
///   times its aim, the tables are rebuilt with wider keys or smaller pages (amortised O(1) per
///   add, like a hash table's growth, but that one add holds the writer for a full rebuild,
///   seconds at 10M, unless the writer calls `reserve(adding:)` first, on a copy outside its
///   lock); `add(slots:words:)` of a batch that is large against the index rebuilds them in one
///   pass instead of inserting one by one.
/// Bytes per image (`memoryBytes / count`): 8 x words (hash) + 1 (live) + per table 4 (slot),
/// 8 (hash copy, one-word hashes only) and 1 to 4 (bucket starts), plus the pages' spare
/// capacity (1/8 at most after growth). Measured at 200k uniform hashes laid out for threshold
/// 8: 64-bit (m = 5) 74 bytes, 256-bit (m = 9) 96; the tests hold the 64-bit one under 100.
///
/// **Concurrency contract.** `HammingIndex` is a value type whose storage is all copy-on-write
/// arrays nested by chunk. A copy is a consistent snapshot: it never sees writes made to the
/// original after the copy, and costs a few retains. Writes need exclusive access to the
/// variable they mutate (Swift's usual rule): keep the live index in one place, mutate it under
/// a lock (or in an actor), and let readers take a copy under that lock and search the copy
/// outside it, concurrently with each other and with later writes. The first write after a copy
/// copies only what it touches: the chunk of the hash column holding its slot, per table the
/// page or two (a replace's old and new key) and their group's page headers, and the small arrays of chunk references (about N / 4096 and
/// N / 65536 entries), never a whole column or table. `search` is non-mutating and thread-safe
/// on any copy.
public struct HammingIndex: Sendable {
    /// One live slot within the threshold of a query.
    public struct Match: Equatable, Sendable, CustomStringConvertible {
        public var slot: Int
        public var distance: Int
        public init(slot: Int, distance: Int) {
            self.slot = slot
            self.distance = distance
        }
        public var description: String { "\(slot)@\(distance)" }
    }

    /// The hash width and substring count, fixed for the index's life.
    public struct Layout: Equatable, Sendable, CustomStringConvertible {
        /// 64-bit words per hash.
        public let words: Int
        /// m: substrings (tables); substring s holds bits s, s + m, s + 2m, ...
        public let substrings: Int

        public init(words: Int, substrings: Int) {
            precondition(words > 0 && substrings > 0 && substrings <= words * 64,
                         "programmer error: layout of \(substrings) substrings over \(words) words")
            self.words = words
            self.substrings = substrings
        }

        public var bits: Int { words * 64 }

        /// Bits of substring s.
        func length(_ s: Int) -> Int { (bits - s + substrings - 1) / substrings }

        /// The substring count with the cheapest estimated single query at `threshold` over
        /// `expectedCount` hashes (at most `maxSubstrings` tables, each costing memory).
        public static func best(words: Int, threshold: Int, expectedCount: Int) -> Layout {
            let threshold = max(0, threshold)
            func cost(_ layout: Layout) -> Double {
                let keyBits = (0..<layout.substrings).map { min(layout.length($0), HammingIndex.keyBits(forCount: expectedCount)) }
                return HammingIndex.estimate(layout: layout, keyBits: keyBits, count: expectedCount, slots: expectedCount,
                                             threshold: threshold).index
            }
            var best = Layout(words: words, substrings: 1), bestCost = cost(best)
            for m in stride(from: 2, through: min(maxSubstrings, threshold + 1, words * 64), by: 1) {
                let layout = Layout(words: words, substrings: m), c = cost(layout)
                if c < bestCost { (best, bestCost) = (layout, c) }
            }
            return best
        }

        public var description: String { "\(bits)-bit, m=\(substrings)" }
    }

    /// At most this many tables (memory grows with each).
    public static let maxSubstrings = 16
    /// Slots per chunk of the hash column.
    static let chunkShift = 12
    static let chunkSlots = 1 << chunkShift
    /// Buckets per page, at most.
    static let maxPageBits = 8
    /// Pages per group (the unit of the page directory's copy-on-write).
    static let groupShift = 8
    /// Key bits never exceed this (2^24 buckets: 64 MB of bucket starts a table).
    static let maxKeyBits = 24
    /// Pages aim at about 2^maxPageBits entries (a bucket a page at most); the tables are
    /// rebuilt when the average page holds `growLoad` times that (wider keys, or, once a key is
    /// as long as its substring, fewer buckets a page).
    static let growLoad = 4

    /// CSR over 2^pageBits buckets: bucket b holds entries offsets[b] ..< offsets[b + 1].
    struct Page: Sendable {
        var offsets: [UInt32]
        var slots: [UInt32]
        /// One-word hashes only: a copy of each entry's hash (empty otherwise).
        var hashes: [UInt64]

        init(buckets: Int) {
            offsets = [UInt32](repeating: 0, count: buckets + 1)
            slots = []
            hashes = []
        }

        mutating func insert(slot: UInt32, hash: UInt64?, bucket b: Int) {
            let at = Int(offsets[b + 1])
            // 1/8 spare capacity rather than the default doubling: pages are many and small.
            if slots.count == slots.capacity { slots.reserveCapacity(slots.count + slots.count / 8 + 4) }
            slots.insert(slot, at: at)
            if let hash {
                if hashes.count == hashes.capacity { hashes.reserveCapacity(hashes.count + hashes.count / 8 + 4) }
                hashes.insert(hash, at: at)
            }
            offsets.withUnsafeMutableBufferPointer { o in
                for i in (b + 1)..<o.count { o[i] &+= 1 }
            }
        }

        /// Removes the entry of `slot` from bucket b; false when it is not there.
        mutating func remove(slot: UInt32, bucket b: Int) -> Bool {
            guard let at = (Int(offsets[b])..<Int(offsets[b + 1])).first(where: { slots[$0] == slot }) else { return false }
            slots.remove(at: at)
            if !hashes.isEmpty { hashes.remove(at: at) }
            offsets.withUnsafeMutableBufferPointer { o in
                for i in (b + 1)..<o.count { o[i] &-= 1 }
            }
            return true
        }

        var bytes: Int { 4 * offsets.capacity + 4 * slots.capacity + 8 * hashes.capacity + 3 * 32 }
    }

    /// One substring's table.
    struct Table: Sendable {
        let substring: Int
        let keyBits: Int
        let pageBits: Int
        /// Per bit of the key (from bit 0): which bit of the hash it is.
        let keyPositions: [Int]
        /// groups[p >> groupShift][p & (1 << groupShift - 1)] is page p.
        var groups: [[Page]]
    }

    /// Fixed by `init(layout:)`; chosen for the size by `init(words:threshold:)` and chosen
    /// again as the index grows (`relayoutIfBetter`).
    public private(set) var layout: Layout
    /// The threshold the layout is chosen for (nil: the caller's fixed layout).
    let layoutThreshold: Int?
    /// Live slots.
    public private(set) var count = 0
    /// Key bits the tables aim at (each table's own is at most its substring's length).
    public private(set) var targetKeyBits: Int
    /// Hash column chunks: chunkSlots x words words each.
    var hashChunks = [[UInt64]]()
    /// Live byte per slot, chunked as the hashes.
    var liveChunks = [[UInt8]]()
    var tables = [Table]()
    /// Per table, `words` words: the mask of its substring's bits.
    private(set) var masks: [UInt64]

    /// An empty index. `expectedCount` sizes the keys at the start (they grow with the count).
    public init(layout: Layout, expectedCount: Int = 0) {
        self.init(layout: layout, threshold: nil, expectedCount: expectedCount)
    }

    /// An empty index laid out for `threshold` over about `expectedCount` hashes of `words` words;
    /// laid out again for the threshold as it grows past each power of two from 2^21.
    public init(words: Int, threshold: Int, expectedCount: Int = 0) {
        self.init(layout: Self.layout(words: words, threshold: threshold, count: expectedCount), threshold: threshold,
                  expectedCount: expectedCount)
    }

    private init(layout: Layout, threshold: Int?, expectedCount: Int) {
        self.layout = layout
        layoutThreshold = threshold
        targetKeyBits = Self.keyBits(forCount: expectedCount)
        masks = Self.masks(layout)
        tables = (0..<layout.substrings).map {
            Self.emptyTable(layout: layout, substring: $0, targetKeyBits: targetKeyBits, count: expectedCount)
        }
    }

    /// The layout for `threshold` over `count` hashes: sets under 2^20 are laid out as 2^20 ones
    /// (they grow, and small sets are cheap either way).
    static func layout(words: Int, threshold: Int, count: Int) -> Layout {
        .best(words: words, threshold: threshold, expectedCount: max(count, 1 << 20))
    }

    /// Per table, `layout.words` words: the mask of its substring's bits.
    static func masks(_ layout: Layout) -> [UInt64] {
        var masks = [UInt64](repeating: 0, count: layout.substrings * layout.words)
        for t in 0..<layout.substrings {
            var bit = t
            while bit < layout.bits { masks[t * layout.words + bit / 64] |= 1 << UInt64(bit % 64); bit += layout.substrings }
        }
        return masks
    }

    static func keyBits(forCount n: Int) -> Int {
        min(maxKeyBits, max(4, Int.bitWidth - 1 - max(1, n).leadingZeroBitCount))
    }

    /// Key and page bits of substring s's table for `count` entries: buckets of about one
    /// entry while the substring is long enough, and pages of about 2^maxPageBits entries
    /// (fewer buckets a page when buckets hold many: a 13-bit substring at 1M holds ~120).
    static func shape(layout: Layout, substring s: Int, targetKeyBits: Int, count: Int) -> (keyBits: Int, pageBits: Int) {
        let k = min(targetKeyBits, layout.length(s))
        let load = max(1, count >> k)
        let loadBits = Int.bitWidth - 1 - load.leadingZeroBitCount
        return (k, max(0, min(k, maxPageBits - loadBits)))
    }

    static func emptyTable(layout: Layout, substring s: Int, targetKeyBits: Int, count: Int) -> Table {
        let (k, p) = shape(layout: layout, substring: s, targetKeyBits: targetKeyBits, count: count)
        let pages = 1 << (k - p)
        let groupSize = 1 << groupShift
        let groups = (0..<((pages + groupSize - 1) / groupSize)).map { g in
            [Page](repeating: Page(buckets: 1 << p), count: min(groupSize, pages - g * groupSize))
        }
        return Table(substring: s, keyBits: k, pageBits: p,
                     keyPositions: (0..<k).map { s + $0 * layout.substrings }, groups: groups)
    }

    // MARK: - Reading

    /// Slots the column covers (live or not).
    public var slotCapacity: Int { hashChunks.count << Self.chunkShift }

    public func contains(slot: Int) -> Bool {
        guard slot >= 0, slot < slotCapacity else { return false }
        return liveChunks[slot >> Self.chunkShift][slot & (Self.chunkSlots - 1)] != 0
    }

    /// The hash at a live slot (nil when the slot is not live).
    public func words(at slot: Int) -> [UInt64]? {
        guard contains(slot: slot) else { return nil }
        let base = (slot & (Self.chunkSlots - 1)) * layout.words
        return Array(hashChunks[slot >> Self.chunkShift][base..<(base + layout.words)])
    }

    /// Bytes this index holds (capacity of every array, plus a fixed overhead per array).
    public var memoryBytes: Int {
        var total = MemoryLayout<HammingIndex>.size + 8 * masks.count
        for c in hashChunks { total += 8 * c.capacity + 32 }
        for c in liveChunks { total += c.capacity + 32 }
        for t in tables {
            total += 8 * t.keyPositions.count
            for g in t.groups {
                total += 32 + MemoryLayout<Page>.stride * g.capacity
                for p in g { total += p.bytes }
            }
        }
        return total
    }

    /// The key of table t for the hash at `h`.
    @inline(__always)
    static func key(_ h: UnsafePointer<UInt64>, _ positions: UnsafeBufferPointer<Int>) -> Int {
        var key = 0
        for (k, bit) in positions.enumerated() { key |= Int((h[bit >> 6] >> UInt64(bit & 63)) & 1) << k }
        return key
    }

    static func key(_ h: UnsafePointer<UInt64>, table: Table) -> Int {
        table.keyPositions.withUnsafeBufferPointer { key(h, $0) }
    }

    /// Per table, the substring radius probed for `threshold` (negative: not probed).
    func radii(threshold r: Int) -> [Int] {
        let m = layout.substrings, q = r / m, a = r % m
        return (0..<m).map { $0 <= a ? q : q - 1 }
    }

    /// Estimated nanoseconds of one query by the index and by the scan.
    public func estimate(threshold: Int) -> (index: Double, scan: Double) {
        Self.estimate(layout: layout, keyBits: tables.map(\.keyBits), count: count, slots: slotCapacity, threshold: threshold)
    }

    /// Cost constants, nanoseconds, in the spirit of `IndexedMatcher.Cost`, for one query with
    /// the tables out of cache; measured (scripts/bench_index.sh, -O, 1M and 200k random hashes)
    /// on a shared 2-core VM: a probe is two dependent misses (the bucket starts, then the
    /// entries), ~250 ns; a one-word candidate is read sequentially from its bucket and checked
    /// by the C kernel (`chk_hamming_u64_within`, ~0.5 ns: with 4 ns, the cost of Swift's
    /// portable popcount, m = 4 won at 10M; with the kernel m = 5 answers 10M lookups 1.6x as
    /// fast, measured), a wider one from the hash column at random (~100 ns); the scan reads
    /// every slot through the C kernel (~0.4 ns a word).
    static func estimate(layout: Layout, keyBits: [Int], count: Int, slots: Int, threshold r: Int) -> (index: Double, scan: Double) {
        let scan = Double(slots) * 0.4 * Double(layout.words) + 100
        let m = layout.substrings, q = r / m, a = r % m
        var probes = 0.0, candidates = 0.0
        for t in 0..<m {
            let rho = t <= a ? q : q - 1
            guard rho >= 0 else { continue }
            let f = flipCount(bits: keyBits[t], radius: rho)
            guard f <= maxFlips else { return (.infinity, scan) }
            probes += Double(f)
            candidates += Double(f) * Double(count) / Double(1 << keyBits[t])
        }
        let index = 200 + probes * 250 + candidates * (layout.words == 1 ? 0.5 : 100)
        return (index, scan)
    }

    /// Probes a query may make before the index is not considered.
    static let maxFlips = 1 << 22

    /// Keys within `radius` of one `bits`-bit key: sum of C(bits, k), k <= radius (saturating).
    /// (This file depends on nothing but Foundation and CHashKernels, so that scripts/bench_index.sh
    /// can compile it alone; `IndexedMatcher.flipCount` is the same count.)
    static func flipCount(bits: Int, radius: Int) -> Int {
        var total = 0, c = 1
        for k in 0...min(radius, bits) {
            if k > 0 { c = c * (bits - k + 1) / k }
            total += c
            if total > maxFlips { return maxFlips + 1 }
        }
        return total
    }

    public enum Strategy: Sendable { case automatic, index, scan }

    /// Every live slot within `threshold` of `query` (`layout.words` words), with its distance,
    /// sorted by slot: exactly the brute-force scan's answer, whichever way it is computed.
    public func search(_ query: [UInt64], threshold: Int, strategy: Strategy = .automatic) -> [Match] {
        var out = [Match]()
        search(query, threshold: threshold, strategy: strategy) { out += $0 }
        return out
    }

    /// `search`'s answer handed over in blocks, in slot order: the scan hands one block per
    /// chunk of the column, so a threshold that matches every slot never gathers them all.
    public func search(_ query: [UInt64], threshold: Int, strategy: Strategy = .automatic,
                       blocks body: ([Match]) throws -> Void) rethrows {
        precondition(query.count == layout.words, "programmer error: a \(query.count)-word query against \(layout)")
        precondition(threshold >= 0, "programmer error: negative threshold")
        guard count > 0 else { return }
        let useIndex: Bool
        switch strategy {
        case .automatic:
            let e = estimate(threshold: threshold)
            useIndex = threshold < layout.bits && e.index < e.scan
        case .index: useIndex = true
        case .scan: useIndex = false
        }
        guard useIndex else { return try scan(query, threshold, body) }
        var out = query.withUnsafeBufferPointer { q in probe(q.baseAddress!, threshold) }
        out.sort { $0.slot < $1.slot }
        if !out.isEmpty { try body(out) }
    }

    /// The distance from `query` (`layout.words` words) to the hash at `slot`; nil when the
    /// slot is not live. Allocates nothing (a caller scoring a match by several families reads
    /// the other families' distances this way).
    public func distance(_ query: ArraySlice<UInt64>, slot: Int) -> Int? {
        precondition(query.count == layout.words, "programmer error: a \(query.count)-word query against \(layout)")
        guard contains(slot: slot) else { return nil }
        let base = (slot & (Self.chunkSlots - 1)) * layout.words
        return hashChunks[slot >> Self.chunkShift].withUnsafeBufferPointer { h in
            var d = 0
            for (w, q) in query.enumerated() { d &+= (q ^ h[base + w]).nonzeroBitCount }
            return d
        }
    }

    /// Every live slot, a chunk at a time through the C kernel (hardware popcount where the CPU
    /// has it; Swift's `nonzeroBitCount` is a bit-twiddling sequence on baseline x86-64).
    func scan(_ query: [UInt64], _ r: Int, _ body: ([Match]) throws -> Void) rethrows {
        let words = layout.words
        var dist = [UInt16](repeating: 0, count: Self.chunkSlots), near = dist
        for c in hashChunks.indices {
            let first = c << Self.chunkShift
            var block = [Match]()
            query.withUnsafeBufferPointer { q in
                dist.withUnsafeMutableBufferPointer { dist in
                    near.withUnsafeMutableBufferPointer { near in
                        hashChunks[c].withUnsafeBufferPointer { h in
                            let best = chk_hamming_row(q.baseAddress!, words, h.baseAddress!, Self.chunkSlots, dist.baseAddress!,
                                                       near.baseAddress!)
                            guard Int(best) <= r else { return }
                            liveChunks[c].withUnsafeBufferPointer { live in
                                for i in 0..<Self.chunkSlots where Int(dist[i]) <= r && live[i] != 0 {
                                    block.append(Match(slot: first + i, distance: Int(dist[i])))
                                }
                            }
                        }
                    }
                }
            }
            if !block.isEmpty { try body(block) }
        }
    }

    /// Buckets gathered before they are visited (`probe`'s prefetch looks ahead within a batch).
    static let probeBatch = 512

    func probe(_ q: UnsafePointer<UInt64>, _ r: Int) -> [Match] {
        let words = layout.words
        let radii = radii(threshold: r)
        var out = [Match]()
        // Positions of a bucket's hits (one-word hashes), reused bucket after bucket.
        var hits = [UInt32](repeating: 0, count: 64)
        // Buckets to visit, a batch at a time.
        var batch = [Int]()
        batch.reserveCapacity(Self.probeBatch)
        masks.withUnsafeBufferPointer { masks in
            // Whether table t is the first whose substring distance qualifies hash h.
            func firstQualifying(_ t: Int, _ h: UnsafePointer<UInt64>) -> Bool {
                func sub(_ u: Int) -> Int {
                    var d = 0
                    for w in 0..<words { d &+= ((q[w] ^ h[w]) & masks[u * words + w]).nonzeroBitCount }
                    return d
                }
                guard sub(t) <= radii[t] else { return false }
                for u in 0..<t where radii[u] >= 0 && sub(u) <= radii[u] { return false }
                return true
            }
            for t in tables.indices where radii[t] >= 0 {
                let table = tables[t]
                let key = Self.key(q, table: table)
                let pageBits = table.pageBits, localMask = (1 << pageBits) - 1
                let limit: UInt64 = 1 << UInt64(table.keyBits)
                // Pages are read in place through pointers: a `Page` copied out per probe
                // (three retains and releases) cost more than the probe itself.
                func visit(_ bucket: Int, _ groups: UnsafeBufferPointer<[Page]>) {
                    let p = bucket >> pageBits
                    groups[p >> Self.groupShift].withUnsafeBufferPointer { pages in
                        let page = pages.baseAddress! + (p & ((1 << Self.groupShift) - 1))
                        let local = bucket & localMask
                        page.pointee.offsets.withUnsafeBufferPointer { offsets in
                            let lo = Int(offsets[local]), hi = Int(offsets[local + 1])
                            guard lo < hi else { return }
                            page.pointee.slots.withUnsafeBufferPointer { slots in
                                if words == 1 {
                                    page.pointee.hashes.withUnsafeBufferPointer { hashes in
                                        // The bucket's candidates checked by the C kernel (hardware
                                        // popcount); only its few hits are looked at here.
                                        let n = hi - lo
                                        if hits.count < n { hits = [UInt32](repeating: 0, count: max(n, 2 * hits.count)) }
                                        hits.withUnsafeMutableBufferPointer { hits in
                                            let h = hashes.baseAddress! + lo
                                            let found = chk_hamming_u64_within(q[0], h, n, Int32(r), hits.baseAddress!)
                                            for i in 0..<found {
                                                let e = Int(hits[i])
                                                if firstQualifying(t, h + e) {
                                                    out.append(Match(slot: Int(slots[lo + e]), distance: (q[0] ^ h[e]).nonzeroBitCount))
                                                }
                                            }
                                        }
                                    }
                                } else {
                                    for e in lo..<hi {
                                        let slot = Int(slots[e])
                                        hashChunks[slot >> Self.chunkShift].withUnsafeBufferPointer { chunk in
                                            let h = chunk.baseAddress! + (slot & (Self.chunkSlots - 1)) * words
                                            var d = 0
                                            for w in 0..<words { d &+= (q[w] ^ h[w]).nonzeroBitCount }
                                            if d <= r && firstQualifying(t, h) { out.append(Match(slot: slot, distance: d)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                // The page of `bucket`, read in place.
                func page(_ bucket: Int, _ groups: UnsafeBufferPointer<[Page]>) -> UnsafePointer<Page> {
                    let p = bucket >> pageBits
                    // The group's storage outlives the pointer: `self` holds it, unchanged, for the probe.
                    return groups[p >> Self.groupShift].withUnsafeBufferPointer { $0.baseAddress! + (p & ((1 << Self.groupShift) - 1)) }
                }
                // Every key within the radius: k-bit flip masks in Gosper's order, k = 0...rho,
                // gathered a batch at a time, then visited with the page of the bucket 16 ahead and
                // the bucket start 8 ahead asked for first: at 10M a probe is two to four dependent
                // cache misses (page, bucket starts, entries), and this overlaps those of many probes.
                func flush(_ groups: UnsafeBufferPointer<[Page]>) {
                    batch.withUnsafeBufferPointer { b in
                        for i in b.indices {
                            if i + 16 < b.count { chk_prefetch(page(b[i + 16], groups)) }
                            if i + 8 < b.count {
                                page(b[i + 8], groups).pointee.offsets.withUnsafeBufferPointer { chk_prefetch($0.baseAddress! + (b[i + 8] & localMask)) }
                            }
                            visit(b[i], groups)
                        }
                    }
                    batch.removeAll(keepingCapacity: true)
                }
                table.groups.withUnsafeBufferPointer { groups in
                    for k in 0...min(radii[t], table.keyBits) {
                        var v: UInt64 = (1 << UInt64(k)) - 1
                        while v < limit {
                            batch.append(key ^ Int(v))
                            if batch.count == Self.probeBatch { flush(groups) }
                            if v == 0 { break }
                            let c = v & (0 &- v), n = v + c
                            v = (((n ^ v) >> 2) / c) | n
                        }
                    }
                    flush(groups)
                }
            }
        }
        return out
    }

    // MARK: - Writing

    /// Adds `words` at a slot that is not live; false (and nothing changes) when it is live.
    @discardableResult
    public mutating func add(slot: Int, words: [UInt64]) -> Bool {
        precondition(words.count == layout.words, "programmer error: a \(words.count)-word hash in \(layout)")
        precondition(slot >= 0 && slot < Int(UInt32.max), "programmer error: slot \(slot)")
        guard !contains(slot: slot) else { return false }
        store(slot: slot, words: words)
        count += 1
        // The layout is looked at again each time the count reaches a power of two (a set
        // filled one write at a time from empty keeps the layout of 2^20 otherwise: at 10M,
        // m = 5 tables of 64-bit hashes examine about 70,000 candidates a query, m = 4 about
        // 29,000).
        if count >= 1 << 21 && count & (count - 1) == 0 && relayoutIfBetter() {
            // Every table was rebuilt under the new layout, the new slot's entries included.
        } else if needsReshape {
            rebuild(targetKeyBits: max(targetKeyBits, Self.keyBits(forCount: count)))
        } else {
            insertEntries(slot: slot)
        }
        return true
    }

    /// Adds many (slot, hash) items (`words` holds `layout.words` words per slot, in order);
    /// slots already live are replaced. A batch large against the index rebuilds the tables in
    /// one pass (as a start loads a dataset).
    public mutating func add(slots: [Int], words: [UInt64]) {
        precondition(words.count == slots.count * layout.words, "programmer error: \(slots.count) slots, \(words.count) words")
        let n = layout.words
        if slots.count >= max(1024, count / 4) {
            // Straight from the batch's words (no array per slot: 10M of them at a start).
            words.withUnsafeBufferPointer { w in
                for (i, slot) in slots.enumerated() {
                    precondition(slot >= 0 && slot < Int(UInt32.max), "programmer error: slot \(slot)")
                    if !contains(slot: slot) { count += 1 }
                    store(slot: slot, words: UnsafeBufferPointer(rebasing: w[(i * n)..<((i + 1) * n)]))
                }
            }
            if !relayoutIfBetter() { rebuild(targetKeyBits: max(targetKeyBits, Self.keyBits(forCount: count))) }
        } else {
            for (i, slot) in slots.enumerated() { replace(slot: slot, words: Array(words[(i * n)..<((i + 1) * n)])) }
        }
    }

    /// Removes a live slot (its hash is zeroed, the slot left free); false when it was not live.
    @discardableResult
    public mutating func remove(slot: Int) -> Bool {
        guard contains(slot: slot) else { return false }
        removeEntries(slot: slot)
        let c = slot >> Self.chunkShift, i = slot & (Self.chunkSlots - 1)
        for w in 0..<layout.words { hashChunks[c][i * layout.words + w] = 0 }
        liveChunks[c][i] = 0
        count -= 1
        return true
    }

    /// Sets the hash of a slot, live or not.
    public mutating func replace(slot: Int, words: [UInt64]) {
        if let old = self.words(at: slot) {
            guard old != words else { return }
            remove(slot: slot)
        }
        add(slot: slot, words: words)
    }

    /// Whether some table's average page holds over `growLoad` x 2^maxPageBits entries and a
    /// rebuild would change its shape (it cannot once a page is one bucket of a full-length key).
    var needsReshape: Bool { reshapeTarget(count: count) != nil }

    /// Whether adding up to `added` hashes would make one add rebuild the tables (`needsReshape`).
    public func wouldReshape(adding added: Int) -> Bool {
        reshapeTarget(count: count + added) != nil
    }

    /// Rebuilds the tables now if adding up to `added` hashes would rebuild them later, laid out
    /// for the larger count, so those adds only insert. A writer calls it on a copy outside its
    /// lock and swaps the copy in (`MatchIndex.upsert`): readers never wait for a rebuild. The
    /// answer of every search is the same either way (the layout only changes its cost).
    public mutating func reserve(adding added: Int) {
        guard let target = reshapeTarget(count: count + added) else { return }
        rebuild(targetKeyBits: target, shapedFor: count + added)
    }

    /// The key bits a rebuild would aim at once the index holds `n` hashes, if the tables as
    /// they are would then be crowded and a rebuild would change them; nil otherwise.
    func reshapeTarget(count n: Int) -> Int? {
        let crowded = tables.contains { n >> ($0.keyBits - $0.pageBits) > Self.growLoad << Self.maxPageBits }
        guard crowded else { return nil }
        let target = max(targetKeyBits, Self.keyBits(forCount: n))
        let changes = tables.contains { t in
            Self.shape(layout: layout, substring: t.substring, targetKeyBits: target, count: n) != (t.keyBits, t.pageBits)
        }
        return changes ? target : nil
    }

    /// Writes the hash and the live byte (the column grows by whole chunks).
    mutating func store(slot: Int, words: [UInt64]) {
        words.withUnsafeBufferPointer { store(slot: slot, words: $0) }
    }

    mutating func store(slot: Int, words: UnsafeBufferPointer<UInt64>) {
        let c = slot >> Self.chunkShift, i = slot & (Self.chunkSlots - 1)
        while hashChunks.count <= c {
            hashChunks.append([UInt64](repeating: 0, count: Self.chunkSlots * layout.words))
            liveChunks.append([UInt8](repeating: 0, count: Self.chunkSlots))
        }
        for w in 0..<layout.words { hashChunks[c][i * layout.words + w] = words[w] }
        liveChunks[c][i] = 1
    }

    /// The bucket of table t holding `slot`'s stored hash: (page, bucket within it).
    func place(table t: Int, slot: Int) -> (page: Int, local: Int, hash0: UInt64) {
        let table = tables[t]
        return hashChunks[slot >> Self.chunkShift].withUnsafeBufferPointer { chunk in
            let h = chunk.baseAddress! + (slot & (Self.chunkSlots - 1)) * layout.words
            let key = Self.key(h, table: table)
            return (key >> table.pageBits, key & ((1 << table.pageBits) - 1), h[0])
        }
    }

    mutating func insertEntries(slot: Int) {
        let oneWord = layout.words == 1
        for t in tables.indices {
            let (p, local, h0) = place(table: t, slot: slot)
            tables[t].groups[p >> Self.groupShift][p & ((1 << Self.groupShift) - 1)]
                .insert(slot: UInt32(slot), hash: oneWord ? h0 : nil, bucket: local)
        }
    }

    mutating func removeEntries(slot: Int) {
        for t in tables.indices {
            let (p, local, _) = place(table: t, slot: slot)
            let removed = tables[t].groups[p >> Self.groupShift][p & ((1 << Self.groupShift) - 1)]
                .remove(slot: UInt32(slot), bucket: local)
            precondition(removed, "programmer error: slot \(slot) missing from table \(t)")
        }
    }

    /// For an index laid out for a threshold: when `Layout.best` for the live count differs from
    /// the layout, the tables are rebuilt under it (true). Answers do not change, only their cost.
    @discardableResult
    mutating func relayoutIfBetter() -> Bool {
        guard let threshold = layoutThreshold else { return false }
        let best = Self.layout(words: layout.words, threshold: threshold, count: count)
        guard best != layout else { return false }
        relayout(best)
        return true
    }

    /// Every table rebuilt under `layout` (the hash column is kept: slots and hashes do not move).
    mutating func relayout(_ layout: Layout) {
        precondition(layout.words == self.layout.words, "programmer error: relayout from \(self.layout) to \(layout)")
        self.layout = layout
        masks = Self.masks(layout)
        rebuild(targetKeyBits: max(targetKeyBits, Self.keyBits(forCount: count)))
    }

    /// Every table rebuilt from the live slots with keys of `targetKeyBits` (capped by each
    /// substring's length), one table per worker, `layout.substrings` tables; pages sized for
    /// `shapedFor` entries (the count after the adds a `reserve` makes room for), the live count
    /// by default.
    mutating func rebuild(targetKeyBits: Int, shapedFor: Int? = nil) {
        self.targetKeyBits = targetKeyBits
        let source = self
        var built = [Table?](repeating: nil, count: layout.substrings)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: layout.substrings) { t in
            let table = source.buildTable(substring: t, targetKeyBits: targetKeyBits, shapedFor: shapedFor)
            lock.withLock { built[t] = table }
        }
        tables = built.map { $0! }
    }

    /// One table over the live slots, by a counting sort on the key.
    func buildTable(substring s: Int, targetKeyBits: Int, shapedFor: Int? = nil) -> Table {
        var table = Self.emptyTable(layout: layout, substring: s, targetKeyBits: targetKeyBits, count: max(count, shapedFor ?? 0))
        let buckets = 1 << table.keyBits, words = layout.words
        // Live slots and their keys, in slot order.
        var slots = [UInt32](), keys = [UInt32]()
        slots.reserveCapacity(count)
        keys.reserveCapacity(count)
        table.keyPositions.withUnsafeBufferPointer { positions in
            for c in hashChunks.indices {
                hashChunks[c].withUnsafeBufferPointer { h in
                    liveChunks[c].withUnsafeBufferPointer { live in
                        for i in 0..<Self.chunkSlots where live[i] != 0 {
                            slots.append(UInt32((c << Self.chunkShift) + i))
                            keys.append(UInt32(Self.key(h.baseAddress! + i * words, positions)))
                        }
                    }
                }
            }
        }
        var start = [Int](repeating: 0, count: buckets + 1)
        for k in keys { start[Int(k) + 1] += 1 }
        for b in 0..<buckets { start[b + 1] += start[b] }
        var sortedSlots = [UInt32](repeating: 0, count: slots.count)
        var fill = start
        for (i, k) in keys.enumerated() {
            sortedSlots[fill[Int(k)]] = slots[i]
            fill[Int(k)] += 1
        }
        let perPage = 1 << table.pageBits
        for g in table.groups.indices {
            for i in table.groups[g].indices {
                let firstBucket = ((g << Self.groupShift) + i) * perPage
                let lo = start[firstBucket], hi = start[firstBucket + perPage]
                var page = Page(buckets: perPage)
                for b in 0...perPage { page.offsets[b] = UInt32(start[firstBucket + b] - lo) }
                page.slots = Array(sortedSlots[lo..<hi])
                if words == 1 {
                    page.hashes = page.slots.map { slot in
                        hashChunks[Int(slot) >> Self.chunkShift][Int(slot) & (Self.chunkSlots - 1)]
                    }
                }
                table.groups[g][i] = page
            }
        }
        return table
    }
}
