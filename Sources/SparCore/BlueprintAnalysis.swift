/// The result of analysing a blueprint against its plant model (and, optionally, the event sources a ledger
/// holds): per-site findings and one ranked list of gaps.
public struct BlueprintAnalysis: Hashable, Sendable {
    /// Sites in blueprint order.
    public var sites: [BlueprintSiteAnalysis]
    /// Every gap, ranked (``BlueprintGap/ranksBefore(_:_:)``).
    public var gaps: [BlueprintGap]
    /// Plant model sites the blueprint does not describe.
    public var sitesWithoutBlueprint: [String]
    /// The blueprint's KPI definition version label.
    public var definitionVersion: String?
    /// Content version of the blueprint analysed (set by the caller that knows it).
    public var blueprintVersion: String?
    /// Content version of the plant model (set by the caller that knows it).
    public var plantModelVersion: String?
    /// Number of ledger events whose sources were taken into account, when a ledger was read.
    public var observedEvents: Int?

    /// Creates a value from its parts.
    public init(
        sites: [BlueprintSiteAnalysis], gaps: [BlueprintGap], sitesWithoutBlueprint: [String],
        definitionVersion: String?, blueprintVersion: String? = nil, plantModelVersion: String? = nil,
        observedEvents: Int? = nil
    ) {
        self.sites = sites
        self.gaps = gaps
        self.sitesWithoutBlueprint = sitesWithoutBlueprint
        self.definitionVersion = definitionVersion
        self.blueprintVersion = blueprintVersion
        self.plantModelVersion = plantModelVersion
        self.observedEvents = observedEvents
    }

    /// The findings of one site.
    public func site(_ id: String) -> BlueprintSiteAnalysis? { sites.first { $0.site == id } }

    /// The gaps of one site, in rank order.
    public func gaps(site: String) -> [BlueprintGap] { gaps.filter { $0.site == site } }
}
