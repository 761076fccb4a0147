/// The findings of the blueprint analysis for one site: the state of every activity cell and data object, and
/// the lineage of every canonical KPI.
public struct BlueprintSiteAnalysis: Hashable, Sendable {
    /// The site id.
    public var site: String
    /// All 32 cells in grid order.
    public var activities: [ActivityStatus]
    /// Every data object (standard, then custom), in that order.
    public var dataObjects: [DataObjectStatus]
    /// The ISO KPIs in catalogue order, then the local extensions of this site or mapped by it.
    public var kpis: [BlueprintKPILineage]
    /// The site's local KPI names as the blueprint maps them.
    public var mappings: [BlueprintKPIMapping]
    /// Local conventions → canonical ones.
    public var normalisation: BlueprintNormalisation?

    /// Creates a value from its parts.
    public init(
        site: String, activities: [ActivityStatus], dataObjects: [DataObjectStatus], kpis: [BlueprintKPILineage],
        mappings: [BlueprintKPIMapping], normalisation: BlueprintNormalisation?
    ) {
        self.site = site
        self.activities = activities
        self.dataObjects = dataObjects
        self.kpis = kpis
        self.mappings = mappings
        self.normalisation = normalisation
    }

    /// How well one activity cell is covered at the site.
    public enum CoverageState: String, Hashable, Sendable, CaseIterable {
        /// A validated system covers it fully.
        case covered
        /// Only validated systems cover it, none fully.
        case partial
        /// An unvalidated system covers it and no validated system covers it fully.
        case unvalidated
        /// No system covers it.
        case uncovered
        /// The site does not do it.
        case outOfScope
    }

    /// One activity cell at the site.
    public struct ActivityStatus: Hashable, Sendable {
        /// The cell.
        public var activity: BlueprintActivity
        /// How well it is covered.
        public var state: CoverageState
        /// Systems covering it fully, in blueprint order.
        public var full: [String]
        /// Systems covering it partly, in blueprint order.
        public var partial: [String]
        /// The covering systems that are not validated.
        public var unvalidated: [String]
        /// Exposure weights that scale the score.
        public var exposure: BlueprintExposure

        /// Creates a value from its parts.
        public init(
            activity: BlueprintActivity, state: CoverageState, full: [String], partial: [String], unvalidated: [String],
            exposure: BlueprintExposure
        ) {
            self.activity = activity
            self.state = state
            self.full = full
            self.partial = partial
            self.unvalidated = unvalidated
            self.exposure = exposure
        }

        /// Validated systems that cover it fully.
        public var validatedFull: [String] { full.filter { !unvalidated.contains($0) } }
    }

    /// Ownership state of one data object at the site.
    public enum OwnershipState: String, Hashable, Sendable, CaseIterable {
        /// Exactly one system of record.
        case owned
        /// No system of record.
        case noSystemOfRecord
        /// Two or more systems claim to be its system of record.
        case conflict
        /// The site does not keep it.
        case outOfScope
    }

    /// One data object at the site.
    public struct DataObjectStatus: Hashable, Sendable {
        /// The data object id.
        public var object: String
        /// Human-readable name.
        public var name: String
        /// Its ownership state.
        public var state: OwnershipState
        /// The blueprint's entry for the object at this site (nil when the site does not list it).
        public var use: BlueprintDataObjectUse?
        /// Systems that update it without being a system of record.
        public var nonOwnerUpdaters: [String]
        /// Systems of record that are not validated.
        public var unvalidatedOwners: [String]
        /// Exposure weights that scale the score.
        public var exposure: BlueprintExposure

        /// Creates a value from its parts.
        public init(
            object: String, name: String, state: OwnershipState, use: BlueprintDataObjectUse?,
            nonOwnerUpdaters: [String], unvalidatedOwners: [String], exposure: BlueprintExposure
        ) {
            self.object = object
            self.name = name
            self.state = state
            self.use = use
            self.nonOwnerUpdaters = nonOwnerUpdaters
            self.unvalidatedOwners = unvalidatedOwners
            self.exposure = exposure
        }

        /// The systems claiming to be its system of record.
        public var systemsOfRecord: [String] { use?.systemOfRecord ?? [] }
    }

    /// Cells no system covers (out-of-scope cells excluded), in grid order.
    public var uncoveredActivities: [BlueprintActivity] { activities.filter { $0.state == .uncovered }.map(\.activity) }

    /// Cells where an unvalidated system does what no validated system covers fully.
    public var unvalidatedActivities: [BlueprintActivity] {
        activities.filter { $0.state == .unvalidated }.map(\.activity)
    }

    /// Data objects in scope with no system of record.
    public var missingSystemOfRecord: [String] { dataObjects.filter { $0.state == .noSystemOfRecord }.map(\.object) }

    /// Data objects with two or more systems of record.
    public var systemOfRecordConflicts: [String] { dataObjects.filter { $0.state == .conflict }.map(\.object) }

    /// `(object, system)` for every update by a system that is not the object's system of record.
    public var nonOwnerUpdates: [(object: String, system: String)] {
        dataObjects.flatMap { d in d.nonOwnerUpdaters.map { (d.object, $0) } }
    }

    /// The status of one cell.
    public func activity(_ cell: BlueprintActivity) -> ActivityStatus? { activities.first { $0.activity == cell } }

    /// The status of one data object.
    public func dataObject(_ id: String) -> DataObjectStatus? { dataObjects.first { $0.object == id } }

    /// The lineage of one canonical KPI.
    public func kpi(_ id: String) -> BlueprintKPILineage? { kpis.first { $0.kpi.id == id } }
}
