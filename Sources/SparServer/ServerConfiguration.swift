import Foundation
import SparConnectors
import SparCSV
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
    /// Who the ledger records as the appender of events posted over HTTP while it has no enrolled users (open mode);
    /// afterwards every entry records the signed-in user or the token's system, with roles, sites and station.
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
    /// Sign-in sessions and login rate limits (used once the ledger has enrolled users).
    public var authentication: AuthenticationSettings
    /// A GET that has not finished after this long is answered 503 and its work cancelled (`spar serve`: 30 s by
    /// default); nil: no deadline.
    public var requestDeadline: Duration?
    /// Whether a GET's work is cancelled when its client closes the connection (`spar serve` turns it on; the
    /// in-process router used by tests has no connection to watch).
    public var cancelReadsWhenClientLeaves = false
    /// Host names (`name`, `name:port`, `[v6]`, `[v6]:port`) that requests may be addressed to and that `Origin` may
    /// name, besides the loopback names and the listening address; anything else is refused (DNS rebinding).
    public var allowedHosts: [String]
    /// Column maps for `POST /api/import/csv?map=NAME`, by name (`spar serve --csv-map NAME=MAP.yaml`).
    public var csvMaps: [String: CSVMap] = [:]
    /// Machine connectors to run inside the server (`spar serve --connectors connectors.yaml`), checked against the
    /// ledger's plant model at start.
    public var connectorsPath: String?
    /// The connectors' health, shown on `/ingest`, `/api/connectors` and `/metrics`.
    public var connectorBoard = ConnectorHealthBoard()
    /// The unit of the connectors' retry delay.
    public var connectorRetryUnit: Duration = .seconds(1)

    /// Creates a configuration; only the database is required.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: String, signingKeyPath: String? = nil,
        plantPath: String? = nil, recordedBy: String = "http", maxFutureSkew: Int64 = 300_000,
        staleAfterSeconds: Int64 = 4 * 3600,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        now: @escaping @Sendable () -> Timestamp = ServerConfiguration.systemClock,
        logger: Logger = Logger(label: "spar.server"),
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in },
        authentication: AuthenticationSettings = AuthenticationSettings(), allowedHosts: [String] = []
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
        self.authentication = authentication
        self.allowedHosts = allowedHosts
    }

    /// The system clock, in milliseconds.
    public static let systemClock: @Sendable () -> Timestamp = {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }
}

/// How sign-in sessions live and how fast logins may be tried (compliance.md A4).
public struct AuthenticationSettings: Sendable {
    /// A session unused this long ends, milliseconds (default 30 minutes).
    public var idleTimeout: Int64
    /// A session ends this long after sign-in whatever its use, milliseconds (default 12 hours).
    public var absoluteTimeout: Int64
    /// Login attempts allowed per client address and user id in any minute (checked before the password hash).
    public var loginAttemptsPerMinute: Int
    /// Login attempts allowed per client address, whatever the user id, in any minute.
    public var loginAttemptsPerAddressPerMinute: Int
    /// The clock of session timeouts and rate limits (the server clock of `ServerConfiguration.now` may be fixed).
    public var clock: @Sendable () -> Timestamp

    public init(
        idleTimeout: Int64 = 30 * 60_000, absoluteTimeout: Int64 = 12 * 3_600_000, loginAttemptsPerMinute: Int = 10,
        loginAttemptsPerAddressPerMinute: Int = 60,
        clock: @escaping @Sendable () -> Timestamp = ServerConfiguration.systemClock
    ) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.loginAttemptsPerMinute = loginAttemptsPerMinute
        self.loginAttemptsPerAddressPerMinute = loginAttemptsPerAddressPerMinute
        self.clock = clock
    }
}
