import Foundation
import GRDB
import HashKit

// Hash lists in and out: the text form trust & safety teams exchange (one `HEX[,ID]` a line, as
// HMA and ThreatExchange write PDQ lists), read into a dataset without pictures and written back.
//
// An imported entry is stored like a precomputed upload of the service: a file row whose path is
// the entry's ID, pointing at a content named by the hash itself (SHA-256 of
// "crosshash-list\0<family>=<hex>", so equal hashes share one row and never pass for a picture's
// bytes), with one content_hash row of the list's family. Lists carry no quality: the quality
// column stays NULL, which readers take as "unknown, matchable" (a list is shared precisely
// because its entries are meant to be matched).

/// What one import did.
public struct HashListImportSummary: Equatable, Sendable {
    /// Entries written (new or replacing an entry with the same ID).
    public var imported = 0
    /// Of `imported`, those that replaced an entry already in the dataset.
    public var replaced = 0
    /// Lines that were not `HEX[,ID]`, skipped (each reported through `problem`).
    public var skipped = 0
    /// Blank and `#` comment lines.
    public var ignored = 0

    public init() {}
}

/// Why a hash list cannot be imported or exported at all (a bad line is never one of these).
public struct HashListError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One parsed line of a hash list.
public enum HashListLine: Equatable, Sendable {
    /// Blank, or a `#` comment.
    case ignored
    /// A hash and its ID (the line number when the line gave none).
    case entry(words: [UInt64], id: [UInt8])
    /// Not `HEX[,ID]`: why, for the message.
    case bad(String)

    /// Parses `line` (without its newline; a trailing CR is dropped) of `family`; `number` is
    /// its 1-based line number, the ID of an entry that gives none.
    public static func parse(_ line: ArraySlice<UInt8>, number: Int, family: HashFamily) -> HashListLine {
        var text = line
        if text.last == UInt8(ascii: "\r") { text = text.dropLast() }
        let trimmed = text.drop { $0 == 0x20 || $0 == 0x09 }
        guard let first = trimmed.first else { return .ignored }
        if first == UInt8(ascii: "#") { return .ignored }
        var hexPart = trimmed[...]
        var id = Array(String(number).utf8)
        if let comma = trimmed.firstIndex(of: UInt8(ascii: ",")) {
            hexPart = trimmed[trimmed.startIndex..<comma]
            id = Array(trimmed[trimmed.index(after: comma)...])
            while let last = id.last, last == 0x20 || last == 0x09 { id.removeLast() }
            guard !id.isEmpty else { return .bad("an empty ID after the comma") }
            guard !id.contains(0) else { return .bad("a NUL byte in the ID") }
            guard id.count <= 4096 else { return .bad("an ID longer than 4096 bytes") }
        }
        while let last = hexPart.last, last == 0x20 || last == 0x09 { hexPart = hexPart.dropLast() }
        guard let hex = String(bytes: hexPart, encoding: .utf8), let words = family.words(hex: hex) else {
            return .bad("not \(family.bits / 4) hex digits of a \(family.id) hash")
        }
        return .entry(words: words, id: id)
    }
}

/// One entry of a hash list as stored: its ID (the file key), its hash and, when the sender
/// knew it, its quality.
public struct HashListEntry: Sendable, Equatable {
    public var id: [UInt8]
    public var words: [UInt64]
    public var quality: Int?

    public init(id: [UInt8], words: [UInt64], quality: Int? = nil) {
        self.id = id
        self.words = words
        self.quality = quality
    }

    /// The content the entry points at, named by the hash (and its quality when given, so two
    /// senders' qualities never overwrite each other): SHA-256 of "crosshash-list\0<family>=<hex>"
    /// as `import` has always named it, plus ";quality=N".
    public func contentDigest(_ family: HashFamily) -> ContentDigest {
        var text = "crosshash-list\0\(family.id)=\(family.hex(words))"
        if let quality { text += ";quality=\(quality)" }
        return ContentDigest.of(Array(text.utf8))
    }
}

/// Reads a file's lines a block at a time, so a list of any length takes bounded memory.
public struct LineReader {
    private let handle: FileHandle
    private var buffer = [UInt8]()
    private var start = 0
    private var finished = false

    public init(handle: FileHandle) { self.handle = handle }

    /// The next line without its "\n", nil at the end.
    public mutating func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<newline]
                start = newline + 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return line
            }
            // Keep the unfinished line, drop what was returned.
            buffer.removeSubrange(0..<start)
            start = 0
            guard let block = try handle.read(upToCount: 1 << 20), !block.isEmpty else {
                finished = true
                continue
            }
            buffer.append(contentsOf: block)
        }
    }
}

extension HashStore {
    /// The version the content rows of imported lists carry: not the hashing code's version, so
    /// no run ever takes them for a picture it hashed (a run reading such a dataset sees entries
    /// without the default families, as failures it does not match).
    public static let hashListVersion = "hash-list"

    /// Entries written per transaction: large enough that a 1M-line list is a hundred
    /// transactions, small enough that other writers to the store wait only briefly.
    public static let hashListBatch = 10_000

    /// Imports a hash list of `family` into the dataset `name` (created without a root when
    /// missing; refused when it is a folder dataset, whose next scan would overwrite it).
    /// Entries replace entries with the same ID. Bad lines are passed to `problem` (line number,
    /// why) and skipped. `progress` is told the lines read after each transaction.
    public func importHashList(named name: String, family: HashFamily, lines: inout LineReader,
                               problem: (Int, String) -> Void, progress: (Int) -> Void = { _ in }) throws -> HashListImportSummary {
        try HashListImport.run(named: name, family: family, lines: &lines, into: self, problem: problem, progress: progress,
                               write: writeHashListBatch)
    }

    private func writeHashListBatch(_ batch: [HashListEntry], family: HashFamily, dataset: Int64,
                                    summary: inout HashListImportSummary) throws {
        guard !batch.isEmpty else { return }
        let counts = try writing { db -> (Int, Int) in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM dataset WHERE id = ?", arguments: [dataset]) != nil else {
                throw StoreError(kind: .datasetMissing, path: self.displayPath,
                                 detail: "dataset \(dataset) was deleted while the list was imported")
            }
            let replaced = try Self.insertListEntries(db, batch,
                                                      family: family, dataset: dataset)
            return (batch.count, replaced)
        }
        summary.imported += counts.0
        summary.replaced += counts.1
    }

    /// Writes `entries` of `family` into `dataset` as `importHashList` stores list lines (a file
    /// row named by the ID, a content named by the hash and its quality when one is given, one
    /// hash row); returns how many replaced a file row with the same ID. Inside a write transaction.
    static func insertListEntries(_ db: Database, _ entries: [HashListEntry], family: HashFamily, dataset: Int64) throws -> Int {
        let exists = try db.cachedStatement(sql: "SELECT 1 FROM file WHERE dataset_id = ? AND path = ?")
        let content = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO content (digest, code_version, error, warnings) VALUES (?, ?, NULL, '')
            """)
        let hash = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO content_hash (digest, family, value, quality) VALUES (?, ?, ?, ?)
            """)
        let file = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO file (dataset_id, path, size, mtime_ns, inode, digest, code_version, error)
            VALUES (?, ?, NULL, NULL, NULL, ?, ?, NULL)
            """)
        var replaced = 0
        for entry in entries {
            let path = Data(entry.id)
            if try Bool.fetchOne(exists, arguments: [dataset, path]) != nil { replaced += 1 }
            let digest = Data(entry.contentDigest(family).bytes)
            try content.execute(arguments: [digest, Self.hashListVersion])
            try hash.execute(arguments: [digest, family.id.rawValue, HashBlob.encode(entry.words), entry.quality])
            try file.execute(arguments: [dataset, path, digest, Self.hashListVersion])
        }
        return replaced
    }

    /// Every `family` hash of the dataset (files whose content has one and no error: pictures
    /// hashed with the family, precomputed uploads, list entries), in key byte order, with its
    /// quality (nil: unknown, as lists give none).
    /// `path`: only that file's (one indexed lookup).
    public func familyHashes(in dataset: Int64, family: HashFamily, path: [UInt8]? = nil) throws
        -> [(path: [UInt8], words: [UInt64], quality: Int?)] {
        try reading { db in
            var arguments: StatementArguments = [family.id.rawValue, dataset]
            if let path { arguments += [Data(path)] }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT f.path, h.value, h.quality FROM file f
                JOIN content c ON c.digest = f.digest AND c.error IS NULL
                JOIN content_hash h ON h.digest = f.digest AND h.family = ?
                WHERE f.dataset_id = ? \(path == nil ? "" : "AND f.path = ?")
                ORDER BY f.path
                """, arguments: arguments)
            var out = [(path: [UInt8], words: [UInt64], quality: Int?)]()
            while let row = try rows.next() {
                guard let path = row.cell(0).blob, let blob = row.cell(1).blob,
                      let words = HashBlob.decode(blob, count: family.wordsPerHash) else {
                    throw StoreError(kind: .damaged, path: self.displayPath,
                                     detail: "a \(family.id) hash row of dataset \(dataset) is not \(family.wordsPerHash) words")
                }
                // Not `int64.map { Int($0) }`: that form crashes Swift 6.3.1's optimiser
                // (CopyPropagation, "Found outside of lifetime use") in release builds.
                var quality: Int? = nil
                if let q = row.cell(2).int64 { quality = Int(q) }
                out.append(([UInt8](path), words, quality))
            }
            return out
        }
    }

    /// Writes every `family` hash of the dataset `name` as `HEX,ID` lines (the ID being the
    /// file key), in key byte order, through `write` a block at a time. Entries without a hash
    /// of that family (failed files, pictures hashed without it) are left out; returns how many
    /// lines were written.
    @discardableResult
    public func exportHashList(named name: String, family: HashFamily, write: ([UInt8]) throws -> Void) throws -> Int {
        guard let dataset = try dataset(named: name) else {
            throw HashListError("no dataset named \(name) in the store \(displayPath)")
        }
        return try reading { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT f.path, h.value FROM file f
                JOIN content c ON c.digest = f.digest AND c.error IS NULL
                JOIN content_hash h ON h.digest = f.digest AND h.family = ?
                WHERE f.dataset_id = ?
                ORDER BY f.path
                """, arguments: [family.id.rawValue, dataset.id])
            var lines = HashListLines()
            while let row = try rows.next() {
                guard let path = row.cell(0).blob, let blob = row.cell(1).blob,
                      let words = HashBlob.decode(blob, count: family.wordsPerHash) else {
                    throw StoreError(kind: .damaged, path: self.displayPath,
                                     detail: "a \(family.id) hash row of dataset \(name) is not \(family.wordsPerHash) words")
                }
                try lines.append(hex: family.hex(words), id: path, write: write)
            }
            return try lines.finish(write: write)
        }
    }
}

/// The export's `HEX,ID` lines, gathered and handed on in blocks of about 1 MiB (both backends
/// write their lists through it, so the format is written once).
public struct HashListLines {
    private var block = [UInt8]()
    /// Lines appended so far.
    public private(set) var count = 0

    public init() { block.reserveCapacity(1 << 20) }

    public mutating func append(hex: String, id: some Collection<UInt8>, write: ([UInt8]) throws -> Void) throws {
        block.append(contentsOf: hex.utf8)
        block.append(UInt8(ascii: ","))
        block.append(contentsOf: id)
        block.append(UInt8(ascii: "\n"))
        count += 1
        if block.count >= 1 << 20 {
            try write(block)
            block.removeAll(keepingCapacity: true)
        }
    }

    /// Hands on what is left; returns the number of lines.
    public mutating func finish(write: ([UInt8]) throws -> Void) throws -> Int {
        if !block.isEmpty { try write(block) }
        block.removeAll()
        return count
    }
}

/// An import's reading, the same on every backend: the dataset made (or refused: a folder
/// dataset), lines parsed, bad ones reported and skipped, entries handed to the backend's
/// `write` in batches of `HashStore.hashListBatch` (one transaction each), `progress` told the
/// lines read after each.
public enum HashListImport {
    public static func run(named name: String, family: HashFamily, lines: inout LineReader, into store: some DatasetStoring,
                           problem: (Int, String) -> Void, progress: (Int) -> Void,
                           write: ([HashListEntry], HashFamily, Int64, inout HashListImportSummary) throws -> Void) throws -> HashListImportSummary {
        if let existing = try store.dataset(named: name), let root = existing.root {
            throw HashListError("dataset \(name) is the folder \(root): import a hash list into a dataset without a folder (another name)")
        }
        let dataset = try store.upsertDataset(name: name, root: nil)
        var summary = HashListImportSummary()
        var batch = [HashListEntry]()
        batch.reserveCapacity(HashStore.hashListBatch)
        var number = 0
        while let line = try lines.next() {
            number += 1
            switch HashListLine.parse(line, number: number, family: family) {
            case .ignored: summary.ignored += 1
            case .bad(let why): summary.skipped += 1; problem(number, why)
            case .entry(let words, let id):
                batch.append(HashListEntry(id: id, words: words))
                if batch.count == HashStore.hashListBatch {
                    try write(batch, family, dataset.id, &summary)
                    batch.removeAll(keepingCapacity: true)
                    progress(number)
                }
            }
        }
        try write(batch, family, dataset.id, &summary)
        progress(number)
        return summary
    }
}
