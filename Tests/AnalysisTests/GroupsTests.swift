import XCTest
import HashKit
@testable import Analysis

final class GroupsTests: XCTestCase {
    func ref(_ d: Int, _ k: String) -> ImageRef { ImageRef(dataset: d, key: FileKey(k)) }

    func testConnectedComponentsAreSortedAndTransitive() {
        let pairs = [
            CrossPair(a: ref(0, "z.jpg"), b: ref(2, "q.jpg"), distance: 1, otherDistance: 2),
            CrossPair(a: ref(1, "m.jpg"), b: ref(2, "q.jpg"), distance: 3, otherDistance: 4),
            CrossPair(a: ref(0, "a.jpg"), b: ref(1, "b.jpg"), distance: 0, otherDistance: 0),
        ]
        let groups = CrossDatasetMatch.groups(of: pairs)
        XCTAssertEqual(groups, [
            [ref(0, "a.jpg"), ref(1, "b.jpg")],
            [ref(0, "z.jpg"), ref(1, "m.jpg"), ref(2, "q.jpg")],
        ])
    }

    func testNoPairsNoGroups() {
        XCTAssertEqual(CrossDatasetMatch.groups(of: []), [])
    }
}
