import Analysis
import XCTest
@testable import Report

final class OverlapTests: XCTestCase {
    func ref(_ d: Int, _ key: String) -> ImageRef { ImageRef(dataset: d, key: FileKey(key)) }

    func testTwoDatasets() {
        let groups = [[ref(0, "a1"), ref(1, "b1")], [ref(0, "a2"), ref(1, "b2"), ref(1, "b3")]]
        let o = DatasetOverlap(groups: groups, sizes: [5, 4])
        XCTAssertEqual(o.count(exactly: 0b11), 2)
        XCTAssertEqual(o.count(exactly: 0b01), 3, "5 images of A, 2 of them grouped")
        XCTAssertEqual(o.count(exactly: 0b10), 1, "4 images of B, 3 of them grouped")
        XCTAssertEqual(o.pairwiseOverlaps, [[5, 2], [2, 4]])
    }

    func testThreeDatasetsCountEachGroupInItsExactRegion() {
        let groups = [
            [ref(0, "a1"), ref(1, "b1")],
            [ref(0, "a2"), ref(2, "c1")],
            [ref(0, "a3"), ref(1, "b2"), ref(2, "c2")],
            [ref(1, "b3"), ref(2, "c3")],
            [ref(0, "a4"), ref(1, "b4")],
        ]
        let o = DatasetOverlap(groups: groups, sizes: [10, 8, 6])
        XCTAssertEqual(o.count(exactly: 0b011), 2)  // A∩B only
        XCTAssertEqual(o.count(exactly: 0b101), 1)  // A∩C only
        XCTAssertEqual(o.count(exactly: 0b110), 1)  // B∩C only
        XCTAssertEqual(o.count(exactly: 0b111), 1)
        XCTAssertEqual(o.count(exactly: 0b001), 6)  // 10 − a1..a4
        XCTAssertEqual(o.count(exactly: 0b010), 4)  // 8 − b1..b4
        XCTAssertEqual(o.count(exactly: 0b100), 3)  // 6 − c1..c3
        // Lenses count groups spanning at least the pair, triple included.
        XCTAssertEqual(o.count(atLeast: 0b011), 3)
        XCTAssertEqual(o.count(atLeast: 0b101), 2)
        XCTAssertEqual(o.count(atLeast: 0b110), 2)
        XCTAssertEqual(o.nonEmptyCombinations.map(\.mask), [0b011, 0b101, 0b110, 0b111])
    }

    func testLabelSpotsFallInsideTheirRegions() {
        let o = DatasetOverlap(groups: [[ref(0, "a"), ref(1, "b"), ref(2, "c")]], sizes: [400, 300, 300])
        let layout = VennGeometry.layout(sizes: o.sizes, overlaps: [[400, 120, 120], [120, 300, 120], [120, 120, 300]])
        let circles = layout.map { VennCircle(x: 400 + 10 * $0.x, y: 300 + 10 * $0.y, r: 10 * $0.r) }
        let spots = VennLabelSpots.find(circles: circles, width: 800, height: 700)
        XCTAssertEqual(Set(spots.keys), Set(1...7), "all seven regions exist at these overlaps")
        for (mask, spot) in spots {
            for (i, c) in circles.enumerated() {
                XCTAssertEqual(c.contains(spot.x, spot.y), mask & (1 << i) != 0, "region \(mask), circle \(i)")
            }
            XCTAssertGreaterThan(spot.depth, 0)
        }
    }
}
