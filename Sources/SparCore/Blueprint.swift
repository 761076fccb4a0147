/// The MOM blueprint of an enterprise (`blueprint.yaml`, beside `plant.yaml`): for each site, which system does
/// which ISA-95 / IEC 62264-3 activity, which system is the system of record for which data, where the ISO 22400
/// KPIs' elements come from, how local KPIs map onto the canonical catalogue, and how local conventions are
/// normalised; plus exposure weights that rank what is missing.
///
/// Systems are the plant model's (`systems` in plant.yaml); ``validationProblems(plant:)`` checks every reference
/// against it. The blueprint is pure data: ``analyze(plant:observed:)`` derives the findings.
public struct Blueprint: Hashable, Sendable, Codable {
    /// The plant model's enterprise id, when given (checked against the plant model).
    public var enterprise: String?
    /// Version label of the site KPI definitions this blueprint carries (mappings, extensions), e.g.
    /// `aerostar-kpi-3`; KPI values name it beside Spar's own ``KPICatalogue/definitionVersion``.
    public var definitionVersion: String?
    /// Custom data objects and exposure overrides of standard ones.
    public var dataObjects: [BlueprintDataObject]
    /// Exposure overrides of activity cells.
    public var activityExposure: [BlueprintActivityExposure]
    /// Non-ISO KPIs the sites use (`local.<site>.<name>`).
    public var kpiExtensions: [BlueprintKPIExtension]
    /// One entry per described site (plant model site ids).
    public var sites: [BlueprintSite]

    /// Creates a value from its parts.
    public init(
        enterprise: String? = nil, definitionVersion: String? = nil, dataObjects: [BlueprintDataObject] = [],
        activityExposure: [BlueprintActivityExposure] = [], kpiExtensions: [BlueprintKPIExtension] = [],
        sites: [BlueprintSite]
    ) {
        self.enterprise = enterprise
        self.definitionVersion = definitionVersion
        self.dataObjects = dataObjects
        self.activityExposure = activityExposure
        self.kpiExtensions = kpiExtensions
        self.sites = sites
    }

    enum CodingKeys: String, CodingKey {
        case enterprise, definitionVersion, dataObjects, activityExposure, kpiExtensions, sites
    }

    /// Decodes the YAML/JSON form; absent lists decode as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enterprise = try c.decodeIfPresent(String.self, forKey: .enterprise)
        definitionVersion = try c.decodeIfPresent(String.self, forKey: .definitionVersion)
        dataObjects = try c.decodeIfPresent([BlueprintDataObject].self, forKey: .dataObjects) ?? []
        activityExposure = try c.decodeIfPresent([BlueprintActivityExposure].self, forKey: .activityExposure) ?? []
        kpiExtensions = try c.decodeIfPresent([BlueprintKPIExtension].self, forKey: .kpiExtensions) ?? []
        sites = try c.decodeIfPresent([BlueprintSite].self, forKey: .sites) ?? []
    }

    /// The site with this id.
    public func site(_ id: String) -> BlueprintSite? { sites.first { $0.id == id } }

    /// Exposure of an activity cell: the aerospace default with this blueprint's override laid over it.
    public func exposure(of cell: BlueprintActivity) -> BlueprintExposure {
        let base = BlueprintExposure.aerospaceDefault(for: cell)
        guard let o = activityExposure.first(where: { $0.activity == cell.description }) else { return base }
        return o.exposure(over: base)
    }

    /// Exposure of a data object (standard or custom), overrides applied; nil for an unknown id.
    public func exposure(ofObject id: String) -> BlueprintExposure? {
        let entry = dataObjects.first { $0.id == id }
        if let std = BlueprintDataObject.standard.first(where: { $0.id == id }) {
            return entry?.exposure(over: std.exposure) ?? std.exposure
        }
        return entry?.exposure(over: BlueprintDataObject.customDefault)
    }

    /// Every data object the blueprint knows: the standard ones, then custom ones in blueprint order.
    public var dataObjectIDs: [String] {
        let std = BlueprintDataObject.standard.map(\.id)
        return std + dataObjects.map(\.id).filter { !std.contains($0) }
    }

    /// Plain name of a data object (`work order`), or its id.
    public func name(ofObject id: String) -> String {
        dataObjects.first { $0.id == id }?.name ?? BlueprintDataObject.standard.first { $0.id == id }?.name ?? id
    }
}
