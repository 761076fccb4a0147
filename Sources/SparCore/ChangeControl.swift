/// Master data that changes only through change requests (compliance.md C1).
public enum ChangeSubject: String, Sendable, Hashable, Codable, CaseIterable {
    /// The plant model: equipment hierarchy, calendars, reason codes, source systems.
    case plantModel
    /// The MOM blueprint: function map, data ownership, KPI mappings.
    case blueprint
    /// The KPI definition version in force (`spar-kpi-1`, `spar-kpi-2`).
    case kpiDefinition
    /// A routing revision (part number + revision): operations, steps, data items, hold points.
    case routing

    /// Roles that must each approve a change of this subject, every one by a different person who is not the
    /// proposer.
    public var requiredApprovals: [Role] {
        switch self {
        case .plantModel: [.engineer, .quality]
        case .blueprint: [.engineer, .quality]
        case .kpiDefinition: [.engineer, .quality]
        case .routing: [.engineer, .quality]
        }
    }
}

/// One approval or rejection of a change request, as read from the ledger.
public struct ChangeDecision: Sendable, Hashable {
    public enum Verdict: String, Sendable, Hashable { case approved, rejected, withdrawn }
    public var verdict: Verdict
    public var by: String
    /// The role the approval counts for (nil for rejections and withdrawals).
    public var role: Role?
    public var at: Timestamp
    public var seq: Int64

    public init(verdict: Verdict, by: String, role: Role?, at: Timestamp, seq: Int64) {
        self.verdict = verdict
        self.by = by
        self.role = role
        self.at = at
        self.seq = seq
    }
}

/// Where a change request stands at a given time.
public enum ChangeState: Sendable, Hashable, CustomStringConvertible {
    /// Waiting for approvals by these roles.
    case proposed(missing: [Role])
    /// Fully approved; takes effect at this time.
    case approved(effectiveAt: Timestamp)
    /// In force since this time.
    case effective(since: Timestamp)
    case rejected(by: String, at: Timestamp)
    case withdrawn(by: String, at: Timestamp)

    public var description: String {
        switch self {
        case .proposed(let missing): "proposed (awaiting \(missing.map(\.rawValue).joined(separator: ", ")))"
        case .approved(let t): "approved, effective \(t.rfc3339)"
        case .effective(let t): "effective since \(t.rfc3339)"
        case .rejected(let by, let t): "rejected by \(by) at \(t.rfc3339)"
        case .withdrawn(let by, let t): "withdrawn by \(by) at \(t.rfc3339)"
        }
    }

    public var label: String {
        switch self {
        case .proposed: "proposed"
        case .approved: "approved"
        case .effective: "effective"
        case .rejected: "rejected"
        case .withdrawn: "withdrawn"
        }
    }
}

/// The sequencing rules of change control (compliance.md A2): a change takes effect only once every required role
/// approved it, each by a different person other than the proposer, and never before its last approval.
public enum ChangeSequencing {
    /// The time of the approval that completed the change; nil while approvals are missing or after a rejection or
    /// withdrawal. The change takes effect at its requested time or at this one, whichever is later.
    public static func approvedAt(required: [Role], proposedBy: String, decisions: [ChangeDecision]) -> Timestamp? {
        evaluate(required: required, proposedBy: proposedBy, decisions: decisions).approvedAt
    }

    /// The state at `now`.
    public static func state(
        required: [Role], proposedBy: String, requestedEffectiveAt: Timestamp, decisions: [ChangeDecision],
        now: Timestamp
    ) -> ChangeState {
        let ordered = decisions.sorted { $0.seq < $1.seq }
        if let end = ordered.first(where: { $0.verdict != .approved }) {
            // A rejection or withdrawal after full approval does not undo an approved change.
            let approvedBefore = evaluate(
                required: required, proposedBy: proposedBy, decisions: ordered.filter { $0.seq < end.seq }
            ).approvedAt
            if approvedBefore == nil {
                return end.verdict == .rejected ? .rejected(by: end.by, at: end.at) : .withdrawn(by: end.by, at: end.at)
            }
        }
        let (approvedAt, missing) = evaluate(required: required, proposedBy: proposedBy, decisions: ordered)
        guard let approvedAt else { return .proposed(missing: missing) }
        let effective = max(requestedEffectiveAt, approvedAt)
        return now >= effective ? .effective(since: effective) : .approved(effectiveAt: effective)
    }

    /// The time the last missing approval arrived (nil if some are still missing), and the roles still missing.
    static func evaluate(
        required: [Role], proposedBy: String, decisions: [ChangeDecision]
    ) -> (approvedAt: Timestamp?, missing: [Role]) {
        var missing = required
        var approvers: Set<String> = [proposedBy]
        for d in decisions.sorted(by: { $0.seq < $1.seq }) {
            guard d.verdict == .approved else { return (nil, missing) }
            guard let role = d.role, let i = missing.firstIndex(of: role), !approvers.contains(d.by) else { continue }
            missing.remove(at: i)
            approvers.insert(d.by)
            if missing.isEmpty { return (d.at, []) }
        }
        return (nil, missing)
    }
}

/// What a proposed plant model change affects, computed by Spar (compliance.md C1).
public struct ChangeImpact: Sendable, Hashable, Codable {
    /// Human-readable changes, one per line (`changed unit aerostar/wichita/…: calendar day → two-shift`).
    public var changes: [String]
    public var sites: [String]
    public var units: [String]
    public var kpis: [String]
    /// Ledger entries (events) of the affected units at or after the effective time, when computed over a ledger.
    public var affectedEvents: Int?

    public init(changes: [String], sites: [String], units: [String], kpis: [String], affectedEvents: Int? = nil) {
        self.changes = changes
        self.sites = sites
        self.units = units
        self.kpis = kpis
        self.affectedEvents = affectedEvents
    }
}

extension ChangeImpact {
    /// Elements whose values depend on the calendar (planned busy time and everything derived from it).
    static let calendarElements: Set<String> = ["PBT", "POT", "PDT", "AUST"]

    /// KPIs reading any of these elements, in catalogue order.
    static func kpis(reading elements: Set<String>) -> [String] {
        KPICatalogue.all.filter { !Set($0.elements).isDisjoint(with: elements) }.map(\.id)
    }

    /// The impact of replacing plant model `old` with `new`.
    public init(from old: PlantModel?, to new: PlantModel) {
        var changes: [String] = []
        var sites = Set<String>()
        var units = Set<String>()
        var allKPIs = false
        var timeKPIs = false
        let oldUnits = Dictionary(
            (old?.resolvedWorkUnits ?? []).map { ($0.path.description, $0) }, uniquingKeysWith: { a, _ in a })
        let newUnits = Dictionary(new.resolvedWorkUnits.map { ($0.path.description, $0) }, uniquingKeysWith: { a, _ in a })
        let siteOf = { (path: String) in new.site(ofScope: path) ?? old?.site(ofScope: path) ?? "" }
        for path in Set(oldUnits.keys).union(newUnits.keys).sorted() {
            switch (oldUnits[path], newUnits[path]) {
            case (nil, _?):
                changes.append("added unit \(path)")
            case (_?, nil):
                changes.append("removed unit \(path)")
            case (let a?, let b?) where a.calendarID != b.calendarID:
                changes.append("changed unit \(path): calendar \(a.calendarID ?? "none") → \(b.calendarID ?? "none")")
                timeKPIs = true
            default:
                continue
            }
            units.insert(path)
            sites.insert(siteOf(path))
            allKPIs = allKPIs || oldUnits[path] == nil || newUnits[path] == nil
        }
        let oldSites = Dictionary((old?.sites ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for site in new.sites {
            if let before = oldSites[site.id], before.timeZone != site.timeZone {
                changes.append("changed site \(site.id): time zone \(before.timeZone) → \(site.timeZone)")
                sites.insert(site.id)
                timeKPIs = true
                for u in newUnits.keys where siteOf(u) == site.id { units.insert(u) }
            }
        }
        let oldCalendars = Dictionary((old?.calendars ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for calendar in new.calendars.sorted(by: { $0.id < $1.id }) {
            guard let before = oldCalendars[calendar.id], before != calendar else { continue }
            changes.append("changed calendar \(calendar.id)")
            timeKPIs = true
            for (path, unit) in newUnits where unit.calendarID == calendar.id {
                units.insert(path)
                sites.insert(siteOf(path))
            }
        }
        let oldReasons = Dictionary((old?.reasons ?? []).map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let newReasons = Dictionary(new.reasons.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var reasonChanged = false
        for code in Set(oldReasons.keys).union(newReasons.keys).sorted() {
            switch (oldReasons[code], newReasons[code]) {
            case (nil, let r?): changes.append("added reason \(code) (\(r.category.rawValue))")
            case (_?, nil): changes.append("removed reason \(code)")
            case (let a?, let b?) where a != b:
                changes.append("changed reason \(code): \(a.category.rawValue) → \(b.category.rawValue)")
            default: continue
            }
            reasonChanged = true
        }
        if reasonChanged {
            timeKPIs = true
            units.formUnion(newUnits.keys)
            sites.formUnion(new.sites.map(\.id))
        }
        let oldSystems = Dictionary((old?.systems ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for system in new.systems.sorted(by: { $0.id < $1.id }) where oldSystems[system.id] != system {
            changes.append(oldSystems[system.id] == nil ? "added system \(system.id)" : "changed system \(system.id)")
        }
        for id in oldSystems.keys.sorted() where !new.systems.contains(where: { $0.id == id }) {
            changes.append("removed system \(id)")
        }
        changes += Self.masterChanges("material", old?.materials ?? [], new.materials, id: \.id)
        changes += Self.masterChanges("lot", old?.lots ?? [], new.lots, id: \.id)
        let kpis: [String]
        if allKPIs {
            kpis = KPICatalogue.all.map(\.id)
        } else if timeKPIs {
            kpis = Self.kpis(reading: Self.calendarElements.union(["APT", "ADOT", "AUBT", "AUST", "FE", "TBF", "TTR"]))
        } else {
            kpis = []
        }
        self.init(changes: changes, sites: sites.sorted(), units: units.sorted(), kpis: kpis)
    }

    /// `added material X`, `changed lot Y`, `removed …` between two lists of master records keyed by `id`.
    static func masterChanges<T: Equatable>(_ noun: String, _ old: [T], _ new: [T], id: (T) -> String) -> [String] {
        let before = Dictionary(old.map { (id($0), $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.map { (id($0), $0) }, uniquingKeysWith: { a, _ in a })
        var out: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            switch (before[key], after[key]) {
            case (nil, _?): out.append("added \(noun) \(key)")
            case (_?, nil): out.append("removed \(noun) \(key)")
            case (let a?, let b?) where a != b: out.append("changed \(noun) \(key)")
            default: continue
            }
        }
        return out
    }

    /// The impact of replacing blueprint `old` with `new`: its changes, the sites they touch, and the KPIs whose
    /// element sources or local mappings changed.
    public init(from old: Blueprint?, to new: Blueprint) {
        let diff = BlueprintDiff(from: old ?? Blueprint(sites: []), to: new)
        let siteIDs = Set(new.sites.map(\.id)).union(old?.sites.map(\.id) ?? [])
        var sites = Set<String>()
        var elements = Set<String>()
        var kpis = Set<String>()
        for change in diff.changes {
            let words = change.key.split(separator: " ").map(String.init)
            if change.area == "kpiExtension", let site = BlueprintKPIExtension.site(ofID: change.key) {
                sites.insert(site)
                continue
            }
            guard let first = words.first, siteIDs.contains(first) else { continue }
            sites.insert(first)
            if change.area == "elementSources", words.count > 1 { elements.insert(words[1]) }
            if change.area == "kpiMapping" {
                for value in [change.old, change.new].compactMap({ $0 }) {
                    if let id = value.split(separator: " ").first, KPICatalogue.all.contains(where: { $0.id == id }) {
                        kpis.insert(String(id))
                    }
                }
            }
        }
        kpis.formUnion(Self.kpis(reading: elements))
        self.init(
            changes: diff.changes.map(\.description), sites: sites.sorted(), units: [],
            kpis: KPICatalogue.all.map(\.id).filter(kpis.contains))
    }
}
