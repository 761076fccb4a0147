import Foundation
import HTTPTypes
import Hummingbird
import SparInterchange
import SparStorage

/// An RFC 9457 problem: rendered as `application/problem+json` with a stable `code` (and, for a browser asking for
/// HTML, as a small page). Handlers throw it; ``ProblemMiddleware`` renders everything else as one of these too.
struct ProblemDetails: HTTPResponseError, Sendable {
    /// Stable machine-readable code (`malformed-json`, `unknown-scope`, …); also the last part of `type`.
    var code: String
    var status: HTTPResponse.Status
    /// One-line summary of the kind of problem.
    var title: String
    /// What went wrong in this request and how to fix it.
    var detail: String
    /// The request field (query parameter, body line field) at fault, when there is one.
    var field: String?
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`).
    var headers: HTTPFields = [:]
    /// Extension members of the problem (`rule` of an execution refusal).
    var members: [String: JSONValue] = [:]

    init(_ status: HTTPResponse.Status, code: String, title: String, detail: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.field = field
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "type": .string("urn:spar:problem:\(code)"),
            "title": .string(title),
            "status": .number(Double(status.code)),
            "detail": .string(detail),
            "code": .string(code),
        ]
        if let field { o["field"] = .string(field) }
        for (k, v) in members where o[k] == nil { o[k] = v }
        return .object(o)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let wantsHTML = AuthenticationMiddleware.isPage(request.uri.path)
            && (request.headers[.accept]?.contains("text/html") ?? false)
        if wantsHTML {
            let page = """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(status.code) \(HTML.escape(title))</title>
                <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/assets/style.css">
                </head><body><main><h1>\(status.code) · \(HTML.escape(title))</h1><p>\(HTML.escape(detail))</p>
                <p class="muted">code <code>\(HTML.escape(code))</code> · <a href="/">back to the overview</a></p></main></body></html>
                """
            var r = HTMLPage(page).response
            r.status = status
            r.headers.append(contentsOf: headers)
            return r
        }
        var o = json
        if case .object(var d) = o {
            d["instance"] = .string(request.uri.path)
            o = .object(d)
        }
        let buffer = ByteBuffer(string: o.canonical)
        var fields: HTTPFields = [.contentType: "application/problem+json", .contentLength: String(buffer.readableBytes)]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}

extension ProblemDetails {
    static func badRequest(_ code: String, _ detail: String, field: String? = nil) -> ProblemDetails {
        ProblemDetails(.badRequest, code: code, title: title(code), detail: detail, field: field)
    }

    static func notFound(_ code: String, _ detail: String) -> ProblemDetails {
        ProblemDetails(.notFound, code: code, title: title(code), detail: detail)
    }

    /// 403 `forbidden-site`: the caller's sites do not include what it asked for.
    static func forbiddenSite(_ detail: String) -> ProblemDetails {
        ProblemDetails(.forbidden, code: "forbidden-site", title: title("forbidden-site"), detail: detail)
    }

    /// 403 `forbidden`: the caller's roles do not allow the request.
    static func forbidden(_ detail: String) -> ProblemDetails {
        ProblemDetails(.forbidden, code: "forbidden", title: title("forbidden"), detail: detail)
    }

    static func title(_ code: String) -> String {
        switch code {
        case "malformed-json": "The body is not well-formed JSON"
        case "not-an-array": "The JSON body is not an array of events"
        case "empty-body": "The request has no body"
        case "incomplete-body": "The body is incomplete"
        case "unsupported-media-type": "Unsupported content type"
        case "payload-too-large": "The body is too large"
        case "missing-parameter": "A required query parameter is missing"
        case "invalid-time": "A time is not RFC 3339 with an offset"
        case "invalid-parameter": "A query parameter has an invalid value"
        case "unknown-scope": "Unknown equipment scope"
        case "empty-window": "The time window is empty"
        case "window-too-long": "The time window is too long"
        case "deadline-exceeded": "The request did not finish in time"
        case "cancelled": "The request was cancelled"
        case "unknown-shift": "Unknown shift"
        case "unknown-definition": "Unknown KPI definition version"
        case "unknown-map": "Unknown CSV column map"
        case "malformed-csv": "The CSV file cannot be read with its map"
        case "not-b2mml": "The body is not a B2MML message"
        case "malformed-xml": "The body is not well-formed XML, or declares a DTD or entities"
        case "unknown-kpi": "Unknown KPI"
        case "not-found": "Not found"
        case "method-not-allowed": "Method not allowed"
        case "blueprint-not-recorded": "The ledger holds no blueprint"
        case "unauthenticated": "Sign in first"
        case "authentication-failed": "Unknown user or wrong password"
        case "account-locked": "The account is locked"
        case "account-disabled": "The account is disabled"
        case "too-many-requests": "Too many attempts"
        case "forbidden": "Not allowed for your roles"
        case "forbidden-site": "Not one of your sites"
        case "cross-site-request": "Cross-site request refused"
        case "misdirected-request": "Not a host this server answers for"
        case "signing-failed": "Not signed: re-authentication failed"
        case "internal-error": "Internal error"
        case "database-unavailable": "The database is unavailable for the moment; retry"
        case "execution-refused": "The execution record refuses this"
        case "conflict": "Another write came first; try again"
        default: "Bad request"
        }
    }
}

/// Renders every error as problem details: a ``ProblemDetails`` as itself, Hummingbird's `HTTPError` (unknown
/// route, body too large, …) with a code for its status, and anything else as a bare 500 whose details go only to
/// the log.
///
/// The request body is read through ``FramedRequestBody``, so that a body the client cut short of its
/// `Content-Length` (or whose chunked framing is broken) is the client's error, 400 `incomplete-body`, on every route
/// that reads a body. GET and HEAD requests keep the body the server read (no route reads one), which
/// ``QueryDeadlineMiddleware`` needs to notice a client that leaves.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var request = request
        if request.method != .get, request.method != .head {
            request.body = RequestBody(asyncSequence: FramedRequestBody(base: request.body))
        }
        do {
            return try await next(request, context)
        } catch let problem as ProblemDetails {
            throw problem
        } catch is CancellationError {
            // The client left (or the server is stopping): not a failure of the server.
            throw ProblemDetails(
                .serviceUnavailable, code: "cancelled", title: ProblemDetails.title("cancelled"),
                detail: "the request was cancelled before it finished")
        } catch let error as HTTPError {
            let code: String
            switch error.status {
            case .notFound: code = "not-found"
            case .contentTooLarge: code = "payload-too-large"
            case .methodNotAllowed: code = "method-not-allowed"
            case .unsupportedMediaType: code = "unsupported-media-type"
            default: code = error.status.code < 500 ? "bad-request" : "internal-error"
            }
            let detail =
                error.body
                ?? (error.status == .notFound
                    ? "no route for \(request.method) \(request.uri.path); see /openapi.json" : error.status.reasonPhrase)
            throw ProblemDetails(error.status, code: code, title: ProblemDetails.title(code), detail: detail)
        } catch let error as StorageError where error.isTransient {
            context.logger.warning(
                "spar.request.database-unavailable", metadata: ["spar.error": "\(error)", "spar.path": "\(request.uri.path)"])
            var p = ProblemDetails(
                .serviceUnavailable, code: "database-unavailable", title: ProblemDetails.title("database-unavailable"),
                detail: "\(error.message); retry (writes are idempotent by event id)")
            p.headers[.retryAfter] = "1"
            throw p
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            throw ProblemDetails(
                error.status, code: "bad-request", title: ProblemDetails.title("bad-request"), detail: "\(error)")
        } catch {
            context.logger.error(
                "spar.request.failed", metadata: ["spar.error": "\(error)", "spar.path": "\(request.uri.path)"])
            throw ProblemDetails(
                .internalServerError, code: "internal-error", title: ProblemDetails.title("internal-error"),
                detail: "the server failed to answer; the details are in its log")
        }
    }
}

/// A request body whose transport failures (the connection ended before the body did, a malformed chunk) surface as
/// 400 `incomplete-body` instead of the HTTP parser's error, which would otherwise be answered as a 500.
struct FramedRequestBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator

        mutating func next() async throws -> ByteBuffer? {
            do {
                return try await base.next()
            } catch let error as CancellationError {
                throw error
            } catch let error as any HTTPResponseError {
                throw error
            } catch {
                throw ProblemDetails.badRequest(
                    "incomplete-body",
                    "the request body ended before its Content-Length (or its chunked encoding is malformed); send the whole body")
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}
