import Foundation
import SparCore
import SparInterchange
import SparStorage

/// An enrolled user as the ledger's identity entries describe it.
public struct UserAccount: Sendable, Hashable {
    public var id: String
    public var printedName: String
    public var roles: Set<Role>
    public var sites: SiteScope
    public var enabled: Bool
    public var locked: Bool
    /// Failed authentications since the last success or unlock.
    public var consecutiveFailures: Int
    /// SHA-256 of the PHC string the ledger committed to last, and that entry's sequence number.
    public var credentialDigest: String
    public var credentialSeq: Int64
    public var enrolledAt: Timestamp
}

/// What an API token may do.
public enum TokenKind: String, Sendable, Hashable, CaseIterable {
    /// A source system's token: posts the events of its system for its sites.
    case source
    /// A monitoring client's read-only token (Prometheus, a load balancer): reads `/metrics` and `/health` only.
    case metrics
}

/// An API token as the ledger describes it (never its secret).
public struct SystemToken: Sendable, Hashable {
    public var id: String
    /// The source system it posts for, or the name of the monitoring client of a metrics token.
    public var system: String
    public var sites: SiteScope
    public var digest: String
    public var revoked: Bool
    public var issuedAt: Timestamp
    public var issuedBy: String
    /// What it may do (`token.issued` entries without a kind are source-system tokens).
    public var kind: TokenKind = .source
}

/// Users and tokens: a projection of the ledger's identity entries.
public struct Directory: Sendable {
    public var users: [String: UserAccount] = [:]
    public var tokens: [String: SystemToken] = [:]
    /// Alerts for administrators: accounts locked by repeated failures, in ledger order.
    public var lockouts: [(user: String, at: Timestamp, seq: Int64)] = []

    public init() {}

    /// Folds identity entries, in sequence order.
    public init(entries: [LedgerEntry], policy: SigningPolicy) throws {
        for e in entries { try apply(e, policy: policy) }
    }

    mutating func apply(_ e: LedgerEntry, policy: SigningPolicy) throws {
        let body = try JSONValue.parse(Data(e.entry.body.utf8))
        func string(_ key: String) -> String? {
            if case .string(let s)? = body[key] { return s }
            return nil
        }
        let user = string("user") ?? ""
        switch e.entry.type {
        case "user.enrolled":
            let roles = Set((body["roles"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Role.init(rawValue:)) })
            users[user] = UserAccount(
                id: user, printedName: string("printedName") ?? user, roles: roles,
                sites: SiteScope(parsing: string("sites") ?? "") ?? .sites([]), enabled: true, locked: false,
                consecutiveFailures: 0, credentialDigest: string("credentialDigest") ?? "", credentialSeq: e.seq,
                enrolledAt: e.recordedAt)
        case "user.changed":
            if let roles = body["roles"]?.arrayValue {
                users[user]?.roles = Set(roles.compactMap { $0.stringValue.flatMap(Role.init(rawValue:)) })
            }
            if let sites = string("sites").flatMap(SiteScope.init(parsing:)) { users[user]?.sites = sites }
        case "user.disabled": users[user]?.enabled = false
        case "user.enabled": users[user]?.enabled = true
        case "password.set":
            users[user]?.credentialDigest = string("credentialDigest") ?? ""
            users[user]?.credentialSeq = e.seq
        case "auth.failed":
            users[user]?.consecutiveFailures += 1
        case "auth.succeeded":
            users[user]?.consecutiveFailures = 0
        case "account.locked":
            users[user]?.locked = true
            lockouts.append((user, e.recordedAt, e.seq))
        case "account.unlocked":
            users[user]?.locked = false
            users[user]?.consecutiveFailures = 0
        case "token.issued":
            let id = string("tokenID") ?? ""
            tokens[id] = SystemToken(
                id: id, system: string("system") ?? "", sites: SiteScope(parsing: string("sites") ?? "") ?? .sites([]),
                digest: string("tokenDigest") ?? "", revoked: false, issuedAt: e.recordedAt, issuedBy: e.recordedBy,
                kind: string("kind").flatMap(TokenKind.init(rawValue:)) ?? .source)
        case "token.revoked":
            tokens[string("tokenID") ?? ""]?.revoked = true
        default:
            break
        }
    }
}
