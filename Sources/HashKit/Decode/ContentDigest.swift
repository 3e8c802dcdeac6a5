import CLibCrypto

/// The SHA-256 of a file's bytes. The store recognises content by it, so a renamed, moved or
/// copied file reuses its hashes without being decoded. A cryptographic digest, because the
/// service stores uploads from other people: two different files must never share one.
public struct ContentDigest: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    public let bytes: [UInt8]

    /// nil unless `bytes` has 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    public static func of(_ data: [UInt8]) -> ContentDigest {
        var out = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest of SHA-256 fails only when OpenSSL cannot allocate a few hundred bytes.
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return ContentDigest(uncheckedBytes: out)
    }

    private init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }
}
