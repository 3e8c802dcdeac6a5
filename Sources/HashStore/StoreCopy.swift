import Foundation

// `crosshash store copy FROM TO`: every row of one store into another, of either backend. The
// two backends hold the same tables with the same columns and the same values (paths, digests
// and hashes as the same bytes: docs/postgres-store.md), so a copy is a row copy, table by
// table, not a re-encoding through the typed API (which reads some rows as what they mean, not
// as they are: a hash-list entry, a row of an older code version).

/// One column value as both backends store it.
public enum StoreValue: Equatable, Sendable {
    case null
    case int(Int64)
    case text(String)
    case bytes([UInt8])
}

/// A column's type, so a backend reads each value as what it is and binds it as such.
public enum StoreColumnType: Sendable {
    case int, text, bytes
}

/// One table of the store as a copy sees it: its columns in order, and the key columns rows
/// are read in (so two copies read the same order).
public struct StoreTable: Sendable {
    public let name: String
    public let columns: [(name: String, type: StoreColumnType)]
    public let key: [String]

    /// Every table, parents first (a file's dataset and content exist before it). Ids (dataset,
    /// review) and thumbnail ages are copied as they are, so references and order hold.
    public static let all: [StoreTable] = [
        StoreTable(name: "dataset", columns: [("id", .int), ("name", .text), ("root", .text)], key: ["id"]),
        StoreTable(name: "content", columns: [("digest", .bytes), ("code_version", .text), ("error", .text), ("warnings", .text)],
                   key: ["digest"]),
        StoreTable(name: "content_hash", columns: [("digest", .bytes), ("family", .text), ("value", .bytes), ("quality", .int)],
                   key: ["digest", "family"]),
        StoreTable(name: "content_variant", columns: [("digest", .bytes), ("family", .text), ("value", .bytes)],
                   key: ["digest", "family"]),
        StoreTable(name: "file", columns: [("dataset_id", .int), ("path", .bytes), ("size", .int), ("mtime_ns", .int), ("inode", .int),
                                           ("digest", .bytes), ("code_version", .text), ("error", .text)],
                   key: ["dataset_id", "path"]),
        StoreTable(name: "review", columns: [("id", .int), ("digest_lo", .bytes), ("digest_hi", .bytes), ("decision", .text),
                                             ("note", .text), ("updated", .text), ("a_dataset", .text), ("a_file", .bytes),
                                             ("a_digest", .bytes), ("b_dataset", .text), ("b_file", .bytes), ("b_digest", .bytes)],
                   key: ["id"]),
        StoreTable(name: "artifact", columns: [("key", .text), ("bytes", .bytes)], key: ["key"]),
        StoreTable(name: "thumbnail", columns: [("digest", .bytes), ("variant", .text), ("bytes", .bytes), ("size", .int), ("stored", .int)],
                   key: ["stored", "digest", "variant"]),
    ]

    /// "a, b, c": the column list of a statement (names are these constants, never input).
    public var columnList: String { columns.map(\.name).joined(separator: ", ") }
}

/// The row-level access a copy needs; every backend gives it.
public protocol StoreRowCopying {
    /// Whether the store holds no row of any table (a copy writes only into an empty store).
    func holdsNoRows() throws -> Bool
    /// The rows of `table` in key order, `batch` at a time, from one consistent snapshot.
    func readRows(of table: StoreTable, batch: Int, _ body: ([[StoreValue]]) throws -> Void) throws
    /// Writes `rows` (values in `table.columns` order) in one transaction.
    func insertRows(_ rows: [[StoreValue]], into table: StoreTable) throws
    /// After the last row: whatever the backend draws numbers from (identities, sequences) moves
    /// past the copied values, so the next dataset, review or thumbnail gets a fresh one.
    func finishCopiedRows() throws
}

/// Why a copy cannot start.
public struct StoreCopyError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a copy did: rows per table, in `StoreTable.all` order.
public struct StoreCopySummary: Equatable, Sendable {
    public var rows: [(table: String, count: Int)] = []
    public static func == (a: Self, b: Self) -> Bool { a.rows.elementsEqual(b.rows) { $0.table == $1.table && $0.count == $1.count } }
}

public enum StoreCopy {
    /// Rows per read and per write transaction.
    public static let batch = 2_000

    /// Copies every row of `source` into `target`, which must hold none. `progress(table, rows)`
    /// after each batch. A copy that fails part way leaves `target` partly written: it is a new,
    /// empty store by the check above, so the message says to empty it and copy again.
    public static func copy(from source: any HashStoring, to target: any HashStoring,
                            progress: (String, Int) -> Void = { _, _ in }) throws -> StoreCopySummary {
        guard let from = source as? StoreRowCopying, let to = target as? StoreRowCopying else {
            throw StoreCopyError("this store backend cannot be copied row by row")
        }
        guard try to.holdsNoRows() else {
            throw StoreCopyError("the target store \(target.path ?? "(memory)") is not empty: a copy writes only into an empty store "
                                 + "(a new SQLite file, or a new PostgreSQL database: createdb NAME)")
        }
        var summary = StoreCopySummary()
        for table in StoreTable.all {
            var count = 0
            try from.readRows(of: table, batch: batch) { rows in
                try to.insertRows(rows, into: table)
                count += rows.count
                progress(table.name, count)
            }
            summary.rows.append((table.name, count))
        }
        try to.finishCopiedRows()
        return summary
    }
}
