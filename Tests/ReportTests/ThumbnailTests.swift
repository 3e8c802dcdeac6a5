import Analysis
import Foundation
@testable import HashKit
import Verification
import XCTest
import JSONFiles
@testable import Report

final class ThumbnailTests: XCTestCase {
    /// The straightforward area average: whole-image Float buffers, plain loops, the library's
    /// rounding. The streamed, vectorised version must give the same bytes.
    private func reference(_ image: DecodedImage, longestSide: Int) -> (pixels: [UInt8], width: Int, height: Int) {
        let longest = max(image.width, image.height)
        guard longest > longestSide else { return (image.pixels, image.width, image.height) }
        let scale = Double(longestSide) / Double(longest)
        let outW = max(1, Int((Double(image.width) * scale).rounded()))
        let outH = max(1, Int((Double(image.height) * scale).rounded()))
        let ch = image.layout.channels
        func taps(_ n: Int, _ m: Int) -> [[(index: Int, weight: Float)]] {
            let span = Double(n) / Double(m)
            return (0..<m).map { o in
                let start = Double(o) * span, end = min(Double(n), Double(o + 1) * span)
                var list = [(index: Int, weight: Float)]()
                var i = Int(start.rounded(.down))
                while Double(i) < end && i < n {
                    let covered = min(end, Double(i + 1)) - max(start, Double(i))
                    if covered > 1e-9 { list.append((i, Float(covered / span))) }
                    i += 1
                }
                return list
            }
        }
        let wx = taps(image.width, outW), wy = taps(image.height, outH)
        // Columns first: a whole image of Float sums over source rows, then sums over columns.
        var cols = [Float](repeating: 0, count: image.width * outH * ch)
        for (oy, list) in wy.enumerated() {
            for i in 0..<(image.width * ch) {
                var sum: Float = 0
                for tap in list { sum += Float(image.pixels[tap.index * image.width * ch + i]) * tap.weight }
                cols[oy * image.width * ch + i] = sum
            }
        }
        var out = [UInt8](repeating: 0, count: outW * outH * ch)
        for oy in 0..<outH {
            for (ox, list) in wx.enumerated() {
                for c in 0..<ch {
                    var sum: Float = 0
                    for tap in list { sum += cols[(oy * image.width + tap.index) * ch + c] * tap.weight }
                    out[(oy * outW + ox) * ch + c] = UInt8(max(0, min(255, sum.rounded())))
                }
            }
        }
        return (out, outW, outH)
    }

    func testAreaDownscaleMatchesStraightforwardVersionOnRandomImages() {
        var rng = SplitMix64(seed: 0x7468_756d_6273)
        // Odd sizes, one-pixel-thin images, exact and fractional ratios, both layouts.
        let sizes = [(1000, 1), (1, 700), (257, 256), (300, 299), (513, 387), (640, 512), (1243, 699), (377, 803), (40, 30)]
        for (w, h) in sizes {
            for layout in [DecodedImage.Layout.gray, .rgb] {
                let pixels = (0..<(w * h * layout.channels)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let image = DecodedImage(width: w, height: h, layout: layout, pixels: pixels)
                for side in [256, 17] {
                    let fast = AreaDownscale.fit(image, longestSide: side)
                    let slow = reference(image, longestSide: side)
                    XCTAssertEqual(fast.width, slow.width, "\(w)x\(h) \(layout) -> \(side)")
                    XCTAssertEqual(fast.height, slow.height, "\(w)x\(h) \(layout) -> \(side)")
                    XCTAssertEqual(fast.pixels, slow.pixels, "\(w)x\(h) \(layout) -> \(side)")
                }
            }
        }
    }

    func testByteRoundsHalfAwayFromZeroAndClamps() {
        var values: [Float] = [-1000, -0.5, -0.0, 0, 0.25, 0.49999997, 0.5, 0.50000006, 1.5, 2.5, 136.5, 137.5,
                               254.49998, 254.5, 255, 255.49998, 255.5, 256, 1e9, .greatestFiniteMagnitude]
        var rng = SplitMix64(seed: 42)
        for _ in 0..<100_000 { values.append(Float.random(in: -10...270, using: &rng)) }
        for half in 0...600 { values.append(Float(half) / 2 - 10) }
        for x in values {
            XCTAssertEqual(AreaDownscale.byte(x), UInt8(max(0, min(255, x.rounded()))), "\(x)")
        }
    }

    func testAreaDownscaleKeepsFlatColourAndShape() throws {
        // A flat colour stays exactly that colour however the areas split.
        let image = DecodedImage(width: 999, height: 333, layout: .rgb,
                                 pixels: Array([UInt8]([12, 200, 77]).repeated(999 * 333)))
        let small = AreaDownscale.fit(image, longestSide: 256)
        XCTAssertEqual(small.width, 256)
        XCTAssertEqual(small.height, 85)
        XCTAssertEqual(small.pixels, Array([UInt8]([12, 200, 77]).repeated(256 * 85)))
    }

    func testUnsyncedAtomicWriteReplacesContentLeavesNoTemporaryAndReportsFailures() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thumbs-write-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.jpg").path
        try AtomicFile.write(Array(repeating: 7, count: 5000), to: path, sync: false)
        try AtomicFile.write([1, 2, 3], to: path, sync: false)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data([1, 2, 3]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["x.jpg"])
        XCTAssertThrowsError(try AtomicFile.write([1], to: dir.path, sync: false))  // a folder, not a file
    }

    func testLargestFilesAreThumbnailedFirst() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thumbs-order-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, size) in [("a.jpg", 10), ("b.jpg", 300), ("c.jpg", 300), ("d.jpg", 50)] {
            try Data(repeating: 1, count: size).write(to: dir.appendingPathComponent(name))
        }
        let keys = ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "missing.jpg"].map(FileKey.init)
        let dataset = DatasetResult(spec: DatasetSpec(name: "d", path: dir.path), keys: keys, hashes: [], issues: [])
        let jobs = keys.map { (key: ImageRef(dataset: 0, key: $0), value: $0.display) }
        let order = ThumbnailWriter.largestFirst(jobs, datasets: [dataset]).map(\.value)
        XCTAssertEqual(order, ["b.jpg", "c.jpg", "d.jpg", "a.jpg", "missing.jpg"])
    }
}

/// An in-memory artifact cache that counts what it is asked.
final class MemoryCache: ArtifactCache, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items = [String: [UInt8]]()
    private(set) var hits = 0

    func artifact(_ key: String) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        if let v = items[key] { hits += 1; return v }
        return nil
    }

    func storeArtifact(_ key: String, _ bytes: [UInt8]) {
        lock.lock(); items[key] = bytes; lock.unlock()
    }
}

final class ThumbnailCacheTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    func testCachedThumbnailsAreNotDecodedAgainAndLimitsApply() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thumbs-cache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("real/calla.jpg").path, toPath: dir + "/d/calla.jpg")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/d/calla.jpg")))
        let key = FileKey("calla.jpg")
        let dataset = DatasetResult(spec: DatasetSpec(name: "d", path: dir + "/d"), keys: [key], hashes: [.zero], issues: [],
                                    digests: [ContentDigest.of(bytes)])
        let names = [ImageRef(dataset: 0, key: key): "calla.jpg"]
        let cache = MemoryCache()

        XCTAssertEqual(try ThumbnailWriter(cache: cache).write(names, datasets: [dataset], to: dir + "/one"), 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: dir + "/one/calla.jpg"))
        XCTAssertEqual(cache.items.count, 1)
        XCTAssertEqual(first.prefix(2), Data([0xFF, 0xD8]))

        // The file is gone, but its content is known: the thumbnail comes from the cache.
        try FileManager.default.removeItem(atPath: dir + "/d/calla.jpg")
        XCTAssertEqual(try ThumbnailWriter(cache: cache).write(names, datasets: [dataset], to: dir + "/two"), 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/two/calla.jpg")), first)
        XCTAssertEqual(cache.hits, 1)
        // Without the cache the missing file gets the placeholder.
        XCTAssertEqual(try ThumbnailWriter().write(names, datasets: [dataset], to: dir + "/three"), 1)

        // The preview decoder honours the pixel limit like hashing does: over it, a placeholder.
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("real/calla.jpg").path, toPath: dir + "/d/calla.jpg")
        let limited = ThumbnailWriter(decoder: ImageDecoder(limits: DecodeLimits(maxPixels: 1000)))
        XCTAssertEqual(try limited.write(names, datasets: [dataset], to: dir + "/four"), 1)
        XCTAssertEqual(try ThumbnailWriter().write(names, datasets: [dataset], to: dir + "/five"), 0)
    }

    /// The thumbnails made from the previews verification decoded are the very bytes the report
    /// makes by decoding the files itself, and a kept picture spares the decode (the file may go).
    func testThumbnailsFromVerificationPreviewsAreTheDecodedOnes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thumbs-pixels-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var names = [ImageRef: String](), keys = [FileKey]()
        for (i, fixture) in ["real/calla.jpg", "real/city.png", "real/the_mouse.jpg"].enumerated() {
            let name = "p\(i)." + (fixture as NSString).pathExtension
            try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent(fixture).path, toPath: dir + "/d/" + name)
            keys.append(FileKey(name))
            names[ImageRef(dataset: 0, key: FileKey(name))] = "p\(i).jpg"
        }
        let dataset = DatasetResult(spec: DatasetSpec(name: "d", path: dir + "/d"), keys: keys, hashes: keys.map { _ in .zero }, issues: [])
        XCTAssertEqual(try ThumbnailWriter().write(names, datasets: [dataset], to: dir + "/decoded"), 0)

        // What verification hands over: the preview of each file, decoded as the Verifier does.
        let pixels = ThumbnailPixels()
        let verifier = Verifier()
        let roots = DatasetRoots([dataset])
        for ref in names.keys {
            pixels.keep(ref, try verifier.decoder.decodePreview(roots.source(dataset: 0, key: ref.key), minSide: Verifier.previewSide))
            try FileManager.default.removeItem(atPath: dir + "/d/" + ref.key.display)
        }
        XCTAssertEqual(try ThumbnailWriter(pixels: pixels).write(names, datasets: [dataset], to: dir + "/kept"), 0, "no file is read")
        for name in names.values {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/kept/\(name)")),
                           try Data(contentsOf: URL(fileURLWithPath: "\(dir)/decoded/\(name)")), name)
        }
        // Each kept picture is handed over once; a byte bound of 0 keeps none.
        XCTAssertEqual(try ThumbnailWriter(pixels: pixels).write(names, datasets: [dataset], to: dir + "/again"), 3)
        let none = ThumbnailPixels(maxBytes: 0)
        none.keep(ImageRef(dataset: 0, key: keys[0]), DecodedImage(width: 2, height: 2, layout: .gray, pixels: [0, 1, 2, 3]))
        XCTAssertNil(none.take(ImageRef(dataset: 0, key: keys[0])))
    }

    func testChartsComeFromTheCacheWhenTheirInputsAreTheSame() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charts-cache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chart = VennChart(title: "t", names: ["a", "b"], overlap: DatasetOverlap(sizes: [10, 20], exactly: [1: 7, 2: 17, 3: 3]))
        let cache = MemoryCache()
        var draws = 0
        let figures = CachedFigure(cache: cache)
        for round in 0..<2 {
            let svg = try figures.write(key: chart.cacheKey, png: "\(dir)/v\(round).png", svg: "\(dir)/v\(round).svg") { png, svg in
                draws += 1
                try chart.render(png: png, svg: svg)
            }
            XCTAssertTrue(svg.contains("<svg"))
        }
        XCTAssertEqual(draws, 1, "the second chart with the same inputs is not drawn again")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/v0.png")), try Data(contentsOf: URL(fileURLWithPath: dir + "/v1.png")))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/v0.svg")), try Data(contentsOf: URL(fileURLWithPath: dir + "/v1.svg")))
        let other = VennChart(title: "t", names: ["a", "b"], overlap: DatasetOverlap(sizes: [10, 20], exactly: [1: 7, 2: 17, 3: 4]))
        XCTAssertNotEqual(other.cacheKey, chart.cacheKey)
        XCTAssertEqual(chart.cacheKey, VennChart(title: "t", names: ["a", "b"], overlap: DatasetOverlap(sizes: [10, 20], exactly: [3: 3, 2: 17, 1: 7])).cacheKey)
    }
}

private extension Array {
    func repeated(_ times: Int) -> [Element] { Array((0..<times).map { _ in self }.joined()) }
}
