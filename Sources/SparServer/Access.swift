import SparCore

/// What a caller may read and write (compliance.md A1): a user reads the scopes of its sites, the enterprise only
/// with every site (`*`); source systems read nothing; metrics tokens read the metrics only; open mode (no users
/// enrolled) reads and writes everything.
extension Caller {
    /// Refuses unless the caller may read at all (a user with the `read` permission, or open mode).
    func authorizeRead() throws {
        switch self {
        case .open: return
        case .anonymous:
            throw AuthenticationMiddleware.unauthenticated("sign in first")
        case .metrics(let p):
            throw ProblemDetails.forbidden("\(p.id) holds a metrics token, which reads /metrics and /health only")
        case .principal(let p, _, _):
            guard p.kind != .system, p.may(.read) else {
                throw ProblemDetails.forbidden("\(p.id) may not read (\(p.kind == .system ? "a source-system token only posts events" : "no role with the read permission"))")
            }
        }
    }

    /// Refuses unless the caller may read `scope` (an equipment path or scope text): the site it names must be one
    /// of the caller's; the enterprise (or anything that names no site) needs every site.
    func authorizeRead(scope: String, model: PlantModel) throws {
        try authorizeRead()
        guard case .sites = sites, let p = principal else { return }
        if let site = model.site(ofScope: scope) {
            guard sites.contains(site) else {
                throw ProblemDetails.forbiddenSite("\(p.id) may not read site \(site) (sites: \(p.sites))")
            }
        } else {
            throw ProblemDetails.forbiddenSite(
                "\(p.id) may not read the enterprise scope '\(scope)': that needs every site ('*'); sites: \(p.sites)")
        }
    }

    /// Refuses unless the caller may read the server's metrics: a metrics token, or a reader of every site.
    func authorizeMetrics() throws {
        if case .metrics = self { return }
        try authorizeAllSites("/metrics")
    }

    /// Refuses unless the caller reads every site (enterprise-wide figures such as `/metrics`).
    func authorizeAllSites(_ what: String) throws {
        try authorizeRead()
        if case .sites = sites, let p = principal {
            throw ProblemDetails.forbiddenSite("\(what) covers every site; \(p.id) reads sites \(p.sites) only")
        }
    }

    /// Refuses unless the caller may append events: `ingest` or `correct` (each event is checked again, site by
    /// site, by `IngestEvents`).
    func authorizeWrite() throws {
        switch self {
        case .open: return
        case .anonymous: throw AuthenticationMiddleware.unauthenticated("sign in first")
        case .metrics(let p):
            throw ProblemDetails.forbidden("\(p.id) holds a metrics token, which reads /metrics and /health only")
        case .principal(let p, _, _):
            guard p.may(.ingest) || p.may(.correct) else {
                throw ProblemDetails.forbidden("\(p.id) may not append events (no role with ingest or correct)")
            }
        }
    }

    /// True when the caller may read at all (see ``authorizeRead()``).
    var mayRead: Bool { (try? authorizeRead()) != nil }

    /// True when the caller may read site `id`.
    func mayRead(site id: String) -> Bool { sites.contains(id) }

    /// True when the caller reads every site (and so the enterprise).
    var readsEverySite: Bool { sites == .all }

    /// The model's sites the caller may read, in model order.
    func readableSites(_ model: PlantModel) -> [Site] { model.sites.filter { mayRead(site: $0.id) } }

    /// For the page header: who is signed in.
    var header: [String: Any]? {
        switch self {
        case .open: return ["open": true]
        case .anonymous, .metrics: return nil
        case .principal(let p, let printedName, _):
            return [
                "name": printedName, "user": p.name, "roles": p.roles.sorted().map(\.rawValue).joined(separator: ", "),
                "sites": p.sites == .all ? "all sites" : "sites " + p.sites.description.replacingOccurrences(of: ",", with: ", "),
                "signedIn": true,
            ]
        }
    }
}
