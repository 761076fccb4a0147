import Foundation
import SparCore
import SparEngine
import SparStorage

/// What the ledger did with a connector's events.
public struct ConnectorDelivery: Sendable, Hashable {
    public var accepted = 0
    public var duplicates = 0
    /// Refused events with the reason (and field) the ledger gave.
    public var rejections: [EventRejection] = []
    public init(accepted: Int = 0, duplicates: Int = 0, rejections: [EventRejection] = []) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.rejections = rejections
    }
}

/// Where a connector's events go: the ledger, as the connector's source system scoped to its site. Inside
/// `spar serve` this is the server's live ledger, so dashboards and live streams see the events.
public protocol ConnectorSink: Sendable {
    func deliver(_ events: [Event], as principal: Principal) async throws -> ConnectorDelivery
}

extension Principal {
    /// A connector acting as its source system on its site only; `station` says which process runs it (and who
    /// started it), recorded with every entry.
    public static func connector(source: String, site: String, connector: String, station: String? = nil) -> Principal {
        Principal(
            kind: .system, name: source, roles: [], sites: .sites([site]),
            station: "connector \(connector)" + (station.map { " (\($0))" } ?? ""), tokenID: "connector:\(connector)")
    }
}

/// Appends straight to a ledger store through ``IngestEvents`` (the standalone `spar connect …` commands).
public struct LedgerSink: ConnectorSink {
    public let model: PlantModel
    public let store: any LedgerStore
    public let now: @Sendable () -> Timestamp

    public init(model: PlantModel, store: any LedgerStore, now: @escaping @Sendable () -> Timestamp) {
        self.model = model
        self.store = store
        self.now = now
    }

    public func deliver(_ events: [Event], as principal: Principal) async throws -> ConnectorDelivery {
        guard !events.isEmpty else { return ConnectorDelivery() }
        let ingest = IngestEvents(model: model, store: store, recordedBy: principal.recordedBy, principal: principal, now: now)
        let report = try await ingest.ingest(events: events.enumerated().map { (line: $0.offset + 1, event: $0.element) })
        return ConnectorDelivery(accepted: report.accepted, duplicates: report.duplicates, rejections: report.rejections)
    }
}
