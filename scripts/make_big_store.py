#!/usr/bin/env python3
"""Writes a new crosshash SQLite store holding N random images, without the service (issue 17:
start time and memory of `serve` at millions of images).

Every image is a hashed picture of the current hashing code ("crosshash-hash-2") with a phash
(1 word) and a blockmean (4 words) drawn uniformly at random, a distinct random 32-byte content
digest, and the key "img/NNNNNNNN.jpg". The schema is Sources/HashStore/StoreSchema.swift's,
migrations v1 .. v5-dihedral, recorded in grdb_migrations as GRDB does, so `crosshash serve
--store` opens it as one of its own. Rows are inserted in primary-key order and the file_digest
index is built after them (same final schema text), which keeps 10M images to minutes.

Usage: scripts/make_big_store.py STORE N [--datasets K] [--seed S]
  (K datasets "big0".."big{K-1}" of N images each; the file must not exist)
"""
import argparse
import os
import random
import sqlite3
import struct
import sys

CODE_VERSION = "crosshash-hash-2"
APPLICATION_ID = 0x43525348
MIGRATIONS = ["v1", "v2-artifacts", "v3-thumbnails", "v3-reviews", "v4-pdq", "v5-dihedral"]

# StoreSchema.swift, verbatim (the file_digest index is created after the rows, below).
V1_TABLES = """
CREATE TABLE dataset (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    root TEXT
);
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
CREATE TABLE content (
    digest BLOB NOT NULL PRIMARY KEY,
    code_version TEXT NOT NULL,
    error TEXT,
    warnings TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE content_hash (
    digest BLOB NOT NULL REFERENCES content(digest) ON DELETE CASCADE,
    family TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (digest, family)
) WITHOUT ROWID;
"""
V1_INDEX = "CREATE INDEX file_digest ON file(digest);"
LATER = [
    """CREATE TABLE artifact (
        key TEXT NOT NULL PRIMARY KEY,
        bytes BLOB NOT NULL
    ) WITHOUT ROWID;""",
    """CREATE TABLE thumbnail (
        digest BLOB NOT NULL,
        variant TEXT NOT NULL,
        bytes BLOB NOT NULL,
        size INTEGER NOT NULL,
        stored INTEGER NOT NULL,
        PRIMARY KEY (digest, variant)
    ) WITHOUT ROWID;
    CREATE INDEX thumbnail_stored ON thumbnail(stored);""",
    """CREATE TABLE review (
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
    );""",
    "ALTER TABLE content_hash ADD COLUMN quality INTEGER;",
    """CREATE TABLE content_variant (
        digest BLOB NOT NULL REFERENCES content(digest) ON DELETE CASCADE,
        family TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (digest, family)
    ) WITHOUT ROWID;""",
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("store")
    p.add_argument("n", type=int)
    p.add_argument("--datasets", type=int, default=1)
    p.add_argument("--seed", type=int, default=17)
    a = p.parse_args()
    if os.path.exists(a.store):
        sys.exit(f"{a.store} exists: give a new path")
    rng = random.Random(a.seed)
    db = sqlite3.connect(a.store, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1048576")
    db.execute("BEGIN")
    db.execute("CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for s in V1_TABLES.split(";"):
        if s.strip():
            db.execute(s)
    for d in range(a.datasets):
        db.execute("INSERT INTO dataset (id, name, root) VALUES (?, ?, NULL)", (d + 1, f"big{d}"))
        # Keys in byte order (the primary key's), digests random.
        digests = [rng.randbytes(32) for _ in range(a.n)]
        db.executemany(
            "INSERT INTO file (dataset_id, path, size, mtime_ns, inode, digest, code_version, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            ((d + 1, b"img/%08d.jpg" % i, 1000, 1, i + 1, digests[i], CODE_VERSION) for i in range(a.n)))
        digests.sort()
        db.executemany("INSERT INTO content (digest, code_version, error, warnings) VALUES (?, ?, NULL, '')",
                       ((g, CODE_VERSION) for g in digests))
        # (digest, family) order: "blockmean" < "phash".
        def hashes():
            for g in digests:
                yield g, "blockmean", rng.randbytes(32)
                yield g, "phash", rng.randbytes(8)
        db.executemany("INSERT INTO content_hash (digest, family, value) VALUES (?, ?, ?)", hashes())
        del digests
    db.execute(V1_INDEX)
    for sql in LATER:
        for s in sql.split(";"):
            if s.strip():
                db.execute(s)
    db.executemany("INSERT INTO grdb_migrations (identifier) VALUES (?)", ((m,) for m in MIGRATIONS))
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    print(f"{a.store}: {a.datasets} dataset(s) x {a.n} images, {os.path.getsize(a.store) / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
