import Foundation

// What several services sharing one store (replicas) read to keep their match indexes in step
// with each other's writes: a log of the keys every committed write touched, in commit order.
// The PostgreSQL store keeps one (migration v3-change-log); the SQLite store, one process's
// file, does not.

/// One row of the change log: a file of a dataset, or (path nil) the dataset itself, that a
/// committed write touched. A reader looks the key up again (present: upsert, absent: remove).
public struct StoreChange: Equatable, Sendable {
    public var seq: Int64
    public var datasetID: Int64
    public var dataset: String
    public var path: [UInt8]?

    public init(seq: Int64, datasetID: Int64, dataset: String, path: [UInt8]?) {
        self.seq = seq
        self.datasetID = datasetID
        self.dataset = dataset
        self.path = path
    }
}

/// A store with a change log.
public protocol StoreChangeLog: AnyObject, Sendable {
    /// The last committed change's seq (0 for none): a reader that loads the store records it
    /// first, then applies every change after it.
    func lastChangeSeq() throws -> Int64
    /// The changes after `seq`, oldest first, at most `limit`.
    func changes(after seq: Int64, limit: Int) throws -> [StoreChange]
}
