import XCTest
import Foundation
@testable import Service

final class WorkGateTests: XCTestCase {
    /// Width 2 and one waiting: of four pieces of work started together, three run (two at once,
    /// never more) and the fourth is turned away at once as busy.
    func testRunsAtMostItsWidthAndTurnsAwayPastTheWaitingLine() async throws {
        let gate = WorkGate(width: 2, maxWaiting: 1)
        let meter = Meter()
        let release = Latch()
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do {
                        return try await gate.run("tests") {
                            meter.enter()
                            await release.wait()
                            meter.leave()
                            return "ran"
                        }
                    } catch let error as ServiceError {
                        return error.kind == .busy ? "busy" : "other"
                    } catch {
                        return "other"
                    }
                }
            }
            // The busy answer comes while the others still wait on the latch.
            var seen = [String]()
            if let first = await group.next() { seen.append(first) }
            release.open()
            for await outcome in group { seen.append(outcome) }
            return seen
        }
        XCTAssertEqual(outcomes.first, "busy")
        XCTAssertEqual(outcomes.sorted(), ["busy", "ran", "ran", "ran"])
        XCTAssertEqual(meter.most, 2)
    }
}

private final class Meter: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0
    private(set) var most = 0
    func enter() { lock.withLock { now += 1; most = max(most, now) } }
    func leave() { lock.withLock { now -= 1 } }
}

/// Work waits here until the test opens it.
private final class Latch: @unchecked Sendable {
    private let lock = NSLock()
    private var opened = false
    func open() { lock.withLock { opened = true } }
    func wait() async {
        while !lock.withLock({ opened }) { try? await Task.sleep(for: .milliseconds(5)) }
    }
}
