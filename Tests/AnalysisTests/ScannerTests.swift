import XCTest
import Foundation
@testable import Analysis

final class ScannerTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "crosshash-scan-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/sub/deeper", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/.hidden-dir", withIntermediateDirectories: true)
        for f in ["b.jpg", "a.png", "sub/c.jpg", "sub/deeper/d", ".hidden.jpg", ".hidden-dir/e.jpg"] {
            _ = fm.createFile(atPath: root + "/" + f, contents: Data([1, 2, 3]))
        }
        XCTAssertEqual(symlink(root, root + "/sub/loop"), 0)          // a link loop
        XCTAssertEqual(symlink(root + "/missing", root + "/dangling"), 0)
        XCTAssertEqual(symlink(root + "/a.png", root + "/alias.png"), 0)
        // A file name that is not UTF-8.
        let bad: [UInt8] = Array((root + "/caf").utf8) + [0xE9] + Array(".jpg".utf8) + [0]
        let fd = bad.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func testWalkSortsSkipsHiddenReportsLinksAndKeepsRawNames() throws {
        let entries = try DatasetScanner.scan(root: root)
        let keys = entries.map(\.key)
        XCTAssertEqual(keys, [
            FileKey("a.png"), FileKey("alias.png"), FileKey("b.jpg"),
            FileKey(bytes: Array("caf".utf8) + [0xE9] + Array(".jpg".utf8)),
            FileKey("dangling"), FileKey("sub/c.jpg"), FileKey("sub/deeper/d"), FileKey("sub/loop"),
        ])
        let problems = Dictionary(uniqueKeysWithValues: entries.map { ($0.key.display, $0.problem) })
        XCTAssertNil(problems["a.png"] ?? nil)
        XCTAssertNil(problems["sub/deeper/d"] ?? nil)
        XCTAssertTrue((problems["dangling"] ?? nil)?.contains("dangling symbolic link") == true)
        XCTAssertTrue((problems["sub/loop"] ?? nil)?.contains("symbolic link, not followed") == true)
        XCTAssertTrue((problems["alias.png"] ?? nil)?.contains("symbolic link") == true)
    }

    func testMissingRootIsAnError() {
        XCTAssertThrowsError(try DatasetScanner.scan(root: root + "/nope"))
        XCTAssertThrowsError(try DatasetScanner.scan(root: root + "/a.png"))
    }
}
