import Foundation
import HashKit
import XCTest
@testable import GPUHash

/// Throughput figures, run only when CROSSHASH_GPU_BENCH=1 (they take a while on PoCL and
/// assert nothing about speed): `CROSSHASH_GPU_BENCH=1 swift test --filter OpenCLBenchmarkTests`.
final class OpenCLBenchmarkTests: XCTestCase {
    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["CROSSHASH_GPU_BENCH"] == "1" else {
            throw XCTSkip("set CROSSHASH_GPU_BENCH=1 to run the OpenCL benchmarks")
        }
    }

    func testHammingThroughput() throws {
        let matcher = try OpenCLMatcher(device: firstOpenCLDevice())
        let n = Int(ProcessInfo.processInfo.environment["CROSSHASH_GPU_BENCH_N"] ?? "") ?? 20_000
        for words in [1, 4] {
            var rng = SplitMix64(seed: 99)
            let a = PackedHashes(wordsPerHash: words, words: (0..<(n * words)).map { _ in rng.next() })
            let b = PackedHashes(wordsPerHash: words, words: (0..<(n * words)).map { _ in rng.next() })
            let threshold = words == 1 ? 8 : 40
            _ = try matcher.match(PackedHashes(wordsPerHash: words, words: Array(a.words.prefix(64 * words))), b, threshold: 8)
            // One tile of each set (B resident), 4 x 4 tiles, and the protocol's default stream
            // (row blocks of A through `match`, B uploaded again for every block).
            let runs: [(String, () throws -> Int)] = [
                ("match, 1x1 tiles", { try matcher.match(a, b, threshold: threshold).pairs.count }),
                ("stream, 4x4 tiles", {
                    matcher.tileHashes = (n + 3) / 4
                    defer { matcher.tileHashes = 1 << 20 }
                    var count = 0
                    _ = try matcher.stream(a, b, threshold: threshold, nearestRadius: nil) { count += $0.count }
                    return count
                }),
                ("default stream (row blocks)", {
                    var count = 0
                    _ = try RowBlocks(matcher).stream(a, b, threshold: threshold, nearestRadius: nil) { count += $0.count }
                    return count
                }),
            ]
            for (name, run) in runs {
                let start = Date()
                let pairs = try run()
                let seconds = Date().timeIntervalSince(start)
                print(String(format: "BENCH hamming %d-bit %dx%d %@: %.3f s, %.3g pairs/s, %d pairs <= threshold",
                             64 * words, n, n, name, seconds, Double(n * n) / seconds, pairs))
            }
        }
    }

    /// A matcher that only forwards `match`, so `stream` is the protocol's default.
    private final class RowBlocks: Matcher {
        let inner: Matcher
        init(_ inner: Matcher) { self.inner = inner }
        func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult {
            try inner.match(a, b, threshold: threshold)
        }
    }

    func testEngineThroughput() throws {
        let engine = try OpenCLEngine(device: firstOpenCLDevice())
        var rng = SplitMix64(seed: 5)
        let images = (0..<200).map { _ in
            DecodedImage(width: 1024, height: 768, layout: .rgb,
                         pixels: (0..<(1024 * 768 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        _ = try engine.hash(Array(images.prefix(20)))  // warm: buffers allocated and touched
        var times: [String: Double] = [:]
        engine.profile = { times[$0, default: 0] += $1 }
        _ = try engine.hash(Array(images.prefix(20)))
        engine.profile = nil
        for (name, t) in times.sorted(by: { $0.value > $1.value }) {
            print(String(format: "BENCH   %@: %.1f ms per image", name, 1000 * t / 20))
        }
        let start = Date()
        var done = 0
        while done < images.count {
            var batch: [DecodedImage] = []
            var pixels = 0
            while done < images.count && pixels + images[done].pixelCount <= engine.preferredBatchPixels {
                pixels += images[done].pixelCount
                batch.append(images[done])
                done += 1
            }
            _ = try engine.hash(batch)
        }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "BENCH opencl engine 200 x 1024x768 RGB: %.3f s, %.1f images/s", seconds, 200 / seconds))
    }
}
