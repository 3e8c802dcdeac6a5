import XCTest
import Foundation
import HashKit
import CPUFallback
import Engines
@testable import Service

/// A picture query's extras (PDQ, dihedral variants) come from the hashing pool's one decode:
/// real pictures through a real `HashingPool`, against the plain engine, `PDQ.hash` and
/// `CPUEngine.dihedral`, with an engine that counts what it is asked to hash.
final class PictureWantsPoolTests: XCTestCase {
    final class Counting: HashEngine, @unchecked Sendable {
        let inner = CPUEngine()
        let lock = NSLock()
        var images = 0
        var description: EngineDescription { inner.description }
        var preferredBatchPixels: Int { inner.preferredBatchPixels }
        func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
            lock.withLock { images += batch.count }
            return try inner.hash(batch)
        }
    }

    func testExtrasComeFromTheOneDecodeAndDihedralPicturesSkipTheEngine() async throws {
        let names = ["png/pillow_rgb.png", "png/gray8.png", "edge/square_64.png", "real/calla.jpg"]
        let files = try names.map(ServiceHarness.fixture)
        let broken = Array("not a picture".utf8)
        let cases: [(PictureWants, engineImages: Int)] = [
            (PictureWants(families: HashFamily.known, dihedral: true), 0),
            (PictureWants(families: [.phash], dihedral: true), 0),
            (PictureWants(families: HashFamily.known, dihedral: false), names.count),
        ]
        for (wants, expectedEngineImages) in cases {
            let engine = Counting()
            let engines = EngineSet(engine: engine, matcher: EngineSelection.cpu().matcher, mode: .inline, description: engine.description)
            let pool = HashingPool(engines: engines, limits: DecodeLimits(), workers: 2, capacity: 16)
            let results = try await pool.hash(files + [broken], wanting: wants)
            pool.shutdown()
            XCTAssertEqual(engine.images, expectedEngineImages, "\(wants.families) dihedral \(wants.dihedral)")
            XCTAssertEqual(pool.snapshot.imagesHashed, names.count, "every picture counts as hashed")
            for (name, (bytes, result)) in zip(names, zip(files, results)) {
                let image = try ImageDecoder().decode(data: bytes)
                XCTAssertEqual(result.hashed.digest, ContentDigest.of(bytes))
                XCTAssertEqual(result.hashed.outcome, .hashed(CPUEngine().hash(image), warnings: image.warnings), name)
                if wants.families.contains(.pdq) {
                    let pdq = try PDQ.hash(image)
                    XCTAssertEqual(result.extras.hashes[HashFamily.pdq.id], [pdq.hash.words[0], pdq.hash.words[1], pdq.hash.words[2], pdq.hash.words[3]], name)
                    XCTAssertEqual(result.extras.quality[HashFamily.pdq.id], pdq.quality, name)
                } else {
                    XCTAssertTrue(result.extras.hashes.isEmpty && result.extras.quality.isEmpty, name)
                }
                let expected = wants.dihedral ? try CPUEngine().dihedral(image, families: wants.families) : nil
                XCTAssertEqual(result.extras.variants, expected, name)
            }
            XCTAssertNotNil(results.last?.hashed.outcome.failure)
            XCTAssertNil(results.last?.extras.variants)
        }
    }
}
