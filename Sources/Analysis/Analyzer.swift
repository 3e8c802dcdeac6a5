import Foundation
import HashKit
import HashStore

/// `crosshash analyze` up to the data, in the two steps every front end shares: the index step
/// (scan every dataset and hash what the store does not know, all datasets in one pipeline so
/// every core stays busy across dataset boundaries) and the match step (store -> datasets ->
/// pairs, groups and nearest distances per family).
public struct Analyzer {
    public var indexer: DatasetIndexer
    public var matcher: Matcher
    public var device: EngineDescription
    public var options: MatchOptions

    public init(indexer: DatasetIndexer, matcher: Matcher, device: EngineDescription, options: MatchOptions) {
        self.indexer = indexer
        self.matcher = matcher
        self.device = device
        self.options = options
    }

    public func run(_ specs: [DatasetSpec], showProgress: Bool = true) throws -> AnalysisResult {
        var timings = StageTimings()
        let start = Date()
        let indexed = try indexer.index(specs, showProgress: showProgress)
        let stats = indexer.pipeline.stats
        timings.decode = stats.decodeSeconds
        timings.hash = stats.hashSeconds
        timings.scan = max(0, Date().timeIntervalSince(start) - stats.wallSeconds)

        let matchStart = Date()
        let datasets = try indexed.map { try StoredDatasets.load(indexer.store, $0.stored, spec: $0.spec, counts: $0.counts) }
        let matches = try CrossDatasetMatch.run(datasets, options: options, matcher: matcher)
        timings.match = Date().timeIntervalSince(matchStart)
        timings.total = Date().timeIntervalSince(start)
        return AnalysisResult(datasets: datasets, matches: matches, device: device, timings: timings)
    }
}
