import Foundation
import GRDB

/// Report artifacts (thumbnails, charts) cached in the store. A key names what the artifact
/// shows and how it was made (the report code builds it), so a stored artifact is never stale:
/// other input means another key.
extension HashStore {
    /// nil when the key is unknown, or its row does not hold bytes (then it is drawn again).
    public func artifact(_ key: String) throws -> [UInt8]? {
        try reading { db in
            try Row.fetchOne(db, sql: "SELECT bytes FROM artifact WHERE key = ?", arguments: [key])?.cell(0).blob.map { [UInt8]($0) }
        }
    }

    public func storeArtifact(_ key: String, _ bytes: [UInt8]) throws {
        try storeArtifacts([(key, bytes)])
    }

    /// Stores many artifacts in one transaction.
    public func storeArtifacts(_ items: [(key: String, bytes: [UInt8])]) throws {
        guard !items.isEmpty else { return }
        try writing { db in
            let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO artifact (key, bytes) VALUES (?, ?)")
            for item in items { try insert.execute(arguments: [item.key, Data(item.bytes)]) }
        }
    }
}
