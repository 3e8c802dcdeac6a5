import Foundation
import HashKit
import HashStore

// Report artifacts and the service's bounded thumbnail cache: as the SQLite store's
// (Artifacts.swift, Thumbnails.swift).
extension PostgresStore {
    public func artifact(_ key: String) throws -> [UInt8]? {
        try reading { c in
            let rows = try c.execute("SELECT bytes FROM artifact WHERE key = $1", [.text(key)])
            return rows.count == 0 ? nil : rows.bytes(0, 0)
        }
    }

    public func storeArtifact(_ key: String, _ bytes: [UInt8]) throws {
        try storeArtifacts([(key, bytes)])
    }

    public func storeArtifacts(_ items: [(key: String, bytes: [UInt8])]) throws {
        guard !items.isEmpty else { return }
        try writing { c in
            for item in items {
                try c.execute("""
                    INSERT INTO artifact (key, bytes) VALUES ($1, $2)
                    ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes
                    """, [.text(item.key), .bytes(item.bytes)])
            }
        }
    }

    public func thumbnail(_ digest: ContentDigest, variant: String) throws -> [UInt8]? {
        try reading { c in
            let rows = try c.execute("SELECT bytes FROM thumbnail WHERE digest = $1 AND variant = $2",
                                     [.bytes(digest.bytes), .text(variant)])
            return rows.count == 0 ? nil : rows.bytes(0, 0)
        }
    }

    /// As `HashStore.storeThumbnail`: stores it as the newest, then drops the oldest while the
    /// cache holds more than `maxBytes`, never the newest row.
    public func storeThumbnail(_ digest: ContentDigest, variant: String, _ bytes: [UInt8], maxBytes: Int) throws {
        try writing { c in
            try c.execute("""
                INSERT INTO thumbnail (digest, variant, bytes, size, stored) VALUES ($1, $2, $3, $4, nextval('thumbnail_stored'))
                ON CONFLICT (digest, variant) DO UPDATE SET bytes = excluded.bytes, size = excluded.size, stored = excluded.stored
                """, [.bytes(digest.bytes), .text(variant), .bytes(bytes), .int(Int64(bytes.count))])
            // A row goes when the rows from it to the newest hold more than maxBytes: what
            // dropping the oldest one at a time until the rest fit leaves.
            try c.execute("""
                DELETE FROM thumbnail t USING (
                    SELECT digest, variant, stored,
                           sum(size) OVER (ORDER BY stored DESC ROWS UNBOUNDED PRECEDING) AS newer,
                           max(stored) OVER () AS newest
                    FROM thumbnail
                ) o
                WHERE t.digest = o.digest AND t.variant = o.variant AND o.newer > $1 AND o.stored < o.newest
                """, [.int(Int64(maxBytes))])
        }
    }
}
