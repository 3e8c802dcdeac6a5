import Analysis
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

public struct EvaluationReport: Sendable {
    public var groundTruthPairs: Int
    /// Ground-truth pairs naming a dataset or file that has no hash in the analysis (missing,
    /// or in errors.json): they can never be found and count as missed.
    public var unhashedTruthPairs: Int
    /// One score per hash at the analysis threshold.
    public var atThreshold: [EvaluationScore]
    /// Per hash, scores for thresholds 0 ... 2 × the analysis threshold.
    public var sweeps: [HashFamily.ID: [EvaluationScore]]
    /// evaluation_sweep.png in the analysis folder, or nil when it could not be drawn.
    public var chartPath: String?
    /// The tables for the terminal.
    public var text: String
    /// The verified pairs of the analysis (verified_cross_duplicates.json), scored like the raw
    /// ones; nil when the analysis ran without verification.
    public var verified: VerifiedScore? = nil
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

/// `crosshash evaluate --ground-truth FILE OUT_DIR`: scores an analysis folder against the
/// ground truth make_corpus.py writes (`"cross_pairs": [[[dataset, file], [dataset, file]], ...]`).
/// All cross-dataset distances are recomputed from the hash files, so any threshold can be
/// scored, not only the one the analysis used.
public enum Evaluation {
    /// An image by dataset name and key, compared as bytes (as Python compares str).
    struct ImageID: Hashable {
        var dataset: [UInt8]
        var file: [UInt8]

        static func < (l: ImageID, r: ImageID) -> Bool {
            l.dataset != r.dataset ? l.dataset.lexicographicallyPrecedes(r.dataset) : l.file.lexicographicallyPrecedes(r.file)
        }
    }

    struct PairID: Hashable {
        var first: ImageID
        var second: ImageID

        init(_ x: ImageID, _ y: ImageID) {
            if y < x { (first, second) = (y, x) } else { (first, second) = (x, y) }
        }
    }

    /// `matcher` recomputes every cross-dataset distance up to twice each threshold.
    public static func run(groundTruth: String, outDir: String, matcher: Matcher) throws -> EvaluationReport {
        let truth = try loadTruth(groundTruth)
        let analysis: HashFiles.Analysis
        do {
            analysis = try HashFiles.readAnalysis(outDir)
        } catch {
            throw ReportError.invalidInput(path: error.path, reason: error.reason)
        }
        let options = analysis.options
        var report = try score(analysis.datasets, truth: truth, options: options, matcher: matcher)
        report.verified = try scoreVerified(outDir + "/" + AnalysisJSON.verifiedFileName, truth: truth)
        let chart = outDir + "/evaluation_sweep.png"
        try SweepChart(families: options.families, sweeps: report.sweeps, options: options).render(png: chart)
        report.chartPath = chart
        report.text = describe(report, groundTruth: groundTruth, datasets: analysis.datasets.map(\.spec.name), options: options)
        return report
    }

    /// Scores hashed datasets against ground-truth pairs; `text` and `chartPath` are left empty.
    static func score(_ datasets: [DatasetResult], truth: Set<PairID>, options: MatchOptions,
                      matcher: Matcher) throws -> EvaluationReport {
        var known = Set<ImageID>()
        for d in datasets { for k in d.keys { known.insert(ImageID(dataset: Array(d.spec.name.utf8), file: k.bytes)) } }
        let unhashed = truth.filter { !known.contains($0.first) || !known.contains($0.second) }.count
        func id(_ r: ImageRef) -> ImageID { ImageID(dataset: Array(datasets[r.dataset].spec.name.utf8), file: r.key.bytes) }

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
                if truth.contains(PairID(id(p.a), id(p.b))) { hits[p.distance] += 1 }
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
        return EvaluationReport(groundTruthPairs: truth.count, unhashedTruthPairs: unhashed, atThreshold: atThreshold,
                                sweeps: sweeps, chartPath: nil, text: "")
    }

    /// Scores the pairs of verified_cross_duplicates.json; nil when the file is absent.
    static func scoreVerified(_ path: String, truth: Set<PairID>) throws -> VerifiedScore? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let root: JSONValue
        do {
            root = try HashFiles.readJSON(path)
        } catch {
            throw ReportError.invalidInput(path: error.path, reason: error.reason)
        }
        guard let pairs = root["pairs"]?.arrayValue else {
            throw ReportError.invalidInput(path: path, reason: "expected an object with \"pairs\"")
        }
        var found = Set<PairID>()
        for (n, p) in pairs.enumerated() {
            func image(_ side: String) -> ImageID? {
                guard let d = p[side]?["dataset"]?.stringBytes, let f = p[side]?["file"]?.stringBytes else { return nil }
                return ImageID(dataset: d, file: f)
            }
            guard let a = image("a"), let b = image("b") else {
                throw ReportError.invalidInput(path: path, reason: "pairs[\(n)] has no a/b with dataset and file")
            }
            found.insert(PairID(a, b))
        }
        return VerifiedScore(found: found.count, truePairs: truth.count, truePositives: found.intersection(truth).count)
    }

    static func describe(_ r: EvaluationReport, groundTruth: String, datasets: [String], options: MatchOptions) -> String {
        var out = "Ground truth: \(Text.plural(r.groundTruthPairs, "cross-dataset pair")) (\(groundTruth))\n"
        out += "Datasets: \(datasets.joined(separator: ", "))\n"
        if r.unhashedTruthPairs > 0 {
            out += "Note: \(Text.plural(r.unhashedTruthPairs, "ground-truth pair names", "ground-truth pairs name")) "
                + "an image without a hash (not in the analysis, or in errors.json); they count as missed.\n"
        }
        out += "\n" + table(r.atThreshold, first: "hash") { $0.family.id.rawValue }
        if let v = r.verified {
            out += "\nRaw and verified pairs (verified_cross_duplicates.json: every hash's pairs, re-checked from pixels)\n"
            var rows = r.atThreshold.map { s in ["raw \(s.family.id)", Text.count(s.found), Text.count(s.truePositives),
                                                 Text.fixed(s.precision), Text.fixed(s.recall), Text.fixed(s.f1)] }
            rows.append(["verified", Text.count(v.found), Text.count(v.truePositives), Text.fixed(v.precision), Text.fixed(v.recall), Text.fixed(v.f1)])
            out += grid(["pairs", "found", "true pos.", "precision", "recall", "F1"], rows)
        }
        for family in options.families {
            guard let sweep = r.sweeps[family.id] else { continue }
            let t = options.threshold(family)
            out += "\nThreshold sweep, \(family.id) (* = analysis threshold \(t))\n"
            out += table(sweep, first: "threshold") { "\($0.threshold)\($0.threshold == t ? "*" : "")" }
        }
        if let chart = r.chartPath { out += "\nChart: \(chart)\n" }
        return out
    }

    static func table(_ rows: [EvaluationScore], first: String, label: (EvaluationScore) -> String) -> String {
        let header = [first, "found", "true pos.", "precision", "recall", "F1"]
        let body = rows.map { s in
            [label(s), Text.count(s.found), Text.count(s.truePositives), Text.fixed(s.precision), Text.fixed(s.recall), Text.fixed(s.f1)]
        }
        return grid(header, body)
    }

    static func grid(_ header: [String], _ body: [[String]]) -> String {
        let widths = header.indices.map { c in ([header[c]] + body.map { $0[c] }).map(\.count).max() ?? 0 }
        func row(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ") + "\n"
        }
        return row(header) + body.map(row).joined()
    }

    // MARK: Reading

    static func loadTruth(_ path: String) throws -> Set<PairID> {
        let root: JSONValue
        do {
            root = try HashFiles.readJSON(path)
        } catch {
            throw ReportError.invalidInput(path: error.path, reason: error.reason)
        }
        guard let pairs = root["cross_pairs"]?.arrayValue else {
            throw ReportError.invalidInput(path: path, reason: "expected an object with \"cross_pairs\" (as make_corpus.py writes)")
        }
        var out = Set<PairID>()
        for (n, p) in pairs.enumerated() {
            guard let two = p.arrayValue, two.count == 2,
                  let x = two[0].arrayValue, x.count == 2, let xd = x[0].stringBytes, let xf = x[1].stringBytes,
                  let y = two[1].arrayValue, y.count == 2, let yd = y[0].stringBytes, let yf = y[1].stringBytes else {
                throw ReportError.invalidInput(path: path, reason: "cross_pairs[\(n)] is not [[dataset, file], [dataset, file]]")
            }
            out.insert(PairID(ImageID(dataset: xd, file: xf), ImageID(dataset: yd, file: yf)))
        }
        return out
    }
}

/// evaluation_sweep.png: precision, recall and F1 against the threshold, one panel per hash.
struct SweepChart {
    var families: [HashFamily]
    var sweeps: [HashFamily.ID: [EvaluationScore]]
    var options: MatchOptions

    func render(png: String) throws {
        try Figure.renderPNG(width: 1200, height: 540, path: png) { canvas in
            canvas.text("Precision, recall and F1 against the threshold", x: 24, y: 34, size: 20, bold: true)
            let panel = (canvas.width - 100) / Double(max(1, families.count))
            for (k, family) in families.enumerated() {
                drawPanel(canvas, family: family, x0: 70 + Double(k) * panel, width: panel - 90)
            }
            let series: [(String, Color)] = [("precision", Color.dataset(0)), ("recall", Color.dataset(1)), ("F1", Color.dataset(2))]
            for (i, s) in series.enumerated() {
                let x = 24 + Double(i) * 130
                canvas.line(x, canvas.height - 22, x + 30, canvas.height - 22, color: s.1, width: 3)
                canvas.text(s.0, x: x + 38, y: canvas.height - 17, size: 13)
            }
            canvas.line(420, canvas.height - 22, 450, canvas.height - 22, color: .accent, width: 2, dash: [6, 4])
            canvas.text("analysis threshold", x: 458, y: canvas.height - 17, size: 13)
        }
    }

    private func drawPanel(_ canvas: Canvas, family: HashFamily, x0: Double, width: Double) {
        let top = 80.0, bottom = canvas.height - 90
        let rows = sweeps[family.id] ?? []
        let maxT = max(1, rows.count - 1)
        func px(_ t: Double) -> Double { x0 + width * t / Double(maxT) }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * v }
        canvas.text("\(family.id) (\(family.bits) bits)", x: x0, y: top - 16, size: 16, bold: true)
        for k in 0...4 {
            let v = Double(k) / 4
            canvas.line(x0, py(v), x0 + width, py(v), color: .grid)
            canvas.text(Text.fixed(v, digits: 2), x: x0 - 6, y: py(v) + 4, size: 11, align: .right, color: .muted)
        }
        let step = max(1, maxT / 8)
        var t = 0
        while t <= maxT {
            canvas.text(String(t), x: px(Double(t)), y: bottom + 18, size: 11, align: .center, color: .muted)
            t += step
        }
        canvas.text("threshold (bits)", x: x0 + width / 2, y: bottom + 38, size: 12, align: .center, color: .muted)
        let th = options.threshold(family)
        canvas.line(px(Double(th)), top, px(Double(th)), bottom, color: .accent, width: 2, dash: [6, 4])
        let metrics: [(EvaluationScore) -> Double] = [{ $0.precision }, { $0.recall }, { $0.f1 }]
        for (i, metric) in metrics.enumerated() {
            canvas.polyline(rows.map { (px(Double($0.threshold)), py(metric($0))) }, color: Color.dataset(i), width: 2.5)
        }
    }
}
