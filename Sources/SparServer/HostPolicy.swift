import Foundation
import HTTPTypes
import Hummingbird

/// The host names the server answers for (DNS rebinding protection): the loopback names `localhost`, `127.0.0.1`
/// and `[::1]` on any port, the address it listens on (unless a wildcard such as `0.0.0.0`), and every name given
/// with `spar serve --allowed-host` or `SPAR_ALLOWED_HOSTS`.
///
/// A name given without a port is allowed on any port; `name:port` only on that port. A request without a port in
/// its `Host` (or `Origin`) matches a name allowed on any port, on port 80 or on port 443.
struct AllowedHosts: Sendable, Hashable {
    /// One allowed host: a name or address (lower case, IPv6 without brackets) and its port (nil: any).
    struct Entry: Sendable, Hashable {
        var host: String
        var port: Int?
    }

    /// The names allowed without configuration.
    static let loopback = ["localhost", "127.0.0.1", "::1"]

    private(set) var entries: [Entry]

    /// The loopback names, `listeningOn` when it is a specific address, and `configured`.
    ///
    /// - Throws: ``ServerStartError`` naming the first configured value that is not a host name or address with an
    ///   optional port.
    init(configured: [String], listeningOn bind: String) throws {
        entries = Self.loopback.map { Entry(host: $0, port: nil) }
        if let listening = Self.parse(bind), !Self.isWildcard(listening.host) {
            entries.append(Entry(host: listening.host, port: nil))
        }
        for value in configured {
            guard let entry = Self.parse(value) else {
                throw ServerStartError(
                    "--allowed-host '\(value)' (or SPAR_ALLOWED_HOSTS) is not a host name or address with an optional port; give e.g. spar.example.com, spar.example.com:8443 or [fd00::1]"
                )
            }
            guard !Self.isWildcard(entry.host) else {
                throw ServerStartError(
                    "--allowed-host '\(value)' is a wildcard address; name the host clients use to reach the server (e.g. spar.example.com)")
            }
            entries.append(entry)
        }
        var seen = Set<Entry>()
        entries = entries.filter { seen.insert($0).inserted }
    }

    /// True when a `Host` header value (`name[:port]`, `[v6][:port]`) names an allowed host.
    func allows(authority: String) -> Bool {
        guard let target = Self.parse(authority, bareIPv6: false) else { return false }
        return allows(target)
    }

    /// True when an `Origin` header value is `http(s)://<an allowed host>[:port]` (no path, no user info).
    func allows(origin: String) -> Bool {
        guard let url = URL(string: origin), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.user == nil, url.password == nil, url.query == nil,
            url.path.isEmpty || url.path == "/"
        else { return false }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return allows(Entry(host: bare.lowercased(), port: url.port))
    }

    private func allows(_ target: Entry) -> Bool {
        entries.contains { e in
            guard e.host == target.host else { return false }
            guard let port = e.port else { return true }
            return target.port.map { $0 == port } ?? (port == 80 || port == 443)
        }
    }

    /// Host names as people write them, for messages: `[::1]` with brackets, `name:port`.
    var descriptions: [String] {
        entries.map { e in
            let host = e.host.contains(":") ? "[\(e.host)]" : e.host
            return e.port.map { "\(host):\($0)" } ?? host
        }
    }

    static func isWildcard(_ host: String) -> Bool { host == "0.0.0.0" || host == "::" || host.isEmpty }

    /// `name`, `name:port`, `[v6]`, `[v6]:port` (and, when `bareIPv6`, `v6` without brackets and without a port):
    /// host in lower case without brackets; nil when it is none of these.
    static func parse(_ raw: String, bareIPv6: Bool = true) -> Entry? {
        let v = raw.trimmingCharacters(in: .whitespaces).lowercased()
        func port(_ text: Substring) -> Int? {
            guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(text),
                (1...65_535).contains(p)
            else { return nil }
            return p
        }
        func isIPv6(_ h: Substring) -> Bool {
            h.contains(":") && h.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        func isName(_ h: Substring) -> Bool {
            !h.isEmpty && h.count <= 253
                && h.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0)
                }
        }
        if v.hasPrefix("[") {
            guard let close = v.firstIndex(of: "]") else { return nil }
            let host = v[v.index(after: v.startIndex)..<close]
            guard isIPv6(host) else { return nil }
            let rest = v[v.index(after: close)...]
            if rest.isEmpty { return Entry(host: String(host), port: nil) }
            guard rest.hasPrefix(":"), let p = port(rest.dropFirst()) else { return nil }
            return Entry(host: String(host), port: p)
        }
        let parts = v.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return isName(parts[0]) ? Entry(host: v, port: nil) : nil
        case 2:
            guard isName(parts[0]), let p = port(parts[1]) else { return nil }
            return Entry(host: String(parts[0]), port: p)
        default:
            return bareIPv6 && isIPv6(Substring(v)) ? Entry(host: v, port: nil) : nil
        }
    }
}

/// Refuses requests addressed to a host the server does not answer for, in every mode (open and signed-in): a `Host`
/// that is not an allowed host gets 421 `misdirected-request`, and a state-changing request whose `Origin` does not
/// name an allowed host gets 403 `cross-site-request` (`Origin: null` passes only with `Sec-Fetch-Site:
/// same-origin` or `none`, see ``isAcceptable(origin:_:_:)``). A request without `Origin` (scripts, token clients)
/// passes the origin check; a request without `Host` (HTTP/1.0 probes) passes the host check, since DNS rebinding needs a
/// browser and browsers always send `Host`.
struct HostPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: AllowedHosts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let authority = request.head.authority, !allowed.allows(authority: authority) {
            throw ProblemDetails(
                .misdirectedRequest, code: "misdirected-request", title: ProblemDetails.title("misdirected-request"),
                detail:
                    "this server does not answer for the host '\(authority)'; it answers for the loopback names, its listening address and the names given with spar serve --allowed-host (or SPAR_ALLOWED_HOSTS)"
            )
        }
        if AuthenticationMiddleware.isStateChanging(request.method), let origin = request.headers[.origin],
            !Self.isAcceptable(origin: origin, request, allowed)
        {
            throw ProblemDetails(
                .forbidden, code: "cross-site-request", title: ProblemDetails.title("cross-site-request"),
                detail:
                    "Origin '\(origin)' is not http(s):// one of the hosts this server answers for; a state-changing request from a browser must come from Spar's own pages"
            )
        }
        return try await next(request, context)
    }

    /// An `Origin` naming an allowed host; or `null` — which browsers send for a form posted from a page with
    /// `Referrer-Policy: no-referrer`, as Spar's pages are — when the browser also says `Sec-Fetch-Site: same-origin`
    /// (or `none`). The `Host` was checked first, so "same origin" means one of the allowed hosts.
    static func isAcceptable(origin: String, _ request: Request, _ allowed: AllowedHosts) -> Bool {
        if origin.trimmingCharacters(in: .whitespaces) == "null" {
            guard let site = request.headers[SameOrigin.secFetchSite] else { return false }
            return site == "same-origin" || site == "none"
        }
        return allowed.allows(origin: origin)
    }
}
