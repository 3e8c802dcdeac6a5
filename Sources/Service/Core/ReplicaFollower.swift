import Analysis
import Foundation
import HashKit
import HashStore

/// Keeps this service's match index in step with the writes of every other service on the same
/// store (replicas on one PostgreSQL database): polls the store's change log every `interval`
/// and applies each change after the last seq it saw to just that key, reading the key's row
/// again (present: upsert its matchable hashes; absent: remove), and a dataset created or
/// deleted elsewhere appears or disappears. Never a full reload. The seq to start after is
/// taken before the service loads the store (`ServeCommand`), so no write between the two is
/// missed; a change applied twice (one of this service's own writes, or one the load already
/// saw) sets the same entry again.
public final class ReplicaFollower: @unchecked Sendable {
    private let store: any HashStoring
    private let log: any StoreChangeLog
    private let index: MatchIndex
    private let interval: TimeInterval
    private let lock = NSLock()
    private var last: Int64
    private var stopped = false

    /// Changes read per poll (a replica far behind catches up in several).
    static let batch = 5_000

    public init(store: any HashStoring, log: any StoreChangeLog, index: MatchIndex, after seq: Int64,
                interval: TimeInterval = 0.2) {
        self.store = store
        self.log = log
        self.index = index
        self.last = seq
        self.interval = interval
    }

    /// The last seq applied.
    public var applied: Int64 { lock.withLock { last } }

    /// Polls on its own thread until `stop()`. A failed poll (the database restarting) is said
    /// on stderr once per failure run and tried again at the next tick: the seq is kept.
    public func start() {
        let thread = Thread { [self] in
            var failing = false
            while !lock.withLock({ stopped }) {
                do {
                    while try poll() == Self.batch {}
                    failing = false
                } catch {
                    if !failing { FileHandle.standardError.write(Data("crosshash serve: following the store's changes failed: \(error); retrying\n".utf8)) }
                    failing = true
                }
                Thread.sleep(forTimeInterval: interval)
            }
        }
        thread.name = "replica-follower"
        thread.start()
    }

    public func stop() { lock.withLock { stopped = true } }

    /// Applies the next changes; returns how many it read.
    @discardableResult
    public func poll() throws -> Int {
        let changes = try log.changes(after: applied, limit: Self.batch)
        for change in changes {
            try apply(change)
            lock.withLock { last = change.seq }
        }
        return changes.count
    }

    private func apply(_ change: StoreChange) throws {
        let current = try store.dataset(named: change.dataset)
        guard let path = change.path else {
            // The dataset itself. The one the change names is gone (deleted, perhaps re-created
            // under its name since): its column goes; the new one's files follow as their own
            // changes. Created (or its root changed): an empty column where the index has none.
            if let current, current.id == change.datasetID {
                if index.count(name: change.dataset) == 0 { index.load(name: change.dataset, []) }
            } else {
                index.drop(name: change.dataset)
            }
            return
        }
        // A change of a dataset since deleted (and perhaps re-created): a later change says so.
        guard let current, current.id == change.datasetID else { return }
        let key = FileKey(bytes: path)
        var entry = MatchIndex.Entry()
        for family in HashFamily.known {
            guard let row = try store.familyHashes(in: current.id, family: family, path: path).first,
                  family.isMatchable(quality: row.quality) else { continue }
            entry[family.id] = row.words
        }
        // As the load: a picture counts with every default family, an entry with an optional one.
        let defaults = HashFamily.all.filter { entry[$0.id] != nil }.count
        if defaults != 0 && defaults != HashFamily.all.count { HashFamily.all.forEach { entry[$0.id] = nil } }
        if entry.isEmpty {
            index.remove(name: current.name, keys: [key])
        } else {
            index.upsert(name: current.name, [(key, entry)])
        }
    }
}
