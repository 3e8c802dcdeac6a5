import Foundation
import GRDB
import GRDBSQLite

/// A write statement run many times in one transaction with its values bound straight through
/// SQLite's C API: no `StatementArguments` array of `DatabaseValue`s per row and no argument
/// validation per run (the bulk writes of `HashStore.apply` run a few statements 5,000 times a
/// request, and that boxing was a large part of their cost). The statement comes from GRDB
/// (`cachedStatement`), so GRDB still owns and finalizes it; it must be used inside the
/// transaction (`HashStore.writing`) that made it, on that connection, with every parameter bound
/// before each `run` (a parameter not bound again keeps its last value).
struct BoundStatement {
    let statement: Statement
    private var handle: SQLiteStatement { statement.sqliteStatement }

    init(_ statement: Statement) { self.statement = statement }

    /// SQLite copies the bytes (they are small: keys, digests, hashes).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int?) { bind(index, value.map(Int64.init)) }

    func bind(_ index: Int32, _ value: String?) {
        guard var value else { sqlite3_bind_null(handle, index); return }
        value.withUTF8 { text in
            guard let base = text.baseAddress, !text.isEmpty else {
                // '' (not NULL): SQLite wants a pointer even for no bytes.
                sqlite3_bind_text(handle, index, "", 0, Self.transient)
                return
            }
            base.withMemoryRebound(to: CChar.self, capacity: text.count) { chars in
                _ = sqlite3_bind_text(handle, index, chars, Int32(text.count), Self.transient)
            }
        }
    }

    func bind(_ index: Int32, blob bytes: some ContiguousBytes) {
        _ = bytes.withUnsafeBytes { raw in
            // A zero-length blob is X'' (not NULL), as GRDB binds it.
            if raw.isEmpty {
                return sqlite3_bind_zeroblob(handle, index, 0)
            }
            return sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), Self.transient)
        }
    }

    func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    /// Runs the statement once with the values bound; returns the rows it changed.
    @discardableResult
    func run(_ db: Database) throws -> Int {
        defer { sqlite3_reset(handle) }
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE: return db.changesCount
            case SQLITE_ROW: continue
            case let code:
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
            }
        }
    }
}
