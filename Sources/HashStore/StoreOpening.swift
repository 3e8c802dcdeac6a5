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
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        return config
    }

    /// Throws a `StoreError` unless the existing, non-empty file at `path` is a crosshash store of a
    /// schema this build knows (or an SQLite database with nothing in it), without writing to it.
    static func inspect(_ path: String) throws {
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

        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration(readonly: true))
        } catch {
            throw StoreError.wrapping(error, path: path)
        }
        defer { try? queue.close() }
        do {
            try queue.read { db in try check(db, path: path) }
        } catch {
            throw StoreError.wrapping(error, path: path)
        }
    }

    private enum SchemaHeader { static let count = 16 }

    private static func check(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let tables = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
            """) ?? 0
        if applicationID != StoreSchema.applicationID {
            if applicationID != 0 {
                let hex = String(UInt32(bitPattern: applicationID), radix: 16)
                throw StoreError(kind: .notAStore, path: path,
                                 detail: "it is an SQLite database of another application, application_id 0x\(hex)")
            }
            if tables > 0 {
                throw StoreError(kind: .notAStore, path: path, detail: "it is an SQLite database with other tables")
            }
            return  // an SQLite database with nothing in it: ours to initialise
        }

        let known = Set(StoreSchema.migrator.migrations)
        let unknown = try StoreSchema.migrator.appliedIdentifiers(db).subtracting(known)
        if !unknown.isEmpty {
            throw StoreError(kind: .newerSchema, path: path,
                             detail: "store schema \(unknown.sorted().joined(separator: ", ")), this build knows up to \(StoreSchema.latest)")
        }

        // Page-level damage: quick_check reads every page (but skips the slow index cross-checks).
        let problems = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        if problems != ["ok"] {
            throw StoreError(kind: .damaged, path: path, detail: problems.joined(separator: "; "))
        }
    }
}
