/// Which activity cells one system covers at a site, fully or partly.
///
/// ```yaml
/// - system: mes-opcenter
///   full: [production/dispatching, production/executionManagement]
///   partial: [quality/dataCollection]
/// ```
public struct BlueprintCoverage: Hashable, Sendable, Codable {
    /// A system id from the plant model's `systems`.
    public var system: String
    /// Cells (`category/activity`) the system covers completely.
    public var full: [String]
    /// Cells the system covers only in part (the rest is done elsewhere, or on paper).
    public var partial: [String]

    /// Creates a value from its parts.
    public init(system: String, full: [String] = [], partial: [String] = []) {
        self.system = system
        self.full = full
        self.partial = partial
    }

    enum CodingKeys: String, CodingKey { case system, full, partial }

    /// Decodes the YAML/JSON form; absent lists decode as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        system = try c.decode(String.self, forKey: .system)
        full = try c.decodeIfPresent([String].self, forKey: .full) ?? []
        partial = try c.decodeIfPresent([String].self, forKey: .partial) ?? []
    }
}

/// Whether a system covers an activity cell completely or in part.
public enum CoverageLevel: String, Hashable, Sendable, Codable, CaseIterable {
    case full, partial
}
