import ArgumentParser
import Foundation
import HashKit
import Analysis
import HashStore
import Report

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Find the images that appear in more than one dataset and write JSON, Venn diagrams and reports.",
        discussion: """
        Datasets are NAME=FOLDER (a bare FOLDER takes the folder's name), in the order given; \
        pairs always name the earlier dataset first. See OUTPUTS in the README for every file written.
        """
    )

    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Datasets as NAME=FOLDER or FOLDER.")
    var datasets: [String]

    @Option(name: .long, help: "Output folder.")
    var out: String

    @Option(name: .long, help: "phash match threshold (Hamming distance <= threshold, of 64 bits; default \(HashFamily.phash.defaultThreshold)).")
    var phashThreshold: Int?

    @Option(name: .long, help: "blockmean match threshold (Hamming distance <= threshold, of 256 bits; default \(HashFamily.blockmean.defaultThreshold)).")
    var blockmeanThreshold: Int?

    @Option(name: .long, help: ArgumentHelp("A match threshold as FAMILY=N, for any hash family (\(HashFamily.all.map(\.id.rawValue).joined(separator: ", "))).",
                                            valueName: "family=n"))
    var threshold: [String] = []

    @Flag(name: .long, help: "Also list pairs inside each dataset (a separate \"within\" array).")
    var within = false

    @Flag(name: .long, inversion: .prefixedNo,
          help: "Re-check every candidate pair (the union of both hashes' pairs) from pixels and mark it verified or not; the raw pairs stay as they are.")
    var verify = true

    @Option(name: .long, help: "At most this many pairs per hash in the reports (the JSON holds all).")
    var maxReportPairs: Int = 500

    func validate() throws {
        _ = try matchOptions()
        guard maxReportPairs >= 0 else { throw ValidationError("--max-report-pairs must be >= 0") }
        _ = try Self.parseDatasets(datasets)
    }

    /// Thresholds from --threshold FAMILY=N, --phash-threshold and --blockmean-threshold, each
    /// within 0 ... the family's bits.
    func matchOptions() throws -> MatchOptions {
        var given = [(HashFamily, Int)]()
        for item in threshold {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let family = HashFamily.named(parts[0]), let n = Int(parts[1]) else {
                throw ValidationError("--threshold '\(item)': expected FAMILY=N with FAMILY one of \(HashFamily.all.map(\.id.rawValue).joined(separator: ", "))")
            }
            given.append((family, n))
        }
        if let t = phashThreshold { given.append((.phash, t)) }
        if let t = blockmeanThreshold { given.append((.blockmean, t)) }
        var thresholds = [HashFamily.ID: Int]()
        for (family, n) in given {
            guard (0...family.bits).contains(n) else {
                throw ValidationError("--\(family.id)-threshold must be 0...\(family.bits)")
            }
            thresholds[family.id] = n
        }
        return MatchOptions(families: HashFamily.all, thresholds: thresholds, within: within)
    }

    static func parseDatasets(_ args: [String]) throws -> [DatasetSpec] {
        var specs = [DatasetSpec]()
        for arg in args {
            var name: String, path: String
            if let eq = arg.firstIndex(of: "="), !arg[..<eq].contains("/") {
                name = String(arg[..<eq])
                path = String(arg[arg.index(after: eq)...])
            } else {
                path = arg
                name = URL(fileURLWithPath: arg).standardizedFileURL.lastPathComponent
            }
            guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else {
                throw ValidationError("'\(arg)': a dataset name must be a plain name (NAME=FOLDER)")
            }
            guard !specs.contains(where: { $0.name == name }) else {
                throw ValidationError("two datasets are named '\(name)': give them distinct names with NAME=FOLDER")
            }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("dataset '\(name)': \(path) is not a folder")
            }
            specs.append(DatasetSpec(name: name, path: URL(fileURLWithPath: path).standardizedFileURL.path))
        }
        guard !specs.isEmpty else { throw ValidationError("give at least one dataset") }
        return specs
    }

    func run() throws {
        let logger = Runtime.logger()
        let specs = try Self.parseDatasets(datasets)
        let store = try storeOptions.open()
        defer { try? store.close() }
        let engines = try Runtime.engines(engineOptions, logger: logger)
        let pipeline = Runtime.pipeline(engineOptions, engines)
        let indexer = DatasetIndexer(store: store, pipeline: pipeline, limits: Runtime.limits(engineOptions))
        var options = try matchOptions()
        options.families = HashFamily.all.filter(engines.engine.families.contains)
        let analyzer = Analyzer(indexer: indexer, matcher: engines.matcher, device: engines.description, options: options)
        var result = try analyzer.run(specs)
        if let failure = pipeline.engineFailure { logger.warning("\(engines.description.name) failed, CPU fallback used: \(failure)") }

        if verify {
            let verdicts = PairVerification.run(result, limits: Runtime.limits(engineOptions))
            if let skipped = verdicts.skipped { logger.warning("\(skipped)") }
            result.verification = verdicts
            result.timings.verify = verdicts.seconds
            result.timings.total += verdicts.seconds
        }

        let reportStart = Date()
        try AnalysisJSON.writeData(result, to: out)
        try ReportWriter(maxReportPairs: maxReportPairs, limits: Runtime.limits(engineOptions),
                         cache: StoreArtifactCache(store: store)).write(result, to: out)
        result.timings.report = Date().timeIntervalSince(reportStart)
        result.timings.total += result.timings.report
        let storeInfo = AnalysisJSON.StoreInfo(path: store.path, bytes: (try? store.sizeOnDisk()) ?? 0)
        try AtomicFile.write(AnalysisJSON.manifest(result, version: CrossHash.version, store: storeInfo), to: out + "/manifest.json")

        let images = result.datasets.reduce(0) { $0 + $1.hashes.count }
        let errors = result.datasets.reduce(0) { $0 + $1.errorCount }
        let files = result.datasets.compactMap(\.counts).reduce(IndexCounts(), +)
        var pairs = result.allMatches.map { "\($0.pairs.count) \($0.family.id) pairs" }.joined(separator: ", ")
        if let v = result.verification, v.skipped == nil { pairs += ", \(v.merged(result).count) verified" }
        let summary = String(format: "crosshash: %d images (%d decoded, %d reused from the store), %d errors, %@, %.1f s on %@ -> %@/REPORT.md, %@/report.html\n",
                             images, files.decoded, files.reused, errors, pairs,
                             result.timings.total, result.device.name, out, out)
        FileHandle.standardError.write(Data(summary.utf8))
    }
}
