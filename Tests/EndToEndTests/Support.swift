import XCTest
import Foundation
import TestSupport

/// Runs the built `crosshash` and reads the fixtures' reference results.
enum E2E {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func binary() throws -> String {
        if let env = ProcessInfo.processInfo.environment["CROSSHASH_BIN"] { return env }
        let here = Bundle.main.bundleURL
        for dir in [here, here.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("crosshash").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw XCTSkip("crosshash binary not found next to the tests (\(here.path)); set CROSSHASH_BIN")
    }

    /// Skips a load test in the AddressSanitizer pass (see `TestEnvironment`); the plain pass runs it.
    static func skipLoadTestUnderASan() throws {
        if TestEnvironment.underAddressSanitizer { throw XCTSkip("a load test: the plain pass runs it") }
    }

    struct Run {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The default store of every run these tests start ($XDG_CACHE_HOME/crosshash/store.sqlite)
    /// lies in a folder of this test process, never in the user's cache.
    static let cacheHome = NSTemporaryDirectory() + "crosshash-e2e-cache-\(ProcessInfo.processInfo.processIdentifier)"

    static func process(_ args: [String], env: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary())
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = cacheHome
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        return p
    }

    static func run(_ args: [String], env: [String: String] = [:]) throws -> Run {
        let p = try process(args, env: env)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let errData = CollectedBytes()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData.bytes = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData.bytes, as: UTF8.self))
    }

    /// Tests/Fixtures/expected.json: key -> reference result (phash, blockmean or error).
    static func expected() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return obj.compactMapValues { $0 as? [String: Any] }.filter { $0.key != "versions" }
    }

    static func tempDir(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "crosshash-e2e-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func copy(_ fixture: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("images/" + fixture).path, toPath: path)
    }

    static func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func hamming(_ a: String, _ b: String) -> Int { HexHash.distance(a, b) }

    /// Whether an OpenCL device answers (PoCL in CI); OpenCL checks skip without one.
    static func openCLAvailable() throws -> Bool {
        let r = try run(["devices"])
        return r.text.contains("opencl:0")
    }
}

/// What a reader thread collected; the DispatchGroup's wait orders the write before the read.
final class CollectedBytes: @unchecked Sendable {
    var bytes = Data()
}
