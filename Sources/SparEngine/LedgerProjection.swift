import Foundation
import SparCore
import SparInterchange
import SparStorage

/// Builds the KPI projection from what a ledger holds.
public enum LedgerProjection {
    public struct CorruptEntry: Error, Sendable, CustomStringConvertible {
        public var rejection: EventRejection
        public var description: String { "a ledger entry does not decode: \(rejection)" }
    }

    /// Decodes stored event bodies for the units under `scope` (all when nil; order events of every unit, which
    /// give each order's first operation) and builds the engine.
    public static func load(
        store: any LedgerStore, model: PlantModel, plantModelVersion: String?, scope: EquipmentPath? = nil
    ) async throws -> KPIEngine {
        let events = try await self.events(store: store, scope: scope)
        return KPIEngine(model: model, events: events, plantModelVersion: plantModelVersion)
    }

    /// Decodes the stored events of the units under `scope` (all when nil), corrections included, in ledger order.
    public static func events(store: any LedgerStore, scope: EquipmentPath? = nil) async throws -> [Event] {
        let bodies = try await store.eventBodies(unitPrefix: scope?.description)
        var events: [Event] = []
        events.reserveCapacity(bodies.count)
        let decoder = JSONDecoder()
        for body in bodies {
            switch EventCoding.decode(data: Data(body.utf8), lineNumber: nil, using: decoder, strict: false) {
            case .success(let e): events.append(e)
            case .failure(let r): throw CorruptEntry(rejection: r)
            }
        }
        return events
    }
}
