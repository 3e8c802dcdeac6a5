import CPUFallback
import HashKit
import XCTest
@testable import GPUHash

final class OpenCLEngineTests: XCTestCase {
    // MARK: images

    private func noise(_ w: Int, _ h: Int, _ layout: DecodedImage.Layout, seed: UInt64) -> DecodedImage {
        var rng = SplitMix64(seed: seed)
        let n = w * h * layout.channels
        var pixels = [UInt8](repeating: 0, count: n)
        var i = 0
        while i < n {
            var r = rng.next()
            for _ in 0..<8 where i < n { pixels[i] = UInt8(truncatingIfNeeded: r); r >>= 8; i += 1 }
        }
        return DecodedImage(width: w, height: h, layout: layout, pixels: pixels)
    }

    /// Smooth content with a few edges: the kind of image where DCT ties and rounding matter.
    private func smooth(_ w: Int, _ h: Int, _ layout: DecodedImage.Layout, seed: UInt64) -> DecodedImage {
        var rng = SplitMix64(seed: seed)
        let a = Int(rng.next() % 7) + 1, b = Int(rng.next() % 5) + 1, c = Int(rng.next() % 256)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(w * h * layout.channels)
        for y in 0..<h {
            for x in 0..<w {
                for ch in 0..<layout.channels {
                    let edge = (x * 3 > w * (ch + 1) / 2) != (y * 2 > h) ? 60 : 0
                    pixels.append(UInt8(truncatingIfNeeded: (a * x * 255 / max(w, 1) + b * y + c + edge + 40 * ch) % 256))
                }
            }
        }
        return DecodedImage(width: w, height: h, layout: layout, pixels: pixels)
    }

    private func solid(_ w: Int, _ h: Int, _ rgb: [UInt8]) -> DecodedImage {
        let layout: DecodedImage.Layout = rgb.count == 1 ? .gray : .rgb
        return DecodedImage(width: w, height: h, layout: layout,
                            pixels: Array((0..<(w * h)).map { _ in rgb }.joined()))
    }

    private static let sizes: [(Int, Int)] = [
        (1, 1), (1, 2), (2, 1), (3, 3), (7, 5), (31, 32), (32, 32), (32, 31), (33, 33), (32, 100),
        (100, 32), (31, 200), (200, 31), (1, 300), (300, 1), (40, 60), (97, 61), (100, 37),
        (255, 257), (256, 256), (512, 512), (40, 500), (500, 40), (640, 480), (5000, 40), (40, 5000),
    ]

    private func check(_ engine: OpenCLEngine, _ images: [DecodedImage], file: StaticString = #filePath, line: UInt = #line) throws {
        let got = try engine.hash(images)
        XCTAssertEqual(got.count, images.count, file: file, line: line)
        for (image, hashes) in zip(images, got) {
            let expected = ReferenceHasher.hash(image)
            XCTAssertEqual(HashFamily.phash.hex(of: hashes), HashFamily.phash.hex(of: expected),
                           "phash of \(image.width)x\(image.height) \(image.layout)", file: file, line: line)
            XCTAssertEqual(HashFamily.blockmean.hex(of: hashes), HashFamily.blockmean.hex(of: expected),
                           "blockmean of \(image.width)x\(image.height) \(image.layout)", file: file, line: line)
        }
    }

    // MARK: tests

    func testNoiseImagesOfManySizesMatchReference() throws {
        let engine = try OpenCLEngine(device: firstOpenCLDevice())
        var images: [DecodedImage] = []
        for (k, (w, h)) in Self.sizes.enumerated() {
            images.append(noise(w, h, .gray, seed: UInt64(2 * k)))
            images.append(noise(w, h, .rgb, seed: UInt64(2 * k + 1)))
        }
        try check(engine, images)
    }

    func testSmoothSolidAndSplitImagesMatchReference() throws {
        let engine = try OpenCLEngine(device: firstOpenCLDevice())
        engine.minChunkBytes = 1  // about four chunks, alternating between the two queues
        var images: [DecodedImage] = []
        for (k, (w, h)) in Self.sizes.enumerated() {
            images.append(smooth(w, h, k % 2 == 0 ? .rgb : .gray, seed: UInt64(100 + k)))
        }
        // Solid images: every AC coefficient is exactly 0 in pocketfft; the hashes are
        // 8000000000000000 / all ones (or all zeros for black phash).
        images += [solid(64, 48, [128, 128, 128]), solid(33, 70, [0]), solid(300, 200, [255, 0, 10]),
                   solid(1, 1, [77]), solid(1000, 3, [1, 2, 3])]
        try check(engine, images)
        let solidHashes = try engine.hash([solid(64, 48, [128, 128, 128]), solid(33, 70, [0])])
        XCTAssertEqual(HashFamily.phash.hex(of: solidHashes[0]), "8000000000000000")
        XCTAssertEqual(HashFamily.blockmean.hex(of: solidHashes[0]), String(repeating: "f", count: 64))
        XCTAssertEqual(HashFamily.phash.hex(of: solidHashes[1]), "0000000000000000")
    }

    /// ALGORITHMS.md §7 images A–E with the hashes imagehash 4.3.2 / OpenCV 5.0 give.
    func testSpecTestVectors() throws {
        let engine = try OpenCLEngine(device: firstOpenCLDevice())
        func rgb(_ w: Int, _ h: Int, _ f: (Int, Int) -> (Int, Int, Int)) -> DecodedImage {
            var p: [UInt8] = []
            for y in 0..<h { for x in 0..<w { let (r, g, b) = f(x, y); p += [UInt8(r & 255), UInt8(g & 255), UInt8(b & 255)] } }
            return DecodedImage(width: w, height: h, layout: .rgb, pixels: p)
        }
        let a = rgb(97, 61) { x, y in (5 * x + 3 * y, x * y, (x ^ y) * 9) }
        let b = rgb(300, 200) { x, y in
            let v = (40..<100).contains(y) && (50..<150).contains(x) ? 20 : 255 * x / 299
            return (v, v, v)
        }
        let c = rgb(40, 500) { x, y in (2 * y + 9 * x, 3 * y, 20 * x) }
        let d = rgb(64, 48) { _, _ in (128, 128, 128) }
        let e = rgb(640, 480) { x, y in
            let r = (x - 320) * (x - 320) + (y - 240) * (y - 240) < 150 * 150 ? 255 : 200 * ((x / 20) % 2)
            return (r, 255 * y / 479, 128 + (x * y % 64))
        }
        let got = try engine.hash([a, b, c, d, e])
        XCTAssertEqual(got.map(HashFamily.phash.hex(of:)), ["80050e101d7f7f7f", "a131cecece3331cc", "814b6d4b6d4b654b",
                                             "8000000000000000", "8a646153365dce5d"])
        XCTAssertEqual(got.map(HashFamily.blockmean.hex(of:)), [
            "8020f0f0f8f87cf8767c3a783a783e381e3e1e3f1e1f0e1f0f0f8f8f878fc7c7",
            "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff",
            "0000fef0bfff0000fce7fce01ce0ffff0002f8e0ffff0000f8c7fef318c0ffff",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "0000000000000000c003e007e00ff00ff00fffffffffffffffffffffffffffff",
        ])
    }

    /// ALGORITHMS.md §7 intermediate values of the LANCZOS kernel, from Pillow 13 itself.
    func testLanczosIntermediatesAndPassOrderRegressionVector() throws {
        let engine = try OpenCLEngine(device: firstOpenCLDevice())
        var resized: [Int: [UInt8]] = [:]
        engine.captureResized = { resized[$0] = $1 }
        func rgb(_ w: Int, _ h: Int, _ f: (Int, Int) -> (Int, Int, Int)) -> DecodedImage {
            var p: [UInt8] = []
            for y in 0..<h { for x in 0..<w { let (r, g, b) = f(x, y); p += [UInt8(r & 255), UInt8(g & 255), UInt8(b & 255)] } }
            return DecodedImage(width: w, height: h, layout: .rgb, pixels: p)
        }
        let a = rgb(97, 61) { x, y in (5 * x + 3 * y, x * y, (x ^ y) * 9) }
        let e = rgb(640, 480) { x, y in
            let r = (x - 320) * (x - 320) + (y - 240) * (y - 240) < 150 * 150 ? 255 : 200 * ((x / 20) % 2)
            return (r, 255 * y / 479, 128 + (x * y % 64))
        }
        // Tall: Pillow >= 13 filters vertically first here (sum 123106; horizontal first gives 123114).
        let tall = rgb(40, 500) { x, y in (7 * x + 11 * y, (x * y / 7) % 256, (x ^ y) * 5) }
        _ = try engine.hash([a, e, tall])
        XCTAssertEqual(resized[0].map { Array($0[0..<8]) }, [3, 11, 20, 29, 37, 46, 54, 62])
        XCTAssertEqual(resized[1].map { Array($0[0..<8]) }, [26, 69, 31, 69, 31, 69, 31, 69])
        XCTAssertEqual(resized[2]?.reduce(0) { $0 + Int($1) }, 123_106)
    }

    func testManySmallChunksOversizedImagesAndHostDCTGiveTheSameHashes() throws {
        let engine = try OpenCLEngine(device: firstOpenCLDevice())
        engine.chunkImages = 3
        engine.maxChunkBytes = 200_000  // 500x500 RGB and 5000x40 RGB exceed it: hashed on the CPU
        engine.minChunkBytes = 1
        var notices: [String] = []
        engine.onNotice = { notices.append($0) }
        var images: [DecodedImage] = []
        for (k, (w, h)) in [(17, 400), (500, 500), (64, 64), (5000, 40), (3, 90), (120, 80), (33, 32), (640, 2)].enumerated() {
            images.append(noise(w, h, k % 3 == 0 ? .gray : .rgb, seed: UInt64(300 + k)))
        }
        try check(engine, images)
        XCTAssertEqual(notices.count, 1, "one notice for the oversized images: \(notices)")
        // Reusing the grown buffers for a second batch, then the host DCT path.
        try check(engine, images.reversed())
        engine.forceHostDCT()
        try check(engine, images)
        XCTAssertEqual(try engine.hash([]), [])
    }

    /// Two-image chunks of growing images: each buffer set's pinned staging must be reallocated
    /// in the middle of the batch while the other set's chunk is in flight, every pixel goes
    /// through the staging (forced: PoCL shares host memory, so by default only tables do), and
    /// the hashes still equal the CPU engine's.
    func testPinnedStagingGrowsAcrossChunksAndMatchesCPU() throws {
        let engine = try OpenCLEngine(device: firstOpenCLDevice())
        engine.stagePixels = true
        engine.minChunkBytes = 1
        engine.chunkImages = 2
        let sizes = [(8, 8), (20, 15), (33, 70), (90, 64), (160, 120), (300, 220), (500, 400), (900, 700), (1200, 41)]
        let images = sizes.enumerated().map { k, s in
            k % 2 == 0 ? noise(s.0, s.1, k % 3 == 1 ? .gray : .rgb, seed: UInt64(700 + k))
                       : smooth(s.0, s.1, k % 3 == 1 ? .gray : .rgb, seed: UInt64(700 + k))
        }
        XCTAssertEqual(engine.stagingAllocations, 0)
        try check(engine, images)
        XCTAssertEqual(try engine.hash(images), try CPUEngine().hash(images))
        XCTAssertTrue(engine.stagingCapacity.allSatisfy { $0 > 0 }, "both buffer sets staged a chunk: \(engine.stagingCapacity)")
        XCTAssertGreaterThan(engine.stagingAllocations, 2, "the staging grew within the batch")
        let pixelBytes = images.reduce(0) { $0 + $1.pixels.count }
        XCTAssertGreaterThanOrEqual(engine.stagedBytes, 2 * pixelBytes, "both batches' pixels went through the staging")

        // Small images in the grown (and dirty) staging: no reallocation, same hashes.
        let allocations = engine.stagingAllocations
        let small = (0..<6).map { k in noise(17 + 9 * k, 23 + 5 * k, k % 2 == 0 ? .rgb : .gray, seed: UInt64(800 + k)) }
        try check(engine, small)
        XCTAssertEqual(engine.stagingAllocations, allocations)

        // Every pass order and grey/RGB mix through the staged path, in about four chunks.
        engine.chunkImages = 1024
        var mixed: [DecodedImage] = []
        for (k, (w, h)) in Self.sizes.enumerated() {
            mixed.append(noise(w, h, k % 2 == 0 ? .gray : .rgb, seed: UInt64(900 + k)))
            mixed.append(smooth(w, h, k % 2 == 0 ? .rgb : .gray, seed: UInt64(950 + k)))
        }
        try check(engine, mixed)
    }

    func testMatchesCPUEngine() throws {
        let engine = try OpenCLEngine(device: firstOpenCLDevice())
        let images = Self.sizes.enumerated().map { k, s in smooth(s.0, s.1, k % 2 == 0 ? .rgb : .gray, seed: UInt64(500 + k)) }
        XCTAssertEqual(try engine.hash(images), try CPUEngine().hash(images))
    }
}
