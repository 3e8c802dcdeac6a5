import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's size from `fstat`, or 0 when it cannot be opened (the decode reports why later).
/// A dataset file is opened beneath its root with no link followed, like every read of it.
public enum FileSize {
    public static func bytes(_ source: FileSource) -> Int {
        let fd: Int32
        switch source {
        case .beneath(let root, let key):
            guard let opened = try? root.openFile(key) else { return 0 }
            fd = opened
        case .path(let pathBytes):
            if pathBytes.contains(0) { return 0 }
            fd = (pathBytes + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { name in name.baseAddress.map { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) } ?? -1 }
            }
            if fd < 0 { return 0 }
        }
        defer { close(fd) }
        var info = stat()
        return fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }
}
