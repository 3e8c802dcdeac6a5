import Foundation

/// Files done, rate and ETA on stderr, redrawn in place a few times a second; silent when
/// stderr is not a terminal, so piped and logged runs stay clean.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let enabled: Bool
    private let lock = NSLock()
    private let start = Date()
    private var done = 0
    private var lastDraw = Date.distantPast

    public init(label: String, total: Int, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.total = total
        self.enabled = enabled && total > 0
    }

    public func advance(by n: Int = 1) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        done += n
        let now = Date()
        if now.timeIntervalSince(lastDraw) >= 0.25 || done == total {
            lastDraw = now
            draw(now: now)
        }
    }

    public func finish() {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw(now: Date) {
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        let rate = Double(done) / elapsed
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r\u{1B}[K%@ %d/%d files  %.0f images/s  ETA %@", label, done, total, rate, Self.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
