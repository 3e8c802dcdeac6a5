import Foundation
import HashKit

/// The resize tables of one image size, from per-side caches shared between threads.
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

    private let lanczos: SideCache<Lanczos>
    private let linear: SideCache<LinearExactAxis>

    init(capacity: Int = 1024) {
        lanczos = SideCache(capacity: capacity)
        linear = SideCache(capacity: capacity)
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
        func make(_ side: Int) -> Lanczos {
            let axis = LanczosAxis(inSize: side, outSize: outSize)
            return Lanczos(axis: axis, kernel: KernelAxis(axis))
        }
        // Every phash table is for a 32-sample output; other outputs are not cached.
        guard outSize == FastPHash.side else { return make(inSize) }
        return lanczos.value(for: inSize, make: make)
    }

    private func linearEntry(_ size: Int) -> LinearExactAxis {
        linear.value(for: size) { LinearExactAxis(srcSize: $0, dstSize: BlockMean.side) }
    }
}
