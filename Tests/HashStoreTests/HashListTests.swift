import Foundation
import HashKit
import HashStore
import XCTest

/// The library side of `crosshash import`/`export`: the line reader and the line grammar (how
/// imported entries look to the rest of the store is in the store contract, on every backend).
final class HashListTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("HashListTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func reader(_ text: String) throws -> LineReader {
        let url = folder.appendingPathComponent("list-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        return LineReader(handle: try FileHandle(forReadingFrom: url))
    }

    func testLinesCrossingReadBlocksComeBackWhole() throws {
        // 40,000 lines of 65 bytes: 2.6 MB, so lines straddle the reader's 1 MiB blocks; the
        // last line has no newline.
        let lines = (0..<40_000).map { String(format: "%064d", $0) }
        var r = try reader(lines.joined(separator: "\n"))
        var read = [String]()
        while let line = try r.next() { read.append(String(decoding: line, as: UTF8.self)) }
        XCTAssertEqual(read, lines)
    }

    func testLineGrammar() {
        let hex = String(repeating: "0f", count: 32)
        func parse(_ s: String, _ n: Int = 7) -> HashListLine { HashListLine.parse(ArraySlice(Array(s.utf8)), number: n, family: .pdq) }
        XCTAssertEqual(parse(""), .ignored)
        XCTAssertEqual(parse("  # note"), .ignored)
        guard case .entry(let words, let id) = parse(hex) else { return XCTFail("no entry") }
        XCTAssertEqual(words, Array(repeating: 0x0f0f_0f0f_0f0f_0f0f, count: 4))
        XCTAssertEqual(id, Array("7".utf8))
        XCTAssertEqual(parse(hex.uppercased() + ",a,b\r"), .entry(words: words, id: Array("a,b".utf8)))
        guard case .bad = parse(hex + ",") else { return XCTFail("an empty ID was accepted") }
        guard case .bad = parse(String(hex.dropLast())) else { return XCTFail("63 digits were accepted") }
    }
}
