import Foundation
import HashKit
import HashStore

// Hash lists in and out, the bulk hash stream of the service's start, and the store's size: as
// the SQLite store's (HashLists.swift, BulkHashes.swift), same rows, same results.
extension PostgresStore {
    /// `pg_database_size` of the store's database (tables, indexes, their free space).
    public func sizeOnDisk() throws -> Int64 {
        try reading { c in
            try c.execute("SELECT pg_database_size(current_database())").int64(0, 0) ?? 0
        }
    }

    /// As `HashStore.importHashList`: a dataset without a folder, entries in transactions of
    /// `HashStore.hashListBatch`, bad lines reported and skipped.
    public func importHashList(named name: String, family: HashFamily, lines: inout LineReader,
                               problem: (Int, String) -> Void, progress: (Int) -> Void) throws -> HashListImportSummary {
        try HashListImport.run(named: name, family: family, lines: &lines, into: self, problem: problem, progress: progress,
                               write: writeHashListBatch)
    }

    private func writeHashListBatch(_ batch: [HashListEntry], family: HashFamily, dataset: Int64,
                                    summary: inout HashListImportSummary) throws {
        guard !batch.isEmpty else { return }
        let replaced = try writing { c -> Int in
            // FOR KEY SHARE, as `apply`: a concurrent delete of the dataset waits for this batch.
            guard try c.execute("SELECT 1 FROM dataset WHERE id = $1 FOR KEY SHARE", [.int(dataset)]).count == 1 else {
                throw StoreError(kind: .datasetMissing, path: self.displayPath,
                                 detail: "dataset \(dataset) was deleted while the list was imported")
            }
            let replaced = try self.insertListEntries(c, batch, family: family, dataset: dataset)
            try self.logChanges(c, dataset: dataset, paths: batch.map(\.id))
            return replaced
        }
        summary.imported += batch.count
        summary.replaced += replaced
    }

    /// As `HashStore.exportHashList`: `HEX,ID` lines in key byte order, a block at a time,
    /// read through a cursor (bounded memory for any dataset).
    @discardableResult
    public func exportHashList(named name: String, family: HashFamily, write: ([UInt8]) throws -> Void) throws -> Int {
        guard let dataset = try dataset(named: name) else {
            throw HashListError("no dataset named \(name) in the store \(displayPath)")
        }
        var lines = HashListLines()
        try streaming("""
            SELECT f.path, h.value FROM file f
            JOIN content c ON c.digest = f.digest AND c.error IS NULL
            JOIN content_hash h ON h.digest = f.digest AND h.family = $1
            WHERE f.dataset_id = $2
            ORDER BY f.path
            """, [.text(family.id.rawValue), .int(dataset.id)]) { rows in
            for r in 0..<rows.count {
                guard let path = rows.bytes(r, 0), let blob = rows.data(r, 1),
                      let words = HashBlob.decode(blob, count: family.wordsPerHash) else {
                    throw StoreError(kind: .damaged, path: self.displayPath,
                                     detail: "a \(family.id) hash row of dataset \(name) is not \(family.wordsPerHash) words")
                }
                try lines.append(hex: family.hex(words), id: path, write: write)
            }
        }
        return try lines.finish(write: write)
    }

    /// The groups one after the other (PostgreSQL joins each group's families in one query; the
    /// loader does not depend on how groups interleave).
    public func streamHashes(in dataset: Int64, groups: [HashGroup],
                             _ body: (Int, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt64>, [Int?]) throws -> Void) throws {
        for (g, group) in groups.enumerated() {
            try streamHashes(in: dataset, families: group.families, strict: group.strict) { key, words, qualities in
                try body(g, key, words, qualities)
            }
        }
    }

    /// As `HashStore.streamHashes`: the dataset's hashed files with every family's hash, in
    /// content digest order (then path, as SQLite's file_digest index gives them), read through a
    /// cursor in batches so a million rows never sit in memory at once.
    public func streamHashes(in dataset: Int64, families: [HashFamily], strict: (String) -> Bool,
                             _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt64>, [Int?]) throws -> Void) throws {
        guard !families.isEmpty else { return }
        let joins = families.indices.map { "JOIN content_hash h\($0) ON h\($0).digest = f.digest AND h\($0).family = $\($0 + 2)" }
        let columns = families.indices.map { "h\($0).value, h\($0).quality" }
        let sql = """
            SELECT f.path, c.code_version, \(columns.joined(separator: ", ")) FROM file f
            JOIN content c ON c.digest = f.digest AND c.error IS NULL
            \(joins.joined(separator: "\n"))
            WHERE f.dataset_id = $1
            ORDER BY f.digest, f.path
            """
        let width = families.reduce(0) { $0 + $1.wordsPerHash }
        var words = [UInt64](repeating: 0, count: width)
        var qualities = [Int?](repeating: nil, count: families.count)
        try streaming(sql, [.int(dataset)] + families.map { .text($0.id.rawValue) }) { rows in
            rowLoop: for r in 0..<rows.count {
                var at = 0
                for (k, family) in families.enumerated() {
                    let n = family.wordsPerHash
                    guard let blob = rows.bytes(r, 2 + 2 * k), blob.count == 8 * n else {
                        guard let version = rows.text(r, 1), !strict(version) else {
                            throw StoreError(kind: .damaged, path: self.displayPath,
                                             detail: "a \(family.id) hash row of dataset \(dataset) is not \(n) words")
                        }
                        continue rowLoop
                    }
                    blob.withUnsafeBytes { raw in
                        for i in 0..<n { words[at + i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
                    }
                    var quality: Int? = nil
                    if let q = rows.int64(r, 3 + 2 * k) { quality = Int(q) }
                    qualities[k] = quality
                    at += n
                }
                guard let path = rows.bytes(r, 0) else {
                    throw StoreError(kind: .damaged, path: self.displayPath, detail: "a file row of dataset \(dataset) has no path")
                }
                try path.withUnsafeBufferPointer { p in
                    try words.withUnsafeBufferPointer { w in try body(p, w, qualities) }
                }
            }
        }
    }

    /// Runs the query through a cursor in one read-only transaction (one snapshot), giving
    /// `body` the rows `batch` at a time.
    func streaming(_ sql: String, _ parameters: [PGValue], batch: Int = 10_000, _ body: (PGRows) throws -> Void) throws {
        try reading { c in
            try c.execute("BEGIN READ ONLY")
            do {
                try c.execute("DECLARE crosshash_rows NO SCROLL CURSOR FOR \(sql)", parameters)
                while true {
                    let rows = try c.execute("FETCH FORWARD \(batch) FROM crosshash_rows")
                    if rows.count == 0 { break }
                    try body(rows)
                }
                try c.execute("COMMIT")
            } catch {
                _ = try? c.execute("ROLLBACK")
                throw error
            }
        }
    }
}
