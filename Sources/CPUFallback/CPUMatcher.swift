import CHashKernels
import Foundation
import HashKit

public enum MatchError: Error, Equatable, CustomStringConvertible {
    case widthMismatch(Int, Int)
    case negativeThreshold(Int)

    public var description: String {
        switch self {
        case .widthMismatch(let a, let b):
            return "cannot compare \(a * 64)-bit hashes with \(b * 64)-bit hashes"
        case .negativeThreshold(let t):
            return "threshold must be 0 or more, got \(t)"
        }
    }
}

/// All-pairs Hamming distances on the CPU. A is cut into contiguous slices, one per thread,
/// and each slice walks B in cache-sized tiles; per-thread results are merged in slice order,
/// so the output never depends on scheduling.
public final class CPUMatcher: Matcher {
    public let threads: Int
    /// Which C kernel variant computes the distances; tests pin each one.
    let variant: Int32
    /// B hashes per tile: 2 048 x 32 bytes stays in L1/L2 while a slice of A sweeps it.
    static let tileB = 2048

    public convenience init(threads: Int = min(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.init(threads: threads, variant: chk_best_variant())
    }

    init(threads: Int, variant: Int32) {
        self.threads = max(1, threads)
        self.variant = variant
    }

    public func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult {
        guard a.wordsPerHash == b.wordsPerHash else { throw MatchError.widthMismatch(a.wordsPerHash, b.wordsPerHash) }
        guard threshold >= 0 else { throw MatchError.negativeThreshold(threshold) }
        let na = a.count, nb = b.count
        guard na > 0, nb > 0 else {
            return MatchResult(pairs: [], nearestInB: [UInt16](repeating: .max, count: na),
                               nearestInA: [UInt16](repeating: .max, count: nb))
        }
        // Small jobs are not worth a thread hand-off.
        let slices = na * nb < 1 << 16 ? 1 : min(threads, na)
        var parts = [Part](repeating: Part(), count: slices)
        let lock = NSLock()
        a.words.withUnsafeBufferPointer { aw in
            b.words.withUnsafeBufferPointer { bw in
                let words = a.wordsPerHash
                DispatchQueue.concurrentPerform(iterations: slices) { s in
                    let lo = na * s / slices, hi = na * (s + 1) / slices
                    let part = Self.scan(aw, lo..<hi, bw, nb, words: words, threshold: threshold, variant: self.variant)
                    lock.withLock { parts[s] = part }
                }
            }
        }
        var pairs = [MatchPair]()
        var nearestInB = [UInt16]()
        nearestInB.reserveCapacity(na)
        var nearestInA = [UInt16](repeating: .max, count: nb)
        for p in parts {
            pairs += p.pairs
            nearestInB += p.nearestInB
            for j in 0..<nb where p.nearestInA[j] < nearestInA[j] { nearestInA[j] = p.nearestInA[j] }
        }
        return MatchResult(pairs: pairs, nearestInB: nearestInB, nearestInA: nearestInA)
    }

    struct Part {
        var pairs: [MatchPair] = []
        var nearestInB: [UInt16] = []
        var nearestInA: [UInt16] = []
    }

    /// Compares A[range] with all of B. Pairs come out sorted by (a, b).
    static func scan(_ aw: UnsafeBufferPointer<UInt64>, _ range: Range<Int>, _ bw: UnsafeBufferPointer<UInt64>,
                     _ nb: Int, words: Int, threshold: Int, variant: Int32) -> Part {
        var part = Part()
        part.nearestInB = [UInt16](repeating: .max, count: range.count)
        part.nearestInA = [UInt16](repeating: .max, count: nb)
        // Pairs per A hash, appended tile by tile (b ascending), flattened at the end.
        var perA = [[MatchPair]](repeating: [], count: range.count)
        var dist = [UInt16](repeating: 0, count: tileB)
        let t = UInt16(clamping: threshold)
        part.nearestInA.withUnsafeMutableBufferPointer { nearA in
            dist.withUnsafeMutableBufferPointer { d in
                var tile = 0
                while tile < nb {
                    let end = min(tile + tileB, nb)
                    for i in range {
                        let best = chk_hamming_row_using(variant, aw.baseAddress! + i * words, words,
                                                         bw.baseAddress! + tile * words, end - tile,
                                                         d.baseAddress!, nearA.baseAddress! + tile)
                        let k = i - range.lowerBound
                        part.nearestInB[k] = min(part.nearestInB[k], best)
                        if best <= t {
                            for j in 0..<(end - tile) where d[j] <= t {
                                perA[k].append(MatchPair(a: Int32(i), b: Int32(tile + j), distance: d[j]))
                            }
                        }
                    }
                    tile = end
                }
            }
        }
        part.pairs = perA.flatMap { $0 }
        return part
    }
}
