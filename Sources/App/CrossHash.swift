import ArgumentParser

@main
struct CrossHash: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "crosshash",
        abstract: "Find the same picture across image collections (phash + blockmean, CPU or OpenCL).",
        version: version,
        subcommands: [AnalyzeCommand.self, MatchCommand.self, HashCommand.self, ServeCommand.self, EvaluateCommand.self, DevicesCommand.self, BenchCommand.self]
    )
}

/// Options every hashing command shares.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: "auto, cpu, opencl or opencl:N (see `crosshash devices`). auto = the first GPU, else the CPU fallback.")
    var device: String = "auto"

    @Option(name: .long, help: "Refuse images with more pixels than this (checked from the header, before decoding).")
    var maxPixels: Int = 178_956_970

    @Option(name: .long, help: "Refuse files larger than this many bytes.")
    var maxFileBytes: Int = 1 << 30

    @Option(name: .long, help: "Decoder threads (default: one per core).")
    var threads: Int?
}
