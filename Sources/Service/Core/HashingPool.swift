import Foundation
import HashKit
import Analysis

/// The engine and matcher a service runs on, built once at start (for OpenCL: context and
/// kernels compiled once, so a request never pays for them).
/// Engines and matchers are safe to call from several threads at once (the CLI pipeline does).
public struct ServiceEngines: @unchecked Sendable {
    public var engine: HashEngine
    /// The CPU engine for batches the main engine fails on (nil when the main engine is the CPU).
    public var fallback: HashEngine?
    public var matcher: Matcher
    /// `.inline`: decoder threads hash what they decode; `.batched`: one engine thread gathers
    /// images from every request into large batches (what a GPU wants).
    public var mode: PipelineMode
    public var description: EngineDescription

    public init(engine: HashEngine, fallback: HashEngine?, matcher: Matcher,
                mode: PipelineMode, description: EngineDescription) {
        self.engine = engine
        self.fallback = fallback
        self.matcher = matcher
        self.mode = mode
        self.description = description
    }
}

/// One image's result, as the CLI would give it.
public struct HashedImage: Sendable {
    public var hashes: ImageHashes
    public var warnings: [String]
    public var digest: ContentDigest
}

/// Why an image was not hashed.
public enum HashingFailure: Error, Sendable, Equatable {
    /// The decoder's message (the text the CLI writes to errors.json).
    case image(String)
    /// Too many images waiting: the caller answers 503 and asks the client to retry.
    case busy
}

/// Images from every request are decoded on a fixed set of threads and hashed by the one warm
/// engine. The queue in front of them is bounded (`capacity` images): when it is full a request
/// is turned away at once (`busy`) instead of memory growing without bound. With a batching
/// engine, decoded images of concurrent requests are gathered into one engine batch
/// (micro-batching), bounded in pixels like the CLI pipeline.
public final class HashingPool: @unchecked Sendable {
    public struct Stats: Sendable {
        public var imagesHashed = 0
        public var decodeSeconds = 0.0
        public var hashSeconds = 0.0
    }

    private struct Job {
        var bytes: [UInt8]
        var cancellation: CancellationFlag
        var done: @Sendable (Result<HashedImage, HashingFailure>) -> Void
    }

    /// Why a whole request was turned away before any of its images was decoded.
    public enum Refusal: Error, Sendable, Equatable {
        /// The queue (images or pixels) is full with other requests' work: retry shortly.
        case busy(String)
        /// The request's own images hold more pixels than may be in flight at once.
        case tooManyPixels(Int)
    }

    private struct Decoded {
        var image: DecodedImage
        var digest: ContentDigest
        var done: @Sendable (Result<HashedImage, HashingFailure>) -> Void
    }

    private let engines: ServiceEngines
    private let decoder: ImageDecoder
    private let capacity: Int
    private let condition = NSCondition()
    private var jobs = [Job]()
    private var decoded = [Decoded]()
    private var decodedPixels = 0
    /// Header pixels of every admitted image not yet finished (queued, decoding or hashing).
    private var pixelsInFlight = 0
    private let maxInflightPixels: Int
    private var stopped = false
    private var threads = [Thread]()
    private let statsLock = NSLock()
    private var stats = Stats()
    /// Called after each batch with (images, decode seconds, hash seconds), for metrics.
    private let observe: @Sendable (Int, Double, Double) -> Void

    public init(engines: ServiceEngines, limits: DecodeLimits, workers: Int, capacity: Int,
                maxInflightPixels: Int = ServiceSettings.defaultMaxInflightPixels,
                observe: @escaping @Sendable (Int, Double, Double) -> Void = { _, _, _ in }) {
        self.engines = engines
        self.decoder = ImageDecoder(limits: limits)
        self.capacity = max(1, capacity)
        self.maxInflightPixels = max(1, maxInflightPixels)
        self.observe = observe
        for n in 0..<max(1, workers) {
            let t = Thread { [unowned self] in self.decodeLoop() }
            t.name = "crosshash-decode-\(n)"
            t.stackSize = 8 << 20
            threads.append(t)
        }
        if engines.mode == .batched {
            let t = Thread { [unowned self] in self.engineLoop() }
            t.name = "crosshash-engine"
            threads.append(t)
        }
        for t in threads { t.start() }
    }

    /// Images waiting to be decoded or hashed.
    public var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count + decoded.count
    }

    public var snapshot: Stats {
        statsLock.lock()
        defer { statsLock.unlock() }
        return stats
    }

    /// The pixels an image will be decoded to, read from its header (no pixel memory): 0 for
    /// an image the decoder will refuse before allocating (unreadable header, over --max-pixels).
    func headerPixels(_ bytes: [UInt8]) -> Int {
        guard let header = try? ImageDecoder.probe(data: bytes) else { return 0 }
        let (pixels, overflow) = header.width.multipliedReportingOverflow(by: header.height)
        guard !overflow else { return 0 }
        return decoder.limits.maxPixels > 0 && pixels > decoder.limits.maxPixels ? 0 : pixels
    }

    /// Hashes every image of one request; results in order. The whole request is refused before
    /// any work when its images do not fit in the queue (by count or by header pixels), so a
    /// request is never half-served and decoded pixels in memory stay within the budget.
    /// Images of a request whose `cancellation` is set are skipped, not decoded.
    public func hash(_ images: [[UInt8]], cancellation: CancellationFlag = .never) async throws(Refusal)
        -> [Result<HashedImage, HashingFailure>] {
        guard !images.isEmpty else { return [] }
        let pixels = images.map(headerPixels)
        let total = pixels.reduce(0, +)
        guard total <= maxInflightPixels else { throw .tooManyPixels(total) }
        let admitted: Result<[Result<HashedImage, HashingFailure>], Refusal> = await withCheckedContinuation { continuation in
            let collector = Collector(count: images.count) { continuation.resume(returning: .success($0)) }
            condition.lock()
            let idle = jobs.isEmpty && decoded.isEmpty
            guard !stopped else {
                condition.unlock()
                continuation.resume(returning: .failure(.busy("the server is shutting down")))
                return
            }
            guard jobs.count + decoded.count + images.count <= capacity || idle else {
                condition.unlock()
                continuation.resume(returning: .failure(.busy("the hashing queue is full (\(capacity) images, --queue-images)")))
                return
            }
            guard pixelsInFlight + total <= maxInflightPixels else {
                condition.unlock()
                continuation.resume(returning: .failure(.busy(
                    "the images being hashed hold \(pixelsInFlight) pixels; with this request's \(total) that is over --max-inflight-pixels (\(maxInflightPixels))")))
                return
            }
            pixelsInFlight += total
            for (i, bytes) in images.enumerated() {
                let held = pixels[i]
                jobs.append(Job(bytes: bytes, cancellation: cancellation) { [unowned self] result in
                    self.release(pixels: held)
                    collector.set(i, result)
                })
            }
            condition.broadcast()
            condition.unlock()
        }
        return try admitted.get()
    }

    private func release(pixels: Int) {
        condition.lock()
        pixelsInFlight -= pixels
        condition.unlock()
    }

    /// Pixels admitted and not yet finished (for metrics and tests).
    public var inflightPixels: Int {
        condition.lock()
        defer { condition.unlock() }
        return pixelsInFlight
    }

    /// Stops the threads once the queue is empty (graceful shutdown lets running requests finish first).
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Workers

    private func decodeLoop() {
        while let job = nextJob() {
            // The client has gone: nobody will read this result.
            if job.cancellation.isCancelled {
                job.done(.failure(.image("not hashed: the client went away")))
                continue
            }
            let t0 = Date()
            let digest = ContentDigest.of(job.bytes)
            let image: DecodedImage
            do {
                image = try decoder.decode(data: job.bytes)
            } catch {
                job.done(.failure(.image("\(error)")))
                continue
            }
            let decodeSeconds = Date().timeIntervalSince(t0)
            if engines.mode == .inline {
                let t1 = Date()
                let result = hashBatch([image])[0].map { HashedImage(hashes: $0, warnings: image.warnings, digest: digest) }
                record(images: 1, decode: decodeSeconds, hash: Date().timeIntervalSince(t1))
                job.done(result)
            } else {
                record(images: 0, decode: decodeSeconds, hash: 0)
                condition.lock()
                decoded.append(Decoded(image: image, digest: digest, done: job.done))
                decodedPixels += image.pixelCount
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    private func nextJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        // Decoded images wait for the engine in a pixel budget: decoders pause when it is spent.
        let budget = max(engines.engine.preferredBatchPixels * 2, 1 << 22)
        while !stopped && (jobs.isEmpty || (engines.mode == .batched && decodedPixels >= budget)) { condition.wait() }
        guard !jobs.isEmpty else { return nil }
        return jobs.removeFirst()
    }

    private func engineLoop() {
        while true {
            condition.lock()
            while decoded.isEmpty && !(stopped && jobs.isEmpty) { condition.wait() }
            if decoded.isEmpty { condition.unlock(); return }
            // Gather whatever the decoders have ready, up to the engine's preferred batch.
            var batch = [Decoded]()
            var pixels = 0
            while let first = decoded.first, batch.isEmpty || pixels + first.image.pixelCount <= engines.engine.preferredBatchPixels {
                batch.append(decoded.removeFirst())
                pixels += first.image.pixelCount
            }
            decodedPixels -= pixels
            condition.broadcast()
            condition.unlock()

            let t0 = Date()
            let results = hashBatch(batch.map(\.image))
            record(images: batch.count, decode: 0, hash: Date().timeIntervalSince(t0))
            for (item, result) in zip(batch, results) {
                item.done(result.map { HashedImage(hashes: $0, warnings: item.image.warnings, digest: item.digest) })
            }
        }
    }

    /// The engine, and on its failure the CPU fallback: an OpenCL error costs speed, not results.
    private func hashBatch(_ images: [DecodedImage]) -> [Result<ImageHashes, HashingFailure>] {
        for engine in [engines.engine] + (engines.fallback.map { [$0] } ?? []) {
            if let hashes = try? engine.hash(images), hashes.count == images.count { return hashes.map { .success($0) } }
        }
        return images.map { _ in .failure(.image("hashing failed on \(engines.description.name)")) }
    }

    private func record(images: Int, decode: Double, hash: Double) {
        statsLock.lock()
        stats.imagesHashed += images
        stats.decodeSeconds += decode
        stats.hashSeconds += hash
        statsLock.unlock()
        observe(images, decode, hash)
    }
}

/// Gathers the results of one request's images and hands them over once all are in.
private final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<HashedImage, HashingFailure>?]
    private var missing: Int
    private let finish: ([Result<HashedImage, HashingFailure>]) -> Void

    init(count: Int, finish: @escaping ([Result<HashedImage, HashingFailure>]) -> Void) {
        results = Array(repeating: nil, count: count)
        missing = count
        self.finish = finish
    }

    func set(_ i: Int, _ result: Result<HashedImage, HashingFailure>) {
        lock.lock()
        results[i] = result
        missing -= 1
        let complete = missing == 0
        lock.unlock()
        if complete { finish(results.map { $0 ?? .failure(.image("internal error: image was not processed")) }) }
    }
}
