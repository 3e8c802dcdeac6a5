import Foundation
import Hummingbird
import HashKit
import Analysis

/// `GET /v1/cross-duplicates`: what `crosshash analyze` writes as `<prefix>_cross_duplicates.json`
/// for the stored datasets, streamed while it is serialised.
struct CrossDuplicatesController: ServiceController {
    let backend: ServiceBackend

    func addRoutes(to group: ServiceRouteGroup) {
        group.get("cross-duplicates", use: crossDuplicates)
    }

    @Sendable func crossDuplicates(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let asked = try CrossDuplicatesRequest(request.uri.queryParameters)
        let cancellation = context.cancellation
        // Matched first (errors still get their status), then written while serialised.
        let backend = self.backend
        let match = {
            try await backend.blocking { service in
                try service.crossDuplicates(datasets: asked.datasets, options: asked.options, family: asked.family,
                                            verify: asked.verify, cancellation: cancellation)
            }
        }
        // Verification decodes pictures on every core: one such request at a time.
        let answer = asked.verify ? try await backend.verifyGate.run("verifying requests", match) : try await match()
        return StreamedBody.json(answer, cancellation: cancellation)
    }
}

/// The query string of `GET /v1/cross-duplicates`: `<family>_threshold=N`, `family=`,
/// `within=true|false`, `datasets=a,b`, `verify=true|false`.
struct CrossDuplicatesRequest: Sendable {
    var options: MatchOptions
    var family: HashFamily
    var datasets: [String]?
    var verify = false

    init(_ q: Parameters) throws {
        var thresholds = [HashFamily.ID: Int]()
        for family in HashFamily.all {
            guard let text = q.get("\(family.id)_threshold") else { continue }
            guard let n = Int(text), (0...family.bits).contains(n) else {
                throw Problem(.badRequest, "\(family.id)_threshold must be an integer 0...\(family.bits)")
            }
            thresholds[family.id] = n
        }
        let familyName = q.get("family") ?? HashFamily.all[0].id.rawValue
        guard let family = HashFamily.named(familyName) else {
            throw Problem(.badRequest, "family must be one of \(HashFamily.all.map(\.id.rawValue).joined(separator: ", "))")
        }
        let within = try Self.flag("within", q)
        verify = try Self.flag("verify", q)
        let names = q.get("datasets").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let names, Set(names.map(DatasetName.init)).count != names.count || names.contains("") {
            throw Problem(.badRequest, "datasets must be distinct names separated by commas")
        }
        self.options = MatchOptions(thresholds: thresholds, within: within)
        self.family = family
        self.datasets = names
    }

    static func flag(_ name: String, _ q: Parameters) throws -> Bool {
        guard let text = q.get(name) else { return false }
        guard text == "true" || text == "false" else { throw Problem(.badRequest, "\(name) must be true or false") }
        return text == "true"
    }
}
