import Foundation
import Analysis
import ServiceLifecycle

/// Background scans: each indexes one dataset's root on a thread of its own, one at a time (they
/// share the engine and the disk), with a status the client polls. A job belongs to one stored
/// dataset (by id): deleting the dataset cancels its jobs, queued or running.
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

    public init(describe: @escaping @Sendable (Error) -> String = { "\($0)" }) { self.describe = describe }

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

    public func start(dataset: String, datasetID: Int64, work: @escaping @Sendable (Handle) throws -> Void) -> String {
        lock.lock()
        let id = String(format: "scan-%06d", next)
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

    public func status(_ id: String) -> Status? {
        lock.lock()
        defer { lock.unlock() }
        return statuses[id]
    }

    /// The latest scan of `dataset` kept in memory (jobs live while the server runs).
    public func latest(of dataset: String) -> Status? {
        lock.lock()
        defer { lock.unlock() }
        return order.reversed().lazy.compactMap { self.statuses[$0] }.first { DatasetName.same($0.dataset, dataset) }
    }

    /// Waits, without holding a thread, for the scans queued so far: a marker queued behind
    /// them resumes the caller when it is reached.
    public func drain() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in queue.async { done.resume() } }
    }

    fileprivate func update(_ id: String, _ change: (inout Status) -> Void) {
        lock.lock()
        if var s = statuses[id] {
            change(&s)
            statuses[id] = s
        }
        lock.unlock()
    }
}

/// The scan jobs as a service of the server's `ServiceGroup`: on graceful shutdown (after the
/// HTTP server has stopped taking requests, so no scan is queued anymore) they wait for the
/// scans already queued, which finish and store their work before the store is closed.
extension ScanJobs: ServiceLifecycle.Service {
    public func run() async throws {
        try? await gracefulShutdown()
        await drain()
    }
}
