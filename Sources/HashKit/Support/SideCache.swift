import Foundation

/// Resize tables keyed by one image side. Building a LANCZOS table costs thousands of `sin`
/// calls (a third of hashing a 1920-wide image), and collections repeat side lengths far more
/// often than exact sizes, so both engines keep their tables here, shared between threads.
/// A collection of many odd sizes would grow the cache without bound, so past `capacity`
/// entries it starts over.
public final class SideCache<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: Value] = [:]
    private let capacity: Int

    public init(capacity: Int = 1024) { self.capacity = capacity }

    /// The cached value for `side`, built with `make` (outside the lock) on a miss.
    public func value(for side: Int, make: (Int) -> Value) -> Value {
        if let hit = lock.withLock({ values[side] }) { return hit }
        let value = make(side)
        lock.withLock {
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[side] = value
        }
        return value
    }
}
