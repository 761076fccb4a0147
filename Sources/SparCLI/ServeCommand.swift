import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SparCSV
import SparServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ledger over HTTP: the API (see /openapi.json), live updates and the dashboards.",
        discussion: """
            Loads the ledger's events into the KPI projection, then answers until SIGTERM or SIGINT (graceful \
            shutdown). Flags default to the environment: SPAR_DB, SPAR_LEDGER_KEY, SPAR_PLANT, SPAR_HOST, SPAR_PORT, \
            SPAR_ALLOWED_HOSTS (comma-separated).

            Requests must be addressed to a host the server answers for (DNS rebinding protection): localhost, \
            127.0.0.1 and [::1] on any port, the --host address unless it is a wildcard (0.0.0.0, ::), and every \
            --allowed-host NAME (any port) or NAME:PORT. Others get 421; a POST, PUT, PATCH or DELETE whose Origin \
            names another host gets 403. Behind a proxy or load balancer, allow the name clients and probes use.

            Once the ledger has enrolled users (spar user add) every page and API route needs a sign-in (/login, or \
            POST /api/session) or an API token (Authorization: Bearer spar_…): a source system's, for POST \
            /api/events, or a metrics token (spar user token issue --metrics), for GET /metrics and GET /health. \
            GET /health answers anyone with {"status":"ok"} (load balancers). A ledger without users is served \
            without sign-in, and only on a loopback address.
            """
    )

    @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
    var db: String = defaultLedger

    @Option(help: "Checkpoint signing key file (default: $SPAR_LEDGER_KEY, else <db>.key).")
    var key: String?

    @Option(help: "Plant model file; must be the model the ledger holds (an empty ledger records it).")
    var plant: String?

    @Option(help: "Interface to listen on.")
    var host: String = ProcessInfo.processInfo.environment["SPAR_HOST"] ?? "127.0.0.1"

    @Option(help: "TCP port (0 picks a free one).")
    var port: Int = ProcessInfo.processInfo.environment["SPAR_PORT"].flatMap(Int.init) ?? 8080

    @Option(help: "Flag a source as stale when its last event is this many hours behind the latest event.")
    var staleAfterHours: Double = 4

    @Option(help: "End a sign-in session after this many minutes without a request.")
    var sessionIdleMinutes: Double = 30

    @Option(help: "End a sign-in session this many hours after sign-in, used or not.")
    var sessionMaxHours: Double = 12

    @Option(help: "Sign-in attempts allowed per client address and user id per minute (then 429).")
    var loginAttemptsPerMinute: Int = 10

    @Option(
        name: .customLong("allowed-host"),
        help: ArgumentHelp(
            "A host name (any port) or name:port clients use to reach the server, besides the loopback names (repeatable).",
            valueName: "name"))
    var allowedHosts: [String] = []

    @Option(
        name: .customLong("csv-map"),
        help: ArgumentHelp(
            "A column map for POST /api/import/csv?map=NAME, as NAME=MAP.yaml (repeatable; see spar import csv).",
            valueName: "name=file"))
    var csvMaps: [String] = []

    @Option(
        help: ArgumentHelp(
            "A connectors file whose MTConnect connectors run inside the server (default: SPAR_CONNECTORS).",
            valueName: "connectors.yaml"))
    var connectors: String?

    func run() async throws {
        do {
            try await ServeCommand.serve(
                db: db, key: key, plant: plant ?? ProcessInfo.processInfo.environment["SPAR_PLANT"], host: host, port: port,
                staleAfterHours: staleAfterHours, sessionIdleMinutes: sessionIdleMinutes, sessionMaxHours: sessionMaxHours,
                loginAttemptsPerMinute: loginAttemptsPerMinute,
                allowedHosts: allowedHosts.isEmpty
                    ? ServeCommand.hosts(ProcessInfo.processInfo.environment["SPAR_ALLOWED_HOSTS"]) : allowedHosts,
                csvMaps: try ServeCommand.loadMaps(csvMaps),
                connectors: connectors ?? ProcessInfo.processInfo.environment["SPAR_CONNECTORS"])
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }

    /// The `--csv-map NAME=FILE` options, loaded and checked.
    static func loadMaps(_ options: [String]) throws -> [String: CSVMap] {
        var maps: [String: CSVMap] = [:]
        for option in options {
            guard let eq = option.firstIndex(of: "="), eq != option.startIndex, option.index(after: eq) != option.endIndex
            else { throw CLIError("--csv-map takes NAME=MAP.yaml (got '\(option)')") }
            let name = String(option[..<eq])
            guard maps[name] == nil else { throw CLIError("--csv-map names '\(name)' twice") }
            do {
                maps[name] = try CSVMap.load(path: String(option[option.index(after: eq)...]))
            } catch {
                throw CLIError("--csv-map \(name): \(error)")
            }
        }
        return maps
    }

    /// The names of a comma-separated `SPAR_ALLOWED_HOSTS` (none when unset).
    static func hosts(_ list: String?) -> [String] {
        (list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Bootstraps metrics, builds the application and runs it in a service group until SIGTERM or SIGINT.
    static func serve(
        db: String, key: String?, plant: String?, host: String, port: Int, staleAfterHours: Double,
        sessionIdleMinutes: Double = 30, sessionMaxHours: Double = 12, loginAttemptsPerMinute: Int = 10,
        allowedHosts: [String] = [], csvMaps: [String: CSVMap] = [:], connectors: String? = nil
    ) async throws {
        guard (0...65_535).contains(port) else { throw CLIError("--port must be from 0 to 65535") }
        guard staleAfterHours > 0 else { throw CLIError("--stale-after-hours must be positive") }
        guard sessionIdleMinutes > 0, sessionMaxHours > 0 else {
            throw CLIError("--session-idle-minutes and --session-max-hours must be positive")
        }
        guard loginAttemptsPerMinute > 0 else { throw CLIError("--login-attempts-per-minute must be positive") }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "spar.server")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let user = ProcessInfo.processInfo.environment["SPAR_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "local"
        var configuration = ServerConfiguration(
            host: host, port: port, database: db,
            signingKeyPath: LedgerDatabase.isPostgres(db)
                ? LedgerKeyLocation(db: db, option: key).explicitPath : LedgerKeyLocation(db: db, option: key).path,
            plantPath: plant, recordedBy: "http:\(user)", staleAfterSeconds: Int64(staleAfterHours * 3600),
            metrics: registry, logger: logger,
            onServerRunning: { bound in
                Console.out("Spar is serving \(LedgerDatabase.display(db)) at http://\(host):\(bound)/  (API: /openapi.json; Ctrl-C stops)")
            },
            authentication: AuthenticationSettings(
                idleTimeout: Int64(sessionIdleMinutes * 60_000), absoluteTimeout: Int64(sessionMaxHours * 3_600_000),
                loginAttemptsPerMinute: loginAttemptsPerMinute),
            allowedHosts: allowedHosts)
        configuration.csvMaps = csvMaps
        configuration.connectorsPath = connectors
        configuration.requestDeadline = .seconds(30)
        configuration.cancelReadsWhenClientLeaves = true
        let app = try await buildApplication(configuration)
        var lifecycle = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Open live streams and slow reads do not hold a shutdown: after 5 s they are cancelled, and the process
        // ends at most 5 s later.
        lifecycle.maximumGracefulShutdownDuration = .seconds(5)
        lifecycle.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: lifecycle)
        try await group.run()
    }
}
