import Foundation
import GRDB
import HashKit

/// The persistent hash store: per dataset the files a run has seen (path, size, mtime, inode) and
/// per file content (SHA-256) the hashes of every family or the decode error, so the next run
/// decodes only what changed and a copy of a file anywhere reuses its hashes.
///
/// One SQLite file in WAL mode, shared by several processes (`crosshash analyze` runs, the HTTP
/// service): readers never wait for writers, and every write is one short transaction, so a killed
/// process leaves the store consistent and the others wait only briefly.
///
/// Thread-safe: GRDB's `DatabasePool` (file) or `DatabaseQueue` (memory) serialises writes and
/// runs reads concurrently.
public final class HashStore: @unchecked Sendable {
    /// The store's file; nil in memory.
    public let path: String?
    private let writer: any DatabaseWriter

    /// Opens the store at `path`, creating it (and its parent folders) when missing. Never
    /// overwrites or modifies a file that is not a crosshash store, is from a newer schema or is
    /// damaged: throws `StoreError`. Every page is checked at the opening of a store up to
    /// `StoreOpening.fullCheckBytes`; a larger one's bulk tables are checked as they are read.
    public convenience init(path: String) throws {
        try self.init(path: path, fullCheck: StoreOpening.fullCheckBytes)
    }

    /// `fullCheck`: the size up to which the opening checks every page (tests give 0).
    init(path: String, fullCheck: Int64) throws {
        self.path = path
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue {
                throw StoreError(kind: .cannotOpen, path: path, detail: "it is a folder")
            }
        } else {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError(kind: .cannotOpen, path: path,
                                 detail: "cannot create its folder: \(error.localizedDescription)")
            }
        }
        writer = try StoreOpening.retryingWhileBusy(path: path) {
            // Checked on every attempt: another process may have created the file meanwhile.
            if Self.fileSize(path) > 0 || Self.fileSize(path + "-wal") > 0 {
                try StoreOpening.inspect(path, fullCheck: fullCheck)
            }
            let pool = try DatabasePool(path: path, configuration: StoreOpening.configuration())
            do {
                try Self.migrate(pool)
            } catch {
                try? pool.close()
                throw error
            }
            return pool
        }
    }

    /// A private store in memory (for `--no-store`): the same code paths, nothing on disk.
    public init(inMemory: Void = ()) throws {
        path = nil
        do {
            let queue = try DatabaseQueue(configuration: StoreOpening.configuration())
            try Self.migrate(queue)
            writer = queue
        } catch {
            throw StoreError.wrapping(error, path: StoreError.inMemoryPath)
        }
    }

    /// Brings the schema up to date. Two processes opening a store at once may both try the same
    /// migration (GRDB reads the applied ones before its transaction); the loser's failure is
    /// fine when the schema is complete afterwards, and otherwise it tries again from where the
    /// winner got to.
    private static func migrate(_ writer: any DatabaseWriter) throws {
        var attempt = 0
        while true {
            do {
                try StoreSchema.migrator.migrate(writer)
                return
            } catch {
                let complete = try? writer.read { try StoreSchema.migrator.hasCompletedMigrations($0) }
                if complete == true { return }
                attempt += 1
                if attempt >= 5 { throw error }
            }
        }
    }

    /// Closes the connections (the last process to close folds the WAL into the file). Idempotent;
    /// any later use throws.
    public func close() throws {
        do {
            try writer.close()
        } catch {
            throw wrap(error)
        }
    }

    // MARK: Datasets

    /// Creates the dataset `name`, or sets the root of the existing one.
    public func upsertDataset(name: String, root: String?) throws -> StoredDataset {
        try writing { db in
            let row = try Row.fetchOne(db, sql: """
                INSERT INTO dataset (name, root) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET root = excluded.root
                RETURNING id, name, root
                """, arguments: [name, root])
            guard let row else { throw StoreError(kind: .io, path: self.displayPath, detail: "dataset \(name) was not written") }
            return try Self.dataset(row, path: self.displayPath)
        }
    }

    public func dataset(named name: String) throws -> StoredDataset? {
        try reading { db in
            try Row.fetchOne(db, sql: "SELECT id, name, root FROM dataset WHERE name = ?", arguments: [name])
                .map { try Self.dataset($0, path: self.displayPath) }
        }
    }

    /// The dataset with this id, or nil when it was deleted. Writers that must never recreate a
    /// deleted dataset (a scan) look it up by id rather than upsert it by name.
    public func dataset(id: Int64) throws -> StoredDataset? {
        try reading { db in
            try Row.fetchOne(db, sql: "SELECT id, name, root FROM dataset WHERE id = ?", arguments: [id])
                .map { try Self.dataset($0, path: self.displayPath) }
        }
    }

    /// Every dataset, sorted by name in byte order.
    public func datasets() throws -> [StoredDataset] {
        try reading { db in
            try Row.fetchAll(db, sql: "SELECT id, name, root FROM dataset ORDER BY name")
                .map { try Self.dataset($0, path: self.displayPath) }
        }
    }

    /// Removes the dataset and its file rows; the contents stay (see `pruneUnreferencedContents`).
    @discardableResult
    public func deleteDataset(named name: String) throws -> Bool {
        try writing { db in
            try db.execute(sql: "DELETE FROM dataset WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    private static func dataset(_ row: Row, path: String) throws -> StoredDataset {
        guard let id = row.cell(0).int64, let name = row.cell(1).text else {
            throw StoreError(kind: .damaged, path: path, detail: "a dataset row has no id or name")
        }
        let root = row.cell(2)
        guard root.isNull || root.text != nil else {
            throw StoreError(kind: .damaged, path: path, detail: "dataset \(name) has a root that is not text")
        }
        return StoredDataset(id: id, name: name, root: root.text)
    }

    // MARK: Reading

    /// The files of a dataset, sorted by path bytes (memcmp order), each with its content's
    /// outcome. One query for the whole dataset, so 100k files read in one pass.
    public func files(in dataset: Int64) throws -> [StoredFile] {
        try files(in: dataset, only: nil)
    }

    /// The row of one file of a dataset (one indexed lookup), nil when the dataset has no such file.
    public func file(_ path: [UInt8], in dataset: Int64) throws -> StoredFile? {
        try files(in: dataset, only: path).first
    }

    private func files(in dataset: Int64, only path: [UInt8]?) throws -> [StoredFile] {
        try reading { db in
            let statement = try db.cachedStatement(sql: """
                SELECT f.path, f.size, f.mtime_ns, f.inode, f.digest, f.code_version, f.error,
                       c.code_version, c.error, c.warnings, h.family, h.value, h.quality
                FROM file f
                LEFT JOIN content c ON c.digest = f.digest
                LEFT JOIN content_hash h ON h.digest = f.digest
                WHERE f.dataset_id = ? \(path == nil ? "" : "AND f.path = ?")
                ORDER BY f.path
                """)
            var files: [StoredFile] = []
            var pending: PendingFile?
            let rows = try Row.fetchCursor(statement, arguments: path.map { [dataset, Data($0)] } ?? [dataset])
            while let row = try rows.next() {
                guard let path = row.cell(0).blob else {
                    throw StoreError(kind: .damaged, path: self.displayPath,
                                     detail: "a file row of dataset \(dataset) has no path")
                }
                if pending?.path != path {
                    if let done = pending { files.append(try done.file(store: self.displayPath)) }
                    pending = PendingFile(row: row, path: path)
                }
                if let family = row.cell(10).text {
                    pending?.hashes[family] = StoredHash(value: row.cell(11), quality: row.cell(12))
                }
            }
            if let done = pending { files.append(try done.file(store: self.displayPath)) }
            return files
        }
    }

    /// The stored outcome of a content, if it was produced by `codeVersion` and holds every
    /// family of `families`; nil otherwise (unknown, another version, or hashed before without
    /// an optional family such as PDQ: the caller then hashes it again). Called concurrently
    /// from many decoder threads: one indexed lookup on a reader connection.
    public func outcome(of digest: ContentDigest, codeVersion: String,
                        families: [HashFamily] = HashFamily.all) throws -> FileOutcome? {
        try reading { db in
            let statement = try db.cachedStatement(sql: """
                SELECT c.error, c.warnings, h.family, h.value, h.quality
                FROM content c LEFT JOIN content_hash h ON h.digest = c.digest
                WHERE c.digest = ? AND c.code_version = ?
                """)
            let rows = try Row.fetchAll(statement, arguments: [Data(digest.bytes), codeVersion])
            guard let first = rows.first else { return nil }
            var hashes: [String: StoredHash] = [:]
            for row in rows {
                if let family = row.cell(2).text { hashes[family] = StoredHash(value: row.cell(3), quality: row.cell(4)) }
            }
            do {
                let (outcome, stored) = try ContentOutcome.decode(error: first.cell(0), warnings: first.cell(1),
                                                                  hashes: hashes, codeVersion: codeVersion)
                if case .hashed = outcome, !families.allSatisfy({ stored.contains($0.id) }) { return nil }
                return outcome
            } catch let problem as RowProblem {
                throw StoreError(kind: .damaged, path: self.displayPath,
                                 detail: "the stored hashes of content \(digest.hex) \(problem.text)")
            }
        }
    }

    /// The dihedral variants of `families` stored for the hashed files of `dataset`, by path;
    /// a file whose content lacks one of the families' variants is not listed (a `--dihedral`
    /// run decodes it again, once).
    public func variants(in dataset: Int64, families: [HashFamily]) throws -> [[UInt8]: DihedralHashes] {
        try reading { db in
            let statement = try db.cachedStatement(sql: """
                SELECT f.path, v.family, v.value
                FROM file f JOIN content_variant v ON v.digest = f.digest
                WHERE f.dataset_id = ?
                """)
            var found = [[UInt8]: DihedralHashes]()
            let rows = try Row.fetchCursor(statement, arguments: [dataset])
            while let row = try rows.next() {
                guard let path = row.cell(0).blob, let name = row.cell(1).text,
                      let family = families.first(where: { $0.id.rawValue == name }) else { continue }
                let count = Dihedral.allCases.count
                guard let blob = row.cell(2).blob, let words = HashBlob.decode(blob, count: count * family.wordsPerHash) else {
                    throw StoreError(kind: .damaged, path: self.displayPath,
                                     detail: "the stored \(name) variants of a file of dataset \(dataset) are not \(count) hashes")
                }
                let variants = (0..<count).map { Array(words[($0 * family.wordsPerHash)..<(($0 + 1) * family.wordsPerHash)]) }
                found[[UInt8](path), default: DihedralHashes()].variants[family.id] = variants
            }
            return found.filter { _, v in families.allSatisfy { v.variants[$0.id] != nil } }
        }
    }

    /// Whether the content `digest` has stored variants of every family of `families`.
    public func hasVariants(_ digest: ContentDigest, families: [HashFamily]) throws -> Bool {
        try reading { db in
            let n = try Int.fetchOne(db, sql: "SELECT count(*) FROM content_variant WHERE digest = ? AND family IN (\(families.map { _ in "?" }.joined(separator: ",")))",
                                     arguments: StatementArguments([Data(digest.bytes)] + families.map(\.id.rawValue))) ?? 0
            return n == families.count
        }
    }

    // MARK: Writing

    /// Writes the rows of `changes` into `dataset` in one transaction: each file row (replacing the
    /// one at the same path) and, for a file with a digest, its content row and hashes, unless the
    /// content is already stored by the same code version. Fails with `.datasetMissing` when the
    /// dataset is gone (deleted by this process or another), or when `stillWanted` (asked inside
    /// the transaction, so no delete can slip in between the question and the write) says no.
    /// Dataset ids may be reused after a delete, so a writer that can be cancelled passes
    /// `stillWanted` rather than trusting the id alone.
    /// `list`: entries of one family written in the same transaction as hash-list lines are
    /// (`insertListEntries`), for hashes sent without the picture's other families.
    public func apply(_ changes: [FileChange], to dataset: Int64, list: (family: HashFamily, entries: [HashListEntry])? = nil,
                      stillWanted: (() -> Bool)? = nil) throws {
        for change in changes where change.digest == nil {
            if case .hashed = change.outcome {
                preconditionFailure("programmer error: a hashed file change needs the content digest")
            }
        }
        guard !changes.isEmpty || !(list?.entries.isEmpty ?? true) else { return }
        try writing { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM dataset WHERE id = ?", arguments: [dataset]) != nil,
                  stillWanted?() ?? true else {
                throw StoreError(kind: .datasetMissing, path: self.displayPath,
                                 detail: "dataset \(dataset) does not exist (was it deleted by another crosshash?)")
            }
            // A content is inserted, or replaced when stored by another code version. The two
            // cases are two statements so that a new content (most rows of a batch) skips the
            // deletes of hashes and variants it cannot have (foreign keys: none without it).
            // Values are bound straight to the statements (`BoundStatement`), and the rows go in
            // key order: contents by digest, then files by path, each a stable order (a digest or a
            // path given twice is written in the order given, so the last one wins as before). The
            // two passes give the rows the single interleaved pass gave: a content's rows depend only
            // on the contents written before it, a file row only on the file rows, and nothing here
            // ties one table's rows to the other's. In key order each insert lands beside the last
            // one in the B-tree instead of at a random page.
            let insertContent = BoundStatement(try db.cachedStatement(sql: """
                INSERT INTO content (digest, code_version, error, warnings) VALUES (?, ?, ?, ?)
                ON CONFLICT (digest) DO NOTHING
                """))
            let replaceContent = BoundStatement(try db.cachedStatement(sql: """
                UPDATE content SET code_version = ?, error = ?, warnings = ? WHERE digest = ? AND code_version <> ?
                """))
            let deleteHashes = BoundStatement(try db.cachedStatement(sql: "DELETE FROM content_hash WHERE digest = ?"))
            let deleteVariants = BoundStatement(try db.cachedStatement(sql: "DELETE FROM content_variant WHERE digest = ?"))
            let putVariants = BoundStatement(try db.cachedStatement(sql: "INSERT OR REPLACE INTO content_variant (digest, family, value) VALUES (?, ?, ?)"))
            let insertHash = BoundStatement(try db.cachedStatement(sql: "INSERT INTO content_hash (digest, family, value, quality) VALUES (?, ?, ?, ?)"))
            // A content stored before by the same code version keeps its rows; a run that
            // computed an optional family (PDQ) the row lacks adds it.
            let addHash = BoundStatement(try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO content_hash (digest, family, value, quality) VALUES (?, ?, ?, ?)
                """))
            let upsertFile = BoundStatement(try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO file (dataset_id, path, size, mtime_ns, inode, digest, code_version, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """))
            // The sort keys gathered once (reading them through `changes[i]` in the comparison
            // copied a whole change per comparison).
            let digests = changes.map { $0.digest?.bytes ?? [] }
            let byDigest = changes.indices.filter { changes[$0].digest != nil }.sorted { l, r in
                digests[l] == digests[r] ? l < r : digests[l].lexicographicallyPrecedes(digests[r])
            }
            for i in byDigest {
                let change = changes[i]
                guard let digest = change.digest?.bytes else { continue }
                let error: String?
                let warnings: [String]
                switch change.outcome {
                case .hashed(_, let w): error = nil; warnings = w
                case .failed(let message): error = message; warnings = []
                }
                let warningsText = WarningsText.encode(warnings)
                insertContent.bind(1, blob: digest)
                insertContent.bind(2, change.codeVersion)
                insertContent.bind(3, error)
                insertContent.bind(4, warningsText)
                // New, or replaced because of another code version.
                var replaced = try insertContent.run(db) > 0
                if !replaced {
                    replaceContent.bind(1, change.codeVersion)
                    replaceContent.bind(2, error)
                    replaceContent.bind(3, warningsText)
                    replaceContent.bind(4, blob: digest)
                    replaceContent.bind(5, change.codeVersion)
                    replaced = try replaceContent.run(db) > 0
                    if replaced {
                        deleteHashes.bind(1, blob: digest)
                        try deleteHashes.run(db)
                        deleteVariants.bind(1, blob: digest)
                        try deleteVariants.run(db)
                    }
                }
                if case .hashed = change.outcome, let variants = change.variants {
                    for (family, words) in variants.variants.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                        putVariants.bind(1, blob: digest)
                        putVariants.bind(2, family.rawValue)
                        putVariants.bind(3, blob: HashBlob.encode(words.flatMap { $0 }))
                        try putVariants.run(db)
                    }
                }
                if case .hashed(let hashes, _) = change.outcome {
                    for family in change.families where replaced || !HashFamily.all.contains(family) {
                        let statement = replaced ? insertHash : addHash
                        statement.bind(1, blob: digest)
                        statement.bind(2, family.id.rawValue)
                        statement.bind(3, blob: HashBlob.encode(family.words(of: hashes)))
                        statement.bind(4, family.quality(of: hashes))
                        try statement.run(db)
                    }
                }
            }
            let paths = changes.map(\.path)
            let byPath = changes.indices.sorted { l, r in
                paths[l] == paths[r] ? l < r : paths[l].lexicographicallyPrecedes(paths[r])
            }
            for i in byPath {
                let change = changes[i]
                var fileError: String?
                if change.digest == nil, case .failed(let message) = change.outcome { fileError = message }
                upsertFile.bind(1, dataset)
                upsertFile.bind(2, blob: change.path)
                upsertFile.bind(3, change.stat?.size)
                upsertFile.bind(4, change.stat?.mtimeNs)
                upsertFile.bind(5, change.stat.map { Int64(bitPattern: $0.inode) })
                if let digest = change.digest { upsertFile.bind(6, blob: digest.bytes) } else { upsertFile.bindNull(6) }
                upsertFile.bind(7, change.codeVersion)
                upsertFile.bind(8, fileError)
                try upsertFile.run(db)
            }
            if let list, !list.entries.isEmpty {
                _ = try Self.insertListEntries(db, list.entries, family: list.family, dataset: dataset)
            }
        }
    }

    /// Removes the rows of `paths` from `dataset` (files gone from disk), in one transaction.
    public func removeFiles(_ paths: [[UInt8]], from dataset: Int64, stillWanted: (() -> Bool)? = nil) throws {
        guard !paths.isEmpty else { return }
        try writing { db in
            guard stillWanted?() ?? true else {
                throw StoreError(kind: .datasetMissing, path: self.displayPath, detail: "dataset \(dataset) is no longer wanted")
            }
            let delete = try db.cachedStatement(sql: "DELETE FROM file WHERE dataset_id = ? AND path = ?")
            for path in paths { try delete.execute(arguments: [dataset, Data(path)]) }
        }
    }

    /// Deletes the contents no file refers to any more, with their hashes; returns how many.
    /// Keeping them is harmless (a file that comes back reuses them), so this is only for
    /// reclaiming space.
    @discardableResult
    public func pruneUnreferencedContents() throws -> Int {
        try writing { db in
            try db.execute(sql: """
                DELETE FROM content WHERE NOT EXISTS (SELECT 1 FROM file WHERE file.digest = content.digest)
                """)
            return db.changesCount
        }
    }

    // MARK: Size

    /// Bytes of the database file and its WAL, for "store size per image"; 0 in memory.
    public func sizeOnDisk() throws -> Int64 {
        guard let path else { return 0 }
        return Self.fileSize(path) + Self.fileSize(path + "-wal")
    }

    public func counts() throws -> (datasets: Int, files: Int, contents: Int) {
        try reading { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM dataset), (SELECT count(*) FROM file), (SELECT count(*) FROM content)
                """), let d = row.cell(0).int64, let f = row.cell(1).int64, let c = row.cell(2).int64 else {
                throw StoreError(kind: .io, path: self.displayPath, detail: "counting rows gave no result")
            }
            return (Int(d), Int(f), Int(c))
        }
    }

    // MARK: Plumbing

    var displayPath: String { path ?? StoreError.inMemoryPath }

    private func wrap(_ error: Error) -> StoreError { StoreError.wrapping(error, path: displayPath) }

    /// Runs `body` on a reader (a consistent snapshot; concurrent with writes in WAL mode).
    func reading<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch {
            throw wrap(error)
        }
    }

    /// Runs `body` in one IMMEDIATE transaction: the write lock is taken at the start, so a
    /// transaction never fails half-way because another process wrote first (it waits instead).
    func writing<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.writeWithoutTransaction { db in
                var result: [T] = []
                try db.inTransaction(.immediate) {
                    result = [try body(db)]
                    return .commit
                }
                // inTransaction runs the body once or throws, so the value is there.
                guard let value = result.first else {
                    throw StoreError(kind: .io, path: self.displayPath, detail: "a write transaction ended without running")
                }
                return value
            }
        } catch {
            throw wrap(error)
        }
    }

    /// Size of a file, 0 when missing.
    static func fileSize(_ path: String) -> Int64 {
        let values = try? URL(fileURLWithPath: path).resourceValues(forKeys: [.fileSizeKey])
        return Int64(values?.fileSize ?? 0)
    }
}

/// One `content_hash` row's hash and quality (NULL for a family without one).
struct StoredHash {
    var value: DatabaseValue
    var quality: DatabaseValue
}

/// Why a row cannot be turned back into an outcome (the caller names the row).
package struct RowProblem: Error {
    package var text: String
}

/// One stored hash as any backend reads it: the value's bytes (nil when the column does not
/// hold bytes) and the quality (nil: NULL, or not an integer).
package struct RawHash {
    package var value: Data?
    package var quality: Int64?

    package init(value: Data?, quality: Int64?) {
        self.value = value
        self.quality = quality
    }
}

/// Turns a content's stored columns back into a `FileOutcome`.
package enum ContentOutcome {
    /// The outcome, and the families whose hashes it holds (`HashFamily.all` for a failure).
    static func decode(error: DatabaseValue, warnings: DatabaseValue, hashes: [String: StoredHash],
                       codeVersion: String) throws -> (FileOutcome, Set<HashFamily.ID>) {
        if let message = error.text { return (.failed(message), Set(HashFamily.all.map(\.id))) }
        guard error.isNull else { throw RowProblem(text: "have an error that is not text") }
        guard let text = warnings.text else { throw RowProblem(text: "have warnings that are not a JSON array of strings") }
        return try decode(error: nil, warnings: text,
                          hashes: hashes.mapValues { RawHash(value: $0.value.blob, quality: $0.quality.int64) },
                          codeVersion: codeVersion)
    }

    /// The same from values every backend can give: `error` nil when the content was hashed.
    package static func decode(error: String?, warnings: String, hashes: [String: RawHash],
                               codeVersion: String) throws -> (FileOutcome, Set<HashFamily.ID>) {
        let required = Set(HashFamily.all.map(\.id))
        if let message = error { return (.failed(message), required) }
        guard let decoded = WarningsText.decode(warnings) else {
            throw RowProblem(text: "have warnings that are not a JSON array of strings")
        }
        var words: [HashFamily.ID: [UInt64]] = [:]
        var missing: [String] = []
        for family in HashFamily.all {
            guard let blob = hashes[family.id.rawValue]?.value,
                  let w = HashBlob.decode(blob, count: family.wordsPerHash) else {
                missing.append(family.id.rawValue)
                continue
            }
            words[family.id] = w
        }
        guard missing.isEmpty, let imageHashes = ImageHashes(words: words) else {
            // The families of this build are the families of its code version: a row of another
            // version may lack one (an older build) and is re-hashed anyway, so say so rather than
            // call the store damaged.
            if codeVersion != ImageHashes.codeVersion {
                return (.failed("stored by hashing code \(codeVersion) without a valid \(missing.joined(separator: ", ")) hash; hash it again"),
                        required)
            }
            throw RowProblem(text: "lack a valid \(missing.joined(separator: ", ")) hash")
        }
        var full = imageHashes
        var families = required
        for family in HashFamily.optional {
            guard let stored = hashes[family.id.rawValue] else { continue }
            guard let blob = stored.value, let w = HashBlob.decode(blob, count: family.wordsPerHash) else {
                throw RowProblem(text: "have a \(family.id) hash that is not \(family.wordsPerHash) words")
            }
            family.set(w, in: &full)
            if family.qualityFloor != nil {
                guard let q = stored.quality else { throw RowProblem(text: "have a \(family.id) hash without its quality") }
                family.setQuality(Int(q), in: &full)
            }
            families.insert(family.id)
        }
        return (.hashed(full, warnings: decoded), families)
    }
}

/// The rows of one file while `files(in:)` collects its hash rows.
private struct PendingFile {
    var path: Data
    var size: DatabaseValue
    var mtime: DatabaseValue
    var inode: DatabaseValue
    var digest: DatabaseValue
    var fileVersion: DatabaseValue
    var fileError: DatabaseValue
    var contentVersion: DatabaseValue
    var contentError: DatabaseValue
    var contentWarnings: DatabaseValue
    var hashes: [String: StoredHash] = [:]

    init(row: Row, path: Data) {
        self.path = path
        size = row.cell(1)
        mtime = row.cell(2)
        inode = row.cell(3)
        digest = row.cell(4)
        fileVersion = row.cell(5)
        fileError = row.cell(6)
        contentVersion = row.cell(7)
        contentError = row.cell(8)
        contentWarnings = row.cell(9)
    }

    func file(store: String) throws -> StoredFile {
        let bytes = [UInt8](path)
        func damaged(_ what: String) -> StoreError {
            StoreError(kind: .damaged, path: store,
                       detail: "the row of file \(String(decoding: bytes, as: UTF8.self)) \(what)")
        }
        let stat: FileStat?
        if let s = size.int64, let m = mtime.int64, let i = inode.int64 {
            stat = FileStat(size: s, mtimeNs: m, inode: UInt64(bitPattern: i))
        } else if size.isNull, mtime.isNull, inode.isNull {
            stat = nil
        } else {
            throw damaged("has an incomplete size, mtime and inode")
        }
        guard let fileVersion = fileVersion.text else { throw damaged("has no code version") }

        if digest.isNull {
            guard let message = fileError.text else { throw damaged("has neither a digest nor an error") }
            return StoredFile(path: bytes, stat: stat, digest: nil, codeVersion: fileVersion, outcome: .failed(message))
        }
        guard let blob = digest.blob, let contentDigest = ContentDigest(bytes: [UInt8](blob)) else {
            throw damaged("has a digest that is not 32 bytes")
        }
        guard let contentVersion = contentVersion.text else {
            throw damaged("refers to content \(Hex.encode([UInt8](blob))), which is missing")
        }
        do {
            let (outcome, families) = try ContentOutcome.decode(error: contentError, warnings: contentWarnings,
                                                                hashes: hashes, codeVersion: contentVersion)
            return StoredFile(path: bytes, stat: stat, digest: contentDigest, codeVersion: contentVersion, outcome: outcome,
                              families: families)
        } catch let problem as RowProblem {
            throw damaged("refers to content \(contentDigest.hex), whose hashes \(problem.text)")
        }
    }
}

extension Row {
    /// The raw value of column `index`. Reading through `DatabaseValue` never traps: a value of an
    /// unexpected type becomes a `.damaged` error instead of GRDB's fatal conversion error.
    func cell(_ index: Int) -> DatabaseValue { self[index] }
}

extension DatabaseValue {
    var int64: Int64? { if case .int64(let v) = storage { return v }; return nil }
    var text: String? { if case .string(let v) = storage { return v }; return nil }
    var blob: Data? { if case .blob(let v) = storage { return v }; return nil }
}

extension HashStore {
    /// The first 8 bytes of every content digest stored by `codeVersion`, sorted: a compact
    /// in-memory filter (8 bytes a content) so the index step asks the database only about
    /// files whose content it may know, instead of once per file read.
    public func digestPrefixes(codeVersion: String) throws -> DigestPrefixes {
        try reading { db in
            var prefixes = [UInt64]()
            let rows = try Row.fetchCursor(db, sql: "SELECT digest FROM content WHERE code_version = ?", arguments: [codeVersion])
            while let row = try rows.next() {
                if let blob = row.cell(0).blob, blob.count >= 8 { prefixes.append(DigestPrefixes.prefix(of: [UInt8](blob.prefix(8)))) }
            }
            prefixes.sort()
            return DigestPrefixes(sorted: prefixes)
        }
    }
}

/// See `HashStore.digestPrefixes(codeVersion:)`.
public struct DigestPrefixes: Sendable {
    let sorted: [UInt64]

    package init(sorted: [UInt64]) { self.sorted = sorted }

    public static let empty = DigestPrefixes(sorted: [])

    package static func prefix(of bytes: [UInt8]) -> UInt64 { bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }

    /// false: the store certainly has no content with this digest; true: it may.
    public func mayContain(_ digest: ContentDigest) -> Bool {
        let key = Self.prefix(of: digest.bytes)
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == key
    }

    public var count: Int { sorted.count }
}

/// A dataset with its counts, for listings (one query for all datasets).
public struct DatasetSummary: Equatable, Sendable {
    public var dataset: StoredDataset
    /// Every file row.
    public var files: Int
    /// Files with hashes.
    public var images: Int
    /// Files that could not be hashed.
    public var errors: Int
    /// Hashed files whose decoder complained.
    public var warned: Int

    package init(dataset: StoredDataset, files: Int, images: Int, errors: Int, warned: Int) {
        self.dataset = dataset
        self.files = files
        self.images = images
        self.errors = errors
        self.warned = warned
    }
}

extension HashStore {
    public func summaries() throws -> [DatasetSummary] {
        try reading { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.id, d.name, d.root,
                       count(f.path),
                       sum(CASE WHEN f.digest IS NOT NULL AND c.error IS NULL AND c.code_version IS NOT NULL THEN 1 ELSE 0 END),
                       sum(CASE WHEN f.path IS NOT NULL AND (f.digest IS NULL OR c.error IS NOT NULL) THEN 1 ELSE 0 END),
                       sum(CASE WHEN c.error IS NULL AND c.warnings <> '' THEN 1 ELSE 0 END)
                FROM dataset d
                LEFT JOIN file f ON f.dataset_id = d.id
                LEFT JOIN content c ON c.digest = f.digest
                GROUP BY d.id
                """)
            return try rows.map { row in
                guard let id = row.cell(0).int64, let name = row.cell(1).text else {
                    throw StoreError(kind: .damaged, path: self.displayPath, detail: "a dataset row without id or name")
                }
                func n(_ i: Int) -> Int { Int(row.cell(i).int64 ?? 0) }
                return DatasetSummary(dataset: StoredDataset(id: id, name: name, root: row.cell(2).text),
                                      files: n(3), images: n(4), errors: n(5), warned: n(6))
            }.sorted { Array($0.dataset.name.utf8).lexicographicallyPrecedes(Array($1.dataset.name.utf8)) }
        }
    }
}
