import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import SparConnectors
import SparCore
import SparInterchange
import SparServer
import SparTestSupport
import Testing

/// `spar serve --connectors`: the connectors run inside the server, post through the live ledger, and report.
@Suite("Connectors inside spar serve", .serialized)
struct ServeConnectorTests {
    static func configuration(agent: URL, folder: URL) throws -> ServerConfiguration {
        let plantFile = folder.appendingPathComponent("plant.json").path
        try PlantModelFile.canonicalJSON(Fixtures.plant()).write(toFile: plantFile, atomically: true, encoding: .utf8)
        let connectors = folder.appendingPathComponent("connectors.yaml")
        try """
            connectors:
              - id: cell-1
                kind: mtconnect
                site: s
                source: mes
                agent: \(agent.absoluteString)
                pollSeconds: 0.1
                devices:
                  - device: VMC-1
                    unit: e/s/a/w/u1
                    execution: { FEED_HOLD: { reason: jam } }
            """.write(to: connectors, atomically: true, encoding: .utf8)
        var logger = Logger(label: "spar.server.test")
        logger.logLevel = .critical
        var c = ServerConfiguration(
            port: 0, database: folder.appendingPathComponent("ledger.sqlite").path, plantPath: plantFile,
            recordedBy: "test", metrics: PrometheusCollectorRegistry(), logger: logger)
        c.connectorsPath = connectors.path
        c.connectorRetryUnit = .milliseconds(20)
        return c
    }

    static func json(_ client: some TestClientProtocol, _ uri: String) async throws -> [String: Any] {
        try await client.execute(uri: uri, method: .get) { r in
            try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
        }
    }

    static func connector(_ client: some TestClientProtocol) async throws -> [String: Any] {
        let list = try #require(try await json(client, "/api/connectors")["connectors"] as? [[String: Any]])
        return try #require(list.first)
    }

    @Test("the agent's states reach the ledger as batches; health on /api/connectors, /ingest and /metrics; an agent that goes down is retried while the server answers")
    func serveWithConnector() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-serve-mtc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let agent = FakeAgent(instanceId: "A")
        await agent.append("2026-03-02T06:00:00Z", "Availability", "AVAILABLE")
        await agent.append("2026-03-02T06:00:01Z", "Execution", "ACTIVE")
        try await agent.run { url in
            let configuration = try Self.configuration(agent: url, folder: folder)
            let app = try await buildApplication(configuration)
            try await app.test(.live) { client in
                try await Self.eventually { (try await Self.connector(client)["accepted"] as? Int) == 2 }
                await agent.append("2026-03-02T06:05:00Z", "Execution", "FEED_HOLD")
                try await Self.eventually { (try await Self.connector(client)["accepted"] as? Int) == 3 }
                let c = try await Self.connector(client)
                #expect(c["connected"] as? Bool == true && c["stale"] as? Bool == false)
                #expect(c["kind"] as? String == "mtconnect" && c["site"] as? String == "s" && c["lagSequences"] as? Int == 0)
                // The unit's state since 06:05 is the jam the file maps FEED_HOLD to.
                let lineage = try await Self.json(
                    client, "/api/kpi/lineage?scope=e/s/a/w/u1&from=2026-03-02T06:00:00Z&to=2026-03-02T07:00:00Z&kpi=availability")
                let events = try #require(lineage["events"] as? [[String: Any]])
                #expect(events.compactMap { $0["id"] as? String }.filter { $0.hasPrefix("mtconnect:A:") } == [
                    "mtconnect:A:1", "mtconnect:A:2", "mtconnect:A:3",
                ])
                try await client.execute(uri: "/ingest", method: .get) { r in
                    let page = String(buffer: r.body)
                    #expect(page.contains("Machine connectors") && page.contains(#"data-connector="cell-1""#))
                    #expect(page.contains("mtconnect cell-1"))  // the batches it posted
                }
                try await client.execute(uri: "/metrics", method: .get) { r in
                    let text = String(buffer: r.body)
                    #expect(text.contains(#"spar_connector_connected{connector="cell-1",kind="mtconnect",site="s"} 1"#), "\(text)")
                    #expect(text.contains(#"spar_connector_events{connector="cell-1",kind="mtconnect",site="s",outcome="accepted"} 3"#))
                }
                await agent.setDown(true)
                try await Self.eventually { (try await Self.connector(client)["failures"] as? Int ?? 0) >= 2 }
                let down = try await Self.connector(client)
                #expect(down["connected"] as? Bool == false)
                #expect((down["lastError"] as? String)?.contains("HTTP 503") == true)
                try await client.execute(uri: "/health", method: .get) { r in #expect(r.status == .ok) }
            }
        }
        // The position was saved beside the ledger.
        let saved = try #require(
            try ConnectorStateFile(directory: folder.appendingPathComponent("ledger.sqlite.connectors"), connector: "cell-1")
                .load(MTConnectTracker.Snapshot.self))
        #expect(saved.health.accepted == 3)
    }

    static func eventually(_ condition: @Sendable () async throws -> Bool) async throws {
        for _ in 0..<500 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 5 s")
    }
}
