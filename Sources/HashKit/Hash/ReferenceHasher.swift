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

    /// The phash and blockmean dihedral variants the readable way: each family's working grid,
    /// explicitly transposed, hashed again (PDQ's come from its DCT: `PDQ.dihedral`).
    public static func dihedral(_ image: DecodedImage) -> DihedralHashes {
        let small = resized32(image), gray = BlockMean.gray(image)
        var v = DihedralHashes()
        v.variants[HashFamily.phash.id] = Dihedral.allCases.map {
            [PHash.hash(resized: $0.transposed(small, side: PHash.side))]
        }
        v.variants[HashFamily.blockmean.id] = Dihedral.allCases.map {
            BlockMean.bits(gray: $0.transposed(gray, side: BlockMean.side)).wordArray
        }
        return v
    }
}
