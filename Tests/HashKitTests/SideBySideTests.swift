import Foundation
import XCTest
@testable import HashKit

final class SideBySideTests: XCTestCase {
    struct Failure: Error, Equatable { let side: String }

    /// Each side waits for the other: only two sides that really run at once get through (a
    /// bounded wait, so a regression fails instead of hanging).
    func testBothSidesRunAtOnce() throws {
        let firstReady = DispatchSemaphore(value: 0), secondReady = DispatchSemaphore(value: 0)
        var sawSecond = false, sawFirst = false
        try SideBySide.run({
            firstReady.signal()
            sawSecond = secondReady.wait(timeout: .now() + 10) == .success
        }, {
            secondReady.signal()
            sawFirst = firstReady.wait(timeout: .now() + 10) == .success
        })
        XCTAssertTrue(sawSecond)
        XCTAssertTrue(sawFirst)
    }

    func testTheFirstSidesErrorWinsAndBothSidesFinish() {
        var secondFinished = false
        XCTAssertThrowsError(try SideBySide.run({ throw Failure(side: "first") }, {
            secondFinished = true
            throw Failure(side: "second")
        })) { XCTAssertEqual($0 as? Failure, Failure(side: "first")) }
        XCTAssertTrue(secondFinished)
        XCTAssertThrowsError(try SideBySide.run({}, { throw Failure(side: "second") })) {
            XCTAssertEqual($0 as? Failure, Failure(side: "second"))
        }
    }

    /// Each side's own parallel loop still runs (and a side that finishes first does not end the call).
    func testSidesMayRunParallelLoopsAndBothResultsArrive() throws {
        var a = [Int](), b = [Int]()
        try SideBySide.run({ a = ParallelMap.map(Array(0..<1000)) { $0 * 2 } }, { b = ParallelMap.map(Array(0..<10)) { $0 + 1 } })
        XCTAssertEqual(a, (0..<1000).map { $0 * 2 })
        XCTAssertEqual(b, Array(1...10))
    }
}
