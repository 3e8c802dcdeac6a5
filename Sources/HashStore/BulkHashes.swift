import Foundation
import GRDB
import HashKit

extension HashStore {
    /// Every file of the dataset whose content was hashed without error and holds a hash of
    /// each of `families`, in content digest order, streamed row by row so that millions load with
    /// nothing kept per row (the service's start): `body` gets the path's bytes, the families'
    /// words one family after the other (`wordsPerHash` each) and each family's quality (nil:
    /// none stored). A hash that is not its family's width is damage when `strict(codeVersion)`
    /// says so for its content, and the row is left out otherwise (as `files(in:)` reads a row
    /// of an older build: hashed again by the next run).
    public func streamHashes(in dataset: Int64, families: [HashFamily], strict: (String) -> Bool,
                             _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt64>, [Int?]) throws -> Void) throws {
        guard !families.isEmpty else { return }
        // Contents in digest order, each content's files found through the file_digest index
        // (which holds the path): every probe lands next to the previous one, where a walk of
        // the files in path order probes the contents at random (2.5x the time at 1M images).
        let joins = families.indices.dropFirst().map { "JOIN content_hash h\($0) ON h\($0).digest = h0.digest AND h\($0).family = ?" }
        let columns = families.indices.map { "h\($0).value, h\($0).quality" }
        let sql = """
            SELECT f.path, c.code_version, \(columns.joined(separator: ", ")) FROM content_hash h0
            CROSS JOIN file f INDEXED BY file_digest ON f.digest = h0.digest AND f.dataset_id = ?
            JOIN content c ON c.digest = h0.digest AND c.error IS NULL
            \(joins.joined(separator: "\n"))
            WHERE h0.family = ?
            """
        let width = families.reduce(0) { $0 + $1.wordsPerHash }
        try reading { db in
            var arguments: StatementArguments = [dataset]
            arguments += StatementArguments(families.dropFirst().map(\.id.rawValue))
            arguments += [families[0].id.rawValue]
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            var words = [UInt64](repeating: 0, count: width)
            var qualities = [Int?](repeating: nil, count: families.count)
            while let row = try rows.next() {
                var complete = true
                var at = 0
                for (k, family) in families.enumerated() {
                    let n = family.wordsPerHash
                    let fits = try row.withUnsafeData(atIndex: 2 + 2 * k) { data -> Bool in
                        guard let data, data.count == 8 * n else { return false }
                        data.withUnsafeBytes { raw in
                            for i in 0..<n { words[at + i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
                        }
                        return true
                    }
                    if !fits {
                        guard let version = row.cell(1).text, !strict(version) else {
                            throw StoreError(kind: .damaged, path: self.displayPath,
                                             detail: "a \(family.id) hash row of dataset \(dataset) is not \(n) words")
                        }
                        complete = false
                        break
                    }
                    // Not `int64.map { Int($0) }`: see `familyHashes`.
                    var quality: Int? = nil
                    if let q = row.cell(3 + 2 * k).int64 { quality = Int(q) }
                    qualities[k] = quality
                    at += n
                }
                guard complete else { continue }
                try row.withUnsafeData(atIndex: 0) { path in
                    guard let path else {
                        throw StoreError(kind: .damaged, path: self.displayPath, detail: "a file row of dataset \(dataset) has no path")
                    }
                    try path.withUnsafeBytes { raw in
                        try words.withUnsafeBufferPointer { w in try body(raw.bindMemory(to: UInt8.self), w, qualities) }
                    }
                }
            }
        }
    }
}
