import COpenCL
import Foundation

/// Why OpenCL work could not run. Every case says what to do about it.
public enum OpenCLError: Error, CustomStringConvertible, Equatable {
    /// The OpenCL ICD loader could not be opened or lacks entry points.
    case notAvailable(String)
    /// The loader works but no OpenCL platform (driver) is installed.
    case noPlatforms
    /// Platforms exist but none has a device.
    case noDevices
    case deviceIndexOutOfRange(index: Int, count: Int)
    /// A kernel failed to compile; `log` is the compiler's build log.
    case buildFailed(device: String, file: String, log: String)
    /// The device ran out of memory or another resource.
    case outOfResources(device: String, during: String, code: Int32)
    /// Any other OpenCL call failure.
    case callFailed(function: String, code: Int32)
    /// The two hash sets handed to the matcher have different widths.
    case mismatchedHashWidths(Int, Int)
    case unsupportedHashWidth(bits: Int)
    case negativeThreshold(Int)
    /// More hashes than the 32-bit indices of the kernels (and MatchPair) can address.
    case tooManyHashes(Int)

    public var description: String {
        switch self {
        case .notAvailable(let why):
            return "OpenCL is not available (\(why)); install an OpenCL driver and its ICD loader "
                + "(libOpenCL.so.1, e.g. ocl-icd-libopencl1) or run with the CPU engine"
        case .noPlatforms:
            return "OpenCL is installed but no platform (driver) was found; install a vendor driver "
                + "(or pocl-opencl-icd) or run with the CPU engine"
        case .noDevices:
            return "no OpenCL device found on any platform; check the driver installation or run with the CPU engine"
        case let .deviceIndexOutOfRange(index, count):
            return "OpenCL device \(index) does not exist (\(count) device(s): 0..<\(count)); list them with `crosshash devices`"
        case let .buildFailed(device, file, log):
            return "OpenCL kernel \(file) failed to build on \(device); build log:\n\(log)"
        case let .outOfResources(device, during, code):
            return "OpenCL device \(device) ran out of memory or resources during \(during) (error \(code)); "
                + "use smaller batches, another device, or the CPU engine"
        case let .callFailed(function, code):
            return "OpenCL call \(function) failed with error \(code) (\(OpenCLError.codeName(code)))"
        case let .mismatchedHashWidths(a, b):
            return "cannot compare \(a)-bit hashes with \(b)-bit hashes"
        case .negativeThreshold(let t):
            return "threshold must be 0 or more, got \(t)"
        case .unsupportedHashWidth(let bits):
            return "the OpenCL matcher compares 64- or 256-bit hashes, not \(bits)-bit ones"
        case .tooManyHashes(let n):
            return "\(n) hashes exceed the OpenCL matcher's limit of \(Int32.max) per set"
        }
    }

    static func codeName(_ code: Int32) -> String {
        switch code {
        case -1: return "CL_DEVICE_NOT_FOUND"
        case -2: return "CL_DEVICE_NOT_AVAILABLE"
        case -3: return "CL_COMPILER_NOT_AVAILABLE"
        case -4: return "CL_MEM_OBJECT_ALLOCATION_FAILURE"
        case -5: return "CL_OUT_OF_RESOURCES"
        case -6: return "CL_OUT_OF_HOST_MEMORY"
        case -11: return "CL_BUILD_PROGRAM_FAILURE"
        case -30: return "CL_INVALID_VALUE"
        case -36: return "CL_INVALID_COMMAND_QUEUE"
        case -38: return "CL_INVALID_MEM_OBJECT"
        case -46: return "CL_INVALID_KERNEL_NAME"
        case -48: return "CL_INVALID_KERNEL"
        case -51: return "CL_INVALID_ARG_SIZE"
        case -52: return "CL_INVALID_KERNEL_ARGS"
        case -54: return "CL_INVALID_WORK_GROUP_SIZE"
        case -61: return "CL_INVALID_BUFFER_SIZE"
        case -1001: return "CL_PLATFORM_NOT_FOUND_KHR"
        default: return "see CL/cl.h"
        }
    }
}

/// A loaded OpenCL ICD loader. Loading is cached per library path and never undone (drivers
/// do not survive being unloaded). Immutable after loading, so it is safe to share.
public final class OpenCLRuntime: @unchecked Sendable {
    /// Environment variable that overrides the library path (tests point it at a missing file).
    public static let libraryEnvironmentVariable = "CROSSHASH_OPENCL_LIB"
    public static let defaultLibrary = "libOpenCL.so.1"

    public let libraryPath: String
    let api: UnsafeMutablePointer<copencl_api>

    private init(libraryPath: String, api: UnsafeMutablePointer<copencl_api>) {
        self.libraryPath = libraryPath
        self.api = api
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: [String: OpenCLRuntime] = [:]

    /// Opens the OpenCL library: `libraryPath`, else `$CROSSHASH_OPENCL_LIB`, else libOpenCL.so.1.
    /// Throws `OpenCLError.notAvailable` when it cannot be opened.
    public static func load(libraryPath: String? = nil) throws -> OpenCLRuntime {
        let env = ProcessInfo.processInfo.environment[libraryEnvironmentVariable]
        let path: String
        if let libraryPath {
            path = libraryPath
        } else if let env, !env.isEmpty {
            path = env
        } else {
            path = defaultLibrary
        }
        lock.lock()
        defer { lock.unlock() }
        if let runtime = loaded[path] { return runtime }
        let api = UnsafeMutablePointer<copencl_api>.allocate(capacity: 1)
        var message = [CChar](repeating: 0, count: 1024)
        guard copencl_open(path, api, &message, message.count) == 0 else {
            api.deallocate()
            throw OpenCLError.notAvailable(String(cString: message))
        }
        let runtime = OpenCLRuntime(libraryPath: path, api: api)
        loaded[path] = runtime
        return runtime
    }
}

/// Throws the typed error for a failed OpenCL call; allocation failures become `outOfResources`.
@inline(__always)
func clCheck(_ code: cl_int, _ function: @autoclosure () -> String, device: @autoclosure () -> String = "") throws {
    guard code != CL_SUCCESS else { return }
    switch code {
    case CL_OUT_OF_RESOURCES, CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_HOST_MEMORY, CL_INVALID_BUFFER_SIZE:
        throw OpenCLError.outOfResources(device: device(), during: function(), code: code)
    default:
        throw OpenCLError.callFailed(function: function(), code: code)
    }
}
