import XCTest
import TestSupport
import Foundation
import CHashKernels
import HashKit
@testable import CPUFallback

/// Thin and very long images (issue 16, item 2): LANCZOS axes whose dense table would be huge
/// are filtered a band of samples at a time with coefficients made on demand. These tests pin
/// the banded passes to the dense reference bit for bit, on sizes whose dense tables are still
/// affordable, and the bounded table cache.
final class BandedLanczosTests: XCTestCase {
    /// Dense reference: `PillowResizePlan.resize` with every table dense, whatever its size.
    private func densePHash(_ image: DecodedImage) -> UInt64 {
        let plan = PillowResizePlan(width: image.width, height: image.height) {
            LanczosAxis(inSize: $0, outSize: $1, denseLimitBytes: .max)
        }
        return PHash.hash(resized: plan.resize(Gray.pillowL(image)))
    }

    /// Pixels that vary at every scale, so the 32x32 result is far from flat.
    private func image(_ w: Int, _ h: Int, _ layout: DecodedImage.Layout, seed: UInt64) -> DecodedImage {
        var rng = SplitMix64(seed: seed)
        let ch = layout.channels, n = w * h
        var p = [UInt8](repeating: 0, count: n * ch)
        p.withUnsafeMutableBufferPointer { px in
            for i in 0..<n {
                let coarse = (i * 7 / max(n / 41, 1)) & 255, noise = Int(rng.next() & 31)
                for c in 0..<ch { px[i * ch + c] = UInt8(truncatingIfNeeded: coarse * (c + 1) + noise) }
            }
        }
        return DecodedImage(width: w, height: h, layout: layout, pixels: p)
    }

    func testOnDemandCoefficientsEqualTheDenseTable() {
        for (inSize, outSize) in [(97, 32), (1000, 32), (123_457, 32), (5, 32), (1, 32), (40, 7)] {
            let dense = LanczosAxis(inSize: inSize, outSize: outSize, denseLimitBytes: .max)
            let banded = LanczosAxis(inSize: inSize, outSize: outSize, denseLimitBytes: 0)
            XCTAssertTrue(dense.isDense)
            XCTAssertFalse(banded.isDense)
            XCTAssertTrue(banded.coefficients.isEmpty, "a banded axis keeps no table")
            XCTAssertEqual(banded.xmin, dense.xmin)
            XCTAssertEqual(banded.taps, dense.taps)
            var buf = [Int32](repeating: 0, count: dense.maxTaps)
            for o in 0..<outSize {
                let n = Int(dense.taps[o])
                buf.withUnsafeMutableBufferPointer { banded.fill(o, taps: 0..<n, into: $0.baseAddress!) }
                XCTAssertEqual(Array(buf[0..<n]), Array(dense.coefficients[(o * dense.maxTaps)..<(o * dense.maxTaps + n)]),
                               "\(inSize)->\(outSize) output \(o)")
                if n > 2 { XCTAssertEqual(banded.coefficient(o, n / 2), dense.coefficient(o, n / 2)) }
            }
        }
        XCTAssertEqual(LanczosAxis.denseTableBytes(inSize: 40_000_000, outSize: 32), 32 * 7_500_001 * 4)
        XCTAssertGreaterThan(LanczosAxis.denseTableBytes(inSize: 40_000_000, outSize: 32), LanczosAxis.defaultDenseLimitBytes,
                             "1 x 40M: no 960 MB table by default")
    }

    /// Every pass order with every axis forced banded (tiny dense limit) equals the reference.
    func testForcedBandedEqualsReferenceOnSmallImages() {
        let variants = [CHK_PORTABLE, CHK_SSE2, CHK_AVX2].map(Int32.init)
        let engines = variants.map { CPUEngine(variant: $0, denseLimitBytes: 0) }
        let sizes = [(1, 1), (32, 32), (32, 700), (700, 32), (1, 5000), (5000, 1), (33, 4000), (4000, 33),
                     (3, 9000), (9000, 3), (300, 200), (200, 300), (40, 500), (5, 20), (20, 5)]
        for (i, (w, h)) in sizes.enumerated() {
            for layout in [DecodedImage.Layout.gray, .rgb] {
                let img = image(w, h, layout, seed: UInt64(i))
                let expected = ImageHashes(phash: densePHash(img), blockmean: BlockMean.hash(img))
                XCTAssertEqual(ReferenceHasher.hash(img), expected, "reference, \(w)x\(h) \(layout)")
                for e in engines { XCTAssertEqual(e.hash(img), expected, "\(w)x\(h) \(layout) \(e.description.name)") }
            }
        }
    }

    /// Thin and long images against the all-dense reference, with a 256 KB dense limit so that
    /// every long axis here takes the banded path (sizes kept small enough for the debug and
    /// AddressSanitizer passes; ThinImageEndToEndTests covers a 10M-pixel axis at the default limit).
    func testThinImagesEqualDenseReference() {
        let limit = 1 << 18
        let variants = [CHK_PORTABLE, CHK_SSE2, CHK_AVX2].map(Int32.init)
        let engines = variants.map { CPUEngine(variant: $0, denseLimitBytes: limit) }
        XCTAssertGreaterThan(LanczosAxis.denseTableBytes(inSize: 2_000_000, outSize: 32), LanczosAxis.defaultDenseLimitBytes)
        for (i, (w, h)) in [(1, 300_000), (300_000, 1), (3, 100_000), (33, 20_000), (20_000, 33)].enumerated() {
            XCTAssertGreaterThan(LanczosAxis.denseTableBytes(inSize: max(w, h), outSize: 32), limit, "\(w)x\(h): banded")
            for layout in [DecodedImage.Layout.gray, .rgb] {
                let img = image(w, h, layout, seed: 100 + UInt64(i))
                let expected = ImageHashes(phash: densePHash(img), blockmean: BlockMean.hash(img))
                XCTAssertNotEqual(expected.phash, 0)
                for e in engines { XCTAssertEqual(e.hash(img), expected, "\(w)x\(h) \(layout) \(e.description.name)") }
                XCTAssertEqual(ReferenceHasher.hash(img), expected, "reference with a banded axis, \(w)x\(h) \(layout)")
            }
        }
    }

    /// The table cache is bounded in bytes: many distinct large sides cannot grow it past its
    /// bound, and an axis past the dense limit keeps no table at all.
    func testTableCacheIsBoundedInBytes() {
        let cache = SideCache<[Int32]>(capacity: 1024, maxCost: 1000) { $0.count * 4 }
        for side in 0..<100 { _ = cache.value(for: side) { [Int32](repeating: 0, count: 50 + $0 % 7) } }
        XCTAssertLessThanOrEqual(cache.heldCost, 1000)
        var builds = 0
        for _ in 0..<3 { _ = cache.value(for: 1_000_000) { builds += 1; return [Int32](repeating: 0, count: $0) } }
        XCTAssertEqual(builds, 3, "an entry over a quarter of the bound is not kept")
        XCTAssertLessThanOrEqual(cache.heldCost, 1000)
    }
}
