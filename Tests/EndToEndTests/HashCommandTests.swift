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
