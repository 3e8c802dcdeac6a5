import CCodecs

/// CRC-32 as zlib computes it (`zlib.crc32` in Python), for comparing pixels with references.
public enum Checksum {
    public static func crc32(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { cc_crc32(seed, $0.baseAddress, $0.count) }
    }
}
