import XCTest
final class HashKitTestsPlaceholder: XCTestCase { func testBuilds() {} }
