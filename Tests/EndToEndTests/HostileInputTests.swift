import XCTest
import Foundation

/// `crosshash analyze` on a folder of hostile files: the run finishes, every good file gets its
/// reference hash, every bad one is in errors.json with a reason a user can act on.
final class HostileInputTests: XCTestCase {
    var root = ""
    var expected = [String: [String: Any]]()

    override func setUpWithError() throws {
        root = try E2E.tempDir("hostile")
        expected = try E2E.expected()
        let hostile = E2E.fixtures.appendingPathComponent("images/hostile").path
        for name in try FileManager.default.contentsOfDirectory(atPath: hostile) {
            try E2E.copy("hostile/" + name, to: "\(root)/data/\(name)")
        }
        try E2E.copy("large/" + (try FileManager.default.contentsOfDirectory(atPath: E2E.fixtures.appendingPathComponent("images/large").path)[0]),
                     to: "\(root)/data/nested/deeper/large.jpg")
        try E2E.copy("real/calla.jpg", to: "\(root)/data/.hidden.jpg")
        XCTAssertEqual(symlink("\(root)/data", "\(root)/data/nested/loop"), 0)
        XCTAssertEqual(symlink("\(root)/data/gone.jpg", "\(root)/data/dangling.jpg"), 0)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func testEveryFileHashedOrExplained() throws {
        let out = root + "/out"
        let r = try E2E.run(["analyze", "hostile=\(root)/data", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let hashes = try E2E.json(out + "/hostile/perceptual_hashes.json") as? [String: String] ?? [:]
        let robust = try E2E.json(out + "/hostile/robust_hashes.json") as? [String: String] ?? [:]
        let issues = try E2E.json(out + "/hostile/errors.json") as? [[String: Any]] ?? []
        var errors = [String: String](), warnings = [String: String]()
        for i in issues {
            let file = i["file"] as? String ?? "", message = i["error"] as? String ?? ""
            XCTAssertFalse(message.isEmpty, "\(file) has an empty reason")
            if i["warning"] as? Bool == true { warnings[file] = message } else { errors[file] = message }
        }

        // Good files: the reference hash, whatever their name says.
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: E2E.fixtures.appendingPathComponent("images/hostile").path)
        for name in fixtures {
            let ref = expected["hostile/" + name] ?? [:]
            let format = ref["format"] as? String
            if let ph = ref["phash"] as? String, format != nil {
                XCTAssertEqual(hashes[name], ph, "\(name): \(errors[name] ?? "")")
                XCTAssertEqual(robust[name], ref["blockmean"] as? String, name)
                XCTAssertNil(errors[name], name)
            } else {
                XCTAssertNil(hashes[name], "\(name) must not be hashed")
                XCTAssertNotNil(errors[name], "\(name) missing from errors.json")
            }
        }
        XCTAssertEqual(hashes.count + errors.count, fixtures.count + 3, "every candidate in exactly one place")
        let large = expected.first { $0.key.hasPrefix("large/") }?.value
        XCTAssertEqual(hashes["nested/deeper/large.jpg"], large?["phash"] as? String)
        XCTAssertNil(hashes[".hidden.jpg"], "hidden files are skipped")

        // Reasons a user can act on.
        func expect(_ file: String, _ fragment: String) {
            XCTAssertTrue(errors[file]?.contains(fragment) == true, "\(file): '\(errors[file] ?? "nil")' lacks '\(fragment)'")
        }
        expect("html_page.jpg", "not an image (starts with `<!DOCTYPE")
        expect("empty.jpg", "not an image (empty file)")
        expect("README.txt", "not an image")
        expect("random_bytes.jpg", "not an image")
        expect("bomb_60000x60000.png", "PNG declares 60000x60000 pixels, over the limit of 178956970 (--max-pixels)")
        expect("bomb_65000x65000.jpg", "JPEG declares 65000x65000 pixels, over the limit")
        expect("truncated_scan.jpg", "truncated")
        expect("missing_eoi.jpg", "truncated")
        expect("truncated_header.jpg", "truncated")
        expect("truncated_idat.png", "truncated")
        expect("bad_crc_text.png", "CRC")
        expect("precision12_header.jpg", "12-bit")
        expect("dangling.jpg", "dangling symbolic link")
        expect("nested/loop", "symbolic link, not followed")
        // Corrupt data that libjpeg warns about and Pillow still decodes: hashed, with a warning.
        XCTAssertEqual(warnings["corrupt_header_garbage.jpg"], "Corrupt JPEG data: 3 extraneous bytes before marker 0xda")
        XCTAssertNotNil(hashes["corrupt_header_garbage.jpg"])
    }

    func testPixelLimitIsConfigurable() throws {
        let out = root + "/limited"
        let r = try E2E.run(["analyze", "hostile=\(root)/data/nested", "--out", out, "--max-pixels", "1000000"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let issues = try E2E.json(out + "/hostile/errors.json") as? [[String: Any]] ?? []
        let message = issues.first { $0["file"] as? String == "deeper/large.jpg" }?["error"] as? String
        XCTAssertEqual(message, "JPEG declares 9000x7000 pixels, over the limit of 1000000 (--max-pixels)")
    }

    /// File names that are not UTF-8 are hashed and written as Python's surrogate escapes.
    func testNonUTF8NamesAreHashedAndWrittenReversibly() throws {
        let dir = root + "/names"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let name: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".jpg".utf8)
        let source = try Data(contentsOf: E2E.fixtures.appendingPathComponent("images/real/calla.jpg"))
        let path = Array(dir.utf8) + [UInt8(ascii: "/")] + name + [0]
        let fd = path.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { $0.withMemoryRebound(to: CChar.self, capacity: buf.count) { open($0, O_CREAT | O_WRONLY, 0o644) } } ?? -1
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        _ = source.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)

        let out = root + "/names-out"
        let r = try E2E.run(["analyze", "names=\(dir)", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOfFile: out + "/names/perceptual_hashes.json", encoding: .utf8)
        let ref = expected["real/calla.jpg"]?["phash"] as? String ?? "?"
        XCTAssertEqual(text, "{\n  \"caf\\udce9.jpg\": \"\(ref)\"\n}\n")
    }
}
