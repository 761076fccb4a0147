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
}
