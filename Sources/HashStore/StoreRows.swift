import Foundation
import GRDB

// The SQLite store's side of `StoreCopy`: rows read and written as they are.
extension HashStore: StoreRowCopying {
    public func holdsNoRows() throws -> Bool {
        try reading { db in
            for table in StoreTable.all {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM \(table.name) LIMIT 1") != nil { return false }
            }
            return true
        }
    }

    public func readRows(of table: StoreTable, batch: Int, _ body: ([[StoreValue]]) throws -> Void) throws {
        try reading { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT \(table.columnList) FROM \(table.name) ORDER BY \(table.key.joined(separator: ", "))")
            var pending: [[StoreValue]] = []
            while let row = try rows.next() {
                var values: [StoreValue] = []
                for (index, column) in table.columns.enumerated() {
                    let value = row.cell(index)
                    if value.isNull { values.append(.null); continue }
                    switch column.type {
                    case .int: guard let v = value.int64 else { throw damaged(table, column.name) }; values.append(.int(v))
                    case .text: guard let v = value.text else { throw damaged(table, column.name) }; values.append(.text(v))
                    case .bytes: guard let v = value.blob else { throw damaged(table, column.name) }; values.append(.bytes([UInt8](v)))
                    }
                }
                pending.append(values)
                if pending.count == batch {
                    try body(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { try body(pending) }
        }
    }

    public func insertRows(_ rows: [[StoreValue]], into table: StoreTable) throws {
        try writing { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO \(table.name) (\(table.columnList)) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))
                """)
            for row in rows {
                try statement.execute(arguments: StatementArguments(row.map { value -> DatabaseValueConvertible? in
                    switch value {
                    case .null: return nil
                    case .int(let v): return v
                    case .text(let v): return v
                    case .bytes(let v): return Data(v)
                    }
                }))
            }
        }
    }

    /// SQLite draws new ids from the largest in the table: nothing to move.
    public func finishCopiedRows() throws {}

    private func damaged(_ table: StoreTable, _ column: String) -> StoreError {
        StoreError(kind: .damaged, path: displayPath, detail: "a \(table.name) row has a \(column) value of the wrong type")
    }
}
