import COpenCL
import Foundation

/// A device buffer, released when the last reference goes.
final class CLBuffer {
    let mem: cl_mem
    let size: Int
    private let api: UnsafePointer<copencl_api>

    init(_ context: OpenCLContext, size: Int, flags: Int32 = CL_MEM_READ_WRITE, what: String) throws {
        var status: cl_int = CL_SUCCESS
        // Zero-size buffers are invalid in OpenCL; callers never read past `size` anyway.
        let bytes = max(size, 16)
        let mem = ccl_CreateBuffer(context.api, context.context, cl_mem_flags(flags), bytes, &status)
        try clCheck(status, "clCreateBuffer(\(bytes) bytes for \(what))", device: context.deviceName)
        guard let mem else { throw OpenCLError.callFailed(function: "clCreateBuffer", code: status) }
        self.mem = mem
        self.size = bytes
        self.api = UnsafePointer(context.api)
    }

    deinit { _ = ccl_ReleaseMemObject(api, mem) }
}

/// Host memory the OpenCL driver allocated and page-locked (pinned), mapped once for its whole
/// life so the host fills it with plain stores.
///
/// Why pinned: an upload from ordinary (pageable) memory cannot be DMA'd directly; NVIDIA and AMD
/// drivers first copy it into a pinned bounce buffer of their own, and a "non-blocking"
/// clEnqueueWriteBuffer from pageable memory may not return until that copy is done, which
/// defeats overlapping one chunk's upload with the previous chunk's kernels. A buffer created
/// with CL_MEM_ALLOC_HOST_PTR is the portable way to get pinned memory; its mapped pointer is
/// then the source of clEnqueueWriteBuffer into an ordinary device buffer (NVIDIA's documented
/// pattern, and legal OpenCL: the commands read the mapped pointer, never the mapped buffer).
/// On CPU devices such as PoCL this changes nothing but where the bytes sit.
///
/// The owner must wait for every write that reads from `pointer` before changing its bytes or
/// releasing the staging buffer.
final class CLPinnedStaging {
    let pointer: UnsafeMutableRawPointer
    var size: Int { buffer.size }
    private let buffer: CLBuffer
    private let context: OpenCLContext
    private let queue: Int

    init(_ context: OpenCLContext, size: Int, queue: Int, what: String) throws {
        let buffer = try CLBuffer(context, size: size, flags: CL_MEM_READ_ONLY | CL_MEM_ALLOC_HOST_PTR, what: what)
        var status: cl_int = CL_SUCCESS
        let mapped = ccl_EnqueueMapBuffer(context.api, context.queues[queue], buffer.mem, cl_map_flags(CL_MAP_WRITE),
                                          0, buffer.size, &status)
        try clCheck(status, "clEnqueueMapBuffer(\(buffer.size) bytes for \(what))", device: context.deviceName)
        guard let mapped else { throw OpenCLError.callFailed(function: "clEnqueueMapBuffer(\(what))", code: CL_INVALID_VALUE) }
        pointer = mapped
        self.buffer = buffer
        self.context = context
        self.queue = queue
    }

    deinit {
        // Unmapped before `buffer` is released (stored properties go after deinit's body).
        let q = context.queues[queue]
        _ = ccl_EnqueueUnmapMemObject(context.api, q, buffer.mem, pointer)
        _ = ccl_Finish(context.api, q)
    }
}

/// A compiled kernel; `set` binds arguments in order.
final class CLKernel {
    let kernel: cl_kernel
    let name: String
    private let context: OpenCLContext

    init(_ context: OpenCLContext, program: cl_program, name: String) throws {
        var status: cl_int = CL_SUCCESS
        let kernel = ccl_CreateKernel(context.api, program, name, &status)
        try clCheck(status, "clCreateKernel(\(name))", device: context.deviceName)
        guard let kernel else { throw OpenCLError.callFailed(function: "clCreateKernel(\(name))", code: status) }
        self.kernel = kernel
        self.name = name
        self.context = context
    }

    deinit { _ = ccl_ReleaseKernel(context.api, kernel) }

    enum Arg {
        case buffer(CLBuffer)
        case u32(UInt32)
        case i32(Int32)
        case u64(UInt64)
    }

    func set(_ args: [Arg]) throws {
        for (i, arg) in args.enumerated() {
            let index = cl_uint(i)
            let status: cl_int
            switch arg {
            case .buffer(let b):
                var mem: cl_mem? = b.mem
                status = ccl_SetKernelArg(context.api, kernel, index, MemoryLayout<cl_mem>.size, &mem)
            case .u32(var v): status = ccl_SetKernelArg(context.api, kernel, index, 4, &v)
            case .i32(var v): status = ccl_SetKernelArg(context.api, kernel, index, 4, &v)
            case .u64(var v): status = ccl_SetKernelArg(context.api, kernel, index, 8, &v)
            }
            try clCheck(status, "clSetKernelArg(\(name), \(i))", device: context.deviceName)
        }
    }

    /// The largest work-group size this kernel can run with on the device.
    var maxWorkGroupSize: Int {
        var size = 0
        let status = ccl_GetKernelWorkGroupInfo(context.api, kernel, context.device.deviceID,
                                                cl_kernel_work_group_info(CL_KERNEL_WORK_GROUP_SIZE),
                                                MemoryLayout<Int>.size, &size, nil)
        return status == CL_SUCCESS ? max(1, size) : 1
    }
}

/// One device's context, command queues and compiled programs (owned by `OpenCLResources`).
/// The program cache is locked; each queue must be used by one owner at a time (the engine and
/// the matcher use different queues).
final class OpenCLContext {
    let device: OpenCLDevice
    let api: UnsafeMutablePointer<copencl_api>
    let context: cl_context
    /// In-order queues: the engine's two (uploads for the next chunk overlap the current one)
    /// and the matcher's.
    let queues: [cl_command_queue]
    private var programs: [String: cl_program] = [:]
    private let programLock = NSLock()
    /// Programs built so far (a cached program is never built again).
    private(set) var programBuilds = 0

    var deviceName: String { device.info.name }

    init(device: OpenCLDevice, queueCount: Int = 1) throws {
        self.device = device
        api = device.runtime.api
        var status: cl_int = CL_SUCCESS
        guard let context = ccl_CreateContext(api, device.deviceID, &status), status == CL_SUCCESS else {
            try clCheck(status == CL_SUCCESS ? CL_INVALID_VALUE : status, "clCreateContext", device: device.info.name)
            throw OpenCLError.callFailed(function: "clCreateContext", code: status)
        }
        self.context = context
        var queues: [cl_command_queue] = []
        for _ in 0..<max(1, queueCount) {
            guard let queue = ccl_CreateCommandQueue(api, context, device.deviceID, &status), status == CL_SUCCESS else {
                for q in queues { _ = ccl_ReleaseCommandQueue(api, q) }
                _ = ccl_ReleaseContext(api, context)
                try clCheck(status == CL_SUCCESS ? CL_INVALID_VALUE : status, "clCreateCommandQueue", device: device.info.name)
                throw OpenCLError.callFailed(function: "clCreateCommandQueue", code: status)
            }
            queues.append(queue)
        }
        self.queues = queues
    }

    deinit {
        for q in queues { _ = ccl_Finish(api, q); _ = ccl_ReleaseCommandQueue(api, q) }
        for p in programs.values { _ = ccl_ReleaseProgram(api, p) }
        _ = ccl_ReleaseContext(api, context)
    }

    /// Options for every program. Never -cl-fast-relaxed-math, -cl-mad-enable or
    /// -cl-unsafe-math-optimizations: they allow fused or reassociated maths, and the hashes
    /// must be bit-exact.
    static let buildOptions = "-cl-std=CL1.2"

    /// Builds an embedded kernel file (once) and returns the named kernels.
    func kernels(file: String, names: [String], defines: [String: String] = [:]) throws -> [CLKernel] {
        let key = file + defines.sorted { $0.key < $1.key }.map { " -D\($0.key)=\($0.value)" }.joined()
        programLock.lock()
        defer { programLock.unlock() }
        let program: cl_program
        if let built = programs[key] {
            program = built
        } else {
            guard let source = EmbeddedKernels.files.first(where: { $0.name == file })?.source else {
                throw OpenCLError.buildFailed(device: deviceName, file: file, log: "kernel file not embedded in this binary")
            }
            var status: cl_int = CL_SUCCESS
            guard let created = ccl_CreateProgramWithSource(api, context, source, &status), status == CL_SUCCESS else {
                try clCheck(status == CL_SUCCESS ? CL_INVALID_VALUE : status, "clCreateProgramWithSource(\(file))", device: deviceName)
                throw OpenCLError.callFailed(function: "clCreateProgramWithSource", code: status)
            }
            let options = Self.buildOptions + defines.sorted { $0.key < $1.key }.map { " -D\($0.key)=\($0.value)" }.joined()
            let built = ccl_BuildProgram(api, created, device.deviceID, options)
            if built != CL_SUCCESS {
                let log = buildLog(created)
                _ = ccl_ReleaseProgram(api, created)
                throw OpenCLError.buildFailed(device: deviceName, file: file,
                                              log: log.isEmpty ? "(empty log, error \(built))" : log)
            }
            programs[key] = created
            programBuilds += 1
            program = created
        }
        return try names.map { try CLKernel(self, program: program, name: $0) }
    }

    private func buildLog(_ program: cl_program) -> String {
        var size = 0
        let param = cl_program_build_info(CL_PROGRAM_BUILD_LOG)
        guard ccl_GetProgramBuildInfo(api, program, device.deviceID, param, 0, nil, &size) == CL_SUCCESS, size > 0 else {
            return ""
        }
        var bytes = [CChar](repeating: 0, count: size + 1)
        guard ccl_GetProgramBuildInfo(api, program, device.deviceID, param, size, &bytes, nil) == CL_SUCCESS else { return "" }
        return String(cString: bytes).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: transfers and launches

    func write<T>(_ buffer: CLBuffer, _ values: [T], offset: Int = 0, queue: Int = 0) throws {
        try write(buffer, values[...], offset: offset, queue: queue)
    }

    /// A slice is uploaded in place (a tile of a hash set, without copying it first).
    func write<T>(_ buffer: CLBuffer, _ values: ArraySlice<T>, offset: Int = 0, queue: Int = 0) throws {
        let bytes = values.count * MemoryLayout<T>.stride
        guard bytes > 0 else { return }
        try values.withUnsafeBytes { raw in
            try clCheck(ccl_EnqueueWriteBuffer(api, queues[queue], buffer.mem, cl_bool(CL_TRUE), offset, bytes,
                                               raw.baseAddress, 0, nil, nil),
                        "clEnqueueWriteBuffer", device: deviceName)
        }
    }

    func read<T>(_ buffer: CLBuffer, count: Int, as: T.Type, offset: Int = 0, queue: Int = 0) throws -> [T] {
        guard count > 0 else { return [] }
        return try [T](unsafeUninitializedCapacity: count) { out, initialized in
            try clCheck(ccl_EnqueueReadBuffer(api, queues[queue], buffer.mem, cl_bool(CL_TRUE), offset,
                                              count * MemoryLayout<T>.stride, out.baseAddress, 0, nil, nil),
                        "clEnqueueReadBuffer", device: deviceName)
            initialized = count
        }
    }

    func fill(_ buffer: CLBuffer, with value: UInt32, bytes: Int, queue: Int = 0) throws {
        var pattern = value
        try clCheck(ccl_EnqueueFillBuffer(api, queues[queue], buffer.mem, &pattern, 4, 0, bytes),
                    "clEnqueueFillBuffer", device: deviceName)
    }

    /// Enqueues `kernel` over `global` work items (rounded up to multiples of `local`).
    func launch(_ kernel: CLKernel, global: [Int], local: [Int]?, queue: Int = 0) throws {
        var g = global
        if let local {
            for i in g.indices { g[i] = (g[i] + local[i] - 1) / local[i] * local[i] }
        }
        let status: cl_int = g.withUnsafeBufferPointer { gp in
            if let local {
                return local.withUnsafeBufferPointer { lp in
                    ccl_EnqueueNDRangeKernel(api, queues[queue], kernel.kernel, cl_uint(g.count), gp.baseAddress, lp.baseAddress)
                }
            }
            return ccl_EnqueueNDRangeKernel(api, queues[queue], kernel.kernel, cl_uint(g.count), gp.baseAddress, nil)
        }
        try clCheck(status, "clEnqueueNDRangeKernel(\(kernel.name))", device: deviceName)
    }

    func finish(queue: Int = 0) throws {
        try clCheck(ccl_Finish(api, queues[queue]), "clFinish", device: deviceName)
    }
}
