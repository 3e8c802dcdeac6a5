import Foundation
import HashKit
import CPUFallback
import Analysis

/// What `--device` asked for.
enum DeviceChoice: Equatable {
    case auto
    case cpu
    /// An OpenCL device; nil = the first one.
    case opencl(Int?)

    init(parsing text: String) throws {
        switch text.lowercased() {
        case "auto": self = .auto
        case "cpu": self = .cpu
        case "opencl": self = .opencl(nil)
        default:
            let parts = text.lowercased().split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0] == "opencl", let n = Int(parts[1]), n >= 0 else {
                throw CrossHashError.usage("unknown --device '\(text)': use auto, cpu, opencl or opencl:N (see `crosshash devices`)")
            }
            self = .opencl(n)
        }
    }
}

/// An engine, its matcher, and how the pipeline should feed it.
struct EngineSet {
    var engine: HashEngine
    var matcher: Matcher
    var mode: PipelineMode
    var description: EngineDescription
    /// The CPU engine, kept for batches an OpenCL engine fails on.
    var fallback: HashEngine?
}

enum EngineSelection {
    static func cpu() -> EngineSet {
        let engine = CPUEngine()
        // The index takes over from the brute force by estimated cost (large sets only).
        return EngineSet(engine: engine, matcher: IndexedMatcher(), mode: .inline, description: engine.description, fallback: nil)
    }

    /// Resolves `--device`. `auto` takes the first GPU and otherwise the CPU fallback (a CPU
    /// OpenCL device such as PoCL is slower than the SIMD fallback); an explicit `opencl` that
    /// cannot start falls back to the CPU with one log line, so a run never dies for want of a GPU.
    static func make(_ choice: DeviceChoice, log: @escaping (String) -> Void) -> EngineSet {
        switch choice {
        case .cpu:
            return cpu()
        case .auto:
            if let gpu = OpenCLSupport.firstGPU() {
                do { return try OpenCLSupport.engines(deviceIndex: gpu, log: log) } catch {
                    log("OpenCL device \(gpu) failed to start (\(error)); using the CPU fallback")
                }
            }
            return cpu()
        case .opencl(let index):
            do { return try OpenCLSupport.engines(deviceIndex: index ?? 0, log: log) } catch {
                log("OpenCL is not usable (\(error)); using the CPU fallback")
                return cpu()
            }
        }
    }
}

enum CrossHashError: Error, CustomStringConvertible {
    case usage(String)
    case failed(String)

    var description: String {
        switch self {
        case .usage(let s), .failed(let s): return s
        }
    }
}
