/// One site's part of the blueprint: which systems cover which activities, who owns which data, where KPI
/// elements come from, how local KPIs map onto canonical ones and how local conventions are normalised.
public struct BlueprintSite: Hashable, Sendable, Codable {
    /// A site id of the plant model.
    public var id: String
    /// Activity cells (`category/activity`) and data object ids the site does not do or keep at all; they are
    /// never reported as gaps.
    public var outOfScope: [String]
    /// Which systems cover which activity cells.
    public var coverage: [BlueprintCoverage]
    /// Who owns and uses which data object.
    public var dataObjects: [BlueprintDataObjectUse]
    /// Explicit suppliers of ISO elements, overriding the derived ones.
    public var elementSources: [BlueprintElementSource]
    /// Local KPI names and where they map.
    public var kpiMappings: [BlueprintKPIMapping]
    /// Local conventions → canonical ones.
    public var normalisation: BlueprintNormalisation?
    /// The KPI definition version the site is still validated on (`spar-kpi-1`): its own scopes default to it,
    /// while scopes above the site compute every site under the ledger's canonical version.
    public var kpiDefinition: String?

    /// Creates a value from its parts.
    public init(
        id: String, outOfScope: [String] = [], coverage: [BlueprintCoverage] = [],
        dataObjects: [BlueprintDataObjectUse] = [], elementSources: [BlueprintElementSource] = [],
        kpiMappings: [BlueprintKPIMapping] = [], normalisation: BlueprintNormalisation? = nil,
        kpiDefinition: String? = nil
    ) {
        self.kpiDefinition = kpiDefinition
        self.id = id
        self.outOfScope = outOfScope
        self.coverage = coverage
        self.dataObjects = dataObjects
        self.elementSources = elementSources
        self.kpiMappings = kpiMappings
        self.normalisation = normalisation
    }

    enum CodingKeys: String, CodingKey {
        case id, outOfScope, coverage, dataObjects, elementSources, kpiMappings, normalisation, kpiDefinition
    }

    /// Decodes the YAML/JSON form; absent lists decode as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        outOfScope = try c.decodeIfPresent([String].self, forKey: .outOfScope) ?? []
        coverage = try c.decodeIfPresent([BlueprintCoverage].self, forKey: .coverage) ?? []
        dataObjects = try c.decodeIfPresent([BlueprintDataObjectUse].self, forKey: .dataObjects) ?? []
        elementSources = try c.decodeIfPresent([BlueprintElementSource].self, forKey: .elementSources) ?? []
        kpiMappings = try c.decodeIfPresent([BlueprintKPIMapping].self, forKey: .kpiMappings) ?? []
        normalisation = try c.decodeIfPresent(BlueprintNormalisation.self, forKey: .normalisation)
        kpiDefinition = try c.decodeIfPresent(String.self, forKey: .kpiDefinition)
    }

    /// The systems covering `cell`, with their level, in blueprint order (a system listed at both levels counts
    /// as full).
    public func coverage(of cell: BlueprintActivity) -> [(system: String, level: CoverageLevel)] {
        let text = cell.description
        var out: [(String, CoverageLevel)] = []
        for entry in coverage {
            if entry.full.contains(text) {
                out.append((entry.system, .full))
            } else if entry.partial.contains(text) {
                out.append((entry.system, .partial))
            }
        }
        return out
    }

    /// The use of one data object at this site, if the blueprint lists it.
    public func use(of object: String) -> BlueprintDataObjectUse? { dataObjects.first { $0.object == object } }
}
