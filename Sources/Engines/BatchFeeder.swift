import Foundation
import HashKit

/// What a decoder thread makes of one job before hashing: an image for the engine, or the job's
/// outcome at once (a decode error, a result found in the store without decoding, a job whose
/// client went away).
public enum Intake: Sendable {
    case image(DecodedImage)
    case done(FileOutcome)
    /// An image decoded and hashed by `intake` itself (a `--dihedral` run hashes a picture
    /// with its variants in one pass): its outcome, and for the statistics its pixels and the
    /// seconds the hashing took.
    case hashed(FileOutcome, pixels: Int, hashSeconds: Double)

    /// `image` hashed here by `hash`, timed for the statistics.
    public static func hashedHere(_ image: DecodedImage, _ hash: () -> FileOutcome) -> Intake {
        let t0 = Date()
        let outcome = hash()
        return .hashed(outcome, pixels: image.pixelCount, hashSeconds: Date().timeIntervalSince(t0))
    }
}

/// How decoded images reach the engine.
public enum PipelineMode: Sendable {
    /// Each decoder thread hashes what it decoded at once (CPU engine: no hand-over, hot caches).
    case inline
    /// Decoder threads hand images to one engine thread that forms batches (OpenCL engine: one
    /// queue per device, large batches).
    case batched
}

/// The one way images reach an engine, for the CLI pipeline (a finite list of jobs, submitted at
/// once) and the service (requests arriving over time): decoder threads take jobs in order,
/// and either hash what they decode at once (`inline`) or hand it to an engine thread that
/// gathers batches of up to the engine's preferred pixels (`batched`).
///
/// Memory stays bounded in pixels, not items: in batched mode decoders stop taking jobs while
/// the decoded images waiting for the engine hold `pixelBudget` pixels or more, so a list of
/// 100,000 images needs no more memory than one of 1,000.
public final class BatchFeeder: @unchecked Sendable {
    /// One image to feed: `intake` runs on a decoder thread (read, decode); `done` gets the
    /// outcome, from whichever thread has it, exactly once.
    public struct Job: Sendable {
        public var intake: @Sendable () -> Intake
        public var done: @Sendable (FileOutcome) -> Void

        public init(intake: @escaping @Sendable () -> Intake, done: @escaping @Sendable (FileOutcome) -> Void) {
            self.intake = intake
            self.done = done
        }
    }

    /// Work finished on one thread, for statistics and metrics.
    public struct Event: Sendable {
        /// Images decoded (0 for a job settled without an image).
        public var decoded = 0
        /// Images the engine hashed.
        public var hashed = 0
        /// Pixels decoded.
        public var pixels = 0
        /// Thread-seconds spent in `intake` and in the engine.
        public var decodeSeconds = 0.0
        public var hashSeconds = 0.0
        /// Thread-seconds a batching feeder's decoder threads spent hashing in `intake`
        /// (`Intake.hashed`), apart from the engine thread's `hashSeconds`; in inline mode every
        /// hash is timed on a decoder thread and counts in `hashSeconds`.
        public var decoderHashSeconds = 0.0

        public init(decoded: Int = 0, hashed: Int = 0, pixels: Int = 0, decodeSeconds: Double = 0, hashSeconds: Double = 0,
                    decoderHashSeconds: Double = 0) {
            self.decoded = decoded
            self.hashed = hashed
            self.pixels = pixels
            self.decodeSeconds = decodeSeconds
            self.hashSeconds = hashSeconds
            self.decoderHashSeconds = decoderHashSeconds
        }
    }

    public let engine: HashEngine
    public let mode: PipelineMode
    public let workers: Int
    /// Decoded pixels that may wait for a batching engine: two batches, so decoders fill the
    /// next while the engine hashes one; at least 4 Mpx, so an engine with small batches still
    /// gets images of ordinary size.
    public let pixelBudget: Int

    private struct Decoded {
        var image: DecodedImage
        var done: @Sendable (FileOutcome) -> Void
    }

    private let observe: @Sendable (Event) -> Void
    private let condition = NSCondition()
    private var jobs = FIFO<Job>()
    private var decoded = FIFO<Decoded>()
    private var decodedPixels = 0
    private var closed = false
    private var decodersRunning: Int
    private var threadsRunning: Int
    /// The decoder threads and the engine thread; emptied by the one `waitUntilDone` that joins them.
    private var threads = [JoinableThread]()

    /// Starts `workers` decoder threads (and in batched mode the engine thread) at once; they
    /// wait for jobs until `close()`.
    public init(engine: HashEngine, mode: PipelineMode, workers: Int, threadName: String = "crosshash",
                observe: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.engine = engine
        self.mode = mode
        self.workers = max(1, workers)
        self.pixelBudget = max(engine.preferredBatchPixels * 2, 1 << 22)
        self.observe = observe
        decodersRunning = self.workers
        threadsRunning = self.workers + (mode == .batched ? 1 : 0)
        // Joinable threads (not Foundation's detached `Thread`): `waitUntilDone` joins them, so
        // when it returns none is still running, not even its own teardown. The server's exit
        // runs process-wide destructors, and a decoder thread still ending then read freed
        // memory (a SIGSEGV at SIGTERM).
        for n in 0..<self.workers {
            // A main thread's 8 MiB: the decoders are C libraries whose stack use this code does
            // not bound, and a secondary thread's default (512 KiB) is far smaller.
            threads.append(JoinableThread(name: "\(threadName)-decode-\(n)", stackSize: 8 << 20) { self.decodeLoop() })
        }
        if mode == .batched {
            threads.append(JoinableThread(name: "\(threadName)-engine", stackSize: 8 << 20) { self.engineLoop() })
        }
    }

    /// Images waiting: jobs no decoder has taken yet, and decoded images the engine has not.
    public var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count + decoded.count
    }

    /// Queues `newJobs` (in order, after those queued before) if `admit`, called under the
    /// feeder's lock with the number of images `waiting`, does not throw; so a caller's
    /// admission check and the queueing are one step. Returns false, queueing nothing, once the
    /// feeder is closed.
    @discardableResult
    public func submit<E: Error>(_ newJobs: [Job], admit: (_ waiting: Int) throws(E) -> Void) throws(E) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        try admit(jobs.count + decoded.count)
        jobs.append(contentsOf: newJobs)
        condition.broadcast()
        return true
    }

    @discardableResult
    public func submit(_ newJobs: [Job]) -> Bool {
        submit(newJobs) { (_: Int) throws(Never) in }
    }

    /// No more jobs: the threads end once every queued job is done.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until every thread has ended (after `close()`): every job's `done` has run, and
    /// the threads are joined (none is still running, not even its own teardown).
    public func waitUntilDone() {
        condition.lock()
        while threadsRunning > 0 { condition.wait() }
        let ending = threads
        threads = []
        condition.unlock()
        for t in ending { t.join() }
    }

    // MARK: Threads

    private func nextJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        // With jobs waiting, a decoder pauses only while the decoded images fill the budget (the
        // engine thread is draining them); with none, until more come or the feeder is closed.
        while jobs.isEmpty ? !closed : (mode == .batched && decodedPixels >= pixelBudget) { condition.wait() }
        return jobs.popFirst()
    }

    private func decodeLoop() {
        while let job = nextJob() {
            let t0 = Date()
            switch job.intake() {
            case .done(let outcome):
                observe(Event(decodeSeconds: Date().timeIntervalSince(t0)))
                job.done(outcome)
            case .hashed(let outcome, let pixels, let hashSeconds):
                let decodeSeconds = max(0, Date().timeIntervalSince(t0) - hashSeconds)
                observe(Event(decoded: 1, hashed: 1, pixels: pixels, decodeSeconds: decodeSeconds,
                              hashSeconds: mode == .inline ? hashSeconds : 0,
                              decoderHashSeconds: mode == .inline ? 0 : hashSeconds))
                job.done(outcome)
            case .image(let image):
                let decodeSeconds = Date().timeIntervalSince(t0)
                if mode == .inline {
                    let t1 = Date()
                    let outcome = hash([image])[0]
                    observe(Event(decoded: 1, hashed: 1, pixels: image.pixelCount, decodeSeconds: decodeSeconds,
                                  hashSeconds: Date().timeIntervalSince(t1)))
                    job.done(outcome)
                } else {
                    observe(Event(decoded: 1, pixels: image.pixelCount, decodeSeconds: decodeSeconds))
                    condition.lock()
                    decoded.append(Decoded(image: image, done: job.done))
                    decodedPixels += image.pixelCount
                    condition.broadcast()
                    condition.unlock()
                }
            }
        }
        condition.lock()
        decodersRunning -= 1
        threadsRunning -= 1
        condition.broadcast()
        condition.unlock()
    }

    private func engineLoop() {
        while true {
            condition.lock()
            while decoded.isEmpty && decodersRunning > 0 { condition.wait() }
            guard !decoded.isEmpty else {
                threadsRunning -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            // Whatever the decoders have ready, up to the engine's preferred batch (one image
            // larger than that goes alone).
            var batch = [Decoded]()
            var pixels = 0
            while let first = decoded.first, batch.isEmpty || pixels + first.image.pixelCount <= engine.preferredBatchPixels {
                _ = decoded.popFirst()
                batch.append(first)
                pixels += first.image.pixelCount
            }
            decodedPixels -= pixels
            condition.broadcast()
            condition.unlock()

            let t0 = Date()
            let outcomes = hash(batch.map(\.image))
            observe(Event(hashed: batch.count, hashSeconds: Date().timeIntervalSince(t0)))
            for (item, outcome) in zip(batch, outcomes) { item.done(outcome) }
        }
    }

    /// One outcome per image, in order; an engine error fails the whole batch with its text
    /// (a `FallbackEngine` has already retried it on the CPU).
    private func hash(_ images: [DecodedImage]) -> [FileOutcome] {
        do {
            let hashes = try engine.hash(images)
            guard hashes.count == images.count else { throw EngineError.wrongCount(got: hashes.count, want: images.count) }
            return zip(hashes, images).map { .hashed($0, warnings: $1.warnings) }
        } catch {
            return images.map { _ in .failed("hashing failed: \(error)") }
        }
    }
}

/// A first-in first-out queue with O(1) removal at the front; a taken slot is cleared at once,
/// so a decoded image's pixels are freed as soon as the engine has it.
struct FIFO<Element> {
    private var slots = [Element?]()
    private var head = 0

    var isEmpty: Bool { head == slots.count }
    var count: Int { slots.count - head }
    var first: Element? { isEmpty ? nil : slots[head] }

    mutating func append(_ element: Element) { slots.append(element) }
    mutating func append(contentsOf elements: [Element]) { slots.append(contentsOf: elements.map { $0 }) }

    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = slots[head]
        slots[head] = nil
        head += 1
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return element
    }
}

/// A POSIX thread that can be joined (Foundation's `Thread` is detached): it runs `body` once on
/// a stack of `stackSize` bytes. One not joined is detached when dropped, so its resources are
/// freed when it ends.
final class JoinableThread: @unchecked Sendable {
    private var thread: pthread_t
    private var joined = false

    init(name: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) {
        final class Start { let name: String; let body: @Sendable () -> Void; init(_ n: String, _ b: @escaping @Sendable () -> Void) { name = n; body = b } }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        let start = Unmanaged.passRetained(Start(name, body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { context in
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            // Named through Foundation (Glibc's pthread_setname_np is not imported). Linux keeps
            // 15 bytes of a thread's name (ps, gdb) and refuses a longer one, so it is cut.
            var name = start.name
            while name.utf8.count > 15 { name.removeLast() }
            Thread.current.name = name
            start.body()
            return nil
        }, start)
        // Without a thread the process cannot hash at all: no caller could recover from this.
        precondition(status == 0, "could not start the thread \(name): pthread_create returned \(status)")
        self.thread = thread
    }

    /// Waits until the thread has ended (its body returned and its teardown is done).
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    deinit {
        if !joined { pthread_detach(thread) }
    }
}
