import Foundation
import HashKit
import HashStore
import HashStorePostgres
import TestSupport
import XCTest

/// `crosshash store copy` with the real binary: an SQLite store filled by `analyze`, `import`
/// and the review, artifact and thumbnail calls, copied into PostgreSQL and back into a new
/// SQLite file, holds the same rows at each step (read through the store interface), and
/// `analyze` on the copies reuses everything and writes the same outputs.
final class StoreCopyEndToEndTests: XCTestCase {
    private var cluster: TestCluster!
    private var root: String!

    override func setUpWithError() throws {
        cluster = try TestCluster.shared()
        root = try E2E.tempDir("storecopy")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    override class func tearDown() {
        TestCluster.stopShared()
        super.tearDown()
    }

    /// Every row of every table, by table, in key order.
    private func rows(_ store: any HashStoring) throws -> [String: [[StoreValue]]] {
        let copying = try XCTUnwrap(store as? StoreRowCopying)
        var out = [String: [[StoreValue]]]()
        for table in StoreTable.all {
            var rows = [[StoreValue]]()
            try copying.readRows(of: table, batch: 7) { rows += $0 }
            out[table.name] = rows
        }
        return out
    }

    private func outputs(_ folder: String) throws -> [String: Data] {
        var files = [String: Data]()
        let base = URL(fileURLWithPath: folder)
        guard let walk = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        for case let url as URL in walk where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let name = String(url.path.dropFirst(base.path.count + 1))
            // The manifest names the store and its timings, which differ by run and backend.
            if name != "manifest.json" { files[name] = try Data(contentsOf: url) }
        }
        return files
    }

    func testCopyToPostgreSQLAndBackKeepsEveryRowAndAnalyzeAnswersAlike() throws {
        let fixtures = E2E.fixtures.path
        let datasets = ["a=\(fixtures)/dihedral/orig", "c=\(fixtures)/images/real"]
        let flags = ["--device", "cpu", "--dihedral", "--within", "--families", "phash,blockmean,pdq"]
        let original = root + "/original.sqlite"
        let first = try E2E.run(["analyze"] + datasets + flags + ["--store", original, "--out", root + "/out0"])
        XCTAssertEqual(first.status, 0, first.stderr)
        // A hash list (entries stored without pictures), a review, an artifact and a thumbnail.
        let list = root + "/list.txt"
        try "\(String(repeating: "f0", count: 32)),first\n\(String(repeating: "0f", count: 32)),second\n"
            .write(toFile: list, atomically: true, encoding: .utf8)
        let imported = try E2E.run(["import", "list", list, "--family", "pdq", "--store", original])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        do {
            let store = try HashStore(path: original)
            defer { try? store.close() }
            let a = try XCTUnwrap(try store.dataset(named: "a"))
            let files = try store.files(in: a.id).filter { $0.digest != nil }
            XCTAssertGreaterThan(files.count, 1)
            _ = try store.putReview(a: ReviewSide(dataset: "a", file: files[0].path), b: ReviewSide(dataset: "a", file: files[1].path),
                                    decision: .same, note: "copied?", at: Date(timeIntervalSince1970: 1_700_000_000))
            try store.storeArtifact("key/1", [1, 2, 3])
            try store.storeThumbnail(try XCTUnwrap(files[0].digest), variant: "256", [0xFF, 0xD8, 0, 1], maxBytes: 1 << 20)
            try store.storeThumbnail(try XCTUnwrap(files[1].digest), variant: "256", [0xFF, 0xD8, 2], maxBytes: 1 << 20)
        }

        let pg = try cluster.newDatabase()
        let toPG = try E2E.run(["store", "copy", original, pg.displayURL, "--to-password-file", cluster.passwordFile])
        XCTAssertEqual(toPG.status, 0, toPG.stderr)
        let said = String(decoding: toPG.stdout, as: UTF8.self)
        XCTAssertTrue(said.contains(" 1 review,") && said.contains(" 2 thumbnail"), said)
        let back = root + "/back.sqlite"
        let toSQLite = try E2E.run(["store", "copy", pg.displayURL, back, "--from-password-file", cluster.passwordFile])
        XCTAssertEqual(toSQLite.status, 0, toSQLite.stderr)

        let want: [String: [[StoreValue]]]
        do {
            let store = try HashStore(path: original)
            defer { try? store.close() }
            want = try rows(store)
        }
        for table in StoreTable.all { XCTAssertFalse(want[table.name, default: []].isEmpty, "the original has no \(table.name) row") }
        do {
            let store = try PostgresStore(pg)
            defer { try? store.close() }
            XCTAssertEqual(try rows(store), want, "PostgreSQL copy")
            // New ids and ages come after the copied ones.
            let fresh = try store.upsertDataset(name: "new", root: nil)
            XCTAssertGreaterThan(fresh.id, try XCTUnwrap(try store.datasets().filter { $0.name != "new" }.map(\.id).max()))
            XCTAssertTrue(try store.deleteDataset(named: "new"))
        }
        do {
            let store = try HashStore(path: back)
            defer { try? store.close() }
            XCTAssertEqual(try rows(store), want, "SQLite copy of the PostgreSQL copy")
        }

        // analyze on each copy reuses every hash and writes what it writes on the original.
        for (label, store) in [("original", [original]), ("pg", [pg.displayURL, "--store-password-file", cluster.passwordFile]),
                               ("back", [back])] {
            let run = try E2E.run(["analyze"] + datasets + flags + ["--store"] + store + ["--out", "\(root!)/\(label)"])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stderr.contains("0 decoded"), "\(label): \(run.stderr)")
        }
        let reference = try outputs(root + "/original")
        XCTAssertGreaterThan(reference.count, 10)
        XCTAssertEqual(try outputs(root + "/pg"), reference, "analyze on the PostgreSQL copy")
        XCTAssertEqual(try outputs(root + "/back"), reference, "analyze on the SQLite copy")
    }

    func testCopyRefusesANonEmptyTargetAndAMissingSource() throws {
        let source = root + "/source.sqlite"
        let list = root + "/list.txt"
        try "\(String(repeating: "ab", count: 32))\n".write(toFile: list, atomically: true, encoding: .utf8)
        let imported = try E2E.run(["import", "list", list, "--family", "pdq", "--store", source])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let pg = try cluster.newDatabase()
        let password = cluster.passwordFile
        let once = try E2E.run(["store", "copy", source, pg.displayURL, "--to-password-file", password])
        XCTAssertEqual(once.status, 0, once.stderr)
        // Into the PostgreSQL store just filled, and from it into the SQLite one: both refused.
        for again in [["store", "copy", source, pg.displayURL, "--to-password-file", password],
                      ["store", "copy", pg.displayURL, source, "--from-password-file", password]] {
            let run = try E2E.run(again)
            XCTAssertEqual(run.status, 1, run.stderr)
            XCTAssertTrue(run.stderr.contains("is not empty"), run.stderr)
        }
        let missing = try E2E.run(["store", "copy", root + "/nothing.sqlite", root + "/to.sqlite"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("there is no store at"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/to.sqlite"))
    }
}
