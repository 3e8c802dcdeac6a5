import XCTest
import Foundation

/// `crosshash hash` on the fixture folder: every image gets the reference hashes, every bad file
/// an error line, and the CPU and OpenCL engines print the same bytes.
final class HashCommandTests: XCTestCase {
    func testJSONLinesMatchReferenceForEveryFixture() throws {
        let expected = try E2E.expected()
        let images = E2E.fixtures.appendingPathComponent("images").path
        let r = try E2E.run(["hash", "--json", "--device", "cpu", images])
        XCTAssertEqual(r.status, 0, r.stderr)
        var seen = Set<String>()
        for line in r.text.split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] ?? [:]
            guard let file = obj["file"], file.hasPrefix(images + "/") else { XCTFail("bad line \(line)"); continue }
            let key = String(file.dropFirst(images.count + 1))
            seen.insert(key)
            guard let ref = expected[key] else { XCTFail("\(key) not in expected.json"); continue }
            let format = ref["format"] as? String
            if let ph = ref["phash"] as? String, format != nil {
                XCTAssertEqual(obj["phash"], ph, "\(key) phash (\(obj["error"] ?? ""))")
                XCTAssertEqual(obj["blockmean"], ref["blockmean"] as? String, "\(key) blockmean")
            } else {
                XCTAssertNotNil(obj["error"], "\(key) should be an error line, reference: \(ref)")
                XCTAssertFalse(obj["error"]?.isEmpty ?? true)
            }
        }
        XCTAssertEqual(seen, Set(expected.keys), "every fixture gets exactly one line")
    }

    /// `--families phash,blockmean,pdq`: the same phash and blockmean as without, plus PDQ's hash
    /// and quality from Meta's C++ (expected_pdq.json); on OpenCL the CPU adds PDQ, same bytes.
    func testFamiliesAddPDQAndKeepTheDefaultColumns() throws {
        let images = E2E.fixtures.appendingPathComponent("images/edge").path
        let plain = try E2E.run(["hash", "--json", "--device", "cpu", images])
        let all = try E2E.run(["hash", "--json", "--device", "cpu", "--families", "pdq,phash,blockmean", images])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(all.status, 0, all.stderr)
        let data = try Data(contentsOf: E2E.fixtures.appendingPathComponent("expected_pdq.json"))
        let ref = try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] ?? [:]
        let plainLines = plain.text.split(separator: "\n"), allLines = all.text.split(separator: "\n")
        XCTAssertEqual(plainLines.count, allLines.count)
        var checked = 0
        for (p, a) in zip(plainLines, allLines) {
            let obj = try JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any] ?? [:]
            let file = obj["file"] as? String ?? ""
            guard let expected = ref["edge/" + (file as NSString).lastPathComponent] else {
                XCTAssertEqual(String(p), String(a), "an error line stays as it was")
                continue
            }
            XCTAssert(a.hasPrefix(p.dropLast()), "the default columns come first, unchanged: \(a)")
            XCTAssertEqual(obj["pdq"] as? String, expected["pdq"] as? String, file)
            XCTAssertEqual(obj["pdq_quality"] as? Int, expected["pdq_quality"] as? Int, file)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 20)
        if try E2E.openCLAvailable() {
            let gpu = try E2E.run(["hash", "--json", "--device", "opencl", "--families", "phash,blockmean,pdq", images])
            XCTAssertEqual(gpu.text, all.text)
        }
        let bad = try E2E.run(["hash", "--families", "phash,md5", images])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssert(bad.stderr.contains("unknown hash family 'md5'"), bad.stderr)
    }

    func testOpenCLPrintsTheSameAsCPU() throws {
        guard try E2E.openCLAvailable() else { throw XCTSkip("no OpenCL device") }
        let images = E2E.fixtures.appendingPathComponent("images").path
        let cpu = try E2E.run(["hash", "--device", "cpu", images])
        let gpu = try E2E.run(["hash", "--device", "opencl", images])
        XCTAssertEqual(cpu.status, 0)
        XCTAssertEqual(gpu.status, 0)
        XCTAssertFalse(gpu.stderr.contains("using the CPU fallback"), gpu.stderr)
        XCTAssertEqual(cpu.text, gpu.text)
        XCTAssertGreaterThan(cpu.text.split(separator: "\n").count, 50)
    }

    func testMissingArgumentIsAnErrorButBadFilesAreNot() throws {
        let missing = try E2E.run(["hash", "/nonexistent/folder"])
        XCTAssertNotEqual(missing.status, 0)
        let bad = try E2E.run(["hash", E2E.fixtures.appendingPathComponent("images/hostile/empty.jpg").path])
        XCTAssertEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("not an image (empty file)"), bad.stderr)
    }

    func testMissingOpenCLLibraryFallsBackToCPU() throws {
        let file = E2E.fixtures.appendingPathComponent("images/real/calla.jpg").path
        let r = try E2E.run(["hash", "--device", "opencl", file], env: ["CROSSHASH_OPENCL_LIB": "/nonexistent/libOpenCL.so.1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("CPU fallback"), r.stderr)
        let cpu = try E2E.run(["hash", "--device", "cpu", file])
        XCTAssertEqual(r.text, cpu.text)
    }
}
