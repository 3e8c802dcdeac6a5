import Foundation

/// A scan job as a store that shares jobs between services keeps it (PostgreSQL's `scan_job`):
/// what `GET /v1/jobs/{id}` shows, readable on every replica of the store.
public struct StoredScanJob: Sendable, Equatable {
    public var id: Int64
    public var dataset: String
    public var state: String
    public var done = 0
    public var total = 0
    public var decoded = 0
    public var reused = 0
    public var errors = 0
    public var error: String?
    /// The service that runs it (a replica id made at its start).
    public var holder: String?
    /// The folder it scans (read when another replica takes it over).
    public var root: String?

    public init(id: Int64, dataset: String, state: String, holder: String?) {
        self.id = id
        self.dataset = dataset
        self.state = state
        self.holder = holder
    }
}

/// A store that keeps scan jobs for every service sharing it. Only the PostgreSQL store does:
/// the SQLite store belongs to one process, whose jobs stay in its memory.
public protocol ScanJobStoring: AnyObject, Sendable {
    /// Records a new queued job and returns its id, unique across the services sharing the store.
    func createScanJob(dataset: String, root: String?, holder: String) throws -> Int64
    /// Writes the job's state, progress, counts and error; stamps its heartbeat.
    func updateScanJob(_ job: StoredScanJob) throws
    func scanJob(id: Int64) throws -> StoredScanJob?
    /// The most recent job of the dataset named `dataset` (names compared as stored).
    func latestScanJob(dataset: String) throws -> StoredScanJob?
    /// Stamps the heartbeat of the unfinished jobs `ids` that `holder` still holds.
    func heartbeatScanJobs(_ ids: [Int64], holder: String) throws
    /// Atomically makes `holder` the holder of one unfinished job whose heartbeat is older than
    /// `leaseSeconds` (its holder stopped: killed, or cut off), and returns it; nil when none.
    func takeOverScanJob(holder: String, leaseSeconds: Double) throws -> StoredScanJob?
}
