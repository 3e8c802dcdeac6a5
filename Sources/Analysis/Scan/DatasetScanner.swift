import Foundation
import HashStore

/// One candidate file of a dataset, or the reason an entry of the folder cannot be one.
public struct ScannedEntry: Sendable {
    public var key: FileKey
    /// Absolute path bytes, for opening the file (names need not be UTF-8).
    public var path: [UInt8]
    /// nil for a regular file to hash; otherwise why it is reported instead.
    public var problem: String?
    /// What `lstat` said of a regular file (the store compares it with the stored one); nil
    /// for entries with a problem.
    public var stat: FileStat?

    public init(key: FileKey, path: [UInt8], problem: String?, stat: FileStat? = nil) {
        self.key = key
        self.path = path
        self.problem = problem
        self.stat = stat
    }
}

public enum ScanError: Error, CustomStringConvertible {
    case notAFolder(String)
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .notAFolder(let p): return "\(p) is not a folder"
        case .unreadable(let p, let why): return "cannot read folder \(p): \(why)"
        }
    }
}

/// Walks a dataset folder the way OUTPUTS.md defines candidates: every regular file, recursively,
/// hidden entries (names starting with ".") skipped, symbolic links never followed (so a link
/// loop cannot hang the walk) but reported, so nothing disappears silently.
/// Entries come back sorted by key, independent of the file system's order.
public enum DatasetScanner {
    public static func scan(root: String) throws -> [ScannedEntry] {
        var st = stat()
        guard stat(root, &st) == 0 else { throw ScanError.unreadable(root, String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw ScanError.notAFolder(root) }
        var out = [ScannedEntry]()
        try walk(dir: Array(root.utf8), keyPrefix: [], into: &out, isRoot: true)
        out.sort { $0.key < $1.key }
        return out
    }

    /// A single file named on the command line (not a folder): its own name is the key.
    public static func entry(forFile path: String) -> ScannedEntry {
        let bytes = Array(path.utf8)
        return ScannedEntry(key: FileKey(bytes: bytes), path: bytes, problem: nil)
    }

    private static func walk(dir: [UInt8], keyPrefix: [UInt8], into out: inout [ScannedEntry], isRoot: Bool) throws {
        guard let handle = withCString(dir, { opendir($0) }) else {
            let why = String(cString: strerror(errno))
            if isRoot { throw ScanError.unreadable(String(decoding: dir, as: UTF8.self), why) }
            out.append(ScannedEntry(key: FileKey(bytes: keyPrefix.dropLast() + []), path: dir,
                                    problem: "cannot read folder: \(why)"))
            return
        }
        defer { closedir(handle) }
        var names = [[UInt8]]()
        while let ent = readdir(handle) {
            // d_name is declared as 256 bytes, but readdir may hand out a shorter record (d_reclen):
            // read up to the NUL through a pointer, never the whole declared array.
            guard let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) else { continue }
            let field = UnsafeRawPointer(ent).advanced(by: offset).assumingMemoryBound(to: CChar.self)
            let name = Array(UnsafeRawBufferPointer(start: field, count: strlen(field)))
            if name.first == UInt8(ascii: ".") { continue }  // ".", ".." and hidden files
            names.append(name)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        for name in names {
            let path = dir + [UInt8(ascii: "/")] + name
            let key = FileKey(bytes: keyPrefix + name)
            var st = stat()
            guard withCString(path, { lstat($0, &st) }) == 0 else {
                out.append(ScannedEntry(key: key, path: path, problem: "cannot read file: \(String(cString: strerror(errno)))"))
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(dir: path, keyPrefix: keyPrefix + name + [UInt8(ascii: "/")], into: &out, isRoot: false)
            case S_IFREG:
                let readable = withCString(path, { access($0, R_OK) }) == 0
                let fileStat = FileStat(size: Int64(st.st_size),
                                        mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                                        inode: UInt64(st.st_ino))
                out.append(ScannedEntry(key: key, path: path, problem: readable ? nil : "cannot read file: permission denied",
                                        stat: readable ? fileStat : nil))
            case S_IFLNK:
                var target = stat()
                let dangling = withCString(path, { stat($0, &target) }) != 0
                out.append(ScannedEntry(key: key, path: path, problem: dangling
                    ? "dangling symbolic link (its target does not exist); links are not followed"
                    : "symbolic link, not followed (link the file's folder as its own dataset, or copy it)"))
            default:
                out.append(ScannedEntry(key: key, path: path, problem: "not a regular file (device, socket or pipe)"))
            }
        }
    }

    static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { body($0) }
        }
    }
}
