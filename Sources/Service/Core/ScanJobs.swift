import Foundation
import Analysis

/// Background scans: each indexes one dataset's root on a thread of its own, one at a time (they
/// share the engine and the disk), with a status the client polls.
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
        public func finish(counts: IndexCounts) { jobs.update(id) { $0.counts = counts } }
    }

    private let lock = NSLock()
    private var statuses = [String: Status]()
    private var order = [String]()
    private var next = 1
    /// Serial: one scan at a time, in the order asked.
    private let queue = DispatchQueue(label: "crosshash.scans")
    /// Finished jobs kept for status queries.
    static let keep = 1000

    public init() {}

    public func start(dataset: String, work: @escaping @Sendable (Handle) throws -> Void) -> String {
        lock.lock()
        let id = String(format: "scan-%06d", next)
        next += 1
        statuses[id] = Status(id: id, dataset: dataset, state: .queued)
        order.append(id)
        if order.count > Self.keep, let old = order.first, statuses[old]?.state == .done || statuses[old]?.state == .failed {
            order.removeFirst()
            statuses[old] = nil
        }
        lock.unlock()
        let handle = Handle(jobs: self, id: id)
        queue.async { [self] in
            update(id) { $0.state = .running }
            do {
                try work(handle)
                update(id) { $0.state = .done; $0.done = $0.total }
            } catch {
                update(id) { $0.state = .failed; $0.error = "\(error)" }
            }
        }
        return id
    }

    public func status(_ id: String) -> Status? {
        lock.lock()
        defer { lock.unlock() }
        return statuses[id]
    }

    /// Waits for the scans queued so far (graceful shutdown).
    public func drain() { queue.sync {} }

    fileprivate func update(_ id: String, _ change: (inout Status) -> Void) {
        lock.lock()
        if var s = statuses[id] {
            change(&s)
            statuses[id] = s
        }
        lock.unlock()
    }
}
