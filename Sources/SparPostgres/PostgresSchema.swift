import Logging
import PostgresNIO
import SparStorage

/// The PostgreSQL schema: the ledger, its checkpoints, credentials and the KPI projection, created by numbered
/// migrations recorded in `spar_migration`. Text columns use the `C` collation, so unit prefixes compare byte by
/// byte as in SQLite.
enum PostgresSchema {
    /// The migrations, in order; each runs in one transaction with the statements listed.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "v1-ledger",
            [
                """
                CREATE FUNCTION spar_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$
                """,
                """
                CREATE TABLE ledger (
                    seq BIGINT PRIMARY KEY,
                    id TEXT COLLATE "C" NOT NULL UNIQUE,
                    kind TEXT COLLATE "C" NOT NULL,
                    ts BIGINT NOT NULL,
                    unit TEXT COLLATE "C" NOT NULL,
                    type TEXT COLLATE "C" NOT NULL,
                    source TEXT COLLATE "C" NOT NULL,
                    body TEXT COLLATE "C" NOT NULL,
                    recorded_at BIGINT NOT NULL,
                    recorded_by TEXT COLLATE "C" NOT NULL,
                    hash BYTEA NOT NULL CHECK (octet_length(hash) = 32)
                )
                """,
                "CREATE INDEX ledger_unit_ts ON ledger(unit, ts)",
                "CREATE INDEX ledger_type ON ledger(type)",
                "CREATE INDEX ledger_kind ON ledger(kind, seq)",
                "CREATE UNIQUE INDEX ledger_state_instant ON ledger(unit, ts) WHERE kind = 'event' AND type = 'state'",
                """
                CREATE INDEX ledger_unit_activity ON ledger(unit, type, ts)
                    WHERE type IN ('order', 'labor', 'maintenance')
                """,
                "CREATE INDEX ledger_corrects ON ledger(((body::jsonb) ->> 'corrects')) WHERE type = 'correction'",
                """
                CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW
                    EXECUTE FUNCTION spar_refuse('the ledger is append-only: entries cannot be updated or deleted')
                """,
                """
                CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT
                    EXECUTE FUNCTION spar_refuse('the ledger is append-only: it cannot be truncated')
                """,
                """
                CREATE TABLE ledger_checkpoint (
                    tree_size BIGINT PRIMARY KEY,
                    root BYTEA NOT NULL,
                    signed_at BIGINT NOT NULL,
                    previous_size BIGINT NOT NULL,
                    key_id TEXT COLLATE "C" NOT NULL,
                    signature BYTEA NOT NULL,
                    frontier BYTEA NOT NULL
                )
                """,
                """
                CREATE TRIGGER ledger_checkpoint_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoint FOR EACH ROW
                    EXECUTE FUNCTION spar_refuse('ledger checkpoints are append-only: they cannot be updated or deleted')
                """,
                """
                CREATE TRIGGER ledger_checkpoint_no_truncate BEFORE TRUNCATE ON ledger_checkpoint FOR EACH STATEMENT
                    EXECUTE FUNCTION spar_refuse('ledger checkpoints are append-only: they cannot be truncated')
                """,
                """
                CREATE TABLE credential (
                    user_name TEXT COLLATE "C" NOT NULL,
                    phc TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    PRIMARY KEY (user_name, seq)
                )
                """,
                """
                CREATE TRIGGER credential_append_only BEFORE UPDATE OR DELETE ON credential FOR EACH ROW
                    EXECUTE FUNCTION spar_refuse('credentials are append-only: set a new password or disable the user instead')
                """,
                """
                CREATE TRIGGER credential_no_truncate BEFORE TRUNCATE ON credential FOR EACH STATEMENT
                    EXECUTE FUNCTION spar_refuse('credentials are append-only: they cannot be truncated')
                """,
            ]
        ),
        (
            "v2-kpi-projection",
            [
                """
                CREATE TABLE kpi_record (
                    event_id TEXT COLLATE "C" PRIMARY KEY,
                    unit TEXT COLLATE "C" NOT NULL,
                    ts BIGINT NOT NULL,
                    kind BIGINT NOT NULL,
                    key TEXT COLLATE "C" NOT NULL,
                    flag BIGINT NOT NULL,
                    operation BIGINT,
                    body TEXT NOT NULL
                )
                """,
                "CREATE INDEX kpi_record_time ON kpi_record(unit, kind, ts)",
                "CREATE INDEX kpi_record_key ON kpi_record(unit, kind, key, ts)",
                "CREATE INDEX kpi_record_first_operation ON kpi_record(key, operation) WHERE kind = 3 AND operation IS NOT NULL",
                "CREATE INDEX kpi_record_count_order ON kpi_record(key, unit, ts) WHERE kind = 2 AND key <> ''",
                """
                CREATE TABLE kpi_bucket (
                    unit TEXT COLLATE "C" NOT NULL,
                    model TEXT COLLATE "C" NOT NULL,
                    start BIGINT NOT NULL,
                    "end" BIGINT NOT NULL,
                    body TEXT NOT NULL,
                    PRIMARY KEY (unit, model, start)
                )
                """,
                "CREATE TABLE kpi_unit_version (unit TEXT COLLATE \"C\" PRIMARY KEY, version BIGINT NOT NULL)",
                "CREATE TABLE kpi_correction (target TEXT COLLATE \"C\" PRIMARY KEY, ts BIGINT NOT NULL, id TEXT COLLATE \"C\" NOT NULL)",
                "CREATE TABLE kpi_projection (one INTEGER PRIMARY KEY CHECK (one = 1), head BIGINT NOT NULL)",
                "INSERT INTO kpi_projection (one, head) VALUES (1, 0)",
                """
                CREATE TABLE ledger_activity (
                    unit TEXT COLLATE "C" NOT NULL,
                    source TEXT COLLATE "C" NOT NULL,
                    events BIGINT NOT NULL,
                    earliest BIGINT NOT NULL,
                    latest BIGINT NOT NULL,
                    PRIMARY KEY (unit, source)
                )
                """,
            ]
        ),
        (
            "v3-sessions",
            [
                """
                CREATE TABLE spar_session (
                    key TEXT COLLATE "C" PRIMARY KEY,
                    user_name TEXT COLLATE "C" NOT NULL,
                    created_at BIGINT NOT NULL,
                    last_seen_at BIGINT NOT NULL,
                    signing_user TEXT COLLATE "C",
                    last_signing_at BIGINT
                )
                """,
                #"CREATE TABLE spar_attempt (key TEXT COLLATE "C" NOT NULL, at BIGINT NOT NULL)"#,
                "CREATE INDEX spar_attempt_key ON spar_attempt(key, at)",
                "CREATE INDEX spar_attempt_at ON spar_attempt(at)",
            ]
        ),
    ]

    /// The triggers that keep the ledger, its checkpoints and the credentials append-only, by table.
    static let appendOnlyTriggers: [String: [String]] = [
        "ledger": ["ledger_append_only", "ledger_no_truncate"],
        "ledger_checkpoint": ["ledger_checkpoint_append_only", "ledger_checkpoint_no_truncate"],
        "credential": ["credential_append_only", "credential_no_truncate"],
    ]

    /// Applies the migrations not yet recorded, in one transaction holding a lock so that nodes starting together
    /// migrate once.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await PostgresLedgerStore.transaction(on: client, begin: "BEGIN", logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(PostgresLedgerStore.chainLock))", logger: logger)
            try await c.query(
                "CREATE TABLE IF NOT EXISTS spar_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            var done = Set<String>()
            for try await name in try await c.query("SELECT name FROM spar_migration", logger: logger).decode(String.self) {
                done.insert(name)
            }
            for m in migrations where !done.contains(m.name) {
                for sql in m.statements { try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                try await c.query("INSERT INTO spar_migration (name) VALUES (\(m.name))", logger: logger)
            }
        }
    }
}
