/// The pixels of one image exactly as Pillow decodes them, reduced to what both hashes read.
///
/// Pillow's many modes collapse to two layouts without changing either hash: `L`, `1`, `I;16`,
/// `LA` become `.gray` (their `convert('L')` and `convert('RGB')` agree channel for channel), and
/// `RGB`, `RGBA`, `P`, `CMYK` become `.rgb` after the decoder applies Pillow's own conversion
/// (palette lookup, CMYK inversion, 16-bit high byte). Alpha is never kept: Pillow ignores it.
public struct DecodedImage: Sendable {
    public enum Layout: Int, Sendable {
        case gray = 1
        case rgb = 3

        public var channels: Int { rawValue }
    }

    public let width: Int
    public let height: Int
    public let layout: Layout
    /// Row-major, interleaved, `width * height * layout.channels` bytes.
    public var pixels: [UInt8]
    /// Recoverable problems the decoder met (corrupt data Pillow would still decode).
    public var warnings: [String]

    public init(width: Int, height: Int, layout: Layout, pixels: [UInt8], warnings: [String] = []) {
        precondition(width > 0 && height > 0, "programmer error: empty image")
        precondition(pixels.count == width * height * layout.channels, "programmer error: pixel count")
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
        self.warnings = warnings
    }

    public var pixelCount: Int { width * height }
    public var megapixels: Double { Double(pixelCount) / 1_000_000 }
}
