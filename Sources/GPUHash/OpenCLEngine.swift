import COpenCL
import Foundation
import HashKit

/// phash and blockmean on an OpenCL device, bit for bit equal to HashKit's ReferenceHasher.
///
/// Per chunk of images: Pillow L (grey.cl) -> two LANCZOS passes to 32x32 (lanczos.cl) ->
/// pocketfft DCT, median, bits (dct.cl); and INTER_LINEAR_EXACT + BGR2GRAY + block sums
/// (blockmean.cl) from the colour pixels, through a 256x256 grey image. Every table (LANCZOS coefficients and pass order,
/// linear-exact offsets and weights, DCT twiddles) comes from HashKit, so the device and the CPU
/// cannot drift apart.
///
/// A batch is cut into chunks that alternate between two sets of device buffers and two
/// command queues: chunk n+1 is uploaded while chunk n computes. Each set has its own pinned
/// host staging buffer (CLPinnedStaging): the host copies a chunk's tables, and on devices with
/// memory of their own its pixels, into it and the device pulls them with non-blocking writes,
/// which a GPU can only overlap with kernels when the source is pinned (see `stagePixels`).
///
/// Images too large for the device, and the DCT on devices without fp64, run on the CPU with
/// HashKit's reference code; `onNotice` is told once when that happens.
///
/// Thread-safety: not thread-safe; use an engine from one thread at a time (the pipeline has a
/// single hashing consumer). `hash` serialises concurrent calls with a lock as a safety net.
public final class OpenCLEngine: HashEngine {
    public let device: OpenCLDeviceInfo
    public let description: EngineDescription
    public let preferredBatchPixels: Int
    /// Receives one-line notices (CPU fallback for the DCT or for oversized images).
    public var onNotice: ((String) -> Void)?
    /// True when the device lacks fp64 and the phash DCT runs on the host.
    public private(set) var dctOnHost: Bool

    private let context: OpenCLContext
    private let greyKernel: CLKernel
    private let lanczosKernel: CLKernel
    private let dctKernel: CLKernel?
    private let blockmeanResizeKernel: CLKernel
    private let blockmeanKernel: CLKernel
    private let blockmeanLocal: Int
    private let dctTables: CLBuffer
    private var slots: [Slot]
    private let lock = NSLock()
    // Bounded in bytes as well as sides, so clients sending many odd sizes cannot grow them.
    private let lanczosCache = SideCache<LanczosAxis>(capacity: 4096, maxCost: 64 << 20) { $0.coefficients.count * 4 }
    private let linearCache = SideCache<LinearExactAxis>(capacity: 4096, maxCost: 16 << 20) { $0.index0.count * 12 }
    private var warnedOversized = false
    private var warnedHostDCT = false

    /// Most device bytes one chunk may use; an image needing more is hashed on the CPU.
    var maxChunkBytes: Int
    /// Smallest chunk worth a round trip; batches are cut into about four chunks above it, so
    /// that the upload of one chunk overlaps the kernels of the previous one.
    var minChunkBytes = 8 << 20
    /// Most images in one chunk (bounds the per-image tables).
    var chunkImages = 1024
    /// Whether pixels reach the device through the pinned staging (tables always do). True for
    /// devices with memory of their own; on devices that share host memory (CPU drivers such as
    /// PoCL, integrated GPUs) the driver reads the images' own arrays without a bounce buffer, so
    /// pinning saves nothing and the extra host copy cost a quarter of PoCL's hashing throughput.
    /// Tests set it to run either path on any device.
    var stagePixels: Bool
    /// For tests: receives every device-hashed image's 32x32 LANCZOS pixels (batch index, pixels).
    var captureResized: ((Int, [UInt8]) -> Void)?
    /// For measurements: when set, every kernel is waited for and its wall time reported
    /// (this serialises the two queues, so only use it to find the slow kernel).
    var profile: ((String, Double) -> Void)?
    /// Pixels per tile of grey.cl and outputs per tile of lanczos.cl (see the kernels).
    private let greyTile = 1024
    private let lanczosTile = 256

    /// The device's shared resources (context, queues, programs, memory budget).
    public let resources: OpenCLResources

    /// An engine on its own resources object; use `init(resources:)` to share one with the matcher.
    public convenience init(device: OpenCLDevice) throws {
        try self.init(resources: OpenCLResources(device: device))
    }

    public init(resources: OpenCLResources) throws {
        self.resources = resources
        let info = resources.device
        self.device = info
        description = EngineDescription(kind: "opencl", name: info.name, platform: info.platformName)
        context = resources.context
        let runtimeDevice = context.device
        let unified: cl_bool = OpenCLDevices.deviceValue(runtimeDevice.runtime.api, runtimeDevice.deviceID,
                                                         CL_DEVICE_HOST_UNIFIED_MEMORY) ?? 0
        stagePixels = unified == 0

        // Two chunks in flight within the engine's share of the budget, each needing ~2x its
        // pixel bytes (pixels, L plane, intermediate); 1 GiB keeps 32-bit offsets safe and host
        // staging modest.
        maxChunkBytes = max(1 << 20, min(resources.maxAllocationBytes, resources.engineBudgetBytes / 4, 1 << 30))
        preferredBatchPixels = max(1 << 20, min(maxChunkBytes / 2, 1 << 26))

        greyKernel = try context.kernels(file: "grey.cl", names: ["pillow_grey"])[0]
        lanczosKernel = try context.kernels(file: "lanczos.cl", names: ["lanczos_pass"])[0]
        var local = 256
        while local > 4 && local > info.maxWorkGroupSize { local /= 2 }
        var bm = try context.kernels(file: "blockmean.cl", names: ["blockmean_resize", "blockmean_bits"],
                                     defines: ["BLOCKMEAN_LOCAL": String(local)])
        // The kernel's own limit can be lower than the device's (register pressure).
        while local > 4 && bm[1].maxWorkGroupSize < local {
            local /= 2
            bm = try context.kernels(file: "blockmean.cl", names: ["blockmean_resize", "blockmean_bits"],
                                     defines: ["BLOCKMEAN_LOCAL": String(local)])
        }
        blockmeanResizeKernel = bm[0]
        blockmeanKernel = bm[1]
        blockmeanLocal = local

        if info.supportsFP64 && info.maxWorkGroupSize >= 32 {
            dctKernel = try context.kernels(file: "dct.cl", names: ["phash_dct"])[0]
            dctOnHost = false
        } else {
            dctKernel = nil
            dctOnHost = true
        }
        let tables = PocketDCT32.twiddlesA + PocketDCT32.twiddlesB + PocketDCT32.postTwiddles + [PocketDCT32.sqrt2]
        dctTables = try CLBuffer(context, size: tables.count * 8, flags: CL_MEM_READ_ONLY, what: "DCT twiddles")
        try context.write(dctTables, tables)
        slots = [Slot(api: context.api), Slot(api: context.api)]
    }

    /// The device with flat index `deviceIndex` (see `OpenCLDevices.list()`).
    public convenience init(deviceIndex: Int = 0) throws {
        try self.init(device: OpenCLDevices.device(at: deviceIndex))
    }

    /// For tests: force the host DCT path on an fp64 device.
    func forceHostDCT() { dctOnHost = true }

    public func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
        lock.lock()
        defer { lock.unlock() }
        if dctKernel == nil, !batch.isEmpty, !warnedHostDCT {
            warnedHostDCT = true
            notice("OpenCL device \(device.name) has no fp64: the phash DCT runs on the CPU")
        }
        var results = [ImageHashes?](repeating: nil, count: batch.count)
        let sizes = batch.map(Self.deviceBytes)
        let fitting = sizes.filter { $0 <= maxChunkBytes }.reduce(0, +)
        let chunkBytes = min(maxChunkBytes, max(minChunkBytes, (fitting + 3) / 4))
        var chunks: [[Int]] = []
        var current: [Int] = []
        var currentBytes = 0
        var oversized: [Int] = []
        for (i, image) in batch.enumerated() {
            let bytes = sizes[i]
            if bytes > maxChunkBytes || Self.needsBandedTables(image) {
                if !warnedOversized {
                    warnedOversized = true
                    notice("image of \(image.width)x\(image.height) is too large for OpenCL device \(device.name); hashing it on the CPU")
                }
                oversized.append(i)
                continue
            }
            if !current.isEmpty && (currentBytes + bytes > chunkBytes || current.count >= chunkImages) {
                chunks.append(current)
                current = []
                currentBytes = 0
            }
            current.append(i)
            currentBytes += bytes
        }
        if !current.isEmpty { chunks.append(current) }

        // Chunk c runs on slot c % 2; a slot's previous chunk is collected before it is reused,
        // so the upload of chunk c overlaps the kernels of chunk c - 1 on the other queue.
        var pending: [Int?] = [nil, nil]
        do {
            for (c, chunk) in chunks.enumerated() {
                let s = c % 2
                if let previous = pending[s] { try collect(chunks[previous], slot: s, batch: batch, into: &results) }
                try enqueue(chunk, slot: s, batch: batch)
                pending[s] = c
            }
            // While the device finishes the last chunks.
            for i in oversized { results[i] = ReferenceHasher.hash(batch[i]) }
            for c in chunks.indices.suffix(2) {
                try collect(chunks[c], slot: c % 2, batch: batch, into: &results)
            }
        } catch {
            // Leave both queues idle so the engine stays usable after a failure.
            for s in 0..<2 { try? context.finish(queue: s) }
            throw error
        }
        var out: [ImageHashes] = []
        out.reserveCapacity(batch.count)
        for (i, r) in results.enumerated() {
            guard let r else { throw OpenCLError.callFailed(function: "hash (image \(i) left unhashed)", code: CL_INVALID_VALUE) }
            out.append(r)
        }
        return out
    }

    private func notice(_ text: String) { onNotice?(text) }

    /// Device bytes an image needs: its pixels and L plane (padded to grey.cl tiles), the LANCZOS
    /// intermediate and coefficient tables (about 6 * size / 32 taps per output, 32 per axis).
    static func deviceBytes(_ image: DecodedImage) -> Int {
        let tables = 4 * 32 * (6 * (image.width + image.height) / 32 + 16)
        let padded = image.pixelCount + 1024
        return padded * (image.layout == .rgb ? 4 : 1) + intermediateSize(image) + tables + 65536
    }

    /// Whether a LANCZOS axis of the image is too long for a dense table (a thin image, say
    /// 1 x 40M: 960 MB of coefficients). Such images are hashed on the host, whose reference
    /// path makes those coefficients on demand; the results are the same bit for bit.
    static func needsBandedTables(_ image: DecodedImage) -> Bool {
        [image.width, image.height].contains {
            $0 != 32 && LanczosAxis.denseTableBytes(inSize: $0, outSize: 32) > LanczosAxis.defaultDenseLimitBytes
        }
    }

    /// Bytes of the first pass's output: 32 x height (horizontal first), width x 32 (vertical
    /// first) or 32 x 32 (one pass or none).
    static func intermediateSize(_ image: DecodedImage) -> Int {
        switch PassOrder.pillow13(width: image.width, height: image.height, outWidth: 32, outHeight: 32) {
        case .horizontalFirst: return max(32 * image.height, 1024)
        case .verticalFirst: return max(32 * image.width, 1024)
        case .copy, .horizontalOnly, .verticalOnly: return 1024
        }
    }

    private func lanczos(_ size: Int) -> LanczosAxis {
        lanczosCache.value(for: size) { LanczosAxis(inSize: $0, outSize: 32) }
    }

    private func linear(_ size: Int) -> LinearExactAxis {
        linearCache.value(for: size) { LinearExactAxis(srcSize: $0, dstSize: 256) }
    }

    // MARK: one chunk

    /// Device buffers of one slot, grown on demand and reused across chunks and batches, and the
    /// slot's pinned host staging (see CLPinnedStaging for why it is pinned).
    private final class Slot {
        var buffers: [String: CLBuffer] = [:]
        private(set) var staging: CLPinnedStaging?
        /// How many staging buffers this slot has allocated (for tests).
        private(set) var stagingAllocations = 0
        /// The writes that still read from `staging`; waited for before the host rewrites it.
        var stagingReads: [cl_event] = []
        private let api: UnsafePointer<copencl_api>

        init(api: UnsafePointer<copencl_api>) { self.api = api }

        deinit { for e in stagingReads { _ = ccl_ReleaseEvent(api, e) } }

        func buffer(_ name: String, bytes: Int, context: OpenCLContext) throws -> CLBuffer {
            let old = buffers[name]?.size ?? 0
            if let b = buffers[name], old >= bytes { return b }
            buffers[name] = nil  // release before allocating the larger one
            // Grow by 1.5x so slowly rising chunk sizes do not reallocate every time.
            let b = try CLBuffer(context, size: max(bytes, old * 3 / 2), what: name)
            buffers[name] = b
            return b
        }

        /// Blocks until no enqueued write reads from the staging buffer any more.
        func waitForStagingReads(context: OpenCLContext) throws {
            guard !stagingReads.isEmpty else { return }
            let events: [cl_event?] = stagingReads
            stagingReads = []
            defer { for case let e? in events { _ = ccl_ReleaseEvent(api, e) } }
            let status = events.withUnsafeBufferPointer { ccl_WaitForEvents(api, cl_uint($0.count), $0.baseAddress) }
            try clCheck(status, "clWaitForEvents(staging uploads)", device: context.deviceName)
        }

        /// Staging of at least `bytes`; call only after `waitForStagingReads`.
        func stagingBuffer(bytes: Int, queue: Int, context: OpenCLContext) throws -> CLPinnedStaging {
            let old = staging?.size ?? 0
            if let staging, old >= bytes { return staging }
            staging = nil  // unmap and release (pinned memory is scarce) before allocating the larger one
            let grown = try CLPinnedStaging(context, size: max(bytes, old * 3 / 2), queue: queue, what: "pinned staging")
            staging = grown
            stagingAllocations += 1
            return grown
        }
    }

    /// Where each upload of a chunk sits in the slot's staging buffer. Uploads that are nearly
    /// contiguous in the same device buffer (images separated only by tile padding) share one
    /// write, so a chunk costs about a dozen writes whatever its image count; the padding bytes
    /// uploaded with them are never read by the kernels.
    private struct StagingPlan {
        struct Write {
            let buffer: String
            let deviceOffset: Int
            let stagingOffset: Int
            var bytes: Int
        }
        private(set) var writes: [Write] = []
        private(set) var bytes = 0

        /// Reserves `count` bytes bound for `buffer` at `deviceOffset`; returns their staging offset.
        mutating func place(_ buffer: String, deviceOffset: Int, count: Int) -> Int {
            if var last = writes.last, last.buffer == buffer {
                let end = last.deviceOffset + last.bytes
                if deviceOffset >= end && deviceOffset - end < 4096 {
                    last.bytes = deviceOffset + count - last.deviceOffset
                    writes[writes.count - 1] = last
                    bytes = last.stagingOffset + last.bytes
                    return last.stagingOffset + (deviceOffset - last.deviceOffset)
                }
            }
            let start = (bytes + 63) / 64 * 64
            writes.append(Write(buffer: buffer, deviceOffset: deviceOffset, stagingOffset: start, bytes: count))
            bytes = start + count
            return start
        }
    }

    /// Staging bytes of each slot, and staging buffers allocated so far (for tests).
    var stagingCapacity: [Int] { slots.map { $0.staging?.size ?? 0 } }
    var stagingAllocations: Int { slots.reduce(0) { $0 + $1.stagingAllocations } }
    /// Bytes that went to the device through the pinned staging (for tests).
    private(set) var stagedBytes = 0

    /// One chunk: its tables built on the host, staged and written to slot `s`'s device buffers,
    /// and the kernels launched on queue `s` (not waited for: `collect` reads the results).
    private func enqueue(_ chunk: [Int], slot s: Int, batch: [DecodedImage]) throws {
        let prepareStart = Date()
        let tables = ChunkTables(chunk: chunk, batch: batch, greyTile: greyTile, lanczosTile: lanczosTile,
                                 lanczos: lanczos, linear: linear)
        profile?("prepare tables", Date().timeIntervalSince(prepareStart))
        let buffers = try upload(tables, chunk: chunk, batch: batch, slot: slots[s], queue: s)
        try launch(tables, on: buffers, images: chunk.count, queue: s)
    }

    /// What the kernels read for one chunk, built on the host. Per image: where its pixels go,
    /// the parameters of the two LANCZOS passes, BlockMeanHash's descriptor and the work tiles of
    /// each kernel. Per distinct axis size: one LANCZOS and one linear table, shared by the
    /// images of that size.
    private struct ChunkTables {
        /// Per image: x offset in `pixels` or `plane`, width, channels, linear table of each axis.
        var bmDesc: [UInt32] = []
        /// Per image, 9 values: src off, src stride, dst off, out w, out h, mode (0 copy, 1 h,
        /// 2 v), table index, coefficient offset, max taps.
        var pass1: [Int32] = [], pass2: [Int32] = []
        var xmin: [Int32] = [], taps: [Int32] = [], coeffs: [Int32] = []
        var linearTables: [Int32] = []
        /// (source, destination) offsets of each grey.cl tile; (image, first output) of each
        /// LANCZOS tile.
        var greyTiles: [UInt32] = [], pass1Tiles: [UInt32] = [], pass2Tiles: [UInt32] = []
        /// Per image: RGB pixels go to `pixels` and are converted into `plane` by grey.cl (both
        /// regions padded to whole tiles); grey pixels are uploaded straight into `plane`.
        var uploads: [(buffer: String, offset: Int)] = []
        /// Bytes of the `pixels`, `plane` and `mid` device buffers the chunk uses.
        var pixelBytes = 0, planeBytes = 0, midBytes = 0
        private var lanczosIndex: [Int: (table: Int32, coeff: Int32, maxTaps: Int32)] = [:]
        private var linearIndex: [Int: Int32] = [:]

        init(chunk: [Int], batch: [DecodedImage], greyTile: Int, lanczosTile: Int,
             lanczos: (Int) -> LanczosAxis, linear: (Int) -> LinearExactAxis) {
            bmDesc.reserveCapacity(5 * chunk.count)
            for (k, i) in chunk.enumerated() {
                add(batch[i], index: k, greyTile: greyTile, lanczosTile: lanczosTile, lanczos: lanczos, linear: linear)
            }
        }

        private mutating func lanczosTable(_ size: Int, _ lanczos: (Int) -> LanczosAxis) -> (table: Int32, coeff: Int32, maxTaps: Int32) {
            if let t = lanczosIndex[size] { return t }
            let axis = lanczos(size)
            let t = (Int32(xmin.count), Int32(coeffs.count), Int32(axis.maxTaps))
            xmin += axis.xmin
            taps += axis.taps
            coeffs += axis.coefficients
            lanczosIndex[size] = t
            return t
        }

        private mutating func linearTable(_ size: Int, _ linear: (Int) -> LinearExactAxis) -> Int32 {
            if let t = linearIndex[size] { return t }
            let axis = linear(size)
            let t = Int32(linearTables.count)
            linearTables += axis.index0
            linearTables += axis.index1
            linearTables += axis.weight1
            linearIndex[size] = t
            return t
        }

        private static func addTiles(_ tiles: inout [UInt32], image: Int, count: Int, size: Int) {
            for first in stride(from: 0, to: count, by: size) { tiles += [UInt32(image), UInt32(first)] }
        }

        private mutating func add(_ image: DecodedImage, index k: Int, greyTile: Int, lanczosTile: Int,
                                  lanczos: (Int) -> LanczosAxis, linear: (Int) -> LinearExactAxis) {
            let w = image.width, h = image.height, ch = image.layout.channels
            let padded = (image.pixelCount + greyTile - 1) / greyTile * greyTile
            if ch == 3 {
                uploads.append(("pixels", pixelBytes))
                for t in 0..<(padded / greyTile) {
                    greyTiles += [UInt32(pixelBytes + 3 * greyTile * t), UInt32(planeBytes + greyTile * t)]
                }
            } else {
                uploads.append(("plane", planeBytes))
            }
            let linearW = linearTable(w, linear), linearH = linearTable(h, linear)
            bmDesc += [UInt32(ch == 3 ? pixelBytes : planeBytes), UInt32(w), UInt32(ch), UInt32(linearW), UInt32(linearH)]

            let out32 = Int32(1024 * k)
            let plane = Int32(planeBytes), mid = Int32(midBytes)
            // A LANCZOS table is made only for an axis a pass filters.
            func hParams(src: Int32, stride: Int, dst: Int32, rows: Int) -> [Int32] {
                let t = lanczosTable(w, lanczos)
                return [src, Int32(stride), dst, 32, Int32(rows), 1, t.table, t.coeff, t.maxTaps]
            }
            func vParams(src: Int32, width: Int, dst: Int32) -> [Int32] {
                let t = lanczosTable(h, lanczos)
                return [src, Int32(width), dst, Int32(width), 32, 2, t.table, t.coeff, t.maxTaps]
            }
            func copy(src: Int32, dst: Int32) -> [Int32] { [src, 32, dst, 32, 32, 0, 0, 0, 0] }
            switch PassOrder.pillow13(width: w, height: h, outWidth: 32, outHeight: 32) {
            case .copy:
                pass1 += copy(src: plane, dst: mid)
                pass2 += copy(src: mid, dst: out32)
            case .horizontalOnly:
                pass1 += hParams(src: plane, stride: w, dst: mid, rows: 32)
                pass2 += copy(src: mid, dst: out32)
            case .verticalOnly:
                pass1 += vParams(src: plane, width: 32, dst: mid)
                pass2 += copy(src: mid, dst: out32)
            case .horizontalFirst:
                // Every source row is filtered; Pillow filters only the rows the vertical pass
                // reads, which gives the same values for those rows.
                pass1 += hParams(src: plane, stride: w, dst: mid, rows: h)
                pass2 += vParams(src: mid, width: 32, dst: out32)
            case .verticalFirst:
                pass1 += vParams(src: plane, width: w, dst: mid)
                pass2 += hParams(src: mid, stride: w, dst: out32, rows: 32)
            }
            Self.addTiles(&pass1Tiles, image: k, count: Int(pass1[9 * k + 3] * pass1[9 * k + 4]), size: lanczosTile)
            Self.addTiles(&pass2Tiles, image: k, count: 1024, size: lanczosTile)
            if ch == 3 { pixelBytes += 3 * padded }
            planeBytes += padded
            midBytes += OpenCLEngine.intermediateSize(image)
        }

        /// Each table with the name of its device buffer, in staging order.
        func forEachTable(_ body: (_ name: String, _ bytes: UnsafeRawBufferPointer) throws -> Void) rethrows {
            try greyTiles.withUnsafeBytes { try body("greyTiles", $0) }
            try pass1Tiles.withUnsafeBytes { try body("pass1Tiles", $0) }
            try pass2Tiles.withUnsafeBytes { try body("pass2Tiles", $0) }
            try pass1.withUnsafeBytes { try body("pass1", $0) }
            try pass2.withUnsafeBytes { try body("pass2", $0) }
            try xmin.withUnsafeBytes { try body("xmin", $0) }
            try taps.withUnsafeBytes { try body("taps", $0) }
            try coeffs.withUnsafeBytes { try body("coeffs", $0) }
            try bmDesc.withUnsafeBytes { try body("bmDesc", $0) }
            try linearTables.withUnsafeBytes { try body("linear", $0) }
        }
    }

    /// The device buffers one chunk's kernels use (slot buffers, grown on demand).
    private struct ChunkBuffers {
        let pixels: CLBuffer, plane: CLBuffer, mid: CLBuffer, resized: CLBuffer, grey256: CLBuffer
        let phash: CLBuffer, blockmean: CLBuffer
        let tables: [String: CLBuffer]

        func table(_ name: String) throws -> CLBuffer {
            guard let b = tables[name] else {
                throw OpenCLError.callFailed(function: "enqueue (no device buffer \(name))", code: CL_INVALID_VALUE)
            }
            return b
        }
    }

    /// Writes a chunk's pixels and tables to the slot's device buffers. The host fills the slot's
    /// pinned staging and the device copies it in with non-blocking writes on queue `q`, so the
    /// host goes on to the kernels (and the next chunk) at once. The staging is rewritten only
    /// after the writes of the chunk before that have read it.
    private func upload(_ tables: ChunkTables, chunk: [Int], batch: [DecodedImage], slot: Slot, queue q: Int) throws -> ChunkBuffers {
        let n = chunk.count
        var plan = StagingPlan()
        var imageStaging = [Int](repeating: 0, count: n)
        for pass in ["pixels", "plane"] where stagePixels {
            for (k, i) in chunk.enumerated() where tables.uploads[k].buffer == pass {
                imageStaging[k] = plan.place(pass, deviceOffset: tables.uploads[k].offset, count: batch[i].pixels.count)
            }
        }
        var tableSizes: [(name: String, bytes: Int)] = []
        tables.forEachTable { name, raw in tableSizes.append((name, raw.count)) }
        let tableStaging = tableSizes.map { plan.place($0.name, deviceOffset: 0, count: $0.bytes) }
        try slot.waitForStagingReads(context: context)
        let staging = try slot.stagingBuffer(bytes: plan.bytes, queue: q, context: context)
        for (k, i) in chunk.enumerated() where stagePixels {
            batch[i].pixels.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                (staging.pointer + imageStaging[k]).copyMemory(from: base, byteCount: raw.count)
            }
        }
        var t = 0
        tables.forEachTable { _, raw in
            if let base = raw.baseAddress { (staging.pointer + tableStaging[t]).copyMemory(from: base, byteCount: raw.count) }
            t += 1
        }

        let pixels = try slot.buffer("pixels", bytes: tables.pixelBytes, context: context)
        let plane = try slot.buffer("plane", bytes: tables.planeBytes, context: context)
        if !stagePixels {
            // Blocking: the images' arrays may be released once `hash` returns.
            for (k, i) in chunk.enumerated() {
                let upload = tables.uploads[k]
                let target = upload.buffer == "pixels" ? pixels : plane
                try batch[i].pixels.withUnsafeBytes { raw in
                    try clCheck(ccl_EnqueueWriteBuffer(context.api, context.queues[q], target.mem, cl_bool(CL_TRUE),
                                                       upload.offset, raw.count, raw.baseAddress, 0, nil, nil),
                                "clEnqueueWriteBuffer(\(upload.buffer))", device: device.name)
                }
            }
        }
        var tableBuffers: [String: CLBuffer] = [:]
        for table in tableSizes { tableBuffers[table.name] = try slot.buffer(table.name, bytes: table.bytes, context: context) }
        for write in plan.writes where write.bytes > 0 {
            guard let target = write.buffer == "pixels" ? pixels : write.buffer == "plane" ? plane : tableBuffers[write.buffer] else {
                throw OpenCLError.callFailed(function: "enqueue (no device buffer \(write.buffer))", code: CL_INVALID_VALUE)
            }
            var event: cl_event?
            try clCheck(ccl_EnqueueWriteBuffer(context.api, context.queues[q], target.mem, cl_bool(CL_FALSE), write.deviceOffset,
                                               write.bytes, staging.pointer + write.stagingOffset, 0, nil, &event),
                        "clEnqueueWriteBuffer(\(write.buffer))", device: device.name)
            if let event { slot.stagingReads.append(event) }
            stagedBytes += write.bytes
        }
        let mid = try slot.buffer("mid", bytes: tables.midBytes, context: context)
        let resized = try slot.buffer("resized", bytes: 1024 * n, context: context)
        let grey256 = try slot.buffer("grey256", bytes: 65536 * n, context: context)
        return ChunkBuffers(pixels: pixels, plane: plane, mid: mid, resized: resized, grey256: grey256,
                            phash: try slot.buffer("phash", bytes: 8 * n, context: context),
                            blockmean: try slot.buffer("blockmean", bytes: 32 * n, context: context),
                            tables: tableBuffers)
    }

    /// The kernels of one chunk on queue `q`: grey (RGB images only), the two LANCZOS passes,
    /// the DCT (unless it runs on the host), BlockMeanHash's resize and bits; then a flush.
    private func launch(_ tables: ChunkTables, on b: ChunkBuffers, images n: Int, queue q: Int) throws {
        // Work groups of one tile's size where the device allows (PoCL picks tiny groups on its own).
        let tileLocal: [Int]? = device.maxWorkGroupSize >= lanczosTile ? [lanczosTile] : nil
        var clock = Date()
        func measured(_ name: String) throws {
            guard let profile else { return }
            try context.finish(queue: q)
            profile(name, Date().timeIntervalSince(clock))
            clock = Date()
        }
        try measured("upload")
        if !tables.greyTiles.isEmpty {
            // One work item per 4 pixels.
            try greyKernel.set([.buffer(b.pixels), .buffer(b.plane), .buffer(b.table("greyTiles")), .u32(UInt32(greyTile / 4))])
            try context.launch(greyKernel, global: [tables.greyTiles.count / 2 * greyTile / 4], local: tileLocal, queue: q)
            try measured("grey")
        }
        let xmin = try b.table("xmin"), taps = try b.table("taps"), coeffs = try b.table("coeffs")
        try lanczosKernel.set([.buffer(b.plane), .buffer(b.mid), .buffer(b.table("pass1")), .buffer(xmin), .buffer(taps),
                               .buffer(coeffs), .buffer(b.table("pass1Tiles")), .u32(UInt32(lanczosTile))])
        try context.launch(lanczosKernel, global: [tables.pass1Tiles.count / 2 * lanczosTile], local: tileLocal, queue: q)
        try measured("lanczos pass 1")
        try lanczosKernel.set([.buffer(b.mid), .buffer(b.resized), .buffer(b.table("pass2")), .buffer(xmin), .buffer(taps),
                               .buffer(coeffs), .buffer(b.table("pass2Tiles")), .u32(UInt32(lanczosTile))])
        try context.launch(lanczosKernel, global: [tables.pass2Tiles.count / 2 * lanczosTile], local: tileLocal, queue: q)
        try measured("lanczos pass 2")
        if !dctOnHost, let dctKernel {
            try dctKernel.set([.buffer(b.resized), .buffer(dctTables), .buffer(b.phash)])
            try context.launch(dctKernel, global: [32 * n], local: [32], queue: q)
            try measured("dct")
        }
        try blockmeanResizeKernel.set([.buffer(b.pixels), .buffer(b.plane), .buffer(b.table("bmDesc")), .buffer(b.table("linear")),
                                       .buffer(b.grey256)])
        try context.launch(blockmeanResizeKernel, global: [65536 * n], local: tileLocal, queue: q)
        try measured("blockmean resize")
        try blockmeanKernel.set([.buffer(b.grey256), .buffer(b.blockmean)])
        try context.launch(blockmeanKernel, global: [blockmeanLocal * n], local: [blockmeanLocal], queue: q)
        try measured("blockmean bits")
        try clCheck(ccl_Flush(context.api, context.queues[q]), "clFlush", device: device.name)
    }

    private func collect(_ chunk: [Int], slot s: Int, batch: [DecodedImage], into results: inout [ImageHashes?]) throws {
        let slot = slots[s]
        let n = chunk.count
        guard let bmOut = slot.buffers["blockmean"], let phashOut = slot.buffers["phash"],
              let resized = slot.buffers["resized"] else {
            throw OpenCLError.callFailed(function: "collect (chunk was never enqueued)", code: CL_INVALID_VALUE)
        }
        let words = try context.read(bmOut, count: 4 * n, as: UInt64.self, queue: s)
        if let captureResized {
            let pixels = try context.read(resized, count: 1024 * n, as: UInt8.self, queue: s)
            for (k, i) in chunk.enumerated() { captureResized(i, Array(pixels[(1024 * k)..<(1024 * (k + 1))])) }
        }
        let phashes: [UInt64]
        if dctOnHost {
            let pixels = try context.read(resized, count: 1024 * n, as: UInt8.self, queue: s)
            phashes = (0..<n).map { PHash.hash(resized: Array(pixels[(1024 * $0)..<(1024 * ($0 + 1))])) }
        } else {
            phashes = try context.read(phashOut, count: n, as: UInt64.self, queue: s)
        }
        for (k, i) in chunk.enumerated() {
            let bm = Hash256(words: SIMD4(words[4 * k], words[4 * k + 1], words[4 * k + 2], words[4 * k + 3]))
            results[i] = ImageHashes(phash: phashes[k], blockmean: bm)
        }
    }
}
