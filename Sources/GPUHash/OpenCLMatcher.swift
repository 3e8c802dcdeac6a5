import COpenCL
import Foundation
import HashKit

/// All-pairs cross-dataset Hamming matching on an OpenCL device (Kernels/hamming.cl).
///
/// Results equal the CPU matcher's exactly: the kernel is integer-only, pairs are sorted by
/// (a, b) on the host, and nearest distances are minima (order-independent).
///
/// Thread-safety: one `match` runs at a time per instance (calls are serialised by a lock);
/// use one matcher per thread for parallel matching.
public final class OpenCLMatcher: Matcher {
    public let device: OpenCLDeviceInfo
    private let context: OpenCLContext
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
    /// Largest pair buffer; defaults to the device's allocation limit (tests lower it).
    var maxPairBytes: Int?

    public init(device: OpenCLDevice) throws {
        self.device = device.info
        context = try OpenCLContext(device: device)
        // 64 fills a warp/wavefront; smaller only when the device cannot run 64 work items.
        var local = 64
        while local > 1 && local > device.info.maxWorkGroupSize { local /= 2 }
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
        guard a.wordsPerHash == b.wordsPerHash else { throw OpenCLError.mismatchedHashWidths(a.bits, b.bits) }
        guard a.wordsPerHash == 1 || a.wordsPerHash == 4 else { throw OpenCLError.unsupportedHashWidth(bits: a.bits) }
        guard threshold >= 0 else { throw OpenCLError.negativeThreshold(threshold) }
        for set in [a, b] where set.count > Int(Int32.max) { throw OpenCLError.tooManyHashes(set.count) }
        let nA = a.count, nB = b.count
        if nA == 0 || nB == 0 {
            return MatchResult(pairs: [], nearestInB: Array(repeating: .max, count: nA),
                               nearestInA: Array(repeating: .max, count: nB))
        }
        lock.lock()
        defer { lock.unlock() }

        let kernel = a.wordsPerHash == 1 ? kernel64 : kernel256
        let hashBytes = a.wordsPerHash * 8
        let bufA = try CLBuffer(context, size: nA * hashBytes, flags: CL_MEM_READ_ONLY, what: "hash set A")
        let bufB = try CLBuffer(context, size: nB * hashBytes, flags: CL_MEM_READ_ONLY, what: "hash set B")
        try context.write(bufA, a.words)
        try context.write(bufB, b.words)
        let nearestB = try CLBuffer(context, size: nA * 4, what: "nearest distances of A")
        let nearestA = try CLBuffer(context, size: nB * 4, what: "nearest distances of B")
        try context.fill(nearestB, with: .max, bytes: nA * 4)
        try context.fill(nearestA, with: .max, bytes: nB * 4)
        let counter = try CLBuffer(context, size: 4, what: "pair counter")
        // No distance exceeds the hash width, so larger thresholds are all the same.
        let clampedThreshold = Int32(clamping: min(threshold, a.bits))

        let maxPairBytes = self.maxPairBytes ?? Int(min(device.maxAllocationBytes, UInt64(Int.max)))
        var capacity = max(1, min(initialPairCapacity, maxPairBytes / 12))
        var pairBuffer = try CLBuffer(context, size: capacity * 12, what: "pair list")

        // A in chunks: each chunk's pairs are read before the next, so the pair buffer only has
        // to hold one chunk's pairs.
        let rowsPerGroup = local * (a.wordsPerHash == 1 ? rows64 : rows256)
        var chunk = max(rowsPerGroup, min(nA, comparisonsPerLaunch / nB) / rowsPerGroup * rowsPerGroup)
        var pairs: [MatchPair] = []
        var start = 0
        while start < nA {
            let size = min(chunk, nA - start)
            let groupsA = (size + rowsPerGroup - 1) / rowsPerGroup
            // Enough work groups to fill every compute unit several times over.
            let wantGroups = 16 * device.computeUnits
            let slices = max(1, min((nB + local - 1) / local, (wantGroups + groupsA - 1) / groupsA))
            let slice = ((nB + slices - 1) / slices + local - 1) / local * local
            let slicesUsed = (nB + slice - 1) / slice

            try context.write(counter, [UInt32(0)])
            try kernel.set([.buffer(bufA), .u32(UInt32(start)), .u32(UInt32(start + size)),
                            .buffer(bufB), .u32(UInt32(nB)), .u32(UInt32(slice)), .i32(clampedThreshold),
                            .buffer(counter), .u32(UInt32(capacity)), .buffer(pairBuffer),
                            .buffer(nearestB), .buffer(nearestA)])
            try context.launch(kernel, global: [groupsA * local, slicesUsed], local: [local, 1])
            let found = Int(try context.read(counter, count: 1, as: UInt32.self)[0])
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
            let raw = try context.read(pairBuffer, count: found * 3, as: UInt32.self)
            pairs.reserveCapacity(pairs.count + found)
            for p in 0..<found {
                pairs.append(MatchPair(a: Int32(bitPattern: raw[3 * p]), b: Int32(bitPattern: raw[3 * p + 1]),
                                       distance: UInt16(truncatingIfNeeded: raw[3 * p + 2])))
            }
            start += size
        }
        pairs.sort { ($0.a, $0.b) < ($1.a, $1.b) }
        let nearestInB = try context.read(nearestB, count: nA, as: UInt32.self).map { UInt16(clamping: $0) }
        let nearestInA = try context.read(nearestA, count: nB, as: UInt32.self).map { UInt16(clamping: $0) }
        return MatchResult(pairs: pairs, nearestInB: nearestInB, nearestInA: nearestInA)
    }
}
