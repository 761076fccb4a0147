import SparCore
import SparInterchange
import SparStorage

/// Use case: analyse a blueprint against its plant model and, when a ledger is given, against the sources of the
/// events it holds (as of a server time, if asked).
public struct AnalyzeBlueprint: Sendable {
    /// The plant model the blueprint is checked against.
    public var plant: PlantModel
    /// The ledger whose event sources count as suppliers; nil for the blueprint alone.
    public var store: (any LedgerStore)?

    /// Creates a value from its parts.
    public init(plant: PlantModel, store: (any LedgerStore)? = nil) {
        self.plant = plant
        self.store = store
    }

    /// The analysis, with the blueprint's and plant model's versions and the number of events read filled in; with
    /// a ledger, KPIs are read under the definition in force there (sites that pin another version keep theirs).
    public func run(_ blueprint: Blueprint, asOf: Timestamp? = nil) async throws -> BlueprintAnalysis {
        var observed = LedgerElementSources.Observed()
        var definition = KPICatalogue.latest
        if let store {
            observed = try await LedgerElementSources.observed(in: store, model: plant, asOf: asOf)
            let id = try await LedgerKPIDefinition.inForce(in: store, at: asOf ?? .now, knownAt: asOf)
            definition = KPICatalogue.version(id) ?? definition
        }
        var analysis = blueprint.analyze(plant: plant, observed: observed.suppliers, definition: definition)
        analysis.blueprintVersion = BlueprintFile.fingerprint(blueprint)
        analysis.plantModelVersion = PlantModelFile.fingerprint(plant)
        analysis.observedEvents = store == nil ? nil : observed.events
        return analysis
    }
}
