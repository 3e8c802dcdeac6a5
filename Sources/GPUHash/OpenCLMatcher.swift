import COpenCL
import Foundation
import HashKit

/// All-pairs cross-dataset Hamming matching on an OpenCL device (Kernels/hamming.cl).
///
/// Both sets go through device memory in tiles of at most `tileHashes` hashes (fewer when the
/// matcher's share of the device memory budget is smaller): for each tile of A, every tile of B
/// is compared with it (B stays resident when it fits in one tile, so it is uploaded once), the
/// A tile's pairs are sorted by (a, b) and handed on, and nearest distances are merged across
/// tiles on the host. Device memory is bounded by two tiles plus the pair list, host memory by
/// the nearest distances plus one A tile's pairs, however large the sets. `match` collects the
/// same stream, so both share one code path.
///
/// Results equal the CPU matcher's exactly: the kernel is integer-only, pairs are sorted by
/// (a, b) on the host, and nearest distances are minima (order-independent).
///
/// Thread-safety: one `match`/`stream` runs at a time per instance (calls are serialised by a
/// lock); use one matcher per thread for parallel matching.
public final class OpenCLMatcher: Matcher {
    public let device: OpenCLDeviceInfo
    /// The device's shared resources (context, queues, programs, memory budget).
    public let resources: OpenCLResources
    private let context: OpenCLContext
    private let queue = OpenCLResources.matcherQueue
    private let kernel64: CLKernel
    private let kernel256: CLKernel
    private let local: Int
    /// A hashes per work item, per width (kept in registers; each B hash read from local memory
    /// serves all of them). 256-bit hashes take four times the registers.
    private let rows64 = 16
    private let rows256 = 8
    private let lock = NSLock()

    /// Comparisons per kernel launch; bounds launch time (GPU watchdogs) and the pair buffer.
    var comparisonsPerLaunch = 1 << 30
    /// Initial capacity of the pair buffer, in pairs; grown (and the launch rerun) on overflow.
    var initialPairCapacity = 1 << 16
    /// Largest pair buffer; defaults to a quarter of the matcher's budget (tests lower it).
    var maxPairBytes: Int?
    /// Pairs of an A tile kept in memory before its spool goes to disk, when B takes several
    /// tiles (tests lower it).
    var spoolMemoryLimit = 1 << 20
    /// Most hashes of one set in device memory at once (one tile); tests lower it to force
    /// many tiles of both sets.
    var tileHashes = 1 << 20

    /// A matcher on its own resources object; use `init(resources:)` to share one with the engine.
    public convenience init(device: OpenCLDevice) throws {
        try self.init(resources: OpenCLResources(device: device))
    }

    public init(resources: OpenCLResources) throws {
        self.resources = resources
        device = resources.device
        context = resources.context
        // 64 fills a warp/wavefront; smaller only when the device cannot run 64 work items.
        var local = 64
        while local > 1 && local > device.maxWorkGroupSize { local /= 2 }
        kernel64 = try context.kernels(file: "hamming.cl", names: ["hamming_64"],
                                       defines: ["HAMMING_LOCAL": String(local), "HAMMING_ROWS": String(rows64)])[0]
        kernel256 = try context.kernels(file: "hamming.cl", names: ["hamming_256"],
                                        defines: ["HAMMING_LOCAL": String(local), "HAMMING_ROWS": String(rows256)])[0]
        self.local = local
    }

    /// The device with flat index `deviceIndex` (see `OpenCLDevices.list()`).
    public convenience init(deviceIndex: Int = 0) throws {
        try self.init(device: OpenCLDevices.device(at: deviceIndex))
    }

    public func match(_ a: PackedHashes, _ b: PackedHashes, threshold: Int) throws -> MatchResult {
        var pairs: [MatchPair] = []
        let nearest = try stream(a, b, threshold: threshold, nearestRadius: nil) { pairs += $0 }
        return MatchResult(pairs: pairs, nearestInB: nearest.nearestInB, nearestInA: nearest.nearestInA)
    }

    public func stream(_ a: PackedHashes, _ b: PackedHashes, threshold: Int, nearestRadius: Int?,
                       sink: (ArraySlice<MatchPair>) throws -> Void) throws -> NearestDistancesResult {
        guard a.wordsPerHash == b.wordsPerHash else { throw OpenCLError.mismatchedHashWidths(a.bits, b.bits) }
        guard a.wordsPerHash == 1 || a.wordsPerHash == 4 else { throw OpenCLError.unsupportedHashWidth(bits: a.bits) }
        guard threshold >= 0 else { throw OpenCLError.negativeThreshold(threshold) }
        for set in [a, b] where set.count > Int(Int32.max) { throw OpenCLError.tooManyHashes(set.count) }
        let nA = a.count, nB = b.count
        if nA == 0 || nB == 0 {
            return NearestDistancesResult(nearestInB: Array(repeating: .max, count: nA),
                                          nearestInA: Array(repeating: .max, count: nB))
        }
        lock.lock()
        defer { lock.unlock() }

        let words = a.wordsPerHash
        let hashBytes = words * 8
        let budget = resources.matcherBudgetBytes
        let maxPairBytes = self.maxPairBytes ?? max(12, min(resources.maxAllocationBytes, budget / 4))
        // An A tile and a B tile (hashes and nearest distances) share half the budget.
        let fitting = max(1, min(budget / 4, resources.maxAllocationBytes) / (hashBytes + 4))
        let tile = max(1, min(tileHashes, fitting))
        let tileA = min(tile, nA), tileB = min(tile, nB)

        let bufA = try CLBuffer(context, size: tileA * hashBytes, flags: CL_MEM_READ_ONLY, what: "hash tile of A")
        let bufB = try CLBuffer(context, size: tileB * hashBytes, flags: CL_MEM_READ_ONLY, what: "hash tile of B")
        let nearestB = try CLBuffer(context, size: tileA * 4, what: "nearest distances of an A tile")
        let nearestA = try CLBuffer(context, size: tileB * 4, what: "nearest distances of a B tile")
        let launcher = try TileLauncher(matcher: self, kernel: words == 1 ? kernel64 : kernel256,
                                        rowsPerGroup: local * (words == 1 ? rows64 : rows256),
                                        // No distance exceeds the hash width, so larger thresholds are all the same.
                                        threshold: Int32(clamping: min(threshold, a.bits)),
                                        maxPairBytes: maxPairBytes)
        // B resident: uploaded once when it is a single tile, else once per A tile.
        let bResident = nB <= tileB
        if bResident { try context.write(bufB, b.words, queue: queue) }

        var nearestInB: [UInt16] = []
        nearestInB.reserveCapacity(nA)
        var nearestInA = [UInt32](repeating: .max, count: nB)
        var aStart = 0
        while aStart < nA {
            let aCount = min(tileA, nA - aStart)
            try context.write(bufA, a.words[(aStart * words)..<((aStart + aCount) * words)], queue: queue)
            try context.fill(nearestB, with: .max, bytes: aCount * 4, queue: queue)
            // B in several tiles: each launch's pairs, sorted, go to a spool (on disk once large)
            // as one run per (row, B tile); the A tile is then handed on row by row, B tiles in
            // order. Host memory: 12 bytes per row and B tile, whatever the pairs.
            let bTiles = bResident ? 1 : (nB + tileB - 1) / tileB
            let spool = RecordSpool<MatchPair>(memoryLimit: spoolMemoryLimit)
            var runStart = bResident ? [] : [Int](repeating: 0, count: aCount * bTiles)
            var runCount = bResident ? [] : [UInt32](repeating: 0, count: aCount * bTiles)
            var bStart = 0
            while bStart < nB {
                let bCount = min(tileB, nB - bStart)
                if !bResident {
                    try context.write(bufB, b.words[(bStart * words)..<((bStart + bCount) * words)], queue: queue)
                }
                try context.fill(nearestA, with: .max, bytes: bCount * 4, queue: queue)
                try launcher.run(bufA: bufA, aCount: aCount, aOffset: aStart, bufB: bufB, bCount: bCount, bOffset: bStart,
                                 nearestB: nearestB, nearestA: nearestA) { found, rows in
                    // With B in one tile, a launch's rows are complete: hand them on at once, so
                    // host memory holds one launch's pairs however clustered the sets are.
                    let sorted = Self.sortedByAB(found, aOffset: aStart + rows.lowerBound, aCount: rows.count)
                    if bResident { return try sink(sorted[...]) }
                    let tile = bStart / tileB, base = spool.count
                    for (k, p) in sorted.enumerated() {
                        let run = (Int(p.a) - aStart) * bTiles + tile
                        if runCount[run] == 0 { runStart[run] = base + k }
                        runCount[run] += 1
                    }
                    try spool.append(contentsOf: sorted)
                }
                let tileNearest = try context.read(nearestA, count: bCount, as: UInt32.self, queue: queue)
                for j in 0..<bCount where tileNearest[j] < nearestInA[bStart + j] { nearestInA[bStart + j] = tileNearest[j] }
                bStart += bCount
            }
            if !bResident {
                try spool.seal()
                var block = [MatchPair]()
                for run in 0..<(aCount * bTiles) where runCount[run] > 0 {
                    for k in runStart[run]..<(runStart[run] + Int(runCount[run])) { block.append(spool[k]) }
                    if block.count >= 1 << 16 {
                        try sink(block[...])
                        block.removeAll(keepingCapacity: true)
                    }
                }
                if !block.isEmpty { try sink(block[...]) }
            }
            let tileNearest = try context.read(nearestB, count: aCount, as: UInt32.self, queue: queue)
            nearestInB += tileNearest.map { MatchResult.clamp(UInt16(clamping: $0), radius: nearestRadius) }
            aStart += aCount
        }
        return NearestDistancesResult(nearestInB: nearestInB,
                                      nearestInA: nearestInA.map { MatchResult.clamp(UInt16(clamping: $0), radius: nearestRadius) })
    }

    /// One A tile's pairs sorted by (a, b): a counting sort by row (a is within the tile), then
    /// each row by b. Linear in the pairs, where a comparison sort of a clustered tile's millions
    /// of pairs would dominate the match.
    static func sortedByAB(_ pairs: [MatchPair], aOffset: Int, aCount: Int) -> [MatchPair] {
        guard pairs.count > 1 else { return pairs }
        var rowStart = [Int](repeating: 0, count: aCount + 1)
        for p in pairs { rowStart[Int(p.a) - aOffset + 1] += 1 }
        for r in 0..<aCount { rowStart[r + 1] += rowStart[r] }
        var next = rowStart
        var sorted = [MatchPair](repeating: MatchPair(a: 0, b: 0, distance: 0), count: pairs.count)
        for p in pairs {
            let r = Int(p.a) - aOffset
            sorted[next[r]] = p
            next[r] += 1
        }
        for r in 0..<aCount where rowStart[r + 1] - rowStart[r] > 1 {
            sorted[rowStart[r]..<rowStart[r + 1]].sort { $0.b < $1.b }
        }
        return sorted
    }

    /// Runs the kernel over one (A tile, B tile) in launches of at most `comparisonsPerLaunch`,
    /// growing the pair buffer (and rerunning the launch) when a launch finds more pairs than it
    /// holds. Owns the pair buffer and counter, which live across tiles.
    private final class TileLauncher {
        private unowned let matcher: OpenCLMatcher
        private let kernel: CLKernel
        private let rowsPerGroup: Int
        private let threshold: Int32
        private let maxPairBytes: Int
        private let counter: CLBuffer
        private var capacity: Int
        private var pairBuffer: CLBuffer

        init(matcher: OpenCLMatcher, kernel: CLKernel, rowsPerGroup: Int, threshold: Int32, maxPairBytes: Int) throws {
            self.matcher = matcher
            self.kernel = kernel
            self.rowsPerGroup = rowsPerGroup
            self.threshold = threshold
            self.maxPairBytes = maxPairBytes
            counter = try CLBuffer(matcher.context, size: 4, what: "pair counter")
            capacity = max(1, min(matcher.initialPairCapacity, maxPairBytes / 12))
            pairBuffer = try CLBuffer(matcher.context, size: capacity * 12, what: "pair list")
        }

        func run(bufA: CLBuffer, aCount: Int, aOffset: Int, bufB: CLBuffer, bCount: Int, bOffset: Int,
                 nearestB: CLBuffer, nearestA: CLBuffer,
                 emit: (_ pairs: [MatchPair], _ rows: Range<Int>) throws -> Void) throws {
            let context = matcher.context, queue = matcher.queue, local = matcher.local
            let device = matcher.device
            // A in chunks: each chunk's pairs are read before the next, so the pair buffer only
            // has to hold one chunk's pairs.
            var chunk = max(rowsPerGroup, min(aCount, matcher.comparisonsPerLaunch / bCount) / rowsPerGroup * rowsPerGroup)
            var start = 0
            while start < aCount {
                let size = min(chunk, aCount - start)
                let groupsA = (size + rowsPerGroup - 1) / rowsPerGroup
                // Enough work groups to fill every compute unit several times over.
                let wantGroups = 16 * device.computeUnits
                let slices = max(1, min((bCount + local - 1) / local, (wantGroups + groupsA - 1) / groupsA))
                let slice = ((bCount + slices - 1) / slices + local - 1) / local * local
                let slicesUsed = (bCount + slice - 1) / slice

                try context.write(counter, [UInt32(0)], queue: queue)
                try kernel.set([.buffer(bufA), .u32(UInt32(start)), .u32(UInt32(start + size)),
                                .buffer(bufB), .u32(UInt32(bCount)), .u32(UInt32(slice)), .i32(threshold),
                                .buffer(counter), .u32(UInt32(capacity)), .buffer(pairBuffer),
                                .buffer(nearestB), .buffer(nearestA)])
                try context.launch(kernel, global: [groupsA * local, slicesUsed], local: [local, 1], queue: queue)
                let found = Int(try context.read(counter, count: 1, as: UInt32.self, queue: queue)[0])
                if found > capacity {
                    // Nearest minima are idempotent, so rerunning the chunk is harmless.
                    if found * 12 <= maxPairBytes {
                        capacity = found
                        pairBuffer = try CLBuffer(context, size: capacity * 12, what: "pair list")
                    } else if size > 1 {
                        chunk = max(1, size / 2)
                    } else {
                        throw OpenCLError.outOfResources(device: device.name, during: "matching (pair list of \(found) pairs)",
                                                         code: CL_MEM_OBJECT_ALLOCATION_FAILURE)
                    }
                    continue
                }
                let raw = try context.read(pairBuffer, count: found * 3, as: UInt32.self, queue: queue)
                var pairs = [MatchPair]()
                pairs.reserveCapacity(found)
                // The kernel's indices are within the tiles.
                for p in 0..<found {
                    pairs.append(MatchPair(a: Int32(Int(raw[3 * p]) + aOffset), b: Int32(Int(raw[3 * p + 1]) + bOffset),
                                           distance: UInt16(truncatingIfNeeded: raw[3 * p + 2])))
                }
                try emit(pairs, start..<(start + size))
                start += size
            }
        }
    }
}
