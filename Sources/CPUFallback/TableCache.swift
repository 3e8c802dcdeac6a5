import Foundation
import HashKit

/// The resize tables of one image size, from per-side caches shared between threads.
final class TableCache: @unchecked Sendable {
    struct Tables {
        let lanczos: PillowResizePlan
        /// `lanczos.horizontal` laid out for the C kernel; nil when there is no horizontal pass
        /// or its axis is not dense (a very wide image, filtered a band of columns at a time).
        let horizontal: KernelAxis?
        let linearX: LinearExactAxis
        let linearY: LinearExactAxis
    }

    private struct Lanczos {
        let axis: LanczosAxis
        /// Only for dense axes: the split table is as large as the dense one.
        let kernel: KernelAxis?

        var bytes: Int { axis.coefficients.count * 4 + (kernel?.bytes ?? 0) + axis.outSize * 24 }
    }

    /// Default bound on the bytes of cached LANCZOS tables: a 4000-pixel side costs ~200 kB,
    /// so ordinary collections keep hundreds of sides while hostile sizes cannot grow memory.
    static let defaultMaxBytes = 64 << 20

    private let lanczos: SideCache<Lanczos>
    private let linear: SideCache<LinearExactAxis>
    /// Dense-table limit passed to every LANCZOS axis (tests lower it to force banded passes).
    let denseLimitBytes: Int

    init(capacity: Int = 1024, maxBytes: Int = TableCache.defaultMaxBytes,
         denseLimitBytes: Int = LanczosAxis.defaultDenseLimitBytes) {
        lanczos = SideCache(capacity: capacity, maxCost: maxBytes) { $0.bytes }
        linear = SideCache(capacity: capacity, maxCost: maxBytes) { $0.index0.count * 12 }
        self.denseLimitBytes = denseLimitBytes
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
            let axis = LanczosAxis(inSize: side, outSize: outSize, denseLimitBytes: denseLimitBytes)
            return Lanczos(axis: axis, kernel: axis.isDense ? KernelAxis(axis) : nil)
        }
        // Every phash table is for a 32-sample output; other outputs are not cached.
        guard outSize == FastPHash.side else { return make(inSize) }
        return lanczos.value(for: inSize, make: make)
    }

    private func linearEntry(_ size: Int) -> LinearExactAxis {
        linear.value(for: size) { LinearExactAxis(srcSize: $0, dstSize: BlockMean.side) }
    }
}
