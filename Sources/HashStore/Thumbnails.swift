import Foundation
import GRDB
import HashKit

/// The service's thumbnail cache: JPEG bytes by the content digest of the picture they show and
/// a variant string naming how they were made. Bounded in bytes: storing one drops the oldest
/// rows (by when they were stored) until the table holds at most `maxBytes`.
extension HashStore {
    /// The default bound of the thumbnail cache: 256 MiB, about 15,000 thumbnails of 256 px.
    public static let defaultThumbnailCacheBytes = 256 << 20

    public func thumbnail(_ digest: ContentDigest, variant: String) throws -> [UInt8]? {
        try reading { db in
            try Row.fetchOne(db, sql: "SELECT bytes FROM thumbnail WHERE digest = ? AND variant = ?",
                             arguments: [Data(digest.bytes), variant])?.cell(0).blob.map { [UInt8]($0) }
        }
    }

    /// Stores a thumbnail, then drops the oldest ones while the cache holds more than `maxBytes`
    /// (the one just stored is kept even when it alone is larger).
    public func storeThumbnail(_ digest: ContentDigest, variant: String, _ bytes: [UInt8], maxBytes: Int) throws {
        try writing { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO thumbnail (digest, variant, bytes, size, stored)
                VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(stored), 0) + 1 FROM thumbnail))
                """, arguments: [Data(digest.bytes), variant, Data(bytes), bytes.count])
            var total = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM thumbnail") ?? 0
            guard total > maxBytes else { return }
            let oldest = try Row.fetchCursor(db, sql: "SELECT digest, variant, size FROM thumbnail ORDER BY stored")
            var doomed = [(Data, String)]()
            // At least one row (the newest) stays: the cursor stops before it.
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM thumbnail") ?? 0
            while total > maxBytes, doomed.count < count - 1, let row = try oldest.next() {
                guard let d = row.cell(0).blob, let v = row.cell(1).text else { break }
                doomed.append((d, v))
                total -= Int(row.cell(2).int64 ?? 0)
            }
            let delete = try db.cachedStatement(sql: "DELETE FROM thumbnail WHERE digest = ? AND variant = ?")
            for (d, v) in doomed { try delete.execute(arguments: [d, v]) }
        }
    }

    /// Thumbnails cached and their bytes (for tests and the operator).
    public func thumbnailCacheUsage() throws -> (count: Int, bytes: Int) {
        try reading { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM thumbnail")
            return (Int(row?.cell(0).int64 ?? 0), Int(row?.cell(1).int64 ?? 0))
        }
    }
}
