import Foundation
import HashKit
@testable import HashStore
import XCTest

/// What opening a store checks (issue 17): every page of a store up to
/// `StoreOpening.fullCheckBytes`; a larger one has its small tables checked at the opening and
/// its bulk tables (files, contents, hashes) as they are read. The large case is forced with a
/// `fullCheck` of 0 bytes on a real store file damaged by overwriting one table's root page.
final class StoreOpenCheckTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("StoreOpenCheckTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A store of 3000 hashed files (the hash table spans many pages), closed (no WAL left), and
    /// the page size and root page of `table`, read with the sqlite3 tool.
    private func makeStore(_ name: String, rootOf table: String) throws -> (path: String, offset: UInt64) {
        let path = folder.appendingPathComponent(name).path
        let store = try HashStore(path: path)
        let dataset = try store.upsertDataset(name: "big", root: nil)
        var rng = SplitMix64(seed: 17)
        try store.apply((0..<3000).map { i in
            var words: [HashFamily.ID: [UInt64]] = [:]
            for family in HashFamily.all { words[family.id] = (0..<family.wordsPerHash).map { _ in rng.next() } }
            return FileChange(path: Array("file\(i)".utf8), stat: FileStat(size: Int64(i), mtimeNs: Int64(i), inode: UInt64(i)),
                              digest: ContentDigest.of(Array("content \(i)".utf8)),
                              outcome: .hashed(ImageHashes(words: words)!, warnings: []), codeVersion: ImageHashes.codeVersion)
        }, to: dataset.id)
        try store.close()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"), "the WAL should be gone after close")
        let pageSize = try XCTUnwrap(UInt64(try sqlite3(path, "pragma page_size;")))
        let root = try XCTUnwrap(UInt64(try sqlite3(path, "select rootpage from sqlite_master where name = '\(table)';")))
        return (path, (root - 1) * pageSize)
    }

    /// Overwrites 4096 bytes at `offset` with garbage.
    private func damage(_ path: String, at offset: UInt64) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: offset)
        var rng = SplitMix64(seed: 18)
        try handle.write(contentsOf: Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        try handle.close()
    }

    private func sqlite3(_ path: String, _ sql: String) throws -> String {
        let tool = "/usr/bin/sqlite3"
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("needs \(tool)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func damagedError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected a damaged-store error, nothing was thrown", file: file, line: line)
        } catch let error as StoreError {
            XCTAssertEqual(error.kind, .damaged, "\(error)", file: file, line: line)
        } catch {
            XCTFail("expected a StoreError, got \(error)", file: file, line: line)
        }
    }

    func testABulkTableDamagedIsRefusedAtTheOpeningOfASmallStoreAndWhenReadInALargeOne() throws {
        let (path, offset) = try makeStore("hashes.sqlite", rootOf: "content_hash")
        try damage(path, at: offset)
        // Small store: the opening checks every page.
        damagedError { _ = try HashStore(path: path) }
        // Large store: opened, and the start's read of the hashes reports the damage.
        let store = try HashStore(path: path, fullCheck: 0)
        defer { try? store.close() }
        let dataset = try XCTUnwrap(try store.dataset(named: "big"))
        damagedError {
            try store.streamHashes(in: dataset.id, families: HashFamily.all, strict: { _ in true }) { _, _, _ in }
        }
    }

    func testASmallTableDamagedIsRefusedAtTheOpeningOfALargeStore() throws {
        let (path, offset) = try makeStore("datasets.sqlite", rootOf: "dataset")
        try damage(path, at: offset)
        damagedError { _ = try HashStore(path: path, fullCheck: 0) }
    }

    func testAnUndamagedLargeStoreOpensAndStreamsEveryFile() throws {
        let (path, _) = try makeStore("fine.sqlite", rootOf: "content_hash")
        let store = try HashStore(path: path, fullCheck: 0)
        defer { try? store.close() }
        let dataset = try XCTUnwrap(try store.dataset(named: "big"))
        var paths = Set<[UInt8]>()
        try store.streamHashes(in: dataset.id, families: HashFamily.all, strict: { _ in true }) { key, _, _ in paths.insert(Array(key)) }
        XCTAssertEqual(paths, Set((0..<3000).map { Array("file\($0)".utf8) }))
    }
}
