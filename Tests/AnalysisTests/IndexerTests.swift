import XCTest
import Foundation
import HashKit
import HashStore
import CPUFallback
@testable import Analysis

/// The index step's reuse rules on real files, the real CPU engine and a real SQLite store.
final class IndexerTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    var root = ""
    var store: HashStore!

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "crosshash-index-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        for (name, fixture) in [("calla.jpg", "real/calla.jpg"), ("city.png", "real/city.png"), ("mouse.jpg", "real/the_mouse.jpg")] {
            try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent(fixture).path, toPath: root + "/a/" + name)
        }
        store = try HashStore(path: root + "/store.sqlite")
    }

    override func tearDownWithError() throws {
        try? store?.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    func indexer(limits: DecodeLimits = DecodeLimits()) -> DatasetIndexer {
        let pipeline = HashPipeline(engine: CPUEngine(), mode: .inline, decoder: ImageDecoder(limits: limits), workers: 2)
        return DatasetIndexer(store: store, pipeline: pipeline)
    }

    func index(_ name: String = "a", folder: String = "a", limits: DecodeLimits = DecodeLimits()) throws -> (IndexCounts, DatasetResult) {
        let spec = DatasetSpec(name: name, path: root + "/" + folder)
        let done = try XCTUnwrap(try indexer(limits: limits).index([spec], showProgress: false).first)
        return (done.counts, try StoredDatasets.load(store, done.stored, spec: spec, counts: done.counts))
    }

    /// What the reference path computes for a file, to compare stored results against.
    func referenceHashes(_ path: String) throws -> ImageHashes {
        try CPUEngine().hash([try ImageDecoder().decode(path: path)])[0]
    }

    /// `--dihedral` hashes each picture once: the decoder thread's one pass gives the stored
    /// hashes (PDQ and its quality included) and variants, and the pipeline's engine is never
    /// asked; without the flag the engine hashes every picture.
    func testDihedralRunsHashEachPictureInOnePassWithoutTheEngine() throws {
        final class Counting: HashEngine, @unchecked Sendable {
            let inner = PDQEngine(wrapping: CPUEngine())
            let lock = NSLock()
            var images = 0
            var description: EngineDescription { inner.description }
            var preferredBatchPixels: Int { inner.preferredBatchPixels }
            var families: [HashFamily] { inner.families }
            func hash(_ batch: [DecodedImage]) throws -> [ImageHashes] {
                lock.lock()
                images += batch.count
                lock.unlock()
                return try inner.hash(batch)
            }
        }
        var hashedByEngine = [Int]()
        var stored = [[UInt8]: ImageHashes]()
        for dihedral in [true, false] {
            let name = dihedral ? "with" : "without"
            try FileManager.default.copyItem(atPath: root + "/a", toPath: root + "/" + name)
            // A store of its own per run, so the second run decodes again.
            try store.close()
            store = try HashStore(path: root + "/\(name).sqlite")
            let engine = Counting()
            let pipeline = HashPipeline(engine: engine, mode: .inline, decoder: ImageDecoder(), workers: 2)
            let indexer = DatasetIndexer(store: store, pipeline: pipeline)
            indexer.dihedral = dihedral
            let done = try XCTUnwrap(try indexer.index([DatasetSpec(name: name, path: root + "/" + name)], showProgress: false).first)
            XCTAssertEqual(done.counts, IndexCounts(decoded: 3, reused: 0, errors: 0))
            hashedByEngine.append(engine.images)
            XCTAssertGreaterThan(pipeline.stats.hashSeconds, 0, "the hashing is timed as hashing")
            let families = engine.families
            for family in families {
                for row in try store.familyHashes(in: done.stored.id, family: family) {
                    var h = stored[row.path] ?? .zero
                    family.set(row.words, in: &h)
                    if let q = row.quality, family == .pdq { h.pdqQuality = q }
                    stored[row.path] = h
                }
            }
            let variants = try store.variants(in: done.stored.id, families: families)
            for file in ["calla.jpg", "city.png", "mouse.jpg"] {
                let image = try ImageDecoder().decode(path: root + "/" + name + "/" + file)
                let path = Array(file.utf8)
                XCTAssertEqual(stored[path], try PDQEngine(wrapping: CPUEngine()).hash([image])[0], "\(name) \(file)")
                if dihedral {
                    XCTAssertEqual(variants[path], try CPUEngine().dihedral(image, families: families), file)
                } else {
                    XCTAssertNil(variants[path])
                }
            }
            stored = [:]
        }
        XCTAssertEqual(hashedByEngine, [0, 3])
    }

    func testUnchangedFilesAreNotReadAgain() throws {
        let (first, result) = try index()
        XCTAssertEqual(first, IndexCounts(decoded: 3, reused: 0, errors: 0))
        XCTAssertEqual(result.keys.map(\.display), ["calla.jpg", "city.png", "mouse.jpg"])
        XCTAssertEqual(result.hashes[0], try referenceHashes(root + "/a/calla.jpg"))

        // Overwrite calla.jpg in place with garbage of the same size and put its mtime back: path,
        // size, mtime and inode all match the stored row, so the file must not even be opened
        // (the stored hashes stand, although the bytes on disk no longer are an image).
        let path = root + "/a/calla.jpg"
        var before = stat()
        XCTAssertEqual(stat(path, &before), 0)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: Data(repeating: 0x41, count: Int(before.st_size)))
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)

        let (second, again) = try index()
        XCTAssertEqual(second, IndexCounts(decoded: 0, reused: 3, errors: 0))
        XCTAssertEqual(again.hashes, result.hashes)

        // Once the mtime moves, the file is read: now it is not an image.
        var later = [before.st_atim, timespec(tv_sec: before.st_mtim.tv_sec + 5, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &later, 0), 0)
        let (third, changed) = try index()
        XCTAssertEqual(third, IndexCounts(decoded: 1, reused: 2, errors: 1))
        XCTAssertEqual(changed.keys.map(\.display), ["city.png", "mouse.jpg"])
        XCTAssertEqual(changed.issues.map(\.key.display), ["calla.jpg"])
        XCTAssertTrue(changed.issues[0].message.hasPrefix("not an image"), changed.issues[0].message)
    }

    func testKnownContentUnderAnotherNameIsNotDecoded() throws {
        _ = try index()
        try FileManager.default.createDirectory(atPath: root + "/b/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: root + "/a/city.png", toPath: root + "/b/sub/renamed.png")
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("real/goldfish.jpg").path,
                                         toPath: root + "/b/goldfish.jpg")
        let (counts, result) = try index("b", folder: "b")
        XCTAssertEqual(counts, IndexCounts(decoded: 1, reused: 1, errors: 0))
        XCTAssertEqual(result.keys.map(\.display), ["goldfish.jpg", "sub/renamed.png"])
        XCTAssertEqual(result.hashes[1], try referenceHashes(root + "/a/city.png"))
        XCTAssertEqual(result.hashes[0], try referenceHashes(root + "/b/goldfish.jpg"))
    }

    func testBrokenFilesAreRememberedAndVanishedFilesDropped() throws {
        _ = FileManager.default.createFile(atPath: root + "/a/notes.txt", contents: Data("hello".utf8))
        let (first, r1) = try index()
        XCTAssertEqual(first, IndexCounts(decoded: 4, reused: 0, errors: 1))
        XCTAssertEqual(r1.issues.map(\.message), ["not an image (starts with `hello`)"])
        let (second, r2) = try index()
        XCTAssertEqual(second, IndexCounts(decoded: 0, reused: 4, errors: 1), "an unchanged broken file is not decoded again")
        XCTAssertEqual(r2.issues.map(\.message), r1.issues.map(\.message))

        try FileManager.default.removeItem(atPath: root + "/a/mouse.jpg")
        let (third, r3) = try index()
        XCTAssertEqual(third, IndexCounts(decoded: 0, reused: 3, errors: 1))
        XCTAssertEqual(r3.keys.map(\.display), ["calla.jpg", "city.png"])
        let stored = try XCTUnwrap(try store.dataset(named: "a"))
        XCTAssertEqual(try store.files(in: stored.id).map { String(decoding: $0.path, as: UTF8.self) }, ["calla.jpg", "city.png", "notes.txt"])
    }

    func testOtherLimitsAreAnotherVersion() throws {
        _ = try index()
        let (counts, result) = try index(limits: DecodeLimits(maxPixels: 1000))
        XCTAssertEqual(counts, IndexCounts(decoded: 3, reused: 0, errors: 3))
        XCTAssertTrue(result.issues.allSatisfy { $0.message.contains("--max-pixels") })
        let (back, _) = try index(limits: DecodeLimits(maxPixels: 1000))
        XCTAssertEqual(back, IndexCounts(decoded: 0, reused: 3, errors: 3))
    }

    func testInMemoryStoreGivesTheSameResult() throws {
        let (_, onDisk) = try index()
        try store.close()
        store = try HashStore(inMemory: ())
        let (counts, inMemory) = try index()
        XCTAssertEqual(counts, IndexCounts(decoded: 3, reused: 0, errors: 0))
        XCTAssertEqual(inMemory.keys, onDisk.keys)
        XCTAssertEqual(inMemory.hashes, onDisk.hashes)
    }
}
