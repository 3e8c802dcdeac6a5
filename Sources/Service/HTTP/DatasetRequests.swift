import Foundation
import JSONFiles
import Hummingbird
import HashKit
import HashStore
import Analysis
import NIOCore

// The request documents of the dataset routes, validated before the service is called: what is
// wrong with a request's own text is a 400/413/415 here, never a store error.

/// `PUT /v1/datasets/{name}`: an empty body, or `{"root": "/absolute/folder"}` (null: no root).
struct DatasetRootRequest {
    var root: String?

    init(contentType: String?, body: ByteBuffer) throws {
        guard body.readableBytes > 0 else { return }
        let type = contentType?.lowercased() ?? ""
        guard type.isEmpty || type.hasPrefix("application/json") else {
            throw Problem(.unsupportedMediaType, "expected Content-Type application/json, got '\(type)'")
        }
        let value = try RequestReader.parseJSON(body)
        guard case .object = value else { throw Problem(.badRequest, "expected a JSON object like {\"root\": \"/data/photos\"}") }
        if let r = value["root"], r != .null {
            guard let text = r.stringValue else { throw Problem(.badRequest, "\"root\" must be a string (an absolute folder path)") }
            root = text
        }
    }
}

/// `POST /v1/datasets/{name}/images` with JSON: `{"items": [{"file", "phash", "blockmean"}]}`,
/// hashes computed elsewhere, at most 100 x --max-images-per-request of them.
struct PrecomputedHashesRequest {
    var items = [(key: FileKey, hashes: ImageHashes)]()

    init(_ body: JSONValue, maxImagesPerRequest: Int) throws {
        guard let list = body["items"]?.arrayValue else {
            throw Problem(.badRequest, "expected multipart/form-data images or {\"items\": [{\"file\", \"phash\", \"blockmean\"}]}")
        }
        guard list.count <= maxImagesPerRequest * 100 else {
            throw Problem(.contentTooLarge, "\(list.count) items in one request, over the limit of \(maxImagesPerRequest * 100)")
        }
        for (n, item) in list.enumerated() {
            guard let file = item["file"]?.stringBytes, let k = UploadKey.parse(file) else {
                throw Problem(.badRequest, "items[\(n)]: \"file\" must be a relative path without '.' or '..' segments, a leading '/' or NUL")
            }
            var words = [HashFamily.ID: [UInt64]]()
            for family in HashFamily.all {
                guard let hex = item[family.id.rawValue]?.stringValue, let w = family.words(hex: hex) else {
                    throw Problem(.badRequest, "items[\(n)]: \"\(family.id)\" must be \(family.bits / 4) hex digits")
                }
                words[family.id] = w
            }
            guard let hashes = ImageHashes(words: words) else { throw Problem(.badRequest, "items[\(n)]: incomplete hashes") }
            items.append((k, hashes))
        }
    }
}

/// A file key sent by a client (an upload's file name, an item's "file").
enum UploadKey {
    static let refusal = "not a usable file key: a relative path without '.' or '..' segments, a leading '/' or NUL"

    /// A relative path without `.`/`..` or empty segments, a leading `/` or NUL; nil otherwise.
    static func parse(_ bytes: [UInt8]) -> FileKey? {
        guard !bytes.isEmpty, bytes.first != UInt8(ascii: "/"), !bytes.contains(0), bytes.count <= 4096 else { return nil }
        let segments = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard !segments.contains(where: { $0.isEmpty || $0.elementsEqual([46]) || $0.elementsEqual([46, 46]) }) else { return nil }
        return FileKey(bytes: bytes)
    }
}
