import Foundation
import Logging
import HashKit
import Analysis

/// Process-wide set-up shared by the commands: logging to stderr and the decode function.
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

    static func decoder(_ options: EngineOptions) -> HashPipeline.Decode {
        let decoder = ImageDecoder(limits: limits(options))
        return { path in try decoder.decode(pathBytes: path) }
    }

    static func pipeline(_ options: EngineOptions, _ engines: EngineSet) -> HashPipeline {
        HashPipeline(decode: decoder(options), engine: engines.engine, fallback: engines.fallback, mode: engines.mode,
                     workers: options.threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    static func engines(_ options: EngineOptions, logger: Logger) throws -> EngineSet {
        let choice = try DeviceChoice(parsing: options.device.device)
        return EngineSelection.make(choice) { logger.warning("\($0)") }
    }
}
