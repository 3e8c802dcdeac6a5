import Foundation
import GRDB
import HashKit

/// The store's tables, as versioned GRDB migrations. A migration, once released, never changes:
/// a schema change is a new migration appended here, so an older build can tell (from the
/// identifiers in `grdb_migrations`) that a store is newer than it and refuse to touch it.
enum StoreSchema {
    /// `PRAGMA application_id` of every store ('CRSH'), so that another application's SQLite
    /// file at `--store` is recognised and left alone.
    static let applicationID: Int32 = 0x4352_5348

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: """
                CREATE TABLE dataset (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    root TEXT
                );
                -- One row per file of a dataset. size/mtime_ns/inode are NULL together (not a
                -- readable file); digest is NULL when the content was not read, and error then
                -- says why.
                CREATE TABLE file (
                    dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
                    path BLOB NOT NULL,
                    size INTEGER,
                    mtime_ns INTEGER,
                    inode INTEGER,
                    digest BLOB,
                    code_version TEXT NOT NULL,
                    error TEXT,
                    PRIMARY KEY (dataset_id, path)
                ) WITHOUT ROWID;
                -- Finds the files of a content (pruning contents no file refers to).
                CREATE INDEX file_digest ON file(digest);
                -- One row per distinct file content (SHA-256): its outcome, shared by every copy.
                -- error is NULL when hashed; warnings is '' or a JSON array of strings.
                CREATE TABLE content (
                    digest BLOB NOT NULL PRIMARY KEY,
                    code_version TEXT NOT NULL,
                    error TEXT,
                    warnings TEXT NOT NULL DEFAULT ''
                ) WITHOUT ROWID;
                -- The hash of each family of a hashed content: the family's 64-bit words,
                -- little-endian, 8 bytes each.
                CREATE TABLE content_hash (
                    digest BLOB NOT NULL REFERENCES content(digest) ON DELETE CASCADE,
                    family TEXT NOT NULL,
                    value BLOB NOT NULL,
                    PRIMARY KEY (digest, family)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2-artifacts") { db in
            // Finished report artifacts (thumbnails, charts) by a key naming what they show and
            // how they were made, so a re-run does not decode or draw them again.
            try db.execute(sql: """
                CREATE TABLE artifact (
                    key TEXT NOT NULL PRIMARY KEY,
                    bytes BLOB NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-thumbnails") { db in
            // The service's thumbnails by the content digest of the file they were made from
            // and a variant naming how they were made (size, quality, version), so a file that
            // changed since its scan gets a new thumbnail. `stored` orders rows by age: the
            // cache is bounded in bytes and drops its oldest rows first (`storeThumbnail`).
            try db.execute(sql: """
                CREATE TABLE thumbnail (
                    digest BLOB NOT NULL,
                    variant TEXT NOT NULL,
                    bytes BLOB NOT NULL,
                    size INTEGER NOT NULL,
                    stored INTEGER NOT NULL,
                    PRIMARY KEY (digest, variant)
                ) WITHOUT ROWID;
                CREATE INDEX thumbnail_stored ON thumbnail(stored);
                """)
        }
        migrator.registerMigration("v3-reviews") { db in
            // A curator's decision on a pair of pictures, keyed by the two contents (digest_lo is
            // the smaller digest in byte order), so a moved or renamed file keeps its decision and
            // either order of the pair finds it. The dataset/file columns are where the two
            // pictures were last named (by the request that set the decision), for display only.
            try db.execute(sql: """
                CREATE TABLE review (
                    id INTEGER PRIMARY KEY,
                    digest_lo BLOB NOT NULL,
                    digest_hi BLOB NOT NULL,
                    decision TEXT NOT NULL CHECK (decision IN ('same', 'different', 'unsure')),
                    note TEXT NOT NULL DEFAULT '',
                    updated TEXT NOT NULL,
                    a_dataset TEXT NOT NULL,
                    a_file BLOB NOT NULL,
                    a_digest BLOB NOT NULL,
                    b_dataset TEXT NOT NULL,
                    b_file BLOB NOT NULL,
                    b_digest BLOB NOT NULL,
                    UNIQUE (digest_lo, digest_hi)
                );
                """)
        }
        migrator.registerMigration("v4-pdq") { db in
            // Families computed only when asked for (PDQ) sit in content_hash like the others;
            // a family with a quality (PDQ's 0-100) keeps it beside the hash, NULL for the rest.
            // A content hashed before without PDQ simply has no "pdq" row: the next run that
            // asks for PDQ decodes it once more and adds the row.
            try db.execute(sql: "ALTER TABLE content_hash ADD COLUMN quality INTEGER")
        }
        migrator.registerMigration("v5-dihedral") { db in
            // The dihedral variants of a content's hashes (`analyze --dihedral`): per family, the
            // 8 transposed hashes in `Dihedral` order, each the family's words little-endian, in
            // one blob. Only runs that ask for them compute them: a content without a row here
            // is decoded once more by the next `--dihedral` run, which adds the row.
            try db.execute(sql: """
                CREATE TABLE content_variant (
                    digest BLOB NOT NULL REFERENCES content(digest) ON DELETE CASCADE,
                    family TEXT NOT NULL,
                    value BLOB NOT NULL,
                    PRIMARY KEY (digest, family)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }()

    /// The last migration this build knows ("store schema" in messages).
    static var latest: String { migrator.migrations.last ?? "none" }

    /// The first 16 bytes of every SQLite 3 database file.
    static let sqliteMagic = Array("SQLite format 3\0".utf8)
}

/// A family's hash as stored: its words little-endian, 8 bytes each (fixed, so the blob of one
/// machine reads the same on another).
package enum HashBlob {
    package static func encode(_ words: [UInt64]) -> Data {
        var data = Data(capacity: words.count * 8)
        for word in words {
            withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// nil unless `data` holds exactly `count` words.
    package static func decode(_ data: Data, count: Int) -> [UInt64]? {
        guard data.count == count * 8 else { return nil }
        var words = [UInt64](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                var word: UInt64 = 0
                for b in 0..<8 { word |= UInt64(raw[i * 8 + b]) << UInt64(8 * b) }
                words[i] = word
            }
        }
        return words
    }
}

/// Decoder warnings as stored: '' for none (the common case, no bytes spent), else a JSON array,
/// which keeps warnings containing newlines or any other character intact.
package enum WarningsText {
    package static func encode(_ warnings: [String]) -> String {
        guard !warnings.isEmpty else { return "" }
        // Encoding an array of strings cannot fail.
        let data = (try? JSONEncoder().encode(warnings)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// nil when the text is neither '' nor a JSON array of strings.
    package static func decode(_ text: String) -> [String]? {
        guard !text.isEmpty else { return [] }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
