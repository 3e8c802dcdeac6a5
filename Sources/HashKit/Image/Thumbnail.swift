/// The thumbnails people look at (the report's `examples/` and the service's thumbnail route):
/// one size, one quality and one way of shrinking, so a picture's thumbnail is the same bytes
/// wherever it is made and a cache keyed by content digest may hold either's.
public enum Thumbnail {
    /// The longest side of every thumbnail, in pixels (smaller pictures keep their size).
    public static let longestSide = 256
    /// JPEG quality of every thumbnail.
    public static let quality = 85

    /// Pixels shrunk to fit `longestSide`, not yet encoded.
    public struct Pixels: Sendable {
        public var pixels: [UInt8]
        public var width: Int
        public var height: Int
        public var channels: Int

        public init(_ image: DecodedImage) {
            let small = AreaDownscale.fit(image, longestSide: Thumbnail.longestSide)
            (pixels, width, height, channels) = (small.pixels, small.width, small.height, image.layout.channels)
        }

        public func jpeg() throws(JPEGEncoder.Failure) -> [UInt8] {
            try JPEGEncoder.encode(pixels: pixels, width: width, height: height, channels: channels, quality: Thumbnail.quality)
        }
    }

    /// The thumbnail of an image file's bytes: decoded as a preview (a JPEG at a reduced scale
    /// whose longer side is still at least `longestSide`) within `decoder`'s limits, shrunk by
    /// area averaging and encoded as JPEG.
    public static func jpeg(of data: [UInt8], decoder: ImageDecoder) throws -> [UInt8] {
        try Pixels(try decoder.decodePreview(data: data, minSide: longestSide)).jpeg()
    }
}
