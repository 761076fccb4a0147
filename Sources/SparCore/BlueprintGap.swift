/// One gap of the blueprint analysis: what is wrong where, how much it matters, and what to do.
///
/// `score = severity × exposure.total`. Gaps are ranked by score, then severity, then the number of KPIs affected
/// (more first), then site, kind and subject, so the order is always the same for the same blueprint and events.
public struct BlueprintGap: Hashable, Sendable {
    /// What happened (see ``Kind``).
    public var kind: Kind
    /// The site id.
    public var site: String
    /// What the gap is about: an activity cell, a data object, an element, a system, or `a + b` for a set of systems.
    public var subject: String
    /// The systems involved (coverers, owners, updaters, suppliers), sorted or in blueprint order.
    public var systems: [String]
    /// The ISO 22400 elements involved, if any.
    public var elements: [String]
    /// Canonical KPIs that depend on what the gap is about.
    public var kpis: [String]
    /// Exposure weights that scale the score.
    public var exposure: BlueprintExposure
    /// One plain-language sentence: the finding, what depends on it, and what to do.
    public var recommendation: String

    /// Creates a value from its parts.
    public init(
        kind: Kind, site: String, subject: String, systems: [String] = [], elements: [String] = [], kpis: [String] = [],
        exposure: BlueprintExposure, recommendation: String
    ) {
        self.kind = kind
        self.site = site
        self.subject = subject
        self.systems = systems
        self.elements = elements
        self.kpis = kpis
        self.exposure = exposure
        self.recommendation = recommendation
    }

    /// How bad the kind of gap is, 1…3.
    public var severity: Int { kind.severity }

    /// severity × exposure total.
    public var score: Int { severity * exposure.total }

    /// The kinds of gaps, with their severities.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// An activity cell no system covers (severity 3).
        case uncoveredActivity
        /// A data object with no system of record (3).
        case missingSystemOfRecord
        /// A data object with two or more systems of record (3).
        case systemOfRecordConflict
        /// An activity done in an unvalidated system that no validated system covers fully (2).
        case unvalidatedActivity
        /// A data object whose system of record is not validated (2).
        case unvalidatedSystemOfRecord
        /// A data object updated by a system that is not its system of record (2).
        case nonOwnerUpdate
        /// KPIs that cannot be computed because nobody supplies an input (2).
        case unsupportedKPI
        /// KPIs with an input from an unvalidated system (2).
        case unreliableKPI
        /// An activity only validated systems cover, none fully (1).
        case partialActivity
        /// An activity two or more validated systems cover fully (1).
        case overlappingCoverage
        /// KPIs whose inputs come from several systems (1).
        case fragmentedKPI
        /// Events in the ledger from a system the blueprint does not name as a supplier of what they carry (1).
        case undeclaredSource

        /// Severity of this kind: 3 missing, 2 unvalidated or mis-owned, 1 to check.
        public var severity: Int {
            switch self {
            case .uncoveredActivity, .missingSystemOfRecord, .systemOfRecordConflict: 3
            case .unvalidatedActivity, .unvalidatedSystemOfRecord, .nonOwnerUpdate, .unsupportedKPI, .unreliableKPI: 2
            case .partialActivity, .overlappingCoverage, .fragmentedKPI, .undeclaredSource: 1
            }
        }

        /// Position in the last-resort tie-break (declaration order).
        var order: Int { Kind.allCases.firstIndex(of: self) ?? 0 }
    }

    /// The ranking order: score, severity, KPIs affected (descending), then site, kind, subject (ascending).
    public static func ranksBefore(_ a: BlueprintGap, _ b: BlueprintGap) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.severity != b.severity { return a.severity > b.severity }
        if a.kpis.count != b.kpis.count { return a.kpis.count > b.kpis.count }
        if a.site != b.site { return a.site < b.site }
        if a.kind != b.kind { return a.kind.order < b.kind.order }
        return a.subject < b.subject
    }
}
