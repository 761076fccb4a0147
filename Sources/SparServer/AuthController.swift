import Foundation
import Hummingbird
import Logging
import Mustache
import SparCore
import SparGovernance
import SparInterchange

/// Signing in and out: the login page and form, and the JSON session API (`/api/session`). Passwords are checked by
/// ``Governance`` (which records failures and locks accounts); attempts are rate-limited per client address and user
/// id before the password hash is computed.
struct AuthController {
    let authenticator: Authenticator
    let templates: MustacheLibrary
    let modelVersion: String

    static let locked = HTTPResponse.Status(code: 423, reasonPhrase: "Locked")
    static let maxFormBytes = 16 << 10

    func register(on router: Router<SparRequestContext>) {
        router.get("/login") { request, context in
            let next = AuthenticationMiddleware.safeNext(QueryParameters(request).string("next"))
            return try loginPage(context, next: next, user: "", error: nil, status: .ok)
        }
        router.post("/login", use: loginForm)
        router.post("/logout") { request, context in
            if let id = context.caller.session { try await authenticator.sessions.remove(id) }
            if case .open = context.caller { return AuthenticationMiddleware.redirect(to: "/") }
            return AuthenticationMiddleware.redirect(to: "/login", cookie: AuthenticationMiddleware.clearedCookie)
        }
        router.get("/api/session") { _, context in
            try JSONText(await sessionJSON(context))
        }
        router.post("/api/session", use: apiLogin)
        router.delete("/api/session") { _, context in
            if let id = context.caller.session { try await authenticator.sessions.remove(id) }
            return Response(
                status: .noContent, headers: [.setCookie: AuthenticationMiddleware.clearedCookie])
        }
    }

    // MARK: the login page

    @Sendable func loginForm(_ request: Request, context: SparRequestContext) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw ProblemDetails(
                .unsupportedMediaType, code: "unsupported-media-type", title: ProblemDetails.title("unsupported-media-type"),
                detail: "sign in with the login form (application/x-www-form-urlencoded: user, password, next)")
        }
        var request = request
        let body = try await request.collectBody(upTo: Self.maxFormBytes)
        let form = Self.formFields(String(buffer: body))
        let next = AuthenticationMiddleware.safeNext(form["next"])
        let user = form["user"]?.trimmingCharacters(in: .whitespaces) ?? ""
        do {
            let session = try await login(user: user, password: form["password"] ?? "", context: context)
            return AuthenticationMiddleware.redirect(
                to: next, cookie: AuthenticationMiddleware.sessionCookie(session.id))
        } catch let problem as ProblemDetails {
            var page = try loginPage(context, next: next, user: user, error: problem.detail, status: problem.status)
            page.headers.append(contentsOf: problem.headers)
            return page
        }
    }

    func loginPage(_ context: SparRequestContext, next: String, user: String, error: String?, status: HTTPResponse.Status)
        throws -> Response
    {
        var model: [String: Any] = ["title": "Sign in", "next": next, "user": user, "modelVersion": modelVersion]
        if let error { model["error"] = error }
        if case .open = context.caller { model["open"] = true }
        if let header = context.caller.header, context.caller.principal != nil { model["who"] = header }
        var response = HTMLPage(templates.render(model, withTemplate: "login") ?? "").response
        response.status = status
        return response
    }

    // MARK: the session API

    @Sendable func apiLogin(_ request: Request, context: SparRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: Self.maxFormBytes)
        guard let json = try? JSONValue.parse(Data(buffer: body)), case .object(let o) = json else {
            throw ProblemDetails.badRequest("malformed-json", "send {\"user\": \"…\", \"password\": \"…\"}")
        }
        guard case .string(let user)? = o["user"] else {
            throw ProblemDetails.badRequest("missing-parameter", "the user id is required", field: "user")
        }
        guard case .string(let password)? = o["password"] else {
            throw ProblemDetails.badRequest("missing-parameter", "the password is required", field: "password")
        }
        let session = try await login(user: user, password: password, context: context)
        var signedIn = context
        signedIn.caller = .principal(session.principal, printedName: session.printedName, session: session.id)
        var response = try JSONText(await sessionJSON(signedIn)).response
        response.headers[.setCookie] = AuthenticationMiddleware.sessionCookie(session.id)
        return response
    }

    func sessionJSON(_ context: SparRequestContext) async throws -> JSONValue {
        switch context.caller {
        case .open:
            return .object(["mode": .string("open")])
        case .anonymous:
            throw AuthenticationMiddleware.unauthenticated("sign in first")
        case .metrics(let p):
            throw ProblemDetails.forbidden("\(p.id) holds a metrics token, which reads /metrics and /health only")
        case .principal(let p, let printedName, let id):
            var o: [String: JSONValue] = [
                "mode": .string(p.kind == .system ? "token" : "session"), "user": .string(p.name),
                "name": .string(printedName), "roles": .array(p.roles.sorted().map { .string($0.rawValue) }),
                "sites": .string(p.sites.description), "station": .string(p.station),
            ]
            if let id, let s = try await authenticator.sessions.session(id) {
                o["expiresAt"] = .string(await authenticator.sessions.expiresAt(s).rfc3339)
                o["signedInAt"] = .string(s.createdAt.rfc3339)
            }
            return .object(o)
        }
    }

    // MARK: shared

    /// Rate limit, then ``Governance`` (which records the attempt), then a new session replacing the caller's.
    func login(user: String, password: String, context: SparRequestContext) async throws -> Session {
        guard !user.isEmpty, !password.isEmpty else {
            throw ProblemDetails(
                .unauthorized, code: "authentication-failed", title: ProblemDetails.title("authentication-failed"),
                detail: "enter your user id and password", field: user.isEmpty ? "user" : "password")
        }
        if let wait = await authenticator.admitLogin(address: context.clientAddress, user: user) {
            context.logger.warning(
                "spar.login.rateLimited", metadata: ["spar.user": "\(user)", "spar.client": "\(context.clientAddress)"])
            var p = ProblemDetails(
                .tooManyRequests, code: "too-many-requests", title: ProblemDetails.title("too-many-requests"),
                detail: "too many sign-in attempts from \(context.clientAddress) for \(user); try again in \(wait) s")
            p.headers[.retryAfter] = String(wait)
            throw p
        }
        do {
            return try await authenticator.login(
                user: user, password: password, station: context.station, replacing: context.caller.session)
        } catch let error as GovernanceError {
            context.logger.notice(
                "spar.login.failed",
                metadata: [
                    "spar.user": "\(user)", "spar.client": "\(context.clientAddress)", "spar.code": "\(error.code.rawValue)",
                ])
            throw Self.problem(error)
        }
    }

    static func problem(_ e: GovernanceError) -> ProblemDetails {
        switch e.code {
        case .locked:
            return ProblemDetails(
                locked, code: "account-locked", title: ProblemDetails.title("account-locked"),
                detail: "the account is locked after repeated failed sign-ins; an administrator must unlock it",
                field: "user")
        case .disabled:
            return ProblemDetails(
                .forbidden, code: "account-disabled", title: ProblemDetails.title("account-disabled"),
                detail: "the account is disabled", field: "user")
        case .authenticationFailed, .notFound:
            var p = ProblemDetails(
                .unauthorized, code: "authentication-failed", title: ProblemDetails.title("authentication-failed"),
                detail: "unknown user or wrong password")
            p.headers[.wwwAuthenticate] = #"Bearer realm="spar""#
            return p
        case .invalid:
            return ProblemDetails.badRequest("bad-request", e.message, field: e.field)
        case .denied, .conflict:
            return ProblemDetails.forbidden(e.message)
        }
    }

    /// `application/x-www-form-urlencoded` fields (the last of a repeated name wins).
    static func formFields(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = kv.first else { continue }
            out[decode(name)] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return out
    }
}
