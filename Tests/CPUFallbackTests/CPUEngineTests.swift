import XCTest
import TestSupport
import Foundation
import CHashKernels
import HashKit
@testable import CPUFallback

final class CPUEngineTests: XCTestCase {
    typealias Rng = SplitMix64

    /// Random images mixing noise, smooth gradients and flat areas (flat areas make DCT ties).
    func randomImage(_ w: Int, _ h: Int, _ layout: DecodedImage.Layout, _ rng: inout Rng) -> DecodedImage {
        let ch = layout.channels
        let kind = rng.below(4)
        let a = rng.below(7) + 1, b = rng.below(5) + 1, flat = UInt8(rng.below(256))
        var p = [UInt8](repeating: 0, count: w * h * ch)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<ch {
                    let v: UInt8
                    switch kind {
                    case 0: v = UInt8(truncatingIfNeeded: rng.next())
                    case 1: v = UInt8(truncatingIfNeeded: a * x + b * y + 40 * c)
                    case 2: v = (x / 7 + y / 5) % 2 == 0 ? flat : UInt8(truncatingIfNeeded: rng.next() & 15)
                    default: v = flat
                    }
                    p[(y * w + x) * ch + c] = v
                }
            }
        }
        return DecodedImage(width: w, height: h, layout: layout, pixels: p)
    }

    func testSpecVectors() throws {
        let engine = CPUEngine()
        for (name, image, phash, blockmean) in SpecImages.vectors {
            let h = try engine.hash([image])[0]
            XCTAssertEqual(HashFamily.phash.hex(of: h), phash, name)
            XCTAssertEqual(HashFamily.blockmean.hex(of: h), blockmean, name)
        }
    }

    /// Every C kernel variant this CPU can run (AVX2, SSE2, portable) against the reference.
    func testMatchesReferenceOnRandomImages() {
        let engines = [CHK_PORTABLE, CHK_SSE2, CHK_AVX2].map { CPUEngine(variant: Int32($0)) }
        var rng = Rng(seed: 42)
        var sizes: [(Int, Int)] = [(1, 1), (1, 2), (2, 1), (32, 32), (31, 31), (33, 33), (32, 500), (500, 32),
                                   (1, 700), (700, 1), (40, 60), (60, 40), (256, 256), (512, 512),
                                   (257, 255), (5000, 40), (40, 5000), (3, 3000), (3000, 3), (64, 129),
                                   (30000, 3), (3, 30000)]  // > 4113 taps: the split sums wrap
        for _ in 0..<40 { sizes.append((rng.below(400) + 1, rng.below(400) + 1)) }
        for (i, (w, h)) in sizes.enumerated() {
            let layout: DecodedImage.Layout = i % 2 == 0 ? .rgb : .gray
            let image = randomImage(w, h, layout, &rng)
            let expected = ReferenceHasher.hash(image)
            for engine in engines {
                XCTAssertEqual(engine.hash(image), expected, "\(w)x\(h) \(layout) \(engine.description.name)")
            }
        }
    }

    /// Both blockmean orders (row blend first or column filter first) on every variant.
    func testBlockMeanOrdersAgree() {
        let engines = [CHK_PORTABLE, CHK_SSE2, CHK_AVX2].map { CPUEngine(variant: Int32($0)) }
        var rng = Rng(seed: 77)
        for (i, (w, h)) in [(1, 1), (1, 300), (300, 1), (7, 5), (256, 256), (255, 513), (513, 255), (600, 40),
                            (40, 600), (129, 1000)].enumerated() {
            let image = randomImage(w, h, i % 2 == 0 ? .rgb : .gray, &rng)
            let expected = BlockMean.hash(image)
            for engine in engines {
                for vf in [false, true] {
                    XCTAssertEqual(engine.blockmeanOnly(image, verticalFirst: vf), expected, "\(w)x\(h) vf \(vf)")
                }
            }
        }
    }

    /// Tables are cached per side: images sharing one side (in either role) reuse them.
    func testSharedSidesReuseTablesCorrectly() {
        let engine = CPUEngine()
        var rng = Rng(seed: 31)
        for (w, h) in [(640, 480), (640, 100), (100, 640), (640, 640), (480, 640), (640, 480), (32, 640), (640, 32)] {
            let image = randomImage(w, h, .rgb, &rng)
            XCTAssertEqual(engine.hash(image), ReferenceHasher.hash(image), "\(w)x\(h)")
        }
    }

    func testCoversAllPassOrders() {
        let orders = Set([(32, 32), (40, 32), (32, 40), (100, 37), (40, 500)].map {
            "\(PillowResizePlan(width: $0.0, height: $0.1).order)"
        })
        XCTAssertEqual(orders.count, 5)
    }

    func testConcurrentCallsAgree() {
        let engine = CPUEngine()
        var rng = Rng(seed: 9)
        let images = (0..<16).map { i in randomImage(50 + 13 * i, 300 - 11 * i, i % 3 == 0 ? .gray : .rgb, &rng) }
        let expected = images.map(ReferenceHasher.hash)
        var results = [[ImageHashes]](repeating: [], count: 4)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            let r = (try? engine.hash(images)) ?? []
            lock.withLock { results[t] = r }
        }
        for r in results { XCTAssertEqual(r, expected) }
    }
}
