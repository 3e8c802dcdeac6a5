import Foundation
import Logging
import HashKit
import Analysis
import Engines

/// Process-wide set-up shared by the commands: logging to stderr, the engines for `--device`, the
/// decoder under the decode limits and the pipeline over both.
enum Runtime {
    nonisolated(unsafe) private static var bootstrapped = false

    static func logger() -> Logger {
        if !bootstrapped {
            bootstrapped = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = ProcessInfo.processInfo.environment["CROSSHASH_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .info
                return handler
            }
        }
        return Logger(label: "crosshash")
    }

    static func limits(_ options: EngineOptions) -> DecodeLimits {
        options.decodeLimits.limits
    }

    static func decoder(_ options: EngineOptions) -> ImageDecoder {
        ImageDecoder(limits: limits(options))
    }

    static func pipeline(_ options: EngineOptions, _ engines: EngineSet) -> HashPipeline {
        HashPipeline(engines: engines, decoder: decoder(options),
                     workers: options.threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    static func engines(_ options: EngineOptions, logger: Logger) throws -> EngineSet {
        try EngineSelection.make(device: options.device.device) { logger.warning("\($0)") }
    }
}
