import Foundation
import HashKit

/// A device engine (OpenCL) that redoes on the CPU engine any batch the device fails on, so a
/// device error costs speed, never results. The device's error text is kept (`firstFailure`,
/// `failures`) and handed to `onFailure`, so whoever runs the engine can say what went wrong.
public final class FallbackEngine: HashEngine, @unchecked Sendable {
    public let device: HashEngine
    public let cpu: HashEngine

    private let lock = NSLock()
    private var first: String?
    private var count = 0
    private var report: (@Sendable (String) -> Void)?

    public init(device: HashEngine, cpu: HashEngine) {
        self.device = device
        self.cpu = cpu
    }

    /// The device's: the fallback only runs when the device failed.
    public var description: EngineDescription { device.description }
    public var preferredBatchPixels: Int { device.preferredBatchPixels }
    public var families: [HashFamily] { device.families }

    /// The first device error of this engine's life (the CLI logs it once after a run).
    public var firstFailure: String? { lock.withLock { first } }
    /// Batches the device failed on.
    public var failures: Int { lock.withLock { count } }

    /// Called with each device error (the service logs them as they happen). Set by the owner
    /// before hashing starts.
    public var onFailure: (@Sendable (String) -> Void)? {
        get { lock.withLock { report } }
        set { lock.withLock { report = newValue } }
    }

    public func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
        do {
            let hashes = try device.hash(batch)
            guard hashes.count == batch.count else { throw EngineError.wrongCount(got: hashes.count, want: batch.count) }
            return hashes
        } catch {
            let message = "\(error)"
            let report: (@Sendable (String) -> Void)? = lock.withLock {
                if first == nil { first = message }
                count += 1
                return self.report
            }
            report?(message)
            return try cpu.hash(batch)
        }
    }
}

/// An engine broke its contract.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case wrongCount(got: Int, want: Int)

    public var description: String {
        switch self {
        case .wrongCount(let got, let want): return "engine returned \(got) hashes for \(want) images"
        }
    }
}
