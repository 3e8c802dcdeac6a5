import Foundation
import GRDB

/// Why the store could not be opened, read or written. Each kind tells the user something different
/// to do, so the command line can print `description` as it is.
public struct StoreError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable {
        /// The file or its folder cannot be created or opened (permissions, a folder in the way).
        case cannotOpen
        /// The file is not a crosshash store: another application's SQLite database, or not SQLite at all.
        case notAStore
        /// A newer crosshash wrote the store with a schema this build does not know.
        case newerSchema
        /// SQLite reports the file as corrupt, or a row does not hold what this build wrote.
        case damaged
        /// The disk (or the file system holding the store) is full: nothing of the failed write was
        /// kept; the store is consistent and readable, and writes work again once space is freed.
        case full
        /// The dataset a write was for no longer exists (deleted meanwhile, by this process or
        /// another): nothing was written.
        case datasetMissing
        /// Any other failure to read or write (I/O error, permissions).
        case io
    }

    public var kind: Kind
    /// The store's file, or "(in-memory store)".
    public var path: String
    /// The specific cause (usually SQLite's message).
    public var detail: String

    public init(kind: Kind, path: String, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .cannotOpen where path.hasPrefix("postgresql://"):
            // A PostgreSQL store's detail already says what to do (PostgresStore.advice).
            return "\(path) cannot be opened as a crosshash store: \(detail)"
        case .cannotOpen:
            return "\(path) cannot be opened as a crosshash store (\(detail)); check that its folder exists and is writable, or choose another --store"
        case .notAStore:
            return "\(path) is not a crosshash store (\(detail)); choose another file with --store, or delete it"
        case .newerSchema:
            return "\(path) was written by a newer crosshash (\(detail)); use that version or another --store"
        case .damaged:
            return "\(path) is damaged (\(detail)); move it away (it is never overwritten) and run again to rebuild it, or choose another --store"
        case .full:
            return "\(path) could not be written: the disk is full (\(detail)); free disk space, then run again"
        case .datasetMissing:
            return "\(path): \(detail)"
        case .io:
            return "\(path) could not be read or written (\(detail)); check free disk space and permissions, then run again"
        }
    }

    static let inMemoryPath = "(in-memory store)"

    /// Turns any error out of GRDB (or our own) into a `StoreError` for `path`, so callers only
    /// ever see one error type.
    static func wrapping(_ error: Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else {
            return StoreError(kind: .io, path: path, detail: String(describing: error))
        }
        let detail = error.message ?? String(describing: error)
        switch error.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(kind: .damaged, path: path, detail: detail)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            return StoreError(kind: .cannotOpen, path: path, detail: detail)
        case .SQLITE_FULL:
            return StoreError(kind: .full, path: path, detail: detail)
        default:
            return StoreError(kind: .io, path: path, detail: detail)
        }
    }
}
