import Foundation

/// Everything one OpenCL device offers this process, built once and shared by the engine and
/// the matcher (after FAISS's `StandardGpuResources`): the context, the command queues, the
/// compiled-program cache and the device memory budget both size their buffers against.
///
/// Why shared: each context costs driver memory and start-up time, each builds its own copy of
/// every program, and two users that each size their buffers against the whole device can
/// together ask for more than it has. With one resources object per device the kernels are
/// compiled once and the budget is split once.
///
/// Queues: the engine uses `engineQueues` (two, so that one chunk's upload overlaps the previous
/// chunk's kernels), the matcher `matcherQueue`, so hashing and matching never wait on each
/// other's commands. OpenCL queues and contexts are thread-safe; the program cache has a lock.
public final class OpenCLResources {
    public let device: OpenCLDeviceInfo
    let context: OpenCLContext

    /// Device bytes this process plans to use: three quarters of the device's memory, leaving
    /// the rest to the driver (kernels, private memory) and to other processes' contexts.
    public let memoryBudgetBytes: Int
    /// The largest single buffer the device allows.
    public let maxAllocationBytes: Int

    static let engineQueues = [0, 1]
    static let matcherQueue = 2

    public init(device: OpenCLDevice) throws {
        self.device = device.info
        context = try OpenCLContext(device: device, queueCount: 3)
        let global = Int(min(device.info.globalMemoryBytes, UInt64(Int.max / 4)))
        memoryBudgetBytes = max(16 << 20, global / 4 * 3)
        maxAllocationBytes = max(1 << 20, Int(min(device.info.maxAllocationBytes, UInt64(Int.max))))
    }

    /// The device with flat index `deviceIndex` (see `OpenCLDevices.list()`).
    public convenience init(deviceIndex: Int = 0) throws {
        try self.init(device: OpenCLDevices.device(at: deviceIndex))
    }

    /// The engine's share of the budget (both of its chunks in flight together).
    public var engineBudgetBytes: Int { memoryBudgetBytes / 2 }
    /// The matcher's share of the budget (its hash tiles, nearest distances and pair list).
    public var matcherBudgetBytes: Int { memoryBudgetBytes - engineBudgetBytes }

    /// Programs compiled so far on this device (each kernel file and set of defines once).
    public var programBuilds: Int { context.programBuilds }
}
