import XCTest
@testable import HashKit

final class BatchMemoryTests: XCTestCase {
    /// glibc refuses an mmap threshold above half its heap size (32 MiB on 64-bit) and says so;
    /// a value it refused would leave the batch commands on the defaults without a word.
    func testGlibcTakesBothThresholds() throws {
        #if canImport(Glibc)
        XCTAssertTrue(BatchMemory.keepFreedMemory())
        #else
        throw XCTSkip("the thresholds are glibc's")
        #endif
    }
}
