/// Where one canonical KPI's inputs come from at one site, and what that means for trusting it.
public struct BlueprintKPILineage: Hashable, Sendable {
    /// The canonical KPI.
    public var kpi: BlueprintCanonicalKPI
    /// One entry per base element the KPI needs, in element order.
    public var elements: [ElementSupply]
    /// Local KPI names of the site mapped onto this KPI.
    public var localNames: [String]
    /// Systems that are not validated, by id (to judge reliability).
    public var unvalidatedSystems: Set<String>

    /// Creates a value from its parts.
    public init(
        kpi: BlueprintCanonicalKPI, elements: [ElementSupply], localNames: [String], unvalidatedSystems: Set<String>
    ) {
        self.kpi = kpi
        self.elements = elements
        self.localNames = localNames
        self.unvalidatedSystems = unvalidatedSystems
    }

    /// Which systems supply one base element at the site.
    public struct ElementSupply: Hashable, Sendable {
        /// The base element abbreviation.
        public var element: String
        /// Where the element comes from in the activity model.
        public var origins: [BlueprintElementOrigin]
        /// From the blueprint: the site's `elementSources` entry, or the systems covering/writing the origins.
        public var declared: [String]
        /// From the `source` of events in the ledger.
        public var observed: [String]
        /// True when `declared` comes from an explicit `elementSources` entry.
        public var explicit: Bool

        /// Creates a value from its parts.
        public init(
            element: String, origins: [BlueprintElementOrigin], declared: [String], observed: [String], explicit: Bool
        ) {
            self.element = element
            self.origins = origins
            self.declared = declared
            self.observed = observed
            self.explicit = explicit
        }

        /// Declared and observed suppliers together, sorted.
        public var suppliers: [String] { Set(declared + observed).sorted() }
    }

    /// Every system supplying any input, sorted.
    public var suppliers: [String] { Set(elements.flatMap(\.suppliers)).sorted() }

    /// Inputs nobody supplies.
    public var unsupportedElements: [String] { elements.filter { $0.suppliers.isEmpty }.map(\.element) }

    /// Suppliers that are not validated, sorted.
    public var unvalidatedSuppliers: [String] { suppliers.filter { unvalidatedSystems.contains($0) } }

    /// An input nobody supplies: the KPI cannot be computed at the site.
    public var isUnsupported: Bool { !unsupportedElements.isEmpty }

    /// An input comes from an unvalidated system.
    public var isUnreliable: Bool { !unvalidatedSuppliers.isEmpty }

    /// Inputs come from several systems.
    public var isFragmented: Bool { suppliers.count >= 2 }

    /// Every input has a supplier.
    public var isComputable: Bool { !isUnsupported }
}
