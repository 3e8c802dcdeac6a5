import ArgumentParser
import Analysis
import Foundation
import HashKit
import Engines
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

    @OptionGroup var decodeLimits: DecodeLimitOptions

    @Option(name: .long, help: ArgumentHelp(
        "The hash store, for store:DATASET sources and the report's cache (default: the analyze default): an SQLite file or postgresql://USER@HOST[:PORT]/DB.",
        valueName: "path|url"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp(StoreOptions.passwordFileHelp, valueName: "file"))
    var storePasswordFile: String?

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
        BatchMemory.keepFreedMemory()
        let folders = try imageFolders()
        let sources = try Self.parse(datasets).map { group in
            HashDataset(name: group.name, sources: group.sources, images: folders.last(where: { $0.0 == group.name })?.1)
        }
        // The store is opened only when a source needs it, and never created by a store: source
        // that names a missing file.
        let opener = StoreOpener { [store, storePasswordFile] in
            let location = try StoreOptions.location(store: store, passwordFile: storePasswordFile)
            if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
                throw HashFileError(path: path, reason: "no hash store here (give --store PATH of the store `analyze --store` wrote)")
            }
            return try StoreOptions.open(location)
        }
        let (matcher, description) = try EngineSelection.matcher(DeviceChoice(parsing: device)) { logger.warning("\($0)") }
        let run = try matching.analysisRun(matcher: matcher, device: description, limits: decodeLimits.limits, logger: logger)
        let result: AnalysisResult
        do {
            result = try run.run(.hashes(sources, opener), to: out)
        } catch let error as DatasetLoadError {
            FileHandle.standardError.write(Data("crosshash: \(error)\n".utf8))
            throw ExitCode(2)
        }
        FileHandle.standardError.write(Data(result.summary(out: out).utf8))
    }
}
