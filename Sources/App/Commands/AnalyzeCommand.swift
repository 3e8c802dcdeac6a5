import ArgumentParser
import Foundation
import HashKit
import Analysis

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

    @OptionGroup var matching: MatchingOptions

    func validate() throws {
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
        BatchMemory.keepFreedMemory()
        let specs = try Self.parseDatasets(datasets)
        let store = try storeOptions.open()
        defer { try? store.close() }
        let chosen = try matching.chosenFamilies()
        let engines = try Runtime.engines(engineOptions, logger: logger).computing(chosen)
        let limits = Runtime.limits(engineOptions)
        let pipeline = Runtime.pipeline(engineOptions, engines)
        let indexer = DatasetIndexer(store: store, pipeline: pipeline)
        indexer.dihedral = matching.dihedral
        let run = try matching.analysisRun(matcher: engines.matcher, device: engines.description,
                                           families: chosen.filter(engines.engine.families.contains), limits: limits, logger: logger)
        let result = try run.run(.folders(specs, indexer), to: out)
        if let failure = pipeline.engineFailure { logger.warning("\(engines.description.name) failed, CPU fallback used: \(failure)") }
        FileHandle.standardError.write(Data(result.summary(out: out).utf8))
    }
}
