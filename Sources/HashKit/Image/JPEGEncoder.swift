import CCodecs

/// JPEG encoding through libjpeg-turbo, beside the decoders that wrap the same C module (the C
/// shim catches libjpeg's longjmp errors), so no other target imports the C module itself.
/// The report's thumbnails and the tests' synthetic pictures are encoded here.
public enum JPEGEncoder {
    /// libjpeg's message for an image it could not encode.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { "JPEG encoding failed: \(message)" }
    }

    /// Encodes 8-bit interleaved pixels (`channels` 1 = grey, 3 = RGB) as a baseline JPEG.
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int) throws(Failure) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = pixels.withUnsafeBufferPointer { px in
            ccodecs_jpeg_encode(px.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(quality),
                                &out, &size, &message, message.count)
        }
        guard rc == 0, let buffer = out else {
            throw Failure(message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { ccodecs_jpeg_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }
}
