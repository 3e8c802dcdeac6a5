import Foundation
import HashKit
import HashStore
import XCTest

// The store contract for the rest of the interface (`HashStoring`): hash lists, reviews,
// artifacts, thumbnails, the store's size and the bulk hash stream. Expected values come from
// the test's own inputs (the hex written into a list, the sizes stored), never from a store.
extension StoreContract {
    /// Every check: `all` (the `DatasetStoring` part) and `hashStoring`.
    static var every: [(name: String, check: (any HashStoring) throws -> Void)] {
        all.map { c in (c.name, { try c.check($0) }) } + hashStoring
    }

    static let hashStoring: [(name: String, check: (any HashStoring) throws -> Void)] = [
        ("hashListImportAndExport", hashListImportAndExport), ("importedEntriesAreNeverPictures", importedEntriesAreNeverPictures),
        ("aFolderDatasetIsNotAList", aFolderDatasetIsNotAList), ("reviewsAreUnordered", reviewsAreUnordered),
        ("aRenamedFileKeepsItsReview", aRenamedFileKeepsItsReview), ("reviewsNeedHashedImages", reviewsNeedHashedImages),
        ("artifacts", artifacts), ("thumbnailCacheIsBounded", thumbnailCacheIsBounded), ("sizeOnDisk", sizeOnDisk),
        ("streamHashes", streamHashes),
    ]

    /// A LineReader over `text` (a temporary file, removed when the reader is done with it).
    static func lines(_ text: String) throws -> LineReader {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("contract-list-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return LineReader(handle: try FileHandle(forReadingFrom: url))
    }

    // MARK: Hash lists

    static func hashListImportAndExport(_ store: any HashStoring) throws {
        var rng = SplitMix64(seed: 21)
        let hexes = (0..<5).map { _ in (0..<4).map { _ in String(format: "%016llx", rng.next()) }.joined() }
        let text = """
            # a partner's list
            \(hexes[0]),b.jpg
            \(hexes[1].uppercased()),a.jpg

            not hex,c.jpg
            \(hexes[2])
            \(hexes[3]),a.jpg
            """
        var reader = try lines(text)
        var problems = [Int]()
        let summary = try store.importHashList(named: "partner", family: .pdq, lines: &reader, problem: { n, _ in problems.append(n) })
        XCTAssertEqual([summary.imported, summary.replaced, summary.skipped, summary.ignored], [4, 1, 1, 2])
        XCTAssertEqual(problems, [5])
        // A second import replaces by ID.
        var again = try lines("\(hexes[4]),b.jpg\n")
        XCTAssertEqual(try store.importHashList(named: "partner", family: .pdq, lines: &again, problem: { _, _ in }).replaced, 1)

        var exported = [UInt8]()
        let count = try store.exportHashList(named: "partner", family: .pdq) { exported += $0 }
        // Key byte order: "6" (the ID of the line without one) < "a.jpg" < "b.jpg".
        XCTAssertEqual(String(decoding: exported, as: UTF8.self), "\(hexes[2]),6\n\(hexes[3]),a.jpg\n\(hexes[4]),b.jpg\n")
        XCTAssertEqual(count, 3)
        var none = [UInt8]()
        XCTAssertEqual(try store.exportHashList(named: "partner", family: .phash) { none += $0 }, 0, "the list holds PDQ only")
        XCTAssertThrowsError(try store.exportHashList(named: "missing", family: .pdq) { _ in }) { XCTAssertTrue($0 is HashListError) }
    }

    static func importedEntriesAreNeverPictures(_ store: any HashStoring) throws {
        var reader = try lines(String(repeating: "ab", count: 32) + ",x\n")
        XCTAssertEqual(try store.importHashList(named: "list", family: .pdq, lines: &reader, problem: { _, _ in }).imported, 1)
        // No phash or blockmean: a run reading the dataset sees a failure, never zero hashes it would match.
        let dataset = try XCTUnwrap(try store.dataset(named: "list"))
        let files = try store.files(in: dataset.id)
        XCTAssertEqual(files.map(\.path), [Array("x".utf8)])
        XCTAssertNil(files.first?.outcome.hashes)
    }

    static func aFolderDatasetIsNotAList(_ store: any HashStoring) throws {
        _ = try store.upsertDataset(name: "photos", root: "/data/photos")
        var reader = try lines("")
        XCTAssertThrowsError(try store.importHashList(named: "photos", family: .pdq, lines: &reader, problem: { _, _ in })) {
            XCTAssertTrue($0 is HashListError)
        }
    }

    // MARK: Reviews

    static func side(_ dataset: String, _ file: String) -> ReviewSide { ReviewSide(dataset: dataset, file: Array(file.utf8)) }

    static func image(_ path: String, _ seed: Int) -> FileChange {
        FileChange(path: Array(path.utf8), stat: nil, digest: digest(seed), outcome: .hashed(constantHashes(UInt64(seed)), warnings: []),
                   codeVersion: ImageHashes.codeVersion)
    }

    /// Datasets x (p.png, q.png, a failure) and y (r.png, s.png a copy of q.png).
    static func populate(_ store: any HashStoring) throws {
        let x = try store.upsertDataset(name: "x", root: nil), y = try store.upsertDataset(name: "y", root: nil)
        try store.apply([image("p.png", 1), image("q.png", 2),
                         FileChange(path: Array("bad.png".utf8), stat: nil, digest: digest(9), outcome: .failed("not an image"),
                                    codeVersion: ImageHashes.codeVersion)], to: x.id)
        try store.apply([image("r.png", 3), image("s.png", 2)], to: y.id)
    }

    static func reviewsAreUnordered(_ store: any HashStoring) throws {
        try populate(store)
        let first = try store.putReview(a: side("x", "p.png"), b: side("y", "r.png"), decision: .different, note: "two cats",
                                        at: Date(timeIntervalSince1970: 1_700_000_000))
        XCTAssertTrue(first.created)
        XCTAssertEqual(first.review.updated, "2023-11-14T22:13:20Z")
        XCTAssertEqual(first.review.pair, DigestPair(digest(3), digest(1)))
        // The same two pictures in the other order replace it.
        let second = try store.putReview(a: side("y", "r.png"), b: side("x", "p.png"), decision: .same, note: "",
                                         at: Date(timeIntervalSince1970: 1_700_000_060))
        XCTAssertFalse(second.created)
        XCTAssertEqual(second.review.id, first.review.id)
        let other = try store.putReview(a: side("x", "q.png"), b: side("y", "r.png"), decision: .unsure, note: "n")
        XCTAssertTrue(other.created)
        XCTAssertNotEqual(other.review.id, first.review.id)

        let all = try store.reviews()
        XCTAssertEqual(all.map(\.id), [first.review.id, other.review.id], "by id")
        XCTAssertEqual(all.first?.a, side("y", "r.png"))
        XCTAssertEqual(all.first?.b, side("x", "p.png"))
        XCTAssertEqual(all.first?.decision, .same)
        XCTAssertEqual(all.first?.updated, "2023-11-14T22:14:20Z")
        let decisions = try store.reviewDecisions()
        XCTAssertEqual(decisions.count, 2)
        XCTAssertEqual(decisions[DigestPair(digest(1), digest(3))]?.decision, .same)
        XCTAssertEqual(decisions[DigestPair(digest(2), digest(3))]?.note, "n")
        XCTAssertTrue(try store.deleteReview(id: first.review.id))
        XCTAssertFalse(try store.deleteReview(id: first.review.id))
        XCTAssertEqual(try store.reviews().map(\.id), [other.review.id])
    }

    static func aRenamedFileKeepsItsReview(_ store: any HashStoring) throws {
        try populate(store)
        _ = try store.putReview(a: side("x", "p.png"), b: side("y", "r.png"), decision: .different, note: "")
        let x = try XCTUnwrap(store.dataset(named: "x"))
        try store.removeFiles([Array("p.png".utf8)], from: x.id)
        try store.apply([image("renamed/p2.png", 1)], to: x.id)
        let all = try store.reviews(inDatasets: ["x", "y"])
        XCTAssertEqual(all.map(\.a), [side("x", "renamed/p2.png")])
        XCTAssertEqual(all.map(\.b), [side("y", "r.png")])
        XCTAssertEqual(try store.reviewDecisions()[DigestPair(digest(1), digest(3))]?.decision, .different)
        // Not both pictures in the datasets asked for: not listed.
        XCTAssertEqual(try store.reviews(inDatasets: ["x"]), [])
        XCTAssertEqual(try store.reviews(inDatasets: []), [])
        // q.png's content lies in x and y (s.png): a review of it shows where it was named.
        _ = try store.putReview(a: side("y", "s.png"), b: side("y", "r.png"), decision: .same, note: "")
        XCTAssertEqual(try store.reviews(inDatasets: ["x", "y"]).last?.a, side("y", "s.png"))
        XCTAssertEqual(try store.reviews(inDatasets: ["x", "y"]).last?.b, side("y", "r.png"))
        // Gone from every dataset: listed (without a filter) where it was last named.
        try store.removeFiles([Array("renamed/p2.png".utf8)], from: x.id)
        XCTAssertEqual(try store.reviews().first?.a, side("x", "p.png"))
        XCTAssertEqual(try store.reviews(inDatasets: ["x", "y"]).count, 1)
    }

    static func reviewsNeedHashedImages(_ store: any HashStoring) throws {
        try populate(store)
        XCTAssertThrowsError(try store.putReview(a: side("x", "p.png"), b: side("y", "nope.png"), decision: .same, note: "")) {
            XCTAssertEqual($0 as? ReviewImageMissing, ReviewImageMissing(side: side("y", "nope.png"), datasetExists: true))
        }
        XCTAssertThrowsError(try store.putReview(a: side("z", "p.png"), b: side("y", "r.png"), decision: .same, note: "")) {
            XCTAssertEqual(($0 as? ReviewImageMissing)?.datasetExists, false)
        }
        XCTAssertThrowsError(try store.putReview(a: side("x", "bad.png"), b: side("y", "r.png"), decision: .same, note: "")) {
            XCTAssertEqual(($0 as? ReviewImageMissing)?.datasetExists, true)
        }
        XCTAssertEqual(try store.reviews(), [])
    }

    // MARK: Artifacts and thumbnails

    static func artifacts(_ store: any HashStoring) throws {
        XCTAssertNil(try store.artifact("k"))
        try store.storeArtifact("k", [1, 2, 3])
        try store.storeArtifacts([(key: "k", bytes: [4]), (key: "é\u{1}'", bytes: []), (key: "big", bytes: [UInt8](repeating: 7, count: 1 << 20))])
        XCTAssertEqual(try store.artifact("k"), [4], "replaced")
        XCTAssertEqual(try store.artifact("é\u{1}'"), [])
        XCTAssertEqual(try store.artifact("big"), [UInt8](repeating: 7, count: 1 << 20))
        XCTAssertNil(try store.artifact("K"))
    }

    static func thumbnailCacheIsBounded(_ store: any HashStoring) throws {
        func d(_ i: Int) -> ContentDigest { digest(100 + i) }
        func bytes(_ i: Int, _ n: Int) -> [UInt8] { [UInt8](repeating: UInt8(i), count: n) }
        XCTAssertNil(try store.thumbnail(d(0), variant: "v"))
        for i in 0..<4 { try store.storeThumbnail(d(i), variant: "v", bytes(i, 100), maxBytes: 1000) }
        try store.storeThumbnail(d(0), variant: "w", bytes(9, 50), maxBytes: 1000)
        XCTAssertEqual(try store.thumbnail(d(0), variant: "w"), bytes(9, 50), "variants are separate")
        // Storing 0 again makes it the newest, so 1 is now the oldest and goes first.
        try store.storeThumbnail(d(0), variant: "v", bytes(5, 100), maxBytes: 1000)
        try store.storeThumbnail(d(4), variant: "v", bytes(4, 450), maxBytes: 800)
        // Newest first: 4 (450), 0v (100), 0w (50), 3 (100), 2 (100) = 800; 1 goes.
        XCTAssertNil(try store.thumbnail(d(1), variant: "v"))
        XCTAssertEqual(try store.thumbnail(d(0), variant: "v"), bytes(5, 100))
        XCTAssertEqual(try store.thumbnail(d(2), variant: "v"), bytes(2, 100))
        XCTAssertEqual(try store.thumbnail(d(3), variant: "v"), bytes(3, 100))
        XCTAssertEqual(try store.thumbnail(d(4), variant: "v"), bytes(4, 450))
        // One larger than the bound alone: kept, every other row goes.
        try store.storeThumbnail(d(5), variant: "v", bytes(6, 2000), maxBytes: 1000)
        XCTAssertEqual(try store.thumbnail(d(5), variant: "v"), bytes(6, 2000))
        for i in 0..<5 { XCTAssertNil(try store.thumbnail(d(i), variant: "v"), "thumbnail \(i)") }
        XCTAssertNil(try store.thumbnail(d(0), variant: "w"))
    }

    static func sizeOnDisk(_ store: any HashStoring) throws {
        XCTAssertGreaterThan(try store.sizeOnDisk(), 0)
    }

    // MARK: The bulk stream

    /// Files in content digest order (then path), only those hashed with every family asked for;
    /// quality as stored.
    static func streamHashes(_ store: any HashStoring) throws {
        let dataset = try store.upsertDataset(name: "s", root: nil)
        var rng = SplitMix64(seed: 31)
        var changes = (0..<30).map { hashedChange("f\($0)", $0, &rng) }
        // A copy of content 3 under another path; a failure; a list entry (PDQ only).
        changes.append(FileChange(path: Array("copy".utf8), stat: nil, digest: changes[3].digest, outcome: changes[3].outcome,
                                  codeVersion: ImageHashes.codeVersion))
        changes.append(FileChange(path: Array("bad".utf8), stat: nil, digest: digest(99), outcome: .failed("no"),
                                  codeVersion: ImageHashes.codeVersion))
        let entry = HashListEntry(id: Array("listed".utf8), words: [1, 2, 3, 4], quality: 80)
        try store.apply(changes, to: dataset.id, list: (.pdq, [entry]), stillWanted: nil)
        try store.apply([hashedChange("elsewhere", 40, &rng)], to: store.upsertDataset(name: "other", root: nil).id)

        let families = [HashFamily.blockmean, .phash]
        var streamed = [(path: [UInt8], words: [UInt64])]()
        try store.streamHashes(in: dataset.id, groups: [HashGroup(families: families, strict: { _ in true })]) { _, path, words, qualities in
            streamed.append(([UInt8](path), [UInt64](words)))
            XCTAssertEqual(qualities, [nil, nil])
        }
        let expected = changes.filter { $0.outcome.hashes != nil }.sorted { a, b in
            a.digest!.bytes == b.digest!.bytes ? a.path.lexicographicallyPrecedes(b.path) : a.digest!.bytes.lexicographicallyPrecedes(b.digest!.bytes)
        }
        XCTAssertEqual(streamed.map(\.path), expected.map(\.path))
        XCTAssertEqual(streamed.map(\.words), expected.map { c in families.flatMap { $0.words(of: c.outcome.hashes!) } })

        var pdq = [([UInt8], [UInt64], [Int?])]()
        try store.streamHashes(in: dataset.id, groups: [HashGroup(families: [.pdq], strict: { _ in true })]) { pdq.append(([UInt8]($1), [UInt64]($2), $3)) }
        XCTAssertEqual(pdq.map(\.0), [entry.id], "only the list entry holds PDQ")
        XCTAssertEqual(pdq.first?.1, entry.words)
        XCTAssertEqual(pdq.first?.2, [80])
        // Both groups in one call (the service's start): each group's files as when read alone.
        var both = [[([UInt8], [UInt64])]](repeating: [], count: 2)
        try store.streamHashes(in: dataset.id, groups: [HashGroup(families: families, strict: { _ in true }),
                                                        HashGroup(families: [.pdq], strict: { _ in true })]) { g, path, words, _ in
            both[g].append(([UInt8](path), [UInt64](words)))
        }
        XCTAssertEqual(both[0].map(\.0), streamed.map(\.path))
        XCTAssertEqual(both[0].map(\.1), streamed.map(\.words))
        XCTAssertEqual(both[1].map(\.0), pdq.map(\.0))
        XCTAssertEqual(both[1].map(\.1), pdq.map(\.1))
        var nothing = 0
        try store.streamHashes(in: dataset.id, groups: [HashGroup(families: [], strict: { _ in true })]) { _, _, _, _ in nothing += 1 }
        XCTAssertEqual(nothing, 0)
    }
}
