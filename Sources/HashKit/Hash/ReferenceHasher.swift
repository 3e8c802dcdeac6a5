/// The readable, obviously-correct hashing path, step for step as the reference tools run:
/// phash = Pillow `convert('L')` -> LANCZOS 32x32 -> pocketfft DCT -> median bits;
/// blockmean = per-channel INTER_LINEAR_EXACT 256x256 -> BGR2GRAY -> 16x16 block means.
/// Fast engines must return exactly what this returns.
public enum ReferenceHasher {
    public static func hash(_ image: DecodedImage) -> ImageHashes {
        ImageHashes(phash: phash(image), blockmean: BlockMean.hash(image))
    }

    public static func phash(_ image: DecodedImage) -> UInt64 {
        PHash.hash(resized: resized32(image))
    }

    /// Pillow's `image.convert('L').resize((32, 32), LANCZOS)` pixels, row-major.
    public static func resized32(_ image: DecodedImage) -> [UInt8] {
        PillowResizePlan(width: image.width, height: image.height).resize(Gray.pillowL(image))
    }
}
