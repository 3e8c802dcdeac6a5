import Foundation
import HashStore

// The PostgreSQL store's side of `StoreCopy`: rows read and written as they are.
extension PostgresStore: StoreRowCopying {
    public func holdsNoRows() throws -> Bool {
        try reading { c in
            for table in StoreTable.all where try c.execute("SELECT 1 FROM \(table.name) LIMIT 1").count > 0 {
                return false
            }
            return true
        }
    }

    public func readRows(of table: StoreTable, batch: Int, _ body: ([[StoreValue]]) throws -> Void) throws {
        try streaming("SELECT \(table.columnList) FROM \(table.name) ORDER BY \(table.key.joined(separator: ", "))", [],
                      batch: batch) { rows in
            var out: [[StoreValue]] = []
            out.reserveCapacity(rows.count)
            for i in 0..<rows.count {
                var values: [StoreValue] = []
                for (index, column) in table.columns.enumerated() {
                    if rows.isNull(i, index) { values.append(.null); continue }
                    switch column.type {
                    case .int: guard let v = rows.int64(i, index) else { throw damaged(table, column.name) }; values.append(.int(v))
                    case .text: guard let v = rows.text(i, index) else { throw damaged(table, column.name) }; values.append(.text(v))
                    case .bytes: guard let v = rows.bytes(i, index) else { throw damaged(table, column.name) }; values.append(.bytes(v))
                    }
                }
                out.append(values)
            }
            try body(out)
        }
    }

    public func insertRows(_ rows: [[StoreValue]], into table: StoreTable) throws {
        // INTEGER columns (quality, size) take an int8 parameter through an explicit cast.
        let placeholders = table.columns.enumerated().map { i, column in column.type == .int ? "$\(i + 1)::bigint" : "$\(i + 1)" }
        let sql = "INSERT INTO \(table.name) (\(table.columnList)) VALUES (\(placeholders.joined(separator: ", ")))"
        try writing { c in
            for row in rows {
                _ = try c.execute(sql, row.map { value -> PGValue in
                    switch value {
                    case .null: return .null
                    case .int(let v): return .int(v)
                    case .text(let v): return .text(v)
                    case .bytes(let v): return .bytes(v)
                    }
                })
            }
        }
    }

    /// Identities and the thumbnail age sequence move past the copied values.
    public func finishCopiedRows() throws {
        try writing { c in
            _ = try c.execute("SELECT setval(pg_get_serial_sequence('dataset', 'id'), COALESCE((SELECT max(id) FROM dataset), 0) + 1, false)")
            _ = try c.execute("SELECT setval(pg_get_serial_sequence('review', 'id'), COALESCE((SELECT max(id) FROM review), 0) + 1, false)")
            _ = try c.execute("SELECT setval('thumbnail_stored', COALESCE((SELECT max(stored) FROM thumbnail), 0) + 1, false)")
        }
    }

    private func damaged(_ table: StoreTable, _ column: String) -> StoreError {
        StoreError(kind: .damaged, path: displayPath, detail: "a \(table.name) row has a \(column) value of the wrong type")
    }
}
