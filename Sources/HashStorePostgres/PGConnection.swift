import CLibPQ
import Foundation
import HashStore

/// A value bound to a `$n` parameter. Every parameter travels in binary format beside the SQL
/// text, never spliced into it, so no value (a file name, a dataset name) can change a statement.
enum PGValue {
    case null
    case int(Int64)
    case text(String)
    case bytes([UInt8])

    static func data(_ data: Data) -> PGValue { .bytes([UInt8](data)) }
    static func optional(_ value: Int64?) -> PGValue { value.map { .int($0) } ?? .null }
    static func optional(_ value: String?) -> PGValue { value.map { .text($0) } ?? .null }
}

/// A failure reported by libpq or the server: the SQLSTATE (five characters; "" for a
/// connection failure) and the message.
struct PGError: Error, CustomStringConvertible {
    var sqlstate: String
    var message: String
    var description: String { sqlstate.isEmpty ? message : "\(message) (SQLSTATE \(sqlstate))" }

    /// A serialisation failure or deadlock: the transaction did nothing and can simply run again.
    var isRetryable: Bool { sqlstate == "40001" || sqlstate == "40P01" }
}

/// The rows of one statement, in binary format. Reading a column of an unexpected type or
/// size gives nil (the caller reports the row as damaged), never a trap.
final class PGRows {
    private let result: OpaquePointer
    let count: Int

    init(_ result: OpaquePointer) {
        self.result = result
        count = Int(PQntuples(result))
    }

    deinit { PQclear(result) }

    /// Rows the statement changed (INSERT/UPDATE/DELETE), 0 when it does not say.
    var changed: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    private func raw(_ row: Int, _ column: Int) -> UnsafeRawBufferPointer? {
        guard row < count, column < Int(PQnfields(result)), !isNull(row, column), let value = PQgetvalue(result, Int32(row), Int32(column)) else {
            return nil
        }
        return UnsafeRawBufferPointer(start: value, count: Int(PQgetlength(result, Int32(row), Int32(column))))
    }

    /// An int2, int4 or int8 column (binary: big-endian).
    func int64(_ row: Int, _ column: Int) -> Int64? {
        guard let raw = raw(row, column) else { return nil }
        let oid = PQftype(result, Int32(column))
        let size: Int
        switch oid {
        case 20: size = 8
        case 23: size = 4
        case 21: size = 2
        default: return nil
        }
        guard raw.count == size else { return nil }
        var value: UInt64 = 0
        for byte in raw { value = value << 8 | UInt64(byte) }
        // Sign-extend the narrower types.
        let shift = UInt64(64 - 8 * size)
        return Int64(bitPattern: value << shift) >> Int64(shift)
    }

    /// A text column (binary text is its UTF-8 bytes).
    func text(_ row: Int, _ column: Int) -> String? {
        guard PQftype(result, Int32(column)) == 25 || PQftype(result, Int32(column)) == 1043, let raw = raw(row, column) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }

    /// A bytea column.
    func bytes(_ row: Int, _ column: Int) -> [UInt8]? {
        guard PQftype(result, Int32(column)) == 17 else { return nil }
        if isNull(row, column) { return nil }
        guard let raw = raw(row, column) else { return [] }
        return [UInt8](raw)
    }

    func data(_ row: Int, _ column: Int) -> Data? { bytes(row, column).map { Data($0) } }
}

/// One libpq connection. Not thread-safe (libpq connections are not): the pool hands each to
/// one thread at a time.
final class PGConnection {
    private let connection: OpaquePointer

    /// Connects with libpq's keyword/value form (expand_dbname 0: no value is parsed as a
    /// connection string).
    init(_ location: PostgresLocation) throws {
        let parameters = location.connectionParameters
        let keywords = parameters.map { strdup($0.0) } + [nil]
        let values = parameters.map { strdup($0.1) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let k = keywords.map { $0.map { UnsafePointer($0) } }
        let v = values.map { $0.map { UnsafePointer($0) } }
        guard let connection = PQconnectdbParams(k, v, 0) else {
            throw PGError(sqlstate: "", message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw PGError(sqlstate: "", message: message)
        }
        self.connection = connection
    }

    deinit { PQfinish(connection) }

    /// Whether the connection is still usable (after an error it may have been lost).
    var isHealthy: Bool { PQstatus(connection) == CONNECTION_OK && PQtransactionStatus(connection) == PQTRANS_IDLE }

    /// Runs one statement with its parameters bound; rows come back in binary format.
    @discardableResult
    func execute(_ sql: String, _ parameters: [PGValue] = []) throws -> PGRows {
        // All values in one buffer (plus a byte, so it is never empty), each parameter an offset.
        var types = [Oid]()
        var storage: [UInt8] = [0]
        var offsets = [Int?]()
        var lengths = [Int32]()
        for parameter in parameters {
            let bytes: [UInt8]?
            switch parameter {
            case .null:
                types.append(0)
                bytes = nil
            case .int(let value):
                types.append(20)
                bytes = withUnsafeBytes(of: value.bigEndian) { [UInt8]($0) }
            case .text(let value):
                types.append(25)
                bytes = Array(value.utf8)
            case .bytes(let value):
                types.append(17)
                bytes = value
            }
            offsets.append(bytes.map { _ in storage.count })
            lengths.append(Int32(bytes?.count ?? 0))
            storage += bytes ?? []
        }
        let formats = [Int32](repeating: 1, count: parameters.count)
        let result = storage.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            guard let base = buffer.baseAddress else { return nil }
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
                offset.map { UnsafeRawPointer(base + $0).assumingMemoryBound(to: CChar.self) }
            }
            return PQexecParams(connection, sql, Int32(parameters.count), types, pointers, lengths, formats, 1)
        }
        return try checked(result)
    }

    /// Runs a script of several statements without parameters (the migrations' DDL).
    func executeScript(_ sql: String) throws {
        _ = try checked(PQexec(connection, sql))
    }

    private func checked(_ result: OpaquePointer?) throws -> PGRows {
        guard let result else {
            throw PGError(sqlstate: "", message: String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQclear(result)
            throw PGError(sqlstate: state, message: message)
        }
        return PGRows(result)
    }
}

/// A few connections shared by threads: each call borrows one for its statements and gives it
/// back; a connection that failed is dropped and replaced by a new one on the next borrow.
final class PGPool: @unchecked Sendable {
    private let location: PostgresLocation
    private let limit: Int
    private let condition = NSCondition()
    private var idle: [PGConnection] = []
    private var open = 0
    private var closed = false

    init(_ location: PostgresLocation, limit: Int) {
        self.location = location
        self.limit = limit
    }

    func with<T>(_ body: (PGConnection) throws -> T) throws -> T {
        let connection = try borrow()
        // Kept when it is idle afterwards (a failed transaction was rolled back), else dropped.
        defer { giveBack(connection) }
        return try body(connection)
    }

    private func borrow() throws -> PGConnection {
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw PGError(sqlstate: "", message: "the store was closed")
            }
            if let connection = idle.popLast() {
                condition.unlock()
                return connection
            }
            if open < limit { break }
            condition.wait()
        }
        open += 1
        condition.unlock()
        do {
            return try PGConnection(location)
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func giveBack(_ connection: PGConnection) {
        let healthy = connection.isHealthy
        condition.lock()
        if healthy && !closed {
            idle.append(connection)
        } else {
            open -= 1
        }
        condition.signal()
        condition.unlock()
    }

    /// Closes the idle connections; borrowed ones close as they come back.
    func close() {
        condition.lock()
        closed = true
        open -= idle.count
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
