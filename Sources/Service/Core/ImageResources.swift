import Foundation
import HashKit
import HashStore
import Analysis

/// One stored image as a resource: its row, and its thumbnail made from the file in the
/// dataset's folder.
extension HashService {
    /// The stored row of one image of a dataset: 404 for an unknown dataset or key.
    public func image(_ name: String, key: FileKey) throws -> StoredFile {
        try imageWithOptionalHashes(name, key: key).file
    }

    /// The image's row and its hashes of the optional families (PDQ with its quality, nil when
    /// unknown), which a hash list entry holds alone.
    public func imageWithOptionalHashes(_ name: String, key: FileKey) throws
        -> (file: StoredFile, optional: [(family: HashFamily, words: [UInt64], quality: Int?)]) {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        guard let file = try store.file(key.bytes, in: dataset.id) else { throw Self.unknownImage(key, in: name) }
        var optional = [(family: HashFamily, words: [UInt64], quality: Int?)]()
        for family in HashFamily.optional {
            for row in try store.familyHashes(in: dataset.id, family: family, path: key.bytes) { optional.append((family, row.words, row.quality)) }
        }
        return (file, optional)
    }

    /// How the service's thumbnails are made, part of their cache key: a change of size,
    /// quality or drawing makes every cached one stale.
    static var thumbnailVariant: String { "v1-\(Thumbnail.longestSide)-q\(Thumbnail.quality)" }

    /// The file of a thumbnail, read: its bytes and their digest (the cache key), and the
    /// thumbnail when the cache holds it.
    public struct ThumbnailSource: Sendable {
        public var bytes: [UInt8]
        public var digest: ContentDigest
        public var cached: [UInt8]?
    }

    /// Reads the file `key` of dataset `name` from the dataset's folder as a scan reads it: the
    /// root confined to the `--root` folders again (it may have become a link since it was
    /// set), the file opened beneath it with no link followed at any level, refused past
    /// --max-file-bytes. Only keys the store lists are read. The digest is of the bytes read
    /// now, so a file changed since its scan gets its own thumbnail.
    public func thumbnailSource(_ name: String, key: FileKey) throws -> ThumbnailSource {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        guard let root = dataset.root else {
            throw ServiceError(.notFound, "dataset '\(name)' has no pictures on this server: its images were uploaded or sent as hashes, and only their hashes are kept")
        }
        guard try store.file(key.bytes, in: dataset.id) != nil else { throw Self.unknownImage(key, in: name) }
        let folder = RootFolder(path: try confine(root))
        let decoder = ImageDecoder(limits: settings.limits)
        let bytes: [UInt8]
        do {
            bytes = try decoder.read(.beneath(folder, key: key.bytes))
        } catch {
            throw ServiceError(.notFound, "image '\(key.display)' of dataset '\(name)' cannot be read from its folder: \(error) (scan the dataset again)")
        }
        let digest = ContentDigest.of(bytes)
        return ThumbnailSource(bytes: bytes, digest: digest, cached: try store.thumbnail(digest, variant: Self.thumbnailVariant))
    }

    /// Decodes and shrinks the picture and keeps the JPEG in the store's bounded cache. The
    /// decode's pixels (from the header) are taken from the hashing pool's pixel budget while
    /// it runs. Blocking: called on the blocking executor, inside the thumbnail gate.
    public func makeThumbnail(_ source: ThumbnailSource, name: String, key: FileKey) throws -> [UInt8] {
        let decoder = ImageDecoder(limits: settings.limits)
        let jpeg: [UInt8]
        do {
            jpeg = try pool.withPixels(pool.headerPixels(source.bytes)) { try Thumbnail.jpeg(of: source.bytes, decoder: decoder) }
        } catch let refusal as HashingPool.Refusal {
            if case .busy(let why) = refusal { throw ServiceError(.busy, "\(why); retry in a moment") }
            throw ServiceError(.busy, "the server is decoding other pictures; retry in a moment")
        } catch {
            throw ServiceError(.unprocessable, "image '\(key.display)' of dataset '\(name)' cannot be shown: \(error)")
        }
        try store.storeThumbnail(source.digest, variant: Self.thumbnailVariant, jpeg, maxBytes: settings.thumbnailCacheBytes)
        return jpeg
    }
}
