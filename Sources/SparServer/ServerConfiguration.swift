import Foundation
import Logging
import Prometheus
import SparCore

/// Everything `spar serve` needs, built once from flags and `SPAR_*` environment variables and passed down.
public struct ServerConfiguration: Sendable {
    /// Interface to listen on.
    public var host: String
    /// TCP port (0 picks a free one).
    public var port: Int
    /// SQLite ledger file.
    public var database: String
    /// Checkpoint signing key file of the ledger (nil: `<database>.key`).
    public var signingKeyPath: String?
    /// Plant model file. When given it must be the model the ledger holds; an empty ledger records it.
    public var plantPath: String?
    /// Who the ledger records as the appender of events posted over HTTP.
    public var recordedBy: String
    /// Events more than this far ahead of the server clock are refused, milliseconds.
    public var maxFutureSkew: Int64
    /// A source whose last event is this far behind the latest event of any source is flagged stale, seconds.
    public var staleAfterSeconds: Int64
    /// Where the server's metrics go; `GET /metrics` renders this registry.
    public var metrics: PrometheusCollectorRegistry
    /// The server clock (for the clock-skew check and batch times).
    public var now: @Sendable () -> Timestamp
    /// The server's logger.
    public var logger: Logger
    /// Called once the server listens, with the port it bound (useful with port 0).
    public var onServerRunning: @Sendable (_ port: Int) async -> Void

    /// Creates a configuration; only the database is required.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: String, signingKeyPath: String? = nil,
        plantPath: String? = nil, recordedBy: String = "http", maxFutureSkew: Int64 = 300_000,
        staleAfterSeconds: Int64 = 4 * 3600,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        now: @escaping @Sendable () -> Timestamp = ServerConfiguration.systemClock,
        logger: Logger = Logger(label: "spar.server"),
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.signingKeyPath = signingKeyPath
        self.plantPath = plantPath
        self.recordedBy = recordedBy
        self.maxFutureSkew = maxFutureSkew
        self.staleAfterSeconds = staleAfterSeconds
        self.metrics = metrics
        self.now = now
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    /// The system clock, in milliseconds.
    public static let systemClock: @Sendable () -> Timestamp = {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }
}
