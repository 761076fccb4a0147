import Foundation
import Logging
import Prometheus
import SparCore
import SparEngine
import SparInterchange
import SparTestSupport
import Testing

@testable import SparServer

/// Several Spar nodes on one PostgreSQL ledger (a real server on loopback).
@Suite("Several nodes on one PostgreSQL ledger")
struct MultiNodeTests {
    static func configuration(database: String, key: String, plantFile: String) -> ServerConfiguration {
        var logger = Logger(label: "spar.server.test")
        logger.logLevel = .warning
        return ServerConfiguration(
            port: 0, database: database, signingKeyPath: key, plantPath: plantFile, recordedBy: "test",
            metrics: PrometheusCollectorRegistry(), now: { ServerFixture.clock }, logger: logger)
    }

    @Test("a POST to one node reaches another node's SSE subscribers (LISTEN/NOTIFY), and both answer the same KPIs")
    func postReachesOtherNode() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-nodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plantFile = folder.appendingPathComponent("plant.json").path
        try PlantModelFile.canonicalJSON(Fixtures.plant()).write(toFile: plantFile, atomically: true, encoding: .utf8)
        let database = try PostgresServer.start().freshDatabase()
        let key = folder.appendingPathComponent("ledger.key").path
        let a = try await loadLiveLedger(Self.configuration(database: database, key: key, plantFile: plantFile))
        let b = try await loadLiveLedger(Self.configuration(database: database, key: key, plantFile: plantFile))
        let follower = Task { await b.followOtherNodes() }
        defer { follower.cancel() }
        let (updates, _) = await b.subscribe()
        // LISTEN is issued on a connection of b's own: give it a moment before the append it must hear.
        try await Task.sleep(for: .milliseconds(300))

        let lines = ServerFixture.day.joined(separator: "\n")
        let outcome = try await a.post(EventBatchDecoder.lines(Data(lines.utf8)), contentType: "application/x-ndjson", principal: nil)
        #expect(outcome.accepted == 3)

        let heard = try await withThrowingTaskGroup(of: LiveUpdate?.self) { group in
            group.addTask {
                for await u in updates { return u }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let update = try #require(heard, "node b published no update within 10 s")
        #expect(update.accepted == 3)
        #expect(update.units == [ServerFixture.unit])
        #expect(update.bySite["s"]?.accepted == 3)

        let snapshot = await b.snapshot()
        #expect(snapshot.eventCount == 3)
        // The hand-worked day: production 00:00–01:00, so APT is 3,600,000 ms on either node.
        let query = KPIQuery(scope: EquipmentPath("e/s"), from: t("2026-06-10T00:00:00Z"), to: t("2026-06-10T02:00:00Z"))
        let fromA = try await LedgerProjection.reader(store: a.store, model: a.model, plantModelVersion: a.modelVersion)
            .result(query)
        let fromB = try await LedgerProjection.reader(store: b.store, model: b.model, plantModelVersion: b.modelVersion)
            .result(query)
        #expect(fromA.elements.apt == 3_600_000)
        #expect(fromB.elements.apt == 3_600_000)
    }
}
