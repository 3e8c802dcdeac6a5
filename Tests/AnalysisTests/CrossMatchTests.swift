import XCTest
import TestSupport
import HashKit
@testable import Analysis

final class CrossMatchTests: XCTestCase {
    func dataset(_ name: String, _ items: [(String, UInt64, UInt64)]) -> DatasetResult {
        DatasetResult(spec: DatasetSpec(name: name, path: "/x/" + name), keys: items.map { FileKey($0.0) },
                      hashes: items.map { ImageHashes(phash: $0.1, blockmean: Hash256(words: SIMD4($0.2, 0, 0, 0))) }, issues: [])
    }

    func testPairsOtherDistanceNearestAndWithin() throws {
        let a = dataset("A", [("a1", 0b0000, 0xFF), ("a2", 0xFFFF_0000, 0), ("a3", 0b0001, 0xFF)])
        let b = dataset("B", [("b1", 0b0011, 0xF0)])
        let c = dataset("C", [("c1", 0xFFFF_0001, 1)])
        let run = CrossDatasetMatch(matcher: BruteForceMatcher(), within: true)
        let r = try run.run([a, b, c], family: .phash, other: .blockmean, threshold: 2)

        let flat = r.pairs.map { "\($0.a.dataset):\($0.a.key) \($0.b.dataset):\($0.b.key) \($0.distance) \($0.otherDistance)" }
        // Sorted by (dataset a, dataset b, a.file, b.file).
        XCTAssertEqual(flat, ["0:a1 1:b1 2 4", "0:a3 1:b1 1 4", "0:a2 2:c1 1 1"])
        XCTAssertEqual(r.groups.map { $0.map(\.key.display) }, [["a1", "a3", "b1"], ["a2", "c1"]])
        // a1: 2 to b1, 17 to c1 -> 2; b1: min over A and C.
        XCTAssertEqual(r.nearestOtherDistance, [2, 1, 1, 1, 1])
        XCTAssertEqual(r.within?.map { "\($0.a.key)-\($0.b.key) \($0.distance)" }, ["a1-a3 1"])
    }

    func testSingleDatasetHasNoPairsAndNoNearest() throws {
        let r = try CrossDatasetMatch(matcher: BruteForceMatcher()).run([dataset("A", [("a", 1, 1)])], family: .blockmean, other: .phash, threshold: 8)
        XCTAssertTrue(r.pairs.isEmpty)
        XCTAssertNil(r.within)
        XCTAssertEqual(r.nearestOtherDistance, [nil])
    }
}
