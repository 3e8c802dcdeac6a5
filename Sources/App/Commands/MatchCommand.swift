import ArgumentParser
import Analysis
import Foundation
import HashKit
import HashStore

struct MatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Match and report from hashes only: an analyze output, `hash --json` files (shards) or the store.",
        discussion: """
        Datasets are NAME=SOURCE, in the order given; SOURCE is a dataset folder of an earlier \
        `analyze` output, a `crosshash hash --json` file, or store:DATASET (a dataset in --store). \
        Give the same NAME several times to merge shards (e.g. `hash --shard K/N` outputs). Writes \
        exactly what `analyze` writes; thumbnails only where the images are still reachable.
        """
    )

    @Option(name: .long, help: "auto, cpu, opencl or opencl:N: the device that matches.")
    var device: String = "auto"

    @Option(name: .long, help: ArgumentHelp("The hash store, for store:DATASET sources and the report's cache (default: the analyze default).",
                                            valueName: "path"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp(
        "Where the images of dataset NAME are (repeatable): for thumbnails and verification when SOURCE does not say (hash --json files), or says wrongly.",
        valueName: "name=folder"))
    var images: [String] = []

    @Argument(help: "Datasets as NAME=SOURCE.")
    var datasets: [String]

    @Option(name: .long, help: "Output folder.")
    var out: String

    @OptionGroup var matching: MatchingOptions

    /// NAME=SOURCE arguments grouped by name, names in first-seen order.
    static func parse(_ args: [String]) throws -> [(name: String, sources: [HashSource])] {
        var out = [(name: String, sources: [HashSource])]()
        for arg in args {
            guard let eq = arg.firstIndex(of: "="), eq != arg.startIndex else {
                throw ValidationError("'\(arg)': expected NAME=SOURCE (SOURCE: an analyze dataset folder, a hash --json file, or store:DATASET)")
            }
            let name = String(arg[..<eq])
            guard name != ".", name != "..", !name.contains("/") else {
                throw ValidationError("'\(arg)': a dataset name must be a plain name")
            }
            let source: HashSource
            do { source = try HashSource(String(arg[arg.index(after: eq)...])) } catch { throw ValidationError("dataset '\(name)': \(error)") }
            if let i = out.firstIndex(where: { $0.name == name }) { out[i].sources.append(source) } else { out.append((name, [source])) }
        }
        guard !out.isEmpty else { throw ValidationError("give at least one dataset") }
        return out
    }

    func validate() throws {
        let names = try Self.parse(datasets).map(\.name)
        for (name, _) in try imageFolders() where !names.contains(name) {
            throw ValidationError("--images \(name)=...: no dataset is named '\(name)'")
        }
    }

    /// --images NAME=FOLDER, absolute.
    func imageFolders() throws -> [(String, String)] {
        try images.map { item in
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { throw ValidationError("--images '\(item)': expected NAME=FOLDER") }
            return (String(item[..<eq]), URL(fileURLWithPath: String(item[item.index(after: eq)...])).standardizedFileURL.path)
        }
    }

    func run() throws {
        let logger = Runtime.logger()
        let start = Date()
        let groups = try Self.parse(datasets)
        // The store is opened only when a source or the report needs it, and never created by
        // a store: source that names a missing file.
        var opened: HashStore?
        func openStore() throws -> HashStore {
            if let opened { return opened }
            let options = try StoreOptions.parse(store.map { ["--store", $0] } ?? [])
            if let path = options.path, !FileManager.default.fileExists(atPath: path) {
                throw HashFileError(path: path, reason: "no hash store here (give --store PATH of the store `analyze --store` wrote)")
            }
            let s = try options.open()
            opened = s
            return s
        }
        let options = try matching.matchOptions()
        var loaded = [DatasetResult]()
        for g in groups {
            do {
                var dataset = try HashSources.load(name: g.name, sources: g.sources, families: options.families, store: openStore)
                if let folder = try imageFolders().last(where: { $0.0 == g.name })?.1 { dataset.spec.path = folder }
                loaded.append(dataset)
            } catch let error as HashFileError {
                FileHandle.standardError.write(Data("crosshash: dataset '\(g.name)': \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let engines = try Runtime.engines(EngineOptions.parse(["--device", device]), logger: logger)
        let matchStart = Date()
        let matches = try CrossDatasetMatch.run(loaded, options: options, matcher: engines.matcher)
        var timings = StageTimings()
        timings.scan = matchStart.timeIntervalSince(start)
        timings.match = Date().timeIntervalSince(matchStart)
        timings.total = Date().timeIntervalSince(start)
        var result = AnalysisResult(datasets: loaded, matches: matches, device: engines.description, timings: timings)
        try AnalysisOutput.write(&result, to: out, matching: matching, matcher: engines.matcher, limits: DecodeLimits(), store: opened, logger: logger)
        FileHandle.standardError.write(Data(AnalysisOutput.summary(result, out: out).utf8))
    }
}
