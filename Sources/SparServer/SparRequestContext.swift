import Hummingbird
import NIOCore
import SparCore

/// The request context of Spar's routes: Hummingbird's core storage with an upload limit sized for event batches,
/// the client's address and who the request acts for (set by ``AuthenticationMiddleware``).
struct SparRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's IP address (`unknown` when the transport has none, e.g. in router tests).
    let clientAddress: String
    /// Who the request acts for.
    var caller: Caller = .anonymous

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Largest request body read: 64 MiB (about 200,000 events as JSON Lines).
    var maxUploadSize: Int { 64 << 20 }

    /// The station recorded with the caller's ledger entries (compliance.md A5).
    var station: String { "http \(clientAddress)" }
}

/// Who a request acts for.
enum Caller: Sendable {
    /// The ledger has no enrolled users (open mode, loopback only): every read and write, recorded as the server's
    /// configured `recordedBy`.
    case open
    /// Not signed in (only the login routes and the login page's assets answer).
    case anonymous
    /// A signed-in user (session cookie) or a source system (bearer token).
    case principal(Principal, printedName: String, session: String?)
    /// A monitoring client with a metrics token: `GET /metrics` and `GET /health` only, no site's data.
    case metrics(Principal)

    var principal: Principal? {
        if case .principal(let p, _, _) = self { return p }
        return nil
    }

    /// The sites the caller may read (open mode: all).
    var sites: SiteScope {
        switch self {
        case .open: .all
        case .anonymous, .metrics: .sites([])
        case .principal(let p, _, _): p.sites
        }
    }

    var session: String? {
        if case .principal(_, _, let s) = self { return s }
        return nil
    }
}
