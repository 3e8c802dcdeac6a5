import ArgumentParser
import Analysis
import HashKit
import Logging
import Report

/// Thresholds and output bounds, shared by `analyze` and `match` (same options, same outputs).
struct MatchingOptions: ParsableArguments {
    @Option(name: .long, help: "phash match threshold (Hamming distance <= threshold, of 64 bits; default \(HashFamily.phash.defaultThreshold)).")
    var phashThreshold: Int?

    @Option(name: .long, help: "blockmean match threshold (Hamming distance <= threshold, of 256 bits; default \(HashFamily.blockmean.defaultThreshold)).")
    var blockmeanThreshold: Int?

    @Option(name: .long, help: "pdq match threshold (Hamming distance <= threshold, of 256 bits; default \(HashFamily.pdq.defaultThreshold)); with --families including pdq.")
    var pdqThreshold: Int?

    @Option(name: .long, help: ArgumentHelp(
        "The hash families to match, comma-separated, of \(HashFamily.known.map(\.id.rawValue).joined(separator: ", ")). PDQ is computed on the CPU whatever --device says; pictures under its quality floor (\(HashFamily.pdq.qualityFloor ?? 0)) are listed but not matched.",
        valueName: "families"))
    var families = HashFamily.all.map(\.id.rawValue).joined(separator: ",")

    @Option(name: .long, help: ArgumentHelp("A match threshold as FAMILY=N, for any hash family (\(HashFamily.known.map(\.id.rawValue).joined(separator: ", "))).",
                                            valueName: "family=n"))
    var threshold: [String] = []

    @Flag(name: .long, help: "Also list pairs inside each dataset (a separate \"within\" array).")
    var within = false

    @Flag(name: .long, help: ArgumentHelp(
        "Also match mirrored and rotated copies: a pair (a, b) matches when one of the 8 dihedral variants of a's hash (\(Dihedral.allCases.map(\.name).joined(separator: ", "))) is within the threshold of b's; each pair gains \"transform\". analyze computes the variants while it decodes (kept in the store); match needs store: sources that hold them."))
    var dihedral = false

    @Flag(name: .long, inversion: .prefixedNo,
          help: "Re-check every candidate pair (the union of both hashes' pairs) from pixels and mark it verified or not; the raw pairs stay as they are.")
    var verify = true

    @Option(name: .long, help: ArgumentHelp(
        "Also verify the pairs within this looser radius of a hash (FAMILY=N, N >= its threshold): verified ones join verified_cross_duplicates.json; the raw pairs stay as they are.",
        valueName: "family=n"))
    var candidateRadius: [String] = []

    @Flag(name: .long, inversion: .prefixedNo,
          help: "Apply the curators' review decisions kept in the store (PUT /v1/reviews of `serve`): reviewed pairs say so, and verified_cross_duplicates.json follows them.")
    var reviews = true

    @Option(name: .long, help: "At most this many pairs per hash in the reports (the JSON holds all).")
    var maxReportPairs: Int = ReportWriter.defaultMaxReportPairs

    @Option(name: .long, help: ArgumentHelp(
        "Keep at most this many pairs per hash (a safety cap for collections full of blank images); past it the JSON, report and summary say \"truncated\".",
        valueName: "n"))
    var maxPairs: Int = MatchOptions.defaultMaxPairs

    func validate() throws {
        _ = try chosenFamilies()
        _ = try candidateRadii()
        guard maxReportPairs >= 0 else { throw ValidationError("--max-report-pairs must be >= 0") }
        guard maxPairs >= 0 else { throw ValidationError("--max-pairs must be >= 0") }
    }

    /// --families, in output order.
    func chosenFamilies() throws -> [HashFamily] {
        switch HashFamily.parseList(families) {
        case .success(let chosen): return chosen
        case .failure(let e): throw ValidationError("--families: \(e)")
        }
    }

    /// --candidate-radius FAMILY=N, each at least the family's threshold and at most its bits.
    func candidateRadii() throws -> [HashFamily.ID: Int] {
        let options = try matchOptions()
        var radii = [HashFamily.ID: Int]()
        for (family, n) in try Self.familyValues(candidateRadius, option: "--candidate-radius") {
            guard (options.threshold(family)...family.bits).contains(n) else {
                throw ValidationError("--candidate-radius \(family.id)=\(n): must be \(options.threshold(family))...\(family.bits) (the threshold up to the bits)")
            }
            guard verify else { throw ValidationError("--candidate-radius needs verification (drop --no-verify)") }
            radii[family.id] = n
        }
        return radii
    }

    /// FAMILY=N items of a repeatable option.
    static func familyValues(_ items: [String], option: String) throws -> [(HashFamily, Int)] {
        try items.map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let family = HashFamily.named(parts[0]), let n = Int(parts[1]) else {
                throw ValidationError("\(option) '\(item)': expected FAMILY=N with FAMILY one of \(HashFamily.known.map(\.id.rawValue).joined(separator: ", "))")
            }
            return (family, n)
        }
    }

    /// Thresholds from --threshold FAMILY=N, --phash-threshold and --blockmean-threshold, each
    /// within 0 ... the family's bits.
    func matchOptions() throws -> MatchOptions {
        var given = try Self.familyValues(threshold, option: "--threshold")
        if let t = phashThreshold { given.append((.phash, t)) }
        if let t = blockmeanThreshold { given.append((.blockmean, t)) }
        if let t = pdqThreshold { given.append((.pdq, t)) }
        var thresholds = [HashFamily.ID: Int]()
        for (family, n) in given {
            guard (0...family.bits).contains(n) else {
                throw ValidationError("--\(family.id)-threshold must be 0...\(family.bits)")
            }
            thresholds[family.id] = n
        }
        var options = MatchOptions(families: try chosenFamilies(), thresholds: thresholds, within: within, maxPairs: maxPairs)
        options.dihedral = dihedral
        return options
    }

    /// The analysis run these options ask for, on `matcher` (whose device the manifest names),
    /// with `families` matched (those of --families the hashing engine computes; all of
    /// --families for hashes loaded from files).
    func analysisRun(matcher: Matcher, device: EngineDescription, families: [HashFamily]? = nil,
                     limits: DecodeLimits, logger: Logger) throws -> AnalysisRun {
        var options = try matchOptions()
        if let families { options.families = families }
        let maxReportPairs = maxReportPairs
        // Verification decodes the candidate pictures; the thumbnails are shrunk from those.
        let thumbnails = ThumbnailPixels()
        var run = AnalysisRun(
            matcher: matcher, device: device, options: options,
            verification: verify ? AnalysisRun.VerificationSettings(radii: try candidateRadii()) : nil,
            limits: limits, version: CrossHash.version,
            report: { result, out, store in
                try ReportWriter(maxReportPairs: maxReportPairs, limits: limits,
                                 cache: store.map { StoreArtifactCache(store: $0) }, pixels: thumbnails).write(result, to: out)
            },
            warn: { logger.warning("\($0)") }, previews: { thumbnails.keep($0, $1) })
        run.appliesReviews = reviews
        return run
    }
}
