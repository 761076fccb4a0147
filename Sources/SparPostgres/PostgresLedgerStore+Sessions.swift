import PostgresNIO
import SparStorage

/// Sessions and sign-in attempts in the shared database (tables `spar_session` and `spar_attempt`), so that every
/// node serving the ledger sees the same sessions and counts the same attempts.
extension PostgresLedgerStore: SessionRecordStore {
    /// Serialises rate-limit decisions across nodes (distinct from the chain lock, so sign-ins never wait on appends).
    static let attemptLock: Int64 = 0x5350_4152_4154_5450

    public func createSession(_ session: SessionRecord, replacing: String?) async throws {
        let logger = logger
        _ = try await write { c in
            if let replacing {
                try await c.query("DELETE FROM spar_session WHERE key = \(replacing)", logger: logger)
            }
            try await c.query(
                """
                INSERT INTO spar_session (key, user_name, created_at, last_seen_at, signing_user, last_signing_at)
                VALUES (\(session.key), \(session.user), \(session.createdAt), \(session.lastSeenAt),
                        \(session.signingUser), \(session.lastSigningAt))
                """, logger: logger)
        }
    }

    public func session(key: String) async throws -> SessionRecord? {
        let logger = logger
        return try await read { c in
            let rows = try await c.query(
                """
                SELECT user_name, created_at, last_seen_at, signing_user, last_signing_at
                FROM spar_session WHERE key = \(key)
                """, logger: logger
            ).decode((String, Int64, Int64, String?, Int64?).self)
            for try await (user, created, seen, signer, signedAt) in rows {
                return SessionRecord(
                    key: key, user: user, createdAt: created, lastSeenAt: seen, signingUser: signer,
                    lastSigningAt: signedAt)
            }
            return nil
        }
    }

    public func touchSession(key: String, at: Int64) async throws {
        let logger = logger
        _ = try await write { c in
            try await c.query(
                "UPDATE spar_session SET last_seen_at = \(at) WHERE key = \(key) AND last_seen_at < \(at)",
                logger: logger)
        }
    }

    public func noteSigning(key: String, user: String, at: Int64?) async throws {
        let logger = logger
        _ = try await write { c in
            try await c.query(
                "UPDATE spar_session SET signing_user = \(user), last_signing_at = \(at) WHERE key = \(key)",
                logger: logger)
        }
    }

    @discardableResult
    public func endSession(key: String) async throws -> Bool {
        let logger = logger
        return try await write { c in
            var ended = false
            for try await _ in try await c.query(
                "DELETE FROM spar_session WHERE key = \(key) RETURNING key", logger: logger)
            {
                ended = true
            }
            return ended
        }
    }

    public func endSessions(idleBefore: Int64, createdBefore: Int64) async throws {
        let logger = logger
        _ = try await write { c in
            try await c.query(
                "DELETE FROM spar_session WHERE last_seen_at < \(idleBefore) OR created_at < \(createdBefore)",
                logger: logger)
        }
    }

    public func sessionCount() async throws -> Int {
        let logger = logger
        return try await read { c in
            for try await n in try await c.query("SELECT count(*) FROM spar_session", logger: logger).decode(Int64.self) {
                return Int(n)
            }
            return 0
        }
    }

    public func admitAttempt(keys: [SessionAttemptKey], at: Int64, window: Int64) async throws -> Int64? {
        let logger = logger
        let names = keys.map(\.key)
        let limits = Dictionary(keys.map { ($0.key, $0.limit) }, uniquingKeysWith: min)
        return try await write { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(Self.attemptLock))", logger: logger)
            try await c.query("DELETE FROM spar_attempt WHERE at <= \(at - window)", logger: logger)
            var wait: Int64 = 0
            for try await (key, n, oldest) in try await c.query(
                "SELECT key, count(*), min(at) FROM spar_attempt WHERE key = ANY(\(names)::text[]) GROUP BY key",
                logger: logger
            ).decode((String, Int64, Int64).self) {
                if let limit = limits[key], n >= limit { wait = max(wait, oldest + window - at) }
            }
            if wait > 0 { return wait }
            try await c.query(
                "INSERT INTO spar_attempt (key, at) SELECT k, \(at) FROM unnest(\(names)::text[]) AS r(k)",
                logger: logger)
            return nil
        }
    }
}
