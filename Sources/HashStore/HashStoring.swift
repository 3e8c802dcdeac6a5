import Foundation
import HashKit

// The store interface: what the commands, the analysis and the service use of a store, so a
// second backend (PostgreSQL, HashStorePostgres) can stand behind the same calls. `HashStore`
// (SQLite) is the reference implementation: every requirement's meaning is documented on its
// method there, and a backend answers the same calls with the same results (the shared store
// tests run one test body against each).
//
// Two levels, so a backend can be brought up a part at a time and say so in its type:
// `DatasetStoring` is datasets, files and their hashes and dihedral variants (what the service's
// dataset routes and an analysis' index and match steps need); `HashStoring` adds the rest (hash
// lists in and out, reviews, report artifacts, thumbnails).
//
// Default arguments cannot be written on requirements: the extensions below give the short forms
// callers use. The concrete `HashStore` keeps its own defaults, so existing calls do not change.

/// Datasets, their files and the contents' hashes.
public protocol DatasetStoring: AnyObject, Sendable {
    /// Where the store is, for messages and outputs: the SQLite file, a URL without its password,
    /// or nil for a private store in memory.
    var path: String? { get }

    /// Closes the store's connections; idempotent, any later use throws.
    func close() throws

    // Datasets.
    func upsertDataset(name: String, root: String?) throws -> StoredDataset
    func dataset(named name: String) throws -> StoredDataset?
    func dataset(id: Int64) throws -> StoredDataset?
    /// Sorted by name in byte order.
    func datasets() throws -> [StoredDataset]
    @discardableResult
    func deleteDataset(named name: String) throws -> Bool
    /// Sorted by name in byte order.
    func summaries() throws -> [DatasetSummary]

    // Files and hashes.
    func files(in dataset: Int64) throws -> [StoredFile]
    func file(_ path: [UInt8], in dataset: Int64) throws -> StoredFile?
    func outcome(of digest: ContentDigest, codeVersion: String, families: [HashFamily]) throws -> FileOutcome?
    func digestPrefixes(codeVersion: String) throws -> DigestPrefixes
    func familyHashes(in dataset: Int64, family: HashFamily, path: [UInt8]?) throws
        -> [(path: [UInt8], words: [UInt64], quality: Int?)]
    /// Dihedral variants (written by `apply` with the content).
    func variants(in dataset: Int64, families: [HashFamily]) throws -> [[UInt8]: DihedralHashes]
    func hasVariants(_ digest: ContentDigest, families: [HashFamily]) throws -> Bool
    /// Every hashed file of the dataset with a hash of each of `families`, streamed (the
    /// service's start loads millions this way), for several groups of families in one call:
    /// `body` gets the group's position first. See `HashStore.streamHashes(in:groups:_:)`.
    func streamHashes(in dataset: Int64, groups: [HashGroup],
                      _ body: (Int, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt64>, [Int?]) throws -> Void) throws

    // Writing.
    func apply(_ changes: [FileChange], to dataset: Int64, list: (family: HashFamily, entries: [HashListEntry])?,
               stillWanted: (() -> Bool)?) throws
    func removeFiles(_ paths: [[UInt8]], from dataset: Int64, stillWanted: (() -> Bool)?) throws
}

/// Everything callers use of a store today.
public protocol HashStoring: DatasetStoring {
    /// Bytes the store takes on disk (0 where the backend cannot tell, as in memory).
    func sizeOnDisk() throws -> Int64

    // Hash lists.
    func importHashList(named name: String, family: HashFamily, lines: inout LineReader,
                        problem: (Int, String) -> Void, progress: (Int) -> Void) throws -> HashListImportSummary
    @discardableResult
    func exportHashList(named name: String, family: HashFamily, write: ([UInt8]) throws -> Void) throws -> Int

    // Reviews.
    func putReview(a: ReviewSide, b: ReviewSide, decision: ReviewDecision, note: String,
                   at time: Date) throws -> (review: StoredReview, created: Bool)
    func reviews(inDatasets datasets: [String]?) throws -> [StoredReview]
    func reviewDecisions() throws -> [DigestPair: (decision: ReviewDecision, note: String)]
    @discardableResult
    func deleteReview(id: Int64) throws -> Bool

    // Report artifacts and the service's thumbnails.
    func artifact(_ key: String) throws -> [UInt8]?
    func storeArtifact(_ key: String, _ bytes: [UInt8]) throws
    func storeArtifacts(_ items: [(key: String, bytes: [UInt8])]) throws
    func thumbnail(_ digest: ContentDigest, variant: String) throws -> [UInt8]?
    func storeThumbnail(_ digest: ContentDigest, variant: String, _ bytes: [UInt8], maxBytes: Int) throws
}

// The short forms, as `HashStore` spells its defaults.
extension DatasetStoring {
    public func outcome(of digest: ContentDigest, codeVersion: String) throws -> FileOutcome? {
        try outcome(of: digest, codeVersion: codeVersion, families: HashFamily.all)
    }

    public func familyHashes(in dataset: Int64, family: HashFamily) throws -> [(path: [UInt8], words: [UInt64], quality: Int?)] {
        try familyHashes(in: dataset, family: family, path: nil)
    }

    public func apply(_ changes: [FileChange], to dataset: Int64) throws {
        try apply(changes, to: dataset, list: nil, stillWanted: nil)
    }

    public func apply(_ changes: [FileChange], to dataset: Int64, stillWanted: (() -> Bool)?) throws {
        try apply(changes, to: dataset, list: nil, stillWanted: stillWanted)
    }

    public func apply(_ changes: [FileChange], to dataset: Int64, list: (family: HashFamily, entries: [HashListEntry])?) throws {
        try apply(changes, to: dataset, list: list, stillWanted: nil)
    }

    public func removeFiles(_ paths: [[UInt8]], from dataset: Int64) throws {
        try removeFiles(paths, from: dataset, stillWanted: nil)
    }
}

extension HashStoring {
    public func importHashList(named name: String, family: HashFamily, lines: inout LineReader,
                               problem: (Int, String) -> Void) throws -> HashListImportSummary {
        try importHashList(named: name, family: family, lines: &lines, problem: problem, progress: { _ in })
    }

    public func putReview(a: ReviewSide, b: ReviewSide, decision: ReviewDecision, note: String) throws
        -> (review: StoredReview, created: Bool) {
        try putReview(a: a, b: b, decision: decision, note: note, at: Date())
    }

    public func reviews() throws -> [StoredReview] { try reviews(inDatasets: nil) }
}

extension HashStore: HashStoring {}
