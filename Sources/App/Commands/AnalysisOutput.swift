import Analysis
import Foundation
import HashKit
import JSONFiles
import HashStore
import Logging
import Report

/// The output folder of `analyze` and `match`: the JSON files, the reports and, last, the
/// manifest (once the report's time is known); then the one-line summary on stderr.
enum AnalysisOutput {
    static func write(_ result: inout AnalysisResult, to out: String, matching: MatchingOptions, matcher: Matcher,
                      limits: DecodeLimits, store: HashStore?, logger: Logger) throws {
        if matching.verify {
            let radii = try matching.candidateRadii()
            let extra = radii.isEmpty ? [] : try PairVerification.looserCandidates(result, radii: radii, matcher: matcher)
            let verdicts = PairVerification.run(result, extra: extra, limits: limits)
            if let skipped = verdicts.skipped { logger.warning("\(skipped)") }
            result.verification = verdicts
            result.timings.verify = verdicts.seconds
            result.timings.total += verdicts.seconds
        }
        let reportStart = Date()
        try AnalysisJSON.writeData(result, to: out)
        try ReportWriter(maxReportPairs: matching.maxReportPairs, limits: limits,
                         cache: store.map { StoreArtifactCache(store: $0) }).write(result, to: out)
        result.timings.report = Date().timeIntervalSince(reportStart)
        result.timings.total += result.timings.report
        let storeInfo = store.map { AnalysisJSON.StoreInfo(path: $0.path, bytes: (try? $0.sizeOnDisk()) ?? 0) }
        try AtomicFile.write(AnalysisJSON.manifest(result, version: CrossHash.version, store: storeInfo), to: out + "/manifest.json")
    }

    /// "crosshash: 3112 images (...), 146 phash pairs, ..., 3.4 s on CPU -> out/REPORT.md, ...".
    static func summary(_ result: AnalysisResult, out: String) -> String {
        let images = result.datasets.reduce(0) { $0 + $1.hashes.count }
        let errors = result.datasets.reduce(0) { $0 + $1.errorCount }
        var pairs = result.allMatches.map(Self.pairText).joined(separator: ", ")
        if let v = result.verification, v.skipped == nil { pairs += ", \(v.merged(result).count) verified" }
        let indexed = result.datasets.compactMap(\.counts)
        let files = indexed.reduce(IndexCounts(), +)
        let how = indexed.isEmpty ? "" : String(format: " (%d decoded, %d reused from the store)", files.decoded, files.reused)
        var text = String(format: "crosshash: %d images%@, %d errors, %@, %.1f s on %@ -> %@/REPORT.md, %@/report.html\n",
                          images, how, errors, pairs, result.timings.total, result.device.name, out, out)
        for m in result.allMatches where m.truncated {
            text += "crosshash: warning: \(m.family.id) found \(m.pairsFound) pairs; only the first \(m.pairsWritten) "
                + "are written (--max-pairs); the JSON says \"truncated\": true\n"
        }
        return text
    }

    static func pairText(_ m: FamilyMatches) -> String {
        m.truncated ? "\(m.pairs.count) \(m.family.id) pairs (TRUNCATED: \(m.pairsFound) found)" : "\(m.pairs.count) \(m.family.id) pairs"
    }
}
