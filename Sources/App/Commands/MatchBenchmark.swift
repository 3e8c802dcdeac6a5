import CPUFallback
import Foundation
import HashKit

/// The matching half of `crosshash bench`: synthetic hash sets shaped like real collections,
/// each matcher timed on the same sets, its pairs checked against the others by a digest.
struct MatchBenchmark {
    enum Shape: String, CaseIterable {
        /// Independent random hashes: almost no pairs (the index's best case).
        case uniform
        /// Random centres with near copies at 0...threshold+3 bits, 1 % identical flat (all-zero)
        /// hashes in both sets and 0.1 % copies of one picture: what a real collection with blank
        /// frames looks like (the index's worst case: the flat block alone is 10^-4 N^2 pairs).
        case clustered
    }

    struct Measurement {
        var family: HashFamily
        var shape: Shape
        var size: Int
        var matcher: String
        var seconds: Double?
        var pairs: Int
        /// FNV-1a over every (a, b, distance) in stream order: equal digests = identical pair lists.
        var digest: UInt64
        var estimatedSeconds: Double?
    }

    /// Two sets of `size` hashes of `family` (the same seed gives the same sets everywhere).
    static func sets(_ family: HashFamily, _ shape: Shape, size: Int, seed: UInt64 = 0x5eed) -> (PackedHashes, PackedHashes) {
        var rng = SplitMix64(seed: seed ^ UInt64(family.bits))
        let words = family.wordsPerHash
        switch shape {
        case .uniform:
            let a = PackedHashes(wordsPerHash: words, words: (0..<(size * words)).map { _ in rng.next() })
            let b = PackedHashes(wordsPerHash: words, words: (0..<(size * words)).map { _ in rng.next() })
            return (a, b)
        case .clustered:
            let centres = (0..<(max(1, size / 10) * words)).map { _ in rng.next() }
            let spread = family.defaultThreshold + 3
            func make() -> PackedHashes {
                var out = [UInt64](repeating: 0, count: size * words)
                let flat = size / 100, copies = max(1, size / 1000)
                for i in 0..<size {
                    let o = i * words
                    if i < flat { continue }  // flat images: one repeated all-zero hash
                    let c = i < flat + copies ? 0 : rng.below(centres.count / words)
                    for w in 0..<words { out[o + w] = centres[c * words + w] }
                    if i >= flat + copies {
                        for _ in 0..<rng.below(spread + 1) {
                            let bit = rng.below(words * 64)
                            out[o + bit / 64] ^= 1 << UInt64(bit % 64)
                        }
                    }
                }
                // Shuffled, so clusters are not contiguous.
                for i in stride(from: size - 1, to: 0, by: -1) {
                    let j = rng.below(i + 1)
                    for w in 0..<words { out.swapAt(i * words + w, j * words + w) }
                }
                return PackedHashes(wordsPerHash: words, words: out)
            }
            return (make(), make())
        }
    }

    /// Streams the pairs (counted and digested, never held) and times the whole match.
    static func measure(_ matcher: Matcher, name: String, _ a: PackedHashes, _ b: PackedHashes, family: HashFamily,
                        shape: Shape) throws -> Measurement {
        var pairs = 0
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        let t0 = Date()
        _ = try matcher.stream(a, b, threshold: family.defaultThreshold, nearestRadius: family.defaultThreshold) { block in
            pairs += block.count
            for p in block {
                digest = (digest ^ UInt64(UInt32(bitPattern: p.a))) &* 0x0000_0100_0000_01b3
                digest = (digest ^ UInt64(UInt32(bitPattern: p.b))) &* 0x0000_0100_0000_01b3
                digest = (digest ^ UInt64(p.distance)) &* 0x0000_0100_0000_01b3
            }
        }
        return Measurement(family: family, shape: shape, size: a.count, matcher: name, seconds: Date().timeIntervalSince(t0),
                           pairs: pairs, digest: digest)
    }

    /// Writes a set as raw little-endian bytes (`bits / 8` bytes a hash): the layout FAISS's
    /// binary indexes take, so `scripts/bench_match.py` can run FAISS on the very same sets.
    static func export(_ set: PackedHashes, to path: String) throws {
        let bytes = set.words.withUnsafeBytes { Data($0) }  // x86-64 and arm64 are little-endian
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    /// Peak resident memory of this process so far, in MB.
    static func peakRSSMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
