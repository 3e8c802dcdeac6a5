import Foundation
import HashKit
import CPUFallback
import GPUHash

/// The OpenCL side of device selection: device listing for `crosshash devices` and engines for
/// `--device opencl[:N]` / `auto`.
public enum OpenCLSupport {
    /// The flat index of the first GPU, if OpenCL loads and has one.
    public static func firstGPU() -> Int? {
        (try? OpenCLDevices.list())?.first { $0.kind == .gpu }?.index
    }

    public static func engines(deviceIndex: Int, log: @escaping (String) -> Void) throws -> EngineSet {
        // One resources object per device: the engine and the matcher share its context, queues,
        // compiled programs and memory budget.
        let resources = try OpenCLResources(deviceIndex: deviceIndex)
        let engine = try OpenCLEngine(resources: resources)
        // The engine itself says once when the DCT runs on the host (no fp64) or an image is too large.
        engine.onNotice = log
        let matcher = try OpenCLMatcher(resources: resources)
        return EngineSet(engine: FallbackEngine(device: engine, cpu: CPUEngine()), matcher: matcher, mode: .batched,
                         description: engine.description)
    }

    public static func deviceLines() -> [String] {
        guard let devices = try? OpenCLDevices.list() else { return [] }
        return devices.map { d in
            let mem = String(format: "%.1f GiB", Double(d.globalMemoryBytes) / Double(1 << 30))
            return "opencl:\(d.index)     \(d.name) [\(d.kind.rawValue)]  platform: \(d.platformName)  vendor: \(d.vendor)  "
                + "compute units: \(d.computeUnits)  memory: \(mem)  fp64: \(d.supportsFP64 ? "yes" : "no")"
        }
    }

    public static func unavailableReason() -> String? {
        do {
            _ = try OpenCLDevices.list()
            return nil
        } catch {
            return "\(error)"
        }
    }
}
