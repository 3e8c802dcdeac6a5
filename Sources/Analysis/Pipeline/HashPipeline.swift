import Foundation
import HashKit
import Engines
import CPUFallback

/// One run of the CLI over a finite list of files: every job goes through a `BatchFeeder`
/// (decoder threads on every core, the engine fed in pixel-bounded batches), outcomes come back
/// in job order, and the run's timings are summed for the manifest.
public final class HashPipeline: @unchecked Sendable {
    public struct Stats: Sendable {
        public var images = 0
        public var megapixels = 0.0
        /// Thread-seconds spent decoding and hashing, divided by the worker count (≈ wall time).
        public var decodeSeconds = 0.0
        public var hashSeconds = 0.0
        public var wallSeconds = 0.0
    }

    public let engine: HashEngine
    public let mode: PipelineMode
    /// Reads and decodes files under the run's limits (the indexer reads through it too).
    public let decoder: ImageDecoder
    public let workers: Int
    public private(set) var stats = Stats()

    public init(engine: HashEngine, mode: PipelineMode, decoder: ImageDecoder,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.engine = engine
        self.mode = mode
        self.decoder = decoder
        self.workers = max(1, workers)
    }

    public convenience init(engines: EngineSet, decoder: ImageDecoder,
                            workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.init(engine: engines.engine, mode: engines.mode, decoder: decoder, workers: workers)
    }

    /// The device's first error when it failed and the CPU fallback took over; the App logs it.
    public var engineFailure: String? { (engine as? FallbackEngine)?.firstFailure }

    /// Hashes every file (paths as bytes); results in input order.
    public func run(paths: [[UInt8]], progress: ProgressReporter? = nil) -> [FileOutcome] {
        let decoder = self.decoder
        return run(count: paths.count, progress: progress) { i in
            do {
                return .image(try decoder.decode(pathBytes: paths[i]))
            } catch {
                return .done(.failed("\(error)"))
            }
        }
    }

    /// `run(paths:)` with each hashed file's dihedral variants of `families` (`hash --json
    /// --dihedral`): each file is decoded once, and its hashes and variants come from one pass
    /// over its pixels (`dihedralIntake`). The engine's families must be `families` and
    /// `HashFamily.all` (`EngineSet.computing(families)` makes it so). Results in input order.
    public func runWithDihedral(paths: [[UInt8]], families: [HashFamily],
                                progress: ProgressReporter? = nil) -> [(outcome: FileOutcome, variants: DihedralHashes?)] {
        let decoder = self.decoder
        let cpu = CPUEngine()
        let found = LockedSlots<DihedralHashes?>(count: paths.count, initial: nil)
        let outcomes = run(count: paths.count, progress: progress) { i in
            do {
                let (intake, variants) = Self.dihedralIntake(try decoder.decode(pathBytes: paths[i]), engine: cpu, families: families)
                found[i] = variants
                return intake
            } catch {
                return .done(.failed("\(error)"))
            }
        }
        return outcomes.enumerated().map { ($1, found[$0]) }
    }

    /// One decoded picture's intake and dihedral variants, for runs that want variants: its
    /// hashes (PDQ when `families` has it) and variants from one pass over its pixels on the
    /// calling (decoder) thread, handed over as `Intake.hashed` so the engine is not asked to
    /// hash it again. The CPU's hashes stand for any engine's: every engine returns the same
    /// bits (`HashEngine`'s contract, which the engine tests enforce). PDQ's scratch memory
    /// failing fails the picture as the pipeline words an engine's failure.
    static func dihedralIntake(_ image: DecodedImage, engine: CPUEngine,
                               families: [HashFamily]) -> (Intake, DihedralHashes?) {
        var variants: DihedralHashes?
        let intake = Intake.hashedHere(image) {
            do {
                let (hashes, found) = try engine.hashWithDihedral(image, families: families)
                variants = found
                return .hashed(hashes, warnings: image.warnings)
            } catch {
                return .failed("hashing failed: \(error)")
            }
        }
        return (intake, variants)
    }

    /// Runs jobs `0 ..< count`: `intake(i)` (on a decoder thread) reads job `i` and either hands
    /// back an image to hash or the job's outcome. `completed(i, outcome)` is called once per job
    /// as soon as its outcome is known, from whichever thread got it (the indexer streams results
    /// to the store with it). Returns the outcomes in job order.
    public func run(count: Int, progress: ProgressReporter? = nil,
                    completed: (@Sendable (Int, FileOutcome) -> Void)? = nil,
                    intake: @escaping @Sendable (Int) -> Intake) -> [FileOutcome] {
        let start = Date()
        let results = LockedSlots<FileOutcome?>(count: count, initial: nil)
        let totals = Totals()
        let feeder = BatchFeeder(engine: engine, mode: mode, workers: workers) { totals.add($0) }
        feeder.submit((0..<count).map { i in
            BatchFeeder.Job(intake: { intake(i) }, done: { outcome in
                results[i] = outcome
                completed?(i, outcome)
                progress?.advance()
            })
        })
        feeder.close()
        feeder.waitUntilDone()
        progress?.finish()

        let timing = totals.value
        stats.images = count
        stats.megapixels = Double(timing.pixels) / 1e6
        stats.decodeSeconds = timing.decodeSeconds / Double(workers)
        // Inline: every worker hashes, so thread-seconds over workers; batched: the one engine
        // thread's seconds are wall time already.
        stats.hashSeconds = mode == .inline ? timing.hashSeconds / Double(workers)
            : timing.hashSeconds + timing.decoderHashSeconds / Double(workers)
        stats.wallSeconds = Date().timeIntervalSince(start)
        return results.all.map { $0 ?? .failed("internal error: file was not processed") }
    }
}

/// The feeder's events of one run, summed.
final class Totals: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = BatchFeeder.Event()

    func add(_ event: BatchFeeder.Event) {
        lock.lock()
        sum.decoded += event.decoded
        sum.hashed += event.hashed
        sum.pixels += event.pixels
        sum.decodeSeconds += event.decodeSeconds
        sum.hashSeconds += event.hashSeconds
        sum.decoderHashSeconds += event.decoderHashSeconds
        lock.unlock()
    }

    var value: BatchFeeder.Event {
        lock.lock()
        defer { lock.unlock() }
        return sum
    }
}
