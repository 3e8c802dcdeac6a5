import Foundation

/// Set once the client of a request has gone away (its connection closed), so that work done
/// for it on other threads (matching, serialising, queued decodes) stops instead of running on
/// for nobody. Work checks it at least every few milliseconds of progress.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    /// A flag that is never set (the CLI, tests, internal callers).
    public static var never: CancellationFlag { CancellationFlag() }

    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Throws `CancellationError` once set.
    public func check() throws {
        if isCancelled { throw CancellationError() }
    }
}
