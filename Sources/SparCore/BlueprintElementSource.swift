/// A site's explicit statement of which systems supply one ISO 22400 element, replacing what the analysis would
/// derive from coverage and ownership (``BlueprintElementMap/origins(of:)``).
public struct BlueprintElementSource: Hashable, Sendable, Codable {
    /// A base element abbreviation (``BlueprintElementMap/baseElements``), e.g. `RQ`.
    public var element: String
    /// System ids (plant model `systems`).
    public var systems: [String]
    /// Free text for readers; not interpreted.
    public var note: String?

    /// Creates a value from its parts.
    public init(element: String, systems: [String], note: String? = nil) {
        self.element = element
        self.systems = systems
        self.note = note
    }
}
