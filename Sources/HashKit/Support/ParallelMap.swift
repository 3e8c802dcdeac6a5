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
