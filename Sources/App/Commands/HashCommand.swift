import ArgumentParser
import Foundation
import HashKit
import Analysis
import JSONFiles

struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print the phash and blockmean (and with --families, PDQ) of image files and folders (recursively).",
        discussion: """
        Text output: `<phash> <blockmean> <path>` per image (one hex per family of --families); \
        files that cannot be hashed are reported on stderr and the run goes on. --json: one \
        object per line on stdout, {"file": PATH, "phash": HEX, "blockmean": HEX} (with pdq: \
        "pdq": HEX, "pdq_quality": N; with --dihedral, "variants": {FAMILY: [8 HEX]}) or \
        {"file": PATH, "error": MESSAGE}.
        """
    )

    @Option(name: .long, help: ArgumentHelp(
        "The hash families to compute and print, comma-separated, of \(HashFamily.known.map(\.id.rawValue).joined(separator: ", ")). PDQ is computed on the CPU whatever --device says.",
        valueName: "list"))
    var families = HashFamily.all.map(\.id.rawValue).joined(separator: ",")

    @OptionGroup var engineOptions: EngineOptions

    @Flag(name: .long, help: "One JSON object per line.")
    var json = false

    @Flag(name: .long, help: ArgumentHelp(
        "With --json: each row gains \"variants\": {family: [8 hex]}, the family's hash of its working grid transposed as \(Dihedral.allCases.map(\.name).joined(separator: ", ")) (Pillow's transposes, rotations counter-clockwise), computed on the CPU."))
    var dihedral = false

    @Option(name: .long, help: ArgumentHelp(
        "Hash only shard K of N (1 <= K <= N): a deterministic part of the files, chosen by a hash of each file's path relative to its folder argument. Shards of one folder are disjoint and cover it; `crosshash match NAME=shard1.jsonl NAME=shard2.jsonl ...` merges them.",
        valueName: "k/n"))
    var shard: String?

    @Flag(name: .long, help: "Print each file of a folder argument by its path relative to that folder (the key `analyze` uses), not prefixed with the folder.")
    var relative = false

    func validate() throws {
        if let shard, Shard(shard) == nil { throw ValidationError("--shard '\(shard)': expected K/N with 1 <= K <= N") }
        if case .failure(let e) = HashFamily.parseList(families) { throw ValidationError("--families: \(e)") }
        if dihedral && !json { throw ValidationError("--dihedral: the variants are printed in --json rows; add --json") }
    }

    @Argument(help: "Image files or folders.")
    var paths: [String]

    func run() throws {
        let logger = Runtime.logger()
        BatchMemory.keepFreedMemory()
        // Every argument must be usable before any work starts: a typo should not cost a long run.
        let part = shard.flatMap(Shard.init)
        var entries = [(display: [UInt8], entry: ScannedEntry)]()
        for arg in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) else {
                throw ValidationError("\(arg): no such file or folder")
            }
            if isDir.boolValue {
                let prefix = Array((arg.hasSuffix("/") ? String(arg.dropLast()) : arg).utf8) + [UInt8(ascii: "/")]
                for e in try DatasetScanner.scan(root: arg) where part?.contains(e.key) ?? true {
                    entries.append(((relative ? [] : prefix) + e.key.bytes, e))
                }
            } else if part?.contains(FileKey(arg)) ?? true {
                entries.append((Array(arg.utf8), DatasetScanner.entry(forFile: arg)))
            }
        }

        let chosen = try HashFamily.parseList(families).get()
        let engines = try Runtime.engines(engineOptions, logger: logger).computing(chosen)
        let pipeline = Runtime.pipeline(engineOptions, engines)
        let todo = entries.indices.filter { entries[$0].entry.problem == nil }
        let progress = ProgressReporter(label: "hashing", total: todo.count)
        let todoPaths = todo.map { entries[$0].entry.path }
        let results = dihedral ? pipeline.runWithDihedral(paths: todoPaths, families: chosen, progress: progress)
            : pipeline.run(paths: todoPaths, progress: progress).map { ($0, nil) }
        var byEntry = [Int: FileOutcome]()
        var variants = [Int: DihedralHashes]()
        for (i, r) in zip(todo, results) {
            byEntry[i] = r.outcome
            variants[i] = r.variants
        }
        if let failure = pipeline.engineFailure { logger.warning("\(engines.description.name) failed, CPU fallback used: \(failure)") }

        var out = [UInt8]()
        for (i, item) in entries.enumerated() {
            let outcome = byEntry[i] ?? .failed(item.entry.problem ?? "not processed")
            switch outcome {
            case .hashed(let h, _):
                if json {
                    var fields: [(String, JSONValue)] = [("file", .string(item.display))]
                    for family in chosen {
                        fields.append((family.id.rawValue, .str(family.hex(of: h))))
                        if let q = family.quality(of: h) { fields.append((family.id.rawValue + "_quality", .int(q))) }
                    }
                    if let v = variants[i] {
                        fields.append(("variants", .obj(chosen.compactMap { f in v.hex(f).map { (f.id.rawValue, .array($0.map(JSONValue.str))) } })))
                    }
                    out += JSONLine.object(fields)
                } else {
                    out += Array(chosen.map { $0.hex(of: h) + " " }.joined().utf8) + item.display + [10]
                }
            case .failed(let message):
                if json {
                    out += JSONLine.object([("file", .string(item.display)), ("error", .str(message))])
                } else {
                    FileHandle.standardError.write(Data("crosshash: \(String(decoding: item.display, as: UTF8.self)): \(message)\n".utf8))
                }
            }
            if out.count > 1 << 16 { FileHandle.standardOutput.write(Data(out)); out.removeAll(keepingCapacity: true) }
        }
        FileHandle.standardOutput.write(Data(out))
    }
}

/// A JSON object on one line, keys in the given order (the `hash --json` stream format).
enum JSONLine {
    static func object(_ fields: [(String, JSONValue)]) -> [UInt8] {
        var out = [UInt8]()
        write(.obj(fields), into: &out)
        return out + [10]
    }

    /// Objects and arrays (the `--dihedral` variants) stay on the line, object keys in the
    /// given order; scalars as `JSONValue` writes them.
    private static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .string(let bytes):
            JSONValue.writeString(bytes, into: &out)
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (n, (key, v)) in pairs.enumerated() {
                if n > 0 { out += Array(", ".utf8) }
                JSONValue.writeString(key, into: &out)
                out += Array(": ".utf8)
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (n, v) in items.enumerated() {
                if n > 0 { out += Array(", ".utf8) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            out += value.serialized().dropLast()
        }
    }
}
