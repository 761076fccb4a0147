/// A non-ISO KPI a site uses, added to the canonical catalogue under `local.<site>.<name>`, clearly labelled as
/// not ISO 22400-2 and never replacing an ISO id (kpis.md).
public struct BlueprintKPIExtension: Hashable, Sendable, Codable {
    /// `local.<site>.<name>`.
    public var id: String
    /// Human-readable name.
    public var name: String
    /// The formula in ISO elements, as text.
    public var formula: String
    /// Element abbreviations the formula reads (base or derived, e.g. `PBT`, `PRUxPQ`).
    public var elements: [String]
    /// The operations category whose performance analysis the KPI belongs to (default `production`).
    public var category: String?
    /// The ISO KPI it resembles, to help readers compare.
    public var nearestISO: String?
    /// Free text for readers; not interpreted.
    public var note: String?

    /// Creates a value from its parts.
    public init(
        id: String, name: String, formula: String, elements: [String], category: String? = nil,
        nearestISO: String? = nil, note: String? = nil
    ) {
        self.id = id
        self.name = name
        self.formula = formula
        self.elements = elements
        self.category = category
        self.nearestISO = nearestISO
        self.note = note
    }

    /// The site part of `local.<site>.<name>`, when the id has that shape.
    public var site: String? { Self.site(ofID: id) }

    /// The site part of an id of the shape `local.<site>.<name>`.
    public static func site(ofID id: String) -> String? {
        let parts = id.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "local", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        return String(parts[1])
    }
}
