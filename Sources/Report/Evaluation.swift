import Analysis
import Foundation
import HashKit

/// Precision and recall of one hash at one threshold, scored like reference.py's `score()`:
/// a pair is the unordered pair of (dataset, file); precision is 1 when nothing was found,
/// recall is 1 when the ground truth is empty.
public struct EvaluationScore: Sendable, Equatable {
    public var algorithm: HashAlgorithm
    public var threshold: Int
    public var found: Int
    public var truePairs: Int
    public var truePositives: Int

    public init(algorithm: HashAlgorithm, threshold: Int, found: Int, truePairs: Int, truePositives: Int) {
        self.algorithm = algorithm
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
    public var sweeps: [HashAlgorithm: [EvaluationScore]]
    /// evaluation_sweep.png in the analysis folder, or nil when it could not be drawn.
    public var chartPath: String?
    /// The tables for the terminal.
    public var text: String
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

    struct HashedDataset {
        var name: String
        var keys: [String]
        var phash: [UInt64]
        var blockmean: [Hash256]
    }

    public static func run(groundTruth: String, outDir: String) throws -> EvaluationReport {
        let truth = try loadTruth(groundTruth)
        let manifestPath = outDir + "/manifest.json"
        let manifest = try readJSON(manifestPath)
        guard let root = manifest as? [String: Any], let datasets = root["datasets"] as? [[String: Any]],
              let algorithms = root["algorithms"] as? [String: Any] else {
            throw ReportError.invalidInput(path: manifestPath, reason: "expected \"datasets\" and \"algorithms\" (is this a crosshash output folder?)")
        }
        var thresholds = [HashAlgorithm: Int]()
        for alg in HashAlgorithm.allCases {
            guard let entry = algorithms[alg.rawValue] as? [String: Any], let t = entry["threshold"] as? Int else {
                throw ReportError.invalidInput(path: manifestPath, reason: "no threshold for \(alg.rawValue) under \"algorithms\"")
            }
            thresholds[alg] = t
        }
        var hashed = [HashedDataset]()
        for d in datasets {
            guard let name = d["name"] as? String else {
                throw ReportError.invalidInput(path: manifestPath, reason: "a dataset without a name")
            }
            hashed.append(try loadDataset(name: name, outDir: outDir))
        }
        var report = score(hashed, truth: truth, thresholds: thresholds)
        let chart = outDir + "/evaluation_sweep.png"
        try SweepChart(sweeps: report.sweeps, thresholds: thresholds).render(png: chart)
        report.chartPath = chart
        report.text = describe(report, groundTruth: groundTruth, datasets: hashed.map(\.name), thresholds: thresholds)
        return report
    }

    /// Scores hashed datasets against ground-truth pairs; `text` and `chartPath` are left empty.
    static func score(_ datasets: [HashedDataset], truth: Set<PairID>, thresholds: [HashAlgorithm: Int]) -> EvaluationReport {
        var known = Set<ImageID>()
        for d in datasets { for k in d.keys { known.insert(ImageID(dataset: Array(d.name.utf8), file: Array(k.utf8))) } }
        let unhashed = truth.filter { !known.contains($0.first) || !known.contains($0.second) }.count

        var sweeps = [HashAlgorithm: [EvaluationScore]]()
        var atThreshold = [EvaluationScore]()
        for alg in HashAlgorithm.allCases {
            let t = thresholds[alg] ?? 0
            let maxT = max(0, 2 * t)
            var found = [Int](repeating: 0, count: maxT + 1)
            var hits = [Int](repeating: 0, count: maxT + 1)
            for i in datasets.indices {
                for j in (i + 1)..<datasets.count {
                    let a = datasets[i], b = datasets[j]
                    let an = Array(a.name.utf8), bn = Array(b.name.utf8)
                    for x in a.keys.indices {
                        for y in b.keys.indices {
                            let d = alg == .phash ? (a.phash[x] ^ b.phash[y]).nonzeroBitCount
                                                  : a.blockmean[x].distance(to: b.blockmean[y])
                            guard d <= maxT else { continue }
                            found[d] += 1
                            let id = PairID(ImageID(dataset: an, file: Array(a.keys[x].utf8)),
                                            ImageID(dataset: bn, file: Array(b.keys[y].utf8)))
                            if truth.contains(id) { hits[d] += 1 }
                        }
                    }
                }
            }
            var sweep = [EvaluationScore]()
            var f = 0, h = 0
            for threshold in 0...maxT {
                f += found[threshold]
                h += hits[threshold]
                sweep.append(EvaluationScore(algorithm: alg, threshold: threshold, found: f, truePairs: truth.count, truePositives: h))
            }
            sweeps[alg] = sweep
            atThreshold.append(sweep[min(max(t, 0), maxT)])
        }
        return EvaluationReport(groundTruthPairs: truth.count, unhashedTruthPairs: unhashed, atThreshold: atThreshold,
                                sweeps: sweeps, chartPath: nil, text: "")
    }

    static func describe(_ r: EvaluationReport, groundTruth: String, datasets: [String], thresholds: [HashAlgorithm: Int]) -> String {
        var out = "Ground truth: \(Text.plural(r.groundTruthPairs, "cross-dataset pair")) (\(groundTruth))\n"
        out += "Datasets: \(datasets.joined(separator: ", "))\n"
        if r.unhashedTruthPairs > 0 {
            out += "Note: \(Text.plural(r.unhashedTruthPairs, "ground-truth pair names", "ground-truth pairs name")) "
                + "an image without a hash (not in the analysis, or in errors.json); they count as missed.\n"
        }
        out += "\n" + table(r.atThreshold, first: "hash") { $0.algorithm.rawValue }
        for alg in HashAlgorithm.allCases {
            guard let sweep = r.sweeps[alg] else { continue }
            let t = thresholds[alg] ?? 0
            out += "\nThreshold sweep, \(alg.rawValue) (* = analysis threshold \(t))\n"
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

    static func readJSON(_ path: String) throws -> Any {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError.cannotRead(path: path, reason: "no such file, or not readable")
        }
        do {
            return try JSONSerialization.jsonObject(with: surrogateEscapesAsPrivateUse(data))
        } catch {
            throw ReportError.invalidInput(path: path, reason: "not valid JSON (\(error.localizedDescription))")
        }
    }

    /// Non-UTF-8 file names are written as Python's lone-surrogate escapes (`\udcXX`, see
    /// JSONValue), which Foundation's parser rejects. Both the hash files and a Python-written
    /// ground truth use the same escapes, so mapping each to one private-use character
    /// (U+F7XX) before parsing keeps keys comparable without changing any other text.
    static func surrogateEscapesAsPrivateUse(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        func isHex(_ c: UInt8) -> Bool { (48...57).contains(c) || (97...102).contains(c) || (65...70).contains(c) }
        func isSurrogateEscape(at i: Int) -> Bool {
            i + 6 <= bytes.count && bytes[i + 1] == UInt8(ascii: "u")
                && (bytes[i + 2] | 0x20) == UInt8(ascii: "d") && (bytes[i + 3] | 0x20) == UInt8(ascii: "c")
                && isHex(bytes[i + 4]) && isHex(bytes[i + 5])
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "\\") else {
                out.append(bytes[i])
                i += 1
                continue
            }
            if isSurrogateEscape(at: i) {
                out += Array("\\uf7".utf8) + [bytes[i + 4], bytes[i + 5]]
                i += 6
            } else {
                // Any other escape (an escaped backslash too) is copied whole, so text that merely
                // reads "udc.." after an escaped backslash is left alone.
                out += bytes[i..<min(i + 2, bytes.count)]
                i += 2
            }
        }
        return Data(out)
    }

    static func loadTruth(_ path: String) throws -> Set<PairID> {
        guard let root = try readJSON(path) as? [String: Any], let pairs = root["cross_pairs"] as? [Any] else {
            throw ReportError.invalidInput(path: path, reason: "expected an object with \"cross_pairs\" (as make_corpus.py writes)")
        }
        var out = Set<PairID>()
        for (n, p) in pairs.enumerated() {
            guard let two = p as? [Any], two.count == 2,
                  let x = two[0] as? [Any], x.count == 2, let xd = x[0] as? String, let xf = x[1] as? String,
                  let y = two[1] as? [Any], y.count == 2, let yd = y[0] as? String, let yf = y[1] as? String else {
                throw ReportError.invalidInput(path: path, reason: "cross_pairs[\(n)] is not [[dataset, file], [dataset, file]]")
            }
            out.insert(PairID(ImageID(dataset: Array(xd.utf8), file: Array(xf.utf8)),
                              ImageID(dataset: Array(yd.utf8), file: Array(yf.utf8))))
        }
        return out
    }

    static func loadDataset(name: String, outDir: String) throws -> HashedDataset {
        func load(_ file: String) throws -> [String: String] {
            let path = "\(outDir)/\(name)/\(file)"
            guard let object = try readJSON(path) as? [String: Any] else {
                throw ReportError.invalidInput(path: path, reason: "expected an object of file -> hex hash")
            }
            var out = [String: String]()
            for (k, v) in object {
                guard let hex = v as? String else { throw ReportError.invalidInput(path: path, reason: "\(k): hash is not a string") }
                out[k] = hex
            }
            return out
        }
        let ph = try load("perceptual_hashes.json"), bm = try load("robust_hashes.json")
        // Images in both files; sorted so results never depend on dictionary order.
        let keys = ph.keys.filter { bm[$0] != nil }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var d = HashedDataset(name: name, keys: keys, phash: [], blockmean: [])
        for k in keys {
            guard let p = ph[k].flatMap(Hex.uint64) else {
                throw ReportError.invalidInput(path: "\(outDir)/\(name)/perceptual_hashes.json", reason: "\(k): not a 16-digit hex phash")
            }
            guard let b = bm[k].flatMap(Hash256.init(hex:)) else {
                throw ReportError.invalidInput(path: "\(outDir)/\(name)/robust_hashes.json", reason: "\(k): not a 64-digit hex blockmean hash")
            }
            d.phash.append(p)
            d.blockmean.append(b)
        }
        return d
    }
}

/// evaluation_sweep.png: precision, recall and F1 against the threshold, one panel per hash.
struct SweepChart {
    var sweeps: [HashAlgorithm: [EvaluationScore]]
    var thresholds: [HashAlgorithm: Int]

    func render(png: String) throws {
        try Figure.renderPNG(width: 1200, height: 540, path: png) { canvas in
            canvas.text("Precision, recall and F1 against the threshold", x: 24, y: 34, size: 20, bold: true)
            for (k, alg) in HashAlgorithm.allCases.enumerated() {
                drawPanel(canvas, alg: alg, x0: 70 + Double(k) * 590, width: 500)
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

    private func drawPanel(_ canvas: Canvas, alg: HashAlgorithm, x0: Double, width: Double) {
        let top = 80.0, bottom = canvas.height - 90
        let rows = sweeps[alg] ?? []
        let maxT = max(1, rows.count - 1)
        func px(_ t: Double) -> Double { x0 + width * t / Double(maxT) }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * v }
        canvas.text("\(alg.rawValue) (\(alg.bits) bits)", x: x0, y: top - 16, size: 16, bold: true)
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
        if let th = thresholds[alg] {
            canvas.line(px(Double(th)), top, px(Double(th)), bottom, color: .accent, width: 2, dash: [6, 4])
        }
        let metrics: [(EvaluationScore) -> Double] = [{ $0.precision }, { $0.recall }, { $0.f1 }]
        for (i, metric) in metrics.enumerated() {
            canvas.polyline(rows.map { (px(Double($0.threshold)), py(metric($0))) }, color: Color.dataset(i), width: 2.5)
        }
    }
}
