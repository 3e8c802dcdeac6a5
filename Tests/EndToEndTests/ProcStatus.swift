import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A process's resident memory and CPU time from /proc (Linux), for the memory and CPU bounds the
/// service tests assert. Memory figures are asserted in the plain pass only: under
/// AddressSanitizer (ASAN_OPTIONS set) resident memory says nothing about the product.
enum ProcStatus {
    static var underASan: Bool { TestEnvironment.underAddressSanitizer }

    /// A field of /proc/PID/status in bytes (kB there), 0 when unreadable.
    static func field(_ pid: Int32, _ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return (line.split(separator: " ").dropFirst().lazy.compactMap { Int($0) }.first ?? 0) * 1024
        }
        return 0
    }

    /// Resident bytes now.
    static func rss(_ pid: Int32) -> Int { field(pid, "VmRSS") }
    /// Peak resident bytes since start or since `resetPeak`.
    static func peak(_ pid: Int32) -> Int { field(pid, "VmHWM") }

    /// Resets the peak to the current resident size (root may; false where it is refused).
    @discardableResult
    static func resetPeak(_ pid: Int32) -> Bool {
        (try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)) != nil
    }

    /// User + system CPU seconds so far, 0 when unreadable.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // After "pid (comm) ": field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Runs crosshash with stdout to `out`; returns its exit status and the peak resident memory
    /// of its own address space (VmHWM, which starts afresh at exec), read every 2 ms until it
    /// exits. The peak comes while decoding and hashing, well before the process ends.
    static func spawnMeasured(_ args: [String], out: String) throws -> (status: Int32, peakBytes: Int) {
        let argv = [try E2E.binary()] + args
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var env = ProcessInfo.processInfo.environment
        env["XDG_CACHE_HOME"] = E2E.cacheHome
        var cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cEnv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, &cEnv)
        guard rc == 0 else { throw NSError(domain: "spawn", code: Int(rc)) }
        var status: Int32 = 0, peak = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid || (done < 0 && errno != EINTR) { break }
            peak = max(peak, ProcStatus.peak(pid))
            usleep(2000)
        }
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), peak)
    }
}
