import Foundation
import HashKit

/// What became of one input file.
public enum FileOutcome: Sendable {
    case hashed(ImageHashes, warnings: [String])
    case failed(String)
}

/// What a worker makes of one job before hashing: an image for the engine, or the job's outcome
/// at once (an error, or a result found in the store without decoding).
public enum Intake: Sendable {
    case image(DecodedImage)
    case done(FileOutcome)
}

/// How decoded images reach the engine.
public enum PipelineMode: Sendable {
    /// Each worker hashes what it decoded at once (CPU engine: no hand-over, hot caches).
    case inline
    /// Workers hand images to one consumer that forms batches (OpenCL engine: one queue per device).
    case batched
}

/// Decodes files on every core and hashes them with an engine, keeping memory bounded: a worker
/// holds one image at a time, and the batch queue is bounded in pixels, not items, so a folder of
/// 100,000 images needs no more memory than a folder of 1,000.
public final class HashPipeline: @unchecked Sendable {
    public typealias Decode = @Sendable ([UInt8]) throws -> DecodedImage

    public struct Stats: Sendable {
        public var images = 0
        public var megapixels = 0.0
        /// Thread-seconds spent decoding and hashing, divided by the worker count (≈ wall time).
        public var decodeSeconds = 0.0
        public var hashSeconds = 0.0
        public var wallSeconds = 0.0
    }

    private let decode: Decode
    private let engine: HashEngine
    private let fallback: HashEngine?
    private let mode: PipelineMode
    private let workers: Int
    public private(set) var stats = Stats()
    /// Set when the engine failed and the fallback took over; the App logs it.
    public private(set) var engineFailure: String?

    public init(decode: @escaping Decode, engine: HashEngine, fallback: HashEngine? = nil,
                mode: PipelineMode, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.decode = decode
        self.engine = engine
        self.fallback = fallback
        self.mode = mode
        self.workers = max(1, workers)
    }

    /// Hashes every path; results in input order.
    public func run(paths: [[UInt8]], progress: ProgressReporter? = nil) -> [FileOutcome] {
        let decode = self.decode
        return run(count: paths.count, progress: progress) { i in
            do {
                return .image(try decode(paths[i]))
            } catch {
                return .done(.failed("\(error)"))
            }
        }
    }

    /// Runs jobs `0 ..< count`: `intake(i)` (on a decoder thread) reads job `i` and either hands
    /// back an image to hash or the job's outcome. `completed(i, outcome)` is called once per job
    /// as soon as its outcome is known, from whichever thread got it (the indexer streams results
    /// to the store with it). Returns the outcomes in job order.
    public func run(count: Int, progress: ProgressReporter? = nil,
                    completed: (@Sendable (Int, FileOutcome) -> Void)? = nil,
                    intake: @escaping @Sendable (Int) -> Intake) -> [FileOutcome] {
        let start = Date()
        let state = RunState(count: count, completed: completed)
        let queue = mode == .batched ? BatchQueue(pixelBudget: max(engine.preferredBatchPixels * 2, 1 << 22)) : nil

        let decodeWorkers: @Sendable () -> Void = { [self] in
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var timing = WorkerTiming()
                while let i = state.claim(), i < count {
                    let t0 = Date()
                    let image: DecodedImage
                    switch intake(i) {
                    case .image(let decoded):
                        image = decoded
                    case .done(let outcome):
                        timing.decode += Date().timeIntervalSince(t0)
                        state.store(i, outcome, progress)
                        continue
                    }
                    timing.decode += Date().timeIntervalSince(t0)
                    timing.pixels += image.pixelCount
                    if let queue {
                        queue.push(index: i, image: image)
                    } else {
                        let t1 = Date()
                        state.store(i, hashBatch([image])[0], progress)
                        timing.hash += Date().timeIntervalSince(t1)
                    }
                }
                state.add(timing)
            }
            queue?.close()
        }

        if let queue {
            let producers = Thread { decodeWorkers() }
            producers.stackSize = 8 << 20
            producers.start()
            var consumer = WorkerTiming()
            while let batch = queue.popBatch(maxPixels: engine.preferredBatchPixels) {
                let t0 = Date()
                for (i, outcome) in hashBatch(batch.map(\.image)).enumerated() { state.store(batch[i].index, outcome, progress) }
                consumer.hash += Date().timeIntervalSince(t0) * Double(workers)
            }
            queue.waitUntilProducersDone()
            state.add(consumer)
        } else {
            decodeWorkers()
        }
        progress?.finish()

        stats.images = count
        stats.megapixels = Double(state.timing.pixels) / 1e6
        stats.decodeSeconds = state.timing.decode / Double(workers)
        stats.hashSeconds = state.timing.hash / Double(workers)
        stats.wallSeconds = Date().timeIntervalSince(start)
        return state.results.map { $0 ?? .failed("internal error: file was not processed") }
    }

    /// Hashes a batch; if the engine fails, the fallback engine hashes it instead, so an OpenCL
    /// error costs speed, never results.
    private func hashBatch(_ images: [DecodedImage]) -> [FileOutcome] {
        do {
            let hashes = try engine.hash(images)
            if hashes.count == images.count {
                return zip(hashes, images).map { .hashed($0, warnings: $1.warnings) }
            }
            throw PipelineError.engineReturned(hashes.count, images.count)
        } catch {
            noteFailure("\(error)")
            guard let fallback else { return images.map { _ in .failed("hashing failed: \(error)") } }
            do {
                let hashes = try fallback.hash(images)
                return zip(hashes, images).map { .hashed($0, warnings: $1.warnings) }
            } catch {
                return images.map { _ in .failed("hashing failed: \(error)") }
            }
        }
    }

    private let failureLock = NSLock()
    private func noteFailure(_ message: String) {
        failureLock.lock()
        if engineFailure == nil { engineFailure = message }
        failureLock.unlock()
    }
}

enum PipelineError: Error, CustomStringConvertible {
    case engineReturned(Int, Int)
    var description: String {
        switch self {
        case .engineReturned(let got, let want): return "engine returned \(got) hashes for \(want) images"
        }
    }
}

struct WorkerTiming {
    var decode = 0.0, hash = 0.0, pixels = 0
}

/// The shared state of one run: the next file to claim, results, summed timings.
final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private(set) var results: [FileOutcome?]
    private(set) var timing = WorkerTiming()
    private let completed: (@Sendable (Int, FileOutcome) -> Void)?

    init(count: Int, completed: (@Sendable (Int, FileOutcome) -> Void)? = nil) {
        results = Array(repeating: nil, count: count)
        self.completed = completed
    }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return next - 1
    }

    func store(_ i: Int, _ outcome: FileOutcome, _ progress: ProgressReporter?) {
        lock.lock()
        results[i] = outcome
        lock.unlock()
        completed?(i, outcome)
        progress?.advance()
    }

    func add(_ t: WorkerTiming) {
        lock.lock()
        timing.decode += t.decode
        timing.hash += t.hash
        timing.pixels += t.pixels
        lock.unlock()
    }
}

/// Decoded images waiting for a batching engine, bounded by their total pixel count.
final class BatchQueue: @unchecked Sendable {
    struct Item { var index: Int; var image: DecodedImage }

    private let condition = NSCondition()
    private let pixelBudget: Int
    private var items = [Item]()
    private var pixels = 0
    private var closed = false
    private var producersDone = false

    init(pixelBudget: Int) { self.pixelBudget = pixelBudget }

    func push(index: Int, image: DecodedImage) {
        condition.lock()
        // An image larger than the whole budget still goes through, alone.
        while !items.isEmpty && pixels + image.pixelCount > pixelBudget { condition.wait() }
        items.append(Item(index: index, image: image))
        pixels += image.pixelCount
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        producersDone = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilProducersDone() {
        condition.lock()
        while !producersDone { condition.wait() }
        condition.unlock()
    }

    /// The next batch (at least one image, at most `maxPixels` unless one image is larger), or
    /// nil once the producers are done and the queue is empty.
    func popBatch(maxPixels: Int) -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        var batch = [Item]()
        var taken = 0
        while let first = items.first, batch.isEmpty || taken + first.image.pixelCount <= maxPixels {
            batch.append(items.removeFirst())
            taken += first.image.pixelCount
        }
        pixels -= taken
        condition.broadcast()
        return batch
    }
}
