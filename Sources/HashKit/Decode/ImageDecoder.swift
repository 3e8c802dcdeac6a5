import CCodecs

/// Why a file could not be hashed, worded for the person who owns the file.
public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAnImage(startsWith: String)
    case unsupportedFormat(String)
    case tooManyPixels(format: String, width: Int, height: Int, limit: Int)
    case fileTooLarge(bytes: Int, limit: Int)
    case corrupt(format: String, detail: String)
    case truncated(format: String, detail: String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .notAnImage(let start): return start.isEmpty ? "not an image (empty file)" : "not an image (starts with `\(start)`)"
        case .unsupportedFormat(let f): return "unsupported format: \(f)"
        case .tooManyPixels(let f, let w, let h, let limit):
            return "\(f) declares \(w)x\(h) pixels, over the limit of \(limit) (--max-pixels)"
        case .fileTooLarge(let bytes, let limit): return "file is \(bytes) bytes, over the limit of \(limit) (--max-file-bytes)"
        case .corrupt(let f, let detail): return "\(f) data is corrupt: \(detail)"
        case .truncated(let f, let detail): return "\(f) data is truncated: \(detail)"
        case .unreadable(let why): return "cannot read file: \(why)"
        }
    }
}

public struct DecodeLimits: Sendable {
    /// Pillow's decompression-bomb error threshold: 2 * (1024 * 1024 * 1024 // 4 // 3).
    public static let pillowMaxPixels = 2 * (1024 * 1024 * 1024 / 4 / 3)
    public var maxPixels: Int
    public var maxFileBytes: Int

    public init(maxPixels: Int = DecodeLimits.pillowMaxPixels, maxFileBytes: Int = 1 << 30) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }
}

/// Decodes JPEG (libjpeg-turbo) and PNG (libpng) to the pixels Pillow 13 gives.
/// The format is chosen from the first bytes, never the file name.
public struct ImageDecoder: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = DecodeLimits()) { self.limits = limits }

    public func decode(path: String) throws(DecodeError) -> DecodedImage {
        throw .unsupportedFormat("not implemented yet")
    }

    public func decode(data: [UInt8]) throws(DecodeError) -> DecodedImage {
        throw .unsupportedFormat("not implemented yet")
    }
}
