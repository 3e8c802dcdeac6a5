import Foundation
import HashKit
import JSONFiles
import HashStore

/// Where `crosshash match` takes a dataset's hashes from, so that matching and reporting can run
/// again without decoding a single image (other thresholds, shards hashed on other machines).
public enum HashSource: Equatable, Sendable, CustomStringConvertible {
    /// A dataset folder of an earlier `analyze` output (its `<prefix>_hashes.json` files).
    case analysisFolder(String)
    /// A `crosshash hash --json` file (one JSON object per line), e.g. one shard of many.
    case jsonLines(String)
    /// A dataset in the hash store, `store:NAME`.
    case store(dataset: String)

    public static let storePrefix = "store:"

    /// `store:NAME`, a folder, or a file.
    public init(_ text: String) throws(HashFileError) {
        if text.hasPrefix(Self.storePrefix) {
            let name = String(text.dropFirst(Self.storePrefix.count))
            guard !name.isEmpty else { throw HashFileError(path: text, reason: "store:NAME needs a dataset name") }
            self = .store(dataset: name)
            return
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: text, isDirectory: &isDir) else {
            throw HashFileError(path: text, reason: "no such file or folder (give an analyze output's dataset folder, a `hash --json` file, or store:NAME)")
        }
        self = isDir.boolValue ? .analysisFolder(text) : .jsonLines(text)
    }

    public var description: String {
        switch self {
        case .analysisFolder(let path), .jsonLines(let path): return path
        case .store(let name): return Self.storePrefix + name
        }
    }
}

public enum HashSources {
    /// One dataset from one or more sources (shards): their images merged, keys sorted. A key
    /// in two shards must carry the same hashes there.
    /// `dihedral` (`match --dihedral`): the images' dihedral variants are loaded too; only the
    /// store keeps them, so a file source is an error naming the fix.
    public static func load(name: String, sources: [HashSource], families: [HashFamily], dihedral: Bool = false,
                            store: () throws -> any HashStoring) throws -> DatasetResult {
        var parts = [DatasetResult]()
        for source in sources {
            if dihedral, case .store = source {} else if dihedral {
                throw HashFileError(path: source.description, reason: "--dihedral needs the pictures' dihedral variants, "
                    + "which only the store keeps (run `crosshash analyze --dihedral --store` on the folder and match store:DATASET)")
            }
            switch source {
            case .analysisFolder(let folder):
                parts.append(try analysisFolder(folder, name: name, families: families))
            case .jsonLines(let path):
                parts.append(try jsonLines(path, name: name, families: families))
            case .store(let dataset):
                let s = try store()
                guard let stored = try s.dataset(named: dataset) else {
                    throw HashFileError(path: s.path ?? "the store", reason: "no dataset named '\(dataset)' (run `crosshash analyze --store` on it first)")
                }
                parts.append(try StoredDatasets.load(s, stored, spec: DatasetSpec(name: name, path: stored.root ?? ""), families: families,
                                                  dihedral: dihedral ? .required : .none, lists: true))
            }
        }
        return try merge(parts, name: name, families: families)
    }

    /// The dataset folder of an analyze output; the images' own folder comes from the output's
    /// manifest.json when it names this dataset (so the report can show thumbnails).
    static func analysisFolder(_ folder: String, name: String, families: [HashFamily]) throws -> DatasetResult {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let own = url.lastPathComponent
        var imagesAt = ""
        if let manifest = try? HashFiles.readJSON(url.deletingLastPathComponent().path + "/manifest.json"),
           let entry = manifest["datasets"]?.arrayValue?.first(where: { $0["name"]?.stringValue == own }) {
            imagesAt = entry["path"]?.stringValue ?? ""
        }
        var result = try HashFiles.readDataset(folder: url.path, spec: DatasetSpec(name: name, path: imagesAt), families: families)
        if let errors = try? HashFiles.readJSON(url.path + "/errors.json").arrayValue {
            result.issues = errors.compactMap { e in
                guard case .string(let file)? = e["file"], let message = e["error"]?.stringValue else { return nil }
                return FileIssue(key: FileKey(bytes: file), message: message, warning: e["warning"] == .bool(true))
            }
        }
        return result
    }

    /// `hash --json` lines: `{"file": PATH, "<family>": HEX, ...}` or `{"file": PATH, "error": MESSAGE}`.
    /// The `file` value is the key, unchanged.
    static func jsonLines(_ path: String, name: String, families: [HashFamily]) throws -> DatasetResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HashFileError(path: path, reason: "cannot read: no such file, or not readable")
        }
        var rows = [(key: FileKey, hashes: ImageHashes)]()
        var issues = [FileIssue]()
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let where_ = "line \(lineNumber)"
            let value: JSONValue
            do { value = try JSONValue.parse(Array(line)) } catch {
                throw HashFileError(path: path, reason: "\(where_): not valid JSON (\(error))")
            }
            guard case .string(let file)? = value["file"] else {
                throw HashFileError(path: path, reason: "\(where_): no \"file\" string (is this `crosshash hash --json` output?)")
            }
            let key = FileKey(bytes: file)
            if let message = value["error"]?.stringValue {
                issues.append(FileIssue(key: key, message: message))
                continue
            }
            var h = ImageHashes.zero
            for family in families {
                guard let hex = value[family.id.rawValue]?.stringValue, let words = family.words(hex: hex) else {
                    throw HashFileError(path: path, reason: "\(where_): no \(family.bits / 4)-digit hex \"\(family.id)\" for \(key.display)")
                }
                family.set(words, in: &h)
                if family.qualityFloor != nil {
                    // `hash --json` writes a family's quality as "<family>_quality".
                    guard let q = value[family.id.rawValue + "_quality"]?.intValue else {
                        throw HashFileError(path: path, reason: "\(where_): no \"\(family.id)_quality\" for \(key.display)")
                    }
                    family.setQuality(q, in: &h)
                }
            }
            rows.append((key, h))
        }
        return DatasetResult(spec: DatasetSpec(name: name, path: ""), keys: rows.map(\.key), hashes: rows.map(\.hashes), issues: issues)
    }

    /// Shards merged into one dataset: keys sorted; a key hashed in one shard and failed in another
    /// counts as hashed; the same key with different hashes is an error.
    static func merge(_ parts: [DatasetResult], name: String, families: [HashFamily]) throws -> DatasetResult {
        guard parts.count > 1 || parts.first.map({ !zip($0.keys, $0.keys.dropFirst()).allSatisfy { $0 < $1 } }) == true else {
            return parts.first ?? DatasetResult(spec: DatasetSpec(name: name, path: ""), keys: [], hashes: [], issues: [])
        }
        var rows = [(key: FileKey, hashes: ImageHashes, digest: ContentDigest?, variants: DihedralHashes?, partial: PartialHashes?)]()
        for p in parts {
            for (i, key) in p.keys.enumerated() {
                rows.append((key, p.hashes[i], p.digests.count == p.keys.count ? p.digests[i] : nil,
                             p.variants.count == p.keys.count ? p.variants[i] : nil,
                             p.partial.count == p.keys.count ? p.partial[i] : nil))
            }
        }
        rows.sort { $0.key < $1.key }
        var keys = [FileKey](), hashes = [ImageHashes](), digests = [ContentDigest?](), variants = [DihedralHashes]()
        var partial = [PartialHashes?]()
        for r in rows {
            if let last = keys.last, last == r.key {
                guard families.allSatisfy({ $0.words(of: hashes[hashes.count - 1]) == $0.words(of: r.hashes) }) else {
                    throw HashFileError(path: name, reason: "\(r.key.display) appears in two sources with different hashes")
                }
                continue
            }
            keys.append(r.key)
            hashes.append(r.hashes)
            digests.append(r.digest)
            partial.append(r.partial)
            if let v = r.variants { variants.append(v) }
        }
        let hashed = Set(keys)
        var issues = [FileIssue]()
        var seen = Set<FileKey>()
        for p in parts { for issue in p.issues where issue.warning || (!hashed.contains(issue.key) && seen.insert(issue.key).inserted) { issues.append(issue) } }
        let spec = parts.first(where: { !$0.spec.path.isEmpty })?.spec ?? DatasetSpec(name: name, path: "")
        var merged = DatasetResult(spec: DatasetSpec(name: name, path: spec.path), keys: keys, hashes: hashes, issues: issues,
                                   digests: digests.contains { $0 != nil } ? digests : [])
        // Variants only when every picture has them (every part was loaded with them).
        if variants.count == keys.count { merged.variants = variants }
        if partial.contains(where: { $0 != nil }) { merged.partial = partial }
        return merged
    }
}
