/// What a person does in the plant, and so what Spar lets them do (compliance.md A1).
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case `operator`, supervisor, quality, engineer, admin, auditor
    /// A customer's representative (or source inspector) at the plant: reads their sites and signs, in the
    /// customer's capacity, the dispositions and source inspections that need the customer.
    case customer

    /// What this role may do, within its sites.
    public var permissions: Set<Permission> {
        switch self {
        case .operator: [.read, .ingest, .sign]
        case .supervisor: [.read, .ingest, .correct, .sign, .approveChange]
        case .quality: [.read, .correct, .sign, .approveChange]
        case .engineer: [.read, .sign, .proposeChange, .approveChange]
        case .admin: [.read, .sign, .proposeChange, .manageUsers, .verify]
        case .auditor: [.read, .verify]
        case .customer: [.read, .sign]
        }
    }

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One thing a principal may be allowed to do.
public enum Permission: String, Sendable, Hashable, Codable, CaseIterable {
    /// Read KPIs, equipment, events and the audit trail of its sites.
    case read
    /// Append shop-floor events.
    case ingest
    /// Append corrections and voids of events.
    case correct
    /// Sign records electronically.
    case sign
    /// Propose changes to master data (plant model, calendars, reasons, blueprint).
    case proposeChange
    /// Approve proposed master data changes (with a signature).
    case approveChange
    /// Enrol and disable users, unlock accounts, issue and revoke system tokens.
    case manageUsers
    /// Verify the ledger, export checkpoints and proofs, run the operational qualification.
    case verify
}

/// The sites a principal may act on.
public enum SiteScope: Sendable, Hashable, CustomStringConvertible {
    case all
    case sites(Set<String>)

    /// Parses `*` or a comma-separated list of site ids.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" {
            self = .all
            return
        }
        let ids = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !ids.isEmpty else { return nil }
        self = .sites(Set(ids))
    }

    public func contains(_ site: String) -> Bool {
        switch self {
        case .all: true
        case .sites(let s): s.contains(site)
        }
    }

    /// `*` or the sorted site ids joined by commas (the form `init(parsing:)` reads).
    public var description: String {
        switch self {
        case .all: "*"
        case .sites(let s): s.sorted().joined(separator: ",")
        }
    }
}

/// Who is acting: an enrolled user, a source system holding a token, or the operating-system user of a ledger that
/// has no users enrolled yet.
public struct Principal: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case user, system, local }

    public var kind: Kind
    /// User id, source system id, or operating-system user name.
    public var name: String
    public var roles: Set<Role>
    public var sites: SiteScope
    /// Where the action came from: `cli@host`, `http 10.0.0.4`, …
    public var station: String
    /// The token a system authenticated with (its id, never its secret).
    public var tokenID: String?

    public init(
        kind: Kind, name: String, roles: Set<Role>, sites: SiteScope, station: String, tokenID: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.roles = roles
        self.sites = sites
        self.station = station
        self.tokenID = tokenID
    }

    /// The operating-system user acting on a ledger without enrolled users: every permission on every site.
    public static func local(_ name: String, station: String) -> Principal {
        Principal(kind: .local, name: name, roles: Set(Role.allCases), sites: .all, station: station)
    }

    /// `user:alice`, `system:mes-wichita` or `local:root`.
    public var id: String { "\(kind.rawValue):\(name)" }

    /// What the ledger stores as `recorded_by`: the principal, its roles and sites, and its station
    /// (compliance.md A5), e.g. `user:alice (engineer; sites wichita) cli@host`.
    public var recordedBy: String {
        switch kind {
        case .local: "\(id) \(station)"
        case .user: "\(id) (\(roles.sorted().map(\.rawValue).joined(separator: ",")); sites \(sites)) \(station)"
        case .system: "\(id) (token \(tokenID ?? "?"); sites \(sites)) \(station)"
        }
    }

    public var permissions: Set<Permission> {
        switch kind {
        case .system: [.ingest, .correct]
        case .user, .local: roles.reduce(into: Set<Permission>()) { $0.formUnion($1.permissions) }
        }
    }

    public func may(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Refuses unless the principal holds `permission` on every site in `sites` (none: an enterprise-wide action,
    /// which needs the permission only).
    public func authorize(_ permission: Permission, sites needed: some Sequence<String> = [String]()) throws(AccessDenied) {
        guard may(permission) else {
            throw AccessDenied(principal: id, permission: permission, site: nil, scope: sites)
        }
        for site in needed where !sites.contains(site) {
            throw AccessDenied(principal: id, permission: permission, site: site, scope: sites)
        }
    }

    /// Refuses unless the principal holds `permission` on the site of every one of these work-unit paths.
    public func authorize(_ permission: Permission, site: String) throws(AccessDenied) {
        try authorize(permission, sites: [site])
    }
}

/// A principal tried something its roles or sites do not allow.
public struct AccessDenied: Error, Sendable, Hashable, CustomStringConvertible {
    public var principal: String
    public var permission: Permission
    /// The site it may not act on; nil when the role lacks the permission altogether.
    public var site: String?
    public var scope: SiteScope

    public init(principal: String, permission: Permission, site: String?, scope: SiteScope) {
        self.principal = principal
        self.permission = permission
        self.site = site
        self.scope = scope
    }

    public var description: String {
        if let site {
            return "access denied: \(principal) may not \(permission.rawValue) site \(site) (sites: \(scope))"
        }
        return "access denied: \(principal) does not hold the '\(permission.rawValue)' permission"
    }
}

extension PlantModel {
    /// The site of a work-unit path or any scope prefix (`enterprise/site/...`); nil for the enterprise itself.
    public func site(ofScope scope: String) -> String? { EquipmentPath(scope).siteID }

    /// The sites a query over `scope` reads: one site, or every site for the enterprise.
    public func sites(readBy scope: String) -> [String] {
        if let site = site(ofScope: scope) { return [site] }
        return sites.map(\.id)
    }
}
