import Crypto
import Foundation
import SparCore
import SparGovernance
import SparStorage

/// A signed-in browser or API client (compliance.md A4): a random id of 256 bits, created at each sign-in and ended
/// at sign-out, after `idleTimeout` without use or `absoluteTimeout` after sign-in.
struct Session: Sendable {
    let id: String
    var principal: Principal
    var printedName: String
    let createdAt: Timestamp
    var lastSeenAt: Timestamp
    /// The continuous signing session (21 CFR 11.200(a)(1)): who signed last in this session, and when.
    var signing: SigningSession? = nil
}

/// The server's sessions, kept in a ``SessionRecordStore``: in the process for one node, in the shared database when
/// several nodes serve one PostgreSQL ledger. The store holds the SHA-256 of each id; a session's roles, sites and
/// printed name come from the directory in force at each use, so a user disabled, locked or changed by an admin on
/// any node is followed at once.
actor SessionStore {
    let records: any SessionRecordStore
    let settings: AuthenticationSettings
    private var directory = Directory()

    init(settings: AuthenticationSettings, records: any SessionRecordStore) {
        self.settings = settings
        self.records = records
    }

    /// A new session with a fresh id; `replacing` (the caller's previous session, if any) ends, so the id rotates at
    /// every sign-in.
    func create(principal: Principal, printedName: String, replacing old: String?) async throws -> Session {
        let now = settings.clock()
        try await records.endSessions(
            idleBefore: now.milliseconds - settings.idleTimeout, createdBefore: now.milliseconds - settings.absoluteTimeout)
        let session = Session(
            id: Self.newID(), principal: principal, printedName: printedName, createdAt: now, lastSeenAt: now)
        try await records.createSession(
            SessionRecord(
                key: Self.key(session.id), user: principal.name, createdAt: now.milliseconds,
                lastSeenAt: now.milliseconds),
            replacing: old.map(Self.key))
        return session
    }

    /// The live session with this id (and marks it used), or nil when there is none, it timed out, or its user is no
    /// longer enabled.
    func session(_ id: String) async throws -> Session? {
        guard let s = try await live(id) else { return nil }
        let now = settings.clock()
        if now.milliseconds - s.lastSeenAt.milliseconds >= Self.touchResolution {
            try await records.touchSession(key: Self.key(id), at: now.milliseconds)
        }
        return s
    }

    /// Notes a signing in the session, so that the next one within the signing timeout needs the password alone.
    func noteSigning(_ id: String, _ signing: SigningSession) async throws {
        try await records.noteSigning(key: Self.key(id), user: signing.user, at: signing.lastSigningAt?.milliseconds)
    }

    /// True while the session exists and has not timed out (without marking it used).
    func isLive(_ id: String) async -> Bool {
        ((try? await live(id)) ?? nil) != nil
    }

    /// Ends a session; true when it existed.
    @discardableResult
    func remove(_ id: String) async throws -> Bool { try await records.endSession(key: Self.key(id)) }

    /// Follows the directory: sessions of users that are gone, disabled or locked end at their next use; roles and
    /// sites changed by an admin apply at once.
    func follow(_ directory: Directory) { self.directory = directory }

    func expiresAt(_ s: Session) -> Timestamp {
        Timestamp(
            milliseconds: min(
                s.lastSeenAt.milliseconds + settings.idleTimeout, s.createdAt.milliseconds + settings.absoluteTimeout))
    }

    /// Last uses closer than this are not written again (the idle timeout is minutes long).
    static let touchResolution: Int64 = 1_000

    private func live(_ id: String) async throws -> Session? {
        let key = Self.key(id)
        guard let r = try await records.session(key: key) else { return nil }
        let now = settings.clock()
        guard let account = directory.users[r.user], account.enabled, !account.locked else {
            try await records.endSession(key: key)
            return nil
        }
        let s = Session(
            id: id,
            principal: Principal(kind: .user, name: r.user, roles: account.roles, sites: account.sites, station: ""),
            printedName: account.printedName, createdAt: Timestamp(milliseconds: r.createdAt),
            lastSeenAt: Timestamp(milliseconds: r.lastSeenAt),
            signing: r.signingUser.map {
                SigningSession(user: $0, lastSigningAt: r.lastSigningAt.map(Timestamp.init(milliseconds:)))
            })
        guard now.milliseconds < expiresAt(s).milliseconds else {
            try await records.endSession(key: key)
            return nil
        }
        return s
    }

    /// The key a session is stored under: the SHA-256 of its id, in hex.
    static func key(_ id: String) -> String {
        SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 32 random bytes from the system's CSPRNG, base64url without padding (43 characters).
    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Sliding one-minute windows of attempts per key (compliance.md A4: login is rate-limited before lockout), counted
/// in the ``SessionRecordStore`` so that every node sharing it counts every node's attempts.
struct RateLimiter: Sendable {
    let records: any SessionRecordStore
    let clock: @Sendable () -> Timestamp
    static let window: Int64 = 60_000

    /// Records one attempt under every key, unless a key already holds its limit of attempts in the last minute:
    /// then nothing is recorded and the answer is the seconds until that key admits again. When the store cannot be
    /// reached the attempt is refused for a second (fail closed).
    func admit(_ keys: [(key: String, limit: Int)]) async -> Int? {
        do {
            let wait = try await records.admitAttempt(
                keys: keys.map { SessionAttemptKey($0.key, limit: $0.limit) }, at: clock().milliseconds,
                window: Self.window)
            return wait.map { Int(($0 + 999) / 1000) }
        } catch {
            return 1
        }
    }
}

/// Identities for the server: whether the ledger has enrolled users, the directory (re-read whenever identity
/// entries were appended, by this server or by `spar user …` beside it), verified source-system tokens, the sessions
/// and the login rate limits. The rules themselves live in ``Governance``.
actor Authenticator {
    let governance: Governance
    let sessions: SessionStore
    let limiter: RateLimiter
    let settings: AuthenticationSettings
    private var identityEntries = -1
    private var directory = Directory()
    /// Tokens verified by ``Governance`` since the directory last changed (a revocation clears them).
    private var tokens: [String: (principal: Principal, kind: TokenKind)] = [:]

    /// `records` holds sessions and attempts: the ledger's own database when it can (several nodes share them),
    /// else the process.
    init(governance: Governance, settings: AuthenticationSettings, records: (any SessionRecordStore)? = nil) {
        self.governance = governance
        self.settings = settings
        let records = records ?? (governance.store as? any SessionRecordStore) ?? MemorySessionRecords()
        sessions = SessionStore(settings: settings, records: records)
        limiter = RateLimiter(records: records, clock: settings.clock)
    }

    /// True once users are enrolled. Re-reads the directory when the ledger holds new identity entries, and ends the
    /// sessions of users disabled or locked meanwhile.
    func refresh() async throws -> Bool {
        let n = try await governance.store.count(kind: .identity)
        if n != identityEntries {
            let dir = try await governance.directory()
            if n > identityEntries {
                identityEntries = n
                directory = dir
                tokens = [:]
                await sessions.follow(dir)
            }
        }
        return !directory.users.isEmpty
    }

    /// Who a bearer token authenticates (a source system or a metrics client) and what the token may do.
    func bearer(token: String, station: String) async throws -> (principal: Principal, kind: TokenKind) {
        if var known = tokens[token] {
            known.principal.station = station
            return known
        }
        let (p, kind) = try await governance.authenticate(anyToken: token, station: station)
        tokens[token] = (p, kind)
        return (p, kind)
    }

    /// Signs a user in (every failure is recorded by ``Governance``, which locks the account after repeated ones) and
    /// opens a new session, ending `replacing`.
    func login(user: String, password: String, station: String, replacing old: String?) async throws -> Session {
        let principal: Principal
        do {
            principal = try await governance.authenticate(
                Credentials(user: user, password: password), station: station, purpose: "login")
        } catch {
            _ = try? await refresh()
            throw error
        }
        _ = try await refresh()
        let name = directory.users[principal.name]?.printedName ?? principal.name
        return try await sessions.create(principal: principal, printedName: name, replacing: old)
    }

    /// True while a session lives: for long responses (the event stream) that must end with it. Re-reads the
    /// directory first, so a user disabled or locked meanwhile loses it.
    func isLive(session id: String) async -> Bool {
        _ = try? await refresh()
        return await sessions.isLive(id)
    }

    /// Signs ledger entry `record` for the user of session `id`, re-authenticating as the session's signing state
    /// requires (``Governance/requiredComponents(session:)``), and notes the signing in the session.
    func sign(
        record: String, meaning: SignatureMeaning, reason: String?, credentials: Credentials, session id: String,
        station: String
    ) async throws -> (SignatureManifestation, next: SignatureComponents) {
        let signing = try await sessions.session(id)?.signing
        do {
            let (m, updated) = try await governance.sign(
                record: record, meaning: meaning, reason: reason, credentials: credentials, session: signing,
                station: station)
            try await sessions.noteSigning(id, updated)
            return (m, governance.requiredComponents(session: updated))
        } catch {
            _ = try? await refresh()
            throw error
        }
    }

    /// The signing state of session `id` (who signed last and when), for a signature made outside ``sign``.
    func signingSession(_ id: String) async throws -> SigningSession? { try await sessions.session(id)?.signing }

    /// Notes a signing made in session `id`.
    func noteSigning(_ id: String, _ signing: SigningSession) async throws { try await sessions.noteSigning(id, signing) }

    /// What the next signing in session `id` needs.
    func requiredComponents(session id: String) async throws -> SignatureComponents {
        governance.requiredComponents(session: try await sessions.session(id)?.signing)
    }

    /// Admits a signing attempt, like a login attempt.
    func admitSigning(address: String, user: String) async -> Int? {
        await limiter.admit([(key: "sign|\(address)|\(user.lowercased())", limit: settings.loginAttemptsPerMinute)])
    }

    /// Admits a login attempt from `address` for `user`, or says how many seconds to wait (checked before the
    /// password hash is computed).
    func admitLogin(address: String, user: String) async -> Int? {
        await limiter.admit([
            (key: "login|\(address)|\(user.lowercased())", limit: settings.loginAttemptsPerMinute),
            (key: "login|\(address)", limit: settings.loginAttemptsPerAddressPerMinute),
        ])
    }
}
