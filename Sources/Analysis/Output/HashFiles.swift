import Foundation
import HashKit
import JSONFiles

/// Why an analysis output folder could not be read back.
public struct HashFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// Reads what `AnalysisJSON` writes: an output folder's manifest.json and each dataset's
/// `<prefix>_hashes.json`, back into `DatasetResult`s that can be matched again. The reader
/// lives beside the writer so the two formats cannot drift.
public enum HashFiles {
    /// An analysis folder as written: its datasets (hashed images only, keys sorted) and the
    /// families and thresholds its manifest names.
    public struct Analysis: Sendable {
        public var datasets: [DatasetResult]
        public var options: MatchOptions
    }

    public static func readAnalysis(_ outDir: String) throws(HashFileError) -> Analysis {
        let manifestPath = outDir + "/manifest.json"
        let manifest = try readJSON(manifestPath)
        guard let datasets = manifest["datasets"]?.arrayValue, let algorithms = manifest["algorithms"]?.objectPairs else {
            throw HashFileError(path: manifestPath, reason: "expected \"datasets\" and \"algorithms\" (is this a crosshash output folder?)")
        }
        var families = [HashFamily](), thresholds = [HashFamily.ID: Int]()
        for (name, entry) in algorithms {
            let id = String(decoding: name, as: UTF8.self)
            guard let family = HashFamily.named(id) else {
                throw HashFileError(path: manifestPath, reason: "unknown hash \"\(id)\" under \"algorithms\" (written by a newer crosshash?)")
            }
            guard let t = entry["threshold"]?.intValue else {
                throw HashFileError(path: manifestPath, reason: "no threshold for \(id) under \"algorithms\"")
            }
            families.append(family)
            thresholds[family.id] = t
        }
        // Output order is HashFamily.known's, whatever order the manifest's keys are in.
        families = HashFamily.known.filter { families.contains($0) }
        guard !families.isEmpty else { throw HashFileError(path: manifestPath, reason: "no hash under \"algorithms\"") }
        var result = [DatasetResult]()
        for d in datasets {
            guard let name = d["name"]?.stringValue else { throw HashFileError(path: manifestPath, reason: "a dataset without a name") }
            let path = d["path"]?.stringValue ?? outDir + "/" + name
            result.append(try readDataset(folder: outDir + "/" + name, spec: DatasetSpec(name: name, path: path), families: families))
        }
        return Analysis(datasets: result, options: MatchOptions(families: families, thresholds: thresholds))
    }

    /// One dataset folder of an analysis: the images present in every family's hash file.
    public static func readDataset(folder: String, spec: DatasetSpec, families: [HashFamily]) throws(HashFileError) -> DatasetResult {
        var columns = [[FileKey: [UInt64]]]()
        var qualities = [HashFamily.ID: [FileKey: Int]]()
        var unknown = [HashFamily.ID: Set<FileKey>]()
        for family in families {
            let path = folder + "/" + AnalysisJSON.hashFileName(family)
            guard let pairs = try readJSON(path).objectPairs else {
                throw HashFileError(path: path, reason: "expected an object of file -> hex hash")
            }
            var column = [FileKey: [UInt64]]()
            column.reserveCapacity(pairs.count)
            for (key, value) in pairs {
                let k = FileKey(bytes: key)
                // A family with a quality writes {"hash": HEX, "quality": N} (AnalysisJSON.hashes).
                let hex = family.qualityFloor == nil ? value.stringValue : value["hash"]?.stringValue
                guard let hex, let words = family.words(hex: hex) else {
                    throw HashFileError(path: path, reason: "\(k.display): not a \(family.bits / 4)-digit hex \(family.id) hash")
                }
                if family.qualityFloor != nil {
                    // A list entry's hash comes without one ({"hash": HEX}): unknown, matched.
                    if value["quality"] == nil {
                        unknown[family.id, default: []].insert(k)
                    } else {
                        guard let q = value["quality"]?.intValue else {
                            throw HashFileError(path: path, reason: "\(k.display): a \"quality\" that is not a number for its \(family.id) hash")
                        }
                        qualities[family.id, default: [:]][k] = q
                    }
                }
                column[k] = words
            }
            columns.append(column)
        }
        // Images in every file; sorted so results never depend on dictionary order.
        let keys = (columns.first?.keys.filter { k in columns.allSatisfy { $0[k] != nil } } ?? []).sorted()
        var hashes = [ImageHashes]()
        var partial = [PartialHashes?]()
        hashes.reserveCapacity(keys.count)
        for k in keys {
            var h = ImageHashes.zero
            var unknownQuality = Set<HashFamily.ID>()
            for (family, column) in zip(families, columns) {
                if let w = column[k] { family.set(w, in: &h) }
                if let q = qualities[family.id]?[k] { family.setQuality(q, in: &h) }
                if unknown[family.id]?.contains(k) == true {
                    family.setQuality(100, in: &h)
                    unknownQuality.insert(family.id)
                }
            }
            hashes.append(h)
            partial.append(unknownQuality.isEmpty ? nil : PartialHashes(families: Set(families.map(\.id)), unknownQuality: unknownQuality))
        }
        var result = DatasetResult(spec: spec, keys: keys, hashes: hashes, issues: [])
        if partial.contains(where: { $0 != nil }) { result.partial = partial }
        return result
    }

    public static func readJSON(_ path: String) throws(HashFileError) -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HashFileError(path: path, reason: "cannot read: no such file, or not readable")
        }
        do {
            return try JSONValue.parse([UInt8](data))
        } catch {
            throw HashFileError(path: path, reason: "not valid JSON (\(error))")
        }
    }
}
