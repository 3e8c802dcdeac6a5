/// imagehash.phash from the 32x32 LANCZOS image: DCT of every column (axis 0), then of the
/// first 8 rows of the result (axis 1), then the median rule on the 8x8 low frequencies.
public enum PHash {
    public static let side = 32

    /// The 8x8 low-frequency block, row-major (row = vertical frequency), from 32x32 pixels.
    public static func lowFrequencies(_ pixels: [UInt8]) -> [Double] {
        precondition(pixels.count == side * side, "programmer error: phash needs 32x32 pixels")
        // Axis 0: column x of the input becomes column x of `cols`.
        var cols = [Double](repeating: 0, count: side * side)
        for x in 0..<side {
            let column = PocketDCT32.dct32((0..<side).map { Double(pixels[$0 * side + x]) })
            for y in 0..<side { cols[y * side + x] = column[y] }
        }
        // Axis 1: only rows 0...7 contribute to the hash.
        var low = [Double]()
        low.reserveCapacity(64)
        for r in 0..<8 {
            let row = PocketDCT32.dct32(Array(cols[r * side ..< (r + 1) * side]))
            low += row[0..<8]
        }
        return low
    }

    /// Bit (r, c) = `low[8r + c] > median`, stored at bit `63 - (8r + c)`. The median is
    /// numpy's: the mean of the two middle values of the sorted 64.
    @inlinable
    public static func bits(_ low: UnsafeBufferPointer<Double>) -> UInt64 {
        precondition(low.count == 64, "programmer error: phash needs 64 coefficients")
        let sorted = low.sorted()
        let median = (sorted[31] + sorted[32]) / 2
        var hash: UInt64 = 0
        for i in 0..<64 where low[i] > median { hash |= 1 << UInt64(63 - i) }
        return hash
    }

    public static func bits(_ low: [Double]) -> UInt64 {
        low.withUnsafeBufferPointer { bits($0) }
    }

    /// phash of a 32x32 L image.
    public static func hash(resized pixels: [UInt8]) -> UInt64 {
        bits(lowFrequencies(pixels))
    }
}
