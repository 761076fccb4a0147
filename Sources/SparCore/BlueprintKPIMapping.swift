/// How one local KPI name of a site maps onto the canonical catalogue, or why it cannot.
///
/// ```yaml
/// - { local: TRS, canonical: oee, note: "French name of OEE" }
/// - { local: Spindle utilisation, reason: "spindle-load signal only; no ISO 22400 element matches" }
/// ```
public struct BlueprintKPIMapping: Hashable, Sendable, Codable {
    /// The name the site uses in its reports.
    public var local: String
    /// A canonical KPI id: an ISO id of ``KPICatalogue`` or a local extension `local.<site>.<name>`.
    public var canonical: String?
    /// Why the local KPI cannot be mapped (required when `canonical` is absent).
    public var reason: String?
    /// Free text for readers; not interpreted.
    public var note: String?

    /// Creates a value from its parts.
    public init(local: String, canonical: String? = nil, reason: String? = nil, note: String? = nil) {
        self.local = local
        self.canonical = canonical
        self.reason = reason
        self.note = note
    }
}
