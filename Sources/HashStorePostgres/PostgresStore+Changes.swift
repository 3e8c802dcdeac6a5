import Foundation
import HashStore

// The change log (migration v3-change-log): written by every write in its own transaction,
// read by the services sharing the database.
extension PostgresStore: StoreChangeLog {
    /// Appends the keys a write touched, last in its transaction: takes `changeLock` (held to
    /// the commit, so seqs commit in order), writes one row per key and notifies the channel
    /// (delivered at commit). `paths` nil: the dataset itself.
    func logChanges(_ c: PGConnection, dataset: Int64, name: String? = nil, paths: [[UInt8]]?) throws {
        try c.execute("SELECT pg_advisory_xact_lock($1)", [.int(PostgresSchema.changeLock)])
        let name = try name ?? {
            let rows = try c.execute("SELECT name FROM dataset WHERE id = $1", [.int(dataset)])
            guard rows.count == 1, let name = rows.text(0, 0) else {
                throw StoreError(kind: .datasetMissing, path: self.displayPath, detail: "dataset \(dataset) does not exist")
            }
            return name
        }()
        if let paths {
            for path in paths {
                try c.execute("INSERT INTO change_log (dataset_id, dataset, path) VALUES ($1, $2, $3)",
                              [.int(dataset), .text(name), .bytes(path)])
            }
        } else {
            try c.execute("INSERT INTO change_log (dataset_id, dataset, path) VALUES ($1, $2, NULL)", [.int(dataset), .text(name)])
        }
        try c.execute("SELECT pg_notify($1, '')", [.text(PostgresSchema.changeChannel)])
    }

    /// The last committed change's seq (0 for none): a reader that loads the store records it
    /// first, then applies every change after it.
    public func lastChangeSeq() throws -> Int64 {
        try reading { c in
            let rows = try c.execute("SELECT COALESCE(max(seq), 0)::bigint FROM change_log")
            return rows.int64(0, 0) ?? 0
        }
    }

    /// The changes after `seq`, oldest first, at most `limit`.
    public func changes(after seq: Int64, limit: Int = 10_000) throws -> [StoreChange] {
        try reading { c in
            let rows = try c.execute("SELECT seq, dataset_id, dataset, path FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                                     [.int(seq), .int(Int64(limit))])
            return try (0..<rows.count).map { i in
                guard let seq = rows.int64(i, 0), let id = rows.int64(i, 1), let name = rows.text(i, 2) else {
                    throw StoreError(kind: .damaged, path: self.displayPath, detail: "a change_log row lacks its seq, dataset id or name")
                }
                return StoreChange(seq: seq, datasetID: id, dataset: name, path: rows.isNull(i, 3) ? nil : rows.bytes(i, 3))
            }
        }
    }
}
