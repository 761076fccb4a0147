import Foundation
import Hummingbird
import ServiceLifecycle
import SparConnectors
import SparCore
import SparEngine
import SparInterchange

/// Delivers a connector's events as a batch posted to the live ledger, so the ingest page, the dashboards and the
/// live streams see them like any other batch.
struct LiveLedgerSink: ConnectorSink {
    let live: LiveLedger
    let format: String

    func deliver(_ events: [Event], as principal: Principal) async throws -> ConnectorDelivery {
        guard !events.isEmpty else { return ConnectorDelivery() }
        let lines = events.enumerated().map { (line: $0.offset + 1, result: Result<Event, EventRejection>.success($0.element)) }
        let outcome = try await live.post(lines, contentType: format, principal: principal)
        return ConnectorDelivery(
            accepted: outcome.accepted, duplicates: outcome.duplicates,
            rejections: outcome.lines.filter { $0.status == .rejected }.map {
                EventRejection(line: $0.line, id: $0.id, field: $0.field, reason: $0.reason ?? "rejected")
            })
    }
}

/// The connectors of `--connectors FILE` as services of the server (MTConnect agents polled, MQTT brokers
/// subscribed to), checked against the ledger's plant model.
func connectorServices(live: LiveLedger, configuration: ServerConfiguration) throws -> [(id: String, service: any Service)] {
    guard let path = configuration.connectorsPath else { return [] }
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw ServerStartError("cannot read the connectors file \(path) (\(error.localizedDescription))")
    }
    let file: ConnectorsFile
    do {
        file = try ConnectorsFile.decode(data, name: path, plant: live.model)
    } catch {
        throw ServerStartError("\(error)")
    }
    // A shared PostgreSQL ledger keeps each node's connector cursors in the node's working directory.
    let directory = ConnectorStateFile.directory(
        forLedger: LedgerDatabase.isPostgres(configuration.database) ? "spar-data/postgres" : configuration.database)
    return try file.connectors.map { c -> (id: String, service: any Service) in
        let state = ConnectorStateFile(directory: directory, connector: c.id)
        let sink = LiveLedgerSink(live: live, format: "\(c.kind) \(c.id)")
        if c.kind == "mqtt" {
            let mqtt = try MQTTConnector(
                connector: c, sink: sink, board: configuration.connectorBoard, clock: configuration.now,
                stateFile: state, logger: configuration.logger)
            return (c.id, mqtt)
        }
        let mtconnect = try MTConnectConnector(
            connector: c, sink: sink, board: configuration.connectorBoard, stateFile: state,
            station: "spar serve \(ProcessInfo.processInfo.hostName)", now: configuration.now, logger: configuration.logger,
            retryUnit: configuration.connectorRetryUnit)
        return (c.id, mtconnect)
    }
}

/// One connector's health as the API and the ingest page show it, with staleness judged by the server's clock.
func connectorJSON(_ h: ConnectorHealth, now: Timestamp) -> [String: Any] {
    var o: [String: Any] = [
        "id": h.id, "kind": h.kind, "site": h.site, "source": h.source, "endpoint": h.endpoint, "connected": h.connected,
        "stale": h.isStale(now: now), "staleAfterMilliseconds": h.staleAfter, "messages": h.messages,
        "accepted": h.accepted, "duplicates": h.duplicates, "rejected": h.rejected, "failures": h.failures,
        "notices": h.notices.map { ["at": $0.at.rfc3339, "text": $0.text] },
    ]
    o["lastMessageAt"] = h.lastMessageAt?.rfc3339 ?? NSNull()
    o["silenceMilliseconds"] = h.silence(now: now) ?? NSNull()
    o["lastObservationAt"] = h.lastObservationAt?.rfc3339 ?? NSNull()
    o["lagMilliseconds"] = h.lagMilliseconds ?? NSNull()
    o["lagSequences"] = h.lagSequences ?? NSNull()
    o["lastError"] = h.lastError ?? NSNull()
    o["nextAttemptAt"] = h.nextAttemptAt?.rfc3339 ?? NSNull()
    return o
}
