import Foundation

/// `map` over all cores (DispatchQueue.concurrentPerform), results in input order. For
/// independent CPU-bound work items: verification's signatures and comparisons, the report's charts.
public enum ParallelMap {
    public static func map<T, R>(_ items: [T], _ body: (T) -> R) -> [R] {
        guard !items.isEmpty else { return [] }
        let out = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        items.withUnsafeBufferPointer { input in
            DispatchQueue.concurrentPerform(iterations: items.count) { i in out[i] = body(input[i]) }
        }
        return out.map { $0! }
    }
}

/// Two independent jobs at once, each free to spread over every core itself. (Two items of
/// `ParallelMap` are not that: a concurrentPerform inside another one runs its iterations on
/// fewer threads, so each side's own parallel loops would run one at a time.)
public enum SideBySide {
    /// Runs `first` on a thread of the global queue while `second` runs on this one; returns once
    /// both have ended, rethrowing `first`'s error, else `second`'s.
    public static func run(_ first: () throws -> Void, _ second: () throws -> Void) throws {
        let outcome = Outcome()
        try withoutActuallyEscaping(first) { first in
            // Safe: this call waits for the other side before `first` goes out of scope.
            nonisolated(unsafe) let job = first
            DispatchQueue.global().async {
                do { try job() } catch { outcome.error = error }
                outcome.done.signal()
            }
            let secondError: Error?
            do { try second(); secondError = nil } catch { secondError = error }
            outcome.done.wait()
            if let error = outcome.error { throw error }
            if let secondError { throw secondError }
        }
    }

    /// Written by the other side before it signals, read after the wait: no lock needed.
    private final class Outcome: @unchecked Sendable {
        var error: Error?
        let done = DispatchSemaphore(value: 0)
    }
}
