/// A 256-bit hash (OpenCV BlockMeanHash mode 0). Word `w` holds output bytes `8w ..< 8w+8`
/// little-endian, so bit `i` of the hash (block `i`, OpenCV's LSB-first packing) is bit `i % 64`
/// of word `i / 64`, and the hex of the 32 bytes in order is OpenCV's output.
public struct Hash256: Hashable, Sendable {
    public var words: SIMD4<UInt64>

    public init(words: SIMD4<UInt64> = .zero) { self.words = words }

    /// The four words as an array, the form families, the store and the index pass hashes in.
    public var wordArray: [UInt64] { [words[0], words[1], words[2], words[3]] }

    /// Builds the hash from 256 block decisions in OpenCV's block order.
    public init(bits: [Bool]) {
        precondition(bits.count == 256, "programmer error: Hash256 needs 256 bits")
        var w = SIMD4<UInt64>.zero
        for (i, set) in bits.enumerated() where set { w[i >> 6] |= 1 << UInt64(i & 63) }
        words = w
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in 0..<4 { for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: words[w] >> UInt64(8 * b))) } }
        return out
    }

    public var hex: String { Hex.encode(bytes) }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
        var w = SIMD4<UInt64>.zero
        for (i, byte) in bytes.enumerated() { w[i >> 3] |= UInt64(byte) << UInt64(8 * (i & 7)) }
        words = w
    }
}

/// The hashes of one image: phash and blockmean always; PDQ when it was asked for (zero
/// otherwise, see `HashFamily.optional`).
public struct ImageHashes: Hashable, Sendable {
    /// imagehash.phash: bit for DCT coefficient (r, c) is bit `63 - (8r + c)` (the first
    /// coefficient is the most significant bit, as `str(imagehash.phash(...))` prints it).
    public var phash: UInt64
    public var blockmean: Hash256
    /// PDQ: `words[0]` holds bits 255...192 of Meta's 256-bit number (bit `16i + j` for DCT
    /// coefficient (i, j)), most significant first, so the words in order are Meta's hex.
    public var pdq: Hash256
    /// PDQ's quality, 0-100 (the gradient measure Meta's code computes with the hash).
    public var pdqQuality: Int

    public init(phash: UInt64, blockmean: Hash256, pdq: Hash256 = Hash256(), pdqQuality: Int = 0) {
        self.phash = phash
        self.blockmean = blockmean
        self.pdq = pdq
        self.pdqQuality = pdqQuality
    }

    /// Every hash zero: the start value that `HashFamily.set` fills in family by family.
    public static let zero = ImageHashes(phash: 0, blockmean: Hash256())
}

public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func encode(_ value: UInt64) -> String {
        encode((0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) })
    }

    public static func decode(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    public static func uint64(_ hex: String) -> UInt64? {
        guard hex.utf8.count == 16, let bytes = decode(hex) else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

extension ImageHashes {
    /// The version of everything between a file's bytes and its hashes (decoders, grey
    /// conversion, resize, DCT, block means). Stored with every hash: a store written by another
    /// version is re-hashed rather than trusted. Change it with any change that can alter a hash
    /// or a decode error. 2: TIFFs are transposed by their Orientation as Pillow 13 does on load,
    /// and damaged or out-of-range files Pillow refuses are refused.
    public static let codeVersion = "crosshash-hash-2"
}
