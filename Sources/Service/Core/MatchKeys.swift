import Foundation
import Analysis

/// The key (file path bytes) at each slot of a dataset's column, without a heap object per key:
/// per chunk of 4096 slots, one byte arena holding the keys back to back and, per slot, where its
/// key starts and how long it is. Chunks are copy-on-write values, so a write after a query's
/// snapshot copies one chunk (a few hundred KB at most), never the column. Not generic: it sits
/// on the query's comparison path.
struct MatchKeys {
    static let shift = 12
    static let chunkSlots = 1 << shift

    struct Chunk {
        /// The keys' bytes; a replaced or freed key's bytes stay until `garbage` passes half of
        /// the arena, when the chunk is compacted (so a slot rewritten forever stays bounded).
        var bytes = [UInt8]()
        /// Per slot: its key's first byte in `bytes`, and its length (-1: the slot is free).
        var start = [UInt32](repeating: 0, count: MatchKeys.chunkSlots)
        var length = [Int32](repeating: -1, count: MatchKeys.chunkSlots)
        var garbage = 0

        mutating func compact() {
            var packed = [UInt8]()
            packed.reserveCapacity(bytes.count - garbage)
            for i in 0..<MatchKeys.chunkSlots where length[i] >= 0 {
                let s = Int(start[i])
                start[i] = UInt32(packed.count)
                packed.append(contentsOf: bytes[s..<(s + Int(length[i]))])
            }
            bytes = packed
            garbage = 0
        }
    }

    var chunks = [Chunk]()

    private static func place(_ slot: Int) -> (chunk: Int, index: Int) { (slot >> shift, slot & (chunkSlots - 1)) }

    func isLive(_ slot: Int) -> Bool {
        let (c, i) = Self.place(slot)
        return c < chunks.count && chunks[c].length[i] >= 0
    }

    /// The bytes of the key at `slot` (live), for the duration of `body`.
    @inline(__always)
    func withKey<R>(_ slot: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let (c, i) = Self.place(slot)
        let length = Int(chunks[c].length[i])
        precondition(length >= 0, "programmer error: an index holds free slot \(slot)")
        let start = Int(chunks[c].start[i])
        return try chunks[c].bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<(start + length)])) }
    }

    func key(_ slot: Int) -> FileKey { withKey(slot) { FileKey(bytes: Array($0)) } }

    /// Whether the key at `a` sorts before the key at `b` (byte order, as `FileKey <`).
    @inline(__always)
    func precedes(_ a: Int, _ b: Int) -> Bool {
        withKey(a) { x in withKey(b) { y in Self.compare(x, y) < 0 } }
    }

    /// memcmp order, a prefix first.
    @inline(__always)
    static func compare(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(x.count, y.count)
        if n > 0, let xb = x.baseAddress, let yb = y.baseAddress {
            let c = memcmp(xb, yb, n)
            if c != 0 { return Int(c) }
        }
        return x.count - y.count
    }

    func equals(_ slot: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        withKey(slot) { Self.compare($0, key) == 0 }
    }

    /// Sets the key at `slot` (free or live).
    mutating func set(_ slot: Int, _ key: UnsafeBufferPointer<UInt8>) {
        let (c, i) = Self.place(slot)
        while chunks.count <= c { chunks.append(Chunk()) }
        if chunks[c].length[i] >= 0 { chunks[c].garbage += Int(chunks[c].length[i]) }
        chunks[c].start[i] = UInt32(chunks[c].bytes.count)
        chunks[c].length[i] = Int32(key.count)
        chunks[c].bytes.append(contentsOf: key)
        if chunks[c].garbage > 4096 && chunks[c].garbage * 2 > chunks[c].bytes.count { chunks[c].compact() }
    }

    /// Frees `slot` (live).
    mutating func clear(_ slot: Int) {
        let (c, i) = Self.place(slot)
        guard c < chunks.count, chunks[c].length[i] >= 0 else { return }
        chunks[c].garbage += Int(chunks[c].length[i])
        chunks[c].length[i] = -1
        if chunks[c].garbage > 4096 && chunks[c].garbage * 2 > chunks[c].bytes.count { chunks[c].compact() }
    }

    /// Drops the arenas' spare capacity (after a bulk load: appends leave up to half spare).
    mutating func trim() {
        for c in chunks.indices where chunks[c].bytes.capacity > chunks[c].bytes.count + chunks[c].bytes.count / 8 + 64 {
            chunks[c].bytes = Array(chunks[c].bytes[...])
        }
    }

    /// Bytes held (arenas with their spare capacity, and the per-slot columns).
    var memoryBytes: Int { chunks.reduce(0) { $0 + $1.bytes.capacity + 8 * MatchKeys.chunkSlots + 96 } }
}

/// Key -> slot of a dataset's column, without a dictionary entry per key: an open-addressing
/// table (linear probing, power-of-two size, at most 3/4 full) of 8-byte entries, each 32 bits
/// of the key's hash above its slot + 1 (0: empty). The key's bytes are read from `MatchKeys`
/// only when the stored hash bits equal the sought key's. A removal shifts the entries after
/// it back (no tombstones, so a table that churns never fills up). The hash is Swift's seeded
/// `Hasher` over the key's bytes: keys come from clients, and a per-process seed keeps them
/// from choosing colliding keys; nothing that is answered depends on the table's order.
/// 10M keys: 16M entries, 128 MB.
struct KeyTable {
    private(set) var entries = [UInt64]()
    private(set) var count = 0

    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(key))
        return UInt32(truncatingIfNeeded: hasher.finalize())
    }

    init(expectedCount: Int = 0) {
        var capacity = 16
        while capacity * 3 < expectedCount * 4 { capacity <<= 1 }
        entries = [UInt64](repeating: 0, count: capacity)
    }

    @inline(__always) private static func entry(_ hash: UInt32, _ slot: Int) -> UInt64 { UInt64(hash) << 32 | UInt64(slot + 1) }
    @inline(__always) private static func slot(of entry: UInt64) -> Int { Int(entry & 0xFFFF_FFFF) - 1 }
    @inline(__always) private static func hashBits(of entry: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: entry >> 32) }

    /// The slot holding `key` (its `hash`), if any.
    func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt32, in keys: MatchKeys) -> Int? {
        let mask = entries.count - 1
        var i = Int(hash) & mask
        while true {
            let e = entries[i]
            if e == 0 { return nil }
            if Self.hashBits(of: e) == hash, keys.equals(Self.slot(of: e), key) { return Self.slot(of: e) }
            i = (i + 1) & mask
        }
    }

    /// Adds `slot` for a key (its `hash`) the table does not hold.
    mutating func insert(slot: Int, hash: UInt32) {
        precondition(slot >= 0 && slot < Int(UInt32.max) - 1, "programmer error: slot \(slot)")
        if (count + 1) * 4 > entries.count * 3 { grow() }
        let mask = entries.count - 1
        var i = Int(hash) & mask
        while entries[i] != 0 { i = (i + 1) & mask }
        entries[i] = Self.entry(hash, slot)
        count += 1
    }

    /// Removes the entry of `slot` (its key's `hash`); false when there is none.
    @discardableResult
    mutating func remove(slot: Int, hash: UInt32) -> Bool {
        let mask = entries.count - 1
        var i = Int(hash) & mask
        while true {
            let e = entries[i]
            if e == 0 { return false }
            if Self.slot(of: e) == slot { break }
            i = (i + 1) & mask
        }
        // Backward shift: move each later entry of the run into the hole when its home does
        // not lie (cyclically) after the hole, so every entry stays reachable from its home.
        var hole = i
        var j = i
        while true {
            j = (j + 1) & mask
            let e = entries[j]
            if e == 0 { break }
            let home = Int(Self.hashBits(of: e)) & mask
            // Distance from home to j and from the hole to j (cyclic): movable when home is not
            // strictly between the hole and j.
            if (j - home) & mask >= (j - hole) & mask {
                entries[hole] = e
                hole = j
            }
        }
        entries[hole] = 0
        count -= 1
        return true
    }

    private mutating func grow() {
        let old = entries
        entries = [UInt64](repeating: 0, count: old.count * 2)
        let mask = entries.count - 1
        for e in old where e != 0 {
            var i = Int(Self.hashBits(of: e)) & mask
            while entries[i] != 0 { i = (i + 1) & mask }
            entries[i] = e
        }
    }

    var memoryBytes: Int { 8 * entries.capacity }
}
