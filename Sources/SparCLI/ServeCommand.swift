import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SparServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ledger over HTTP: the API (see /openapi.json), live updates and the dashboards.",
        discussion: """
            Loads the ledger's events into the KPI projection, then answers until SIGTERM or SIGINT (graceful \
            shutdown). Flags default to the environment: SPAR_DB, SPAR_LEDGER_KEY, SPAR_PLANT, SPAR_HOST, SPAR_PORT.
            """
    )

    @Option(help: "SQLite ledger file.")
    var db: String = ProcessInfo.processInfo.environment["SPAR_DB"] ?? "spar-data/spar.sqlite"

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

    func run() async throws {
        do {
            try await ServeCommand.serve(
                db: db, key: key, plant: plant ?? ProcessInfo.processInfo.environment["SPAR_PLANT"], host: host, port: port, staleAfterHours: staleAfterHours)
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }

    /// Bootstraps metrics, builds the application and runs it in a service group until SIGTERM or SIGINT.
    static func serve(
        db: String, key: String?, plant: String?, host: String, port: Int, staleAfterHours: Double
    ) async throws {
        guard (0...65_535).contains(port) else { throw CLIError("--port must be from 0 to 65535") }
        guard staleAfterHours > 0 else { throw CLIError("--stale-after-hours must be positive") }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "spar.server")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let user = ProcessInfo.processInfo.environment["SPAR_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "local"
        let configuration = ServerConfiguration(
            host: host, port: port, database: db, signingKeyPath: LedgerKeyLocation(db: db, option: key).path,
            plantPath: plant, recordedBy: "http:\(user)", staleAfterSeconds: Int64(staleAfterHours * 3600),
            metrics: registry, logger: logger,
            onServerRunning: { bound in
                Console.out("Spar is serving \(db) at http://\(host):\(bound)/  (API: /openapi.json; Ctrl-C stops)")
            })
        let app = try await buildApplication(configuration)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
