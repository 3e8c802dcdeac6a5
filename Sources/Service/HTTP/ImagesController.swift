import Foundation
import Hummingbird
import HashKit
import HashStore
import Analysis
import NIOCore
import JSONFiles

/// `/v1/datasets/{name}/images/{key}`: one stored image (its row, its removal) and its thumbnail.
/// `{key}` is the file key percent-encoded as one path segment (`/` as `%2F`, a byte that is not
/// UTF-8 as `%XX`); Hummingbird hands over the raw segment, decoded here to bytes.
struct ImagesController: ServiceController {
    let backend: ServiceBackend

    func addRoutes(to group: ServiceRouteGroup) {
        group.get("datasets/:name/images/:key", use: show)
        group.delete("datasets/:name/images/:key", use: delete)
        group.get("datasets/:name/images/:key/thumbnail", use: thumbnail)
    }

    @Sendable func show(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let (name, key) = try Self.target(context)
        let found = try await backend.blocking { try $0.imageWithOptionalHashes(name, key: key) }
        return json(ImageEntry.stored(found.file, optional: found.optional))
    }

    @Sendable func delete(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let (name, key) = try Self.target(context)
        try await backend.blocking { try $0.deleteImage(name, key: key) }
        return Response(status: .noContent)
    }

    /// The JPEG thumbnail, from the store's cache when the file's current content has one;
    /// otherwise decoded (at most --workers at once, see `WorkGate`) on the blocking executor.
    /// The ETag names the content and the thumbnail's variant, so `If-None-Match` gets 304.
    @Sendable func thumbnail(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let (name, key) = try Self.target(context)
        let source = try await backend.blocking { try $0.thumbnailSource(name, key: key) }
        let etag = "\"\(source.digest.hex)-\(HashService.thumbnailVariant)\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "private, no-cache"]
        if let asked = request.headers[.ifNoneMatch], asked.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return Response(status: .notModified, headers: headers)
        }
        let jpeg: [UInt8]
        if let cached = source.cached {
            jpeg = cached
        } else {
            let backend = self.backend
            jpeg = try await backend.thumbnailGate.run("thumbnails") {
                try await backend.blocking { try $0.makeThumbnail(source, name: name, key: key) }
            }
        }
        headers[.contentType] = "image/jpeg"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: jpeg)))
    }

    static func target(_ context: ServiceRequestContext) throws -> (String, FileKey) {
        let name = try context.pathParameter("name")
        guard let raw = context.parameters.get("key"), let bytes = PercentDecoding.bytes(raw), !bytes.isEmpty else {
            throw Problem(.badRequest, "the image key in the path must be the file key percent-encoded as one segment ('/' as %2F)")
        }
        return (name, FileKey(bytes: bytes))
    }
}

/// Percent-decoding to bytes: a file key need not be UTF-8, so `%FF` stays the byte 0xFF.
enum PercentDecoding {
    /// nil when a `%` is not followed by two hex digits (a path segment must be well formed).
    static func bytes(_ text: some StringProtocol) -> [UInt8]? {
        decode(text, keepingStrayPercent: false)
    }

    /// A `%` not followed by two hex digits stays as it is (multipart file names: clients
    /// send them raw as often as escaped).
    static func lenientBytes(_ text: some StringProtocol) -> [UInt8] {
        decode(text, keepingStrayPercent: true) ?? Array(text.utf8)
    }

    private static func decode(_ text: some StringProtocol, keepingStrayPercent: Bool) -> [UInt8]? {
        var out = [UInt8](), utf8 = Array(text.utf8), i = 0
        out.reserveCapacity(utf8.count)
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "%") {
                if i + 2 < utf8.count, let hi = hex(utf8[i + 1]), let lo = hex(utf8[i + 2]) {
                    out.append(hi << 4 | lo)
                    i += 3
                    continue
                }
                guard keepingStrayPercent else { return nil }
            }
            out.append(utf8[i])
            i += 1
        }
        return out
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension ImageEntry {
    /// `GET /v1/datasets/{name}/images/{key}`: the entry the hash and upload routes give (hashes
    /// and warnings, or the error), with the content's digest and the file's size as last seen.
    /// `optional`: the image's hashes of the optional families (PDQ), after the default ones; an
    /// entry that holds only those (a hash list entry) shows them instead of an error.
    static func stored(_ file: StoredFile, optional: [(family: HashFamily, words: [UInt64], quality: Int?)] = []) -> JSONValue {
        let entry: JSONValue
        switch file.outcome {
        case .hashed(let hashes, let warnings): entry = make("file", file.path, hashes: hashes, warnings: warnings)
        case .failed(let message):
            entry = optional.isEmpty ? make("file", file.path, hashes: nil, error: message) : .object([(Array("file".utf8), .string(file.path))])
        }
        guard case .object(var fields) = entry else { return entry }
        for (family, words, quality) in optional {
            fields.append((Array(family.id.rawValue.utf8), .str(family.hex(words))))
            if let quality { fields.append((Array("\(family.id)_quality".utf8), .int(quality))) }
        }
        fields.append((Array("digest".utf8), file.digest.map { .str($0.hex) } ?? .null))
        fields.append((Array("size".utf8), file.stat.map { .int(Int($0.size)) } ?? .null))
        return .object(fields)
    }
}
