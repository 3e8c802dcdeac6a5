import Foundation
import HashKit
import CPUFallback
import GPUHash
import Analysis

/// The OpenCL side of device selection: device listing for `crosshash devices` and engines for
/// `--device opencl[:N]` / `auto`.
enum OpenCLSupport {
    /// The flat index of the first GPU, if OpenCL loads and has one.
    static func firstGPU() -> Int? {
        (try? OpenCLDevices.list())?.first { $0.kind == .gpu }?.index
    }

    static func engines(deviceIndex: Int, log: @escaping (String) -> Void) throws -> EngineSet {
        let device = try OpenCLDevices.device(at: deviceIndex)
        let engine = try OpenCLEngine(device: device)
        // The engine itself says once when the DCT runs on the host (no fp64) or an image is too large.
        engine.onNotice = log
        let matcher = try OpenCLMatcher(device: device)
        return EngineSet(engine: engine, matcher: matcher, mode: .batched, description: engine.description,
                         fallback: CPUEngine())
    }

    static func deviceLines() -> [String] {
        guard let devices = try? OpenCLDevices.list() else { return [] }
        return devices.map { d in
            let mem = String(format: "%.1f GiB", Double(d.globalMemoryBytes) / Double(1 << 30))
            return "opencl:\(d.index)     \(d.name) [\(d.kind.rawValue)]  platform: \(d.platformName)  vendor: \(d.vendor)  "
                + "compute units: \(d.computeUnits)  memory: \(mem)  fp64: \(d.supportsFP64 ? "yes" : "no")"
        }
    }

    static func unavailableReason() -> String? {
        do {
            _ = try OpenCLDevices.list()
            return nil
        } catch {
            return "\(error)"
        }
    }
}
