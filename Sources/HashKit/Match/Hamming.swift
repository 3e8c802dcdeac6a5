/// Hamming distance: the number of bits in which two hashes differ. The one Swift definition
/// (the C kernels of CHashKernels and the OpenCL kernels keep their own, vectorised copies).
/// Hashes are `wordsPerHash` 64-bit words, laid out as `PackedHashes` and `HashFamily` hold them.
public enum Hamming {
    @inlinable
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// Distance between the hash of `words` words at word `i` of `a` and the one at word `j` of `b`.
    @inlinable
    public static func distance(_ a: [UInt64], at i: Int, _ b: [UInt64], at j: Int, words: Int) -> Int {
        var d = 0
        for w in 0..<words { d += (a[i + w] ^ b[j + w]).nonzeroBitCount }
        return d
    }

    /// Distance between two hashes of the same width.
    @inlinable
    public static func distance(_ a: [UInt64], _ b: [UInt64]) -> Int {
        precondition(a.count == b.count, "programmer error: hashes of different widths")
        return distance(a, at: 0, b, at: 0, words: a.count)
    }
}
