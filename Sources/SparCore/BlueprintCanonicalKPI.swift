/// One entry of the canonical KPI catalogue sites are harmonised onto: an ISO 22400-2 KPI of ``KPICatalogue``, or
/// a labelled local extension `local.<site>.<name>` that is explicitly not ISO.
public struct BlueprintCanonicalKPI: Hashable, Sendable, Identifiable {
    /// Identifier (see the type documentation for its form).
    public var id: String
    /// Human-readable name.
    public var name: String
    /// True for the ISO 22400-2 KPIs; false for local extensions.
    public var isISO: Bool
    /// The formula in ISO 22400 elements, as text.
    public var formula: String
    /// Element abbreviations as the definition states them (derived ones included).
    public var elements: [String]
    /// The operations category whose performance analysis computes it.
    public var category: OperationsCategory
    /// For an extension: the site that introduced it.
    public var site: String?
    /// For an extension: the ISO KPI it resembles.
    public var nearestISO: String?

    /// Creates a value from its parts.
    public init(
        id: String, name: String, isISO: Bool, formula: String, elements: [String], category: OperationsCategory,
        site: String? = nil, nearestISO: String? = nil
    ) {
        self.id = id
        self.name = name
        self.isISO = isISO
        self.formula = formula
        self.elements = elements
        self.category = category
        self.site = site
        self.nearestISO = nearestISO
    }

    /// The base elements the KPI needs (``BlueprintElementMap/baseElements(of:)``).
    public var baseElements: [String] { BlueprintElementMap.baseElements(of: elements) }

    /// `oee (ISO 22400-2)` or `local.toulouse.performance (local extension, not ISO)`.
    public var label: String { isISO ? "\(id) (ISO 22400-2)" : "\(id) (local extension, not ISO)" }

    /// The ISO 22400-2 KPIs of ``KPICatalogue/all`` (the latest definition), in catalogue order.
    public static let iso: [BlueprintCanonicalKPI] = iso(KPICatalogue.latest)

    /// The ISO 22400-2 KPIs with their formulas and elements under one definition version.
    public static func iso(_ definition: KPIDefinitionVersion) -> [BlueprintCanonicalKPI] {
        definition.kpis.map {
            BlueprintCanonicalKPI(
                id: $0.id, name: $0.isoName, isISO: true, formula: $0.formula, elements: $0.elements,
                category: isoCategory[$0.id] ?? .production)
        }
    }

    /// The canonical catalogue: the ISO KPIs under `definition`, then the blueprint's extensions (whose category
    /// text is valid or defaults to production).
    public static func catalogue(
        extensions: [BlueprintKPIExtension], definition: KPIDefinitionVersion = KPICatalogue.latest
    ) -> [BlueprintCanonicalKPI] {
        iso(definition)
            + extensions.map {
                BlueprintCanonicalKPI(
                    id: $0.id, name: $0.name, isISO: false, formula: $0.formula, elements: $0.elements,
                    category: $0.category.flatMap(OperationsCategory.init(rawValue:)) ?? .production, site: $0.site,
                    nearestISO: $0.nearestISO)
            }
    }

    /// The operations category of each ISO KPI: quality KPIs belong to quality performance analysis, MTBF & co. to
    /// maintenance, material KPIs to inventory, the rest to production.
    static let isoCategory: [String: OperationsCategory] = {
        var m: [String: OperationsCategory] = [:]
        for id in [
            "qualityRatio", "firstPassYield", "scrapRatio", "reworkRatio", "fallOffRatio", "actualToPlannedScrapRatio",
            "machineCapabilityIndex", "criticalMachineCapabilityIndex", "processCapabilityIndex",
            "criticalProcessCapabilityIndex",
        ] { m[id] = .quality }
        for id in ["meanTimeBetweenFailures", "meanTimeToFailure", "meanTimeToRepair", "correctiveMaintenanceRatio"] {
            m[id] = .maintenance
        }
        for id in [
            "inventoryTurns", "finishedGoodsRatio", "integratedGoodsRatio", "productionLossRatio",
            "storageAndTransportationLossRatio", "otherLossRatio",
        ] { m[id] = .inventory }
        return m
    }()
}
