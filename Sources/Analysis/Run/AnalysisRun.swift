import Foundation
import JSONFiles
import HashKit
import HashStore

/// Where a run's datasets come from: `analyze` indexes folders, `match` loads hashes of earlier runs.
public enum DatasetSource {
    /// Dataset folders, scanned and hashed by the indexer (all datasets in one pipeline, so every
    /// core stays busy across dataset boundaries); what its store already knows is not decoded again.
    case folders([DatasetSpec], DatasetIndexer)
    /// Hashes of earlier runs (analyze outputs, `hash --json` files, the store): no image is decoded.
    case hashes([HashDataset], StoreOpener)
}

/// One dataset of `match`: its name, its sources (several: shards merged) and where its images
/// are when the sources do not say (for verification and thumbnails).
public struct HashDataset {
    public var name: String
    public var sources: [HashSource]
    public var images: String?

    public init(name: String, sources: [HashSource], images: String? = nil) {
        self.name = name
        self.sources = sources
        self.images = images
    }
}

/// Opens the store the first time a source or the report needs it, and only then: a `match`
/// on hash files never creates a store.
public final class StoreOpener {
    private let open: () throws -> any HashStoring
    public private(set) var opened: (any HashStoring)?

    public init(_ open: @escaping () throws -> any HashStoring) { self.open = open }

    public func store() throws -> any HashStoring {
        if let opened { return opened }
        let store = try open()
        opened = store
        return store
    }
}

/// A dataset of `match` that cannot be loaded (a missing file, a bad line, an unknown store
/// dataset): the command says which dataset and stops.
public struct DatasetLoadError: Error, CustomStringConvertible {
    public var dataset: String
    public var error: HashFileError
    public var description: String { "dataset '\(dataset)': \(error)" }
}

/// One analysis, the same for every front end: index or load the datasets -> match -> verify
/// -> write the output folder (JSON, reports, and last the manifest, once every stage's time is
/// known). The commands only map their options onto it.
public struct AnalysisRun {
    public var matcher: Matcher
    public var device: EngineDescription
    public var options: MatchOptions
    /// nil: no verification (`--no-verify`).
    public var verification: VerificationSettings?
    /// The limits of every decode after hashing (verification, thumbnails), as hashing's own.
    public var limits: DecodeLimits
    /// Writes the human outputs (charts, thumbnails, REPORT.md, report.html); the store is the
    /// artifact cache when there is one.
    public var report: (AnalysisResult, String, (any HashStoring)?) throws -> Void
    /// The crosshash version, for the manifest.
    public var version: String
    /// Warnings for the log: a device that fell back to the CPU, verification skipped.
    public var warn: (String) -> Void
    /// Sees every picture verification decodes (a preview): the report's thumbnails are made
    /// from these rather than decoded a second time.
    public var previews: (@Sendable (ImageRef, DecodedImage) -> Void)?
    /// Whether curators' reviews in the store decide the pairs they name (false: `--no-reviews`).
    /// Only a run with a store has reviews: `analyze --store`, `match` with `store:` sources.
    public var appliesReviews = true

    public struct VerificationSettings: Sendable {
        /// `--candidate-radius`: looser radii whose pairs are verified too.
        public var radii: [HashFamily.ID: Int]
        public init(radii: [HashFamily.ID: Int] = [:]) { self.radii = radii }
    }

    public init(matcher: Matcher, device: EngineDescription, options: MatchOptions, verification: VerificationSettings?,
                limits: DecodeLimits, version: String, report: @escaping (AnalysisResult, String, (any HashStoring)?) throws -> Void,
                warn: @escaping (String) -> Void = { _ in }, previews: (@Sendable (ImageRef, DecodedImage) -> Void)? = nil) {
        self.matcher = matcher
        self.device = device
        self.options = options
        self.verification = verification
        self.limits = limits
        self.version = version
        self.report = report
        self.warn = warn
        self.previews = previews
    }

    /// Runs every stage and writes the output folder `out`; returns what was written.
    @discardableResult
    public func run(_ source: DatasetSource, to out: String, showProgress: Bool = true) throws -> AnalysisResult {
        var (result, store) = try analyze(source, showProgress: showProgress)
        try verify(&result, store: store)
        try write(&result, to: out, store: store)
        return result
    }

    /// Index or load, then match: the data of the run, and the store the report may use as its cache.
    public func analyze(_ source: DatasetSource, showProgress: Bool = true) throws -> (AnalysisResult, (any HashStoring)?) {
        var timings = StageTimings()
        let start = Date()
        let datasets: [DatasetResult]
        let store: (any HashStoring)?
        switch source {
        case .folders(let specs, let indexer):
            let indexed = try indexer.index(specs, showProgress: showProgress)
            let stats = indexer.pipeline.stats
            timings.decode = stats.decodeSeconds
            timings.hash = stats.hashSeconds
            timings.scan = max(0, Date().timeIntervalSince(start) - stats.wallSeconds)
            if let failure = indexer.pipeline.engineFailure { warn("\(device.name) failed, CPU fallback used: \(failure)") }
            let loadStart = Date()
            // With --dihedral the run's families' variants come too (the indexer just stored them).
            let families = options.dihedral ? options.families : HashFamily.all
            datasets = try indexed.map {
                try StoredDatasets.load(indexer.store, $0.stored, spec: $0.spec, counts: $0.counts, families: families,
                                        dihedral: options.dihedral ? .preferred : .none)
            }
            timings.match = Date().timeIntervalSince(loadStart)
            store = indexer.store
        case .hashes(let sources, let opener):
            datasets = try sources.map { source in
                do {
                    var dataset = try HashSources.load(name: source.name, sources: source.sources, families: options.families,
                                                       dihedral: options.dihedral, store: opener.store)
                    if let images = source.images { dataset.spec.path = images }
                    return dataset
                } catch let error as HashFileError {
                    throw DatasetLoadError(dataset: source.name, error: error)
                }
            }
            timings.scan = Date().timeIntervalSince(start)
            store = opener.opened
        }
        let matchStart = Date()
        let matches = try CrossDatasetMatch.run(datasets, options: options, matcher: matcher)
        timings.match += Date().timeIntervalSince(matchStart)
        timings.total = Date().timeIntervalSince(start)
        var result = AnalysisResult(datasets: datasets, matches: matches, device: device, timings: timings)
        result.dihedral = options.dihedral
        if appliesReviews, let store { result.reviews = try PairReviews.load(store, for: result) }
        return (result, store)
    }

    /// Re-checks the candidate pairs from pixels (when verification is on) and merges the
    /// verdicts; with a store, verdicts on unchanged pictures come from earlier runs.
    public func verify(_ result: inout AnalysisResult, store: (any HashStoring)? = nil) throws {
        guard let verification else { return }
        let extra = verification.radii.isEmpty ? [] : try PairVerification.looserCandidates(result, radii: verification.radii, matcher: matcher)
        // The looser candidates' reviews too: a pair marked different leaves the verified file.
        if appliesReviews, let store, let extra, !extra.isEmpty { result.reviews = try PairReviews.load(store, for: result, extra: extra) }
        let verdicts = PairVerification.run(result, extra: extra, limits: limits, store: store, decoded: previews)
        if let skipped = verdicts.skipped { warn(skipped) }
        result.verification = verdicts
        result.timings.verify = verdicts.seconds
        result.timings.total += verdicts.seconds
    }

    /// The output folder: the JSON files, the reports and, last, the manifest (once the
    /// report's time is known).
    public func write(_ result: inout AnalysisResult, to out: String, store: (any HashStoring)?) throws {
        let reportStart = Date()
        // The JSON files and the human outputs read the same finished result and write
        // different files: side by side, so one's fsync waits overlap the other's drawing. A
        // JSON error is reported first, as when they ran one after the other.
        let written = result
        try AtomicFile.makeFolder(out)
        try SideBySide.run({ try AnalysisJSON.writeData(written, to: out) }, { try report(written, out, store) })
        result.timings.report = Date().timeIntervalSince(reportStart)
        result.timings.total += result.timings.report
        let storeInfo = store.map { AnalysisJSON.StoreInfo(path: $0.path, bytes: (try? $0.sizeOnDisk()) ?? 0) }
        try AtomicFile.write(AnalysisJSON.manifest(result, version: version, store: storeInfo), to: out + "/manifest.json")
    }
}
