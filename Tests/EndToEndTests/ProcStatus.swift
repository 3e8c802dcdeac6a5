import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process's resident memory and CPU time from /proc (Linux), for the memory and CPU bounds the
/// service tests assert. Memory figures are asserted in the plain pass only: under
/// AddressSanitizer (ASAN_OPTIONS set) resident memory says nothing about the product.
enum ProcStatus {
    static var underASan: Bool { ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil }

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
}
