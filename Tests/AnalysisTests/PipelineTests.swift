import XCTest
import Foundation
import HashKit
import CPUFallback
import Engines
@testable import Analysis

/// A stand-in engine whose "hash" is a pure function of the pixels, so ordering mistakes show.
final class SumEngine: HashEngine {
    let failing: Bool
    let batchPixels: Int
    private let lock = NSLock()
    private(set) var batchSizes = [Int]()

    init(failing: Bool = false, batchPixels: Int = 1000) {
        self.failing = failing
        self.batchPixels = batchPixels
    }

    var description: EngineDescription { EngineDescription(kind: "test", name: "sum") }
    var preferredBatchPixels: Int { batchPixels }

    struct Boom: Error {}

    func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
        lock.lock()
        batchSizes.append(batch.count)
        lock.unlock()
        if failing { throw Boom() }
        return batch.map { img in
            ImageHashes(phash: UInt64(img.pixels.reduce(0) { $0 + Int($1) }), blockmean: Hash256(words: SIMD4(UInt64(img.width), 0, 0, 0)))
        }
    }
}

final class PipelineTests: XCTestCase {
    /// Paths "n" decode to an n x 1 grey image of value n; "bad" fails.
    static func decode(_ text: String) -> Intake {
        guard let n = Int(text) else { return .done(.failed("\(DecodeError.notAnImage(startsWith: text))")) }
        return .image(DecodedImage(width: n, height: 1, layout: .gray, pixels: [UInt8](repeating: UInt8(n % 256), count: n)))
    }

    func run(_ pipeline: HashPipeline, _ names: [String]) -> [FileOutcome] {
        pipeline.run(count: names.count) { Self.decode(names[$0]) }
    }

    func pipeline(_ engine: HashEngine, _ mode: PipelineMode, workers: Int) -> HashPipeline {
        HashPipeline(engine: engine, mode: mode, decoder: ImageDecoder(), workers: workers)
    }

    func check(_ outcomes: [FileOutcome], _ names: [String]) {
        XCTAssertEqual(outcomes.count, names.count)
        for (o, name) in zip(outcomes, names) {
            switch (o, Int(name)) {
            case (.hashed(let h, _), let n?):
                XCTAssertEqual(h.phash, UInt64(n * (n % 256)), name)
                XCTAssertEqual(h.blockmean.words[0], UInt64(n), name)
            case (.failed(let message), nil):
                XCTAssertTrue(message.contains("not an image"), message)
            default:
                XCTFail("\(name): unexpected \(o)")
            }
        }
    }

    func testInlineModeKeepsInputOrderAndReportsFailures() {
        let names = (1...300).map { $0 % 17 == 0 ? "bad\($0)" : String($0) }
        let pipeline = pipeline(SumEngine(), .inline, workers: 4)
        check(run(pipeline, names), names)
        XCTAssertEqual(pipeline.stats.images, names.count)
    }

    func testBatchedModeFormsBoundedBatchesInOrder() {
        let names = (1...200).map { $0 % 23 == 0 ? "bad\($0)" : String($0) }
        let engine = SumEngine(batchPixels: 500)
        let pipeline = pipeline(engine, .batched, workers: 3)
        check(run(pipeline, names), names)
        XCTAssertGreaterThan(engine.batchSizes.count, 1, "the queue must split work into batches")
        XCTAssertEqual(engine.batchSizes.reduce(0, +), names.filter { Int($0) != nil }.count)
    }

    func testFailingEngineFallsBackWithoutLosingResults() {
        let names = (1...50).map(String.init)
        let pipeline = pipeline(FallbackEngine(device: SumEngine(failing: true), cpu: SumEngine()), .batched, workers: 2)
        check(run(pipeline, names), names)
        XCTAssertEqual(pipeline.engineFailure, "Boom()")
    }

    func testFailingEngineWithoutFallbackReportsEveryFile() {
        let pipeline = pipeline(SumEngine(failing: true), .inline, workers: 2)
        let outcomes = run(pipeline, ["1", "2"])
        for o in outcomes {
            guard case .failed(let m) = o else { return XCTFail("expected failure") }
            XCTAssertTrue(m.hasPrefix("hashing failed"))
        }
    }

    /// Paths are read and decoded by the pipeline's decoder under its limits; results in input
    /// order, equal to the CPU engine's on the same pictures.
    func testPathsAreDecodedUnderThePipelinesLimits() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/images/real")
        let names = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).sorted()
        XCTAssertFalse(names.isEmpty)
        let paths = names.map { Array(fixtures.appendingPathComponent($0).path.utf8) } + [Array("/nonexistent/x.png".utf8)]
        let outcomes = pipeline(CPUEngine(), .batched, workers: 2).run(paths: paths)
        XCTAssertEqual(outcomes.count, paths.count)
        for (name, outcome) in zip(names, outcomes) {
            let image = try ImageDecoder().decode(path: fixtures.appendingPathComponent(name).path)
            XCTAssertEqual(outcome, .hashed(try CPUEngine().hash([image])[0], warnings: image.warnings), name)
        }
        XCTAssertNotNil(outcomes.last?.failure)
        // One pixel allowed: every picture is refused from its header.
        let tight = HashPipeline(engine: CPUEngine(), mode: .inline, decoder: ImageDecoder(limits: DecodeLimits(maxPixels: 1)), workers: 2)
        XCTAssertTrue(tight.run(paths: paths).allSatisfy { $0.failure != nil })
    }
}
