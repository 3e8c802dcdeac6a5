import ArgumentParser
import HashKit

@main
struct CrossHash: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "crosshash",
        abstract: "Find the same picture across image collections (phash + blockmean, CPU or OpenCL).",
        version: version,
        subcommands: [AnalyzeCommand.self, MatchCommand.self, HashCommand.self, ServeCommand.self, EvaluateCommand.self, DevicesCommand.self, BenchCommand.self,
                      ImportCommand.self, ExportCommand.self, StoreCommand.self]
    )
}

/// Options every hashing command shares: the device, the decode limits and the decoder threads.
struct EngineOptions: ParsableArguments {
    @OptionGroup var device: DeviceOptions
    @OptionGroup var decodeLimits: DecodeLimitOptions

    @Option(name: .long, help: "Decoder threads (default: one per core).")
    var threads: Int?
}

/// `--device`, for the commands that hash (`match` words its own: it only matches).
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "auto, cpu, opencl or opencl:N (see `crosshash devices`). auto = the first GPU, else the CPU fallback.")
    var device: String = "auto"
}

/// The limits every decoder honours (hashing, verification, thumbnails); the defaults are
/// `DecodeLimits`' own, so they are written in one place.
struct DecodeLimitOptions: ParsableArguments {
    @Option(name: .long, help: "Refuse images with more pixels than this (checked from the header, before decoding).")
    var maxPixels: Int = DecodeLimits().maxPixels

    @Option(name: .long, help: "Refuse files larger than this many bytes.")
    var maxFileBytes: Int = DecodeLimits().maxFileBytes

    var limits: DecodeLimits { DecodeLimits(maxPixels: maxPixels, maxFileBytes: maxFileBytes) }
}
