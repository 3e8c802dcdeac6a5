import Foundation
import HashKit
import HashStore

/// The hash store in a PostgreSQL database (libpq): the same datasets, files, contents and hashes
/// as the SQLite `HashStore`, for several machines sharing one store; the whole store interface
/// (`HashStoring`), the rest of it in the `PostgresStore+*.swift` files.
///
/// Thread-safe: calls borrow a connection from a small pool. Every write is one transaction (the
/// dataset row it writes into is locked against deletion for its length, as SQLite's one writer
/// guarantees); a transaction that loses a deadlock or serialisation race runs again.
public final class PostgresStore: HashStoring, @unchecked Sendable {
    public let location: PostgresLocation
    let pool: PGPool

    /// The URL without its password.
    public var path: String? { location.displayURL }

    /// Connects and brings the schema up to date (creating the tables in an empty database).
    /// Never touches a database holding other tables or a newer crosshash's schema: throws
    /// `StoreError` (`.cannotOpen` when the server cannot be reached or refuses the login).
    /// `connections`: at most that many connections at once (calls wait for a free one).
    public init(_ location: PostgresLocation, connections: Int = max(4, min(16, ProcessInfo.processInfo.activeProcessorCount))) throws {
        self.location = location
        pool = PGPool(location, limit: max(1, connections))
        do {
            try pool.with { try Self.migrate($0, store: location.displayURL) }
        } catch let error as PGError where error.sqlstate.isEmpty || error.sqlstate.hasPrefix("28") || error.sqlstate == "3D000" {
            pool.close()
            throw StoreError(kind: .cannotOpen, path: location.displayURL, detail: Self.advice(error, location))
        } catch {
            pool.close()
            throw Self.wrap(error, path: location.displayURL)
        }
    }

    public func close() throws { pool.close() }

    /// libpq's message and what to do about it: the three ways an open fails in practice are a
    /// server that is not there, a login it refuses, and a database that does not exist.
    static func advice(_ error: PGError, _ location: PostgresLocation) -> String {
        let message = error.description.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: "")
        let todo: String
        if error.sqlstate == "3D000" || message.contains("does not exist") && message.contains("database") {
            todo = "create the database (createdb -h \(location.host) -p \(location.port) -U \(location.user) \(location.database)) or name another one"
        } else if error.sqlstate.hasPrefix("28") || message.contains("password") || message.contains("authentication") {
            todo = "check the password (--store-password-file or PGPASSWORD) and that the server lets user \(location.user) log in"
        } else {
            todo = "check that PostgreSQL is running and accepts connections at \(location.host):\(location.port)"
        }
        return "\(message); \(todo)"
    }

    /// Applies the migrations this database lacks, in one transaction holding the migration lock.
    private static func migrate(_ c: PGConnection, store: String) throws {
        try c.execute("BEGIN")
        do {
            try c.execute("SELECT pg_advisory_xact_lock($1)", [.int(PostgresSchema.migrationLock)])
            let tables = try c.execute("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()")
            let names = Set((0..<tables.count).compactMap { tables.text($0, 0) })
            if !names.contains("schema_migrations") {
                guard names.isEmpty else {
                    throw StoreError(kind: .notAStore, path: store,
                                     detail: "its schema holds other tables (\(names.sorted().prefix(5).joined(separator: ", ")))")
                }
                try c.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            }
            let rows = try c.execute("SELECT version FROM schema_migrations")
            let applied = Set((0..<rows.count).compactMap { rows.text($0, 0) })
            let known = PostgresSchema.migrations.map(\.id)
            if !applied.isEmpty, let first = known.first, !applied.contains(first) {
                throw StoreError(kind: .notAStore, path: store, detail: "its schema_migrations table is another application's")
            }
            let unknown = applied.subtracting(known)
            guard unknown.isEmpty else {
                throw StoreError(kind: .newerSchema, path: store,
                                 detail: "store schema \(unknown.sorted().joined(separator: ", ")), this build knows up to \(PostgresSchema.latest)")
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.id) {
                try c.executeScript(migration.sql)
                try c.execute("INSERT INTO schema_migrations (version) VALUES ($1)", [.text(migration.id)])
            }
            try c.execute("COMMIT")
        } catch {
            _ = try? c.execute("ROLLBACK")
            throw error
        }
    }

    // MARK: Datasets

    public func upsertDataset(name: String, root: String?) throws -> StoredDataset {
        try writing { c in
            let rows = try c.execute("""
                INSERT INTO dataset (name, root) VALUES ($1, $2)
                ON CONFLICT (name) DO UPDATE SET root = excluded.root
                RETURNING id, name, root
                """, [.text(name), .optional(root)])
            guard rows.count == 1 else { throw StoreError(kind: .io, path: self.displayPath, detail: "dataset \(name) was not written") }
            let dataset = try self.dataset(rows, 0)
            try self.logChanges(c, dataset: dataset.id, name: name, paths: nil)
            return dataset
        }
    }

    public func dataset(named name: String) throws -> StoredDataset? {
        try reading { c in
            let rows = try c.execute("SELECT id, name, root FROM dataset WHERE name = $1", [.text(name)])
            return rows.count == 0 ? nil : try self.dataset(rows, 0)
        }
    }

    public func dataset(id: Int64) throws -> StoredDataset? {
        try reading { c in
            let rows = try c.execute("SELECT id, name, root FROM dataset WHERE id = $1", [.int(id)])
            return rows.count == 0 ? nil : try self.dataset(rows, 0)
        }
    }

    public func datasets() throws -> [StoredDataset] {
        try reading { c in
            let rows = try c.execute("SELECT id, name, root FROM dataset ORDER BY name")
            return try (0..<rows.count).map { try self.dataset(rows, $0) }
        }
    }

    @discardableResult
    public func deleteDataset(named name: String) throws -> Bool {
        try writing { c in
            let rows = try c.execute("DELETE FROM dataset WHERE name = $1 RETURNING id", [.text(name)])
            guard rows.count == 1, let id = rows.int64(0, 0) else { return false }
            try self.logChanges(c, dataset: id, name: name, paths: nil)
            return true
        }
    }

    public func summaries() throws -> [DatasetSummary] {
        try reading { c in
            let rows = try c.execute("""
                SELECT d.id, d.name, d.root,
                       count(f.path),
                       count(*) FILTER (WHERE f.digest IS NOT NULL AND c.error IS NULL AND c.code_version IS NOT NULL),
                       count(*) FILTER (WHERE f.path IS NOT NULL AND (f.digest IS NULL OR c.error IS NOT NULL)),
                       count(*) FILTER (WHERE c.error IS NULL AND c.warnings <> '')
                FROM dataset d
                LEFT JOIN file f ON f.dataset_id = d.id
                LEFT JOIN content c ON c.digest = f.digest
                GROUP BY d.id
                ORDER BY d.name
                """)
            return try (0..<rows.count).map { i in
                func n(_ column: Int) -> Int { Int(rows.int64(i, column) ?? 0) }
                return DatasetSummary(dataset: try self.dataset(rows, i), files: n(3), images: n(4), errors: n(5), warned: n(6))
            }
        }
    }

    private func dataset(_ rows: PGRows, _ i: Int) throws -> StoredDataset {
        guard let id = rows.int64(i, 0), let name = rows.text(i, 1) else {
            throw StoreError(kind: .damaged, path: displayPath, detail: "a dataset row has no id or name")
        }
        return StoredDataset(id: id, name: name, root: rows.text(i, 2))
    }

    // MARK: Reading

    public func files(in dataset: Int64) throws -> [StoredFile] { try files(in: dataset, only: nil) }

    public func file(_ path: [UInt8], in dataset: Int64) throws -> StoredFile? { try files(in: dataset, only: path).first }

    private func files(in dataset: Int64, only path: [UInt8]?) throws -> [StoredFile] {
        try reading { c in
            let rows = try c.execute("""
                SELECT f.path, f.size, f.mtime_ns, f.inode, f.digest, f.code_version, f.error,
                       c.code_version, c.error, c.warnings, h.family, h.value, h.quality
                FROM file f
                LEFT JOIN content c ON c.digest = f.digest
                LEFT JOIN content_hash h ON h.digest = f.digest
                WHERE f.dataset_id = $1 \(path == nil ? "" : "AND f.path = $2")
                ORDER BY f.path
                """, path.map { [.int(dataset), .bytes($0)] } ?? [.int(dataset)])
            var files: [StoredFile] = []
            var start = 0
            // The rows of one file (one per hash family) are adjacent: ORDER BY path.
            while start < rows.count {
                guard let filePath = rows.bytes(start, 0) else {
                    throw StoreError(kind: .damaged, path: self.displayPath, detail: "a file row of dataset \(dataset) has no path")
                }
                var end = start + 1
                while end < rows.count, rows.bytes(end, 0) == filePath { end += 1 }
                files.append(try self.file(rows, start..<end, path: filePath))
                start = end
            }
            return files
        }
    }

    private func file(_ rows: PGRows, _ range: Range<Int>, path: [UInt8]) throws -> StoredFile {
        let i = range.lowerBound
        func damaged(_ what: String) -> StoreError {
            StoreError(kind: .damaged, path: displayPath, detail: "the row of file \(String(decoding: path, as: UTF8.self)) \(what)")
        }
        let stat: FileStat?
        if let s = rows.int64(i, 1), let m = rows.int64(i, 2), let n = rows.int64(i, 3) {
            stat = FileStat(size: s, mtimeNs: m, inode: UInt64(bitPattern: n))
        } else if rows.isNull(i, 1), rows.isNull(i, 2), rows.isNull(i, 3) {
            stat = nil
        } else {
            throw damaged("has an incomplete size, mtime and inode")
        }
        guard let fileVersion = rows.text(i, 5) else { throw damaged("has no code version") }
        guard let digestBytes = rows.bytes(i, 4) else {
            guard let message = rows.text(i, 6) else { throw damaged("has neither a digest nor an error") }
            return StoredFile(path: path, stat: stat, digest: nil, codeVersion: fileVersion, outcome: .failed(message))
        }
        guard let digest = ContentDigest(bytes: digestBytes) else { throw damaged("has a digest that is not 32 bytes") }
        guard let contentVersion = rows.text(i, 7) else {
            throw damaged("refers to content \(digest.hex), which is missing")
        }
        var hashes: [String: RawHash] = [:]
        for r in range {
            if let family = rows.text(r, 10) { hashes[family] = RawHash(value: rows.data(r, 11), quality: rows.int64(r, 12)) }
        }
        do {
            let (outcome, families) = try ContentOutcome.decode(error: rows.text(i, 8), warnings: rows.text(i, 9) ?? "",
                                                                hashes: hashes, codeVersion: contentVersion)
            return StoredFile(path: path, stat: stat, digest: digest, codeVersion: contentVersion, outcome: outcome, families: families)
        } catch let problem as RowProblem {
            throw damaged("refers to content \(digest.hex), whose hashes \(problem.text)")
        }
    }

    public func outcome(of digest: ContentDigest, codeVersion: String, families: [HashFamily]) throws -> FileOutcome? {
        try reading { c in
            let rows = try c.execute("""
                SELECT c.error, c.warnings, h.family, h.value, h.quality
                FROM content c LEFT JOIN content_hash h ON h.digest = c.digest
                WHERE c.digest = $1 AND c.code_version = $2
                """, [.bytes(digest.bytes), .text(codeVersion)])
            guard rows.count > 0 else { return nil }
            var hashes: [String: RawHash] = [:]
            for r in 0..<rows.count {
                if let family = rows.text(r, 2) { hashes[family] = RawHash(value: rows.data(r, 3), quality: rows.int64(r, 4)) }
            }
            do {
                let (outcome, stored) = try ContentOutcome.decode(error: rows.text(0, 0), warnings: rows.text(0, 1) ?? "",
                                                                  hashes: hashes, codeVersion: codeVersion)
                if case .hashed = outcome, !families.allSatisfy({ stored.contains($0.id) }) { return nil }
                return outcome
            } catch let problem as RowProblem {
                throw StoreError(kind: .damaged, path: self.displayPath,
                                 detail: "the stored hashes of content \(digest.hex) \(problem.text)")
            }
        }
    }

    public func digestPrefixes(codeVersion: String) throws -> DigestPrefixes {
        try reading { c in
            let rows = try c.execute("SELECT substring(digest FROM 1 FOR 8) FROM content WHERE code_version = $1", [.text(codeVersion)])
            var prefixes = [UInt64]()
            prefixes.reserveCapacity(rows.count)
            for r in 0..<rows.count {
                if let bytes = rows.bytes(r, 0), bytes.count == 8 { prefixes.append(DigestPrefixes.prefix(of: bytes)) }
            }
            prefixes.sort()
            return DigestPrefixes(sorted: prefixes)
        }
    }

    public func familyHashes(in dataset: Int64, family: HashFamily, path: [UInt8]?) throws
        -> [(path: [UInt8], words: [UInt64], quality: Int?)] {
        try reading { c in
            var parameters: [PGValue] = [.text(family.id.rawValue), .int(dataset)]
            if let path { parameters.append(.bytes(path)) }
            let rows = try c.execute("""
                SELECT f.path, h.value, h.quality FROM file f
                JOIN content c ON c.digest = f.digest AND c.error IS NULL
                JOIN content_hash h ON h.digest = f.digest AND h.family = $1
                WHERE f.dataset_id = $2 \(path == nil ? "" : "AND f.path = $3")
                ORDER BY f.path
                """, parameters)
            var out = [(path: [UInt8], words: [UInt64], quality: Int?)]()
            out.reserveCapacity(rows.count)
            for r in 0..<rows.count {
                guard let path = rows.bytes(r, 0), let blob = rows.data(r, 1),
                      let words = HashBlob.decode(blob, count: family.wordsPerHash) else {
                    throw StoreError(kind: .damaged, path: self.displayPath,
                                     detail: "a \(family.id) hash row of dataset \(dataset) is not \(family.wordsPerHash) words")
                }
                var quality: Int? = nil
                if let q = rows.int64(r, 2) { quality = Int(q) }
                out.append((path, words, quality))
            }
            return out
        }
    }

    /// As `HashStore.variants`: by path, only files whose content has every family's variants.
    public func variants(in dataset: Int64, families: [HashFamily]) throws -> [[UInt8]: DihedralHashes] {
        try reading { c in
            let rows = try c.execute("""
                SELECT f.path, v.family, v.value
                FROM file f JOIN content_variant v ON v.digest = f.digest
                WHERE f.dataset_id = $1
                """, [.int(dataset)])
            var found = [[UInt8]: DihedralHashes]()
            let count = Dihedral.allCases.count
            for r in 0..<rows.count {
                guard let path = rows.bytes(r, 0), let name = rows.text(r, 1),
                      let family = families.first(where: { $0.id.rawValue == name }) else { continue }
                guard let blob = rows.data(r, 2), let words = HashBlob.decode(blob, count: count * family.wordsPerHash) else {
                    throw StoreError(kind: .damaged, path: self.displayPath,
                                     detail: "the stored \(name) variants of a file of dataset \(dataset) are not \(count) hashes")
                }
                let variants = (0..<count).map { Array(words[($0 * family.wordsPerHash)..<(($0 + 1) * family.wordsPerHash)]) }
                found[path, default: DihedralHashes()].variants[family.id] = variants
            }
            return found.filter { _, v in families.allSatisfy { v.variants[$0.id] != nil } }
        }
    }

    public func hasVariants(_ digest: ContentDigest, families: [HashFamily]) throws -> Bool {
        try reading { c in
            let rows = try c.execute("SELECT family FROM content_variant WHERE digest = $1", [.bytes(digest.bytes)])
            let stored = Set((0..<rows.count).compactMap { rows.text($0, 0) })
            // As the SQLite store counts: the asked families found, against how many were asked.
            return stored.intersection(families.map(\.id.rawValue)).count == families.count
        }
    }

    // MARK: Writing

    /// As `HashStore.apply`: the file rows, their contents and hashes (and list entries) in one
    /// transaction, refused with `.datasetMissing` when the dataset is gone or no longer wanted.
    public func apply(_ changes: [FileChange], to dataset: Int64, list: (family: HashFamily, entries: [HashListEntry])?,
                      stillWanted: (() -> Bool)?) throws {
        for change in changes where change.digest == nil {
            if case .hashed = change.outcome {
                preconditionFailure("programmer error: a hashed file change needs the content digest")
            }
        }
        guard !changes.isEmpty || !(list?.entries.isEmpty ?? true) else { return }
        try writing { c in
            // FOR KEY SHARE: a concurrent delete of the dataset waits for this transaction (and
            // this one fails cleanly if the delete came first).
            guard try c.execute("SELECT 1 FROM dataset WHERE id = $1 FOR KEY SHARE", [.int(dataset)]).count == 1,
                  stillWanted?() ?? true else {
                throw StoreError(kind: .datasetMissing, path: self.displayPath,
                                 detail: "dataset \(dataset) does not exist (was it deleted by another crosshash?)")
            }
            for change in changes {
                var fileError: String?
                var digestValue: PGValue = .null
                if let digest = change.digest {
                    let d = PGValue.bytes(digest.bytes)
                    digestValue = d
                    let error: String?
                    let warnings: [String]
                    switch change.outcome {
                    case .hashed(_, let w): error = nil; warnings = w
                    case .failed(let message): error = message; warnings = []
                    }
                    // New, or replaced because another code version wrote it: RETURNING gives a row.
                    let replaced = try c.execute("""
                        INSERT INTO content (digest, code_version, error, warnings) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (digest) DO UPDATE SET
                            code_version = excluded.code_version, error = excluded.error, warnings = excluded.warnings
                        WHERE content.code_version <> excluded.code_version
                        RETURNING 1
                        """, [d, .text(change.codeVersion), .optional(error), .text(WarningsText.encode(warnings))]).count > 0
                    if replaced {
                        try c.execute("DELETE FROM content_hash WHERE digest = $1", [d])
                        try c.execute("DELETE FROM content_variant WHERE digest = $1", [d])
                    }
                    if case .hashed = change.outcome, let variants = change.variants {
                        for (family, words) in variants.variants.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                            try c.execute("""
                                INSERT INTO content_variant (digest, family, value) VALUES ($1, $2, $3)
                                ON CONFLICT (digest, family) DO UPDATE SET value = excluded.value
                                """, [d, .text(family.rawValue), .data(HashBlob.encode(words.flatMap { $0 }))])
                        }
                    }
                    if case .hashed(let hashes, _) = change.outcome {
                        // A content stored before by the same code version keeps its rows; a run
                        // that computed an optional family (PDQ) the row lacks adds it.
                        for family in change.families where replaced || !HashFamily.all.contains(family) {
                            try c.execute("""
                                INSERT INTO content_hash (digest, family, value, quality) VALUES ($1, $2, $3, $4)
                                ON CONFLICT (digest, family) DO NOTHING
                                """, [d, .text(family.id.rawValue), .data(HashBlob.encode(family.words(of: hashes))),
                                      .optional(family.quality(of: hashes).map { Int64($0) })])
                        }
                    }
                } else if case .failed(let message) = change.outcome {
                    fileError = message
                }
                try c.execute("""
                    INSERT INTO file (dataset_id, path, size, mtime_ns, inode, digest, code_version, error)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    ON CONFLICT (dataset_id, path) DO UPDATE SET
                        size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode,
                        digest = excluded.digest, code_version = excluded.code_version, error = excluded.error
                    """, [.int(dataset), .bytes(change.path), .optional(change.stat?.size), .optional(change.stat?.mtimeNs),
                          .optional(change.stat.map { Int64(bitPattern: $0.inode) }), digestValue, .text(change.codeVersion),
                          .optional(fileError)])
            }
            if let list, !list.entries.isEmpty {
                try self.insertListEntries(c, list.entries, family: list.family, dataset: dataset)
            }
            try self.logChanges(c, dataset: dataset, paths: changes.map(\.path) + (list?.entries.map(\.id) ?? []))
        }
    }

    /// As the SQLite store writes hash-list entries: a file row named by the ID, a content named
    /// by the hash (and its quality), one hash row.
    /// Returns how many replaced a file row with the same ID.
    @discardableResult
    func insertListEntries(_ c: PGConnection, _ entries: [HashListEntry], family: HashFamily, dataset: Int64) throws -> Int {
        var replaced = 0
        for entry in entries {
            let digest = PGValue.bytes(entry.contentDigest(family).bytes)
            try c.execute("""
                INSERT INTO content (digest, code_version, error, warnings) VALUES ($1, $2, NULL, '')
                ON CONFLICT (digest) DO NOTHING
                """, [digest, .text(HashStore.hashListVersion)])
            try c.execute("""
                INSERT INTO content_hash (digest, family, value, quality) VALUES ($1, $2, $3, $4)
                ON CONFLICT (digest, family) DO NOTHING
                """, [digest, .text(family.id.rawValue), .data(HashBlob.encode(entry.words)), .optional(entry.quality.map { Int64($0) })])
            let rows = try c.execute("""
                INSERT INTO file (dataset_id, path, size, mtime_ns, inode, digest, code_version, error)
                VALUES ($1, $2, NULL, NULL, NULL, $3, $4, NULL)
                ON CONFLICT (dataset_id, path) DO UPDATE SET
                    size = NULL, mtime_ns = NULL, inode = NULL, digest = excluded.digest,
                    code_version = excluded.code_version, error = NULL
                RETURNING CASE WHEN xmax = 0 THEN 0 ELSE 1 END
                """, [.int(dataset), .bytes(entry.id), digest, .text(HashStore.hashListVersion)])
            // xmax is 0 on a row this statement inserted, the updating transaction's id on one it replaced.
            replaced += Int(rows.int64(0, 0) ?? 0)
        }
        return replaced
    }

    public func removeFiles(_ paths: [[UInt8]], from dataset: Int64, stillWanted: (() -> Bool)?) throws {
        guard !paths.isEmpty else { return }
        try writing { c in
            guard stillWanted?() ?? true else {
                throw StoreError(kind: .datasetMissing, path: self.displayPath, detail: "dataset \(dataset) is no longer wanted")
            }
            for path in paths {
                try c.execute("DELETE FROM file WHERE dataset_id = $1 AND path = $2", [.int(dataset), .bytes(path)])
            }
            // A dataset deleted meanwhile logged itself; its files need no rows of their own.
            if try c.execute("SELECT 1 FROM dataset WHERE id = $1", [.int(dataset)]).count == 1 {
                try self.logChanges(c, dataset: dataset, paths: paths)
            }
        }
    }

    // MARK: Plumbing

    var displayPath: String { location.displayURL }

    /// Runs `body` on a pooled connection outside any explicit transaction (each statement sees a
    /// consistent snapshot; the readers above are one statement each).
    func reading<T>(_ body: (PGConnection) throws -> T) throws -> T {
        do {
            return try pool.with(body)
        } catch {
            throw Self.wrap(error, path: displayPath)
        }
    }

    /// Runs `body` in one transaction, again (up to 5 times) when it loses a deadlock or a
    /// serialisation race (nothing of it was kept).
    func writing<T>(_ body: (PGConnection) throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try pool.with { c in
                    try c.execute("BEGIN")
                    do {
                        let value = try body(c)
                        try c.execute("COMMIT")
                        return value
                    } catch {
                        _ = try? c.execute("ROLLBACK")
                        throw error
                    }
                }
            } catch let error as PGError where error.isRetryable && attempt < 4 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.01 * Double(attempt))
            } catch {
                throw Self.wrap(error, path: displayPath)
            }
        }
    }

    /// Any error as a `StoreError` for this store, as the SQLite store maps SQLite's codes.
    static func wrap(_ error: Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? PGError else { return StoreError(kind: .io, path: path, detail: String(describing: error)) }
        switch error.sqlstate {
        case "53100": return StoreError(kind: .full, path: path, detail: error.description)
        case "XX001", "XX002": return StoreError(kind: .damaged, path: path, detail: error.description)
        case let s where s.isEmpty || s.hasPrefix("08") || s.hasPrefix("28"):
            return StoreError(kind: .cannotOpen, path: path, detail: error.description)
        default: return StoreError(kind: .io, path: path, detail: error.description)
        }
    }
}
