import Foundation

public enum OutputError: Error, CustomStringConvertible {
    case cannotCreateFolder(String, String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .cannotCreateFolder(let path, let why): return "cannot create folder \(path): \(why)"
        case .cannotWrite(let path, let why): return "cannot write \(path): \(why)"
        }
    }
}

/// Writes files so that a reader never sees half a file: the bytes go to a temporary file in
/// the same folder, which is renamed over the target only once complete (and, with `sync`,
/// flushed to disk first, so even a power cut leaves the old file or the new one).
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, sync: Bool = true) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try makeFolder(dir.isEmpty ? "." : dir)
        // Unique per call too: thumbnails are written from several threads at once.
        let tmp = path + ".tmp-\(getpid())-\(nextTemporaryNumber())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError.cannotWrite(path, String(cString: strerror(errno))) }
        var ok = true
        var why = ""
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, base + offset, raw.count - offset)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    ok = false
                    why = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        if ok && sync && fsync(fd) != 0 { ok = false; why = String(cString: strerror(errno)) }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            if why.isEmpty { why = String(cString: strerror(errno)) }
            unlink(tmp)
            throw OutputError.cannotWrite(path, why)
        }
    }

    private static let counterLock = NSLock()
    nonisolated(unsafe) private static var counter = 0

    private static func nextTemporaryNumber() -> Int {
        counterLock.lock()
        defer { counterLock.unlock() }
        counter += 1
        return counter
    }

    public static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    public static func write(_ json: JSONValue, to path: String) throws { try write(json.serialized(), to: path) }

    public static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw OutputError.cannotCreateFolder(path, error.localizedDescription)
        }
    }
}
