import Foundation
import HashKit
import TestSupport
import XCTest
@testable import Verification

/// The measure on synthetic pairs: what collections do to a copy must verify; flat, blank,
/// striped and same-layout-different-content pictures must not.
final class MeasureTests: XCTestCase {
    let measure = Measure()
    let source = RGBImage.scene(seed: 7)

    func verdict(_ a: DecodedImage, _ b: DecodedImage) -> Verdict {
        measure.compare(Signature(a), Signature(b))
    }

    func assertCopy(_ copy: DecodedImage, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let v = verdict(source.decoded, copy)
        XCTAssertTrue(v.verified, "\(what): \(v)", file: file, line: line)
        XCTAssertEqual(v.reason, .copy, what, file: file, line: line)
        // The measure is symmetric in what it accepts.
        XCTAssertTrue(verdict(copy, source.decoded).verified, "\(what), reversed", file: file, line: line)
    }

    func assertRejected(_ a: DecodedImage, _ b: DecodedImage, _ what: String, reasons: Set<VerdictReason>,
                        file: StaticString = #filePath, line: UInt = #line) {
        let v = verdict(a, b)
        XCTAssertFalse(v.verified, "\(what): \(v)", file: file, line: line)
        XCTAssertTrue(reasons.contains(v.reason), "\(what): \(v.reason), expected one of \(reasons)", file: file, line: line)
    }

    func testReencodedCopyVerifies() throws {
        assertCopy(try source.reencoded(quality: 70), "JPEG q70")
    }

    func testResizedCopyVerifies() throws {
        assertCopy(try source.resized(300, 225).reencoded(quality: 85), "resized to 62%")
        assertCopy(source.resized(150, 112).decoded, "resized to 31%")
    }

    func testCroppedCopyVerifies() throws {
        assertCopy(try source.cropped(0.03).reencoded(quality: 85), "cropped 3% per side")
        assertCopy(source.cropped(0.015).resized(400, 292).decoded, "cropped 1.5% and resized")
    }

    func testTonedCopyVerifies() throws {
        assertCopy(try source.toned(brightness: 1.08, contrast: 0.92).reencoded(quality: 85), "brighter, less contrast")
        assertCopy(source.toned(brightness: 0.9, contrast: 1.1).decoded, "darker, more contrast")
    }

    func testGreyedCopyVerifies() throws {
        assertCopy(try source.greyed().reencoded(quality: 85), "greyed")
        let grey = source.greyed().decoded
        let oneChannel = DecodedImage(width: grey.width, height: grey.height, layout: .gray,
                                      pixels: stride(from: 0, to: grey.pixels.count, by: 3).map { grey.pixels[$0] })
        assertCopy(oneChannel, "one-channel grey")
    }

    func testFlatAndBlankImagesNeverVerifyUnlessIdentical() {
        let flat = RGBImage(width: 200, height: 150) { _, _ in (120, 120, 120) }
        let flat2 = RGBImage(width: 220, height: 160) { _, _ in (123, 121, 119) }
        assertRejected(flat.decoded, flat2.decoded, "two flat greys", reasons: [.lowInformation])
        var rng = SplitMix64(seed: 3)
        let blank = RGBImage(width: 300, height: 200) { _, _ in (255, 255, 255) }
        let scanned = RGBImage(width: 300, height: 200) { _, _ in let n = rng.unit() * 4; return (251 + n, 251 + n, 251 + n) }
        assertRejected(blank.decoded, scanned.decoded, "blank page and a noisy blank scan", reasons: [.lowInformation])
        // A smooth sky: a gradient of a few levels.
        let sky = RGBImage(width: 300, height: 200) { _, y in (90 + Float(y) / 40, 110 + Float(y) / 40, 160) }
        let sky2 = RGBImage(width: 300, height: 200) { _, y in (60 + Float(y) / 40, 70 + Float(y) / 40, 130) }
        assertRejected(sky.decoded, sky2.decoded, "two skies", reasons: [.lowInformation])
        // Flat, but the very same pixels: identical.
        let v = verdict(flat.decoded, flat.decoded)
        XCTAssertTrue(v.verified)
        XCTAssertEqual(v.reason, .identical)
        XCTAssertEqual(v.similarity, 1)
    }

    func testStripesDoNotVerify() {
        func stripes(period: Int, phase: Int, colour: (Float, Float, Float)) -> DecodedImage {
            RGBImage(width: 320, height: 240) { _, y in ((y + phase) / (period / 2)) % 2 == 0 ? colour : (250, 250, 250) }.decoded
        }
        let a = stripes(period: 32, phase: 0, colour: (20, 20, 20))
        assertRejected(a, stripes(period: 32, phase: 16, colour: (20, 20, 20)), "stripes half a period apart", reasons: [.different])
        assertRejected(a, stripes(period: 24, phase: 0, colour: (20, 20, 20)), "stripes of another period",
                       reasons: [.different, .localDifference])
        assertRejected(a, stripes(period: 32, phase: 0, colour: (200, 30, 30)), "the same stripes in red",
                       reasons: [.tone, .colour])
    }

    func testSameLayoutDifferentContentDoesNotVerify() throws {
        // Flags of one layout (three bands) that differ only in the central emblem.
        func flag(emblem: Bool) -> RGBImage {
            RGBImage(width: 360, height: 240) { x, y in
                let dx = Float(x - 180), dy = Float(y - 120)
                if emblem, dx * dx + dy * dy < 30 * 30 { return (250, 210, 0) }
                return x < 120 ? (0, 85, 164) : x < 240 ? (255, 255, 255) : (239, 65, 53)
            }
        }
        assertRejected(flag(emblem: false).decoded, try flag(emblem: true).reencoded(quality: 85), "flag with and without emblem",
                       reasons: [.localDifference])
        // A picture with another picture in a centred box (a sign, another dialog text): 15% of each side.
        assertRejected(source.decoded, try source.withPatch(0.15, seed: 99).reencoded(quality: 85), "a region replaced",
                       reasons: [.localDifference, .different])
        // Another picture altogether.
        assertRejected(source.decoded, RGBImage.scene(seed: 8).decoded, "another scene", reasons: [.different, .localDifference])
    }

    func testSameDesignInOtherColoursDoesNotVerify() {
        assertRejected(source.decoded, source.recoloured().decoded, "recoloured", reasons: [.colour])
        // ...but its grey copy does: grey pictures carry no colour to compare.
        XCTAssertTrue(verdict(source.greyed().decoded, source.recoloured().decoded).verified)
    }

    func testVerifierDecodesFilesOnceAndKeepsCandidateOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files: [(String, [UInt8])] = [
            ("a.jpg", source.jpeg(quality: 90)),
            ("b.jpg", source.cropped(0.02).resized(420, 312).jpeg(quality: 80)),
            ("c.jpg", RGBImage.scene(seed: 11).jpeg()),
            ("broken.jpg", Array(source.jpeg().prefix(40))),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
        let paths = files.map { Array(dir.appendingPathComponent($0.0).path.utf8) }
        let verdicts = Verifier().verify(candidates: [CandidatePair(a: 0, b: 1), CandidatePair(a: 0, b: 2), CandidatePair(a: 3, b: 0)],
                                         images: paths)
        XCTAssertEqual(verdicts.map(\.verified), [true, false, false])
        XCTAssertNil(verdicts[0].error)
        XCTAssertGreaterThan(verdicts[0].similarity, 0.97)
        XCTAssertNotNil(verdicts[2].error, "a file that does not decode gives an error, not a crash")
    }

    /// The verifier decodes the largest files first (a scheduling choice): each verdict must
    /// still be its own pair's, and every picture is seen once with its own pixels.
    func testVerdictsDoNotDependOnTheDecodeOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verify-order-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Files growing with their index; the smallest is used first, the largest last.
        let files: [(String, [UInt8])] = [
            ("small.jpg", source.resized(240, 180).jpeg(quality: 60)),
            ("copy.jpg", source.cropped(0.02).resized(420, 312).jpeg(quality: 80)),
            ("other.jpg", RGBImage.scene(seed: 11).jpeg(quality: 90)),
            ("big.jpg", RGBImage.scene(seed: 7, width: 1200, height: 900).jpeg(quality: 95)),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
        let paths = files.map { Array(dir.appendingPathComponent($0.0).path.utf8) }
        let sizes = files.map(\.1.count)
        XCTAssertEqual(sizes, sizes.sorted(), "the fixture's files grow with their index")
        let candidates = [CandidatePair(a: 0, b: 2), CandidatePair(a: 0, b: 1), CandidatePair(a: 1, b: 3), CandidatePair(a: 2, b: 3)]
        let seen = Seen()
        let verdicts = Verifier().verify(candidates: candidates, files: paths.map { .path($0) }, decoded: { i, image in
            seen.add(i, image.width)
        })
        // Each pair alone: nothing else decoded, nothing to mix up.
        let alone = candidates.map { Verifier().verify(candidates: [$0], images: paths)[0] }
        XCTAssertEqual(verdicts, alone)
        XCTAssertEqual(verdicts[0].verified, false, "another scene")
        XCTAssertEqual(verdicts[1].verified, true, "a copy")
        let decoder = ImageDecoder()
        let widths = try paths.map { try decoder.decodePreview(.path($0), minSide: Verifier.previewSide).width }
        XCTAssertEqual(seen.all, widths.enumerated().map { [$0.offset, $0.element] })
    }
}

/// The pictures a verifier reported decoding, from any thread: (index, width), by index.
private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var items = [[Int]]()
    func add(_ i: Int, _ width: Int) { lock.lock(); items.append([i, width]); lock.unlock() }
    var all: [[Int]] { lock.lock(); defer { lock.unlock() }; return items.sorted { $0[0] < $1[0] } }
}
