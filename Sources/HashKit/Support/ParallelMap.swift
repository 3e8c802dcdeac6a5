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
    /// Runs `first` on a thread of its own while `second` runs on this one; returns once both
    /// have ended, rethrowing `first`'s error, else `second`'s.
    public static func run(_ first: () throws -> Void, _ second: () throws -> Void) throws {
        try withoutActuallyEscaping(first) { first in
            // A joined thread, not a dispatch block: `first` must be released before this scope
            // ends (the runtime checks it did not escape), and a block is freed only some time
            // after it signals that it is done.
            let job = Job(first)
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { raw in
                guard let raw else { return nil }
                Unmanaged<Job>.fromOpaque(raw).takeUnretainedValue().run()
                return nil
            }, Unmanaged.passUnretained(job).toOpaque()) == 0
            if !started { job.run() } // no thread to be had: one after the other
            var secondError: Error?
            do { try second() } catch { secondError = error }
            if started { pthread_join(thread, nil) }
            if let error = job.error { throw error }
            if let secondError { throw secondError }
        }
    }

    /// The other thread's job and what it threw; read only after the join.
    private final class Job: @unchecked Sendable {
        let body: () throws -> Void
        var error: Error?
        init(_ body: @escaping () throws -> Void) { self.body = body }
        func run() {
            do { try body() } catch { self.error = error }
        }
    }
}
