import HashKit
import JSONFiles

/// A file's key inside its dataset: its relative path with `/` separators, as raw bytes.
/// File names need not be UTF-8; bytes keep them exact, `display` shows them to people, and the
/// JSON writer encodes invalid bytes reversibly (see `JSONValue`).
public struct FileKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// Lossy text for people (invalid bytes become U+FFFD).
    public var display: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { display }

    /// Byte order equals Unicode code point order for valid UTF-8, which is how Python sorts keys.
    public static func < (lhs: FileKey, rhs: FileKey) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// A dataset as the user named it on the command line.
public struct DatasetSpec: Sendable, Equatable {
    public var name: String
    /// The folder as given (made absolute by the scanner).
    public var path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

/// An image of one dataset: the dataset's position on the command line and the file's key.
public struct ImageRef: Hashable, Comparable, Sendable {
    public var dataset: Int
    public var key: FileKey

    public init(dataset: Int, key: FileKey) {
        self.dataset = dataset
        self.key = key
    }

    public static func < (lhs: ImageRef, rhs: ImageRef) -> Bool {
        lhs.dataset != rhs.dataset ? lhs.dataset < rhs.dataset : lhs.key < rhs.key
    }
}

/// A file that could not be hashed (or was hashed with a warning).
public struct FileIssue: Sendable, Equatable {
    public var key: FileKey
    public var message: String
    /// true: the file was hashed, the decoder only complained (Pillow would also return pixels).
    public var warning: Bool

    public init(key: FileKey, message: String, warning: Bool = false) {
        self.key = key
        self.message = message
        self.warning = warning
    }
}

/// The families one image carries when it is not a picture (a hash-list entry).
public struct PartialHashes: Sendable, Equatable {
    /// The families it has a hash of.
    public var families: Set<HashFamily.ID>
    /// Of those, the ones whose quality is unknown (lists give none); such a hash is matched.
    public var unknownQuality: Set<HashFamily.ID>

    public init(families: Set<HashFamily.ID>, unknownQuality: Set<HashFamily.ID> = []) {
        self.families = families
        self.unknownQuality = unknownQuality
    }
}

/// Everything hashed in one dataset, keys sorted.
public struct DatasetResult: Sendable {
    public var spec: DatasetSpec
    public var keys: [FileKey]
    public var hashes: [ImageHashes]
    public var issues: [FileIssue]
    /// How this run came by the results (decoded now, reused from the store); nil when the
    /// result was not indexed by this run (read from hash files).
    public var counts: IndexCounts?
    /// The content digest of each hashed image (same order as `keys`), when known: previews are
    /// cached by it. Empty when the results came without digests.
    public var digests: [ContentDigest?]
    /// The dihedral variants of each hashed image (same order as `keys`), with `--dihedral`;
    /// empty otherwise.
    public var variants: [DihedralHashes] = []
    /// Images that carry only some of the run's families (hash-list entries: their list's family,
    /// without a quality), same order as `keys`; nil for a picture, which carries them all. Empty
    /// when every image is a picture. A family an image lacks is neither a failure nor matched:
    /// the image is in no pair, group or hash file of that family.
    public var partial: [PartialHashes?] = []

    public init(spec: DatasetSpec, keys: [FileKey], hashes: [ImageHashes], issues: [FileIssue], counts: IndexCounts? = nil,
                digests: [ContentDigest?] = []) {
        self.spec = spec
        self.keys = keys
        self.hashes = hashes
        self.issues = issues
        self.counts = counts
        self.digests = digests
    }

    /// Whether image `i` has a hash of `family` (every picture does; a list entry only its list's).
    public func carries(_ family: HashFamily, at i: Int) -> Bool {
        partial.count != keys.count || partial[i]?.families.contains(family.id) ?? true
    }

    /// Whether image `i`'s quality for `family` is known (lists give none: such a hash is matched).
    public func knowsQuality(_ family: HashFamily, at i: Int) -> Bool {
        partial.count != keys.count || !(partial[i]?.unknownQuality.contains(family.id) ?? false)
    }

    /// The content digest of `key`, if this result knows it.
    public func digest(of key: FileKey) -> ContentDigest? {
        guard digests.count == keys.count, let i = index(of: key) else { return nil }
        return digests[i]
    }

    /// The position of `key` in `keys` (and `hashes`), by binary search.
    public func index(of key: FileKey) -> Int? {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < keys.count && keys[lo] == key ? lo : nil
    }

    public var errorCount: Int { issues.filter { !$0.warning }.count }
    /// The file on disk for a key, as raw path bytes (file names need not be UTF-8).
    /// An empty `spec.path` means the keys are paths themselves (hashes read from `hash --json`).
    public func pathBytes(for key: FileKey) -> [UInt8] {
        spec.path.isEmpty ? key.bytes : Array(spec.path.utf8) + [UInt8(ascii: "/")] + key.bytes
    }
}

/// A cross-dataset pair: `a` belongs to the dataset named first on the command line.
public struct CrossPair: Sendable, Equatable {
    public var a: ImageRef
    public var b: ImageRef
    public var distance: Int
    /// The same pair's distance under the other hash; `CrossPair.noDistance` when a picture
    /// has no hash of it (a list entry carries its list's family alone).
    public var otherDistance: Int
    /// `otherDistance` of a pair that has none: outputs leave it out.
    public static let noDistance = Int(UInt16.max)
    /// With `--dihedral`: the variant of `a`'s hash that matched `b`'s (the first in `Dihedral`
    /// order at the smallest distance); `distance` is that variant's. nil without `--dihedral`.
    public var transform: Dihedral?

    public init(a: ImageRef, b: ImageRef, distance: Int, otherDistance: Int, transform: Dihedral? = nil) {
        self.a = a
        self.b = b
        self.distance = distance
        self.otherDistance = otherDistance
        self.transform = transform
    }
}

/// What indexing a dataset did: files decoded this run, files whose result came from the store
/// (unchanged, or the same content under another name), and files that could not be hashed.
public struct IndexCounts: Sendable, Equatable {
    public var decoded = 0
    public var reused = 0
    public var errors = 0

    public init(decoded: Int = 0, reused: Int = 0, errors: Int = 0) {
        self.decoded = decoded
        self.reused = reused
        self.errors = errors
    }

    public static func + (l: IndexCounts, r: IndexCounts) -> IndexCounts {
        IndexCounts(decoded: l.decoded + r.decoded, reused: l.reused + r.reused, errors: l.errors + r.errors)
    }
}

/// The matches of one hash family.
public struct FamilyMatches: Sendable {
    /// `nearestOtherDistance` of an image whose nearest image in another dataset is farther than
    /// `nearestRadius`.
    public static let fartherThanRadius = Int.max

    public var family: HashFamily
    /// The family whose distance every pair also carries (`otherDistance`, "other_distance").
    public var otherFamily: HashFamily
    public var threshold: Int
    /// Sorted by (dataset a, dataset b, a.key, b.key). At most `MatchOptions.maxPairs`.
    public var pairs: PairList
    /// Within-dataset pairs, only with --within.
    public var within: PairList?
    /// Pairs the matcher found, kept or not: larger than `pairs.count` (+ `within`) only when the
    /// `--max-pairs` cap cut the lists short.
    public var pairsFound: Int
    /// Connected components of the pair graph, members sorted, groups sorted by first member.
    public var groups: [[ImageRef]]
    /// For every hashed image (dataset order, then key order), its smallest distance to any image
    /// of another dataset; nil when there is no other dataset; `fartherThanRadius` when it is
    /// farther than `nearestRadius`.
    public var nearestOtherDistance: [Int?]
    /// Nearest distances are exact up to this radius; nil: exact at every distance.
    public var nearestRadius: Int?

    public init(family: HashFamily, otherFamily: HashFamily, threshold: Int, pairs: PairList, within: PairList?,
                pairsFound: Int? = nil, groups: [[ImageRef]], nearestOtherDistance: [Int?], nearestRadius: Int? = nil) {
        self.family = family
        self.otherFamily = otherFamily
        self.threshold = threshold
        self.pairs = pairs
        self.within = within
        self.pairsFound = pairsFound ?? pairs.count + (within?.count ?? 0)
        self.groups = groups
        self.nearestOtherDistance = nearestOtherDistance
        self.nearestRadius = nearestRadius
    }

    /// Whether `--max-pairs` cut the pair lists short.
    public var truncated: Bool { pairsFound > pairsWritten }

    /// Pairs in the lists (cross-dataset and within-dataset).
    public var pairsWritten: Int { pairs.count + (within?.count ?? 0) }
}

/// Seconds spent per stage, for manifest.json.
public struct StageTimings: Sendable {
    public var scan = 0.0, decode = 0.0, hash = 0.0, match = 0.0, report = 0.0, total = 0.0
    /// Pair verification (0 when it did not run).
    public var verify = 0.0
    public init() {}
}

/// The whole analysis, input to every output writer.
public struct AnalysisResult: Sendable {
    public var datasets: [DatasetResult]
    /// The families matched, in output order (`HashFamily.all` order).
    public var families: [HashFamily]
    /// The matches of each family of `families`.
    public var matches: [HashFamily.ID: FamilyMatches]
    public var device: EngineDescription
    public var timings: StageTimings
    /// Verdicts on the candidate pairs, when verification ran (`analyze --verify`).
    public var verification: PairVerdicts?
    /// Curators' decisions on the run's pairs, from the store (empty without a store, with
    /// `--no-reviews`, or when no review names a pair of the run).
    public var reviews = PairReviews()
    /// Whether the pairs were matched with `--dihedral` (the manifest says so).
    public var dihedral = false

    public init(datasets: [DatasetResult], matches: [FamilyMatches], device: EngineDescription, timings: StageTimings) {
        self.datasets = datasets
        self.families = matches.map(\.family)
        self.matches = Dictionary(uniqueKeysWithValues: matches.map { ($0.family.id, $0) })
        self.device = device
        self.timings = timings
    }

    /// The matches of `family`, which must be one of `families`.
    public func matches(_ family: HashFamily) -> FamilyMatches {
        guard let m = matches[family.id] else { preconditionFailure("programmer error: \(family.id) was not matched") }
        return m
    }

    /// Every family's matches, in `families` order.
    public var allMatches: [FamilyMatches] { families.map(matches) }

    /// Thresholds by family, for the JSON and reports.
    public var thresholds: [HashFamily.ID: Int] { matches.mapValues(\.threshold) }
}
