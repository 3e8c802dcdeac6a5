import Foundation
import HashKit
import CPUFallback
import GPUHash

/// What `--device` asked for.
public enum DeviceChoice: Equatable, Sendable {
    case auto
    case cpu
    /// An OpenCL device; nil = the first one.
    case opencl(Int?)

    public init(parsing text: String) throws(DeviceChoiceError) {
        switch text.lowercased() {
        case "auto": self = .auto
        case "cpu": self = .cpu
        case "opencl": self = .opencl(nil)
        default:
            let parts = text.lowercased().split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0] == "opencl", let n = Int(parts[1]), n >= 0 else {
                throw DeviceChoiceError(text: text)
            }
            self = .opencl(n)
        }
    }
}

/// A `--device` value that names no device kind.
public struct DeviceChoiceError: Error, Equatable, CustomStringConvertible {
    public var text: String
    public var description: String {
        "unknown --device '\(text)': use auto, cpu, opencl or opencl:N (see `crosshash devices`)"
    }
}

/// An engine, its matcher, and how the feeder should hand it images: what every front end
/// (the CLI commands, the service) hashes and matches with. Built once per process (for
/// OpenCL: context and kernels compiled once). Engines and matchers are safe to call from
/// several threads at once.
public struct EngineSet: @unchecked Sendable {
    /// For a device: a `FallbackEngine` (a batch the device fails on is redone on the CPU).
    public var engine: HashEngine
    public var matcher: Matcher
    public var mode: PipelineMode
    public var description: EngineDescription

    public init(engine: HashEngine, matcher: Matcher, mode: PipelineMode, description: EngineDescription) {
        self.engine = engine
        self.matcher = matcher
        self.mode = mode
        self.description = description
    }

    /// The device engine's CPU fallback, which keeps the device's errors; nil on the CPU.
    public var fallback: FallbackEngine? { ((engine as? PDQEngine)?.inner ?? engine) as? FallbackEngine }

    /// This set with an engine that computes `families` too. Only PDQ is optional today; it is
    /// always computed on the CPU (`PDQEngine`), next to whatever engine computes the rest.
    public func computing(_ families: [HashFamily]) -> EngineSet {
        guard families.contains(.pdq), !engine.families.contains(.pdq) else { return self }
        var set = self
        set.engine = PDQEngine(wrapping: engine)
        set.description = set.engine.description
        return set
    }
}

/// The one factory of engine sets.
public enum EngineSelection {
    public static func cpu() -> EngineSet {
        let engine = CPUEngine()
        // The index takes over from the brute force by estimated cost (large sets only).
        return EngineSet(engine: engine, matcher: IndexedMatcher(), mode: .inline, description: engine.description)
    }

    /// Resolves a `--device` value (`auto`, `cpu`, `opencl`, `opencl:N`).
    public static func make(device: String, log: @escaping (String) -> Void) throws(DeviceChoiceError) -> EngineSet {
        make(try DeviceChoice(parsing: device), log: log)
    }

    /// `auto` takes the first GPU and otherwise the CPU fallback (a CPU OpenCL device such as
    /// PoCL is slower than the SIMD fallback); an explicit `opencl` that cannot start falls back
    /// to the CPU with one log line, so a run never dies for want of a GPU.
    public static func make(_ choice: DeviceChoice, log: @escaping (String) -> Void) -> EngineSet {
        resolve(choice, cpu: cpu, opencl: { try OpenCLSupport.engines(deviceIndex: $0, log: log) }, log: log)
    }

    /// Only a matcher (and what it runs on) for `--device`, by the same rules as `make`: for
    /// commands that match stored hashes and hash nothing, so no hashing kernel is compiled.
    public static func matcher(_ choice: DeviceChoice, log: (String) -> Void) -> (Matcher, EngineDescription) {
        resolve(choice, cpu: { (IndexedMatcher(), CPUEngine().description) }, opencl: { index in
            let resources = try OpenCLResources(deviceIndex: index)
            let info = resources.device
            return (try OpenCLMatcher(resources: resources), EngineDescription(kind: "opencl", name: info.name, platform: info.platformName))
        }, log: log)
    }

    /// The device rules shared by `make` and `matcher`.
    private static func resolve<T>(_ choice: DeviceChoice, cpu: () -> T, opencl: (Int) throws -> T, log: (String) -> Void) -> T {
        switch choice {
        case .cpu:
            return cpu()
        case .auto:
            if let gpu = OpenCLSupport.firstGPU() {
                do { return try opencl(gpu) } catch {
                    log("OpenCL device \(gpu) failed to start (\(error)); using the CPU fallback")
                }
            }
            return cpu()
        case .opencl(let index):
            do { return try opencl(index ?? 0) } catch {
                log("OpenCL is not usable (\(error)); using the CPU fallback")
                return cpu()
            }
        }
    }
}
