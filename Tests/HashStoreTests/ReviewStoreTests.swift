import Foundation
import HashKit
import HashStore
import XCTest

/// Reviews in an SQLite store file survive a reopen. What reviews mean on every backend (either
/// order of a pair is one review, a renamed file keeps its decision, both pictures must be
/// hashed images) is in the store contract (StoreContract+HashStoring.swift).
final class ReviewStoreTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ReviewStoreTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func hashes(_ word: UInt64) -> ImageHashes {
        var words: [HashFamily.ID: [UInt64]] = [:]
        for family in HashFamily.all { words[family.id] = Array(repeating: word, count: family.wordsPerHash) }
        return ImageHashes(words: words)!
    }

    private func digest(_ seed: Int) -> ContentDigest { ContentDigest.of(Array("content \(seed)".utf8)) }

    private func image(_ path: String, _ seed: Int) -> FileChange {
        FileChange(path: Array(path.utf8), stat: nil, digest: digest(seed), outcome: .hashed(hashes(UInt64(seed)), warnings: []),
                   codeVersion: ImageHashes.codeVersion)
    }

    private func side(_ dataset: String, _ file: String) -> ReviewSide { ReviewSide(dataset: dataset, file: Array(file.utf8)) }

    /// Datasets x (p.png, q.png) and y (r.png, copy of q: s.png), and one file that failed.
    private func populated(_ path: String) throws -> HashStore {
        let store = try HashStore(path: path)
        let x = try store.upsertDataset(name: "x", root: nil), y = try store.upsertDataset(name: "y", root: nil)
        try store.apply([image("p.png", 1), image("q.png", 2),
                         FileChange(path: Array("bad.png".utf8), stat: nil, digest: digest(9), outcome: .failed("not an image"),
                                    codeVersion: ImageHashes.codeVersion)], to: x.id)
        try store.apply([image("r.png", 3), image("s.png", 2)], to: y.id)
        return store
    }

    func testAPairIsUnorderedAndSurvivesReopen() throws {
        let path = folder.appendingPathComponent("store.sqlite").path
        do {
            let store = try populated(path)
            let first = try store.putReview(a: side("x", "p.png"), b: side("y", "r.png"), decision: .different, note: "two cats",
                                            at: Date(timeIntervalSince1970: 1_700_000_000))
            XCTAssertTrue(first.created)
            XCTAssertEqual(first.review.updated, "2023-11-14T22:13:20Z")
            // The same two pictures in the other order replace it.
            let second = try store.putReview(a: side("y", "r.png"), b: side("x", "p.png"), decision: .same, note: "",
                                             at: Date(timeIntervalSince1970: 1_700_000_060))
            XCTAssertFalse(second.created)
            XCTAssertEqual(second.review.id, first.review.id)
            try store.close()
        }
        let store = try HashStore(path: path)
        defer { try? store.close() }
        let all = try store.reviews()
        XCTAssertEqual(all.count, 1)
        XCTAssertEqual(all.first?.a, side("y", "r.png"))
        XCTAssertEqual(all.first?.b, side("x", "p.png"))
        XCTAssertEqual(all.first?.decision, .same)
        XCTAssertEqual(all.first?.updated, "2023-11-14T22:14:20Z")
        XCTAssertEqual(try store.reviewDecisions()[DigestPair(digest(3), digest(1))]?.decision, .same)
        XCTAssertTrue(try store.deleteReview(id: all[0].id))
        XCTAssertFalse(try store.deleteReview(id: all[0].id))
        XCTAssertEqual(try store.reviews(), [])
    }
}
