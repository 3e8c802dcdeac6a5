import Foundation
import GRDB
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
        let familyIDs = wanted.map { Array($0.id.rawValue.utf8) }
        let groupPositions = groups.map { g in g.families.compactMap { f in wanted.firstIndex(of: f) } }
        try reading { db in
            let files = try Row.fetchCursor(db, sql: """
                SELECT digest, path FROM file INDEXED BY file_digest
                WHERE dataset_id = ? AND digest IS NOT NULL ORDER BY digest
                """, arguments: [dataset])
            let contents = try Row.fetchCursor(db, sql: "SELECT digest, code_version FROM content WHERE error IS NULL ORDER BY digest")
            let hashes = try Row.fetchCursor(db, sql: "SELECT digest, family, value, quality FROM content_hash ORDER BY digest")

            // The content whose hashes are gathered (`held`): its version (nil: no hashed
            // content row), each wanted family's state (0 none, 1 held, 2 wrong width), words
            // and quality.
            var held = [UInt8](), holding = false
            var version: String? = nil
            var state = [UInt8](repeating: 0, count: wanted.count)
            var words = [UInt64](repeating: 0, count: width)
            var qualities = [Int?](repeating: nil, count: wanted.count)
            var groupWords = groups.map { [UInt64](repeating: 0, count: $0.families.reduce(0) { $0 + $1.wordsPerHash }) }
            var groupQualities = groups.map { [Int?](repeating: nil, count: $0.families.count) }
            var content = try contents.next(), hash = try hashes.next()

            // Byte order of BLOBs, as SQLite sorts them (memcmp, then the shorter first).
            func order(_ row: Row, _ digest: [UInt8]) throws -> Int {
                try row.withUnsafeData(atIndex: 0) { data -> Int in
                    guard let data else { return -1 }  // NULL sorts first
                    return data.withUnsafeBytes { raw in
                        digest.withUnsafeBytes { d in
                            let n = min(raw.count, d.count)
                            let c = n == 0 ? 0 : memcmp(raw.baseAddress!, d.baseAddress!, n)
                            return c != 0 ? Int(c) : raw.count - d.count
                        }
                    }
                }
            }

            func gather(_ digest: [UInt8]) throws {
                version = nil
                for k in state.indices { state[k] = 0; qualities[k] = nil }
                while let row = content, try order(row, digest) < 0 { content = try contents.next() }
                if let row = content, try order(row, digest) == 0 { version = row.cell(1).text }
                while let row = hash, try order(row, digest) < 0 { hash = try hashes.next() }
                while let row = hash, try order(row, digest) == 0 {
                    let k = try row.withUnsafeData(atIndex: 1) { name -> Int? in
                        guard let name else { return nil }
                        return name.withUnsafeBytes { raw in familyIDs.firstIndex { $0.elementsEqual(raw) } }
                    }
                    if let k {
                        let n = wanted[k].wordsPerHash, at = offsets[k]
                        let fits = try row.withUnsafeData(atIndex: 2) { data -> Bool in
                            guard let data, data.count == 8 * n else { return false }
                            data.withUnsafeBytes { raw in
                                for i in 0..<n { words[at + i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
                            }
                            return true
                        }
                        state[k] = fits ? 1 : 2
                        // Not `int64.map { Int($0) }`: see `familyHashes`.
                        if let q = row.cell(3).int64 { qualities[k] = Int(q) }
                    }
                    hash = try hashes.next()
                }
            }

            while let file = try files.next() {
                let same = try holding && order(file, held) == 0
                if !same {
                    try file.withUnsafeData(atIndex: 0) { data in
                        held.removeAll(keepingCapacity: true)
                        if let data { data.withUnsafeBytes { held.append(contentsOf: $0) } }
                    }
                    holding = true
                    try gather(held)
                }
                guard let version else { continue }  // no content row, or one with an error
                for (g, group) in groups.enumerated() {
                    var complete = true, at = 0
                    for (j, k) in groupPositions[g].enumerated() {
                        let family = wanted[k]
                        if state[k] == 0 { complete = false; break }  // not hashed in this family
                        if state[k] == 2 {
                            guard !group.strict(version) else {
                                throw StoreError(kind: .damaged, path: self.displayPath,
                                                 detail: "a \(family.id) hash row of dataset \(dataset) is not \(family.wordsPerHash) words")
                            }
                            complete = false
                            break
                        }
                        for i in 0..<family.wordsPerHash { groupWords[g][at + i] = words[offsets[k] + i] }
                        groupQualities[g][j] = qualities[k]
                        at += family.wordsPerHash
                    }
                    guard complete else { continue }
                    try file.withUnsafeData(atIndex: 1) { path in
                        guard let path else {
                            throw StoreError(kind: .damaged, path: self.displayPath, detail: "a file row of dataset \(dataset) has no path")
                        }
                        try path.withUnsafeBytes { raw in
                            try groupWords[g].withUnsafeBufferPointer { w in try body(g, raw.bindMemory(to: UInt8.self), w, groupQualities[g]) }
                        }
                    }
                }
            }
        }
    }
}
