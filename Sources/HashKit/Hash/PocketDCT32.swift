/// Arithmetic the pocketfft DCT needs. `Double` runs one vector; `SIMD4<Double>` runs four
/// independent vectors with exactly the same IEEE operations per lane (Swift never fuses
/// `a * b + c` into an FMA), so a vectorised caller stays bit-identical to the scalar one.
public protocol DCTLanes {
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    init(constant: Double)
}

extension Double: DCTLanes {
    @inlinable @inline(__always) public init(constant: Double) { self = constant }
}

extension SIMD4: DCTLanes where Scalar == Double {
    @inlinable @inline(__always) public init(constant: Double) { self.init(repeating: constant) }
}

extension SIMD2: DCTLanes where Scalar == Double {
    @inlinable @inline(__always) public init(constant: Double) { self.init(repeating: constant) }
}

/// `scipy.fftpack.dct(x)` (type II, unnormalised) for N = 32, bit for bit: SciPy's pocketfft
/// algorithm (pre-processing, backward real FFT factored 2·4·4, post-twiddle) with pocketfft's
/// own twiddle constants. A textbook DCT gives ±1e-13 where pocketfft gives exact zeros, and
/// on flat images that noise decides phash bits (ALGORITHMS.md §1.4).
public enum PocketDCT32 {
    public static let count = 32

    /// Radix-2 pass twiddles: `[cos(m), sin(m)]` for m = 1...7, 14 values.
    public static let twiddlesA: [Double] = [
        0x1.f6297cff75cb0p-1, 0x1.8f8b83c69a60ap-3,
        0x1.d906bcf328d46p-1, 0x1.87de2a6aea963p-2,
        0x1.a9b66290ea1a3p-1, 0x1.1c73b39ae68c8p-1,
        0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1,
        0x1.1c73b39ae68c8p-1, 0x1.a9b66290ea1a3p-1,
        0x1.87de2a6aea963p-2, 0x1.d906bcf328d46p-1,
        0x1.8f8b83c69a60ap-3, 0x1.f6297cff75cb0p-1,
    ]

    /// Radix-4 pass twiddles, pocketfft layout `[cos(m), sin(m), unused]` for m = 1...3.
    public static let twiddlesB: [Double] = [
        0x1.d906bcf328d46p-1, 0x1.87de2a6aea963p-2, 0,
        0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1, 0,
        0x1.87de2a6aea963p-2, 0x1.d906bcf328d46p-1, 0,
    ]

    /// Post-twiddles: pocketfft's cos(2π(j+1)/128), j = 0...30 (not all correctly rounded).
    public static let postTwiddles: [Double] = [
        0x1.ff621e3796d7ep-1, 0x1.fd88da3d12526p-1, 0x1.fa7557f08a517p-1, 0x1.f6297cff75cb0p-1,
        0x1.f0a7efb9230d7p-1, 0x1.e9f4156c62ddap-1, 0x1.e212104f686e5p-1, 0x1.d906bcf328d46p-1,
        0x1.ced7af43cc773p-1, 0x1.c38b2f180bdb1p-1, 0x1.b728345196e3ep-1, 0x1.a9b66290ea1a3p-1,
        0x1.9b3e047f38741p-1, 0x1.8bc806b151741p-1, 0x1.7b5df226aafafp-1, 0x1.6a09e667f3bccp-1,
        0x1.57d69348cec9fp-1, 0x1.44cf325091dd6p-1, 0x1.30ff7fce17034p-1, 0x1.1c73b39ae68c8p-1,
        0x1.073879922ffedp-1, 0x1.e2b5d3806f639p-2, 0x1.b5d1009e15cbfp-2, 0x1.87de2a6aea961p-2,
        0x1.58f9a75ab1fdbp-2, 0x1.294062ed59f04p-2, 0x1.f19f97b215f1cp-3, 0x1.8f8b83c69a60ap-3,
        0x1.2c8106e8e6136p-3, 0x1.917a6bc29b424p-4, 0x1.91f65f10dd810p-5,
    ]

    /// √2 as pocketfft spells it in the radix-4 pass.
    public static let sqrt2: Double = 0x1.6a09e667f3bcdp+0

    /// The DCT of one 32-sample vector.
    public static func dct32(_ x: [Double]) -> [Double] {
        precondition(x.count == count, "programmer error: dct32 needs 32 samples")
        var c = x
        var scratch = [Double](repeating: 0, count: count)
        c.withUnsafeMutableBufferPointer { cp in
            scratch.withUnsafeMutableBufferPointer { sp in
                transform(cp.baseAddress!, scratch: sp.baseAddress!)
            }
        }
        return c
    }

    /// In-place DCT of 32 lanes-wide samples at `c`; `scratch` holds 32 more. Every lane sees
    /// the same operations in the same order as `dct32` does.
    @inlinable
    public static func transform<V: DCTLanes>(_ c: UnsafeMutablePointer<V>, scratch t: UnsafeMutablePointer<V>) {
        let two = V(constant: 2)
        let half = V(constant: 0.5)

        // Step A: pre-processing.
        c[0] = c[0] * two
        c[31] = c[31] * two
        var k = 1
        while k < 31 {
            let a = c[k + 1], b = c[k]
            c[k + 1] = a - b
            c[k] = a + b
            k += 2
        }

        // Step B: backward real FFT, passes c -> t (radix 2), t -> c (radix 4), c -> t (radix 4),
        // then copied back. Only the buffer roles differ from pocketfft, not the arithmetic.
        radix2(c, t)
        radix4Ido4(t, c)
        radix4Ido1(c, t)

        // Step C: post-twiddle.
        for k in 1..<16 {
            let kc = 32 - k
            let wk = V(constant: postTwiddles[k - 1]), wkc = V(constant: postTwiddles[kc - 1])
            let t1 = wk * t[kc] + wkc * t[k]
            let t2 = wk * t[k] - wkc * t[kc]
            c[k] = half * (t1 + t2)
            c[kc] = half * (t1 - t2)
        }
        c[0] = t[0]
        c[16] = t[16] * V(constant: postTwiddles[15])
    }

    /// Radix-2 pass, ido = 16, l1 = 1: IN(a,b) = i[a + 16b], OUT(a,b) = o[a + 16b].
    @inlinable @inline(__always)
    static func radix2<V: DCTLanes>(_ i: UnsafeMutablePointer<V>, _ o: UnsafeMutablePointer<V>) {
        let ido = 16
        o[0] = i[0] + i[ido - 1 + ido]
        o[ido] = i[0] - i[ido - 1 + ido]
        o[ido - 1] = V(constant: 2) * i[ido - 1]
        o[ido - 1 + ido] = V(constant: -2) * i[ido]
        var ii = 2
        while ii < ido {
            let ic = ido - ii
            let wr = V(constant: twiddlesA[ii - 2]), wi = V(constant: twiddlesA[ii - 1])
            o[ii - 1] = i[ii - 1] + i[ic - 1 + ido]
            let tr2 = i[ii - 1] - i[ic - 1 + ido]
            let ti2 = i[ii] + i[ic + ido]
            o[ii] = i[ii] - i[ic + ido]
            o[ii + ido] = wr * ti2 + wi * tr2
            o[ii - 1 + ido] = wr * tr2 - wi * ti2
            ii += 2
        }
    }

    /// Radix-4 pass, ido = 4, l1 = 2: IN(a,b,k) = i[a + 4(b + 4k)], OUT(a,k,b) = o[a + 4(k + 2b)].
    @inlinable @inline(__always)
    static func radix4Ido4<V: DCTLanes>(_ i: UnsafeMutablePointer<V>, _ o: UnsafeMutablePointer<V>) {
        @inline(__always) func IN(_ a: Int, _ b: Int, _ k: Int) -> V { i[a + 4 * (b + 4 * k)] }
        @inline(__always) func OUT(_ a: Int, _ k: Int, _ b: Int, _ v: V) { o[a + 4 * (k + 2 * b)] = v }
        let s2 = V(constant: sqrt2), ms2 = V(constant: -sqrt2)
        for k in 0..<2 {
            let tr2 = IN(0, 0, k) + IN(3, 3, k)
            let tr1 = IN(0, 0, k) - IN(3, 3, k)
            let tr3 = V(constant: 2) * IN(3, 1, k)
            let tr4 = V(constant: 2) * IN(0, 2, k)
            OUT(0, k, 0, tr2 + tr3)
            OUT(0, k, 2, tr2 - tr3)
            OUT(0, k, 3, tr1 + tr4)
            OUT(0, k, 1, tr1 - tr4)
        }
        for k in 0..<2 {
            let ti1 = IN(0, 3, k) + IN(0, 1, k)
            let ti2 = IN(0, 3, k) - IN(0, 1, k)
            let tr2 = IN(3, 0, k) + IN(3, 2, k)
            let tr1 = IN(3, 0, k) - IN(3, 2, k)
            OUT(3, k, 0, tr2 + tr2)
            OUT(3, k, 1, s2 * (tr1 - ti1))
            OUT(3, k, 2, ti2 + ti2)
            OUT(3, k, 3, ms2 * (tr1 + ti1))
        }
        // The (ido > 2) loop runs once, i = 2, ic = 2.
        let ii = 2, ic = 2
        for k in 0..<2 {
            let tr2 = IN(ii - 1, 0, k) + IN(ic - 1, 3, k)
            let tr1 = IN(ii - 1, 0, k) - IN(ic - 1, 3, k)
            let ti1 = IN(ii, 0, k) + IN(ic, 3, k)
            let ti2 = IN(ii, 0, k) - IN(ic, 3, k)
            let tr4 = IN(ii, 2, k) + IN(ic, 1, k)
            let ti3 = IN(ii, 2, k) - IN(ic, 1, k)
            let tr3 = IN(ii - 1, 2, k) + IN(ic - 1, 1, k)
            let ti4 = IN(ii - 1, 2, k) - IN(ic - 1, 1, k)
            OUT(ii - 1, k, 0, tr2 + tr3)
            let cr3 = tr2 - tr3
            OUT(ii, k, 0, ti2 + ti3)
            let ci3 = ti2 - ti3
            let cr4 = tr1 + tr4
            let cr2 = tr1 - tr4
            let ci2 = ti1 + ti4
            let ci4 = ti1 - ti4
            // wr/wi at TW_B[(m-1)*(ido-1) + i-2] and [... + i-1].
            let w1r = V(constant: twiddlesB[0]), w1i = V(constant: twiddlesB[1])
            let w2r = V(constant: twiddlesB[3]), w2i = V(constant: twiddlesB[4])
            let w3r = V(constant: twiddlesB[6]), w3i = V(constant: twiddlesB[7])
            OUT(ii, k, 1, w1r * ci2 + w1i * cr2)
            OUT(ii - 1, k, 1, w1r * cr2 - w1i * ci2)
            OUT(ii, k, 2, w2r * ci3 + w2i * cr3)
            OUT(ii - 1, k, 2, w2r * cr3 - w2i * ci3)
            OUT(ii, k, 3, w3r * ci4 + w3i * cr4)
            OUT(ii - 1, k, 3, w3r * cr4 - w3i * ci4)
        }
    }

    /// Radix-4 pass, ido = 1, l1 = 8: IN(0,b,k) = i[b + 4k], OUT(0,k,b) = o[k + 8b].
    @inlinable @inline(__always)
    static func radix4Ido1<V: DCTLanes>(_ i: UnsafeMutablePointer<V>, _ o: UnsafeMutablePointer<V>) {
        let two = V(constant: 2)
        for k in 0..<8 {
            let in0 = i[4 * k], in1 = i[1 + 4 * k], in2 = i[2 + 4 * k], in3 = i[3 + 4 * k]
            let tr2 = in0 + in3
            let tr1 = in0 - in3
            let tr3 = two * in1
            let tr4 = two * in2
            o[k] = tr2 + tr3
            o[k + 16] = tr2 - tr3
            o[k + 24] = tr1 + tr4
            o[k + 8] = tr1 - tr4
        }
    }
}
