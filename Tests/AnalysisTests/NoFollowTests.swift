import XCTest
import Foundation
@testable import HashKit
import HashStore
import CPUFallback
@testable import Analysis

/// Issue 16 item 7: a file or folder swapped for a symbolic link to outside the root after the
/// walk listed it is never read (at any level of the path) and is reported per file. Runs with
/// `openat2` and with the per-component walk that kernels without it take.
final class NoFollowTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    var base = ""
    var root: String { base + "/ds" }
    var outside: String { base + "/outside" }
    var store: HashStore!

    override func setUpWithError() throws {
        base = NSTemporaryDirectory() + "crosshash-nofollow-\(UUID().uuidString)"
        let fm = FileManager.default
        for dir in ["ds/sub", "ds/deep/mid/leaf", "outside/folder", "outside/midtarget/leaf"] {
            try fm.createDirectory(atPath: base + "/" + dir, withIntermediateDirectories: true)
        }
        // Inside: four different pictures; outside: one more, under every name an inside file has.
        for (name, fixture) in [("ds/a.jpg", "real/calla.jpg"), ("ds/keep.png", "real/city.png"),
                                ("ds/sub/b.jpg", "real/the_mouse.jpg"), ("ds/deep/mid/leaf/e.png", "real/rhythm.png"),
                                ("outside/x.jpg", "real/goldfish.jpg"), ("outside/folder/b.jpg", "real/goldfish.jpg"),
                                ("outside/midtarget/leaf/e.png", "real/goldfish.jpg")] {
            try fm.copyItem(atPath: Self.fixtures.appendingPathComponent(fixture).path, toPath: base + "/" + name)
        }
        store = try HashStore(path: base + "/store.sqlite")
    }

    override func tearDownWithError() throws {
        RootFolder.useOpenat2 = true
        try? store?.close()
        try? FileManager.default.removeItem(atPath: base)
    }

    /// The three swaps a user can make while a job runs: the file itself, its folder, a folder
    /// in the middle of its path; each becomes a link to the same place outside the root.
    func swapForLinks() throws {
        let fm = FileManager.default
        try fm.removeItem(atPath: root + "/a.jpg")
        XCTAssertEqual(symlink(outside + "/x.jpg", root + "/a.jpg"), 0)
        try fm.removeItem(atPath: root + "/sub")
        XCTAssertEqual(symlink(outside + "/folder", root + "/sub"), 0)
        try fm.removeItem(atPath: root + "/deep/mid")
        XCTAssertEqual(symlink(outside + "/midtarget", root + "/deep/mid"), 0)
    }

    func outsideHashes() throws -> ImageHashes {
        try CPUEngine().hash([try ImageDecoder().decode(path: outside + "/x.jpg")])[0]
    }

    func checkIndexRefusesLinksSwappedInAfterTheWalk(openat2: Bool) throws {
        RootFolder.useOpenat2 = openat2
        let pipeline = HashPipeline(engine: CPUEngine(), mode: .inline, decoder: ImageDecoder(), workers: 2)
        let indexer = DatasetIndexer(store: store, pipeline: pipeline)
        // Between the walk and the reads, as a job that is still running would meet them.
        indexer.beforeReading = { try? self.swapForLinks() }
        let spec = DatasetSpec(name: "ds", path: root)
        let done = try XCTUnwrap(try indexer.index([spec], showProgress: false).first)
        let result = try StoredDatasets.load(store, done.stored, spec: spec, counts: done.counts)

        XCTAssertEqual(result.keys.map(\.display), ["keep.png"], "only the file still inside is hashed")
        XCTAssertFalse(result.hashes.contains(try outsideHashes()), "an image outside the root was indexed")
        let messages = Dictionary(uniqueKeysWithValues: result.issues.map { ($0.key.display, $0.message) })
        XCTAssertEqual(messages.keys.sorted(), ["a.jpg", "deep/mid/leaf/e.png", "sub/b.jpg"], "\(messages)")
        XCTAssertEqual(messages["a.jpg"], "cannot read file: it became a symbolic link during the scan; not followed")
        XCTAssertEqual(messages["sub/b.jpg"], "cannot read file: its folder 'sub' became a symbolic link during the scan; not followed")
        XCTAssertEqual(messages["deep/mid/leaf/e.png"],
                       "cannot read file: its folder 'deep/mid' became a symbolic link during the scan; not followed")
        XCTAssertEqual(done.counts.errors, 3)
    }

    func testIndexRefusesLinksSwappedInAfterTheWalk() throws {
        try checkIndexRefusesLinksSwappedInAfterTheWalk(openat2: true)
    }

    func testIndexRefusesLinksSwappedInAfterTheWalkWithoutOpenat2() throws {
        try checkIndexRefusesLinksSwappedInAfterTheWalk(openat2: false)
    }

    /// A folder swapped for a link between being listed and being entered is reported, not
    /// entered: the walk goes down by directory descriptors with O_NOFOLLOW.
    func testWalkDoesNotEnterAFolderSwappedForALink() throws {
        let entries = try DatasetScanner.scan(root: root, beforeEntering: { key in
            guard key.display == "sub" else { return }
            try? FileManager.default.removeItem(atPath: self.root + "/sub")
            XCTAssertEqual(symlink(self.outside + "/folder", self.root + "/sub"), 0)
        })
        XCTAssertEqual(entries.map(\.key.display), ["a.jpg", "deep/mid/leaf/e.png", "keep.png", "sub"])
        XCTAssertEqual(entries.first { $0.key.display == "sub" }?.problem,
                       "the folder became a symbolic link during the scan; not followed")
    }

    /// The reads after the index (pair verification, thumbnails) go through the same door.
    func testPreviewReadsBeneathTheRootWithoutFollowingLinks() throws {
        for openat2 in [true, false] {
            RootFolder.useOpenat2 = openat2
            let dataset = DatasetResult(spec: DatasetSpec(name: "ds", path: root), keys: [], hashes: [], issues: [])
            let roots = DatasetRoots([dataset])
            let decoder = ImageDecoder()
            XCTAssertNoThrow(try decoder.decodePreview(roots.source(dataset: 0, key: FileKey("sub/b.jpg")), minSide: 64))
            try swapForLinks()
            for (key, expected) in [("a.jpg", DecodeError.unreadable("it became a symbolic link during the scan; not followed")),
                                    ("sub/b.jpg", .unreadable("its folder 'sub' became a symbolic link during the scan; not followed")),
                                    ("deep/mid/leaf/e.png", .unreadable("its folder 'deep/mid' became a symbolic link during the scan; not followed"))] {
                XCTAssertThrowsError(try decoder.decodePreview(roots.source(dataset: 0, key: FileKey(key)), minSide: 64)) { error in
                    XCTAssertEqual(error as? DecodeError, expected, "\(key), openat2 \(openat2)")
                }
            }
            // Names that would leave the root are refused before any system call.
            let folder = RootFolder(path: root)
            for bad in ["../outside/x.jpg", "/etc/passwd", "", "keep.png/", "./keep.png"] {
                XCTAssertThrowsError(try folder.openFile(Array(bad.utf8)), bad)
            }
            XCTAssertNoThrow(try folder.openFile(Array("keep.png".utf8)).close())
            try tearDownWithError()
            try setUpWithError()
        }
    }
}

private extension Int32 {
    func close() { _ = Glibc.close(self) }
}
