import Foundation
import Analysis
import HashStore
import ServiceLifecycle

/// Background scans: each indexes one dataset's root on a thread of its own, one at a time (they
/// share the engine and the disk), with a status the client polls. A job belongs to one stored
/// dataset (by id): deleting the dataset cancels its jobs, queued or running.
///
/// With a store that shares jobs (`ScanJobStoring`: PostgreSQL) every job is also written there,
/// its id drawn from the store (unique across replicas), so any replica answers its status; the
/// running work stays in the process that started it.
public final class ScanJobs: @unchecked Sendable {
    public enum State: String, Sendable { case queued, running, done, failed }

    public struct Status: Sendable {
        public var id: String
        public var dataset: String
        public var state: State
        public var done = 0
        public var total = 0
        public var counts = IndexCounts()
        public var error: String?
    }

    /// What a running scan reports through.
    public final class Handle: @unchecked Sendable {
        fileprivate let jobs: ScanJobs
        public let id: String
        fileprivate init(jobs: ScanJobs, id: String) {
            self.jobs = jobs
            self.id = id
        }

        public func progress(done: Int, total: Int) { jobs.update(id) { $0.done = done; $0.total = total } }
        /// Whether the job was cancelled (its dataset deleted): the work then reads and writes
        /// nothing more. Safe to ask from any thread, often.
        public var isCancelled: Bool { jobs.isCancelled(id) }
        public func finish(counts: IndexCounts) { jobs.update(id) { $0.counts = counts } }
    }

    private let lock = NSLock()
    private var statuses = [String: Status]()
    /// The stored dataset of each job not yet finished, and why it was cancelled if it was.
    private var datasetOf = [String: Int64]()
    private var cancelled = [String: String]()
    private var order = [String]()
    private var next = 1
    /// Serial: one scan at a time, in the order asked.
    private let queue = DispatchQueue(label: "crosshash.scans")
    /// Finished jobs kept for status queries.
    static let keep = 1000

    /// Turns a failed job's error into the text its status shows.
    private let describe: @Sendable (Error) -> String

    /// Where jobs are shared with the other services of the store, if anywhere.
    private let shared: (any ScanJobStoring)?
    /// This process among the store's replicas: the holder of the jobs it runs.
    public let replica = UUID().uuidString.lowercased()
    /// When each job's progress was last written to `shared` (progress writes are at most one a
    /// second; state changes are written at once).
    private var lastWrite = [String: Date]()

    /// How long a shared job may go without a heartbeat before another replica takes it over.
    private let leaseSeconds: Double
    /// Runs a job taken over from another replica (set by the owner, which knows how to scan).
    public var resume: (@Sendable (StoredScanJob) -> Void)? {
        get { lock.withLock { resumeHandler } }
        set { lock.withLock { resumeHandler = newValue } }
    }
    private var resumeHandler: (@Sendable (StoredScanJob) -> Void)?

    public init(describe: @escaping @Sendable (Error) -> String = { "\($0)" }, shared: (any ScanJobStoring)? = nil,
                leaseSeconds: Double = 30) {
        self.describe = describe
        self.shared = shared
        self.leaseSeconds = leaseSeconds
    }

    /// Cancels every queued or running job of the stored dataset `id`: a queued one fails with
    /// `reason` without starting; a running one sees `isCancelled` and stops at its next file.
    public func cancel(datasetID: Int64, reason: String) {
        lock.lock()
        for (job, dataset) in datasetOf where dataset == datasetID { cancelled[job] = reason }
        lock.unlock()
    }

    fileprivate func isCancelled(_ id: String) -> Bool { cancelReason(id) != nil }

    private func cancelReason(_ id: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return cancelled[id]
    }

    private func forget(_ id: String) {
        lock.lock()
        datasetOf[id] = nil
        cancelled[id] = nil
        lock.unlock()
    }

    /// Queues a scan; throws only when the shared store cannot record the job.
    public func start(dataset: String, datasetID: Int64, root: String? = nil,
                      work: @escaping @Sendable (Handle) throws -> Void) throws -> String {
        let sharedID = try shared?.createScanJob(dataset: dataset, root: root, holder: replica)
        return enqueue(dataset: dataset, datasetID: datasetID, number: sharedID, work: work)
    }

    /// Queues, under its id, a shared job this replica took over (`takeOverScanJob`).
    public func adopt(_ job: StoredScanJob, datasetID: Int64, work: @escaping @Sendable (Handle) throws -> Void) {
        _ = enqueue(dataset: job.dataset, datasetID: datasetID, number: job.id, work: work)
    }

    private func enqueue(dataset: String, datasetID: Int64, number: Int64?,
                         work: @escaping @Sendable (Handle) throws -> Void) -> String {
        lock.lock()
        let id = String(format: "scan-%06d", number ?? Int64(next))
        next += 1
        statuses[id] = Status(id: id, dataset: dataset, state: .queued)
        datasetOf[id] = datasetID
        order.append(id)
        if order.count > Self.keep, let old = order.first, statuses[old]?.state == .done || statuses[old]?.state == .failed {
            order.removeFirst()
            statuses[old] = nil
        }
        lock.unlock()
        let handle = Handle(jobs: self, id: id)
        queue.async { [self] in
            defer { forget(id) }
            if let reason = cancelReason(id) {
                // Cancelled while queued: it never starts.
                update(id) { $0.state = .failed; $0.error = reason }
                return
            }
            update(id) { $0.state = .running }
            do {
                try work(handle)
                update(id) { $0.state = .done; $0.done = $0.total }
            } catch {
                // A cancelled job fails with the reason it was cancelled, whatever the work threw
                // on its way out; other errors are described by the owner (`describe`), which
                // keeps server paths out of what clients read.
                let message = cancelReason(id) ?? describe(error)
                update(id) { $0.state = .failed; $0.error = message }
            }
        }
        return id
    }

    /// The job's status: this process's own jobs from memory, others' (replicas') from the
    /// shared store; nil when unknown (or the store cannot be read).
    public func status(_ id: String) -> Status? {
        lock.lock()
        let mine = statuses[id]
        lock.unlock()
        if let mine { return mine }
        guard let shared, id.hasPrefix("scan-"), let number = Int64(id.dropFirst(5)),
              let job = try? shared.scanJob(id: number) else { return nil }
        return Self.status(job)
    }

    private static func status(_ job: StoredScanJob) -> Status {
        var s = Status(id: String(format: "scan-%06d", job.id), dataset: job.dataset, state: State(rawValue: job.state) ?? .failed)
        s.done = job.done
        s.total = job.total
        s.counts = IndexCounts(decoded: job.decoded, reused: job.reused, errors: job.errors)
        s.error = job.error
        return s
    }

    /// The latest scan of `dataset` kept in memory (jobs live while the server runs).
    /// With a shared store, the latest of every replica's.
    public func latest(of dataset: String) -> Status? {
        lock.lock()
        let mine = order.reversed().lazy.compactMap { self.statuses[$0] }.first { DatasetName.same($0.dataset, dataset) }
        lock.unlock()
        guard let shared, let job = try? shared.latestScanJob(dataset: dataset) else { return mine }
        // One of ours is fresher in memory than in the store (progress is written once a second).
        let theirs = Self.status(job)
        return mine?.id == theirs.id ? mine : theirs
    }

    /// Waits, without holding a thread, for the scans queued so far: a marker queued behind
    /// them resumes the caller when it is reached.
    public func drain() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in queue.async { done.resume() } }
    }

    fileprivate func update(_ id: String, _ change: (inout Status) -> Void) {
        lock.lock()
        var written: Status?
        if var s = statuses[id] {
            let before = s.state
            change(&s)
            statuses[id] = s
            let now = Date()
            if shared != nil, s.state != before || s.state == .done || s.state == .failed
                || now.timeIntervalSince(lastWrite[id] ?? .distantPast) >= 1 {
                written = s
                lastWrite[id] = s.state == .done || s.state == .failed ? nil : now
            }
        }
        lock.unlock()
        if let written { share(written) }
    }

    /// Writes a job's status to the shared store. A failed write is reported, not fatal: the
    /// scan goes on, and this process still answers its status from memory.
    private func share(_ s: Status) {
        guard let shared, let number = Int64(s.id.dropFirst(5)) else { return }
        var job = StoredScanJob(id: number, dataset: s.dataset, state: s.state.rawValue, holder: replica)
        job.done = s.done
        job.total = s.total
        job.decoded = s.counts.decoded
        job.reused = s.counts.reused
        job.errors = s.counts.errors
        job.error = s.error
        do {
            try shared.updateScanJob(job)
        } catch {
            FileHandle.standardError.write(Data("crosshash serve: could not record scan job \(s.id) in the store: \(error)\n".utf8))
        }
    }
}

/// The scan jobs as a service of the server's `ServiceGroup`: on graceful shutdown (after the
/// HTTP server has stopped taking requests, so no scan is queued anymore) they wait for the
/// scans already queued, which finish and store their work before the store is closed.
extension ScanJobs: ServiceLifecycle.Service {
    public func run() async throws {
        if shared != nil {
            // Shared jobs: heartbeats for this replica's, and takeover of others' whose holder
            // stopped, a few times per lease, until shutdown.
            let interval = max(0.5, min(5, leaseSeconds / 3))
            try? await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: .seconds(interval))
                    self.tend()
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        await drain()
    }

    /// One round of the lease: heartbeat this replica's unfinished jobs, then take over at most
    /// one stale job of another replica and queue it again here.
    func tend() {
        guard let shared else { return }
        let mine = lock.withLock { datasetOf.keys.compactMap { Int64($0.dropFirst(5)) } }
        do {
            try shared.heartbeatScanJobs(mine, holder: replica)
            if let handler = resume, let job = try shared.takeOverScanJob(holder: replica, leaseSeconds: leaseSeconds) {
                FileHandle.standardError.write(Data("crosshash serve: took over scan job scan-\(String(format: "%06d", job.id)) of '\(job.dataset)' (its replica stopped); resuming it\n".utf8))
                handler(job)
            }
        } catch {
            FileHandle.standardError.write(Data("crosshash serve: scan job lease: \(error)\n".utf8))
        }
    }
}
