import Foundation

/// At most `width` pieces of heavy work at once (thumbnail decodes), with at most `maxWaiting`
/// more waiting their turn in order; past that a request is turned away at once (`busy`),
/// like the hashing queue, rather than queueing without bound. Waiting holds no thread.
public final class WorkGate: @unchecked Sendable {
    public let width: Int
    public let maxWaiting: Int
    private let lock = NSLock()
    private var running = 0
    private var waiting = [CheckedContinuation<Bool, Never>]()
    private enum Entry { case go, full, wait }

    public init(width: Int, maxWaiting: Int) {
        self.width = max(1, width)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// Runs `work` once a place is free; throws `busy` when the waiting line is full.
    public func run<T: Sendable>(_ what: String, _ work: () async throws -> T) async throws -> T {
        let admitted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let entry: Entry = lock.withLock {
                if running < width { running += 1; return .go }
                if waiting.count >= maxWaiting { return .full }
                waiting.append(continuation)
                return .wait
            }
            switch entry {
            case .go: continuation.resume(returning: true)
            case .full: continuation.resume(returning: false)
            case .wait: break
            }
        }
        guard admitted else {
            throw ServiceError(.busy, "\(width) \(what) are being made and \(maxWaiting) more wait; retry in a moment")
        }
        defer { leave() }
        return try await work()
    }

    /// Hands the place to the first waiter, or frees it.
    private func leave() {
        let next: CheckedContinuation<Bool, Never>? = lock.withLock {
            if waiting.isEmpty { running -= 1; return nil }
            return waiting.removeFirst()
        }
        next?.resume(returning: true)
    }
}
