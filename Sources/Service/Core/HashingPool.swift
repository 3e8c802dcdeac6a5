import Foundation
import HashKit
import Engines
import CPUFallback

/// Images from every request are decoded and hashed by one `BatchFeeder` over the one warm
/// engine (the CLI pipeline's feeder: decoder threads, and with a batching engine the images of
/// concurrent requests gathered into one engine batch, bounded in pixels). In front of it,
/// admission: a request is taken whole or turned away at once, so memory never grows without
/// bound and a request is never half-served. It is turned away (`busy`) when the images waiting
/// would pass `capacity`, or when its header pixels with those of every image in flight would
/// pass `maxInflightPixels`; a request whose own images hold more than that is `tooManyPixels`.
public final class HashingPool: @unchecked Sendable {
    public struct Stats: Sendable {
        public var imagesHashed = 0
        public var decodeSeconds = 0.0
        public var hashSeconds = 0.0
    }

    /// One image of a request: its content's SHA-256 (what the store keys contents by) and what
    /// became of it.
    public typealias Hashed = (digest: ContentDigest, outcome: FileOutcome)

    /// Why a whole request was turned away before any of its images was decoded.
    public enum Refusal: Error, Sendable, Equatable {
        /// The queue (images or pixels) is full with other requests' work: retry shortly.
        case busy(String)
        /// The request's own images hold more pixels than may be in flight at once.
        case tooManyPixels(Int)
    }

    private let feeder: BatchFeeder
    private let decoder: ImageDecoder
    private let capacity: Int
    private let maxInflightPixels: Int
    private let lock = NSLock()
    /// Header pixels of every admitted image not yet finished (queued, decoding or hashing).
    private var pixelsInFlight = 0
    private var stopped = false
    private let meter: Meter

    /// `log` (default: the server's stderr) gets the device's error each time a batch fails on
    /// it and is redone on the CPU.
    public init(engines: EngineSet, limits: DecodeLimits, workers: Int, capacity: Int,
                maxInflightPixels: Int = ServiceSettings.defaultMaxInflightPixels,
                log: (@Sendable (String) -> Void)? = nil,
                observe: @escaping @Sendable (Int, Double, Double) -> Void = { _, _, _ in }) {
        self.decoder = ImageDecoder(limits: limits)
        self.capacity = max(1, capacity)
        self.maxInflightPixels = max(1, maxInflightPixels)
        let meter = Meter(observe: observe)
        self.meter = meter
        if let fallback = engines.fallback {
            let name = engines.description.name
            let log = log ?? { ServiceError.logToStderr($0) }
            fallback.onFailure = { log("\(name) failed on a batch, which the CPU fallback hashed instead: \($0)") }
        }
        feeder = BatchFeeder(engine: engines.engine, mode: engines.mode, workers: workers) { event in
            // Only work on images counts (a job settled without an image is not timed).
            guard event.decoded > 0 || event.hashed > 0 else { return }
            meter.record(images: event.hashed, decode: event.decodeSeconds, hash: event.hashSeconds)
        }
    }

    /// Images waiting to be decoded or hashed.
    public var queueDepth: Int { feeder.waiting }

    public var snapshot: Stats { meter.snapshot }

    /// What an image costs the pixel budget, read from its header (no pixel memory): its
    /// pixels, or more where its decoder needs over 4 bytes a pixel (`ImageHeader.budgetPixels`);
    /// 0 for an image the decoder will refuse before allocating (unreadable header, over
    /// --max-pixels in pixels or in decoding memory).
    func headerPixels(_ bytes: [UInt8]) -> Int {
        guard let header = try? ImageDecoder.probe(data: bytes) else { return 0 }
        // Charged in 4-byte units of decoding memory (a lossless WebP or a progressive JPEG
        // counts for more than its pixels); one the decoder will refuse costs nothing.
        let charge = header.budgetPixels
        return decoder.limits.maxPixels > 0 && charge > decoder.limits.maxPixels ? 0 : charge
    }

    /// Hashes every image of one request; results in order. The whole request is refused before
    /// any work when its images do not fit in the queue (by count or by header pixels), so a
    /// request is never half-served and decoded pixels in memory stay within the budget.
    /// Images of a request whose `cancellation` is set are skipped, not decoded.
    public func hash(_ images: [[UInt8]], cancellation: CancellationFlag = .never) async throws(Refusal) -> [Hashed] {
        try await hash(images, extras: nil, cancellation: cancellation)
    }

    /// `hash` for picture queries that want `extras` (PDQ, dihedral variants) too: each picture
    /// is decoded once, and what the extras need is computed on its decoder thread from the
    /// same pixels (`PictureWants.intake`). Results in order, each with its extras (empty for
    /// a picture that was not hashed).
    public func hash(_ images: [[UInt8]], wanting wants: PictureWants,
                     cancellation: CancellationFlag = .never) async throws(Refusal) -> [(hashed: Hashed, extras: PictureExtras)] {
        let extras = LockedSlots(count: images.count, initial: PictureExtras())
        let hashed = try await hash(images, extras: (wants, extras), cancellation: cancellation)
        return hashed.enumerated().map { i, h in (h, h.outcome.hashes == nil ? PictureExtras() : extras[i]) }
    }

    private func hash(_ images: [[UInt8]], extras: (wants: PictureWants, slots: LockedSlots<PictureExtras>)?,
                      cancellation: CancellationFlag) async throws(Refusal) -> [Hashed] {
        guard !images.isEmpty else { return [] }
        let cpu = extras == nil ? nil : CPUEngine()
        let pixels = images.map(headerPixels)
        let total = pixels.reduce(0, +)
        guard total <= maxInflightPixels else { throw .tooManyPixels(total) }
        let decoder = self.decoder
        let admitted: Result<[Hashed], Refusal> = await withCheckedContinuation { continuation in
            let collector = Collector(count: images.count) { continuation.resume(returning: .success($0)) }
            let jobs = images.enumerated().map { i, bytes in
                BatchFeeder.Job(intake: {
                    collector.setDigest(i, ContentDigest.of(bytes))
                    // The client has gone: nobody will read this result.
                    if cancellation.isCancelled { return .done(.failed("not hashed: the client went away")) }
                    do {
                        let image = try decoder.decode(data: bytes)
                        guard let extras, let cpu else { return .image(image) }
                        let (intake, found) = extras.wants.intake(image, engine: cpu)
                        extras.slots[i] = found
                        return intake
                    } catch {
                        return .done(.failed("\(error)"))
                    }
                }, done: { outcome in
                    self.release(pixels: pixels[i])
                    collector.set(i, outcome)
                })
            }
            do throws(Refusal) {
                let queued = try feeder.submit(jobs) { waiting throws(Refusal) in try admit(count: images.count, pixels: total, waiting: waiting) }
                if !queued { throw .busy("the server is shutting down") }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try admitted.get()
    }

    /// Takes the request's pixels into the budget, or says why not; called under the feeder's
    /// lock with the images waiting there, so the check and the queueing are one step.
    private func admit(count: Int, pixels total: Int, waiting: Int) throws(Refusal) {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { throw .busy("the server is shutting down") }
        // An idle pool takes any request that fits the pixel budget, however many images.
        guard waiting + count <= capacity || waiting == 0 else {
            throw .busy("the hashing queue is full (\(capacity) images, --queue-images)")
        }
        guard pixelsInFlight + total <= maxInflightPixels else {
            throw .busy("the images being hashed hold \(pixelsInFlight) pixels; with this request's \(total) that is over --max-inflight-pixels (\(maxInflightPixels))")
        }
        pixelsInFlight += total
    }

    private func release(pixels: Int) {
        lock.lock()
        pixelsInFlight -= pixels
        lock.unlock()
    }

    /// Runs `work` (a decode outside the feeder: a thumbnail) with `pixels` taken from the same
    /// pixel budget as hashing, so the memory of decoded pixels stays within one bound whatever
    /// asks for it. Refused (`busy`) when they do not fit beside the pixels in flight.
    public func withPixels<T>(_ pixels: Int, _ work: () throws -> T) throws -> T {
        lock.lock()
        guard !stopped, pixelsInFlight + pixels <= maxInflightPixels || pixelsInFlight == 0 else {
            let taken = pixelsInFlight, stopping = stopped
            lock.unlock()
            throw Refusal.busy(stopping ? "the server is shutting down"
                               : "the images being decoded hold \(taken) pixels; with this picture's \(pixels) that is over --max-inflight-pixels (\(maxInflightPixels))")
        }
        pixelsInFlight += pixels
        lock.unlock()
        defer { release(pixels: pixels) }
        return try work()
    }

    /// Pixels admitted and not yet finished (for metrics and tests).
    public var inflightPixels: Int {
        lock.lock()
        defer { lock.unlock() }
        return pixelsInFlight
    }

    /// Stops the threads once the queue is empty (graceful shutdown lets running requests finish first).
    public func shutdown() {
        lock.lock()
        stopped = true
        lock.unlock()
        feeder.close()
    }

    /// Waits until the threads have ended and are joined (after `shutdown()`, once the queue is
    /// empty): the server returns, and the process exits, only with none of them running.
    public func waitUntilStopped() {
        feeder.waitUntilDone()
    }

}

/// The pool's totals, and the metrics hook called after each batch with (images, decode
/// seconds, hash seconds).
private final class Meter: @unchecked Sendable {
    private let lock = NSLock()
    private var stats = HashingPool.Stats()
    private let observe: @Sendable (Int, Double, Double) -> Void

    init(observe: @escaping @Sendable (Int, Double, Double) -> Void) { self.observe = observe }

    var snapshot: HashingPool.Stats {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    func record(images: Int, decode: Double, hash: Double) {
        lock.lock()
        stats.imagesHashed += images
        stats.decodeSeconds += decode
        stats.hashSeconds += hash
        lock.unlock()
        observe(images, decode, hash)
    }
}

/// Gathers the results of one request's images and hands them over once all are in.
private final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var digests: [ContentDigest?]
    private var outcomes: [FileOutcome?]
    private var missing: Int
    private let finish: ([HashingPool.Hashed]) -> Void

    init(count: Int, finish: @escaping ([HashingPool.Hashed]) -> Void) {
        digests = Array(repeating: nil, count: count)
        outcomes = Array(repeating: nil, count: count)
        missing = count
        self.finish = finish
    }

    func setDigest(_ i: Int, _ digest: ContentDigest) {
        lock.lock()
        digests[i] = digest
        lock.unlock()
    }

    func set(_ i: Int, _ outcome: FileOutcome) {
        lock.lock()
        outcomes[i] = outcome
        missing -= 1
        let complete = missing == 0
        lock.unlock()
        guard complete else { return }
        // Every job's intake sets its digest before its outcome can exist.
        finish(zip(digests, outcomes).map { digest, outcome in
            (digest ?? ContentDigest.of([]), outcome ?? .failed("internal error: image was not processed"))
        })
    }
}
