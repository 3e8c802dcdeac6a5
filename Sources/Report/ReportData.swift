import Analysis
import HashKit
import Verification

/// What both human reports show, computed once from an `AnalysisResult`.
struct ReportData {
    struct PairCounts {
        var a: Int, b: Int
        /// Pairs per family, in `views` order.
        var perFamily: [Int]
        /// Pairs found under every family.
        var all: Int
    }

    struct AlgorithmView {
        var result: FamilyMatches
        /// The pairs the reports list: closest first, at most `maxReportPairs`.
        var shown: [CrossPair]
        var omitted: Int
        var overlap: DatasetOverlap
        var nearest: NearestDistances
        var family: HashFamily { result.family }
        var name: String { result.family.displayName }
        var prefix: String { result.family.filePrefix }
    }

    let result: AnalysisResult
    let names: [String]
    let views: [AlgorithmView]
    let pairCounts: [PairCounts]
    let thumbnails: [ImageRef: String]
    let maxReportPairs: Int
    /// Verdicts on the pairs, when verification ran and was not skipped.
    let verification: PairVerdicts?
    /// Groups of the verified pairs (every family merged), per combination of datasets.
    let verifiedOverlap: DatasetOverlap?

    init(_ result: AnalysisResult, maxReportPairs: Int) {
        self.result = result
        self.maxReportPairs = maxReportPairs
        names = result.datasets.map(\.spec.name)
        let sizes = result.datasets.map(\.keys.count)
        views = result.allMatches.map { r in
            let shown = r.pairs.closest(maxReportPairs).map { r.pairs[$0] }
            return AlgorithmView(result: r, shown: shown, omitted: r.pairs.count - shown.count,
                                 overlap: DatasetOverlap(groups: r.groups, sizes: sizes), nearest: NearestDistances(r))
        }
        pairCounts = Self.countPairs(result)
        if let v = result.verification, v.skipped == nil {
            verification = v
            let merged = v.merged.map { CrossPair(a: $0.a, b: $0.b, distance: 0, otherDistance: 0) }
            verifiedOverlap = DatasetOverlap(groups: CrossDatasetMatch.groups(of: merged), sizes: sizes)
        } else {
            verification = nil
            verifiedOverlap = nil
        }
        thumbnails = ThumbnailNames.assign(views.flatMap { $0.shown.flatMap { [$0.a, $0.b] } }, datasetNames: names)
    }

    /// "the perceptual hash (phash) found 3 pairs and the robust hash (blockmean) found 2 pairs of
    /// similar images; 1 pair was found by both": the overview of both reports.
    var foundSentence: String {
        var s = Text.list(views.map { "the \(Self.inSentence($0.name)) found \(Text.plural($0.result.pairs.count, "pair"))" })
            + " of similar images"
        if views.count > 1 { s += "; \(Text.plural(pairsFoundByAll, "pair was", "pairs were")) found by \(agreement)" }
        return s
    }

    /// What verification did, for both reports: how many raw pairs it rejected and why; nil
    /// when it did not run.
    var verificationSentence: String? {
        guard let r = result.verification else { return nil }
        if let skipped = r.skipped { return "Verification: \(skipped)." }
        let verifiedPairs = r.merged.count
        let rejected = r.candidates - r.verifiedCount
        var s = "Verification re-checked the \(Text.plural(r.candidates, "image pair")) that any hash found, from pixels "
            + "(aligned thumbnails compared as a whole and region by region, with contrast and colour): "
            + "\(Text.plural(verifiedPairs, "pair is a", "pairs are")) verified \(verifiedPairs == 1 ? "copy" : "copies") and "
            + "\(Text.plural(rejected, "raw pair was", "raw pairs were")) rejected"
        let reasons = r.rejections.map { "\(Text.count($0.count)) \($0.reason.phrase)" }
        if !reasons.isEmpty { s += " (\(Text.list(reasons)))" }
        s += ". The raw pairs are listed unchanged; verified_cross_duplicates.json holds the verified ones."
        return s + (reviewSentence.map { " " + $0 } ?? "")
    }

    /// How many of the run's pairs curators decided, when any did.
    var reviewSentence: String? {
        let decisions = result.reviews.decisions.values
        guard !decisions.isEmpty else { return nil }
        let counts = ["same", "different", "unsure"].compactMap { d -> String? in
            let n = decisions.filter { $0.decision.rawValue == d }.count
            return n == 0 ? nil : "\(Text.count(n)) \(d)"
        }
        return "Curators reviewed \(Text.plural(decisions.count, "pair")) (\(Text.list(counts))): a pair marked different is not "
            + "verified, one marked same is, whatever the measure said."
    }

    /// A pair's verdict for the reports: verified or not, and the words of its badge.
    func badge(_ p: CrossPair) -> (verified: Bool, text: String)? {
        guard let v = verification?.verdict(p) else { return nil }
        let similarity = Text.fixed(v.similarity, digits: 3)
        return v.verified ? (true, "verified (similarity \(similarity))")
            : (false, "not verified: \(v.error == nil ? v.reason.phrase : "unreadable image")")
    }

    /// Whether some review decides a pair of the run (the reports then show the decisions).
    var hasReviews: Bool { !result.reviews.isEmpty }

    /// A curator's decision on the pair for the reports ("reviewed: different (two cats)"); nil
    /// when nobody reviewed it. Plain text: each report escapes it.
    func reviewText(_ p: CrossPair) -> String? {
        guard let r = result.reviews.review(p) else { return nil }
        return "reviewed: \(r.decision.rawValue)" + (r.note.isEmpty ? "" : " (\(r.note))")
    }

    /// Whether the pair is verified in the end: by the measure, unless a review decided.
    func isVerified(_ p: CrossPair) -> Bool { verification?.isVerified(p) ?? false }

    /// "found by both" for two families, "found by all" for more.
    var agreement: String { views.count == 2 ? "both" : "all" }

    static func countPairs(_ result: AnalysisResult) -> [PairCounts] {
        let n = result.datasets.count
        let all = result.allMatches
        var perFamily = [[Int]](repeating: [Int](repeating: 0, count: all.count), count: n * n)
        for (f, m) in all.enumerated() {
            for i in m.pairs.indices { let s = m.pairs.summary(i); perFamily[s.datasetA * n + s.datasetB][f] += 1 }
        }
        // Pairs every family found: the lists share one order, so one merge walk.
        var agreed = [Int](repeating: 0, count: n * n)
        if let first = all.first {
            var cursors = [Int](repeating: 0, count: all.count)
            outer: for i in first.pairs.indices {
                let p = first.pairs[i]
                for f in 1..<max(1, all.count) {
                    let list = all[f].pairs
                    while cursors[f] < list.count, Self.precedes(list[cursors[f]], p) { cursors[f] += 1 }
                    guard cursors[f] < list.count else { break outer }
                    let q = list[cursors[f]]
                    guard q.a == p.a && q.b == p.b else { continue outer }
                }
                agreed[p.a.dataset * n + p.b.dataset] += 1
            }
        }
        var rows = [PairCounts]()
        for a in 0..<n {
            for b in (a + 1)..<n {
                rows.append(PairCounts(a: a, b: b, perFamily: perFamily[a * n + b], all: agreed[a * n + b]))
            }
        }
        return rows
    }

    /// The warning both reports show when `--max-pairs` cut a family's pairs; nil otherwise.
    static func truncationWarning(_ m: FamilyMatches) -> String? {
        guard m.truncated else { return nil }
        let written = m.pairsWritten
        return "Truncated: the \(m.family.id) matcher found \(Text.count(m.pairsFound)) pairs; only the first "
            + "\(Text.count(written)) are listed (--max-pairs), and groups are built from those. "
            + "Many identical (often blank or flat) images usually cause this; raise --max-pairs to list them all."
    }

    /// The pair lists' order: (dataset a, dataset b, a.key, b.key).
    static func precedes(_ l: CrossPair, _ r: CrossPair) -> Bool {
        if l.a.dataset != r.a.dataset { return l.a.dataset < r.a.dataset }
        if l.b.dataset != r.b.dataset { return l.b.dataset < r.b.dataset }
        return l.a.key != r.a.key ? l.a.key < r.a.key : l.b.key < r.b.key
    }

    var totalImages: Int { result.datasets.reduce(0) { $0 + $1.keys.count } }
    /// A family's display name inside a sentence: "Perceptual hash" -> "perceptual hash", an
    /// acronym ("PDQ") as it is.
    static func inSentence(_ name: String) -> String {
        let second = name.dropFirst().first
        return second.map { $0.isUppercase } == true ? name : name.prefix(1).lowercased() + name.dropFirst()
    }

    /// Per family with a quality floor (PDQ), the pictures under it: listed in the family's hash
    /// files, never matched.
    /// A `--dihedral` pair's transform when it is not the identity (b matches a turned copy of
    /// a); nil for an unturned pair and for every pair of a run without the flag.
    static func turn(_ pair: CrossPair) -> Dihedral? {
        guard let t = pair.transform, t != .identity else { return nil }
        return t
    }

    var belowQualityFloor: [(family: HashFamily, count: Int)] {
        result.families.filter { $0.qualityFloor != nil }.map { family in
            (family, result.datasets.reduce(0) { $0 + AnalysisJSON.belowQualityFloor($1, family) })
        }
    }

    var totalErrors: Int { result.datasets.reduce(0) { $0 + $1.errorCount } }
    var pairsFoundByAll: Int { pairCounts.reduce(0) { $0 + $1.all } }

    /// Key without extension, for the "Filename" line of a pair cell.
    func fileLabel(_ ref: ImageRef) -> String { FileKeyDisplay.withoutExtension(ref.key.display) }
    func datasetName(_ ref: ImageRef) -> String { ref.dataset < names.count ? names[ref.dataset] : "?" }

    /// The files `crosshash analyze` writes, for the "Files" section: (relative path, what it is).
    var files: [(path: String, what: String)] {
        var out: [(String, String)] = [("manifest.json", "run parameters, versions, device, timings, counts")]
        for name in names {
            for v in views {
                out.append(("\(name)/\(AnalysisJSON.hashFileName(v.family))", "\(v.family.id) of every image of \(name)"))
            }
            out.append(("\(name)/errors.json", "files of \(name) that could not be hashed, with the reason"))
        }
        for v in views {
            let alg = v.family.id.rawValue
            out.append(("\(AnalysisJSON.crossDuplicatesFileName(v.family))", "all \(alg) pairs and groups"))
            out.append(("\(v.prefix)_venn_diagram.png", "\(alg) overlap diagram (also .svg)"))
            out.append(("\(v.prefix)_distance_histogram.png", "\(alg) nearest-distance histogram (also .svg)"))
        }
        if verification != nil {
            out.append((AnalysisJSON.verifiedFileName, "verified pairs of every hash merged, with each hash's distance, and their groups"))
            out.append(("verified_venn_diagram.png", "overlap diagram of the verified groups (also .svg)"))
        }
        out.append(("report.html", "this report with a sortable, filterable pair gallery"))
        out.append(("examples/", "thumbnails of the images in the listed pairs"))
        return out
    }
}
