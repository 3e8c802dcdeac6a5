import Foundation
import HashKit

/// Runs the analysis up to the data: scan every dataset, decode and hash all files in one
/// pipeline (so every core stays busy across dataset boundaries), then match each hash.
public struct Analyzer {
    public var pipeline: HashPipeline
    public var matcher: Matcher
    public var device: EngineDescription
    public var thresholds: [HashAlgorithm: Int]
    public var within: Bool

    public init(pipeline: HashPipeline, matcher: Matcher, device: EngineDescription,
                thresholds: [HashAlgorithm: Int], within: Bool) {
        self.pipeline = pipeline
        self.matcher = matcher
        self.device = device
        self.thresholds = thresholds
        self.within = within
    }

    public func run(_ specs: [DatasetSpec], showProgress: Bool = true) throws -> AnalysisResult {
        var timings = StageTimings()
        let start = Date()

        let scanned = try specs.map { try DatasetScanner.scan(root: $0.path) }
        timings.scan = Date().timeIntervalSince(start)

        var jobs = [(dataset: Int, entry: Int)]()
        for (d, entries) in scanned.enumerated() {
            for (e, entry) in entries.enumerated() where entry.problem == nil { jobs.append((d, e)) }
        }
        let progress = showProgress ? ProgressReporter(label: "hashing", total: jobs.count) : nil
        let outcomes = pipeline.run(paths: jobs.map { scanned[$0.dataset][$0.entry].path }, progress: progress)
        timings.decode = pipeline.stats.decodeSeconds
        timings.hash = pipeline.stats.hashSeconds

        var byFile = [[FileOutcome?]](scanned.map { [FileOutcome?](repeating: nil, count: $0.count) })
        for (job, outcome) in zip(jobs, outcomes) { byFile[job.dataset][job.entry] = outcome }

        var datasets = [DatasetResult]()
        for (d, entries) in scanned.enumerated() {
            var keys = [FileKey](), hashes = [ImageHashes](), issues = [FileIssue]()
            for (e, entry) in entries.enumerated() {
                if let problem = entry.problem {
                    issues.append(FileIssue(key: entry.key, message: problem))
                    continue
                }
                switch byFile[d][e] {
                case .hashed(let h, let warnings)?:
                    keys.append(entry.key)
                    hashes.append(h)
                    for w in warnings { issues.append(FileIssue(key: entry.key, message: w, warning: true)) }
                case .failed(let message)?:
                    issues.append(FileIssue(key: entry.key, message: message))
                case nil:
                    issues.append(FileIssue(key: entry.key, message: "internal error: file was not processed"))
                }
            }
            datasets.append(DatasetResult(spec: specs[d], keys: keys, hashes: hashes, issues: issues))
        }

        let matchStart = Date()
        let cross = CrossDatasetMatch(matcher: matcher, within: within)
        let phash = try cross.run(datasets, algorithm: .phash, threshold: thresholds[.phash] ?? 8)
        let blockmean = try cross.run(datasets, algorithm: .blockmean, threshold: thresholds[.blockmean] ?? 8)
        timings.match = Date().timeIntervalSince(matchStart)
        timings.total = Date().timeIntervalSince(start)
        return AnalysisResult(datasets: datasets, phash: phash, blockmean: blockmean, device: device, timings: timings)
    }
}
