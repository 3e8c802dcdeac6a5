import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `crosshash serve` binary, started on an ephemeral port of 127.0.0.1. Its stderr is
/// read on a thread of its own for the whole life of the process (so the pipe never fills);
/// the port comes from the line `crosshash: listening on http://127.0.0.1:PORT`.
final class ServerProcess {
    let process: Process
    let arguments: [String]
    private(set) var port: UInt16 = 0
    private let output = StderrBuffer()
    private var stderrPipe: Pipe?
    private var lock: NSCondition { output.lock }

    /// What the server wrote to stderr, filled by the reader thread.
    final class StderrBuffer: @unchecked Sendable {
        let lock = NSCondition()
        var data = Data()
        var closed = false
    }

    static let listeningPrefix = "crosshash: listening on http://127.0.0.1:"

    /// Starts `crosshash serve --listen 127.0.0.1:0 ARGS...` and waits (bounded) for the
    /// listening line; throws with the captured stderr when it does not come.
    init(_ args: [String], env: [String: String] = [:], startTimeout: TimeInterval = 60) throws {
        arguments = ["serve", "--listen", "127.0.0.1:0"] + args
        process = try E2E.process(arguments, env: env)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let fd = err.fileHandleForReading.fileDescriptor
        let output = self.output
        let reader = Thread {
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                output.lock.lock()
                if n > 0 { output.data.append(contentsOf: chunk[0..<n]) } else { output.closed = true }
                output.lock.broadcast()
                output.lock.unlock()
                if n <= 0 { break }
            }
        }
        try process.run()
        reader.start()
        // The pipe's file handle must outlive the thread: keep it with the process.
        stderrPipe = err

        let deadline = Date().addingTimeInterval(startTimeout)
        lock.lock()
        while port == 0 {
            let text = String(decoding: output.data, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(Self.listeningPrefix) }),
               let p = UInt16(line.dropFirst(Self.listeningPrefix.count).trimmingCharacters(in: .whitespaces)), p > 0 {
                port = p
                break
            }
            if output.closed || Date() > deadline {
                lock.unlock()
                let alive = process.isRunning
                if alive { kill(process.processIdentifier, SIGKILL) }
                _ = Self.wait(process, timeout: 10)
                throw HTTPClientError.socket("crosshash serve did not print '\(Self.listeningPrefix)PORT' "
                    + (alive ? "within \(Int(startTimeout)) s" : "(it exited with status \(process.terminationStatus))")
                    + "; args \(arguments); stderr:\n\(stderr)")
            }
            _ = lock.wait(until: min(deadline, Date().addingTimeInterval(0.5)))
        }
        lock.unlock()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Everything the server wrote to stderr so far.
    var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: output.data, as: UTF8.self)
    }

    var isRunning: Bool { process.isRunning }

    func client(timeout: TimeInterval = 60, apiKey: String? = nil) throws -> HTTPClient {
        try HTTPClient(port: port, timeout: timeout, defaultHeaders: apiKey.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    /// Waits (bounded) until GET /readyz answers 200; returns its body.
    @discardableResult
    func waitReady(timeout: TimeInterval = 60) throws -> HTTPResponse {
        let deadline = Date().addingTimeInterval(timeout)
        var last: String = "no answer"
        while Date() < deadline {
            guard process.isRunning else { break }
            if let r = try? client(timeout: 10).get("/readyz") {
                if r.status == 200 { return r }
                last = r.summary
            }
            usleep(50_000)
        }
        throw HTTPClientError.timeout("/readyz did not answer 200 within \(Int(timeout)) s (last: \(last)); stderr:\n\(stderr)")
    }

    /// Waits for the process to end, at most `timeout` seconds; false if it is still running.
    static func wait(_ p: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { return false }
        p.waitUntilExit()
        return true
    }

    /// SIGTERM, then a bounded wait; asserts a clean exit with status 0 (SIGKILL if it hangs).
    @discardableResult
    func stop(timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) -> Int32 {
        guard process.isRunning else {
            XCTAssertEqual(process.terminationStatus, 0, "the server had already ended; stderr:\n\(stderr)", file: file, line: line)
            return process.terminationStatus
        }
        process.terminate()  // SIGTERM
        guard Self.wait(process, timeout: timeout) else {
            XCTFail("crosshash serve still runs \(Int(timeout)) s after SIGTERM; killed; stderr:\n\(stderr)", file: file, line: line)
            kill9()
            return -1
        }
        XCTAssertEqual(process.terminationReason, .exit, "ended by a signal instead of exiting; stderr:\n\(stderr)", file: file, line: line)
        XCTAssertEqual(process.terminationStatus, 0, "exit status after SIGTERM; stderr:\n\(stderr)", file: file, line: line)
        return process.terminationStatus
    }

    /// Sends SIGTERM without waiting.
    func sendSIGTERM() { if process.isRunning { kill(process.processIdentifier, SIGTERM) } }

    /// SIGKILL and wait: no chance to clean up.
    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = Self.wait(process, timeout: 30)
    }
}
