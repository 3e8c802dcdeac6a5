import HashKit

/// The pairs of one family (or its within-dataset pairs), in the JSON's order: by (dataset a,
/// dataset b, a.key, b.key).
///
/// A match of two collections full of blank images yields millions of pairs, so a list built by
/// the matcher keeps each pair as a 20-byte record (dataset numbers, image indices, the two
/// distances, the dihedral transform) in a `RecordSpool`, on disk once large, and turns a record
/// into a `CrossPair` only when read. Lists made by hand (tests, the service) hold `CrossPair`s directly.
public struct PairList: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable {
    /// One pair as the matcher stores it.
    struct Record: BitwiseCopyable {
        var datasetA: UInt16
        var datasetB: UInt16
        var distance: UInt16
        var otherDistance: UInt16
        var a: UInt32
        var b: UInt32
        /// 0: no transform (a run without `--dihedral`); else 1 + the `Dihedral` raw value.
        var transform: UInt8 = 0
    }

    private enum Storage: Sendable {
        case pairs([CrossPair])
        /// Records plus each dataset's keys (shared with the `DatasetResult`s, not copied).
        case records(RecordSpool<Record>, keys: [[FileKey]])
    }

    private let storage: Storage

    public init(_ pairs: [CrossPair]) { storage = .pairs(pairs) }
    public init(arrayLiteral elements: CrossPair...) { storage = .pairs(elements) }
    init(records: RecordSpool<Record>, keys: [[FileKey]]) { storage = .records(records, keys: keys) }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .pairs(let p): return p.count
        case .records(let r, _): return r.count
        }
    }

    public subscript(i: Int) -> CrossPair {
        switch storage {
        case .pairs(let p):
            return p[i]
        case .records(let r, let keys):
            let rec = r[i]
            let da = Int(rec.datasetA), db = Int(rec.datasetB)
            return CrossPair(a: ImageRef(dataset: da, key: keys[da][Int(rec.a)]),
                             b: ImageRef(dataset: db, key: keys[db][Int(rec.b)]),
                             distance: Int(rec.distance), otherDistance: Int(rec.otherDistance),
                             transform: rec.transform == 0 ? nil : Dihedral(rawValue: Int(rec.transform) - 1))
        }
    }

    /// Where pair `i`'s images are (dataset numbers and positions in the datasets' key lists),
    /// when the list was built by the matcher; nil for lists made by hand.
    public func location(_ i: Int) -> (datasetA: Int, a: Int, datasetB: Int, b: Int)? {
        guard case .records(let r, _) = storage else { return nil }
        let rec = r[i]
        return (Int(rec.datasetA), Int(rec.a), Int(rec.datasetB), Int(rec.b))
    }

    /// Pair `i`'s distances and dataset numbers without building its keys: for sorting and counting.
    public func summary(_ i: Int) -> (distance: Int, other: Int, datasetA: Int, datasetB: Int) {
        switch storage {
        case .pairs(let p): return (p[i].distance, p[i].otherDistance, p[i].a.dataset, p[i].b.dataset)
        case .records(let r, _):
            let rec = r[i]
            return (Int(rec.distance), Int(rec.otherDistance), Int(rec.datasetA), Int(rec.datasetB))
        }
    }

    /// Pair `i`'s transform (`--dihedral`) without building its keys; nil without one.
    public func transform(_ i: Int) -> Dihedral? {
        switch storage {
        case .pairs(let p): return p[i].transform
        case .records(let r, _):
            let t = r[i].transform
            return t == 0 ? nil : Dihedral(rawValue: Int(t) - 1)
        }
    }

    /// The indices of the `k` closest pairs, closest first: smallest distance, then the other
    /// hash's distance, ties in list order. One counting pass over (distance, other distance),
    /// so memory is O(k) whatever the list's length.
    public func closest(_ k: Int) -> [Int] {
        guard k > 0, !isEmpty else { return [] }
        var counts = [Int: Int]()
        for i in indices { let s = summary(i); counts[s.distance << 20 | s.other, default: 0] += 1 }
        // The largest (distance, other) key that still has a shown pair.
        var cutoff = 0, taken = 0
        for key in counts.keys.sorted() {
            cutoff = key
            taken += counts[key]!
            if taken >= k { break }
        }
        var chosen = [(key: Int, index: Int)]()
        for i in indices {
            let s = summary(i)
            let key = s.distance << 20 | s.other
            if key <= cutoff { chosen.append((key, i)) }
        }
        chosen.sort { $0.key != $1.key ? $0.key < $1.key : $0.index < $1.index }
        return chosen.prefix(k).map(\.index)
    }
}

/// Builds a `PairList` from the matcher's stream, up to a cap: once `limit` pairs are held, later
/// pairs are only counted (`seen`) and the list is marked truncated; nothing is dropped silently.
final class PairListBuilder {
    let limit: Int
    private let spool: RecordSpool<PairList.Record>
    /// Every pair the matcher reported, kept or not.
    private(set) var seen = 0

    init(limit: Int, memoryLimit: Int = 1 << 20) {
        self.limit = max(0, limit)
        spool = RecordSpool(memoryLimit: memoryLimit)
    }

    /// Keeps the pair unless the cap is reached; true when kept. The other distance is only
    /// computed for kept pairs (past the cap a pair explosion only counts).
    @discardableResult
    func add(datasetA: Int, datasetB: Int, _ p: MatchPair, otherDistance: @autoclosure () -> Int,
             transform: Dihedral? = nil) throws -> Bool {
        seen += 1
        guard spool.count < limit else { return false }
        try spool.append(PairList.Record(datasetA: UInt16(datasetA), datasetB: UInt16(datasetB), distance: p.distance,
                                         otherDistance: UInt16(clamping: otherDistance()),
                                         a: UInt32(bitPattern: p.a), b: UInt32(bitPattern: p.b),
                                         transform: transform.map { UInt8($0.rawValue + 1) } ?? 0))
        return true
    }

    func finish(keys: [[FileKey]]) throws -> PairList {
        try spool.seal()
        return PairList(records: spool, keys: keys)
    }
}
