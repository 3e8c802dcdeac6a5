import XCTest
import Foundation
@testable import HashKit

/// `readStable` ties bytes to the stat recorded with them, even while another thread writes.
final class FileSnapshotTests: XCTestCase {
    func testSnapshotMatchesTheFileAndItsDigest() throws {
        let path = NSTemporaryDirectory() + "crosshash-snap-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let content = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        let snap = try ImageDecoder().readStable(pathBytes: Array(path.utf8))
        XCTAssertEqual(snap.bytes, content)
        XCTAssertEqual(snap.size, Int64(content.count))
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(snap.inode, UInt64(st.st_ino))
        XCTAssertEqual(snap.mtimeNs, Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
        XCTAssertEqual(ContentDigest.of(snap.bytes), ContentDigest.of(content))
        XCTAssertNotEqual(ContentDigest.of(snap.bytes), ContentDigest.of(content + [0]))
        // The SHA-256 of "abc" (FIPS 180-2 test vector).
        XCTAssertEqual(ContentDigest.of(Array("abc".utf8)).hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")

        XCTAssertThrowsError(try ImageDecoder(limits: DecodeLimits(maxFileBytes: 10)).readStable(pathBytes: Array(path.utf8))) { error in
            XCTAssertEqual(error as? DecodeError, .fileTooLarge(bytes: 100_000, limit: 10))
        }
    }

    func testAFileGrowingWhileReadNeverGivesBytesThatDisagreeWithTheirStat() throws {
        let path = NSTemporaryDirectory() + "crosshash-grow-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 1 << 20))
        let writer = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        let stop = StopFlag()
        let thread = Thread {
            let chunk = Data(repeating: 9, count: 4096)
            var written = 0
            while written < 64 << 20 {
                if stop.isSet { break }
                writer.seekToEndOfFile()
                writer.write(chunk)
                written += chunk.count
            }
        }
        thread.start()
        var consistent = 0, refused = 0
        for _ in 0..<40 {
            do {
                let snap = try ImageDecoder().readStable(pathBytes: Array(path.utf8))
                XCTAssertEqual(Int64(snap.bytes.count), snap.size, "the recorded size is the size of the bytes read")
                consistent += 1
            } catch {
                XCTAssertTrue("\(error)".contains("kept changing"), "\(error)")
                refused += 1
            }
        }
        stop.set()
        while thread.isExecuting { usleep(1000) }
        try writer.close()
        XCTAssertEqual(consistent + refused, 40)
    }
}

/// A flag the test sets and the writer thread polls.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
