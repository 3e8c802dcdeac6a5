/// The two grey conversions the hashes depend on. They differ in 21 745 of 2^24 colours, so each
/// hash must use its own: imagehash converts with Pillow's rule before resizing, OpenCV converts
/// with its BGR2GRAY rule after resizing.
public enum Gray {
    /// Pillow >= 7 `convert('L')` from RGB: ITU-R 601 weights in 16-bit fixed point, rounded.
    @inlinable @inline(__always)
    public static func pillowL(r: UInt8, g: UInt8, b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (19595 &* UInt32(r) &+ 38470 &* UInt32(g) &+ 7471 &* UInt32(b) &+ 32768) >> 16)
    }

    /// OpenCV `COLOR_BGR2GRAY` for 8-bit images: 15-bit fixed point, ties round up.
    /// The weights sum to 32768, so a grey pixel (v, v, v) maps to v.
    @inlinable @inline(__always)
    public static func opencvGray(b: UInt8, g: UInt8, r: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (3735 &* UInt32(b) &+ 19235 &* UInt32(g) &+ 9798 &* UInt32(r) &+ 16384) >> 15)
    }

    /// Pillow `convert('L')` of a whole image, row-major, one byte per pixel.
    public static func pillowL(_ image: DecodedImage) -> [UInt8] {
        switch image.layout {
        case .gray:
            return image.pixels
        case .rgb:
            let p = image.pixels
            return (0..<image.pixelCount).map { pillowL(r: p[3 * $0], g: p[3 * $0 + 1], b: p[3 * $0 + 2]) }
        }
    }
}
