import SparCore

/// Everything the generator resolves once about one work unit before simulating it.
struct UnitPlan: Sendable {
    var unit: ResolvedWorkUnit
    /// Prefix of the unit's event ids, e.g. `wichita-cnc-07`.
    var idPrefix: String
    /// 1-based position of the unit within its site (used for worker ids).
    var ordinalInSite: Int
    var profile: ProcessProfile
    var sources: SourcePlan
    var calendar: WorkCalendar?
    var zone: LocalTime
    /// Operation number carried by the unit's order starts: 1 on the first unit of a line pair, 2 on the second
    /// (which runs the first unit's orders, `upstreamPrefix`), nil elsewhere (read as 1).
    var operation: Int? = nil
    /// The id prefix of the unit whose orders this unit runs as their second operation.
    var upstreamPrefix: String? = nil
}
