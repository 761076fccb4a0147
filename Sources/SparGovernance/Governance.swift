import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparStorage

/// Why an identity, signature or change-control operation was refused. `field` names what was wrong.
public struct GovernanceError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case denied, invalid, notFound, authenticationFailed, locked, disabled, conflict
    }
    public var code: Code
    public var field: String
    public var message: String

    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { message }

    static func denied(_ d: AccessDenied) -> GovernanceError { GovernanceError(.denied, field: "user", d.description) }
}

/// What a person presents to authenticate or sign: the user id (the first component) and the password.
public struct Credentials: Sendable {
    public var user: String?
    public var password: String

    public init(user: String?, password: String) {
        self.user = user
        self.password = password
    }
}

/// Identities, sign-ins, electronic signatures and change control over one ledger (compliance.md A1–A5, S1–S4,
/// C1–C2). Every state is a projection of ledger entries; only password hashes live beside the ledger, committed to
/// by their SHA-256.
public struct Governance: Sendable {
    public typealias Store = any LedgerStore & CredentialStore
    public let store: Store
    public let policy: SigningPolicy
    public let clock: @Sendable () -> Timestamp

    public init(store: Store, policy: SigningPolicy = .standard, clock: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.policy = policy
        self.clock = clock
    }

    /// True once any user is enrolled: from then on every action needs an authenticated principal.
    public func isEnrolled() async throws -> Bool { try await store.count(kind: .identity) > 0 }

    public func directory() async throws -> Directory {
        try Directory(entries: try await store.entries(kind: .identity), policy: policy)
    }

    // MARK: Users

    /// Enrols a user. The first user of a ledger must be an admin (enrolled by the local operating-system user);
    /// later ones need `manageUsers` on every site given. User ids are never reused.
    @discardableResult
    public func enroll(
        user: String, printedName: String, roles: Set<Role>, sites: SiteScope, password: String, by actor: Principal
    ) async throws -> UserAccount {
        guard Self.isValidID(user) else {
            throw GovernanceError(.invalid, field: "user", "user id '\(user)' must be 1–64 of a-z, 0-9, '.', '-', '_'")
        }
        let printed = printedName.trimmingCharacters(in: .whitespaces)
        guard !printed.isEmpty else {
            throw GovernanceError(.invalid, field: "name", "a user needs a printed name (shown on their signatures)")
        }
        guard !roles.isEmpty else { throw GovernanceError(.invalid, field: "roles", "a user needs at least one role") }
        let dir = try await directory()
        if dir.users.isEmpty {
            guard actor.kind == .local else {
                throw GovernanceError(.denied, field: "user", "only the local administrator can enrol the first user")
            }
            guard roles.contains(.admin), sites == .all else {
                throw GovernanceError(.invalid, field: "roles", "the first user must be an admin of every site (--role admin --sites '*')")
            }
        } else {
            try authorize(actor, .manageUsers, sites: sites)
        }
        guard dir.users[user] == nil else {
            throw GovernanceError(.conflict, field: "user", "user id '\(user)' was already enrolled; ids are never reused")
        }
        do { try PasswordHash.checkPolicy(password, user: user) } catch {
            throw GovernanceError(.invalid, field: "password", error.description)
        }
        let phc = try PasswordHash.make(password)
        let body: JSONValue = .object([
            "user": .string(user), "printedName": .string(printed),
            "roles": .array(roles.sorted().map { .string($0.rawValue) }), "sites": .string(sites.description),
            "credentialDigest": .string(PasswordHash.digest(phc)),
        ])
        let seq = try await append(type: "user.enrolled", subject: user, body: body, by: actor)
        try await store.storeCredential(user: user, phc: phc, seq: seq)
        guard let account = try await directory().users[user] else {
            throw GovernanceError(.notFound, field: "user", "user \(user) was not recorded")
        }
        return account
    }

    /// Sets a new password: by the user themself (after authenticating) or by an admin of their sites.
    public func setPassword(user: String, password: String, by actor: Principal) async throws {
        let account = try await account(user)
        if !(actor.kind == .user && actor.name == user) { try authorize(actor, .manageUsers, sites: account.sites) }
        do { try PasswordHash.checkPolicy(password, user: user) } catch {
            throw GovernanceError(.invalid, field: "password", error.description)
        }
        let phc = try PasswordHash.make(password)
        let seq = try await append(
            type: "password.set", subject: user,
            body: .object(["user": .string(user), "credentialDigest": .string(PasswordHash.digest(phc))]), by: actor)
        try await store.storeCredential(user: user, phc: phc, seq: seq)
    }

    /// Changes a user's roles and/or sites (with a reason).
    public func change(user: String, roles: Set<Role>?, sites: SiteScope?, reason: String, by actor: Principal) async throws {
        let account = try await account(user)
        try authorize(actor, .manageUsers, sites: account.sites)
        if let sites { try authorize(actor, .manageUsers, sites: sites) }
        var body: [String: JSONValue] = ["user": .string(user), "reason": .string(try Self.reason(reason))]
        if let roles {
            guard !roles.isEmpty else { throw GovernanceError(.invalid, field: "roles", "a user needs at least one role") }
            body["roles"] = .array(roles.sorted().map { .string($0.rawValue) })
        }
        if let sites { body["sites"] = .string(sites.description) }
        try await append(type: "user.changed", subject: user, body: .object(body), by: actor)
    }

    /// Disables, enables or unlocks a user (with a reason).
    public func setStatus(user: String, _ status: AccountAction, reason: String, by actor: Principal) async throws {
        let account = try await account(user)
        try authorize(actor, .manageUsers, sites: account.sites)
        if actor.kind == .user, actor.name == user, status == .disable {
            throw GovernanceError(.invalid, field: "user", "users cannot disable themselves")
        }
        try await append(
            type: status.entryType, subject: user,
            body: .object(["user": .string(user), "reason": .string(try Self.reason(reason))]), by: actor)
    }

    public enum AccountAction: String, Sendable, CaseIterable {
        case disable, enable, unlock
        var entryType: String {
            switch self {
            case .disable: "user.disabled"
            case .enable: "user.enabled"
            case .unlock: "account.unlocked"
            }
        }
    }

    // MARK: Tokens

    /// Issues an API token for source system `system`, valid for `sites`. Returns the token text, shown once.
    public func issueToken(system: String, sites: SiteScope, by actor: Principal) async throws -> (id: String, token: String) {
        try authorize(actor, .manageUsers, sites: sites)
        guard Self.isValidID(system) else { throw GovernanceError(.invalid, field: "system", "system id '\(system)' is not valid") }
        let (id, token) = APIToken.make()
        try await append(
            type: "token.issued", subject: system,
            body: .object([
                "tokenID": .string(id), "system": .string(system), "sites": .string(sites.description),
                "tokenDigest": .string(APIToken.digest(token)),
            ]), by: actor)
        return (id, token)
    }

    /// Issues a read-only metrics token for the monitoring client `name` (Prometheus, a load balancer): it
    /// authenticates `GET /metrics` and `GET /health` only. The metrics cover every site, so only an admin of every
    /// site (`manageUsers` on `*`) issues one. Returns the token text, shown once; revoke it like any token.
    public func issueMetricsToken(name: String, by actor: Principal) async throws -> (id: String, token: String) {
        try authorize(actor, .manageUsers, sites: .all)
        guard Self.isValidID(name) else {
            throw GovernanceError(.invalid, field: "name", "metrics client name '\(name)' must be 1–64 of a-z, 0-9, '.', '-', '_'")
        }
        let (id, token) = APIToken.make()
        try await append(
            type: "token.issued", subject: name,
            body: .object([
                "tokenID": .string(id), "system": .string(name), "sites": .string(SiteScope.all.description),
                "kind": .string(TokenKind.metrics.rawValue), "tokenDigest": .string(APIToken.digest(token)),
            ]), by: actor)
        return (id, token)
    }

    public func revokeToken(id: String, reason: String, by actor: Principal) async throws {
        guard let token = try await directory().tokens[id] else {
            throw GovernanceError(.notFound, field: "token", "no token \(id)")
        }
        try authorize(actor, .manageUsers, sites: token.sites)
        try await append(
            type: "token.revoked", subject: token.system,
            body: .object(["tokenID": .string(id), "reason": .string(try Self.reason(reason))]), by: actor)
    }

    // MARK: Authentication

    /// Signs a user in with user id and password. Every failure is recorded; `maxConsecutiveFailures` in a row lock
    /// the account (an `account.locked` entry, which `spar user list` and the audit trail show to admins).
    public func authenticate(_ credentials: Credentials, station: String, purpose: String = "login") async throws -> Principal {
        guard let userID = credentials.user, !userID.isEmpty else {
            throw GovernanceError(.authenticationFailed, field: "user", "a user id is required")
        }
        let (principal, account) = try await checkCredentials(
            user: userID, password: credentials.password, station: station, purpose: purpose,
            failure: "unknown user or wrong password")
        // Sign-ins are recorded; a command-line read only when it clears earlier failures.
        if purpose != "cli" || account.consecutiveFailures > 0 {
            try await append(
                type: "auth.succeeded", subject: userID,
                body: .object(["user": .string(userID), "purpose": .string(purpose)]), by: principal)
        }
        return principal
    }

    /// The source system a token belongs to, or an error. Revoked, unknown and malformed tokens are refused alike,
    /// and so are metrics tokens (which post nothing).
    public func authenticate(token: String, station: String) async throws -> Principal {
        let (principal, kind) = try await authenticate(anyToken: token, station: station)
        guard kind == .source else {
            throw GovernanceError(.authenticationFailed, field: "token", "invalid or revoked token")
        }
        return principal
    }

    /// The holder of a token of any kind, with what the token may do. Revoked, unknown and malformed tokens are
    /// refused alike. The principal is a `system` with the token's name and sites and no roles.
    public func authenticate(anyToken token: String, station: String) async throws -> (Principal, TokenKind) {
        guard let id = APIToken.id(of: token), let t = try await directory().tokens[id], !t.revoked,
            constantTimeEqual(Array(t.digest.utf8), Array(APIToken.digest(token).utf8))
        else {
            throw GovernanceError(.authenticationFailed, field: "token", "invalid or revoked token")
        }
        return (Principal(kind: .system, name: t.system, roles: [], sites: t.sites, station: station, tokenID: t.id), t.kind)
    }

    /// The enabled, unlocked account `user` whose password is `password`; a wrong password is recorded as a failure
    /// (`failure` is the message), and the failure that reaches the limit locks the account.
    func checkCredentials(user: String, password: String, station: String, purpose: String, failure: String)
        async throws -> (Principal, UserAccount)
    {
        guard let account = try await directory().users[user] else {
            throw GovernanceError(.authenticationFailed, field: "user", "unknown user or wrong password")
        }
        let principal = Principal(kind: .user, name: account.id, roles: account.roles, sites: account.sites, station: station)
        guard account.enabled else { throw GovernanceError(.disabled, field: "user", "user \(user) is disabled") }
        guard !account.locked else {
            throw GovernanceError(.locked, field: "user", "user \(user) is locked after repeated failures; an admin must unlock it")
        }
        guard try await checkPassword(password, account: account) else {
            let locked = try await recordFailure(account: account, principal: principal, purpose: purpose, reason: "wrong password")
            throw GovernanceError(
                locked ? .locked : .authenticationFailed, field: "password",
                failure + (locked ? "; the account is now locked and an admin must unlock it" : ""))
        }
        return (principal, account)
    }

    func checkPassword(_ password: String, account: UserAccount) async throws -> Bool {
        guard let stored = try await store.credential(user: account.id) else { return false }
        // The stored hash must be the one the ledger committed to: a swapped row never authenticates.
        guard stored.seq == account.credentialSeq, PasswordHash.digest(stored.phc) == account.credentialDigest else {
            return false
        }
        return PasswordHash.verify(password, phc: stored.phc)
    }

    /// Records a failed authentication; returns true when it locked the account.
    @discardableResult
    func recordFailure(account: UserAccount, principal: Principal, purpose: String, reason: String) async throws -> Bool {
        var batch = [
            pending(
                type: "auth.failed", subject: account.id,
                body: .object(["user": .string(account.id), "purpose": .string(purpose), "reason": .string(reason)])),
        ]
        if account.consecutiveFailures + 1 >= policy.maxConsecutiveFailures {
            batch.append(
                pending(
                    type: "account.locked", subject: account.id,
                    body: .object([
                        "user": .string(account.id),
                        "failures": .number(Double(account.consecutiveFailures + 1)),
                    ])))
        }
        _ = try await store.append(batch, recordedAt: clock(), recordedBy: principal.recordedBy)
        return batch.count > 1
    }

    // MARK: Helpers

    func account(_ user: String) async throws -> UserAccount {
        guard let a = try await directory().users[user] else {
            throw GovernanceError(.notFound, field: "user", "no user \(user)")
        }
        return a
    }

    func authorize(_ actor: Principal, _ permission: Permission, sites: SiteScope) throws {
        do throws(AccessDenied) {
            switch sites {
            case .all:
                try actor.authorize(permission)
                guard actor.sites == .all else {
                    throw AccessDenied(principal: actor.id, permission: permission, site: "*", scope: actor.sites)
                }
            case .sites(let s): try actor.authorize(permission, sites: s.sorted())
            }
        } catch {
            throw GovernanceError.denied(error)
        }
    }

    func pending(type: String, subject: String, body: JSONValue, kind: LedgerEntryKind = .identity) -> PendingEntry {
        PendingEntry(
            id: "\(kind.rawValue):\(UUID().uuidString.lowercased())", kind: kind, ts: clock(), unit: subject, type: type,
            source: "spar", body: body.canonical)
    }

    @discardableResult
    func append(type: String, subject: String, body: JSONValue, by actor: Principal, kind: LedgerEntryKind = .identity)
        async throws -> Int64
    {
        let entry = pending(type: type, subject: subject, body: body, kind: kind)
        return try await appendOne(entry, by: actor)
    }

    func appendOne(_ entry: PendingEntry, by actor: Principal) async throws -> Int64 {
        switch try await store.append([entry], recordedAt: clock(), recordedBy: actor.recordedBy).first {
        case .accepted(let seq)?, .duplicate(let seq)?: return seq
        case .rejected(let reason, let field)?: throw GovernanceError(.conflict, field: field, reason)
        case nil: throw GovernanceError(.conflict, field: "id", "the ledger returned no outcome")
        }
    }

    static func reason(_ text: String) throws -> String {
        let r = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !r.isEmpty else { throw GovernanceError(.invalid, field: "reason", "a reason is required") }
        return r
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64
            && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }
}
