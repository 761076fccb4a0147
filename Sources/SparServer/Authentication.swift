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

/// The server's sessions, in memory only (a restart signs everybody out).
actor SessionStore {
    private var sessions: [String: Session] = [:]
    let settings: AuthenticationSettings

    init(settings: AuthenticationSettings) { self.settings = settings }

    /// A new session with a fresh id; `replacing` (the caller's previous session, if any) ends, so the id rotates at
    /// every sign-in.
    func create(principal: Principal, printedName: String, replacing old: String?) -> Session {
        if let old { sessions[old] = nil }
        purgeExpired()
        let now = settings.clock()
        let session = Session(
            id: Self.newID(), principal: principal, printedName: printedName, createdAt: now, lastSeenAt: now)
        sessions[session.id] = session
        return session
    }

    /// The live session with this id (and marks it used), or nil when there is none or it timed out.
    func session(_ id: String) -> Session? {
        guard var s = sessions[id] else { return nil }
        let now = settings.clock()
        guard !isExpired(s, now: now) else {
            sessions[id] = nil
            return nil
        }
        s.lastSeenAt = now
        sessions[id] = s
        return s
    }

    /// Notes a signing in the session, so that the next one within the signing timeout needs the password alone.
    func noteSigning(_ id: String, _ signing: SigningSession) {
        sessions[id]?.signing = signing
    }

    /// True while the session exists and has not timed out (without marking it used).
    func isLive(_ id: String) -> Bool {
        guard let s = sessions[id] else { return false }
        return !isExpired(s, now: settings.clock())
    }

    /// Ends a session; true when it existed.
    @discardableResult
    func remove(_ id: String) -> Bool { sessions.removeValue(forKey: id) != nil }

    /// Follows the directory: sessions of users that are gone, disabled or locked end; roles and sites changed by an
    /// admin apply at once.
    func reconcile(with directory: Directory) {
        for (id, s) in sessions {
            guard let account = directory.users[s.principal.name], account.enabled, !account.locked else {
                sessions[id] = nil
                continue
            }
            sessions[id]?.principal.roles = account.roles
            sessions[id]?.principal.sites = account.sites
            sessions[id]?.printedName = account.printedName
        }
    }

    var count: Int { sessions.count }

    func expiresAt(_ s: Session) -> Timestamp {
        Timestamp(
            milliseconds: min(
                s.lastSeenAt.milliseconds + settings.idleTimeout, s.createdAt.milliseconds + settings.absoluteTimeout))
    }

    private func isExpired(_ s: Session, now: Timestamp) -> Bool {
        now.milliseconds >= expiresAt(s).milliseconds
    }

    private func purgeExpired() {
        let now = settings.clock()
        sessions = sessions.filter { !isExpired($0.value, now: now) }
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

/// Sliding one-minute windows of attempts per key (compliance.md A4: login is rate-limited before lockout).
actor RateLimiter {
    private var attempts: [String: [Int64]] = [:]
    private let clock: @Sendable () -> Timestamp
    static let window: Int64 = 60_000

    init(clock: @escaping @Sendable () -> Timestamp) { self.clock = clock }

    /// Records one attempt under every key, unless a key already holds its limit of attempts in the last minute:
    /// then nothing is recorded and the answer is the seconds until that key admits again.
    func admit(_ keys: [(key: String, limit: Int)]) -> Int? {
        let now = clock().milliseconds
        var wait: Int64 = 0
        for (key, limit) in keys {
            let recent = (attempts[key] ?? []).filter { $0 > now - Self.window }
            attempts[key] = recent
            if recent.count >= limit, let oldest = recent.first {
                wait = max(wait, oldest + Self.window - now)
            }
        }
        if wait > 0 { return Int((wait + 999) / 1000) }
        for (key, _) in keys { attempts[key, default: []].append(now) }
        if attempts.count > 10_000 { attempts = attempts.filter { $0.value.last.map { $0 > now - Self.window } ?? false } }
        return nil
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

    init(governance: Governance, settings: AuthenticationSettings) {
        self.governance = governance
        self.settings = settings
        sessions = SessionStore(settings: settings)
        limiter = RateLimiter(clock: settings.clock)
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
                await sessions.reconcile(with: dir)
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
        return await sessions.create(principal: principal, printedName: name, replacing: old)
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
        let signing = await sessions.session(id)?.signing
        do {
            let (m, updated) = try await governance.sign(
                record: record, meaning: meaning, reason: reason, credentials: credentials, session: signing,
                station: station)
            await sessions.noteSigning(id, updated)
            return (m, governance.requiredComponents(session: updated))
        } catch {
            _ = try? await refresh()
            throw error
        }
    }

    /// The signing state of session `id` (who signed last and when), for a signature made outside ``sign``.
    func signingSession(_ id: String) async -> SigningSession? { await sessions.session(id)?.signing }

    /// Notes a signing made in session `id`.
    func noteSigning(_ id: String, _ signing: SigningSession) async { await sessions.noteSigning(id, signing) }

    /// What the next signing in session `id` needs.
    func requiredComponents(session id: String) async -> SignatureComponents {
        governance.requiredComponents(session: await sessions.session(id)?.signing)
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
