import CCodecs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be hashed, worded for the person who owns the file.
public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a picture at all; `startsWith` shows the first bytes (non-printable ones as `\xHH`).
    case notAnImage(startsWith: String)
    /// A picture in a format crosshash does not read (AVIF, HEIF, ...).
    case unsupportedFormat(String)
    /// A JPEG or PNG using a feature Pillow does not decode either (12-bit JPEG, ...).
    case unsupportedVariant(format: String, detail: String)
    case tooManyPixels(format: String, width: Int, height: Int, limit: Int)
    /// Within the pixel limit, but its decoder needs more than 4 bytes a pixel (a progressive
    /// JPEG keeps every DCT coefficient, libwebp keeps a lossless image whole as ARGB), and
    /// that is more memory than `limit` pixels at 4 bytes each.
    case tooMuchDecodingMemory(format: String, width: Int, height: Int, bytesPerPixel: Int, limit: Int)
    case fileTooLarge(bytes: Int, limit: Int)
    case corrupt(format: String, detail: String)
    case truncated(format: String, detail: String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .notAnImage(let start): return start.isEmpty ? "not an image (empty file)" : "not an image (starts with `\(start)`)"
        case .unsupportedFormat(let f): return "unsupported format: \(f)"
        case .unsupportedVariant(let f, let detail): return "unsupported \(f): \(detail)"
        case .tooManyPixels(let f, let w, let h, let limit):
            return "\(f) declares \(w)x\(h) pixels, over the limit of \(limit) (--max-pixels)"
        case .tooMuchDecodingMemory(let f, let w, let h, let perPixel, let limit):
            let need = w.multipliedReportingOverflow(by: h).partialValue.multipliedReportingOverflow(by: perPixel).partialValue
            return "\(f) of \(w)x\(h) pixels needs about \(need / 1_000_000) MB to decode (\(perPixel) bytes a pixel), over the \(limit.multipliedReportingOverflow(by: 4).partialValue / 1_000_000) MB (4 bytes x --max-pixels \(limit)) one image may take; raise --max-pixels to read it"
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
    /// The defaults every command and the service start from (`--max-pixels`, `--max-file-bytes`).
    public static let defaultMaxPixels = pillowMaxPixels
    public static let defaultMaxFileBytes = 1 << 30
    /// Images with more than this many pixels are refused before any pixel memory is allocated.
    public var maxPixels: Int
    /// Files larger than this are refused before they are read.
    public var maxFileBytes: Int

    public init(maxPixels: Int = DecodeLimits.defaultMaxPixels, maxFileBytes: Int = DecodeLimits.defaultMaxFileBytes) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }
}

public enum ImageFormat: String, Sendable, Equatable {
    case jpeg = "JPEG"
    case png = "PNG"
    case gif = "GIF"
    case bmp = "BMP"
    case webp = "WebP"
    case tiff = "TIFF"
}

/// What the headers say, without decoding pixels.
public struct ImageHeader: Sendable, Equatable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    /// The layout `decode` will produce.
    public let layout: DecodedImage.Layout
    /// Bits per sample in the file.
    public let bitDepth: Int
    /// JPEG progressive, PNG or GIF interlaced, animated WebP.
    public let progressive: Bool
    /// Memory the decoder holds per pixel beside the decoded image, at most: 0 where it works a
    /// band of rows at a time; 4 for lossless or animated WebP (libwebp keeps the whole picture
    /// as 32-bit ARGB for back-references), 2 for lossy WebP with alpha (its alpha plane), 3 or
    /// 6 for a progressive JPEG (libjpeg's coefficient arrays, 2 bytes a sample), 1 for palette
    /// GIF and run-length BMP (an index a pixel).
    public let workingBytesPerPixel: Int

    public init(format: ImageFormat, width: Int, height: Int, layout: DecodedImage.Layout, bitDepth: Int,
                progressive: Bool, workingBytesPerPixel: Int = 0) {
        self.format = format
        self.width = width
        self.height = height
        self.layout = layout
        self.bitDepth = bitDepth
        self.progressive = progressive
        self.workingBytesPerPixel = workingBytesPerPixel
    }

    /// Peak bytes a pixel of this image costs while it is decoded: the decoded image (1 or 3
    /// bytes a pixel) and the decoder's working memory.
    public var decodeBytesPerPixel: Int { layout.channels + workingBytesPerPixel }

    /// The image's pixels counted in units of 4 bytes of decoding memory, never fewer than its
    /// pixels: what a pixel budget sized at 4 bytes a pixel (the service's
    /// `--max-inflight-pixels`) should charge for it, so that a picture whose decoder needs more
    /// (lossless WebP: 7 bytes a pixel) takes its real share. Saturates instead of overflowing.
    public var budgetPixels: Int {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow { return Int.max }
        guard decodeBytesPerPixel > 4 else { return pixels }
        let (bytes, over) = pixels.multipliedReportingOverflow(by: decodeBytesPerPixel)
        return over ? Int.max : (bytes + 3) / 4
    }
}

/// Decodes JPEG (libjpeg-turbo), PNG (libpng), GIF and BMP (as Pillow's own decoders do), WebP
/// (libwebp) and TIFF (libtiff) to the pixels Pillow 13 gives.
/// The format is chosen from the first bytes, never the file name.
public struct ImageDecoder: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = DecodeLimits()) { self.limits = limits }

    public func decode(path: String) throws(DecodeError) -> DecodedImage {
        try decode(pathBytes: Array(path.utf8))
    }

    /// `pathBytes` is the file name as the file system has it (not necessarily UTF-8), without
    /// a trailing NUL.
    public func decode(pathBytes: [UInt8]) throws(DecodeError) -> DecodedImage {
        let data = try FileReader.read(pathBytes: pathBytes, limit: limits.maxFileBytes)
        return try decode(data: data)
    }

    /// A picture to look at, not to hash: JPEGs are decoded at a reduced scale (1/2 .. 1/8, in
    /// libjpeg's DCT domain) whose longer side is still at least `minSide`, which is several
    /// times faster for thumbnails. Pixels differ from Pillow's; never hash them.
    public func decodePreview(pathBytes: [UInt8], minSide: Int) throws(DecodeError) -> DecodedImage {
        try decodePreview(.path(pathBytes), minSide: minSide)
    }

    /// `decodePreview` of a file read from `source` (a dataset file: with no link followed).
    public func decodePreview(_ source: FileSource, minSide: Int) throws(DecodeError) -> DecodedImage {
        let data = try FileReader.readWithStats(source, limit: limits.maxFileBytes).bytes
        return try decode(data: data, previewMinSide: minSide)
    }

    /// `decodePreview` of a file's bytes already read.
    public func decodePreview(data: [UInt8], minSide: Int) throws(DecodeError) -> DecodedImage {
        try decode(data: data, previewMinSide: minSide)
    }

    /// The bytes of the file at `source` (a dataset file: with no link followed), refused past
    /// `limits.maxFileBytes` before they are read.
    public func read(_ source: FileSource) throws(DecodeError) -> [UInt8] {
        try FileReader.readWithStats(source, limit: limits.maxFileBytes).bytes
    }

    public func decode(data: [UInt8]) throws(DecodeError) -> DecodedImage {
        try decode(data: data, previewMinSide: nil)
    }

    private func decode(data: [UInt8], previewMinSide: Int?) throws(DecodeError) -> DecodedImage {
        if data.count > limits.maxFileBytes { throw .fileTooLarge(bytes: data.count, limit: limits.maxFileBytes) }
        let format = try Self.format(of: data)
        guard let decoder = cc_decoder_create() else { throw .unreadable("out of memory") }
        defer { cc_decoder_destroy(decoder) }

        let maxPixels = UInt64(max(0, limits.maxPixels))
        let limit = limits.maxPixels
        // The decoder keeps a pointer into `data`, so header and pixels are read in one access.
        let result: Result<DecodedImage, DecodeError> = data.withUnsafeBufferPointer { buffer in
            var header = cc_header()
            let headerStatus = cc_decoder_read_header(decoder, buffer.baseAddress, buffer.count, maxPixels, &header)
            if headerStatus != Int32(CC_OK.rawValue) {
                return .failure(Self.error(headerStatus, format: format, header: header, decoder: decoder, limit: limit))
            }
            // One image's decoding memory stays within 4 bytes x --max-pixels, whatever its
            // decoder keeps besides the pixels (the service's and the CLI's memory bound).
            let announced = Self.header(header, format: format)
            if limit > 0, announced.budgetPixels > limit {
                return .failure(.tooMuchDecodingMemory(format: format.rawValue, width: announced.width, height: announced.height,
                                                       bytesPerPixel: announced.decodeBytesPerPixel, limit: limit))
            }
            if let minSide = previewMinSide {
                let status = cc_decoder_set_preview_size(decoder, UInt32(clamping: max(1, minSide)), &header)
                if status != Int32(CC_OK.rawValue) {
                    return .failure(Self.error(status, format: format, header: header, decoder: decoder, limit: limit))
                }
            }
            let width = Int(header.width), height = Int(header.height)
            let layout: DecodedImage.Layout = header.channels == 1 ? .gray : .rgb
            let byteCount = width * height * layout.channels
            var status = Int32(CC_OK.rawValue)
            // libjpeg/libpng write straight into the array's storage: no copy of the pixels.
            let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { pixelBuffer, initialized in
                status = cc_decoder_decode(decoder, pixelBuffer.baseAddress, byteCount)
                initialized = status == Int32(CC_OK.rawValue) ? byteCount : 0
            }
            if status != Int32(CC_OK.rawValue) {
                return .failure(Self.error(status, format: format, header: header, decoder: decoder, limit: limit))
            }
            return .success(DecodedImage(width: width, height: height, layout: layout, pixels: pixels,
                                         warnings: Self.warnings(decoder)))
        }
        return try result.get()
    }

    /// Reads only the headers: format, size and the layout `decode` would give. No pixel limit.
    public static func probe(data: [UInt8]) throws(DecodeError) -> ImageHeader {
        let format = try format(of: data)
        guard let decoder = cc_decoder_create() else { throw .unreadable("out of memory") }
        defer { cc_decoder_destroy(decoder) }
        var header = cc_header()
        let status = data.withUnsafeBufferPointer { buffer in
            cc_decoder_read_header(decoder, buffer.baseAddress, buffer.count, UInt64.max, &header)
        }
        if status != Int32(CC_OK.rawValue) {
            throw error(status, format: format, header: header, decoder: decoder, limit: Int.max)
        }
        return Self.header(header, format: format)
    }

    private static func header(_ header: cc_header, format: ImageFormat) -> ImageHeader {
        ImageHeader(format: format, width: Int(header.width), height: Int(header.height),
                    layout: header.channels == 1 ? .gray : .rgb, bitDepth: Int(header.bit_depth),
                    progressive: header.progressive != 0,
                    workingBytesPerPixel: Int(max(0, header.work_bytes_per_pixel)))
    }

    /// The format named by the first bytes, or the error that says what the file is instead.
    public static func format(of data: [UInt8]) throws(DecodeError) -> ImageFormat {
        let sniffed = data.withUnsafeBufferPointer { cc_sniff_format($0.baseAddress, $0.count) }
        switch cc_format(UInt32(bitPattern: sniffed)) {
        case CC_FORMAT_JPEG: return .jpeg
        case CC_FORMAT_PNG: return .png
        case CC_FORMAT_GIF: return .gif
        case CC_FORMAT_BMP: return .bmp
        case CC_FORMAT_WEBP: return .webp
        case CC_FORMAT_TIFF: return .tiff
        default: break
        }
        if data.isEmpty { throw .notAnImage(startsWith: "") }
        if let other = FormatSniffer.otherImageFormat(data) { throw .unsupportedFormat(other) }
        if data.count >= 2 && data[0] == 0xFF && data[1] == 0xD8 {
            throw .corrupt(format: "JPEG", detail: "no marker follows the start-of-image bytes")
        }
        throw .notAnImage(startsWith: FormatSniffer.printablePrefix(data))
    }

    private static func error(_ status: Int32, format: ImageFormat, header: cc_header, decoder: OpaquePointer,
                              limit: Int) -> DecodeError {
        let name = format.rawValue
        let message = String(cString: cc_decoder_message(decoder))
        switch cc_status(UInt32(bitPattern: status)) {
        case CC_ERR_TRUNCATED: return .truncated(format: name, detail: message)
        case CC_ERR_UNSUPPORTED: return .unsupportedVariant(format: name, detail: message)
        case CC_ERR_TOO_MANY_PIXELS:
            return .tooManyPixels(format: name, width: Int(header.width), height: Int(header.height), limit: limit)
        case CC_ERR_NO_MEMORY: return .unreadable("out of memory decoding \(name): \(message)")
        case CC_ERR_USAGE: return .unreadable("internal decoder error: \(message)")
        default: return .corrupt(format: name, detail: message)
        }
    }

    private static func warnings(_ decoder: OpaquePointer) -> [String] {
        let kept = Int(cc_decoder_warning_count(decoder))
        if kept == 0 { return [] }
        var list = (0..<kept).map { String(cString: cc_decoder_warning(decoder, Int32($0))) }
        let total = Int(cc_decoder_warning_total(decoder))
        if total > kept { list.append("and \(total - kept) more warnings") }
        return list
    }
}

/// Recognises the image formats crosshash does not decode, so the message can name them.
enum FormatSniffer {
    static func otherImageFormat(_ d: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            d.count >= offset + prefix.count && Array(d[offset..<offset + prefix.count]) == prefix
        }
        let ascii = { (s: String) in Array(s.utf8) }
        // GIF, BMP, TIFF (and BigTIFF) and WebP are decoded: cc_sniff_format claims them first.
        if starts(ascii("ftyp"), at: 4) && d.count >= 12 {
            let brand = String(decoding: d[8..<12], as: UTF8.self)
            switch brand {
            case "avif", "avis": return "AVIF"
            case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1": return "HEIF"
            case "crx ": return "Canon CR3 raw"
            default: return nil
            }
        }
        if starts([0xFF, 0x0A]) || starts([0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return "JPEG XL" }
        if starts([0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) { return "JPEG 2000" }
        if starts([0x49, 0x49, 0xBC]) { return "JPEG XR" }
        if starts(ascii("8BPS")) { return "Photoshop PSD" }
        if starts(ascii("qoif")) { return "QOI" }
        if starts(ascii("DDS ")) { return "DDS" }
        if starts(ascii("%PDF")) { return "PDF" }
        if starts([0, 0, 1, 0]) && d.count >= 6 && d[4] != 0 && d[5] == 0 { return "ICO" }
        if starts(ascii("\u{8A}MNG")) { return "MNG" }
        if starts(ascii("gimp xcf")) { return "GIMP XCF" }
        if starts(ascii("#?RADIANCE")) { return "Radiance HDR" }
        if starts([0x76, 0x2F, 0x31, 0x01]) { return "OpenEXR" }
        if starts(ascii("<svg")) || (starts(ascii("<?xml")) && d.prefix(512).contains(ascii("<svg"))) { return "SVG" }
        return nil
    }

    /// Up to 12 characters of the start of the file; bytes that are not printable ASCII as \xHH.
    static func printablePrefix(_ d: [UInt8]) -> String {
        var out = ""
        for byte in d.prefix(12) {
            switch byte {
            case 0x20...0x7E where byte != 0x60: out.append(Character(Unicode.Scalar(byte)))
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            default:
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}

private extension ArraySlice where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        var i = startIndex
        while i + needle.count <= endIndex {
            if self[i..<i + needle.count].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}

/// A file's bytes with what `fstat` said of the file while they were read.
public struct FileSnapshot: Sendable {
    public var bytes: [UInt8]
    public var size: Int64
    public var mtimeNs: Int64
    public var inode: UInt64
}

extension ImageDecoder {
    /// Reads a file whole (after checking `--max-file-bytes` against its size) and makes sure it
    /// did not change while it was read: size and modification time are taken before and after
    /// the read, and a file that changed is read again (up to `attempts` times). So the bytes,
    /// their digest and the hashes decoded from them always belong together, and the stat
    /// recorded with them is the one of the content read.
    public func readStable(pathBytes: [UInt8], attempts: Int = 3) throws(DecodeError) -> FileSnapshot {
        try readStable(.path(pathBytes), attempts: attempts)
    }

    /// `readStable` of a file read from `source` (a dataset file: with no link followed).
    public func readStable(_ source: FileSource, attempts: Int = 3) throws(DecodeError) -> FileSnapshot {
        for _ in 0..<max(1, attempts) {
            let (bytes, before, after) = try FileReader.readWithStats(source, limit: limits.maxFileBytes)
            if before == after, Int64(bytes.count) == before.size {
                return FileSnapshot(bytes: bytes, size: before.size, mtimeNs: before.mtimeNs, inode: before.inode)
            }
        }
        throw .unreadable("the file kept changing while it was read; run again once it is complete")
    }
}

/// One `read` into one buffer; the descriptor is closed on every path.
enum FileReader {
    struct Stat: Equatable { var size: Int64, mtimeNs: Int64, inode: UInt64 }

    static func read(pathBytes: [UInt8], limit: Int) throws(DecodeError) -> [UInt8] {
        try readWithStats(.path(pathBytes), limit: limit).bytes
    }

    static func snapshot(of info: Glibc.stat) -> Stat {
        Stat(size: Int64(info.st_size), mtimeNs: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
             inode: UInt64(info.st_ino))
    }

    /// The bytes, and the file's stat before and after reading them.
    static func readWithStats(_ source: FileSource, limit: Int) throws(DecodeError) -> (bytes: [UInt8], before: Stat, after: Stat) {
        let fd = try open(source)
        defer { close(fd) }

        var info = Glibc.stat()
        if fstat(fd, &info) != 0 { throw .unreadable(errnoText()) }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR { throw .unreadable("it is a directory") }
        if type != S_IFREG { throw .unreadable("not a regular file") }
        let size = Int(info.st_size)
        if size > limit { throw .fileTooLarge(bytes: size, limit: limit) }

        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            guard let base = buffer.baseAddress else { initialized = 0; return }
            while done < size {
                let n = SystemCall.read(fd, base + done, size - done)
                if n > 0 {
                    done += n
                } else if n == 0 {
                    break // the file shrank since fstat
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
            initialized = done
        }
        if failure != 0 { throw .unreadable(String(cString: strerror(failure))) }
        var later = Glibc.stat()
        if fstat(fd, &later) != 0 { throw .unreadable(errnoText()) }
        return (bytes, Self.snapshot(of: info), Self.snapshot(of: later))
    }

    /// A descriptor for reading `source`; a dataset file is opened beneath its root with no
    /// symbolic link followed (see `RootFolder`).
    private static func open(_ source: FileSource) throws(DecodeError) -> Int32 {
        switch source {
        case .path(let pathBytes):
            if pathBytes.contains(0) { throw .unreadable("file name contains a NUL byte") }
            let fd: Int32 = (pathBytes + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { name in
                    guard let base = name.baseAddress else { return -1 }
                    return Glibc.open(base, O_RDONLY | O_CLOEXEC)
                }
            }
            if fd < 0 { throw .unreadable(errnoText()) }
            return fd
        case .beneath(let root, let key):
            do {
                return try root.openFile(key)
            } catch {
                throw .unreadable(error.description)
            }
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// The C library's `read`, out of reach of `FileReader.read`'s name.
private enum SystemCall {
    static func read(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
        #else
        return Darwin.read(fd, buffer, count)
        #endif
    }
}
