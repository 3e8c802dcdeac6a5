import Foundation
import HashKit
import JSONFiles

/// Precision and recall of one hash at one threshold, scored like reference.py's `score()`:
/// a pair is the unordered pair of (dataset, file); precision is 1 when nothing was found,
/// recall is 1 when the ground truth is empty.
public struct EvaluationScore: Sendable, Equatable {
    public var family: HashFamily
    public var threshold: Int
    public var found: Int
    public var truePairs: Int
    public var truePositives: Int

    public init(family: HashFamily, threshold: Int, found: Int, truePairs: Int, truePositives: Int) {
        self.family = family
        self.threshold = threshold
        self.found = found
        self.truePairs = truePairs
        self.truePositives = truePositives
    }

    public var precision: Double { found == 0 ? 1 : Double(truePositives) / Double(found) }
    public var recall: Double { truePairs == 0 ? 1 : Double(truePositives) / Double(truePairs) }
    public var f1: Double {
        let p = precision, r = recall
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
}

/// Precision and recall of the verified pairs (every family merged).
public struct VerifiedScore: Sendable, Equatable {
    public var found: Int
    public var truePairs: Int
    public var truePositives: Int
    public var precision: Double { found == 0 ? 1 : Double(truePositives) / Double(found) }
    public var recall: Double { truePairs == 0 ? 1 : Double(truePositives) / Double(truePairs) }
    public var f1: Double {
        let p = precision, r = recall
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
}

/// The scores of an analysis against a ground truth (the numbers only: the report prints and
/// draws them).
public struct EvaluationScores: Sendable {
    public var groundTruthPairs: Int
    /// Ground-truth pairs naming a dataset or file that has no hash in the analysis (missing,
    /// or in errors.json): they can never be found and count as missed.
    public var unhashedTruthPairs: Int
    /// One score per hash at the analysis threshold.
    public var atThreshold: [EvaluationScore]
    /// Per hash, scores for thresholds 0 ... 2 × the analysis threshold.
    public var sweeps: [HashFamily.ID: [EvaluationScore]]
    /// The verified pairs of the analysis (verified_cross_duplicates.json), scored like the raw
    /// ones; nil when the analysis ran without verification.
    public var verified: VerifiedScore?
}

/// The ground truth make_corpus.py writes (`"cross_pairs": [[[dataset, file], [dataset, file]], ...]`)
/// and the scoring of an analysis against it. Images are named by dataset name and file key,
/// compared as bytes (as Python compares str), because the ground truth knows no dataset order.
public enum GroundTruth {
    /// An image by dataset name and key.
    public struct NamedImage: Hashable, Comparable, Sendable {
        public var dataset: [UInt8]
        public var file: [UInt8]

        public init(dataset: [UInt8], file: [UInt8]) {
            self.dataset = dataset
            self.file = file
        }

        public static func < (l: NamedImage, r: NamedImage) -> Bool {
            l.dataset != r.dataset ? l.dataset.lexicographicallyPrecedes(r.dataset) : l.file.lexicographicallyPrecedes(r.file)
        }
    }

    public typealias Pair = UnorderedPair<NamedImage>

    /// The distinct cross-dataset pairs of a ground-truth file.
    public static func load(_ path: String) throws(HashFileError) -> Set<Pair> {
        let root = try HashFiles.readJSON(path)
        guard let pairs = root["cross_pairs"]?.arrayValue else {
            throw HashFileError(path: path, reason: "expected an object with \"cross_pairs\" (as make_corpus.py writes)")
        }
        var out = Set<Pair>()
        for (n, p) in pairs.enumerated() {
            guard let two = p.arrayValue, two.count == 2,
                  let x = two[0].arrayValue, x.count == 2, let xd = x[0].stringBytes, let xf = x[1].stringBytes,
                  let y = two[1].arrayValue, y.count == 2, let yd = y[0].stringBytes, let yf = y[1].stringBytes else {
                throw HashFileError(path: path, reason: "cross_pairs[\(n)] is not [[dataset, file], [dataset, file]]")
            }
            out.insert(Pair(NamedImage(dataset: xd, file: xf), NamedImage(dataset: yd, file: yf)))
        }
        return out
    }

    /// Scores hashed datasets against ground-truth pairs: every cross-dataset distance up to
    /// twice each family's threshold is recomputed with `matcher`, so the whole sweep is scored,
    /// not only the threshold the analysis used. `verified` is left nil.
    public static func score(_ datasets: [DatasetResult], truth: Set<Pair>, options: MatchOptions,
                             matcher: Matcher) throws -> EvaluationScores {
        var known = Set<NamedImage>()
        for d in datasets { for k in d.keys { known.insert(NamedImage(dataset: Array(d.spec.name.utf8), file: k.bytes)) } }
        let unhashed = truth.filter { !known.contains($0.first) || !known.contains($0.second) }.count
        func name(_ r: ImageRef) -> NamedImage { NamedImage(dataset: Array(datasets[r.dataset].spec.name.utf8), file: r.key.bytes) }

        var sweeps = [HashFamily.ID: [EvaluationScore]]()
        var atThreshold = [EvaluationScore]()
        let cross = CrossDatasetMatch(matcher: matcher)
        for family in options.families {
            let t = options.threshold(family)
            let maxT = max(0, 2 * t)
            var found = [Int](repeating: 0, count: maxT + 1)
            var hits = [Int](repeating: 0, count: maxT + 1)
            let matches = try cross.run(datasets, family: family, other: family, threshold: maxT)
            for p in matches.pairs {
                found[p.distance] += 1
                if truth.contains(Pair(name(p.a), name(p.b))) { hits[p.distance] += 1 }
            }
            var sweep = [EvaluationScore]()
            var f = 0, h = 0
            for threshold in 0...maxT {
                f += found[threshold]
                h += hits[threshold]
                sweep.append(EvaluationScore(family: family, threshold: threshold, found: f, truePairs: truth.count, truePositives: h))
            }
            sweeps[family.id] = sweep
            atThreshold.append(sweep[min(max(t, 0), maxT)])
        }
        return EvaluationScores(groundTruthPairs: truth.count, unhashedTruthPairs: unhashed, atThreshold: atThreshold,
                                sweeps: sweeps, verified: nil)
    }

    /// Scores the pairs of verified_cross_duplicates.json; nil when the file is absent.
    public static func scoreVerified(_ path: String, truth: Set<Pair>) throws(HashFileError) -> VerifiedScore? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let root = try HashFiles.readJSON(path)
        guard let pairs = root["pairs"]?.arrayValue else {
            throw HashFileError(path: path, reason: "expected an object with \"pairs\"")
        }
        var found = Set<Pair>()
        for (n, p) in pairs.enumerated() {
            func image(_ side: String) -> NamedImage? {
                guard let d = p[side]?["dataset"]?.stringBytes, let f = p[side]?["file"]?.stringBytes else { return nil }
                return NamedImage(dataset: d, file: f)
            }
            guard let a = image("a"), let b = image("b") else {
                throw HashFileError(path: path, reason: "pairs[\(n)] has no a/b with dataset and file")
            }
            found.insert(Pair(a, b))
        }
        return VerifiedScore(found: found.count, truePairs: truth.count, truePositives: found.intersection(truth).count)
    }
}
