import XCTest
import Foundation
import Logging
import ServiceLifecycle
import Analysis
@testable import Service

/// ScanJobs and the hashing pool as services of a `ServiceGroup`: on graceful shutdown the scans
/// already queued finish, and the pool stops taking work.
final class LifecycleTests: XCTestCase {
    func testGracefulShutdownLetsQueuedScansFinishAndStopsThePool() async throws {
        let harness = try ServiceHarness()
        defer { try? FileManager.default.removeItem(atPath: harness.folder) }
        let jobs = ScanJobs()
        let finished = NSLock(), count = Counter()
        for n in 0..<2 {
            _ = try jobs.start(dataset: "d\(n)", datasetID: Int64(n)) { _ in
                Thread.sleep(forTimeInterval: 0.2)
                finished.withLock { count.value += 1 }
            }
        }
        let group = ServiceGroup(configuration: .init(services: [harness.service.pool, jobs], logger: Logger(label: "lifecycle-test")))
        async let running: Void = group.run()
        try await Task.sleep(for: .milliseconds(20))
        await group.triggerGracefulShutdown()
        try await running
        XCTAssertEqual(finished.withLock { count.value }, 2, "both queued scans ran to their end before the group returned")
        XCTAssertEqual(jobs.status("scan-000002")?.state, .done)

        // The pool's threads have stopped: new work is not taken.
        do {
            _ = try await harness.service.pool.hash([try ServiceHarness.fixture("png/gray8.png")])
            XCTFail("a stopped pool hashed an image")
        } catch {
            XCTAssertTrue("\(error)".contains("shutting down"), "\(error)")
        }
        try harness.service.store.close()
    }
}

private final class Counter: @unchecked Sendable { var value = 0 }
