import XCTest
import HashKit

final class SideCacheTests: XCTestCase {
    func testBuildsOncePerSideAndStartsOverPastCapacity() {
        let cache = SideCache<Int>(capacity: 2)
        var builds = 0
        func get(_ side: Int) -> Int { cache.value(for: side) { builds += 1; return $0 * 10 } }
        XCTAssertEqual(get(3), 30)
        XCTAssertEqual(get(3), 30)
        XCTAssertEqual(builds, 1, "a hit must not rebuild")
        XCTAssertEqual(get(4), 40)
        XCTAssertEqual(get(5), 50)  // full: the cache starts over, then holds 5
        XCTAssertEqual(builds, 3)
        XCTAssertEqual(get(3), 30)
        XCTAssertEqual(builds, 4, "3 was dropped when the cache started over")
    }
}
