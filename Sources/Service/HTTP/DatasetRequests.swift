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

/// `POST /v1/datasets/{name}/images` with JSON: `{"items": [{"file", "phash", "blockmean", "pdq"?,
/// "pdq_quality"?}]}`, hashes computed elsewhere, at most 100 x --max-images-per-request of them.
/// An item gives the default families (both) and optionally PDQ with its quality, or a PDQ alone
/// (quality optional), which is stored as a hash list line is.
struct PrecomputedHashesRequest {
    var items = [PrecomputedItem]()

    static let shape = "{\"items\": [{\"file\", \"phash\", \"blockmean\"}, {\"file\", \"pdq\", \"pdq_quality\"?}]}"

    init(_ body: JSONValue, maxImagesPerRequest: Int) throws {
        guard let list = body["items"]?.arrayValue else {
            throw Problem(.badRequest, "expected multipart/form-data images or \(Self.shape)")
        }
        guard list.count <= maxImagesPerRequest * 100 else {
            throw Problem(.contentTooLarge, "\(list.count) items in one request, over the limit of \(maxImagesPerRequest * 100)")
        }
        for (n, item) in list.enumerated() {
            guard case .object = item else { throw Problem(.badRequest, "items[\(n)] must be an object with \"file\" and hashes") }
            guard let file = item["file"]?.stringBytes, let k = UploadKey.parse(file) else {
                throw Problem(.badRequest, "items[\(n)]: \"file\" must be a relative path without '.' or '..' segments, a leading '/' or NUL")
            }
            var words = [HashFamily.ID: [UInt64]]()
            for family in HashFamily.known {
                guard let v = item[family.id.rawValue], v != .null else { continue }
                guard let hex = v.stringValue, let w = family.words(hex: hex) else {
                    let got = v.stringValue.map { "\($0.utf8.count) characters" } ?? "not a string"
                    throw Problem(.badRequest, "items[\(n)]: \"\(family.id)\" must be \(family.bits / 4) hex digits (got \(got))")
                }
                words[family.id] = w
            }
            var qualities = [HashFamily.ID: Int]()
            for family in HashFamily.known where family.qualityFloor != nil {
                let field = "\(family.id)_quality"
                guard let v = item[field], v != .null else { continue }
                guard words[family.id] != nil else { throw Problem(.badRequest, "items[\(n)]: \"\(field)\" without \"\(family.id)\"") }
                guard let q = v.intValue, (0...100).contains(q) else {
                    throw Problem(.badRequest, "items[\(n)]: \"\(field)\" must be an integer 0...100")
                }
                qualities[family.id] = q
            }
            let defaults = HashFamily.all.filter { words[$0.id] != nil }
            let list = PrecomputedItem.listFamily
            if defaults.isEmpty {
                // A hash list line: the list family alone.
                guard let w = words[list.id], words.count == 1 else {
                    throw Problem(.badRequest, "items[\(n)] gives no hash: give \(HashFamily.all.map { "\"\($0.id)\"" }.joined(separator: " and ")) "
                        + "(a picture's hashes, \"\(list.id)\" optional), or \"\(list.id)\" alone (a hash list entry)")
                }
                items.append(PrecomputedItem(key: k, hashes: .listEntry(words: w, quality: qualities[list.id])))
                continue
            }
            guard defaults.count == HashFamily.all.count, let base = ImageHashes(words: words) else {
                let missing = HashFamily.all.filter { words[$0.id] == nil }.map { "\"\($0.id)\"" }.joined(separator: ", ")
                throw Problem(.badRequest, "items[\(n)]: incomplete hashes, \(missing) missing: a picture's item gives "
                    + "\(HashFamily.all.map { "\"\($0.id)\"" }.joined(separator: " and ")); only \"\(list.id)\" may come alone")
            }
            var hashes = base
            var families = HashFamily.all
            for family in HashFamily.optional {
                guard let w = words[family.id] else { continue }
                // A picture's PDQ comes with its quality (every PDQ hasher gives both); stored
                // hashes of a picture always carry it.
                if family.qualityFloor != nil {
                    guard let q = qualities[family.id] else {
                        throw Problem(.badRequest, "items[\(n)]: \"\(family.id)_quality\" (0...100) is needed with \"\(family.id)\" "
                            + "when the item gives a picture's other hashes; send \"\(family.id)\" alone for a hash list entry without one")
                    }
                    family.setQuality(q, in: &hashes)
                }
                family.set(w, in: &hashes)
                families.append(family)
            }
            items.append(PrecomputedItem(key: k, hashes: .picture(hashes, families: families)))
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
