import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparSQLite
import SparTestSupport
import Synchronization

@testable import SparServer

/// A settable clock for session timeouts and rate limits.
final class ManualClock: Sendable {
    private let value: Mutex<Timestamp>
    init(_ start: Timestamp) { value = Mutex(start) }
    var now: Timestamp { value.withLock { $0 } }
    func advance(minutes: Int64) { value.withLock { $0 = $0.adding(milliseconds: minutes * 60_000) } }
    var function: @Sendable () -> Timestamp { { [self] in now } }
}

/// A ledger under access control: enterprise `e` with sites `s` and `t` (one unit each, UTC, no calendar), an
/// enterprise admin, one user per role on site `s`, an auditor of every site, and source-system tokens. PBKDF2 makes
/// each enrolment cost a fifth of a second, so the ledger is built once per test process and copied for each test.
struct GovernedFixture {
    let folder: URL
    let configuration: ServerConfiguration
    let tokens: [String: String]
    let clock: ManualClock

    static let unitS = "e/s/a/w/u1"
    static let unitT = "e/t/a/w/u1"
    /// The host the router test framework sends (`:authority`).
    static let origin = "http://localhost"
    static let adminPrincipal = Principal(kind: .user, name: "admin", roles: [.admin], sites: .all, station: "test")

    /// User id → (role, sites). Every password is `password(user)`.
    static let users: [(id: String, role: Role, sites: SiteScope)] = [
        ("admin", .admin, .all),
        ("op-s", .operator, .sites(["s"])),
        ("sup-s", .supervisor, .sites(["s"])),
        ("qa-s", .quality, .sites(["s"])),
        ("eng-s", .engineer, .sites(["s"])),
        ("adm-s", .admin, .sites(["s"])),
        ("aud-s", .auditor, .sites(["s"])),
        ("aud-all", .auditor, .all),
        ("sup-all", .supervisor, .all),
    ]

    /// The users of site `s`, one per role.
    static let siteUsers = users.filter { $0.sites == .sites(["s"]) }

    static func password(_ user: String) -> String { "pw-\(user)-correct-horse" }

    static func plant() -> PlantModel {
        func site(_ id: String) -> Site {
            Site(
                id: id, timeZone: "UTC",
                areas: [Area(id: "a", workCenters: [WorkCenter(id: "w", kind: .productionLine, workUnits: [WorkUnit(id: "u1")])])])
        }
        return PlantModel(
            enterprise: "e", sites: [site("s"), site("t")], calendars: [], reasons: Fixtures.reasons,
            systems: Fixtures.systems)
    }

    struct Template: Sendable {
        let folder: URL
        let tokens: [String: String]
    }

    /// Built once: the plant model, the users, the tokens `mes@s` (mes, site s), `erp@t` and `mes@*`, and the
    /// metrics token `metrics` (of the monitoring client `prometheus`).
    static let template = Task<Template, any Error> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-governed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteLedgerStore(path: folder.appendingPathComponent("ledger.sqlite").path)
        _ = try await LedgerPlantModel.record(
            plant(), in: store, allowNewVersion: false, recordedAt: ServerFixture.clock, recordedBy: "test")
        let governance = Governance(store: store, clock: { ServerFixture.clock })
        for (i, u) in users.enumerated() {
            try await governance.enroll(
                user: u.id, printedName: "Printed \(u.id)", roles: [u.role], sites: u.sites, password: password(u.id),
                by: i == 0 ? .local("test", station: "test") : adminPrincipal)
        }
        var tokens: [String: String] = [:]
        for (name, system, sites) in [("mes@s", "mes", SiteScope.sites(["s"])), ("erp@t", "erp", .sites(["t"])), ("mes@*", "mes", .all)] {
            tokens[name] = try await governance.issueToken(system: system, sites: sites, by: adminPrincipal).token
        }
        tokens["metrics"] = try await governance.issueMetricsToken(name: "prometheus", by: adminPrincipal).token
        return Template(folder: folder, tokens: tokens)
    }

    /// A fresh copy of the template ledger, served on `host` with `authentication` limits and a manual session clock.
    static func make(
        host: String = "127.0.0.1", loginAttemptsPerMinute: Int = 10, loginAttemptsPerAddressPerMinute: Int = 60
    ) async throws -> GovernedFixture {
        let template = try await template.value
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-governed-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: template.folder, to: folder)
        let clock = ManualClock(t("2026-06-11T00:00:00Z"))
        var logger = Logger(label: "spar.server.test")
        logger.logLevel = .warning
        let configuration = ServerConfiguration(
            host: host, port: 0, database: folder.appendingPathComponent("ledger.sqlite").path, recordedBy: "test",
            metrics: PrometheusCollectorRegistry(), now: { ServerFixture.clock }, logger: logger,
            authentication: AuthenticationSettings(
                loginAttemptsPerMinute: loginAttemptsPerMinute,
                loginAttemptsPerAddressPerMinute: loginAttemptsPerAddressPerMinute, clock: clock.function))
        return GovernedFixture(folder: folder, configuration: configuration, tokens: template.tokens, clock: clock)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Governance over a second connection to this fixture's ledger (as `spar user …` beside the server).
    func governance() throws -> Governance {
        Governance(store: try SQLiteLedgerStore(path: configuration.database), clock: { ServerFixture.clock })
    }

    /// Runs `test` in process; the ledger stays until ``remove()`` (tests read it afterwards).
    func run<Value: Sendable>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let app = try await buildApplication(configuration)
        return try await app.test(.router) { client in try await test(client) }
    }

    /// `2026-06-10T00:00:00Z` plus `seconds`.
    static func time(_ seconds: Int) -> String { Timestamp(milliseconds: t("2026-06-10T00:00:00Z").milliseconds + Int64(seconds) * 1000).rfc3339 }

    /// A state event line of source `source` on `unit` (a unit takes one state event per instant).
    static func event(_ id: String, unit: String, source: String = "mes", ts: String = "2026-06-10T00:00:00Z") -> String {
        ServerFixture.state(id, ts, "production", reason: "run", unit: unit)
            .replacingOccurrences(of: #""source":"mes""#, with: #""source":"\#(source)""#)
    }
}

/// Signed-in requests for the router test client.
extension TestClientProtocol {
    /// Signs in through `POST /api/session` and returns the session cookie's value.
    func signIn(_ user: String, password: String? = nil) async throws -> String {
        let r = try await execute(
            uri: "/api/session", method: .post,
            headers: [.contentType: "application/json", .origin: GovernedFixture.origin],
            body: ByteBuffer(
                string: #"{"user":"\#(user)","password":"\#(password ?? GovernedFixture.password(user))"}"#))
        guard r.status == .ok, let cookie = r.sessionCookie else {
            throw SignInFailed(user: user, status: r.status.code, body: String(buffer: r.body))
        }
        return cookie
    }

    /// A request with the session cookie (and, unless `origin` is nil, an `Origin` naming the server).
    func send(
        _ uri: String, method: HTTPRequest.Method = .get, session: String?, origin: String? = GovernedFixture.origin,
        headers extra: HTTPFields = [:], body: String? = nil
    ) async throws -> TestResponse {
        var headers = extra
        if let session { headers[.cookie] = "\(AuthenticationMiddleware.cookieName)=\(session)" }
        if let origin, method != .get { headers[.origin] = origin }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// `POST /api/events` (JSON Lines) with a bearer token.
    func post(ndjson body: String, token: String) async throws -> TestResponse {
        try await execute(
            uri: "/api/events", method: .post,
            headers: [.contentType: "application/x-ndjson", .authorization: "Bearer \(token)"],
            body: ByteBuffer(string: body))
    }
}

struct SignInFailed: Error, CustomStringConvertible {
    var user: String
    var status: Int
    var body: String
    var description: String { "sign-in of \(user) failed: \(status) \(body)" }
}

extension TestResponse {
    /// The value of the `__Host-spar-session` cookie this response sets.
    var sessionCookie: String? {
        for header in headers[values: .setCookie] where header.hasPrefix(AuthenticationMiddleware.cookieName + "=") {
            let value = header.dropFirst(AuthenticationMiddleware.cookieName.count + 1).prefix { $0 != ";" }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }
}
