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
        try write(to: path, sync: sync) { put in try put(bytes) }
    }

    /// Writes what `body` hands to `put`, piece by piece, then renames the file into place; on
    /// any error the target is left as it was.
    public static func write(to path: String, sync: Bool = true,
                             _ body: (_ put: ([UInt8]) throws -> Void) throws -> Void) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try makeFolder(dir.isEmpty ? "." : dir)
        // Unique per call too: thumbnails are written from several threads at once.
        let tmp = path + ".tmp-\(getpid())-\(nextTemporaryNumber())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError.cannotWrite(path, String(cString: strerror(errno))) }
        func put(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.write(fd, base + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw OutputError.cannotWrite(path, String(cString: strerror(errno))) }
                    offset += n
                }
            }
        }
        do {
            try body(put)
            if sync && fsync(fd) != 0 { throw OutputError.cannotWrite(path, String(cString: strerror(errno))) }
            close(fd)
            guard rename(tmp, path) == 0 else { throw OutputError.cannotWrite(path, String(cString: strerror(errno))) }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
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

    /// Streams the JSON (lazy arrays are made while written).
    public static func write(_ json: JSONValue, to path: String) throws {
        try write(to: path) { put in try json.serialize(to: put) }
    }

    /// Creates `path` and its parents. Safe from several threads at once: Foundation's
    /// createDirectory checks and then creates, so two writers making the same folder can see
    /// "file exists" from the one that lost; a folder that is there afterwards is success.
    public static func makeFolder(_ path: String) throws {
        // A second try covers losing that race on a parent folder instead.
        for attempt in 1...2 {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                return
            } catch {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return }
                if attempt == 2 { throw OutputError.cannotCreateFolder(path, error.localizedDescription) }
            }
        }
    }
}
