import XCTest
import TestSupport
import HashKit
import CPUFallback
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

    /// `--dihedral`: a's variants against b's plain hashes; a pair keeps the smallest distance
    /// and the first variant in `Dihedral` order that reaches it; the other family's distance is
    /// taken under that same variant; nearest distances are the smallest over the variants.
    func testDihedralPairsTakeTheFirstClosestVariant() throws {
        let far: UInt64 = 0xFFFF_FFFF
        func variants(_ phash: [UInt64], _ blockmean: [UInt64]) -> DihedralHashes {
            DihedralHashes(variants: [HashFamily.phash.id: phash.map { [$0] }, HashFamily.blockmean.id: blockmean.map { [$0, 0, 0, 0] }])
        }
        var a = dataset("A", [("a1", far, 0), ("a2", far, 0)])
        // a1: flip_h at 1, flip_v and rot90 both at 0 -> flip_v; its blockmean flip_v variant is 2 bits off.
        a.variants = [variants([far, 0b1, 0, 0, far, far, far, far], [0, 0, 0b11, 0, 0, 0, 0, 0]),
                      variants([far, far, far, far, far, 0xFF, far, far], [0, 0, 0, 0, 0, 0, 0, 0])]
        let b = dataset("B", [("b1", 0, 0)])
        // Every matcher, the multi-index one with either side indexed too, gives the same.
        let matchers: [Matcher] = [BruteForceMatcher(), IndexedMatcher(strategy: .indexed(indexA: false)),
                                   IndexedMatcher(strategy: .indexed(indexA: true))]
        for matcher in matchers {
            var run = CrossDatasetMatch(matcher: matcher)
            run.dihedral = true
            let r = try run.run([a, b], family: .phash, other: .blockmean, threshold: 2)
            XCTAssertEqual(r.pairs.map { "\($0.a.key) \($0.b.key) \($0.distance) \($0.otherDistance) \($0.transform?.name ?? "-")" },
                           ["a1 b1 0 2 flip_v"], "\(type(of: matcher))")
            // a2's nearest is its rot270 variant (8 bits); b1's nearest is a1's flip_v.
            XCTAssertEqual(r.nearestOtherDistance, [0, 8, 0], "\(type(of: matcher))")
        }
        // Without --dihedral: the plain hashes, far apart, and no transform.
        let plain = try CrossDatasetMatch(matcher: BruteForceMatcher()).run([a, b], family: .phash, other: .blockmean, threshold: 2)
        XCTAssertTrue(plain.pairs.isEmpty)
    }

    func testSingleDatasetHasNoPairsAndNoNearest() throws {
        let r = try CrossDatasetMatch(matcher: BruteForceMatcher()).run([dataset("A", [("a", 1, 1)])], family: .blockmean, other: .phash, threshold: 8)
        XCTAssertTrue(r.pairs.isEmpty)
        XCTAssertNil(r.within)
        XCTAssertEqual(r.nearestOtherDistance, [nil])
    }
}
