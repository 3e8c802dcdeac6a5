import Analysis

/// What both human reports show, computed once from an `AnalysisResult`.
struct ReportData {
    struct PairCounts {
        var a: Int, b: Int
        var phash: Int, blockmean: Int
        /// Pairs found under both hashes.
        var both: Int
    }

    struct AlgorithmView {
        var result: AlgorithmResult
        /// The pairs the reports list: closest first, at most `maxReportPairs`.
        var shown: [CrossPair]
        var omitted: Int
        var overlap: DatasetOverlap
        var nearest: NearestDistances
        var name: String { result.algorithm == .phash ? "Perceptual hash (phash)" : "Robust hash (blockmean)" }
        var prefix: String { result.algorithm.filePrefix }
    }

    let result: AnalysisResult
    let names: [String]
    let views: [AlgorithmView]
    let pairCounts: [PairCounts]
    let thumbnails: [ImageRef: String]
    let maxReportPairs: Int

    init(_ result: AnalysisResult, maxReportPairs: Int) {
        self.result = result
        self.maxReportPairs = maxReportPairs
        names = result.datasets.map(\.spec.name)
        let sizes = result.datasets.map(\.keys.count)
        views = HashAlgorithm.allCases.map { alg in
            let r = result.result(for: alg)
            let closest = Self.closestFirst(r.pairs)
            let shown = Array(closest.prefix(max(0, maxReportPairs)))
            return AlgorithmView(result: r, shown: shown, omitted: r.pairs.count - shown.count,
                                 overlap: DatasetOverlap(groups: r.groups, sizes: sizes), nearest: NearestDistances(r))
        }
        pairCounts = Self.countPairs(result)
        thumbnails = ThumbnailNames.assign(views.flatMap { $0.shown.flatMap { [$0.a, $0.b] } }, datasetNames: names)
    }

    func view(_ alg: HashAlgorithm) -> AlgorithmView { views[alg == .phash ? 0 : 1] }

    /// Smallest distance first, then the other hash's distance; ties keep the JSON order
    /// (dataset pair, then file names), so the order never depends on anything but the input.
    static func closestFirst(_ pairs: [CrossPair]) -> [CrossPair] {
        pairs.enumerated().sorted { l, r in
            if l.element.distance != r.element.distance { return l.element.distance < r.element.distance }
            if l.element.otherDistance != r.element.otherDistance { return l.element.otherDistance < r.element.otherDistance }
            return l.offset < r.offset
        }.map(\.element)
    }

    static func countPairs(_ result: AnalysisResult) -> [PairCounts] {
        struct Key: Hashable { var a: ImageRef, b: ImageRef }
        let n = result.datasets.count
        var rows = [PairCounts]()
        let phashKeys = Set(result.phash.pairs.map { Key(a: $0.a, b: $0.b) })
        for a in 0..<n {
            for b in (a + 1)..<n {
                let p = result.phash.pairs.filter { $0.a.dataset == a && $0.b.dataset == b }
                let bm = result.blockmean.pairs.filter { $0.a.dataset == a && $0.b.dataset == b }
                let both = bm.filter { phashKeys.contains(Key(a: $0.a, b: $0.b)) }.count
                rows.append(PairCounts(a: a, b: b, phash: p.count, blockmean: bm.count, both: both))
            }
        }
        return rows
    }

    var totalImages: Int { result.datasets.reduce(0) { $0 + $1.keys.count } }
    var totalErrors: Int { result.datasets.reduce(0) { $0 + $1.errorCount } }
    var pairsFoundByBoth: Int { pairCounts.reduce(0) { $0 + $1.both } }

    /// Key without extension, for the "Filename" line of a pair cell.
    func fileLabel(_ ref: ImageRef) -> String { FileKeyDisplay.withoutExtension(ref.key.display) }
    func datasetName(_ ref: ImageRef) -> String { ref.dataset < names.count ? names[ref.dataset] : "?" }

    /// The files `crosshash analyze` writes, for the "Files" section: (relative path, what it is).
    var files: [(path: String, what: String)] {
        var out: [(String, String)] = [("manifest.json", "run parameters, versions, device, timings, counts")]
        for name in names {
            out.append(("\(name)/perceptual_hashes.json", "phash of every image of \(name)"))
            out.append(("\(name)/robust_hashes.json", "blockmean hash of every image of \(name)"))
            out.append(("\(name)/errors.json", "files of \(name) that could not be hashed, with the reason"))
        }
        for v in views {
            let alg = v.result.algorithm.rawValue
            out.append(("\(v.prefix)_cross_duplicates.json", "all \(alg) pairs and groups"))
            out.append(("\(v.prefix)_venn_diagram.png", "\(alg) overlap diagram (also .svg)"))
            out.append(("\(v.prefix)_distance_histogram.png", "\(alg) nearest-distance histogram (also .svg)"))
        }
        out.append(("report.html", "this report with a sortable, filterable pair gallery"))
        out.append(("examples/", "thumbnails of the images in the listed pairs"))
        return out
    }
}
