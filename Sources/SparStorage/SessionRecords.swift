import SparCore

/// A signed-in session as a store keeps it. The store never sees the session id a browser holds, only its SHA-256
/// (`key`), so that reading the table does not let anyone act as a signed-in user. Roles and sites are not kept: each
/// node takes them from the directory in the ledger at every use.
public struct SessionRecord: Sendable, Hashable {
    public var key: String
    public var user: String
    public var createdAt: Int64
    public var lastSeenAt: Int64
    /// The continuous signing session (21 CFR 11.200(a)(1)): who signed last in it, and when.
    public var signingUser: String?
    public var lastSigningAt: Int64?

    public init(
        key: String, user: String, createdAt: Int64, lastSeenAt: Int64, signingUser: String? = nil,
        lastSigningAt: Int64? = nil
    ) {
        self.key = key
        self.user = user
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.signingUser = signingUser
        self.lastSigningAt = lastSigningAt
    }
}

/// Where sessions and sign-in attempts live: in the process for a single node, in the shared database when several
/// nodes serve one ledger, so that a session signed in on one node is valid on the others and rate limits count every
/// node's attempts. Sessions and attempts are operational state, not records: they change in place and are not in the
/// ledger (sign-ins, failures and lockouts are).
public protocol SessionRecordStore: Sendable {
    /// Stores a new session and ends `replacing` (a key) in the same step.
    func createSession(_ session: SessionRecord, replacing: String?) async throws
    /// The session stored under `key`, or nil.
    func session(key: String) async throws -> SessionRecord?
    /// Marks the session used at `at` (never moving its last use back).
    func touchSession(key: String, at: Int64) async throws
    /// Notes a signing by `user` at `at` in the session.
    func noteSigning(key: String, user: String, at: Int64?) async throws
    /// Ends a session; true when it existed.
    @discardableResult func endSession(key: String) async throws -> Bool
    /// Ends every session last used before `idleBefore` or created before `createdBefore`.
    func endSessions(idleBefore: Int64, createdBefore: Int64) async throws
    /// Number of stored sessions.
    func sessionCount() async throws -> Int
    /// Records one attempt at `at` under every key, unless a key already holds `limit` attempts within the `window`
    /// (milliseconds) before `at`: then nothing is recorded and the answer is the milliseconds until it admits again.
    func admitAttempt(keys: [SessionAttemptKey], at: Int64, window: Int64) async throws -> Int64?
}

/// One rate-limited key and how many attempts it admits per window.
public struct SessionAttemptKey: Sendable, Hashable {
    public var key: String
    public var limit: Int

    public init(_ key: String, limit: Int) {
        self.key = key
        self.limit = limit
    }
}

/// Sessions and attempts in the process: for a single node (an SQLite file, the in-memory engine). A restart signs
/// everybody out.
public actor MemorySessionRecords: SessionRecordStore {
    private var sessions: [String: SessionRecord] = [:]
    private var attempts: [String: [Int64]] = [:]

    public init() {}

    public func createSession(_ session: SessionRecord, replacing: String?) {
        if let replacing { sessions[replacing] = nil }
        sessions[session.key] = session
    }

    public func session(key: String) -> SessionRecord? { sessions[key] }

    public func touchSession(key: String, at: Int64) {
        if let s = sessions[key], s.lastSeenAt < at { sessions[key]?.lastSeenAt = at }
    }

    public func noteSigning(key: String, user: String, at: Int64?) {
        sessions[key]?.signingUser = user
        sessions[key]?.lastSigningAt = at
    }

    @discardableResult
    public func endSession(key: String) -> Bool { sessions.removeValue(forKey: key) != nil }

    public func endSessions(idleBefore: Int64, createdBefore: Int64) {
        sessions = sessions.filter { $0.value.lastSeenAt >= idleBefore && $0.value.createdAt >= createdBefore }
    }

    public func sessionCount() -> Int { sessions.count }

    public func admitAttempt(keys: [SessionAttemptKey], at: Int64, window: Int64) -> Int64? {
        var wait: Int64 = 0
        for k in keys {
            let recent = (attempts[k.key] ?? []).filter { $0 > at - window }
            attempts[k.key] = recent
            if recent.count >= k.limit, let oldest = recent.first { wait = max(wait, oldest + window - at) }
        }
        if wait > 0 { return wait }
        for k in keys { attempts[k.key, default: []].append(at) }
        if attempts.count > 10_000 { attempts = attempts.filter { $0.value.last.map { $0 > at - window } ?? false } }
        return nil
    }
}
