import Foundation
import HashKit
import HashStore

/// One candidate file of a dataset, or the reason an entry of the folder cannot be one.
public struct ScannedEntry: Sendable {
    public var key: FileKey
    /// Absolute path bytes, for showing the file (names need not be UTF-8). A dataset file is
    /// opened through `source`, never by this path.
    public var path: [UInt8]
    /// nil for a regular file to hash; otherwise why it is reported instead.
    public var problem: String?
    /// What `lstat` said of a regular file (the store compares it with the stored one); nil
    /// for entries with a problem.
    public var stat: FileStat?
    /// The root folder the scan listed, held open: the file is opened beneath it with no link
    /// followed. nil for a single file named on the command line (opened by its path).
    public var root: RootFolder?

    public init(key: FileKey, path: [UInt8], problem: String?, stat: FileStat? = nil, root: RootFolder? = nil) {
        self.key = key
        self.path = path
        self.problem = problem
        self.stat = stat
        self.root = root
    }

    /// Where the file's bytes are read from.
    public var source: FileSource {
        root.map { .beneath($0, key: key.bytes) } ?? .path(path)
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
///
/// The walk goes down through directory descriptors (`openat` with `O_NOFOLLOW | O_DIRECTORY`,
/// `fstatat` without following), never by path: a folder swapped for a link while the walk runs
/// is reported, not entered. The entries keep the root open (`RootFolder`) so the files are
/// later opened beneath the very folder that was listed, again with no link followed.
public enum DatasetScanner {
    public static func scan(root: String) throws -> [ScannedEntry] {
        try scan(root: root, beforeEntering: nil)
    }

    /// `beforeEntering(key)` runs after a subfolder was listed as a folder and before it is
    /// opened: the tests swap it for a link there.
    static func scan(root: String, beforeEntering: ((FileKey) -> Void)?) throws -> [ScannedEntry] {
        var st = stat()
        guard stat(root, &st) == 0 else { throw ScanError.unreadable(root, String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw ScanError.notAFolder(root) }
        let folder = RootFolder(path: root)
        let fd: Int32
        do {
            fd = try folder.openFolder([])
        } catch {
            throw ScanError.unreadable(root, "\(error)")
        }
        var walker = Walker(root: folder, beforeEntering: beforeEntering)
        try walker.walk(fd: fd, dir: Array(root.utf8), keyPrefix: [], isRoot: true)
        walker.out.sort { $0.key < $1.key }
        return walker.out
    }

    /// A single file named on the command line (not a folder): its own name is the key.
    public static func entry(forFile path: String) -> ScannedEntry {
        let bytes = Array(path.utf8)
        return ScannedEntry(key: FileKey(bytes: bytes), path: bytes, problem: nil)
    }

    private struct Walker {
        let root: RootFolder
        let beforeEntering: ((FileKey) -> Void)?
        var out = [ScannedEntry]()

        init(root: RootFolder, beforeEntering: ((FileKey) -> Void)?) {
            self.root = root
            self.beforeEntering = beforeEntering
        }

        /// Lists the open folder `fd` (and closes it); `dir` is its path, for showing only.
        mutating func walk(fd: Int32, dir: [UInt8], keyPrefix: [UInt8], isRoot: Bool) throws {
            guard let handle = fdopendir(fd) else {
                let why = String(cString: strerror(errno))
                close(fd)
                if isRoot { throw ScanError.unreadable(String(decoding: dir, as: UTF8.self), why) }
                out.append(ScannedEntry(key: FileKey(bytes: keyPrefix.dropLast() + []), path: dir,
                                        problem: "cannot read folder: \(why)"))
                return
            }
            // closedir closes `fd` too; the entries below are looked at relative to it.
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
                guard withCString(name, { fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                    out.append(ScannedEntry(key: key, path: path, problem: "cannot read file: \(String(cString: strerror(errno)))"))
                    continue
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    beforeEntering?(key)
                    let sub = withCString(name) { openat(fd, $0, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW) }
                    if sub < 0 {
                        let e = errno
                        // Listed as a folder a moment ago: a link now means it was swapped.
                        let swapped = (e == ELOOP || e == ENOTDIR) && isLink(fd, name)
                        out.append(ScannedEntry(key: key, path: path, problem: swapped
                            ? "the folder became a symbolic link during the scan; not followed"
                            : "cannot read folder: \(String(cString: strerror(e)))"))
                        continue
                    }
                    try walk(fd: sub, dir: path, keyPrefix: keyPrefix + name + [UInt8(ascii: "/")], isRoot: false)
                case S_IFREG:
                    let readable = withCString(name, { faccessat(fd, $0, R_OK, 0) }) == 0
                    let fileStat = FileStat(size: Int64(st.st_size),
                                            mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                                            inode: UInt64(st.st_ino))
                    out.append(ScannedEntry(key: key, path: path, problem: readable ? nil : "cannot read file: permission denied",
                                            stat: readable ? fileStat : nil, root: readable ? root : nil))
                case S_IFLNK:
                    // Only to word the report: the link's target is looked at, never opened.
                    var target = stat()
                    let dangling = withCString(name, { fstatat(fd, $0, &target, 0) }) != 0
                    out.append(ScannedEntry(key: key, path: path, problem: dangling
                        ? "dangling symbolic link (its target does not exist); links are not followed"
                        : "symbolic link, not followed (link the file's folder as its own dataset, or copy it)"))
                default:
                    out.append(ScannedEntry(key: key, path: path, problem: "not a regular file (device, socket or pipe)"))
                }
            }
        }

        private func isLink(_ dir: Int32, _ name: [UInt8]) -> Bool {
            var st = stat()
            return withCString(name, { fstatat(dir, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
        }
    }

    static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { body($0) }
        }
    }
}
