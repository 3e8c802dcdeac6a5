import Foundation
import Hummingbird
import Analysis
import JSONFiles
import NIOCore

/// An RFC 9457 problem document: every error the service answers is one, with a `detail` that
/// says what went wrong and what to do.
struct Problem: HTTPResponseError {
    var status: HTTPResponse.Status
    var detail: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.headers = headers
    }

    init(_ error: ServiceError) {
        switch error.kind {
        case .badRequest: self.init(.badRequest, error.detail)
        case .unauthorized: self.init(.unauthorized, error.detail, headers: [.wwwAuthenticate: "Bearer realm=\"crosshash\""])
        case .forbidden: self.init(.forbidden, error.detail)
        case .notFound: self.init(.notFound, error.detail)
        case .conflict: self.init(.conflict, error.detail)
        case .tooLarge: self.init(.contentTooLarge, error.detail)
        case .unsupportedMediaType: self.init(.unsupportedMediaType, error.detail)
        case .unprocessable: self.init(.unprocessableContent, error.detail)
        case .busy: self.init(.serviceUnavailable, error.detail, headers: [.retryAfter: "1"])
        case .insufficientStorage: self.init(Self.insufficientStorage, error.detail)
        case .internal: self.init(.internalServerError, error.detail)
        }
    }

    /// RFC 4918's 507, which the HTTP types do not name.
    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")

    func body(instance: String) -> JSONValue {
        .obj([("type", .str("about:blank")), ("title", .str(status.reasonPhrase)), ("status", .int(status.code)),
              ("detail", .str(detail)), ("instance", .str(instance))])
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        // The body of a refused upload was not read: close rather than read gigabytes to reuse it.
        if status == .contentTooLarge || status == .requestTimeout { headers[.connection] = "close" }
        return Response(status: status, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body(instance: request.uri.path).serialized())))
    }
}

/// Turns every error a handler or the framework throws into a problem document, so no client
/// ever sees an empty or HTML error, and an unexpected error never takes the process down.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as ServiceError {
            throw Problem(error)
        } catch let error as HTTPError {
            throw Problem(error.status, error.body ?? Self.explain(error.status))
        } catch is CancellationError {
            // Only work whose client has gone is cancelled: nobody reads this answer.
            throw Problem(.serviceUnavailable, "the request was cancelled: its connection was closed")
        } catch is NIOTooManyBytesError {
            throw Problem(.contentTooLarge, "the request body is larger than this server accepts (--max-body-bytes)")
        } catch let error as any HTTPResponseError {
            throw Problem(error.status, Self.explain(error.status))
        } catch {
            // A full disk is 507; anything else is a fault whose text may name the store's file:
            // the client gets an incident id, the log gets the id with the real error.
            let logger = context.logger
            throw Problem(ServiceError.forClient(error, log: { line in logger.error("\(line)") }))
        }
    }

    static func explain(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: return "no such route (GET /openapi.json lists them)"
        case .methodNotAllowed: return "this route does not take that method (GET /openapi.json lists them)"
        default: return status.reasonPhrase
        }
    }
}
