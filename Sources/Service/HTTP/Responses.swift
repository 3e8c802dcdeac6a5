import Foundation
import JSONFiles
import Hummingbird
import HashKit
import HashStore
import Analysis
import NIOCore

// The JSON answers the routes build (field order is part of the contract: answers are
// compared byte for byte with the CLI's files).

/// Answers JSON.
func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
}

/// One image's entry in an answer: `{nameKey, <family>: hex..., "warnings"?}` or `{nameKey, "error"}`.
enum ImageEntry {
    static func make(_ nameKey: String, _ name: [UInt8], hashes: ImageHashes?, warnings: [String] = [], error: String? = nil) -> JSONValue {
        var fields: [([UInt8], JSONValue)] = [(Array(nameKey.utf8), .string(name))]
        guard let hashes else { return .object(fields + [(Array("error".utf8), .str(error ?? "not hashed"))]) }
        for family in HashFamily.all { fields.append((Array(family.id.rawValue.utf8), .str(family.hex(of: hashes)))) }
        if !warnings.isEmpty { fields.append((Array("warnings".utf8), .array(warnings.map { .str($0) }))) }
        return .object(fields)
    }

    static func hashed(_ nameKey: String, _ name: [UInt8], _ outcome: FileOutcome) -> JSONValue {
        switch outcome {
        case .hashed(let hashes, let warnings): return make(nameKey, name, hashes: hashes, warnings: warnings)
        case .failed(let message): return make(nameKey, name, hashes: nil, error: message)
        }
    }

    static func added(_ added: (key: FileKey, outcome: FileOutcome)) -> JSONValue {
        hashed("file", added.key.bytes, added.outcome)
    }
}

enum DatasetJSON {
    /// A dataset in `GET /v1/datasets` and the answer of `PUT /v1/datasets/{name}`.
    static func summary(_ s: DatasetSummary) -> JSONValue {
        .obj([("name", .str(s.dataset.name)), ("root", s.dataset.root.map { .str($0) } ?? .null),
              ("images", .int(s.images)), ("errors", .int(s.errors))])
    }

    /// Problems listed by `GET /v1/datasets/{name}`; past it the list is cut and marked.
    static let shownProblems = 1000

    /// `GET /v1/datasets/{name}`: the summary with warnings and the first problems (as errors.json lists them).
    static func detail(name: String, _ summary: DatasetSummary, _ dataset: DatasetResult) -> JSONValue {
        let problems = AnalysisJSON.errors(dataset).arrayValue ?? []
        var fields: [(String, JSONValue)] = [
            ("name", .str(name)), ("root", summary.dataset.root.map { .str($0) } ?? .null),
            ("images", .int(summary.images)), ("errors", .int(summary.errors)), ("warnings", .int(summary.warned)),
            ("problems", .array(Array(problems.prefix(shownProblems)))),
        ]
        if problems.count > shownProblems { fields.append(("problems_truncated", .bool(true))) }
        return .obj(fields)
    }

    /// `GET /v1/jobs/{id}`.
    static func job(_ s: ScanJobs.Status) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("job", .str(s.id)), ("dataset", .str(s.dataset)), ("state", .str(s.state.rawValue)),
            ("done", .int(s.done)), ("total", .int(s.total)),
            ("decoded", .int(s.counts.decoded)), ("reused", .int(s.counts.reused)), ("errors", .int(s.counts.errors)),
        ]
        if let error = s.error { fields.append(("error", .str(error))) }
        return .obj(fields)
    }
}
