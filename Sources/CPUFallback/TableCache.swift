import Foundation
import HashKit

/// Resize tables per image size. Building a LANCZOS table costs thousands of `sin` calls, and
/// collections repeat a few sizes, so they are computed once and shared between threads.
final class TableCache: @unchecked Sendable {
    struct Tables {
        let lanczos: PillowResizePlan
        /// `lanczos.horizontal` laid out for the C kernel.
        let horizontal: KernelAxis?
        let linearX: LinearExactAxis
        let linearY: LinearExactAxis
    }

    private struct Key: Hashable { let width: Int, height: Int }
    private let lock = NSLock()
    private var entries: [Key: Tables] = [:]
    private let capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    func tables(width: Int, height: Int) -> Tables {
        let key = Key(width: width, height: height)
        if let hit = lock.withLock({ entries[key] }) { return hit }
        let plan = PillowResizePlan(width: width, height: height)
        let t = Tables(lanczos: plan, horizontal: plan.horizontal.map(KernelAxis.init),
                       linearX: LinearExactAxis(srcSize: width, dstSize: BlockMean.side),
                       linearY: LinearExactAxis(srcSize: height, dstSize: BlockMean.side))
        lock.withLock {
            // Odd-sized collections would grow the cache without bound; start over instead.
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = t
        }
        return t
    }
}
