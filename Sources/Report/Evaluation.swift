import Analysis
import Foundation
import HashKit

/// The scores of an analysis against a ground truth (`GroundTruth.score`, in Analysis) with
/// what the report made of them: the terminal tables and the sweep chart. The scores' fields
/// read through (`report.atThreshold`).
@dynamicMemberLookup
public struct EvaluationReport: Sendable {
    public var scores: EvaluationScores
    /// evaluation_sweep.png in the analysis folder, or nil when it could not be drawn.
    public var chartPath: String?
    /// The tables for the terminal.
    public var text: String

    public subscript<T>(dynamicMember path: KeyPath<EvaluationScores, T>) -> T { scores[keyPath: path] }
}

/// `crosshash evaluate --ground-truth FILE OUT_DIR`: scores an analysis folder against the
/// ground truth make_corpus.py writes, then prints the tables and draws the threshold sweep.
/// All cross-dataset distances are recomputed from the hash files, so any threshold can be
/// scored, not only the one the analysis used.
public enum Evaluation {
    /// `matcher` recomputes every cross-dataset distance up to twice each threshold.
    public static func run(groundTruth: String, outDir: String, matcher: Matcher) throws -> EvaluationReport {
        var scores: EvaluationScores
        let analysis: HashFiles.Analysis
        do {
            let truth = try GroundTruth.load(groundTruth)
            analysis = try HashFiles.readAnalysis(outDir)
            scores = try GroundTruth.score(analysis.datasets, truth: truth, options: analysis.options, matcher: matcher)
            scores.verified = try GroundTruth.scoreVerified(outDir + "/" + AnalysisJSON.verifiedFileName, truth: truth)
        } catch let error as HashFileError {
            throw ReportError.invalidInput(path: error.path, reason: error.reason)
        }
        let options = analysis.options
        let chart = outDir + "/evaluation_sweep.png"
        try SweepChart(families: options.families, sweeps: scores.sweeps, options: options).render(png: chart)
        var report = EvaluationReport(scores: scores, chartPath: chart, text: "")
        report.text = describe(report, groundTruth: groundTruth, datasets: analysis.datasets.map(\.spec.name), options: options)
        return report
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
