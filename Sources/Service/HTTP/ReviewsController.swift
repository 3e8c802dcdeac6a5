import Foundation
import Hummingbird
import HashStore
import JSONFiles
import NIOCore

/// `/v1/reviews`: curators' decisions on pairs of images (same, different, unsure), kept by the
/// two images' contents. `analyze --store` and `match` on the store apply them.
struct ReviewsController: ServiceController {
    let backend: ServiceBackend
    let reader: RequestReader

    /// A review document is a few short fields: bodies past this are refused before reading.
    static let maxBodyBytes = 64 << 10

    func addRoutes(to group: ServiceRouteGroup) {
        group.get("reviews", use: list)
        group.put("reviews", use: put)
        group.delete("reviews/:id", use: delete)
    }

    @Sendable func put(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let asked = try ReviewRequest(try await reader.jsonBody(request, limit: .small, routeLimit: Self.maxBodyBytes))
        let (review, created) = try await backend.blocking { try $0.putReview(a: asked.a, b: asked.b, decision: asked.decision, note: asked.note) }
        return json(ReviewJSON.entry(review), status: created ? .created : .ok)
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        let datasets = try DatasetList.parse(q.get("datasets"))
        let format = q.get("format") ?? "json"
        guard format == "json" || format == "csv" else { throw Problem(.badRequest, "format must be json or csv") }
        let reviews = try await backend.blocking { try $0.reviews(datasets: datasets) }
        if format == "csv" {
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: ReviewJSON.csv(reviews))))
        }
        return json(.obj([("reviews", .array(reviews.map(ReviewJSON.entry)))]))
    }

    @Sendable func delete(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let text = try context.pathParameter("id")
        guard let id = Int64(text), id > 0 else { throw Problem(.notFound, "no review with id '\(text)' (ids are positive integers; GET /v1/reviews lists them)") }
        try await backend.blocking { try $0.deleteReview(id: id) }
        return Response(status: .noContent)
    }
}

/// `datasets=a,b` of a query string: distinct, non-empty names.
enum DatasetList {
    static func parse(_ text: String?) throws -> [String]? {
        guard let text else { return nil }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !names.contains(""), Set(names.map(DatasetName.init)).count == names.count else {
            throw Problem(.badRequest, "datasets must be distinct names separated by commas")
        }
        return names
    }
}

/// The body of `PUT /v1/reviews`: `{"a": {"dataset", "file"}, "b": {...}, "decision", "note"?}`.
struct ReviewRequest {
    var a: ReviewSide
    var b: ReviewSide
    var decision: ReviewDecision
    var note: String

    static let shape = "{\"a\": {\"dataset\", \"file\"}, \"b\": {\"dataset\", \"file\"}, \"decision\": \"same\" | \"different\" | \"unsure\", \"note\"}"

    init(_ body: JSONValue) throws {
        guard case .object = body else { throw Problem(.badRequest, "expected a JSON object \(Self.shape)") }
        a = try Self.side(body, "a")
        b = try Self.side(body, "b")
        let choices = ReviewDecision.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = body["decision"]?.stringValue, let decision = ReviewDecision(rawValue: text) else {
            throw Problem(.badRequest, "\"decision\" must be one of \(choices)")
        }
        self.decision = decision
        switch body["note"] {
        case nil, .null?: note = ""
        case .string(let bytes)?:
            guard let text = String(validating: bytes, as: UTF8.self) else { throw Problem(.badRequest, "\"note\" must be UTF-8 text") }
            note = text
        default: throw Problem(.badRequest, "\"note\" must be a string")
        }
    }

    private static func side(_ body: JSONValue, _ name: String) throws -> ReviewSide {
        guard let side = body[name], case .object = side,
              let dataset = side["dataset"]?.stringValue, !dataset.isEmpty,
              let file = side["file"]?.stringBytes, !file.isEmpty, file.count <= 4096 else {
            throw Problem(.badRequest, "\"\(name)\" must be {\"dataset\": NAME, \"file\": KEY} (a key of at most 4096 bytes); expected \(shape)")
        }
        return ReviewSide(dataset: dataset, file: file)
    }
}

/// The answers of the review routes.
enum ReviewJSON {
    static func side(_ s: ReviewSide) -> JSONValue { .obj([("dataset", .str(s.dataset)), ("file", .string(s.file))]) }

    /// One review: the PUT's shape plus "id" and "updated".
    static func entry(_ r: StoredReview) -> JSONValue {
        .obj([("id", .int(Int(r.id))), ("a", side(r.a)), ("b", side(r.b)), ("decision", .str(r.decision.rawValue)),
              ("note", .str(r.note)), ("updated", .str(r.updated))])
    }

    static let csvColumns = ["a_dataset", "a_file", "b_dataset", "b_file", "decision", "note", "updated"]

    /// RFC 4180 CSV (CRLF lines, a header row). Fields are quoted when they hold a comma, a
    /// quote, CR or LF, quotes doubled; nothing else is changed, so the export round-trips
    /// exactly (file names that are not UTF-8 show U+FFFD). A spreadsheet may still read a field
    /// starting with "=" as a formula: neutralising that would change the data.
    static func csv(_ reviews: [StoredReview]) -> String {
        var out = csvColumns.joined(separator: ",") + "\r\n"
        for r in reviews {
            let fields = [r.a.dataset, String(decoding: r.a.file, as: UTF8.self), r.b.dataset, String(decoding: r.b.file, as: UTF8.self),
                          r.decision.rawValue, r.note, r.updated]
            out += fields.map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
