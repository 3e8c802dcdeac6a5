import ArgumentParser
import Foundation
import HashKit
import Analysis
import Engines
import JSONFiles
import CPUFallback
import Logging

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure decode, resize+hash, match and end-to-end throughput on each device over the same files.",
        discussion: """
        Run it on an otherwise idle machine; every figure is wall time on all cores. Without a \
        folder only matching is measured: --match-size N hash sets per family of --families \
        (default phash,blockmean; pdq draws 256-bit sets matched at its threshold 31), uniform \
        and clustered, brute force and index side by side (and each --device's matcher); \
        --export-sets DIR writes the sets for scripts/bench_match.py (FAISS on the same sets).
        """
    )

    @Option(name: .customLong("device"), help: "A device to measure (repeatable): cpu, opencl, opencl:N, auto.")
    var devices: [String] = []

    @Option(name: .long, help: "Size of each synthetic hash set for the Hamming benchmark (N x N pairs).")
    var matchSize: Int = 20_000

    @Option(name: .long, help: "Decode at most this many megapixels into memory for the hash-only figure.")
    var sampleMegapixels: Int = 400

    @Flag(name: .long, help: "Machine-readable output.")
    var json = false

    @Option(name: .long, help: "Decoder threads (default: one per core).")
    var threads: Int?

    @Option(name: .long, help: "Brute-force the synthetic match sets only up to this size (beyond it the time is estimated).")
    var bruteForceMax: Int = 100_000

    @Option(name: .long, help: ArgumentHelp("Write the synthetic match sets and crosshash's results here (for scripts/bench_match.py).", valueName: "dir"))
    var exportSets: String?

    @Option(name: .long, help: ArgumentHelp(
        "The families whose synthetic sets are matched (without a folder), comma-separated, of \(HashFamily.known.map(\.id.rawValue).joined(separator: ", ")); each at its default threshold.",
        valueName: "families"))
    var families = HashFamily.all.map(\.id.rawValue).joined(separator: ",")

    @Argument(help: "A folder of images (omit it to measure matching only).")
    var path: String?

    struct Row {
        var device: String
        var images: Int
        var megapixels: Double
        var decodeSeconds: Double
        var hashImagesPerSecond: Double
        var hashMegapixelsPerSecond: Double
        /// Per family, in `HashFamily.all` order; rows and JSON keys name a family by its width
        /// ("match 64-bit", `match64_pairs_per_s`), as the bench always has.
        var matchPairsPerSecond: [(family: HashFamily, pairsPerSecond: Double)]
        var endToEndSeconds: Double
    }

    func validate() throws {
        if case .failure(let e) = HashFamily.parseList(families) { throw ValidationError("--families: \(e)") }
        // The folder's rows name a match rate by the hash's width, which two 256-bit families share.
        if path != nil, (try? HashFamily.parseList(families).get()) != HashFamily.all {
            throw ValidationError("--families chooses the synthetic match sets: omit the folder to match \(families) only")
        }
    }

    func run() throws {
        let logger = Runtime.logger()
        guard let path else { return try runMatchOnly(logger: logger, families: try HashFamily.parseList(families).get()) }
        let entries = try DatasetScanner.scan(root: path).filter { $0.problem == nil }
        guard !entries.isEmpty else { throw ValidationError("\(path) holds no files") }
        let paths = entries.map(\.path)
        // bench measures at the default decode limits (it has no limit options).
        let decoder = ImageDecoder()
        let workers = threads ?? ProcessInfo.processInfo.activeProcessorCount

        // Decode alone, on all cores: the floor any hashing pipeline is measured against.
        let decodeOnly = HashPipeline(engine: NullEngine(), mode: .inline, decoder: decoder, workers: workers)
        let t0 = Date()
        let decodeOutcomes = decodeOnly.run(paths: paths)
        let decodeSeconds = Date().timeIntervalSince(t0)
        let decoded = decodeOutcomes.filter { if case .hashed = $0 { return true } else { return false } }.count
        let megapixels = decodeOnly.stats.megapixels

        let sample = loadSample(paths, decoder)
        var rows = [Row]()
        for name in devices.isEmpty ? ["cpu"] : devices {
            let engines = EngineSelection.make(try DeviceChoice(parsing: name)) { logger.warning("\($0)") }
            let pipeline = HashPipeline(engines: engines, decoder: decoder, workers: workers)
            let t1 = Date()
            _ = pipeline.run(paths: paths)
            let endToEnd = Date().timeIntervalSince(t1)

            let (hashIPS, hashMPS) = try hashOnly(engines.engine, sample)
            let match = try HashFamily.all.map { (family: $0, pairsPerSecond: try matchRate(engines.matcher, family: $0)) }
            rows.append(Row(device: "\(name) [\(engines.description.name)]", images: decoded, megapixels: megapixels,
                            decodeSeconds: decodeSeconds, hashImagesPerSecond: hashIPS, hashMegapixelsPerSecond: hashMPS,
                            matchPairsPerSecond: match, endToEndSeconds: endToEnd))
        }
        json ? printJSON(rows, files: paths.count) : printTable(rows, files: paths.count)
    }

    /// Every family x shape: the CPU brute force (up to --brute-force-max), the CPU index, and
    /// each --device's matcher, on the same sets; pairs compared by digest.
    func runMatchOnly(logger: Logger, families: [HashFamily]) throws {
        var matchers: [(String, Matcher)] = [("cpu brute force", CPUMatcher()), ("cpu index", IndexedMatcher(strategy: .indexed()))]
        for name in devices where name != "cpu" {
            let engines = EngineSelection.make(try DeviceChoice(parsing: name)) { logger.warning("\($0)") }
            if engines.description.kind != "cpu" { matchers.append(("\(name) [\(engines.description.name)]", engines.matcher)) }
        }
        if let exportSets { try AtomicFile.makeFolder(exportSets) }
        var rows = [MatchBenchmark.Measurement]()
        var exported = [JSONValue]()
        for family in families {
            for shape in MatchBenchmark.Shape.allCases {
                let (a, b) = MatchBenchmark.sets(family, shape, size: matchSize)
                let stem = "\(family.id)-\(shape)-\(matchSize)"
                if let exportSets {
                    try MatchBenchmark.export(a, to: "\(exportSets)/\(stem)-a.bin")
                    try MatchBenchmark.export(b, to: "\(exportSets)/\(stem)-b.bin")
                }
                for (name, matcher) in matchers {
                    if name == "cpu brute force" && matchSize > bruteForceMax {
                        let cost = IndexedMatcher.estimatedCost(aCount: matchSize, bCount: matchSize, bits: family.bits,
                                                                threshold: family.defaultThreshold)
                        rows.append(MatchBenchmark.Measurement(family: family, shape: shape, size: matchSize, matcher: name,
                                                               seconds: nil, pairs: 0, digest: 0,
                                                               estimatedSeconds: cost.bruteForce / Double(ProcessInfo.processInfo.activeProcessorCount)))
                        continue
                    }
                    let m = try MatchBenchmark.measure(matcher, name: name, a, b, family: family, shape: shape)
                    rows.append(m)
                    if isatty(2) != 0 { FileHandle.standardError.write(Data(String(format: "bench: %@ %@ %d^2 %@: %.2f s, %d pairs\n", family.id.rawValue,
                                                               shape.rawValue, matchSize, name, m.seconds ?? 0, m.pairs).utf8)) }
                    if name == "cpu index" {
                        exported.append(.obj([("family", .str(family.id.rawValue)), ("shape", .str(shape.rawValue)),
                                              ("size", .int(matchSize)), ("bits", .int(family.bits)),
                                              ("threshold", .int(family.defaultThreshold)), ("a", .str("\(stem)-a.bin")),
                                              ("b", .str("\(stem)-b.bin")), ("crosshash_index_seconds", .double(m.seconds ?? 0)),
                                              ("pairs", .int(m.pairs))]))
                    }
                }
            }
        }
        if let exportSets { try AtomicFile.write(JSONValue.array(exported), to: exportSets + "/sets.json") }
        let peak = MatchBenchmark.peakRSSMB()
        if json {
            print(JSONValue.obj([("size", .int(matchSize)), ("peak_rss_mb", .double(peak.rounded())), ("rows", .array(rows.map { r in
                .obj([("family", .str(r.family.id.rawValue)), ("shape", .str(r.shape.rawValue)), ("matcher", .str(r.matcher)),
                      ("seconds", r.seconds.map { .double($0) } ?? .null), ("estimated_seconds", r.estimatedSeconds.map { .double($0) } ?? .null),
                      ("pairs", .int(r.pairs)), ("digest", .str(String(r.digest, radix: 16)))])
            }))]).text, terminator: "")
            return
        }
        print("crosshash bench: matching \(matchSize) x \(matchSize) hashes per family at the default thresholds")
        for family in families {
            for shape in MatchBenchmark.Shape.allCases {
                let group = rows.filter { $0.family == family && $0.shape == shape }
                let measured = group.filter { $0.seconds != nil }
                let agree = Set(measured.map(\.digest)).count <= 1
                print("\n\(family.id) (\(family.bits)-bit), \(shape), threshold \(family.defaultThreshold):"
                      + (measured.count > 1 ? (agree ? " pairs identical across matchers" : " PAIRS DIFFER") : ""))
                let fastest = measured.compactMap(\.seconds).min() ?? 1
                for r in group {
                    if let s = r.seconds {
                        print(String(format: "  %@ %9.2f s %14d pairs %8.1fx the fastest", label(r.matcher), s, r.pairs, s / max(fastest, 1e-9)))
                    } else {
                        print(String(format: "  %@ skipped (> --brute-force-max); estimated %.0f s", label(r.matcher), r.estimatedSeconds ?? 0))
                    }
                }
            }
        }
        print(String(format: "\npeak resident memory: %.0f MB", peak))
    }

    /// Decoded images kept in memory, so the engine alone can be timed.
    func loadSample(_ paths: [[UInt8]], _ decode: ImageDecoder) -> [DecodedImage] {
        var images = [DecodedImage]()
        var pixels = 0
        for p in paths {
            guard pixels < sampleMegapixels * 1_000_000 else { break }
            if let image = try? decode.decode(pathBytes: p) {
                pixels += image.pixelCount
                images.append(image)
            }
        }
        return images
    }

    func hashOnly(_ engine: HashEngine, _ images: [DecodedImage]) throws -> (Double, Double) {
        guard !images.isEmpty else { return (0, 0) }
        let workers = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let t0 = Date()
        if engine.description.kind == "cpu" {
            let chunks = (0..<workers).map { w in stride(from: w, to: images.count, by: workers).map { images[$0] } }
            let failures = FailureBox()
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for image in chunks[w] { do { _ = try engine.hash([image]) } catch { failures.note(error) } }
            }
            if let error = failures.first { throw error }
        } else {
            var batch = [DecodedImage]()
            var pixels = 0
            for image in images {
                batch.append(image)
                pixels += image.pixelCount
                if pixels >= engine.preferredBatchPixels { _ = try engine.hash(batch); batch = []; pixels = 0 }
            }
            if !batch.isEmpty { _ = try engine.hash(batch) }
        }
        let seconds = max(Date().timeIntervalSince(t0), 1e-9)
        let mp = images.reduce(0.0) { $0 + $1.megapixels }
        return (Double(images.count) / seconds, mp / seconds)
    }

    /// Pairs per second of the all-pairs Hamming search on random N x N hash sets of a family,
    /// at its default threshold.
    func matchRate(_ matcher: Matcher, family: HashFamily) throws -> Double {
        let words = family.wordsPerHash
        var rng = SplitMix64(seed: 0x5eed)
        let a = PackedHashes(wordsPerHash: words, words: (0..<(matchSize * words)).map { _ in rng.next() })
        let b = PackedHashes(wordsPerHash: words, words: (0..<(matchSize * words)).map { _ in rng.next() })
        let t0 = Date()
        _ = try matcher.match(a, b, threshold: family.defaultThreshold)
        return Double(matchSize) * Double(matchSize) / max(Date().timeIntervalSince(t0), 1e-9)
    }

    func printTable(_ rows: [Row], files: Int) {
        print("crosshash bench: \(files) files, \(rows.first?.images ?? 0) decodable, \(String(format: "%.1f", rows.first?.megapixels ?? 0)) MP, \(threads ?? ProcessInfo.processInfo.activeProcessorCount) decoder threads")
        for r in rows {
            print("")
            print("device: \(r.device)")
            print(String(format: "  %@ %10.1f images/s %10.1f MP/s", label("decode (all cores)"), Double(r.images) / r.decodeSeconds, r.megapixels / r.decodeSeconds))
            print(String(format: "  %@ %10.1f images/s %10.1f MP/s", label("resize+hash (engine)"), r.hashImagesPerSecond, r.hashMegapixelsPerSecond))
            for m in r.matchPairsPerSecond {
                print(String(format: "  %@ %10.3g pairs/s", label("match \(m.family.bits)-bit (\(matchSize)^2)"), m.pairsPerSecond))
            }
            print(String(format: "  %@ %10.1f images/s %10.1f MP/s  (%.2f s; %.2fx decode-only time)", label("end to end"),
                         Double(r.images) / r.endToEndSeconds, r.megapixels / r.endToEndSeconds, r.endToEndSeconds, r.endToEndSeconds / r.decodeSeconds))
        }
    }

    /// A left-aligned table label (printf's %-26@ does not pad Foundation strings on Linux).
    func label(_ text: String) -> String { text.padding(toLength: 28, withPad: " ", startingAt: 0) }

    func printJSON(_ rows: [Row], files: Int) {
        let value = JSONValue.obj([
            ("files", .int(files)),
            ("devices", .array(rows.map { r in
                .obj([("device", .str(r.device)), ("images", .int(r.images)), ("megapixels", .double(r.megapixels)),
                      ("decode_images_per_s", .double(Double(r.images) / r.decodeSeconds)),
                      ("hash_images_per_s", .double(r.hashImagesPerSecond)), ("hash_mp_per_s", .double(r.hashMegapixelsPerSecond)),
                      ("end_to_end_s", .double(r.endToEndSeconds)), ("decode_only_s", .double(r.decodeSeconds))]
                     + r.matchPairsPerSecond.map { ("match\($0.family.bits)_pairs_per_s", .double($0.pairsPerSecond)) })
            })),
        ])
        print(value.text, terminator: "")
    }
}

/// Hashes nothing: lets the pipeline measure decoding alone.
final class NullEngine: HashEngine {
    var description: EngineDescription { EngineDescription(kind: "none", name: "decode only") }
    var preferredBatchPixels: Int { 1 << 24 }
    func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
        batch.map { _ in ImageHashes.zero }
    }
}

final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var first: Error?
    func note(_ e: Error) { lock.lock(); if first == nil { first = e }; lock.unlock() }
}

