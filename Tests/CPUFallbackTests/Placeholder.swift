import XCTest
final class CPUFallbackTestsPlaceholder: XCTestCase { func testBuilds() {} }
