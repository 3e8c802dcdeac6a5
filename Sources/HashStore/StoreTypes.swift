import HashKit

/// What the scan saw of a file: enough to tell, without reading it, whether the file changed since
/// the last run (a different size, modification time or inode means "read it again").
public struct FileStat: Equatable, Hashable, Sendable {
    public var size: Int64
    /// Modification time in nanoseconds since 1970, so sub-second edits are noticed.
    public var mtimeNs: Int64
    /// The inode number: a file replaced by another (rename over it) keeps size and mtime only by chance.
    public var inode: UInt64

    public init(size: Int64, mtimeNs: Int64, inode: UInt64) {
        self.size = size
        self.mtimeNs = mtimeNs
        self.inode = inode
    }
}

/// One dataset: a named collection of files, usually a folder on disk.
public struct StoredDataset: Equatable, Sendable {
    public var id: Int64
    public var name: String
    /// The folder on disk; nil for datasets with no folder (uploads to the service).
    public var root: String?

    public init(id: Int64, name: String, root: String?) {
        self.id = id
        self.name = name
        self.root = root
    }
}

/// One file row of a dataset as stored.
public struct StoredFile: Equatable, Sendable {
    /// The path relative to the dataset root, as bytes: file names need not be UTF-8, and the
    /// store must give back exactly the name it was given. The key of the row within its dataset.
    public var path: [UInt8]
    /// nil for entries that are not readable files (scan problems).
    public var stat: FileStat?
    /// nil when the content was never read (scan problem, file too large, unreadable).
    public var digest: ContentDigest?
    /// The version of the hashing code that produced `outcome`: the content's version when the
    /// file has a digest (the outcome is the content's, shared by every file with those bytes),
    /// else the version that recorded the file's own failure.
    public var codeVersion: String
    /// For `digest != nil`: the content's outcome; else the file's own failure.
    public var outcome: FileOutcome
    /// The families whose hashes the store holds for a hashed outcome: `HashFamily.all` always,
    /// plus each optional family (PDQ) computed by some run. A failed outcome lists `all` too
    /// (no family can be computed for it, so none is missing).
    public var families: Set<HashFamily.ID>

    public init(path: [UInt8], stat: FileStat?, digest: ContentDigest?, codeVersion: String, outcome: FileOutcome,
                families: Set<HashFamily.ID> = Set(HashFamily.all.map(\.id))) {
        self.path = path
        self.stat = stat
        self.digest = digest
        self.codeVersion = codeVersion
        self.outcome = outcome
        self.families = families
    }

    /// Whether the stored outcome answers a run that computes `wanted`: a failure always does,
    /// a hashed content only when every wanted family was stored.
    public func covers(_ wanted: [HashFamily]) -> Bool {
        if case .failed = outcome { return true }
        return wanted.allSatisfy { families.contains($0.id) }
    }
}

/// What the index step writes for one file.
public struct FileChange: Sendable {
    public var path: [UInt8]
    public var stat: FileStat?
    /// nil when the content was not read; the outcome must then be `.failed`.
    public var digest: ContentDigest?
    public var outcome: FileOutcome
    public var codeVersion: String
    /// The families the outcome's hashes hold (`HashFamily.all`, plus PDQ when the run computed
    /// it): only these are written, so a PDQ left at zero is never stored as a hash.
    public var families: [HashFamily]
    /// The content's dihedral variants, when the run computed them (`--dihedral`): stored
    /// beside the hashes, replacing any earlier variants of the same families.
    public var variants: DihedralHashes?

    public init(path: [UInt8], stat: FileStat?, digest: ContentDigest?, outcome: FileOutcome, codeVersion: String,
                families: [HashFamily] = HashFamily.all, variants: DihedralHashes? = nil) {
        self.path = path
        self.stat = stat
        self.digest = digest
        self.outcome = outcome
        self.codeVersion = codeVersion
        self.families = families
        self.variants = variants
    }
}
