import Foundation
import Hummingbird
import HashKit
import HashStore
import Analysis
import JSONFiles
import NIOCore
import HTTPTypes

/// `/ui/...`: the curators' pages, rendered on the server from `UITemplates`. With API keys a
/// page needs a session (`UISessions`, opened on /ui/login) and sends the browser to the login
/// page otherwise. Pages only read; changes go through the API from the pages' script.
struct UIController {
    let backend: ServiceBackend
    let keys: APIKeyMiddleware<ServiceRequestContext>
    let sessions: UISessions

    /// Pairs per gallery page: 50 pairs of thumbnails and names stay well under 500 KB of HTML.
    static let pageSize = 50

    /// No inline code, nothing from elsewhere, no framing; images also from `blob:` (none today).
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("ui", use: datasets)
        router.get("ui/pairs", use: pairs)
        router.get("ui/search", use: search)
        router.get("ui/login", use: loginPage)
        router.post("ui/login", use: login)
        router.post("ui/logout", use: logout)
        router.get("ui/app.js") { _, _ in Self.asset(UIAssets.js, type: "text/javascript; charset=utf-8") }
        router.get("ui/app.css") { _, _ in Self.asset(UIAssets.css, type: "text/css; charset=utf-8") }
    }

    var loginRequired: Bool { !keys.keys.isEmpty }

    // MARK: Pages

    @Sendable func datasets(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        if let away = redirectWithoutSession(request) { return away }
        let summaries = try await backend.blocking { try $0.summaries() }
        let rows: [[String: Any]] = summaries.map { s in
            ["name": s.dataset.name, "images": s.images, "errors": s.errors, "root": s.dataset.root ?? "(uploads only)",
             "scannable": s.dataset.root != nil, "lastScan": backend.latestScan(of: s.dataset.name).map(Self.describe) ?? "none since the server started"]
        }
        var context = layout("Datasets", page: "datasets")
        context["datasets"] = rows
        context["hasDatasets"] = !rows.isEmpty
        context["allNames"] = summaries.map(\.dataset.name).joined(separator: ",")
        context["families"] = HashFamily.all.map(\.id.rawValue)
        return Self.html(UITemplates.render("datasets", context))
    }

    @Sendable func pairs(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        if let away = redirectWithoutSession(request) { return away }
        let q = request.uri.queryParameters
        let datasets = try DatasetList.parse(q.get("datasets").flatMap { $0.isEmpty ? nil : $0 })
        let familyName = q.get("family") ?? HashFamily.all[0].id.rawValue
        guard let family = HashFamily.named(familyName) else {
            throw Problem(.badRequest, "family must be one of \(HashFamily.all.map(\.id.rawValue).joined(separator: ", "))")
        }
        let filterName = q.get("filter") ?? GalleryFilter.all.rawValue
        guard let filter = GalleryFilter(rawValue: filterName) else {
            throw Problem(.badRequest, "filter must be one of \(GalleryFilter.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let pageNumber = Int(q.get("page") ?? "1"), pageNumber >= 1, pageNumber <= 1_000_000 else {
            throw Problem(.badRequest, "page must be a whole number from 1")
        }
        let cancellation = context.cancellation, size = Self.pageSize
        let backend = self.backend
        let gallery = try await backend.verifyGate.run("verifying requests") {
            try await backend.blocking { service in
                try service.galleryPage(datasets: datasets, family: family, filter: filter, page: pageNumber, pageSize: size,
                                        cancellation: cancellation)
            }
        }
        let other = HashFamily.all.first { $0.id != family.id } ?? family
        let rows: [[String: Any]] = gallery.pairs.map { p in
            var row: [String: Any] = [
                "aDataset": p.a.dataset, "aFile": Self.shown(p.a.file), "aThumb": Self.thumbnail(p.a),
                "bDataset": p.b.dataset, "bFile": Self.shown(p.b.file), "bThumb": Self.thumbnail(p.b),
                "aJSON": Self.reference(p.a), "bJSON": Self.reference(p.b), "aHasPicture": p.aHasPicture, "bHasPicture": p.bHasPicture,
                "family": family.id.rawValue, "otherFamily": other.id.rawValue,
                "distance": p.distance, "otherDistance": p.otherDistance,
                "decision": p.review?.decision.rawValue ?? "", "decisionShown": p.review?.decision.rawValue ?? "none",
            ]
            if let v = p.verdict {
                let similarity = String(format: "%.4f", v.similarity)
                row["verdict"] = v.verified ? "verified (similarity \(similarity))" : "not verified: \(v.reason.rawValue) (similarity \(similarity))"
            } else {
                row["verdict"] = "not verified"
            }
            return row
        }
        let pageCount = (gallery.total + size - 1) / size
        // Query values encoded byte by byte (dataset names may hold `&`, `#`, `+`), commas kept.
        func link(_ n: Int) -> String {
            var items = [("family", family.id.rawValue), ("filter", filter.rawValue), ("page", String(n))]
            if let datasets { items.insert(("datasets", datasets.joined(separator: ",")), at: 0) }
            return "/ui/pairs?" + items.map { "\($0.0)=\(Self.segment(Array($0.1.utf8), keeping: ","))" }.joined(separator: "&")
        }
        var page = layout("Pairs", page: "pairs")
        page["datasetsText"] = datasets?.joined(separator: ",") ?? ""
        page["families"] = HashFamily.all.map { ["name": $0.id.rawValue, "selected": $0.id == family.id] as [String: Any] }
        page["filters"] = GalleryFilter.allCases.map { f -> [String: Any] in
            let label = ["all": "all pairs", "verified": "verified", "unverified": "not verified", "unreviewed": "not reviewed"][f.rawValue] ?? f.rawValue
            return ["name": f.rawValue, "label": label, "selected": f == filter]
        }
        page["family"] = family.id.rawValue
        page["total"] = gallery.total
        page["pageNumber"] = pageNumber
        if pageCount > 0 { page["pageCount"] = pageCount }
        page["firstNumber"] = (pageNumber - 1) * size + 1
        page["pairs"] = rows
        if let note = gallery.note { page["note"] = note }
        if pageNumber > 1 { page["previous"] = link(min(pageNumber - 1, max(pageCount, 1))) }
        if pageNumber < pageCount { page["next"] = link(pageNumber + 1) }
        return Self.html(UITemplates.render("pairs", page))
    }

    @Sendable func search(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        if let away = redirectWithoutSession(request) { return away }
        var page = layout("Search by picture", page: "search")
        page["families"] = HashFamily.all.map(\.id.rawValue)
        return Self.html(UITemplates.render("search", page))
    }

    // MARK: Sessions

    @Sendable func loginPage(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        guard loginRequired else { return Self.redirect("/ui/") }
        return Self.html(UITemplates.render("login", layout("Log in", page: "login", loggedIn: false)))
    }

    /// The form's key, checked as a bearer token is; a valid one opens a session.
    @Sendable func login(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        guard loginRequired else { return Self.redirect("/ui/") }
        let body = try await request.body.collect(upTo: 16 << 10)
        let form = Self.form(String(buffer: body))
        guard let key = form["key"], keys.accepts(key) else {
            var page = layout("Log in", page: "login", loggedIn: false)
            page["failed"] = true
            return Self.html(UITemplates.render("login", page), status: .unauthorized)
        }
        let token = sessions.open()
        var response = Self.redirect("/ui/")
        response.headers[.setCookie] = sessions.cookie(token, secure: Self.overTLS(request))
        return response
    }

    @Sendable func logout(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        if let token = UISessions.token(in: request) { sessions.close(token) }
        var response = Self.redirect(loginRequired ? "/ui/login" : "/ui/")
        response.headers[.setCookie] = UISessions.expiredCookie(secure: Self.overTLS(request))
        return response
    }

    /// With API keys, a page asked without a live session sends the browser to the login page.
    func redirectWithoutSession(_ request: Request) -> Response? {
        guard loginRequired, !sessions.authorises(request) else { return nil }
        return Self.redirect("/ui/login")
    }

    // MARK: Helpers

    static func describe(_ job: ScanJobs.Status) -> String {
        "\(job.id): \(job.state.rawValue)" + (job.total > 0 ? " \(job.done)/\(job.total)" : "") + (job.error.map { ": \($0)" } ?? "")
    }

    func layout(_ title: String, page: String, loggedIn: Bool = true) -> [String: Any] {
        ["title": title, "page": page, "onDatasets": page == "datasets", "onPairs": page == "pairs", "onSearch": page == "search",
         "loggedIn": loggedIn && loginRequired]
    }

    /// The security headers of every page and asset. `Referrer-Policy: same-origin`, not
    /// `no-referrer`: under `no-referrer` a browser sends `Origin: null` with the login form's
    /// POST, which the origin guard rightly refuses as another origin.
    static func headers(type: String) -> HTTPFields {
        [.contentType: type, .contentSecurityPolicy: contentSecurityPolicy, .xContentTypeOptions: "nosniff",
         referrerPolicy: "same-origin", .cacheControl: "no-store"]
    }

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers(type: "text/html; charset=utf-8"), body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: headers(type: type), body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    static func overTLS(_ request: Request) -> Bool {
        HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] }?.lowercased() == "https"
    }

    /// A file key as text (bytes that are not UTF-8 shown as U+FFFD).
    static func shown(_ key: [UInt8]) -> String { String(decoding: key, as: UTF8.self) }

    /// The thumbnail route of one image: dataset and key each percent-encoded as one segment.
    static func thumbnail(_ side: ReviewSide) -> String {
        "/v1/datasets/\(segment(Array(side.dataset.utf8)))/images/\(segment(side.file))/thumbnail"
    }

    /// Every byte but unreserved ones (and those of `keeping`) as %XX (`/` too: a key is one
    /// path segment).
    static func segment(_ bytes: [UInt8], keeping: String = "") -> String {
        var out = ""
        let kept = Set(keeping.utf8)
        for b in bytes {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(b))
            case _ where kept.contains(b):
                out.unicodeScalars.append(UnicodeScalar(b))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// `{"dataset", "file"}` as the API writes it (a key that is not UTF-8 keeps its escapes),
    /// for the review the page's script sends.
    static func reference(_ side: ReviewSide) -> String {
        String(decoding: JSONValue.obj([("dataset", .str(side.dataset)), ("file", .string(side.file))]).serialized(), as: UTF8.self)
    }

    /// An `application/x-www-form-urlencoded` body.
    static func form(_ text: String) -> [String: String] {
        var fields = [String: String]()
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
