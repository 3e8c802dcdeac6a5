import Foundation
import GRDB
import HashKit

/// What a curator decided about a pair of pictures.
public enum ReviewDecision: String, CaseIterable, Sendable {
    /// The two are copies of one picture (whatever the measure said).
    case same
    /// The two are different pictures (whatever the measure said).
    case different
    /// Looked at, not decided: the measure's verdict stands.
    case unsure
}

/// One picture of a reviewed pair, as a request names it: a dataset and a file key of it.
public struct ReviewSide: Hashable, Sendable {
    public var dataset: String
    /// The file key's bytes (file names need not be UTF-8).
    public var file: [UInt8]

    public init(dataset: String, file: [UInt8]) {
        self.dataset = dataset
        self.file = file
    }
}

/// Two contents as an unordered pair, the smaller digest (byte order) first, so a pair and its
/// mirror are one key: the key of a review.
public struct DigestPair: Hashable, Sendable {
    public let lo: ContentDigest
    public let hi: ContentDigest

    public init(_ x: ContentDigest, _ y: ContentDigest) {
        if y.bytes.lexicographicallyPrecedes(x.bytes) { (lo, hi) = (y, x) } else { (lo, hi) = (x, y) }
    }
}

/// A review as stored: the decision on a pair of contents, and where the two pictures are
/// shown (where they lie now, else where they were last named).
public struct StoredReview: Equatable, Sendable {
    public var id: Int64
    public var a: ReviewSide
    public var b: ReviewSide
    public var decision: ReviewDecision
    public var note: String
    /// When the decision was last set: ISO 8601 in UTC, to the second ("2026-01-02T03:04:05Z").
    public var updated: String
    public var pair: DigestPair

    public init(id: Int64, a: ReviewSide, b: ReviewSide, decision: ReviewDecision, note: String, updated: String, pair: DigestPair) {
        self.id = id
        self.a = a
        self.b = b
        self.decision = decision
        self.note = note
        self.updated = updated
        self.pair = pair
    }
}

/// Why a review cannot be set: one of its pictures is not a hashed image of the store.
public struct ReviewImageMissing: Error, Equatable, CustomStringConvertible {
    public var side: ReviewSide
    /// false: the dataset itself does not exist.
    public var datasetExists: Bool

    public init(side: ReviewSide, datasetExists: Bool) {
        self.side = side
        self.datasetExists = datasetExists
    }

    public var description: String {
        let file = String(decoding: side.file, as: UTF8.self)
        return datasetExists ? "dataset '\(side.dataset)' has no hashed image '\(file)'" : "no dataset named '\(side.dataset)'"
    }
}

/// Curators' decisions on pairs of pictures, kept by the two pictures' content digests: a moved
/// or renamed file keeps its decision, and a copy of a picture elsewhere shares it.
extension HashStore {
    /// Sets the decision on the pair (a, b), replacing the decision on the same two contents in
    /// either order; `created` is false when one was replaced. Both pictures must be hashed
    /// images of their datasets (looked up in the same transaction as the write): else
    /// `ReviewImageMissing`, and nothing is written.
    public func putReview(a: ReviewSide, b: ReviewSide, decision: ReviewDecision, note: String,
                          at time: Date = Date()) throws -> (review: StoredReview, created: Bool) {
        // Said by a value rather than thrown inside the transaction (`writing` turns every error
        // thrown there into a `StoreError`).
        let outcome: Result<(review: StoredReview, created: Bool), ReviewImageMissing> = try writing { db in
            let da: ContentDigest, db2: ContentDigest
            do {
                da = try Self.imageDigest(db, a, store: self.displayPath)
                db2 = try Self.imageDigest(db, b, store: self.displayPath)
            } catch let missing as ReviewImageMissing {
                return .failure(missing)
            }
            let pair = DigestPair(da, db2)
            let updated = Self.timestamp(time)
            let existing = try Row.fetchOne(db, sql: "SELECT id FROM review WHERE digest_lo = ? AND digest_hi = ?",
                                            arguments: [Data(pair.lo.bytes), Data(pair.hi.bytes)])?.cell(0).int64
            let values: StatementArguments = [decision.rawValue, note, updated, a.dataset, Data(a.file), Data(da.bytes),
                                              b.dataset, Data(b.file), Data(db2.bytes)]
            let id: Int64
            if let existing {
                try db.execute(sql: """
                    UPDATE review SET decision = ?, note = ?, updated = ?, a_dataset = ?, a_file = ?, a_digest = ?,
                                      b_dataset = ?, b_file = ?, b_digest = ?
                    WHERE id = ?
                    """, arguments: values + [existing])
                id = existing
            } else {
                try db.execute(sql: """
                    INSERT INTO review (decision, note, updated, a_dataset, a_file, a_digest, b_dataset, b_file, b_digest,
                                        digest_lo, digest_hi)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: values + [Data(pair.lo.bytes), Data(pair.hi.bytes)])
                id = db.lastInsertedRowID
            }
            let review = StoredReview(id: id, a: a, b: b, decision: decision, note: note, updated: updated, pair: pair)
            return .success((review, existing == nil))
        }
        return try outcome.get()
    }

    /// The reviews, by id. `datasets`: only reviews whose two pictures both lie in one of these
    /// datasets now (by content, wherever the files moved). Each side is shown where its
    /// picture was last named if it still lies there, else at its first place (dataset name,
    /// then path) among the datasets asked for (every dataset without `datasets`), else, its
    /// picture being gone, where it was last named (listed only without `datasets`).
    public func reviews(inDatasets datasets: [String]? = nil) throws -> [StoredReview] {
        try reading { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, decision, note, updated, a_dataset, a_file, a_digest, b_dataset, b_file, b_digest
                FROM review ORDER BY id
                """)
            var out = [StoredReview]()
            for row in rows {
                let review = try Self.review(row, store: self.displayPath)
                guard let a = try Self.place(db, review.side(0), datasets: datasets),
                      let b = try Self.place(db, review.side(1), datasets: datasets) else { continue }
                out.append(StoredReview(id: review.id, a: a, b: b, decision: review.decision, note: review.note,
                                        updated: review.updated, pair: DigestPair(review.digests.0, review.digests.1)))
            }
            return out
        }
    }

    /// Every decision by pair of contents, for the analysis (which finds the pairs by digest).
    public func reviewDecisions() throws -> [DigestPair: (decision: ReviewDecision, note: String)] {
        try reading { db in
            var out = [DigestPair: (decision: ReviewDecision, note: String)]()
            for row in try Row.fetchAll(db, sql: """
                SELECT id, decision, note, updated, a_dataset, a_file, a_digest, b_dataset, b_file, b_digest FROM review
                """) {
                let review = try Self.review(row, store: self.displayPath)
                out[DigestPair(review.digests.0, review.digests.1)] = (review.decision, review.note)
            }
            return out
        }
    }

    /// Deletes the review `id`; false when there is none.
    @discardableResult
    public func deleteReview(id: Int64) throws -> Bool {
        try writing { db in
            try db.execute(sql: "DELETE FROM review WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// "2026-01-02T03:04:05Z": sortable as text, the same on every machine.
    public static func timestamp(_ time: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: time)
    }

    /// The content digest of a hashed image of the store.
    private static func imageDigest(_ db: Database, _ side: ReviewSide, store: String) throws -> ContentDigest {
        let row = try Row.fetchOne(db, sql: """
            SELECT f.digest FROM file f JOIN dataset d ON d.id = f.dataset_id
            JOIN content c ON c.digest = f.digest AND c.error IS NULL
            WHERE d.name = ? AND f.path = ?
            """, arguments: [side.dataset, Data(side.file)])
        guard let row else {
            let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM dataset WHERE name = ?", arguments: [side.dataset]) != nil
            throw ReviewImageMissing(side: side, datasetExists: exists)
        }
        guard let blob = row.cell(0).blob, let digest = ContentDigest(bytes: [UInt8](blob)) else {
            throw StoreError(kind: .damaged, path: store, detail: "a file row of dataset \(side.dataset) has a digest that is not 32 bytes")
        }
        return digest
    }

    /// Where a side's picture is shown (see `reviews(inDatasets:)`); nil: not in `datasets`.
    private static func place(_ db: Database, _ side: (ReviewSide, ContentDigest), datasets: [String]?) throws -> ReviewSide? {
        var sql = "SELECT d.name, f.path FROM file f JOIN dataset d ON d.id = f.dataset_id WHERE f.digest = ?"
        var arguments: StatementArguments = [Data(side.1.bytes)]
        if let datasets {
            guard !datasets.isEmpty else { return nil }
            sql += " AND d.name IN (\(datasets.map { _ in "?" }.joined(separator: ", ")))"
            arguments += StatementArguments(datasets)
        }
        sql += " ORDER BY (d.name = ? AND f.path = ?) DESC, d.name, f.path LIMIT 1"
        arguments += [side.0.dataset, Data(side.0.file)]
        if let row = try Row.fetchOne(db, sql: sql, arguments: arguments),
           let name = row.cell(0).text, let path = row.cell(1).blob {
            return ReviewSide(dataset: name, file: [UInt8](path))
        }
        return datasets == nil ? side.0 : nil
    }

    private static func review(_ row: Row, store: String) throws -> RawReview {
        guard let id = row.cell(0).int64 else { throw StoreError(kind: .damaged, path: store, detail: "a review row has no id") }
        func damaged(_ what: String) -> StoreError { StoreError(kind: .damaged, path: store, detail: "review \(id) \(what)") }
        guard let decision = row.cell(1).text.flatMap(ReviewDecision.init(rawValue:)) else { throw damaged("has an unknown decision") }
        guard let note = row.cell(2).text, let updated = row.cell(3).text else { throw damaged("has no note or time") }
        guard let aName = row.cell(4).text, let aFile = row.cell(5).blob, let aBlob = row.cell(6).blob,
              let aDigest = ContentDigest(bytes: [UInt8](aBlob)),
              let bName = row.cell(7).text, let bFile = row.cell(8).blob, let bBlob = row.cell(9).blob,
              let bDigest = ContentDigest(bytes: [UInt8](bBlob)) else { throw damaged("lacks a picture's dataset, file or digest") }
        return RawReview(id: id, decision: decision, note: note, updated: updated,
                         sides: [ReviewSide(dataset: aName, file: [UInt8](aFile)), ReviewSide(dataset: bName, file: [UInt8](bFile))],
                         digests: (aDigest, bDigest))
    }
}

/// A review row as read, before its sides are placed.
private struct RawReview {
    var id: Int64
    var decision: ReviewDecision
    var note: String
    var updated: String
    var sides: [ReviewSide]
    var digests: (ContentDigest, ContentDigest)

    func side(_ i: Int) -> (ReviewSide, ContentDigest) { (sides[i], i == 0 ? digests.0 : digests.1) }
}
