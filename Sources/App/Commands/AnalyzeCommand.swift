import ArgumentParser
import Foundation
import HashKit
import Analysis
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

    @Argument(help: "Datasets as NAME=FOLDER or FOLDER.")
    var datasets: [String]

    @Option(name: .long, help: "Output folder.")
    var out: String

    @Option(name: .long, help: "phash match threshold (Hamming distance <= threshold, of 64 bits).")
    var phashThreshold: Int = 8

    @Option(name: .long, help: "blockmean match threshold (Hamming distance <= threshold, of 256 bits).")
    var blockmeanThreshold: Int = 8

    @Flag(name: .long, help: "Also list pairs inside each dataset (a separate \"within\" array).")
    var within = false

    @Option(name: .long, help: "At most this many pairs per hash in the reports (the JSON holds all).")
    var maxReportPairs: Int = 500

    func validate() throws {
        guard (0...64).contains(phashThreshold) else { throw ValidationError("--phash-threshold must be 0...64") }
        guard (0...256).contains(blockmeanThreshold) else { throw ValidationError("--blockmean-threshold must be 0...256") }
        guard maxReportPairs >= 0 else { throw ValidationError("--max-report-pairs must be >= 0") }
        _ = try Self.parseDatasets(datasets)
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
        let engines = try Runtime.engines(engineOptions, logger: logger)
        let pipeline = Runtime.pipeline(engineOptions, engines)
        let analyzer = Analyzer(pipeline: pipeline, matcher: engines.matcher, device: engines.description,
                                thresholds: [.phash: phashThreshold, .blockmean: blockmeanThreshold], within: within)
        var result = try analyzer.run(specs)
        if let failure = pipeline.engineFailure { logger.warning("\(engines.description.name) failed, CPU fallback used: \(failure)") }

        let reportStart = Date()
        try AnalysisJSON.writeData(result, to: out)
        try ReportWriter(maxReportPairs: maxReportPairs).write(result, to: out)
        result.timings.report = Date().timeIntervalSince(reportStart)
        result.timings.total += result.timings.report
        try AtomicFile.write(AnalysisJSON.manifest(result, version: CrossHash.version), to: out + "/manifest.json")

        let images = result.datasets.reduce(0) { $0 + $1.hashes.count }
        let errors = result.datasets.reduce(0) { $0 + $1.errorCount }
        let summary = String(format: "crosshash: %d images, %d errors, %d phash pairs, %d blockmean pairs, %.1f s on %@ -> %@/REPORT.md, %@/report.html\n",
                             images, errors, result.phash.pairs.count, result.blockmean.pairs.count,
                             result.timings.total, result.device.name, out, out)
        FileHandle.standardError.write(Data(summary.utf8))
    }
}
