import Foundation
import SparCore
import SparInterchange
import SparStorage

/// B2MML exports of what a ledger holds: the equipment hierarchy, and orders' performance over a window.
public enum ExportB2MML {
    /// `OperationsPerformance` (V0700) for the units under `scope` over `window`, from the ledger's effective events
    /// (corrections applied).
    public static func performance(
        store: any LedgerStore, model: PlantModel, scope: EquipmentPath, window: Interval
    ) async throws -> Data {
        let events = KPIEngine.effectiveEvents(try await LedgerProjection.events(store: store, scope: scope))
            .filter { scope.isPrefix(of: $0.unit) }
        let segments = B2MML.performance(events: events, window: window)
        return B2MML.performanceDocument(segments, scope: scope, window: window, level: level(of: scope, in: model))
    }

    /// `EquipmentInformation` (V0700) of the plant model, limited to `sites` when given.
    public static func equipment(model: PlantModel, sites: Set<String>? = nil) -> Data {
        var m = model
        if let sites { m.sites = m.sites.filter { sites.contains($0.id) } }
        return B2MML.equipmentDocument(m)
    }

    /// The ISA-95 level of a scope path in the model (a work center's level is its kind).
    public static func level(of scope: EquipmentPath, in model: PlantModel) -> String {
        let c = scope.components
        var kind: WorkCenterKind?
        if c.count == 4 {
            kind = model.sites.first { $0.id == c[1] }?.areas.first { $0.id == c[2] }?.workCenters.first { $0.id == c[3] }?
                .kind
        }
        return B2MML.level(ofDepth: c.count, kind: kind)
    }
}
