import XCTest
import TestSupport
@testable import HashKit

final class BatchMemoryTests: XCTestCase {
    /// glibc refuses an mmap threshold above half its heap size (32 MiB on 64-bit) and says so;
    /// a value it refused would leave the batch commands on the defaults without a word.
    func testGlibcTakesBothThresholds() throws {
        #if canImport(Glibc)
        // AddressSanitizer replaces glibc's allocator (its `mallopt` takes nothing and says so):
        // the thresholds are glibc's, so only the plain pass can check them.
        if TestEnvironment.underAddressSanitizer { throw XCTSkip("AddressSanitizer's allocator has no mallopt thresholds") }
        XCTAssertTrue(BatchMemory.keepFreedMemory())
        #else
        throw XCTSkip("the thresholds are glibc's")
        #endif
    }
}
