// The HammingIndex benchmark (scripts/bench_index.sh compiles it with Sources/CPUFallback/
// HammingIndex.swift alone, optimised, so it needs no package build): N uniformly random
// hashes per family (phash: 64-bit, blockmean: 256-bit), single-hash lookups at threshold 8,
// the index against the brute-force scan of the same column, answers compared; the bulk load,
// incremental writes, writes beside a live snapshot, and the index's bytes per image.
import Foundation

struct Mix: RandomNumberGenerator {  // SplitMix64, as HashKit's
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func now() -> Double { Date().timeIntervalSince1970 }

let args = CommandLine.arguments
let n = args.count > 1 ? Int(args[1]) ?? 1_000_000 : 1_000_000
let queryCount = args.count > 2 ? Int(args[2]) ?? 2000 : 2000
let families = args.count > 3 ? args[3].split(separator: ",").map(String.init) : ["phash", "blockmean"]
let threshold = 8
/// Forces m (substrings) for a comparison; default: `Layout.best`.
let forcedSubstrings = args.count > 4 ? Int(args[4]) : nil
print("HammingIndex benchmark: N = \(n) per family, \(queryCount) single-hash queries at threshold \(threshold) "
      + "(half near copies of stored hashes, half random), one thread")
var failures = 0

for (name, words) in [("phash", 1), ("blockmean", 4)] where families.contains(name) {
    var rng = Mix(state: UInt64(words) * 1_000_003)
    let stored = (0..<(n * words)).map { _ in rng.next() }
    var t0 = now()
    var index = forcedSubstrings.map { HammingIndex(layout: .init(words: words, substrings: $0), expectedCount: n) }
        ?? HammingIndex(words: words, threshold: threshold, expectedCount: n)
    index.add(slots: Array(0..<n), words: stored)
    let load = now() - t0
    let bytes = Double(index.memoryBytes) / Double(n)

    var queries = [[UInt64]]()
    for i in 0..<queryCount {
        if i % 2 == 0 {
            let s = rng.below(n)
            var q = Array(stored[(s * words)..<((s + 1) * words)])
            for _ in 0..<rng.below(threshold + 1) { let b = rng.below(64 * words); q[b / 64] ^= 1 << UInt64(b % 64) }
            queries.append(q)
        } else {
            queries.append((0..<words).map { _ in rng.next() })
        }
    }
    // The scan is slow: a tenth of the queries (at least 50) for its rate and the comparison.
    let scanned = max(50, queryCount / 10)
    t0 = now()
    var scanAnswers = [[HammingIndex.Match]]()
    for q in queries.prefix(scanned) { scanAnswers.append(index.search(q, threshold: threshold, strategy: .scan)) }
    let scanRate = Double(scanned) / (now() - t0)
    t0 = now()
    var indexAnswers = [[HammingIndex.Match]]()
    for q in queries { indexAnswers.append(index.search(q, threshold: threshold)) }
    let indexRate = Double(queryCount) / (now() - t0)
    let differ = zip(scanAnswers, indexAnswers).filter { $0 != $1 }.count
    failures += differ
    let matches = indexAnswers.map(\.count).reduce(0, +)
    let e = index.estimate(threshold: threshold)

    // Writes: replaces one at a time (a remove and an add in every table), then the same with a
    // snapshot taken before each (as a query running beside the writer would hold).
    let writes = 20_000
    t0 = now()
    for _ in 0..<writes {
        index.replace(slot: rng.below(n), words: (0..<words).map { _ in rng.next() })
    }
    let writeRate = Double(writes) / (now() - t0)
    let snapshotWrites = 2000
    t0 = now()
    var keep = [HammingIndex]()
    for _ in 0..<snapshotWrites {
        keep = [index]
        index.replace(slot: rng.below(n), words: (0..<words).map { _ in rng.next() })
    }
    let snapshotWriteRate = Double(snapshotWrites) / (now() - t0)
    keep.removeAll()

    print(String(format: "%@ (%@, key bits %@): load %.2f s; index %.0f lookups/s, brute-force scan %.1f lookups/s (x%.0f); "
                 + "%d matches; index and scan %@ (%d queries compared); estimate %.1f us index, %.1f us scan",
                 name, index.layout.description, index.tables.map { String($0.keyBits) }.joined(separator: ","), load,
                 indexRate, scanRate, indexRate / scanRate, matches, differ == 0 ? "agree" : "DIFFER", scanned,
                 e.index / 1000, e.scan / 1000))
    print(String(format: "%@: %.1f bytes an image (index: hashes, live bytes and tables); %.0f replaces/s, "
                 + "%.0f replaces/s with a snapshot taken before each", name, bytes, writeRate, snapshotWriteRate))
}
if failures > 0 {
    print("FAILED: \(failures) answers differ between the index and the scan")
    exit(1)
}
