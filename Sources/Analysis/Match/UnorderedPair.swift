/// An unordered pair, stored with the smaller element first, so that (x, y) and (y, x) are the
/// same key: a cross-dataset image pair found by either family (`PairKey`), or a ground-truth
/// pair named by dataset and file (`GroundTruth.Pair`).
public struct UnorderedPair<Element: Hashable & Comparable & Sendable>: Hashable, Sendable {
    public var first: Element
    public var second: Element

    public init(_ x: Element, _ y: Element) {
        if y < x { (first, second) = (y, x) } else { (first, second) = (x, y) }
    }
}
