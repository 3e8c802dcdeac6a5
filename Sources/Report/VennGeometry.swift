import Foundation

/// A circle in diagram units (one unit of area = one image).
public struct VennCircle: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var r: Double

    public init(x: Double, y: Double, r: Double) {
        self.x = x
        self.y = y
        self.r = r
    }

    public var area: Double { Double.pi * r * r }

    func contains(_ px: Double, _ py: Double) -> Bool {
        let dx = px - x, dy = py - y
        return dx * dx + dy * dy <= r * r
    }
}

/// Area-proportional layout of 1 to 3 circles.
///
/// Scale: one image is one unit of area, so a dataset of n hashed images is a circle of area n.
/// The lens of two circles is asked to have an area equal to the number of groups that span at
/// least those two datasets. A group usually holds one image per dataset, so that count is the
/// number of images of either dataset that have a copy in the other: the same unit as the
/// circles. (A group holding several images of one dataset still counts once, which is how the
/// region labels count too.) A request above the smaller circle's area is clamped to it: the
/// smaller circle then lies wholly inside the larger one.
public enum VennGeometry {
    /// The area of the intersection of two circles with radii r1, r2 whose centres are d apart.
    public static func lensArea(r1: Double, r2: Double, d: Double) -> Double {
        let small = min(r1, r2), large = max(r1, r2)
        if d >= r1 + r2 { return 0 }
        if d <= large - small { return Double.pi * small * small }
        let d2 = d * d, a2 = r1 * r1, b2 = r2 * r2
        // Clamped: rounding can push the cosines a hair outside [-1, 1] near tangency.
        let alpha = acos(max(-1, min(1, (d2 + a2 - b2) / (2 * d * r1))))
        let beta = acos(max(-1, min(1, (d2 + b2 - a2) / (2 * d * r2))))
        let k = (-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2)
        return a2 * alpha + b2 * beta - 0.5 * sqrt(max(0, k))
    }

    /// The gap between circles that share nothing, as a fraction of the sum of their radii: a
    /// visible white strip says "no overlap" more clearly than circles that just touch.
    public static let disjointGap = 0.08

    /// The centre distance at which two circles of radii r1, r2 overlap by `overlap` units of
    /// area. Lens area falls strictly as d grows from |r1 - r2| (containment) to r1 + r2
    /// (touching), so bisection on that interval converges to the unique answer.
    public static func distance(r1: Double, r2: Double, overlap: Double) -> Double {
        let small = min(r1, r2)
        if overlap <= 0 { return (r1 + r2) * (1 + disjointGap) }
        if overlap >= Double.pi * small * small { return abs(r1 - r2) }
        var lo = abs(r1 - r2), hi = r1 + r2
        for _ in 0..<100 {
            let mid = 0.5 * (lo + hi)
            if lensArea(r1: r1, r2: r2, d: mid) > overlap { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// The radius of a circle of `area` units.
    public static func radius(area: Double) -> Double { sqrt(max(0, area) / Double.pi) }

    /// Circles for 1-3 sets with the given sizes and pairwise overlaps (`overlaps[i][j]`, i != j).
    ///
    /// Two circles sit on the x axis. The third is placed from its two solved distances by the
    /// triangle construction (law of cosines), below the first two. When the three distances
    /// violate the triangle inequality no placement honours them all; the third circle then
    /// goes on the axis, on the side that best keeps its distance to the second circle, so its
    /// overlap with the first circle stays exact and only the other one is off.
    public static func layout(sizes: [Int], overlaps: [[Int]]) -> [VennCircle] {
        let radii = sizes.map { radius(area: Double(max($0, 0))) }
        switch radii.count {
        case 0: return []
        case 1: return [VennCircle(x: 0, y: 0, r: radii[0])]
        default: break
        }
        let d01 = distance(r1: radii[0], r2: radii[1], overlap: Double(overlaps[0][1]))
        var circles = [VennCircle(x: 0, y: 0, r: radii[0]), VennCircle(x: d01, y: 0, r: radii[1])]
        guard radii.count >= 3 else { return circles }
        let d02 = distance(r1: radii[0], r2: radii[2], overlap: Double(overlaps[0][2]))
        let d12 = distance(r1: radii[1], r2: radii[2], overlap: Double(overlaps[1][2]))
        var x: Double, y: Double
        if d01 > 1e-12 {
            x = (d01 * d01 + d02 * d02 - d12 * d12) / (2 * d01)
            let y2 = d02 * d02 - x * x
            if y2 >= 0 {
                y = sqrt(y2)
            } else {
                y = 0
                let errRight = abs(abs(d02 - d01) - d12), errLeft = abs(d02 + d01 - d12)
                x = errRight <= errLeft ? d02 : -d02
            }
        } else {
            // The first two circles share a centre: any direction keeps both distances alike.
            x = 0
            y = d02
        }
        circles.append(VennCircle(x: x, y: y, r: radii[2]))
        return circles
    }
}
