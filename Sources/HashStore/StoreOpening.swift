import Foundation
import GRDB

/// The checks made before a store file is opened for writing. They use a read-only connection, so
/// a file that is not ours, is newer than this build or is damaged is never written to: opening it
/// for writing would already switch it to WAL and run migrations.
enum StoreOpening {
    /// The connection settings of every store connection.
    static func configuration(readonly: Bool = false) -> Configuration {
        var config = Configuration()
        config.label = "crosshash.store"
        config.readonly = readonly
        config.foreignKeysEnabled = true
        // Another crosshash process may hold the write lock for a batch commit, or the read lock
        // while it checks the file: wait for it rather than fail.
        config.busyMode = .timeout(30)
        // Many decoder threads look up digests at once; each reader is one connection.
        config.maximumReaderCount = max(5, ProcessInfo.processInfo.activeProcessorCount)
        if !readonly {
            // In WAL mode NORMAL loses at most the last commits on power loss, never consistency,
            // and saves an fsync per commit.
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // Digests are random keys, so a batch touches pages all over the content tables;
                // with SQLite's default 2 MB page cache a 100k-file store re-reads pages for every
                // batch. 32 MB for the one writer (readers look up single rows and keep the default).
                if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -32768") }
            }
        }
        return config
    }

    /// Throws a `StoreError` unless the existing, non-empty file at `path` is a crosshash store of a
    /// schema this build knows (or an SQLite database with nothing in it), without writing to it.
    /// `fullCheck`: the size (main file and WAL) up to which every page is checked (see `check`).
    static func inspect(_ path: String, fullCheck: Int64 = fullCheckBytes) throws {
        let header: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            header = try handle.read(upToCount: SchemaHeader.count) ?? Data()
        } catch {
            throw StoreError(kind: .cannotOpen, path: path, detail: "cannot read it: \(error.localizedDescription)")
        }
        // An empty main file with a WAL beside it is a store whose creation was interrupted:
        // SQLite reads the WAL, so let the checks below run on it.
        if !header.isEmpty, Array(header) != StoreSchema.sqliteMagic {
            throw StoreError(kind: .notAStore, path: path, detail: "it is not an SQLite database")
        }

        // SQLite errors are thrown as they are: the caller retries on SQLITE_BUSY.
        let queue = try DatabaseQueue(path: path, configuration: configuration(readonly: true))
        defer { try? queue.close() }
        try queue.read { db in try check(db, path: path, fullCheck: fullCheck) }
    }

    /// Runs `open` again while SQLite answers SQLITE_BUSY, for up to `timeout` seconds, and turns
    /// any other error into a `StoreError`. Needed because SQLite does not wait on its busy
    /// handler everywhere: `PRAGMA journal_mode = WAL` (run by every new `DatabasePool`) fails at
    /// once while another process is creating or switching the same file.
    static func retryingWhileBusy<T>(path: String, timeout: TimeInterval = 30, _ open: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        var pause: TimeInterval = 0.001
        while true {
            do {
                return try open()
            } catch let error as DatabaseError
                        where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && Date() < deadline {
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 0.1)
            } catch {
                throw StoreError.wrapping(error, path: path)
            }
        }
    }

    private enum SchemaHeader { static let count = 16 }

    private static func check(_ db: Database, path: String, fullCheck: Int64) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let tables = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
            """)
        let migrator = StoreSchema.migrator
        let applied = tables.contains("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
        let unknown = applied.subtracting(migrator.migrations)
        if applicationID != StoreSchema.applicationID {
            if applicationID != 0 {
                let hex = String(UInt32(bitPattern: applicationID), radix: 16)
                throw StoreError(kind: .notAStore, path: path,
                                 detail: "it is an SQLite database of another application, application_id 0x\(hex)")
            }
            // Another process creating the store: GRDB creates its (empty) grdb_migrations table
            // just before migration v1, which sets the application id with the tables.
            let beingCreated = tables == ["grdb_migrations"] && unknown.isEmpty
            if !tables.isEmpty && !beingCreated {
                throw StoreError(kind: .notAStore, path: path, detail: "it is an SQLite database with other tables")
            }
            return  // an SQLite database with nothing of anyone in it: ours to initialise
        }

        if !unknown.isEmpty {
            throw StoreError(kind: .newerSchema, path: path,
                             detail: "store schema \(unknown.sorted().joined(separator: ", ")), this build knows up to \(StoreSchema.latest)")
        }

        // Page-level damage: quick_check reads every page (but skips the slow index cross-checks).
        // That is a minute on a 4 GB store (10M images), where the service's start then reads the
        // same pages again: a store over `fullCheck` bytes has every table but the bulk ones
        // checked here, and the bulk ones (`bulkTables`) are checked as they are read (SQLite
        // reports a damaged page it reads, a `.damaged` StoreError; the service's start reads
        // every page of the hashes, the contents and the files' digest index).
        var problems = [String]()
        if HashStore.fileSize(path) + HashStore.fileSize(path + "-wal") <= fullCheck {
            problems = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        } else {
            for table in tables.sorted() where !bulkTables.contains(table) && problems.count < 5 {
                let found = try String.fetchAll(db, sql: "PRAGMA quick_check(\(table.quotedDatabaseIdentifier))")
                if found != ["ok"] { problems += found.prefix(5 - problems.count) }
            }
            if problems.isEmpty { problems = ["ok"] }
        }
        if problems != ["ok"] {
            throw StoreError(kind: .damaged, path: path, detail: problems.joined(separator: "; "))
        }
    }

    /// The size (main file and WAL) up to which opening a store checks every page.
    static let fullCheckBytes: Int64 = 1 << 30

    /// The tables that grow with the images (a row or more per file and content): not checked
    /// at the opening of a store over `fullCheckBytes`.
    static let bulkTables: Set<String> = ["file", "content", "content_hash", "content_variant"]

}
