import Foundation
import HashKit
import HashStore
import Analysis

/// The one place blocking work of a request runs: SQLite reads and writes, exact matching,
/// parsing large bodies, serialising large answers. It runs on GCD threads, never on Swift
/// concurrency's cooperative pool: that pool has one thread per core, and a long query there
/// would stall every other request, health checks included.
struct BlockingExecutor: Sendable {
    let queue: DispatchQueue

    static let shared = BlockingExecutor(queue: .global(qos: .userInitiated))

    /// Runs `work` on the executor's threads and returns (or throws) what it did.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Starts `work` there without waiting for it (a producer that hands over its results itself).
    func start(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }
}

/// What the routes see of the service. The store, the match index and the scanner are reached
/// only through `blocking`, which runs on the `BlockingExecutor`: a route cannot call them from
/// the cooperative pool by mistake, because it holds no `HashService` to call. What is left
/// here directly is cheap (settings, in-memory job status) or already asynchronous (hashing
/// waits on the hashing pool's threads).
struct ServiceBackend: Sendable {
    private let service: HashService
    let executor: BlockingExecutor

    init(service: HashService, executor: BlockingExecutor = .shared) {
        self.service = service
        self.executor = executor
    }

    var settings: ServiceSettings { service.settings }
    var device: EngineDescription { service.engines.description }
    var queueDepth: Int { service.pool.queueDepth }
    func jobStatus(_ id: String) -> ScanJobs.Status? { service.jobs.status(id) }
    func latestScan(of dataset: String) -> ScanJobs.Status? { service.jobs.latest(of: dataset) }
    var thumbnailGate: WorkGate { service.thumbnailGate }
    var verifyGate: WorkGate { service.verifyGate }

    /// Store, index and scanner work, on the executor's threads.
    func blocking<T: Sendable>(_ work: @escaping @Sendable (HashService) throws -> T) async throws -> T {
        let service = self.service
        return try await executor.run { try work(service) }
    }

    /// Hashes images on the hashing pool (the request waits without holding a thread).
    func hash(_ images: [[UInt8]], cancellation: CancellationFlag = .never) async throws -> [FileOutcome] {
        try await service.hash(images, cancellation: cancellation)
    }

    /// `hash` for picture queries, with what each picture's query wants beyond the pool's
    /// families computed from the same decode.
    func hash(_ images: [[UInt8]], wanting wants: PictureWants,
              cancellation: CancellationFlag = .never) async throws -> [(outcome: FileOutcome, extras: PictureExtras)] {
        try await service.hash(images, wanting: wants, cancellation: cancellation)
    }

    /// Hashes uploads and stores them in the upload-backed dataset `name`: looked up, hashed,
    /// then written with the index updated (the dataset may change while its images hash; the
    /// write checks again).
    func addImages(_ name: String, _ uploads: [(key: FileKey, bytes: [UInt8])]) async throws -> [(key: FileKey, outcome: FileOutcome)] {
        let dataset = try await blocking { try $0.uploadTarget(name) }
        let results = try await service.hashContents(uploads.map(\.bytes))
        return try await blocking { try $0.recordUploads(uploads, results, name: name, datasetID: dataset.id) }
    }
}
