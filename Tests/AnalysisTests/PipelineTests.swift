import XCTest
import Foundation
import HashKit
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
    let decode: HashPipeline.Decode = { path in
        let text = String(decoding: path, as: UTF8.self)
        guard let n = Int(text) else { throw DecodeError.notAnImage(startsWith: text) }
        return DecodedImage(width: n, height: 1, layout: .gray, pixels: [UInt8](repeating: UInt8(n % 256), count: n))
    }

    func paths(_ names: [String]) -> [[UInt8]] { names.map { Array($0.utf8) } }

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
        let pipeline = HashPipeline(decode: decode, engine: SumEngine(), mode: .inline, workers: 4)
        check(pipeline.run(paths: paths(names)), names)
        XCTAssertEqual(pipeline.stats.images, names.count)
    }

    func testBatchedModeFormsBoundedBatchesInOrder() {
        let names = (1...200).map { $0 % 23 == 0 ? "bad\($0)" : String($0) }
        let engine = SumEngine(batchPixels: 500)
        let pipeline = HashPipeline(decode: decode, engine: engine, mode: .batched, workers: 3)
        check(pipeline.run(paths: paths(names)), names)
        XCTAssertGreaterThan(engine.batchSizes.count, 1, "the queue must split work into batches")
        XCTAssertEqual(engine.batchSizes.reduce(0, +), names.filter { Int($0) != nil }.count)
    }

    func testFailingEngineFallsBackWithoutLosingResults() {
        let names = (1...50).map(String.init)
        let pipeline = HashPipeline(decode: decode, engine: SumEngine(failing: true), fallback: SumEngine(),
                                    mode: .batched, workers: 2)
        check(pipeline.run(paths: paths(names)), names)
        XCTAssertNotNil(pipeline.engineFailure)
    }

    func testFailingEngineWithoutFallbackReportsEveryFile() {
        let pipeline = HashPipeline(decode: decode, engine: SumEngine(failing: true), mode: .inline, workers: 2)
        let outcomes = pipeline.run(paths: paths(["1", "2"]))
        for o in outcomes {
            guard case .failed(let m) = o else { return XCTFail("expected failure") }
            XCTAssertTrue(m.hasPrefix("hashing failed"))
        }
    }
}
