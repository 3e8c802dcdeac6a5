import Foundation
import HashKit
import HashStore
import Verification

/// An unordered cross-dataset image pair, stored with the smaller reference first, so the pair
/// of either family finds the same verdict.
public typealias PairKey = UnorderedPair<ImageRef>

/// The verdicts of one verification run, looked up by image pair by the JSON and report writers.
/// The raw pairs are never changed: verification only adds to them.
public struct PairVerdicts: Sendable {
    public var verdicts: [PairKey: Verdict]
    /// Candidate pairs (the union of every family's pairs).
    public var candidates: Int
    /// Why verification did not run (too many candidates); `verdicts` is then empty.
    public var skipped: String?
    public var seconds: Double
    /// The verified image pairs of every family merged, one row per image pair, in pair order
    /// (dataset order, then keys), each with its distance under every family. Merged once, here:
    /// the JSON, both reports and the summary all list or count these rows.
    public let merged: [MergedPair]

    /// The verdicts on the candidate pairs of `result` (whose pairs give the merged rows).
    public init(verdicts: [PairKey: Verdict], candidates: Int, skipped: String? = nil, seconds: Double = 0, of result: AnalysisResult) {
        self.verdicts = verdicts
        self.candidates = candidates
        self.skipped = skipped
        self.seconds = seconds
        self.reviews = result.reviews
        self.merged = Self.merge(verdicts, result)
    }

    public func verdict(_ p: CrossPair) -> Verdict? { verdicts[PairKey(p.a, p.b)] }

    /// Whether the pair is verified: by the measure, unless a curator's review decided.
    public func isVerified(_ p: CrossPair) -> Bool {
        reviews.acceptance(PairKey(p.a, p.b), measured: verdict(p)?.verified ?? false) != nil
    }

    /// The reviews the merged rows follow (those of the result at `init`).
    public let reviews: PairReviews

    /// Rejected candidates by reason, most frequent first (ties by name).
    public var rejections: [(reason: VerdictReason, count: Int)] {
        var counts = [VerdictReason: Int]()
        for v in verdicts.values where !v.verified { counts[v.reason, default: 0] += 1 }
        return counts.map { ($0.key, $0.value) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.rawValue < $1.0.rawValue }
    }

    public var verifiedCount: Int { verdicts.values.filter(\.verified).count }

    static func merge(_ verdicts: [PairKey: Verdict], _ result: AnalysisResult) -> [MergedPair] {
        guard !verdicts.isEmpty else { return [] }
        // Reviews decide where they exist; "by" is said only when some review is in play, so a
        // run without reviews writes what it always wrote.
        let reviews = result.reviews
        func shown(_ by: VerifiedBy) -> VerifiedBy? { reviews.isEmpty ? nil : by }
        var rows = [PairKey: MergedPair]()
        for m in result.allMatches {
            for p in m.pairs {
                let key = PairKey(p.a, p.b)
                guard let v = verdicts[key], let by = reviews.acceptance(key, measured: v.verified) else { continue }
                var row = rows[key] ?? MergedPair(a: p.a, b: p.b, distances: [:], similarity: v.similarity, by: shown(by),
                                                  transform: p.transform)
                row.distances[m.family.id] = p.distance
                if p.otherDistance != CrossPair.noDistance {
                    row.distances[m.otherFamily.id] = row.distances[m.otherFamily.id] ?? p.otherDistance
                }
                rows[key] = row
            }
        }
        // Verified candidates from --candidate-radius that no family reported: distances from the
        // hashes. Only the measure puts these in (a review's "same" counts for raw pairs only).
        for (key, v) in verdicts where v.verified && rows[key] == nil {
            guard let by = reviews.acceptance(key, measured: true) else { continue }
            let da = result.datasets[key.first.dataset], db = result.datasets[key.second.dataset]
            guard let ia = da.index(of: key.first.key), let ib = db.index(of: key.second.key) else { continue }
            var distances = [HashFamily.ID: Int]()
            for f in result.families { distances[f.id] = f.distance(da.hashes[ia], db.hashes[ib]) }
            rows[key] = MergedPair(a: key.first, b: key.second, distances: distances, similarity: v.similarity, by: shown(by))
        }
        return rows.values.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }
}

/// A verified image pair with its distance under each family.
public struct MergedPair: Sendable, Equatable {
    public var a: ImageRef
    public var b: ImageRef
    public var distances: [HashFamily.ID: Int]
    public var similarity: Double
    /// Who verified it; nil when no review is in play (the JSON then says nothing).
    public var by: VerifiedBy? = nil
    /// `--dihedral`: the transform of the first family's pair (the one verification turned a by).
    public var transform: Dihedral? = nil
}

public enum PairVerification {
    /// Above this many candidates verification is skipped (with a message): every candidate
    /// costs a comparison, and a threshold that yields this many pairs is matching noise.
    public static let maxCandidates = 100_000
    /// Above this many distinct images verification is skipped too: each keeps a ~72 KB signature
    /// in memory while the pairs are compared (10,000 images: ~0.7 GB).
    public static let maxImages = 10_000

    /// The image pairs within a looser radius than the thresholds (`--candidate-radius
    /// FAMILY=N`), matched again from the hashes: extra candidates for verification, never raw
    /// pairs. nil when they exceed `maxCandidates` (verification is then skipped).
    public static func looserCandidates(_ result: AnalysisResult, radii: [HashFamily.ID: Int], matcher: Matcher,
                                        maxCandidates: Int = PairVerification.maxCandidates) throws -> [PairKey]? {
        var keys = [PairKey]()
        for m in result.allMatches {
            guard let radius = radii[m.family.id], radius > m.threshold else { continue }
            // Nearest distances are not wanted here: the cheapest radius lets an index serve them.
            let looser = try CrossDatasetMatch(matcher: matcher, maxPairs: maxCandidates, exactNearestComparisons: 0)
                .run(result.datasets, family: m.family, other: m.otherFamily, threshold: radius, nearestRadius: radius)
            guard !looser.truncated else { return nil }
            keys += looser.pairs.map { PairKey($0.a, $0.b) }
        }
        return keys
    }

    /// Verifies the union of every family's pairs of `result`, plus `extra` candidates (pairs
    /// within a looser radius; nil: there were too many of them).
    /// `store`: verdicts of earlier runs are taken from it (by the two pictures' content
    /// digests) and new ones kept in it, so a run on unchanged pictures decodes none of them.
    /// `decoded` sees each preview decoded, for the report's thumbnails.
    public static func run(_ result: AnalysisResult, extra: [PairKey]? = [], limits: DecodeLimits = DecodeLimits(),
                           maxCandidates: Int = PairVerification.maxCandidates,
                           maxImages: Int = PairVerification.maxImages, store: (any HashStoring)? = nil,
                           decoded: (@Sendable (ImageRef, DecodedImage) -> Void)? = nil) -> PairVerdicts {
        let start = Date()
        guard let extra else {
            return PairVerdicts(verdicts: [:], candidates: maxCandidates + 1,
                                skipped: "verification skipped: the pairs within --candidate-radius exceed the bound of \(maxCandidates) candidates (lower the radius)",
                                of: result)
        }
        // A pair explosion is refused before any set of its pairs is built.
        let raw = result.allMatches.reduce(0) { $0 + $1.pairs.count }
        guard raw <= maxCandidates * max(1, result.allMatches.count) else {
            return PairVerdicts(verdicts: [:], candidates: raw,
                                skipped: "verification skipped: \(raw) raw pairs exceed the bound of \(maxCandidates) candidates (lower the thresholds)", of: result)
        }
        var keys = [PairKey]()
        var seen = Set<PairKey>()
        // --dihedral: a pair is verified with a turned the way its first family matched it.
        var transforms = [PairKey: Dihedral]()
        for m in result.allMatches {
            for i in m.pairs.indices {
                let p = m.pairs[i]
                guard seen.insert(PairKey(p.a, p.b)).inserted else { continue }
                keys.append(PairKey(p.a, p.b))
                if let t = p.transform, t != .identity { transforms[PairKey(p.a, p.b)] = t }
            }
        }
        for key in extra where seen.insert(key).inserted { keys.append(key) }
        guard keys.count <= maxCandidates else {
            return PairVerdicts(verdicts: [:], candidates: keys.count,
                                skipped: "verification skipped: \(keys.count) candidate pairs exceed the bound of \(maxCandidates) (lower the thresholds)", of: result)
        }
        var index = [ImageRef: Int]()
        var paths = [FileSource]()
        // Files are read beneath their dataset's root with no link followed, as the scan reads them.
        let roots = DatasetRoots(result.datasets)
        func id(_ r: ImageRef) -> Int {
            if let i = index[r] { return i }
            index[r] = paths.count
            paths.append(roots.source(dataset: r.dataset, key: r.key))
            return paths.count - 1
        }
        // The pair key orders by dataset, so `first` is a (the earlier dataset), the one turned.
        let candidates = keys.map { CandidatePair(a: id($0.first), b: id($0.second), transform: transforms[$0] ?? .identity) }
        guard paths.count <= maxImages else {
            return PairVerdicts(verdicts: [:], candidates: keys.count,
                                skipped: "verification skipped: the \(keys.count) candidate pairs name \(paths.count) images, more than the bound of \(maxImages) (lower the thresholds)", of: result)
        }
        let refs = index.sorted { $0.value < $1.value }.map(\.key)
        // Verdicts of earlier runs on the same pair of pictures; only the others are verified.
        let cacheKeys = keys.map { key -> String? in
            guard let a = result.datasets[key.first.dataset].digest(of: key.first.key),
                  let b = result.datasets[key.second.dataset].digest(of: key.second.key) else { return nil }
            return VerdictCache.key(a, b, transform: transforms[key] ?? .identity)
        }
        var verdicts = cacheKeys.map { key in key.flatMap { store?.cachedVerdict($0) } }
        // A hash-list entry has no picture: its pairs are not compared (nor is a file named like
        // its ID ever read), and say why.
        func listEntry(_ r: ImageRef) -> Bool {
            let d = result.datasets[r.dataset]
            return d.partial.count == d.keys.count && d.index(of: r.key).map { d.partial[$0] != nil } == true
        }
        for (i, key) in keys.enumerated() where verdicts[i] == nil && (listEntry(key.first) || listEntry(key.second)) {
            verdicts[i] = Verdict(verified: false, similarity: 0, worstRegion: 0, reason: .different,
                                  error: "a hash-list entry has no picture to compare")
        }
        let todo = verdicts.indices.filter { verdicts[$0] == nil }
        let onDecoded: (@Sendable (Int, DecodedImage) -> Void)? = decoded.map { keep in { @Sendable i, image in keep(refs[i], image) } }
        let fresh = Verifier(limits: limits).verify(candidates: todo.map { candidates[$0] }, files: paths, decoded: onDecoded)
        var made = [(key: String, bytes: [UInt8])]()
        for (i, verdict) in zip(todo, fresh) {
            verdicts[i] = verdict
            // A decode failure is not kept: its message names the file, and the file may be fixed.
            if let key = cacheKeys[i], verdict.error == nil { made.append((key, VerdictCache.encode(verdict))) }
        }
        if let store, !made.isEmpty { try? store.storeArtifacts(made) }
        return PairVerdicts(verdicts: Dictionary(uniqueKeysWithValues: zip(keys, verdicts.map { $0! })), candidates: keys.count,
                            seconds: Date().timeIntervalSince(start), of: result)
    }
}

/// Verdicts kept in the store's artifact table between runs. The key names both pictures by
/// content digest, in the pair's order, and the verdict arithmetic's revision, so a kept verdict
/// is never stale: other pictures or other arithmetic mean another key. A cache that fails to
/// read or write only costs time (the pair is verified again).
enum VerdictCache {
    /// A turned pair (`--dihedral`) is another comparison, so its transform is part of the key.
    static func key(_ a: ContentDigest, _ b: ContentDigest, transform: Dihedral = .identity) -> String {
        "verdict-v\(Verifier.revision)-\(a.hex)-\(b.hex)" + (transform == .identity ? "" : "-\(transform.name)")
    }

    /// verified (1 byte), similarity and worst region (IEEE bits, little-endian), the reason's name.
    static func encode(_ v: Verdict) -> [UInt8] {
        var bytes: [UInt8] = [v.verified ? 1 : 0]
        for x in [v.similarity, v.worstRegion] { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } }
        return bytes + Array(v.reason.rawValue.utf8)
    }

    static func decode(_ bytes: [UInt8]) -> Verdict? {
        guard bytes.count > 17, bytes[0] <= 1,
              let reason = VerdictReason(rawValue: String(decoding: bytes[17...], as: UTF8.self)) else { return nil }
        func double(_ at: Int) -> Double {
            Double(bitPattern: bytes[at..<(at + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        return Verdict(verified: bytes[0] == 1, similarity: double(1), worstRegion: double(9), reason: reason)
    }
}

extension HashStoring {
    func cachedVerdict(_ key: String) -> Verdict? {
        ((try? artifact(key)) ?? nil).flatMap(VerdictCache.decode)
    }
}
