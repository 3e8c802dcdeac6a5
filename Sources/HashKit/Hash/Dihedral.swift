/// The eight transposes of a picture (the dihedral group of the square): Pillow's
/// `Image.transpose` methods, in the order every variant list uses (issue 20; `hash --dihedral`
/// prints them in this order). Rotations are counter-clockwise, as Pillow's `ROTATE_*`.
///
/// Each is written as `out[r][c] = in[R][C]` with `(a, b) = swapsAxes ? (c, r) : (r, c)`,
/// `R = reversesFirst ? n-1-a : a`, `C = reversesSecond ? n-1-b : b`: one form serves grids of
/// pixels, grids of blocks and DCT coefficients alike.
public enum Dihedral: Int, CaseIterable, Sendable, CustomStringConvertible {
    case identity, flipH, flipV, rot90, rot180, rot270, transpose, transverse

    /// The name as outputs and options spell it.
    public var name: String {
        switch self {
        case .identity: "identity"
        case .flipH: "flip_h"
        case .flipV: "flip_v"
        case .rot90: "rot90"
        case .rot180: "rot180"
        case .rot270: "rot270"
        case .transpose: "transpose"
        case .transverse: "transverse"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let d = Dihedral.allCases.first(where: { $0.name == name }) else { return nil }
        self = d
    }

    /// Whether output rows come from input columns.
    public var swapsAxes: Bool {
        switch self {
        case .rot90, .rot270, .transpose, .transverse: true
        default: false
        }
    }

    /// Whether the first (row) index of the source is reversed, after the swap.
    public var reversesFirst: Bool {
        switch self {
        case .flipV, .rot180, .rot270, .transverse: true
        default: false
        }
    }

    /// Whether the second (column) index of the source is reversed, after the swap.
    public var reversesSecond: Bool {
        switch self {
        case .flipH, .rot90, .rot180, .transverse: true
        default: false
        }
    }

    /// The row-major index in a `side x side` source grid of output cell (`row`, `col`).
    @inline(__always)
    public func sourceIndex(row: Int, col: Int, side: Int) -> Int {
        let (a, b) = swapsAxes ? (col, row) : (row, col)
        return (reversesFirst ? side - 1 - a : a) * side + (reversesSecond ? side - 1 - b : b)
    }

    /// The `side x side` row-major grid transposed this way (what Pillow's `transpose` does
    /// to a square picture).
    public func transposed<T>(_ grid: [T], side: Int) -> [T] {
        precondition(grid.count == side * side, "programmer error: a \(side)x\(side) grid has \(side * side) cells")
        var out = [T]()
        out.reserveCapacity(grid.count)
        for r in 0..<side { for c in 0..<side { out.append(grid[sourceIndex(row: r, col: c, side: side)]) } }
        return out
    }

    /// The 2-D DCT coefficients of the transposed grid, from the grid's own: a reversed axis
    /// multiplies frequency `u` along it by `(-1)^u`, a swap transposes the coefficients.
    /// `firstFrequency` is the frequency of index 0 (PDQ keeps frequencies 1...16, so 1).
    /// Negation is exact, so this is bit for bit what Meta's `dct16OriginalTo...` helpers give.
    public func transformedDCT(_ coefficients: [Float], side: Int, firstFrequency: Int) -> [Float] {
        precondition(coefficients.count == side * side, "programmer error: \(side)x\(side) coefficients expected")
        var out = [Float](repeating: 0, count: side * side)
        for r in 0..<side {
            for c in 0..<side {
                let (a, b) = swapsAxes ? (c, r) : (r, c)
                var v = coefficients[a * side + b]
                if reversesFirst && (a + firstFrequency) & 1 == 1 { v = -v }
                if reversesSecond && (b + firstFrequency) & 1 == 1 { v = -v }
                out[r * side + c] = v
            }
        }
        return out
    }
}

/// The dihedral variants of one picture's hashes: for each family computed, 8 hashes (words as
/// `ImageHashes` holds them) in `Dihedral.allCases` order. The `identity` variant is the plain hash.
public struct DihedralHashes: Sendable, Hashable {
    public var variants: [HashFamily.ID: [[UInt64]]]

    public init(variants: [HashFamily.ID: [[UInt64]]] = [:]) { self.variants = variants }

    /// The family's variant `d`, nil when the family was not computed.
    public func words(_ family: HashFamily, _ d: Dihedral) -> [UInt64]? { variants[family.id]?[d.rawValue] }

    /// The family's 8 variants as the family writes hex, nil when it was not computed.
    public func hex(_ family: HashFamily) -> [String]? { variants[family.id]?.map { family.hex($0) } }
}

extension DecodedImage {
    /// The picture transposed by `d`, any shape (Pillow's `Image.transpose`): a variant that
    /// swaps axes swaps width and height. Verification compares a pair's second picture with the
    /// first one turned the way its hashes matched.
    public func transposed(by d: Dihedral) -> DecodedImage {
        guard d != .identity else { return self }
        let ch = layout.channels
        let (outW, outH) = d.swapsAxes ? (height, width) : (width, height)
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<outH {
                    for c in 0..<outW {
                        // (a, b) index the source as (row, col) before the reversals.
                        let (a, b) = d.swapsAxes ? (c, r) : (r, c)
                        let sr = d.reversesFirst ? height - 1 - a : a
                        let sc = d.reversesSecond ? width - 1 - b : b
                        let s = (sr * width + sc) * ch, o = (r * outW + c) * ch
                        for k in 0..<ch { dst[o + k] = src[s + k] }
                    }
                }
            }
        }
        return DecodedImage(width: outW, height: outH, layout: layout, pixels: out, warnings: warnings)
    }
}
