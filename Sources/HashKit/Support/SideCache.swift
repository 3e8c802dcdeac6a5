import Foundation

/// Resize tables keyed by one image side. Building a LANCZOS table costs thousands of `sin`
/// calls (a third of hashing a 1920-wide image), and collections repeat side lengths far more
/// often than exact sizes, so both engines keep their tables here, shared between threads.
///
/// A collection of many odd sizes (or a client sending them on purpose) would grow the cache
/// without bound, so it is bounded twice: past `capacity` entries, or when a new entry would
/// take the entries' total `cost` (bytes, as the caller measures them) past `maxCost`, it
/// starts over. An entry costing more than a quarter of `maxCost` is returned but not kept,
/// so one huge side never evicts the ordinary ones.
public final class SideCache<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: Value] = [:]
    private var totalCost = 0
    private let capacity: Int
    private let maxCost: Int
    private let cost: (Value) -> Int

    public init(capacity: Int = 1024, maxCost: Int = .max, cost: @escaping (Value) -> Int = { _ in 0 }) {
        self.capacity = capacity
        self.maxCost = maxCost
        self.cost = cost
    }

    /// The cached value for `side`, built with `make` (outside the lock) on a miss.
    public func value(for side: Int, make: (Int) -> Value) -> Value {
        if let hit = lock.withLock({ values[side] }) { return hit }
        let value = make(side)
        let bytes = cost(value)
        guard bytes <= maxCost / 4 else { return value }
        lock.withLock {
            if values[side] != nil { return }  // another thread built it meanwhile
            if values.count >= capacity || totalCost + bytes > maxCost {
                values.removeAll(keepingCapacity: true)
                totalCost = 0
            }
            values[side] = value
            totalCost += bytes
        }
        return value
    }

    /// Total cost of the entries held now.
    public var heldCost: Int { lock.withLock { totalCost } }
}
