import Foundation
import HashKit
import HashStore

// Curators' decisions on pairs of contents: as the SQLite store's (Reviews.swift), which
// documents what each call means.
extension PostgresStore {
    public func putReview(a: ReviewSide, b: ReviewSide, decision: ReviewDecision, note: String,
                          at time: Date) throws -> (review: StoredReview, created: Bool) {
        // Said by a value rather than thrown inside the transaction (`writing` would report it as
        // a store failure).
        let outcome: Result<(review: StoredReview, created: Bool), ReviewImageMissing> = try writing { c in
            let da: ContentDigest, db: ContentDigest
            do {
                da = try self.imageDigest(c, a)
                db = try self.imageDigest(c, b)
            } catch let missing as ReviewImageMissing {
                return .failure(missing)
            }
            let pair = DigestPair(da, db)
            let updated = HashStore.timestamp(time)
            // One statement for new and replaced (two writers setting the same pair at once both
            // land, the later one winning); xmax is 0 on a row this statement inserted.
            let rows = try c.execute("""
                INSERT INTO review (decision, note, updated, a_dataset, a_file, a_digest, b_dataset, b_file, b_digest,
                                    digest_lo, digest_hi)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (digest_lo, digest_hi) DO UPDATE SET
                    decision = excluded.decision, note = excluded.note, updated = excluded.updated,
                    a_dataset = excluded.a_dataset, a_file = excluded.a_file, a_digest = excluded.a_digest,
                    b_dataset = excluded.b_dataset, b_file = excluded.b_file, b_digest = excluded.b_digest
                RETURNING id, CASE WHEN xmax = 0 THEN 1 ELSE 0 END
                """, [.text(decision.rawValue), .text(note), .text(updated), .text(a.dataset), .bytes(a.file), .bytes(da.bytes),
                      .text(b.dataset), .bytes(b.file), .bytes(db.bytes), .bytes(pair.lo.bytes), .bytes(pair.hi.bytes)])
            guard let id = rows.int64(0, 0), let created = rows.int64(0, 1) else {
                throw StoreError(kind: .io, path: self.displayPath, detail: "the review was not written")
            }
            let review = StoredReview(id: id, a: a, b: b, decision: decision, note: note, updated: updated, pair: pair)
            return .success((review, created == 1))
        }
        return try outcome.get()
    }

    public func reviews(inDatasets datasets: [String]?) throws -> [StoredReview] {
        try reading { c in
            let rows = try c.execute("""
                SELECT id, decision, note, updated, a_dataset, a_file, a_digest, b_dataset, b_file, b_digest
                FROM review ORDER BY id
                """)
            var out = [StoredReview]()
            for r in 0..<rows.count {
                let review = try self.review(rows, r)
                guard let a = try self.place(c, review.sides[0], review.digests[0], datasets: datasets),
                      let b = try self.place(c, review.sides[1], review.digests[1], datasets: datasets) else { continue }
                out.append(StoredReview(id: review.id, a: a, b: b, decision: review.decision, note: review.note,
                                        updated: review.updated, pair: DigestPair(review.digests[0], review.digests[1])))
            }
            return out
        }
    }

    public func reviewDecisions() throws -> [DigestPair: (decision: ReviewDecision, note: String)] {
        try reading { c in
            let rows = try c.execute("""
                SELECT id, decision, note, updated, a_dataset, a_file, a_digest, b_dataset, b_file, b_digest FROM review
                """)
            var out = [DigestPair: (decision: ReviewDecision, note: String)]()
            for r in 0..<rows.count {
                let review = try self.review(rows, r)
                out[DigestPair(review.digests[0], review.digests[1])] = (review.decision, review.note)
            }
            return out
        }
    }

    @discardableResult
    public func deleteReview(id: Int64) throws -> Bool {
        try writing { c in try c.execute("DELETE FROM review WHERE id = $1", [.int(id)]).changed > 0 }
    }

    /// The content digest of a hashed image of the store, else `ReviewImageMissing`.
    private func imageDigest(_ c: PGConnection, _ side: ReviewSide) throws -> ContentDigest {
        let rows = try c.execute("""
            SELECT f.digest FROM file f JOIN dataset d ON d.id = f.dataset_id
            JOIN content c ON c.digest = f.digest AND c.error IS NULL
            WHERE d.name = $1 AND f.path = $2
            """, [.text(side.dataset), .bytes(side.file)])
        guard rows.count > 0 else {
            let exists = try c.execute("SELECT 1 FROM dataset WHERE name = $1", [.text(side.dataset)]).count > 0
            throw ReviewImageMissing(side: side, datasetExists: exists)
        }
        guard let bytes = rows.bytes(0, 0), let digest = ContentDigest(bytes: bytes) else {
            throw StoreError(kind: .damaged, path: displayPath,
                             detail: "a file row of dataset \(side.dataset) has a digest that is not 32 bytes")
        }
        return digest
    }

    /// Where a side's picture is shown (see `HashStore.reviews(inDatasets:)`); nil: not in `datasets`.
    private func place(_ c: PGConnection, _ side: ReviewSide, _ digest: ContentDigest, datasets: [String]?) throws -> ReviewSide? {
        var sql = "SELECT d.name, f.path FROM file f JOIN dataset d ON d.id = f.dataset_id WHERE f.digest = $1"
        var parameters: [PGValue] = [.bytes(digest.bytes), .text(side.dataset), .bytes(side.file)]
        if let datasets {
            guard !datasets.isEmpty else { return nil }
            // Each name its own parameter ($4, $5, ...), never spliced into the text.
            sql += " AND d.name IN (\(datasets.indices.map { "$\($0 + 4)" }.joined(separator: ", ")))"
            parameters += datasets.map { .text($0) }
        }
        sql += " ORDER BY (d.name = $2 AND f.path = $3) DESC, d.name, f.path LIMIT 1"
        let rows = try c.execute(sql, parameters)
        if rows.count > 0, let name = rows.text(0, 0), let path = rows.bytes(0, 1) {
            return ReviewSide(dataset: name, file: path)
        }
        return datasets == nil ? side : nil
    }

    private func review(_ rows: PGRows, _ r: Int) throws -> (id: Int64, decision: ReviewDecision, note: String, updated: String,
                                                              sides: [ReviewSide], digests: [ContentDigest]) {
        guard let id = rows.int64(r, 0) else { throw StoreError(kind: .damaged, path: displayPath, detail: "a review row has no id") }
        func damaged(_ what: String) -> StoreError { StoreError(kind: .damaged, path: displayPath, detail: "review \(id) \(what)") }
        guard let decision = rows.text(r, 1).flatMap(ReviewDecision.init(rawValue:)) else { throw damaged("has an unknown decision") }
        guard let note = rows.text(r, 2), let updated = rows.text(r, 3) else { throw damaged("has no note or time") }
        guard let aName = rows.text(r, 4), let aFile = rows.bytes(r, 5), let aDigest = rows.bytes(r, 6).flatMap(ContentDigest.init(bytes:)),
              let bName = rows.text(r, 7), let bFile = rows.bytes(r, 8), let bDigest = rows.bytes(r, 9).flatMap(ContentDigest.init(bytes:))
        else { throw damaged("lacks a picture's dataset, file or digest") }
        return (id, decision, note, updated, [ReviewSide(dataset: aName, file: aFile), ReviewSide(dataset: bName, file: bFile)],
                [aDigest, bDigest])
    }
}
