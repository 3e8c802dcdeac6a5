import XCTest
import Foundation
import HashKit
import HashStore
import CPUFallback
import Engines
import TestSupport
import Verification
@testable import Analysis

/// One analysis run from both kinds of source, on real files, the CPU engine and a real store:
/// folders through the indexer and, from the output that run wrote, hashes again; the same
/// pairs and verdicts either way.
final class AnalysisRunTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "crosshash-run-\(UUID().uuidString)"
        for (dataset, name, fixture) in [("a", "calla.jpg", "real/calla.jpg"), ("a", "city.png", "real/city.png"),
                                         ("b", "calla-copy.jpg", "real/calla.jpg"), ("b", "mouse.jpg", "real/the_mouse.jpg")] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(dataset)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: IndexerTests.fixtures.appendingPathComponent(fixture).path,
                                             toPath: "\(root)/\(dataset)/\(name)")
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    /// A run on the CPU whose report step only records what it was given.
    func analysisRun(verify: Bool, reports: Reports, warnings: Warnings = Warnings()) -> AnalysisRun {
        AnalysisRun(matcher: BruteForceMatcher(), device: CPUEngine().description, options: MatchOptions(),
                    verification: verify ? AnalysisRun.VerificationSettings() : nil, limits: DecodeLimits(), version: "test",
                    report: { result, out, store in reports.add(out: out, hasStore: store != nil, verified: result.verification?.merged.count) },
                    warn: { warnings.add($0) })
    }

    final class Reports: @unchecked Sendable {
        var written = [(out: String, hasStore: Bool, verified: Int?)]()
        func add(out: String, hasStore: Bool, verified: Int?) { written.append((out, hasStore, verified)) }
    }

    final class Warnings: @unchecked Sendable {
        var lines = [String]()
        func add(_ line: String) { lines.append(line) }
    }

    func testFoldersThenHashesOfTheOutputGiveTheSamePairsAndVerdicts() throws {
        let store = try HashStore(path: root + "/store.sqlite")
        defer { try? store.close() }
        let pipeline = HashPipeline(engine: CPUEngine(), mode: .inline, decoder: ImageDecoder(), workers: 2)
        let indexer = DatasetIndexer(store: store, pipeline: pipeline)
        let specs = ["a", "b"].map { DatasetSpec(name: $0, path: "\(root)/\($0)") }
        let reports = Reports()

        let indexed = try analysisRun(verify: true, reports: reports).run(.folders(specs, indexer), to: root + "/out", showProgress: false)
        let pair = try XCTUnwrap(indexed.matches(.phash).pairs.first)
        XCTAssertEqual([pair.a.key.display, pair.b.key.display], ["calla.jpg", "calla-copy.jpg"])
        XCTAssertEqual(indexed.verification?.merged.map { [$0.a, $0.b] }, [[pair.a, pair.b]], "the byte copy is verified")
        XCTAssertEqual(reports.written.map(\.hasStore), [true], "the indexer's store is the report's cache")
        XCTAssertEqual(reports.written.map(\.verified), [1], "the report sees the merged verdicts")
        for file in ["manifest.json", "perceptual_cross_duplicates.json", "verified_cross_duplicates.json", "a/perceptual_hashes.json"] {
            XCTAssert(FileManager.default.fileExists(atPath: "\(root)/out/\(file)"), file)
        }
        XCTAssertGreaterThan(indexed.timings.verify, 0)

        // The verdicts are kept in the store by content: with the pictures gone, the same
        // verdicts come back (a decode would fail), and without the store it is said why not.
        let copy = "\(root)/b/calla-copy.jpg", moved = "\(root)/calla-copy.jpg"
        try FileManager.default.moveItem(atPath: copy, toPath: moved)
        XCTAssertEqual(PairVerification.run(indexed, store: store).verdicts, indexed.verification?.verdicts)
        XCTAssert(PairVerification.run(indexed).verdicts.values.contains { $0.error != nil }, "without the store the file is needed")
        try FileManager.default.moveItem(atPath: moved, toPath: copy)

        // The same data from the output's dataset folders: nothing decoded but the two pictures
        // verified again, and no store opened (no source asks for one).
        let opener = StoreOpener { XCTFail("no store wanted"); return store }
        let sources = ["a", "b"].map { HashDataset(name: $0, sources: [.analysisFolder("\(root)/out/\($0)")]) }
        let loaded = try analysisRun(verify: true, reports: reports).run(.hashes(sources, opener), to: root + "/again", showProgress: false)
        XCTAssertEqual(Array(loaded.matches(.phash).pairs), Array(indexed.matches(.phash).pairs))
        XCTAssertEqual(loaded.verification?.merged, indexed.verification?.merged)
        XCTAssertEqual(reports.written.map(\.hasStore), [true, false])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: root + "/again/verified_cross_duplicates.json")),
                       try Data(contentsOf: URL(fileURLWithPath: root + "/out/verified_cross_duplicates.json")))
    }

    func testNoVerificationAndUnloadableDatasetsAreSaid() throws {
        let reports = Reports(), warnings = Warnings()
        let run = analysisRun(verify: false, reports: reports, warnings: warnings)
        let lines = "{\"file\": \"x.jpg\", \"phash\": \"00\"}\n"
        try Data(lines.utf8).write(to: URL(fileURLWithPath: root + "/short.jsonl"))
        let bad = HashDataset(name: "x", sources: [.jsonLines(root + "/short.jsonl")])
        XCTAssertThrowsError(try run.run(.hashes([bad], StoreOpener { throw HashFileError(path: "-", reason: "unused") }), to: root + "/bad")) { error in
            let load = error as? DatasetLoadError
            XCTAssertEqual(load?.dataset, "x")
            XCTAssert("\(error)".hasPrefix("dataset 'x': "), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/bad/manifest.json"), "nothing is written for a dataset that does not load")

        // A store: source with no store to open says so through the same error.
        let missing = HashDataset(name: "y", sources: [.store(dataset: "y")])
        XCTAssertThrowsError(try run.run(.hashes([missing], StoreOpener { throw HashFileError(path: "s.sqlite", reason: "no hash store here") }),
                                         to: root + "/bad")) { error in
            XCTAssert("\(error)".contains("no hash store here"), "\(error)")
        }

        let store = try HashStore(inMemory: ())
        let pipeline = HashPipeline(engine: CPUEngine(), mode: .inline, decoder: ImageDecoder(), workers: 2)
        let result = try run.run(.folders(["a", "b"].map { DatasetSpec(name: $0, path: "\(root)/\($0)") },
                                          DatasetIndexer(store: store, pipeline: pipeline)),
                                 to: root + "/plain", showProgress: false)
        XCTAssertNil(result.verification)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/plain/verified_cross_duplicates.json"))
        XCTAssertEqual(reports.written.map(\.verified), [nil])
        XCTAssertEqual(warnings.lines, [])
    }

    func testKeptVerdictsRoundTripExactly() {
        for reason in VerdictReason.allCases {
            for (similarity, worst) in [(0.0, 0.0), (0.987654321, 1e-300), (-1.0, .pi), (0.1 + 0.2, 7.25)] {
                let v = Verdict(verified: reason == .copy, similarity: similarity, worstRegion: worst, reason: reason)
                XCTAssertEqual(VerdictCache.decode(VerdictCache.encode(v)), v)
            }
        }
        XCTAssertNil(VerdictCache.decode([1, 2, 3]), "a short row is no verdict")
        XCTAssertNil(VerdictCache.decode([0] + [UInt8](repeating: 0, count: 16) + Array("nonsense".utf8)))
        let a = ContentDigest.of([1]), b = ContentDigest.of([2])
        XCTAssertNotEqual(VerdictCache.key(a, b), VerdictCache.key(b, a), "the pair's order is part of the key")
    }
}
