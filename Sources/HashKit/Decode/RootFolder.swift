import CFileAccess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file beneath a dataset's root could not be opened.
public enum ConfinedOpenError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A component of the path is a symbolic link (it was swapped in after the folder was
    /// listed): links are never followed, at any level. `folder` names the linked folder, or
    /// is nil when the file itself is the link.
    case symbolicLink(folder: String?)
    /// The root folder itself could not be opened.
    case rootUnavailable(String)
    /// An empty name, ".", ".." or a NUL byte: such a key cannot name a file beneath the root.
    case invalidName
    /// What the system said (strerror text).
    case system(String)

    public var description: String {
        switch self {
        case .symbolicLink(nil): return "it became a symbolic link during the scan; not followed"
        case .symbolicLink(let folder?): return "its folder '\(folder)' became a symbolic link during the scan; not followed"
        case .rootUnavailable(let why): return "cannot open the dataset folder: \(why)"
        case .invalidName: return "the name cannot denote a file inside the dataset folder"
        case .system(let why): return why
        }
    }
}

/// A dataset's root folder, held open by a directory descriptor for as long as the value lives,
/// so every file of the dataset is opened relative to the same folder the scan listed: swapping
/// the root, a subfolder or a file for a symbolic link while a job runs cannot make it read
/// anything outside.
///
/// Files are opened with Linux `openat2` and `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` (one system
/// call, no link followed at any level, no escape by ".."). Where the kernel has no `openat2`
/// (ENOSYS, or a sandbox that refuses it), the path is walked one component at a time with
/// `openat(..., O_NOFOLLOW | O_DIRECTORY)`, the last component with `O_NOFOLLOW`: the same rule.
/// The root's own path may contain links: it is the folder the user (or the service's root
/// confinement) named.
public final class RootFolder: @unchecked Sendable {
    public let path: String
    /// -1 when the root could not be opened (then `failure` says why and every open fails).
    public let descriptor: Int32
    private let failure: String?

    /// Off in tests only, to exercise the per-component walk that kernels without `openat2` use.
    nonisolated(unsafe) static var useOpenat2 = true

    public init(path: String) {
        self.path = path
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        descriptor = fd
        failure = fd < 0 ? String(cString: strerror(errno)) : nil
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Opens the file at `key` (names separated by "/", relative to the root) for reading,
    /// following no symbolic link. The caller owns the descriptor; it checks with `fstat` that
    /// it is a regular file (`O_NONBLOCK` keeps a FIFO swapped in from blocking the open; it has
    /// no effect on reading a regular file).
    public func openFile(_ key: [UInt8]) throws(ConfinedOpenError) -> Int32 {
        try openBeneath(key, flags: O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
    }

    /// Opens the folder at `key` (empty: the root itself), following no symbolic link.
    public func openFolder(_ key: [UInt8]) throws(ConfinedOpenError) -> Int32 {
        try openBeneath(key.isEmpty ? [UInt8(ascii: ".")] : key, flags: O_RDONLY | O_CLOEXEC | O_DIRECTORY)
    }

    private func openBeneath(_ key: [UInt8], flags: Int32) throws(ConfinedOpenError) -> Int32 {
        if let failure { throw .rootUnavailable(failure) }
        let components = key.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
        let isRootItself = key == [UInt8(ascii: ".")]
        guard !key.contains(0), isRootItself || components.allSatisfy({ !$0.isEmpty && $0 != [0x2E] && $0 != [0x2E, 0x2E] })
        else { throw .invalidName }
        if Self.useOpenat2 {
            let fd = Self.withCString(key) { cfa_openat2_beneath(descriptor, $0, flags) }
            if fd >= 0 { return fd }
            let e = errno
            // ELOOP (a link) and EXDEV (an escape) are told apart, and the link named, by the
            // walk below; ENOSYS / EPERM: no openat2 here. Any other error is the answer.
            guard [ELOOP, EXDEV, ENOSYS, EPERM].contains(e) else { throw .system(String(cString: strerror(e))) }
        }
        return try walk(components, flags: flags)
    }

    /// One `openat` per component, each refusing a link (`O_NOFOLLOW`), folders with `O_DIRECTORY`.
    private func walk(_ components: [[UInt8]], flags: Int32) throws(ConfinedOpenError) -> Int32 {
        var dir = descriptor
        var prefix = [UInt8]()
        for (i, name) in components.enumerated() {
            let last = i == components.count - 1
            let fd = Self.withCString(name) {
                openat(dir, $0, last ? flags | O_NOFOLLOW : O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)
            }
            let e = errno
            // ELOOP is what O_NOFOLLOW gives for a link; ENOTDIR may come instead when
            // O_DIRECTORY is checked first, so the entry's own type decides.
            let isLink = fd < 0 && (e == ELOOP || e == ENOTDIR) && Self.isSymbolicLink(dir, name)
            if dir != descriptor { close(dir) }
            if fd < 0 {
                if isLink { throw .symbolicLink(folder: last ? nil : String(decoding: prefix + name, as: UTF8.self)) }
                throw .system(String(cString: strerror(e)))
            }
            dir = fd
            prefix += name + [UInt8(ascii: "/")]
        }
        return dir
    }

    private static func isSymbolicLink(_ dir: Int32, _ name: [UInt8]) -> Bool {
        var st = stat()
        guard withCString(name, { fstatat(dir, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// The array is never empty (it ends with the NUL), so its base address exists.
    static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}

/// Where a file's bytes are read from.
public enum FileSource: Sendable {
    /// A path opened as given: a file named on the command line.
    case path([UInt8])
    /// A dataset file: its key beneath the dataset's root, opened with no link followed.
    case beneath(RootFolder, key: [UInt8])
}
