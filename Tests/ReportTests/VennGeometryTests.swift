import XCTest
@testable import Report

final class VennGeometryTests: XCTestCase {
    /// Tolerance: 1% of the smaller circle's area (the bisection is far tighter; the bound says
    /// what the diagram promises).
    func assertLens(_ r1: Double, _ r2: Double, _ d: Double, equals overlap: Double, file: StaticString = #filePath, line: UInt = #line) {
        let small = Double.pi * min(r1, r2) * min(r1, r2)
        XCTAssertEqual(VennGeometry.lensArea(r1: r1, r2: r2, d: d), overlap, accuracy: 0.01 * small, file: file, line: line)
    }

    func testLensAreaOfKnownConfiguration() {
        // Two unit circles one radius apart: 2π/3 − √3/2 (textbook value).
        XCTAssertEqual(VennGeometry.lensArea(r1: 1, r2: 1, d: 1), 2 * Double.pi / 3 - 3.0.squareRoot() / 2, accuracy: 1e-12)
        XCTAssertEqual(VennGeometry.lensArea(r1: 1, r2: 2, d: 3), 0)
        XCTAssertEqual(VennGeometry.lensArea(r1: 1, r2: 2, d: 0.5), Double.pi, accuracy: 1e-12)
    }

    func testSolvedDistanceGivesRequestedOverlap() {
        for (a, b) in [(1864, 711), (1000, 1000), (863, 711), (50, 5000)] {
            let r1 = VennGeometry.radius(area: Double(a)), r2 = VennGeometry.radius(area: Double(b))
            for overlap in [1.0, 3, 10, 43, 200, Double(min(a, b)) * 0.9] where overlap < Double(min(a, b)) {
                let d = VennGeometry.distance(r1: r1, r2: r2, overlap: overlap)
                XCTAssertGreaterThan(d, abs(r1 - r2))
                XCTAssertLessThan(d, r1 + r2)
                assertLens(r1, r2, d, equals: overlap)
                // Far tighter than promised: bisection converges to double precision.
                XCTAssertEqual(VennGeometry.lensArea(r1: r1, r2: r2, d: d), overlap, accuracy: 1e-6 * Double(a + b))
            }
        }
    }

    func testDistanceFallsAsOverlapGrows() {
        let r1 = VennGeometry.radius(area: 1864), r2 = VennGeometry.radius(area: 863)
        var last = Double.infinity
        for overlap in [0.0, 1, 2, 5, 10, 40, 100, 400, 800, 863] {
            let d = VennGeometry.distance(r1: r1, r2: r2, overlap: overlap)
            XCTAssertLessThan(d, last, "overlap \(overlap)")
            last = d
        }
    }

    func testNoOverlapKeepsCirclesApart() {
        let r1 = 10.0, r2 = 4.0
        let d = VennGeometry.distance(r1: r1, r2: r2, overlap: 0)
        XCTAssertGreaterThan(d, r1 + r2)
        XCTAssertEqual(VennGeometry.lensArea(r1: r1, r2: r2, d: d), 0)
    }

    func testFullOverlapContainsSmallerCircle() {
        let r1 = VennGeometry.radius(area: 1000), r2 = VennGeometry.radius(area: 300)
        for overlap in [300.0, 450] {  // at and above the smaller area: clamped to containment
            let d = VennGeometry.distance(r1: r1, r2: r2, overlap: overlap)
            XCTAssertEqual(d, r1 - r2, accuracy: 1e-12)
            assertLens(r1, r2, d, equals: 300)
        }
        XCTAssertEqual(VennGeometry.distance(r1: 5, r2: 5, overlap: 1000), 0)
    }

    func testThreeCircleLayoutHonoursEveryPairwiseOverlap() {
        // The seed analysis' sizes and the overlaps of the benchmark corpus.
        let sizes = [1864, 863, 711]
        let overlaps = [[1864, 9, 43], [9, 863, 7], [43, 7, 711]]
        let c = VennGeometry.layout(sizes: sizes, overlaps: overlaps)
        XCTAssertEqual(c.count, 3)
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            XCTAssertEqual(c[i].area, Double(sizes[i]), accuracy: 1e-9)
            let d = ((c[i].x - c[j].x) * (c[i].x - c[j].x) + (c[i].y - c[j].y) * (c[i].y - c[j].y)).squareRoot()
            assertLens(c[i].r, c[j].r, d, equals: Double(overlaps[i][j]))
        }
        XCTAssertGreaterThan(c[2].y, 0, "the third circle goes below the first two")
    }

    func testImpossibleTriangleFallsBackOntoTheAxis() {
        // A and B share nothing, yet C lies inside both: no placement honours all three. C goes
        // on the axis keeping its distance to A exact.
        let sizes = [100, 100, 20]
        let overlaps = [[100, 0, 20], [0, 100, 20], [20, 20, 20]]
        let c = VennGeometry.layout(sizes: sizes, overlaps: overlaps)
        XCTAssertEqual(c.count, 3)
        for circle in c { XCTAssertTrue(circle.x.isFinite && circle.y.isFinite && circle.r.isFinite) }
        XCTAssertEqual(c[2].y, 0)
        let d02 = ((c[0].x - c[2].x) * (c[0].x - c[2].x) + (c[0].y - c[2].y) * (c[0].y - c[2].y)).squareRoot()
        XCTAssertEqual(d02, VennGeometry.distance(r1: c[0].r, r2: c[2].r, overlap: 20), accuracy: 1e-9)
        XCTAssertGreaterThan(c[2].x, 0, "the side towards B keeps C nearer to B")
    }

    func testSingleAndEmptyLayouts() {
        XCTAssertEqual(VennGeometry.layout(sizes: [], overlaps: []), [])
        let one = VennGeometry.layout(sizes: [314], overlaps: [[314]])
        XCTAssertEqual(one.count, 1)
        XCTAssertEqual(one[0].area, 314, accuracy: 1e-9)
    }
}
