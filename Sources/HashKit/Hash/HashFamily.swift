/// One kind of perceptual hash, described as data: everything the analysis, the store, the JSON
/// writers and the reports need to know about a hash without naming it. Adding a family means
/// adding a descriptor here, a field to `ImageHashes` and the engine code that computes it;
/// nothing in matching, storing or reporting branches on a family.
public struct HashFamily: Sendable, Hashable, Identifiable, CustomStringConvertible {
    public struct ID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        public static func < (l: ID, r: ID) -> Bool { l.rawValue < r.rawValue }
    }

    /// How the hash's 64-bit words are written as hex.
    public enum HexOrder: Sendable {
        /// One word, most significant nibble first (`str(imagehash.ImageHash)`).
        case mostSignificantFirst
        /// The hash's bytes in order, byte `i` being byte `i % 8` (little-endian) of word `i / 8`
        /// (OpenCV's `compute` output, read by `bytes.fromhex`).
        case bytesInWordOrder
    }

    public let id: ID
    public let bits: Int
    /// The output file prefix OUTPUTS.md fixes: `<prefix>_hashes.json`, `<prefix>_cross_duplicates.json`.
    public let filePrefix: String
    /// For people: "Perceptual hash (phash)".
    public let displayName: String
    /// What the hash computes, one sentence for the reports' methodology section.
    public let method: String
    /// Two images match when their distance is at most this, unless the user says otherwise.
    public let defaultThreshold: Int
    public let hexOrder: HexOrder
    /// Pictures whose quality is under this are kept in the family's hash file but never
    /// matched (PDQ: 50, as Meta's tools discard them); nil for a family without a quality.
    public let qualityFloor: Int?
    /// Reads and writes this family's hash in `ImageHashes`, as `wordsPerHash` words.
    let read: @Sendable (ImageHashes) -> [UInt64]
    let write: @Sendable (inout ImageHashes, [UInt64]) -> Void
    /// The picture's quality for this family, nil for a family without one.
    let readQuality: @Sendable (ImageHashes) -> Int?
    let writeQuality: @Sendable (inout ImageHashes, Int) -> Void
    /// What the hash is computed from, which is what its dihedral variants transpose.
    public let workingGrid: WorkingGrid

    /// The grid a family's hash is computed from. A family's dihedral variant `d` of a picture
    /// is its hash of this grid transposed by `d` (`Dihedral`), so variants need the picture's
    /// pixels, not its hash.
    public enum WorkingGrid: Sendable, Equatable {
        /// `side x side` grey values; a variant hashes the transposed grid again.
        case pixels(side: Int)
        /// `side x side` DCT coefficients (index 0 = `firstFrequency`); a variant is
        /// `Dihedral.transformedDCT` of them, then the family's bit rule.
        case dctCoefficients(side: Int, firstFrequency: Int)
    }

    init(id: ID, bits: Int, filePrefix: String, displayName: String, method: String, defaultThreshold: Int,
         hexOrder: HexOrder, qualityFloor: Int? = nil, workingGrid: WorkingGrid, read: @escaping @Sendable (ImageHashes) -> [UInt64],
         write: @escaping @Sendable (inout ImageHashes, [UInt64]) -> Void,
         quality: @escaping @Sendable (ImageHashes) -> Int? = { _ in nil },
         setQuality: @escaping @Sendable (inout ImageHashes, Int) -> Void = { _, _ in }) {
        self.id = id
        self.bits = bits
        self.filePrefix = filePrefix
        self.displayName = displayName
        self.method = method
        self.defaultThreshold = defaultThreshold
        self.hexOrder = hexOrder
        self.qualityFloor = qualityFloor
        self.read = read
        self.write = write
        self.readQuality = quality
        self.writeQuality = setQuality
        self.workingGrid = workingGrid
    }

    public var wordsPerHash: Int { bits / 64 }
    public var description: String { id.rawValue }

    public static func == (l: HashFamily, r: HashFamily) -> Bool { l.id == r.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    // MARK: The families

    /// imagehash.phash: 64 bits, bit for DCT coefficient (r, c) is bit `63 - (8r + c)`.
    public static let phash = HashFamily(
        id: ID("phash"), bits: 64, filePrefix: "perceptual", displayName: "Perceptual hash (phash)",
        method: "imagehash's phash. The image is converted to grey, resized to 32×32 and transformed with a 2-D DCT; "
            + "each of the 8×8 lowest frequencies gives one bit (above or below their median).",
        defaultThreshold: 8, hexOrder: .mostSignificantFirst, workingGrid: .pixels(side: PHash.side),
        read: { [$0.phash] }, write: { $0.phash = $1[0] })

    /// OpenCV img_hash.BlockMeanHash mode 0: 256 bits.
    public static let blockmean = HashFamily(
        id: ID("blockmean"), bits: 256, filePrefix: "robust", displayName: "Robust hash (blockmean)",
        method: "OpenCV's BlockMeanHash (mode 0). The image is resized to 256×256 grey and cut into 16×16 blocks; "
            + "each block gives one bit (its mean at or above the image mean).",
        defaultThreshold: 8, hexOrder: .bytesInWordOrder, workingGrid: .pixels(side: BlockMean.side),
        read: { $0.blockmean.wordArray },
        write: { h, w in h.blockmean = Hash256(words: SIMD4(w[0], w[1], w[2], w[3])) })

    /// Meta's PDQ (the trust & safety exchange format): 256 bits from a 16x16 DCT of a 64x64
    /// box-filtered luma grid, plus a quality; what the `pdqhash` binding returns, bit for bit.
    public static let pdq = HashFamily(
        id: ID("pdq"), bits: 256, filePrefix: "pdq", displayName: "PDQ (pdq)",
        method: "Meta's PDQ. The image's luma is box-filtered and decimated to 64×64 and transformed with a 2-D DCT; "
            + "each of the 16×16 lowest frequencies gives one bit (above or below their median).",
        defaultThreshold: 31, hexOrder: .mostSignificantFirst, qualityFloor: 50,
        workingGrid: .dctCoefficients(side: 16, firstFrequency: 1),
        read: { $0.pdq.wordArray },
        write: { h, w in h.pdq = Hash256(words: SIMD4(w[0], w[1], w[2], w[3])) },
        quality: { $0.pdqQuality }, setQuality: { h, q in h.pdqQuality = q })

    /// The families every engine computes, the store holds and runs match unless told
    /// otherwise, in the order outputs list them (`--families` defaults to these).
    public static let all: [HashFamily] = [.phash, .blockmean]

    /// Families computed only when asked for (`--families`): their hashes cost extra work.
    public static let optional: [HashFamily] = [.pdq]

    /// Every family crosshash knows, in output order.
    public static let known: [HashFamily] = all + optional

    public static func named(_ id: String) -> HashFamily? { known.first { $0.id.rawValue == id } }

    /// The families of a comma-separated list (`phash,blockmean,pdq`), in `known` order, or the
    /// first name that is not a family.
    public static func parseList(_ text: String) -> Result<[HashFamily], UnknownFamily> {
        var chosen = Set<ID>()
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(name)
            guard let family = named(name) else { return .failure(UnknownFamily(name: name)) }
            chosen.insert(family.id)
        }
        return .success(known.filter { chosen.contains($0.id) })
    }

    /// A name in a family list that names no family.
    public struct UnknownFamily: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "unknown hash family '\(name)': use a comma-separated list of \(HashFamily.known.map(\.id.rawValue).joined(separator: ", "))"
        }
    }

    /// The picture's quality for this family (PDQ's 0-100), nil for a family without one.
    public func quality(of hashes: ImageHashes) -> Int? { readQuality(hashes) }

    /// Whether the picture takes part in matching: its quality reaches the floor, or the
    /// family has none.
    public func isMatchable(_ hashes: ImageHashes) -> Bool {
        guard let floor = qualityFloor, let q = readQuality(hashes) else { return true }
        return q >= floor
    }

    /// Whether a hash of this family with `quality` (nil: unknown, as hash lists give none)
    /// takes part in matching.
    public func isMatchable(quality: Int?) -> Bool {
        guard let floor = qualityFloor, let q = quality else { return true }
        return q >= floor
    }

    // MARK: Values

    /// This family's hash of an image, as `wordsPerHash` words (the layout `PackedHashes` uses).
    public func words(of hashes: ImageHashes) -> [UInt64] { read(hashes) }

    /// Sets this family's hash in `hashes`; `words.count` must be `wordsPerHash`.
    /// Sets the picture's quality for this family (nothing for a family without one).
    public func setQuality(_ quality: Int, in hashes: inout ImageHashes) { writeQuality(&hashes, quality) }

    public func set(_ words: [UInt64], in hashes: inout ImageHashes) {
        precondition(words.count == wordsPerHash, "programmer error: \(id) takes \(wordsPerHash) words")
        write(&hashes, words)
    }

    public func hex(of hashes: ImageHashes) -> String { hex(words(of: hashes)) }

    public func hex(_ words: [UInt64]) -> String {
        switch hexOrder {
        case .mostSignificantFirst:
            return words.map { Hex.encode($0) }.joined()
        case .bytesInWordOrder:
            var bytes = [UInt8]()
            bytes.reserveCapacity(words.count * 8)
            for w in words { for b in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: w >> UInt64(8 * b))) } }
            return Hex.encode(bytes)
        }
    }

    /// The words of a hex string as `hex` writes it, or nil when it is not `bits / 4` hex digits.
    public func words(hex: String) -> [UInt64]? {
        guard hex.utf8.count == bits / 4, let bytes = Hex.decode(hex) else { return nil }
        var words = [UInt64](repeating: 0, count: wordsPerHash)
        for (i, byte) in bytes.enumerated() {
            switch hexOrder {
            case .mostSignificantFirst: words[i >> 3] |= UInt64(byte) << UInt64(56 - 8 * (i & 7))
            case .bytesInWordOrder: words[i >> 3] |= UInt64(byte) << UInt64(8 * (i & 7))
            }
        }
        return words
    }

    /// Hamming distance between two hashes of this family.
    public func distance(_ a: ImageHashes, _ b: ImageHashes) -> Int {
        Hamming.distance(read(a), read(b))
    }
}

extension ImageHashes {
    /// An image's hashes from one word array per family (as the store and hash files hold them).
    /// nil when a family of `HashFamily.all` is missing or has the wrong width.
    public init?(words: [HashFamily.ID: [UInt64]]) {
        var h = ImageHashes.zero
        for family in HashFamily.all {
            guard let w = words[family.id], w.count == family.wordsPerHash else { return nil }
            family.set(w, in: &h)
        }
        self = h
    }
}
