import Foundation
import COpenCL

/// What `crosshash devices` shows for one OpenCL device.
public struct OpenCLDeviceInfo: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case gpu, cpu, accelerator, other
    }

    /// Flat index over all platforms' devices, in platform then device order; `--device opencl:N`.
    public var index: Int
    public var platformName: String
    public var platformVendor: String
    public var name: String
    public var vendor: String
    public var version: String
    public var driverVersion: String
    public var kind: Kind
    public var computeUnits: Int
    public var globalMemoryBytes: UInt64
    public var maxAllocationBytes: UInt64
    public var localMemoryBytes: UInt64
    public var maxWorkGroupSize: Int
    /// Double precision (cl_khr_fp64); without it the phash DCT runs on the CPU.
    public var supportsFP64: Bool
}

/// One OpenCL device, ready to be given to `OpenCLEngine` or `OpenCLMatcher`.
public struct OpenCLDevice: @unchecked Sendable {
    public let info: OpenCLDeviceInfo
    let runtime: OpenCLRuntime
    let platformID: cl_platform_id
    let deviceID: cl_device_id
}

public enum OpenCLDevices {
    /// Every device of every platform, in a stable order (the flat index).
    public static func list(runtime: OpenCLRuntime? = nil) throws -> [OpenCLDeviceInfo] {
        try all(runtime: runtime).map(\.info)
    }

    /// The device with flat index `index` (see `list()`).
    public static func device(at index: Int, runtime: OpenCLRuntime? = nil) throws -> OpenCLDevice {
        let devices = try all(runtime: runtime)
        guard devices.indices.contains(index) else {
            throw OpenCLError.deviceIndexOutOfRange(index: index, count: devices.count)
        }
        return devices[index]
    }

    /// Every device; throws `noPlatforms` / `noDevices` rather than returning an empty list, so
    /// the caller can tell the user why OpenCL is unusable.
    public static func all(runtime: OpenCLRuntime? = nil) throws -> [OpenCLDevice] {
        let runtime = try runtime ?? OpenCLRuntime.load()
        let api = runtime.api
        var platformCount: cl_uint = 0
        let status = ccl_GetPlatformIDs(api, 0, nil, &platformCount)
        // The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR (-1001) when no driver is registered.
        if status == -1001 || (status == CL_SUCCESS && platformCount == 0) { throw OpenCLError.noPlatforms }
        try clCheck(status, "clGetPlatformIDs")
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        try clCheck(ccl_GetPlatformIDs(api, platformCount, &platforms, nil), "clGetPlatformIDs")

        var result: [OpenCLDevice] = []
        for case let platform? in platforms {
            let platformName = platformString(api, platform, cl_platform_info(CL_PLATFORM_NAME))
            let platformVendor = platformString(api, platform, cl_platform_info(CL_PLATFORM_VENDOR))
            var deviceCount: cl_uint = 0
            let found = ccl_GetDeviceIDs(api, platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
            if found == CL_DEVICE_NOT_FOUND || deviceCount == 0 { continue }
            try clCheck(found, "clGetDeviceIDs")
            var ids = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            try clCheck(ccl_GetDeviceIDs(api, platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &ids, nil),
                        "clGetDeviceIDs")
            for case let id? in ids {
                let info = describe(api, id, index: result.count, platformName: platformName,
                                    platformVendor: platformVendor)
                result.append(OpenCLDevice(info: info, runtime: runtime, platformID: platform, deviceID: id))
            }
        }
        if result.isEmpty { throw OpenCLError.noDevices }
        return result
    }

    private static func describe(_ api: UnsafePointer<copencl_api>, _ id: cl_device_id, index: Int,
                                 platformName: String, platformVendor: String) -> OpenCLDeviceInfo {
        let type: cl_device_type = deviceValue(api, id, CL_DEVICE_TYPE) ?? 0
        let kind: OpenCLDeviceInfo.Kind
        if type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 {
            kind = .gpu
        } else if type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 {
            kind = .cpu
        } else if type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 {
            kind = .accelerator
        } else {
            kind = .other
        }
        let extensions = deviceString(api, id, CL_DEVICE_EXTENSIONS)
        let fpConfig: cl_device_fp_config = deviceValue(api, id, CL_DEVICE_DOUBLE_FP_CONFIG) ?? 0
        let units: cl_uint = deviceValue(api, id, CL_DEVICE_MAX_COMPUTE_UNITS) ?? 1
        let global: cl_ulong = deviceValue(api, id, CL_DEVICE_GLOBAL_MEM_SIZE) ?? 0
        let maxAlloc: cl_ulong = deviceValue(api, id, CL_DEVICE_MAX_MEM_ALLOC_SIZE) ?? 0
        let local: cl_ulong = deviceValue(api, id, CL_DEVICE_LOCAL_MEM_SIZE) ?? 0
        let group: Int = deviceValue(api, id, CL_DEVICE_MAX_WORK_GROUP_SIZE) ?? 1
        return OpenCLDeviceInfo(
            index: index,
            platformName: platformName,
            platformVendor: platformVendor,
            name: deviceString(api, id, CL_DEVICE_NAME),
            vendor: deviceString(api, id, CL_DEVICE_VENDOR),
            version: deviceString(api, id, CL_DEVICE_VERSION),
            driverVersion: deviceString(api, id, CL_DRIVER_VERSION),
            kind: kind,
            computeUnits: max(1, Int(units)),
            globalMemoryBytes: global,
            maxAllocationBytes: maxAlloc,
            localMemoryBytes: local,
            maxWorkGroupSize: max(1, group),
            supportsFP64: fpConfig != 0 || extensions.split(separator: " ").contains("cl_khr_fp64")
        )
    }

    static func deviceValue<T>(_ api: UnsafePointer<copencl_api>, _ id: cl_device_id, _ param: Int32) -> T? {
        let size = MemoryLayout<T>.size
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<T>.alignment)
        defer { raw.deallocate() }
        guard ccl_GetDeviceInfo(api, id, cl_device_info(param), size, raw, nil) == CL_SUCCESS else { return nil }
        return raw.load(as: T.self)
    }

    static func deviceString(_ api: UnsafePointer<copencl_api>, _ id: cl_device_id, _ param: Int32) -> String {
        var size = 0
        guard ccl_GetDeviceInfo(api, id, cl_device_info(param), 0, nil, &size) == CL_SUCCESS, size > 0 else { return "" }
        var bytes = [CChar](repeating: 0, count: size + 1)
        guard ccl_GetDeviceInfo(api, id, cl_device_info(param), size, &bytes, nil) == CL_SUCCESS else { return "" }
        return String(cString: bytes).trimmingCharacters(in: .whitespaces)
    }

    static func platformString(_ api: UnsafePointer<copencl_api>, _ id: cl_platform_id, _ param: cl_platform_info) -> String {
        var size = 0
        guard ccl_GetPlatformInfo(api, id, param, 0, nil, &size) == CL_SUCCESS, size > 0 else { return "" }
        var bytes = [CChar](repeating: 0, count: size + 1)
        guard ccl_GetPlatformInfo(api, id, param, size, &bytes, nil) == CL_SUCCESS else { return "" }
        return String(cString: bytes).trimmingCharacters(in: .whitespaces)
    }
}
