import Foundation
import GRDB
import GRDBSQLite
import HashKit

/// One group of families the service's start reads together (`HashStore.streamHashes`): a file
/// counts for the group when its content holds a hash of each of `families`.
public struct HashGroup: Sendable {
    public var families: [HashFamily]
    /// Whether a hash of the wrong width is damage for a content of this code version (true),
    /// or an older build's row, left out (false).
    public var strict: @Sendable (String) -> Bool

    public init(families: [HashFamily], strict: @escaping @Sendable (String) -> Bool) {
        self.families = families
        self.strict = strict
    }
}

extension HashStore {
    /// Every file of the dataset whose content was hashed without error and holds a hash of
    /// each of `families`, in content digest order, streamed row by row so that millions load with
    /// nothing kept per row (the service's start): `body` gets the path's bytes, the families'
    /// words one family after the other (`wordsPerHash` each) and each family's quality (nil:
    /// none stored). A hash that is not its family's width is damage when `strict(codeVersion)`
    /// says so for its content, and the row is left out otherwise (as `files(in:)` reads a row
    /// of an older build: hashed again by the next run).
    public func streamHashes(in dataset: Int64, families: [HashFamily], strict: @escaping @Sendable (String) -> Bool,
                             _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt64>, [Int?]) throws -> Void) throws {
        try streamHashes(in: dataset, groups: [HashGroup(families: families, strict: strict)]) { _, key, words, qualities in
            try body(key, words, qualities)
        }
    }

    /// `streamHashes(in:families:strict:_:)` for several groups in one pass over the store:
    /// `body` gets the group's position in `groups` first, and is called for a file once per
    /// group its content completes (in digest order, the groups in order for each file).
    ///
    /// Three sequential scans merged on the digest (the files through the `file_digest` index,
    /// the contents and their hashes in primary key order), so each page is read once and no row
    /// costs a B-tree search: at 10M images a join probing content and hash rows per file spent
    /// most of the start in those searches.
    public func streamHashes(in dataset: Int64, groups: [HashGroup],
                             _ body: (Int, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt64>, [Int?]) throws -> Void) throws {
        // Every family read, once, and where its words sit in `words`.
        var wanted = [HashFamily]()
        for group in groups { for f in group.families where !wanted.contains(f) { wanted.append(f) } }
        guard !wanted.isEmpty else { return }
        var offsets = [Int](), width = 0
        for f in wanted { offsets.append(width); width += f.wordsPerHash }
        let groupPositions = groups.map { g in g.families.compactMap { f in wanted.firstIndex(of: f) } }
        try reading { db in
            var merge = try DigestMerge(db, dataset: dataset, wanted: wanted)
            var groupWords = groups.map { [UInt64](repeating: 0, count: $0.families.reduce(0) { $0 + $1.wordsPerHash }) }
            var groupQualities = groups.map { [Int?](repeating: nil, count: $0.families.count) }
            while try merge.nextFile() {
                guard merge.hasContent else { continue }  // no content row, or one with an error
                for (g, group) in groups.enumerated() {
                    var complete = true, at = 0
                    for (j, k) in groupPositions[g].enumerated() {
                        let family = wanted[k]
                        if merge.state[k] == 0 { complete = false; break }  // not hashed in this family
                        if merge.state[k] == 2 {
                            guard !group.strict(String(decoding: merge.version, as: UTF8.self)) else {
                                throw StoreError(kind: .damaged, path: self.displayPath,
                                                 detail: "a \(family.id) hash row of dataset \(dataset) is not \(family.wordsPerHash) words")
                            }
                            complete = false
                            break
                        }
                        for i in 0..<family.wordsPerHash { groupWords[g][at + i] = merge.words[offsets[k] + i] }
                        groupQualities[g][j] = merge.qualities[k]
                        at += family.wordsPerHash
                    }
                    guard complete else { continue }
                    guard let path = merge.files.blob(1) else {
                        throw StoreError(kind: .damaged, path: self.displayPath, detail: "a file row of dataset \(dataset) has no path")
                    }
                    try groupWords[g].withUnsafeBufferPointer { w in try body(g, path.bindMemory(to: UInt8.self), w, groupQualities[g]) }
                }
            }
        }
    }
}

/// A statement stepped by hand, its columns read in place (the start reads tens of millions of
/// rows: no row object or `Data` per cell). SQLite's errors are thrown as GRDB's, so a damaged
/// page is a `.damaged` StoreError as everywhere else.
private struct RawScan {
    let statement: Statement
    let handle: OpaquePointer
    private(set) var hasRow = false

    init(_ db: Database, sql: String, arguments: StatementArguments = []) throws {
        statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        handle = statement.sqliteStatement
        try step()
    }

    mutating func step() throws {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { hasRow = true; return }
        hasRow = false
        if code == SQLITE_DONE { return }
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))
    }

    /// Column `i`'s bytes (a BLOB's or a TEXT's), valid until the next step; nil for NULL.
    func blob(_ i: Int32) -> UnsafeRawBufferPointer? {
        guard sqlite3_column_type(handle, i) != SQLITE_NULL else { return nil }
        let bytes = sqlite3_column_blob(handle, i)
        return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, i)))
    }

    func int64(_ i: Int32) -> Int64? {
        sqlite3_column_type(handle, i) == SQLITE_INTEGER ? sqlite3_column_int64(handle, i) : nil
    }

    /// Byte order of column 0 against `digest`, as SQLite sorts BLOBs (memcmp, then the shorter
    /// first; NULL first).
    func order(_ digest: [UInt8]) -> Int {
        guard let d = blob(0) else { return -1 }
        return digest.withUnsafeBytes { x in
            let n = min(d.count, x.count)
            let c = n == 0 ? 0 : memcmp(d.baseAddress!, x.baseAddress!, n)
            return c != 0 ? Int(c) : d.count - x.count
        }
    }
}

/// The start's three scans merged on the digest: the dataset's files through the `file_digest`
/// index, the hashed contents and their hashes in primary key order. After `nextFile()`, the
/// file's content: whether it has a hashed content row, its version's bytes and, per wanted family, its state
/// (0 none, 1 held in `words` at the family's offset, 2 not the family's width) and quality.
private struct DigestMerge {
    var files: RawScan
    var contents: RawScan
    var hashes: RawScan
    let wanted: [HashFamily]
    let familyIDs: [[UInt8]]
    let offsets: [Int]
    var held = [UInt8]()
    var holding = false
    var hasContent = false
    var version = [UInt8]()
    var state: [UInt8]
    var words: [UInt64]
    var qualities: [Int?]
    var started = false

    init(_ db: Database, dataset: Int64, wanted: [HashFamily]) throws {
        files = try RawScan(db, sql: """
            SELECT digest, path FROM file INDEXED BY file_digest
            WHERE dataset_id = ? AND digest IS NOT NULL ORDER BY digest
            """, arguments: [dataset])
        contents = try RawScan(db, sql: "SELECT digest, code_version FROM content WHERE error IS NULL ORDER BY digest")
        hashes = try RawScan(db, sql: "SELECT digest, family, value, quality FROM content_hash ORDER BY digest")
        self.wanted = wanted
        familyIDs = wanted.map { Array($0.id.rawValue.utf8) }
        var offsets = [Int](), width = 0
        for f in wanted { offsets.append(width); width += f.wordsPerHash }
        self.offsets = offsets
        state = [UInt8](repeating: 0, count: wanted.count)
        words = [UInt64](repeating: 0, count: width)
        qualities = [Int?](repeating: nil, count: wanted.count)
    }

    /// Steps to the next file (false at the end) and gathers its content when it is not the
    /// previous file's.
    mutating func nextFile() throws -> Bool {
        if started { try files.step() }
        started = true
        guard files.hasRow else { return false }
        if holding && files.order(held) == 0 { return true }
        held.removeAll(keepingCapacity: true)
        if let d = files.blob(0) { held.append(contentsOf: d) }
        holding = true
        try gather()
        return true
    }

    private mutating func gather() throws {
        hasContent = false
        for k in state.indices { state[k] = 0; qualities[k] = nil }
        while contents.hasRow && contents.order(held) < 0 { try contents.step() }
        if contents.hasRow && contents.order(held) == 0, let text = contents.blob(1) {
            hasContent = true
            version.removeAll(keepingCapacity: true)
            version.append(contentsOf: text)
        }
        while hashes.hasRow && hashes.order(held) < 0 { try hashes.step() }
        while hashes.hasRow && hashes.order(held) == 0 {
            if let name = hashes.blob(1), let k = familyIDs.firstIndex(where: { $0.elementsEqual(name) }) {
                let n = wanted[k].wordsPerHash, at = offsets[k]
                if let value = hashes.blob(2), value.count == 8 * n {
                    for i in 0..<n { words[at + i] = UInt64(littleEndian: value.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
                    state[k] = 1
                } else {
                    state[k] = 2
                }
                // Not `int64.map { Int($0) }`: see `familyHashes`.
                if let q = hashes.int64(3) { qualities[k] = Int(q) }
            }
            try hashes.step()
        }
    }
}
