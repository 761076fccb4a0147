import Foundation
import HTTPTypes
import Hummingbird
import SparCore
import SparGovernance

/// Who may call what (compliance.md A1, A4). Runs for every request, matched or not:
///
/// - a ledger without enrolled users is served open (loopback only; see ``buildApplication(_:)``);
/// - `Authorization: Bearer spar_…` authenticates a source system, which may only `POST /api/events`, or a
///   monitoring client with a metrics token, which may only `GET /metrics` and `GET /health`; other routes answer
///   either token 403 `forbidden`;
/// - else the `__Host-spar-session` cookie names a session;
/// - the login routes, the assets and `/health` (the status only, for load balancers) are public; any other page
///   redirects to `/login?next=…` and any other API route answers 401 `unauthenticated` with
///   `WWW-Authenticate: Bearer`;
/// - a state-changing request authenticated by the cookie must prove it comes from Spar's own pages (`Origin` equal
///   to the host, or `Sec-Fetch-Site: same-origin|none`), else 403 `cross-site-request`.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = SparRequestContext
    let authenticator: Authenticator

    static let cookieName = "__Host-spar-session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let path = request.uri.path
        guard try await authenticator.refresh() else {
            // Open mode: no identities to check, but a browser's cross-site write is still refused.
            if Self.isStateChanging(request.method), SameOrigin.isCrossSite(request) { throw Self.crossSite }
            context.caller = .open
            return try await next(request, context)
        }
        if let authorization = request.headers[.authorization] {
            guard let token = Self.bearerToken(authorization) else {
                throw Self.unauthenticated(
                    "the Authorization header must be 'Bearer <token>' with a source-system or metrics token")
            }
            let principal: Principal
            let kind: TokenKind
            do {
                (principal, kind) = try await authenticator.bearer(token: token, station: context.station)
            } catch is GovernanceError {
                throw Self.unauthenticated("the bearer token is unknown, malformed or revoked", error: "invalid_token")
            }
            switch kind {
            case .metrics:
                guard request.method == .get || request.method == .head, Self.isMonitoring(path) else {
                    throw ProblemDetails.forbidden(
                        "a metrics token may only GET /metrics and /health; people sign in at /login or POST /api/session")
                }
                context.caller = .metrics(principal)
            case .source:
                guard request.method == .post, ["/api/events", "/api/import/csv", "/api/import/b2mml"].contains(path) else {
                    throw ProblemDetails.forbidden(
                        "a source-system token may only POST /api/events, /api/import/csv and /api/import/b2mml; people sign in at /login or POST /api/session")
                }
                context.caller = .principal(principal, printedName: principal.name, session: nil)
            }
            return try await next(request, context)
        }
        if let id = Self.sessionID(request), let session = try await authenticator.sessions.session(id) {
            var principal = session.principal
            principal.station = context.station
            context.caller = .principal(principal, printedName: session.printedName, session: id)
            if Self.isStateChanging(request.method), !SameOrigin.isSameOrigin(request) { throw Self.crossSite }
            return try await next(request, context)
        }
        if Self.isPublic(request) {
            if Self.isStateChanging(request.method), SameOrigin.isCrossSite(request) { throw Self.crossSite }
            return try await next(request, context)
        }
        if Self.isPage(path), request.method == .get || request.method == .head {
            return Self.redirect(to: "/login?next=" + Self.formEncode(Self.target(of: request)))
        }
        throw Self.unauthenticated("sign in (POST /api/session or the /login page) or send a bearer token")
    }

    // MARK: routes

    /// Routes anyone may call: the login page and its assets, signing in, and the liveness probe (which tells an
    /// anonymous caller only that the server is up).
    static func isPublic(_ request: Request) -> Bool {
        let path = request.uri.path
        switch (request.method, path) {
        case (.get, "/login"), (.post, "/login"), (.post, "/api/session"), (.get, "/health"), (.head, "/health"):
            return true
        case (.get, _): return path.hasPrefix("/assets/")
        default: return false
        }
    }

    /// The routes a metrics token reads.
    static func isMonitoring(_ path: String) -> Bool { path == "/metrics" || path == "/health" }

    /// Pages (HTML, redirected to the login page); the rest is API (answered 401).
    static func isPage(_ path: String) -> Bool {
        !(path.hasPrefix("/api/") || path == "/openapi.json" || path == "/metrics" || path == "/health")
    }

    static func isStateChanging(_ method: HTTPRequest.Method) -> Bool {
        !(method == .get || method == .head || method == .options)
    }

    // MARK: credentials

    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The session id of the `__Host-spar-session` cookie, if the request has one.
    static func sessionID(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces) == cookieName {
                    let value = kv[1].trimmingCharacters(in: .whitespaces)
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }

    /// `Set-Cookie` for a session: host-only (`__Host-`), `Secure`, `HttpOnly`, `SameSite=Strict`, no lifetime (the
    /// server ends it).
    static func sessionCookie(_ id: String) -> String {
        "\(cookieName)=\(id); Path=/; Secure; HttpOnly; SameSite=Strict"
    }

    /// `Set-Cookie` that removes the session cookie.
    static let clearedCookie = "\(cookieName)=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"

    // MARK: answers

    static func unauthenticated(_ detail: String, error: String? = nil) -> ProblemDetails {
        var p = ProblemDetails(
            .unauthorized, code: "unauthenticated", title: ProblemDetails.title("unauthenticated"), detail: detail)
        p.headers[.wwwAuthenticate] = error.map { #"Bearer realm="spar", error="\#($0)""# } ?? #"Bearer realm="spar""#
        return p
    }

    static let crossSite = ProblemDetails(
        .forbidden, code: "cross-site-request", title: ProblemDetails.title("cross-site-request"),
        detail:
            "a state-changing request signed in by cookie must come from Spar's own pages (Origin equal to the host, or Sec-Fetch-Site same-origin); scripts use a bearer token or send Origin")

    static func redirect(to location: String, cookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: location, .contentLength: "0"]
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// Path and query of the request, for `next`.
    static func target(of request: Request) -> String {
        let query = request.uri.query.map { "?" + $0 } ?? ""
        return request.uri.path + query
    }

    /// A relative path on this site to return to after signing in; anything else (absolute URLs, `//host`,
    /// backslashes, control characters) becomes `/`.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
            !next.hasPrefix("/login")
        else { return "/" }
        return next
    }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
    }
}

/// Where a request comes from, as browsers tell (`Sec-Fetch-Site`, `Origin`).
enum SameOrigin {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// True when the browser says the request comes from this site's own pages, or from the user (address bar).
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[secFetchSite] {
            return site == "same-origin" || site == "none"
        }
        guard let origin = request.headers[.origin] else { return false }
        return matchesHost(origin, request)
    }

    /// True when the browser says the request comes from another site (no headers: not a browser's, not refused).
    static func isCrossSite(_ request: Request) -> Bool {
        if let site = request.headers[secFetchSite] { return !(site == "same-origin" || site == "none") }
        if let origin = request.headers[.origin] { return !matchesHost(origin, request) }
        return false
    }

    /// `Origin: scheme://host[:port]` names the host and port the request was sent to (`Host` / `:authority`).
    static func matchesHost(_ origin: String, _ request: Request) -> Bool {
        guard let host = request.head.authority, !host.isEmpty,
            let url = URL(string: origin), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let originHost = url.host, url.path.isEmpty || url.path == "/"
        else { return false }
        let defaultPort = scheme == "https" ? 443 : 80
        guard let target = authority(host, defaultPort: defaultPort) else { return false }
        return target.host == bare(originHost) && target.port == (url.port ?? defaultPort)
    }

    /// Host (lower case, IPv6 without brackets) and port of a `Host` header value.
    static func authority(_ value: String, defaultPort: Int) -> (host: String, port: Int)? {
        let v = value.lowercased()
        if v.hasPrefix("[") {
            guard let close = v.firstIndex(of: "]") else { return nil }
            let host = String(v[v.index(after: v.startIndex)..<close])
            let rest = v[v.index(after: close)...]
            if rest.isEmpty { return (host, defaultPort) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()) else { return nil }
            return (host, port)
        }
        let parts = v.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (v, defaultPort)
        case 2:
            guard let port = Int(parts[1]) else { return nil }
            return (String(parts[0]), port)
        default: return nil
        }
    }

    static func bare(_ host: String) -> String {
        let h = host.lowercased()
        return h.hasPrefix("[") && h.hasSuffix("]") ? String(h.dropFirst().dropLast()) : h
    }
}

/// Security headers on every response, errors included (compliance.md A4): a Content-Security-Policy that allows
/// only Spar's own scripts, styles and connections and no framing, `nosniff`, no referrer, and `no-store` on
/// everything but the static assets.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        Self.apply(&response.headers, path: request.uri.path)
        return response
    }

    static func apply(_ headers: inout HTTPFields, path: String) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        headers[.cacheControl] = path.hasPrefix("/assets/") ? "no-cache" : "no-store"
    }
}
