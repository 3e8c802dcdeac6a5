import XCTest
import TestSupport
import HashKit
import Verification
import JSONFiles
@testable import Analysis

/// Verification only adds to the raw pairs: members, order, groups and the seed's fields stay.
final class PairVerificationTests: XCTestCase {
    func dataset(_ name: String, _ items: [(String, UInt64, UInt64)]) -> DatasetResult {
        DatasetResult(spec: DatasetSpec(name: name, path: "/nonexistent/" + name), keys: items.map { FileKey($0.0) },
                      hashes: items.map { ImageHashes(phash: $0.1, blockmean: Hash256(words: SIMD4($0.2, 0, 0, 0))) }, issues: [])
    }

    func result() throws -> AnalysisResult {
        let a = dataset("A", [("a1", 0b0000, 0xFF), ("a2", 0xFFFF_0000, 0), ("a3", 0b0001, 0xFF)])
        let b = dataset("B", [("b1", 0b0011, 0xF0)])
        let c = dataset("C", [("c1", 0xFFFF_0001, 1)])
        let options = MatchOptions(thresholds: [HashFamily.phash.id: 2, HashFamily.blockmean.id: 4])
        let matches = try CrossDatasetMatch.run([a, b, c], options: options, matcher: BruteForceMatcher())
        return AnalysisResult(datasets: [a, b, c], matches: matches, device: EngineDescription(kind: "cpu", name: "test"),
                              timings: StageTimings())
    }

    func ref(_ d: Int, _ k: String) -> ImageRef { ImageRef(dataset: d, key: FileKey(k)) }

    func testVerdictsOnlyAddFieldsAndVerifiedGroups() throws {
        var r = try result()
        let verified = PairKey(ref(0, "a3"), ref(1, "b1"))
        var verdicts = [PairKey: Verdict]()
        for m in r.allMatches { for p in m.pairs {
            let key = PairKey(p.a, p.b)
            verdicts[key] = Verdict(verified: key == verified, similarity: key == verified ? 0.99 : 0.5, worstRegion: 0,
                                    reason: key == verified ? .copy : .different)
        } }
        let pv = PairVerdicts(verdicts: verdicts, candidates: verdicts.count, of: r)
        for m in r.allMatches {
            let raw = AnalysisJSON.crossDuplicates(m, r.datasets)
            let judged = AnalysisJSON.crossDuplicates(m, r.datasets, verdicts: pv)
            let rawPairs = try XCTUnwrap(raw["pairs"]?.arrayValue), judgedPairs = try XCTUnwrap(judged["pairs"]?.arrayValue)
            XCTAssertFalse(rawPairs.isEmpty)
            XCTAssertEqual(rawPairs.count, judgedPairs.count)
            for (x, y) in zip(rawPairs, judgedPairs) {
                let fields = try XCTUnwrap(y.objectPairs)
                let kept = JSONValue.object(fields.filter { !["verified", "similarity"].contains(String(decoding: $0.0, as: UTF8.self)) })
                XCTAssertEqual(kept, x, "the seed's fields, unchanged")
                XCTAssertEqual(fields.count, try XCTUnwrap(x.objectPairs).count + 2)
                XCTAssertNotNil(y["verified"])
            }
            XCTAssertEqual(raw["groups"], judged["groups"])
            XCTAssertNil(raw["verified_groups"])
            let vg = try XCTUnwrap(judged["verified_groups"]?.arrayValue)
            let verifiedInFamily = m.pairs.contains { PairKey($0.a, $0.b) == verified }
            XCTAssertEqual(vg.count, verifiedInFamily ? 1 : 0, "\(m.family.id)")
        }
        // One merged row per verified image pair, with the distance under every family.
        r.verification = pv
        let merged = pv.merged
        XCTAssertEqual(merged.map { "\($0.a.key) \($0.b.key)" }, ["a3 b1"])
        XCTAssertEqual(merged.first?.distances[HashFamily.phash.id], 1)
        XCTAssertEqual(merged.first?.distances[HashFamily.blockmean.id], 4)
        let file = AnalysisJSON.verifiedDuplicates(r, pv)
        XCTAssertEqual(file["pairs"]?.arrayValue?.count, 1)
        XCTAssertEqual(file["rejected"]?["different"]?.intValue, verdicts.count - 1)
    }

    /// --candidate-radius: pairs within a looser radius become extra candidates; a verified one
    /// joins the merged rows with its distances from the hashes; the raw pairs do not change.
    func testLooserCandidatesJoinOnlyTheVerifiedRows() throws {
        var r = try result()
        let raw = Set(r.allMatches.flatMap { $0.pairs.map { PairKey($0.a, $0.b) } })
        let extra = try XCTUnwrap(PairVerification.looserCandidates(r, radii: [HashFamily.phash.id: 20], matcher: BruteForceMatcher()))
        let wider = try CrossDatasetMatch(matcher: BruteForceMatcher()).run(r.datasets, family: .phash, other: .blockmean, threshold: 20)
        XCTAssertEqual(Set(extra), Set(wider.pairs.map { PairKey($0.a, $0.b) }))
        let onlyLooser = Set(extra).subtracting(raw)
        XCTAssertFalse(onlyLooser.isEmpty, "the looser radius finds pairs the thresholds do not")
        XCTAssertNil(try PairVerification.looserCandidates(r, radii: [HashFamily.phash.id: 20], matcher: BruteForceMatcher(),
                                                           maxCandidates: extra.count - 1), "too many: nil")
        XCTAssertNotNil(PairVerification.run(r, extra: nil).skipped)

        let run = PairVerification.run(r, extra: extra)
        XCTAssertEqual(run.candidates, raw.union(extra).count)
        // One looser pair judged a copy (the files do not exist, so the verdict is made up here).
        let chosen = try XCTUnwrap(onlyLooser.sorted { ($0.first, $0.second) < ($1.first, $1.second) }.first)
        var verdicts = run.verdicts
        verdicts[chosen] = Verdict(verified: true, similarity: 0.97, worstRegion: 0, reason: .copy)
        let pv = PairVerdicts(verdicts: verdicts, candidates: run.candidates, of: r)
        r.verification = pv
        let rows = pv.merged
        XCTAssertEqual(rows.map { PairKey($0.a, $0.b) }, [chosen])
        let da = r.datasets[chosen.first.dataset], db = r.datasets[chosen.second.dataset]
        let ha = da.hashes[try XCTUnwrap(da.index(of: chosen.first.key))], hb = db.hashes[try XCTUnwrap(db.index(of: chosen.second.key))]
        XCTAssertEqual(rows.first?.distances[HashFamily.phash.id], Hamming.distance(ha.phash, hb.phash))
        for m in r.allMatches {
            XCTAssertEqual(AnalysisJSON.crossDuplicates(m, r.datasets, verdicts: pv)["pairs"]?.arrayValue?.count, m.pairs.count,
                           "raw pairs unchanged")
        }
    }

    func testUnreadableImagesAreNotVerifiedAndTooManyCandidatesSkip() throws {
        let r = try result()
        let candidates = Set(r.allMatches.flatMap { $0.pairs.map { PairKey($0.a, $0.b) } })
        let run = PairVerification.run(r)
        XCTAssertNil(run.skipped)
        XCTAssertEqual(run.candidates, candidates.count)
        XCTAssertEqual(Set(run.verdicts.keys), candidates)
        XCTAssertTrue(run.verdicts.values.allSatisfy { !$0.verified && $0.error != nil }, "files that do not exist: errors, no verdicts of copy")

        let skipped = PairVerification.run(r, maxCandidates: candidates.count - 1)
        XCTAssertNotNil(skipped.skipped)
        XCTAssertTrue(skipped.verdicts.isEmpty)
        let tooManyImages = PairVerification.run(r, maxImages: 2)
        XCTAssertNotNil(tooManyImages.skipped)
        // A skipped run adds nothing to the raw pairs.
        for m in r.allMatches {
            XCTAssertEqual(AnalysisJSON.crossDuplicates(m, r.datasets, verdicts: skipped), AnalysisJSON.crossDuplicates(m, r.datasets))
        }
    }
}
