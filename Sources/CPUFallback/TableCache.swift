import Foundation
import HashKit

/// Resize tables per image side. A LANCZOS table costs thousands of `sin` calls (0.2 ms for
/// a 1920 side, 0.5 ms for 4000: a third of hashing such an image), and collections repeat
/// side lengths far more often than exact sizes, so tables are cached per side and shared
/// between threads.
final class TableCache: @unchecked Sendable {
    struct Tables {
        let lanczos: PillowResizePlan
        /// `lanczos.horizontal` laid out for the C kernel.
        let horizontal: KernelAxis?
        let linearX: LinearExactAxis
        let linearY: LinearExactAxis
    }

    private struct Lanczos {
        let axis: LanczosAxis
        let kernel: KernelAxis
    }

    private let lock = NSLock()
    private var lanczos: [Int: Lanczos] = [:]
    private var linear: [Int: LinearExactAxis] = [:]
    private let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    func tables(width: Int, height: Int) -> Tables {
        var kernel: KernelAxis?
        let plan = PillowResizePlan(width: width, height: height) { inSize, outSize in
            let entry = lanczosEntry(inSize, outSize)
            if inSize == width { kernel = entry.kernel }
            return entry.axis
        }
        return Tables(lanczos: plan, horizontal: plan.horizontal == nil ? nil : kernel,
                      linearX: linearEntry(width), linearY: linearEntry(height))
    }

    private func lanczosEntry(_ inSize: Int, _ outSize: Int) -> Lanczos {
        // Every phash table is for a 32-sample output; other outputs are not cached.
        guard outSize == FastPHash.side else {
            let axis = LanczosAxis(inSize: inSize, outSize: outSize)
            return Lanczos(axis: axis, kernel: KernelAxis(axis))
        }
        if let hit = lock.withLock({ lanczos[inSize] }) { return hit }
        let axis = LanczosAxis(inSize: inSize, outSize: outSize)
        let entry = Lanczos(axis: axis, kernel: KernelAxis(axis))
        lock.withLock {
            // Collections of many odd sizes would grow the cache without bound; start over.
            if lanczos.count >= capacity { lanczos.removeAll(keepingCapacity: true) }
            lanczos[inSize] = entry
        }
        return entry
    }

    private func linearEntry(_ size: Int) -> LinearExactAxis {
        if let hit = lock.withLock({ linear[size] }) { return hit }
        let axis = LinearExactAxis(srcSize: size, dstSize: BlockMean.side)
        lock.withLock {
            if linear.count >= capacity { linear.removeAll(keepingCapacity: true) }
            linear[size] = axis
        }
        return axis
    }
}
