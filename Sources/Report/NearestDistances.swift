import Analysis

/// The histogram of every image's nearest cross-dataset distance under one hash, and whether
/// the threshold falls into an empty stretch of it (a clean cut between copies and look-alikes).
public struct NearestDistances: Sendable, Equatable {
    public let bits: Int
    public let threshold: Int
    /// counts[d]: images whose closest image in another dataset is d bits away, d in 0...bits
    /// (0...radius when `radius` is set; larger bins are then empty, their images in `farther`).
    public let counts: [Int]
    /// Distances are known exactly up to this (large inputs, where an index serves them); nil:
    /// at every distance.
    public let radius: Int?
    /// Images whose nearest distance is larger than `radius`.
    public let farther: Int

    public init(bits: Int, threshold: Int, distances: [Int?], radius: Int? = nil) {
        self.bits = bits
        self.threshold = threshold
        self.radius = radius.map { min($0, bits) }
        var counts = [Int](repeating: 0, count: bits + 1)
        var farther = 0
        for case let d? in distances {
            if d >= 0 && d <= bits { counts[d] += 1 } else if d > bits { farther += 1 }
        }
        self.counts = counts
        self.farther = farther
    }

    public init(_ result: FamilyMatches) {
        self.init(bits: result.family.bits, threshold: result.threshold, distances: result.nearestOtherDistance,
                  radius: result.nearestRadius)
    }

    /// The largest distance whose count is known.
    public var knownUpTo: Int { radius ?? bits }

    /// Bars of the chart: every known distance, then one "farther" bar when there is a radius.
    public var bars: [(label: String, count: Int)] {
        var out = (0...knownUpTo).map { (String($0), counts[$0]) }
        if let radius { out.append(("> \(radius)", farther)) }
        return out
    }

    public var total: Int { counts.reduce(0, +) + farther }
    /// Images with a match in another dataset.
    public var matched: Int { counts.prefix(max(0, min(threshold, bits) + 1)).reduce(0, +) }

    /// How many empty distances count as a gap: 2 of 64 bits, 8 of 256 (the same share).
    public var gapMargin: Int { max(1, bits / 32) }

    /// The empty distances around the threshold: from just above the largest occupied distance
    /// at or below it to just below the smallest occupied one above it. Empty when a bin right
    /// at the threshold or right above it is occupied.
    public var emptyRunAroundThreshold: ClosedRange<Int>? {
        let t = min(max(threshold, -1), bits)
        var lo = t
        while lo >= 0 && counts[lo] == 0 { lo -= 1 }
        var hi = t + 1
        while hi <= knownUpTo && counts[hi] == 0 { hi += 1 }
        return lo + 1 <= hi - 1 ? (lo + 1)...(hi - 1) : nil
    }

    /// True when at least `gapMargin` distances next to the threshold are empty: few pairs sit
    /// so close to the cut that a slightly different threshold would change the result.
    public var thresholdInGap: Bool {
        guard total > 0 else { return false }
        return (emptyRunAroundThreshold?.count ?? 0) >= gapMargin
    }

    /// Images whose nearest distance is at most `gapMargin` inside the threshold, and at most
    /// `gapMargin` outside it: the ones a slightly different threshold would flip.
    public var justInside: (count: Int, range: ClosedRange<Int>) {
        let lo = max(0, threshold - gapMargin + 1), hi = max(lo, min(bits, threshold))
        return (threshold >= 0 ? counts[lo...hi].reduce(0, +) : 0, lo...hi)
    }

    public var justOutside: (count: Int, range: ClosedRange<Int>) {
        let lo = min(bits, max(0, threshold + 1)), hi = min(knownUpTo, threshold + gapMargin)
        return (threshold < bits ? counts[lo...max(lo, hi)].reduce(0, +) : 0, lo...max(lo, hi))
    }

    /// One sentence for people: does the threshold sit in a gap?
    public var verdict: String {
        guard total > 0 else { return "With a single dataset there are no cross-dataset distances." }
        let prefix = radius.map { "Nearest distances are exact up to \($0) (\(Text.plural(farther, "image")) farther). " } ?? ""
        return prefix + gapVerdict
    }

    private var gapVerdict: String {
        if thresholdInGap, let run = emptyRunAroundThreshold {
            let span = run.count == 1 ? "at distance \(run.lowerBound)" : "at distances \(run.lowerBound) to \(run.upperBound)"
            return "The threshold (\(threshold)) sits in a gap: no image has its nearest match in another dataset \(span)."
        }
        func span(_ r: ClosedRange<Int>) -> String { r.count == 1 ? "\(r.lowerBound)" : "\(r.lowerBound)–\(r.upperBound)" }
        let inside = justInside, outside = justOutside
        return "The threshold (\(threshold)) does not sit in a clear gap: \(Text.count(inside.count)) images have their nearest "
            + "match in another dataset just inside it (distance \(span(inside.range))) and \(Text.count(outside.count)) just outside "
            + "(\(span(outside.range))); pairs near the threshold deserve a look."
    }
}
