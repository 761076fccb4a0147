import Foundation
import Hummingbird
import Logging
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparPostgres
import SparSQLite
import SparStorage

/// Why the server cannot start: what is wrong and how to fix it.
public struct ServerStartError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The composition root: opens the ledger, checks the plant model, loads the projection and builds the routes.
/// `spar serve` runs what this returns; tests call it with a temporary ledger and drive it in process.
///
/// Once the ledger has enrolled users every route but the login page and `/health` needs a session or an API token
/// (a source system's, or a metrics token for `/metrics`). A ledger without users is served open, and then only on a
/// loopback address. In every mode requests must name an allowed host (``AllowedHosts``): an invalid
/// `--allowed-host` value stops the start before the ledger is opened.
public func buildApplication(_ configuration: ServerConfiguration) async throws -> some ApplicationProtocol {
    let allowed = try AllowedHosts(configured: configuration.allowedHosts, listeningOn: configuration.host)
    let live = try await loadLiveLedger(configuration)
    let authenticator = makeAuthenticator(live: live, configuration: configuration)
    // The blueprint's element sources are read from the ledger once, in the background, so that the first
    // blueprint page does not wait for them.
    Task { _ = try? await live.blueprintAnalysis() }
    Task { await live.followOtherNodes() }
    if try await !authenticator.refresh() {
        guard isLoopback(configuration.host) else {
            throw ServerStartError(
                "the ledger \(LedgerDatabase.display(configuration.database)) has no enrolled users, so Spar would serve it to anyone without sign-in; it does that only on a loopback address (--host 127.0.0.1). Enrol the first administrator first (spar user add --db \(configuration.database) --user ID --name \"Printed Name\" --role admin --sites '*'), or serve on 127.0.0.1")
        }
        configuration.logger.warning(
            "spar.auth.openMode",
            metadata: [
                "spar.detail":
                    "the ledger has no enrolled users: serving without sign-in on \(configuration.host) only; enrol an admin with spar user add",
            ])
    }
    if !isLoopback(configuration.host) {
        configuration.logger.notice(
            "spar.auth.tls",
            metadata: [
                "spar.detail":
                    "browsers keep the Secure __Host- session cookie only over HTTPS (or on localhost): serve \(configuration.host) behind a TLS-terminating proxy",
            ])
    }
    configuration.logger.info(
        "spar.hosts.allowed", metadata: ["spar.hosts": "\(allowed.descriptions.joined(separator: ", "))"])
    let router = try buildRouter(live: live, configuration: configuration, authenticator: authenticator)
    let connectors = try connectorServices(live: live, configuration: configuration)
    if !connectors.isEmpty {
        configuration.logger.info(
            "spar.connectors.started",
            metadata: ["spar.connectors": "\(connectors.map(\.id).joined(separator: ", "))"])
    }
    let onServerRunning = configuration.onServerRunning
    let port = configuration.port
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "spar"),
        services: connectors.map(\.service),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: configuration.logger)
}

/// Identities over the live ledger's store; ``Governance`` records sign-ins with the server clock.
func makeAuthenticator(live: LiveLedger, configuration: ServerConfiguration) -> Authenticator {
    Authenticator(
        governance: Governance(store: live.store, clock: configuration.now), settings: configuration.authentication)
}

/// True for the addresses only this machine reaches.
func isLoopback(_ host: String) -> Bool {
    let h = host.lowercased()
    return h == "localhost" || h == "::1" || h == "[::1]" || h.hasPrefix("127.")
}

/// Opens the ledger, checks the plant model and brings the persisted KPI projection to the ledger's head (a ledger
/// written before the projection existed is caught up once, in sequence order); no event is held in memory.
func loadLiveLedger(_ configuration: ServerConfiguration) async throws -> LiveLedger {
    let store = try await LedgerDatabase.open(
        configuration.database, signingKeyPath: configuration.signingKeyPath,
        operationDeadline: PostgresLedgerStore.serverOperationDeadline)
    let (model, version) = try await plantModel(store: store, configuration: configuration)
    let started = ContinuousClock.now
    let blueprintVersion = try await LedgerBlueprint.latest(in: store)?.version
    let live = LiveLedger(
        store: store, model: model, modelVersion: version, blueprintVersion: blueprintVersion,
        configuration: configuration, metrics: ServerMetrics(registry: configuration.metrics))
    let snapshot = await live.snapshot()
    configuration.logger.info(
        "spar.projection.loaded",
        metadata: [
            "spar.events": "\(snapshot.eventCount)", "spar.plantModel": "\(version)",
            "spar.loadMilliseconds": "\(Int((ContinuousClock.now - started).milliseconds))",
            "spar.catchUpMilliseconds": "\(Int(snapshot.lastRebuildMilliseconds))",
        ])
    return live
}

/// Every route: the API, the pages, sign-in, the OpenAPI document and the metrics. The middlewares, outermost first:
/// security headers on every response, request metrics, problem details for every error (and request bodies whose
/// framing fails as 400), the allowed hosts and origins, then authentication.
func buildRouter(live: LiveLedger, configuration: ServerConfiguration, authenticator: Authenticator? = nil) throws
    -> Router<SparRequestContext>
{
    let authenticator = authenticator ?? makeAuthenticator(live: live, configuration: configuration)
    let router = Router(context: SparRequestContext.self)
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(RequestMetricsMiddleware(metrics: live.metrics))
    router.middlewares.add(ProblemMiddleware())
    router.middlewares.add(
        HostPolicyMiddleware(
            allowed: try AllowedHosts(configured: configuration.allowedHosts, listeningOn: configuration.host)))
    router.middlewares.add(AuthenticationMiddleware(authenticator: authenticator))
    if let deadline = configuration.requestDeadline {
        router.middlewares.add(
            QueryDeadlineMiddleware(deadline: deadline, cancelWhenClientLeaves: configuration.cancelReadsWhenClientLeaves))
    }
    APIController(
        live: live, staleAfterSeconds: configuration.staleAfterSeconds, authenticator: authenticator,
        csvMaps: configuration.csvMaps)
        .register(on: router)
    B2MMLController(live: live).register(on: router)
    KPIMLController(live: live, now: configuration.now).register(on: router)
    var execution = ExecutionController(
        execution: live.execution, authenticator: authenticator, recordedBy: configuration.recordedBy,
        now: configuration.now)
    execution.appended = { await live.ledgerGrew() }
    let pages = try PageController(
        live: live, staleAfterSeconds: configuration.staleAfterSeconds, executionAPI: execution)
    pages.register(on: router)
    AuthController(authenticator: authenticator, templates: pages.templates, modelVersion: live.modelVersion)
        .register(on: router)
    SignatureController(authenticator: authenticator).register(on: router)
    execution.register(on: router)
    let registry = configuration.metrics
    router.get("/openapi.json") { _, context in
        try context.caller.authorizeRead()
        return JSONText(String(decoding: PackageResources.openapi_json, as: UTF8.self), contentType: "application/json")
    }
    router.get("/metrics") { _, context in
        try context.caller.authorizeMetrics()
        live.connectors.publish(to: live.metrics.factory, now: configuration.now())
        return JSONText(registry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
    router.get("/api/connectors") { _, context in
        try context.caller.authorizeRead()
        let now = configuration.now()
        let list = live.connectors.snapshot().filter { context.caller.mayRead(site: $0.site) }.map { connectorJSON($0, now: now) }
        let data = try JSONSerialization.data(withJSONObject: ["connectors": list], options: [.sortedKeys])
        return JSONText(String(decoding: data, as: UTF8.self), contentType: "application/json")
    }
    return router
}

/// The ledger's plant model; a `--plant` file must be the same model, and is recorded when the ledger has none.
func plantModel(store: any LedgerStore, configuration: ServerConfiguration) async throws -> (PlantModel, String) {
    let given = try configuration.plantPath.map { try PlantModelFile.load(path: $0) }
    if let (stored, version) = try await LedgerPlantModel.latest(in: store) {
        if let given, let path = configuration.plantPath {
            let gv = PlantModelFile.fingerprint(given)
            guard gv == version else {
                throw ServerStartError(
                    "\(path) (\(gv)) is not the plant model the ledger holds (\(version)); record it with spar ingest --plant \(path) --update-plant first, or serve without --plant")
            }
        }
        return (stored, version)
    }
    guard let given else {
        throw ServerStartError(
            "the ledger \(LedgerDatabase.display(configuration.database)) holds no plant model yet; pass --plant plant.yaml (or run spar demo)")
    }
    let version = try await LedgerPlantModel.record(
        given, in: store, allowNewVersion: false, recordedAt: configuration.now(), recordedBy: configuration.recordedBy)
    return (given, version)
}
