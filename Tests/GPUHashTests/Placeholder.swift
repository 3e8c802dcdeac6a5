import XCTest
final class GPUHashTestsPlaceholder: XCTestCase { func testBuilds() {} }
