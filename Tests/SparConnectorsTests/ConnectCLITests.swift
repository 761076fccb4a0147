import Foundation
import SparConnectors
import SparCore
import SparInterchange
import SparTestSupport
import Testing

/// `spar connect mtconnect` and `spar connect status` as a user runs them, against a fake agent.
@Suite("spar connect mtconnect", .serialized)
struct ConnectCLITests {
    @Test("runs a connectors file into a ledger for a while, then status shows what it did; a second run resumes without duplicates")
    func runAndStatus() async throws {
        let dir = try SparProcess.temporaryDirectory()
        let plant = dir.appendingPathComponent("plant.json").path
        try PlantModelFile.canonicalJSON(Fixtures.plant()).write(toFile: plant, atomically: true, encoding: .utf8)
        let empty = dir.appendingPathComponent("empty.jsonl")
        try Data().write(to: empty)
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let created = try SparProcess.run(["ingest", "--db", db, "--plant", plant, empty.path])
        #expect(created.status == 0, "\(created.stderr)")
        let agent = FakeAgent(instanceId: "A")
        await agent.append("2026-03-02T06:00:00Z", "Availability", "AVAILABLE")
        await agent.append("2026-03-02T06:00:01Z", "Execution", "ACTIVE")
        await agent.append("2026-03-02T06:00:02Z", "PartCount", "5")
        try await agent.run { url in
            let config = dir.appendingPathComponent("connectors.yaml")
            try """
                connectors:
                  - id: cell-1
                    kind: mtconnect
                    site: s
                    source: mes
                    agent: \(url.absoluteString)
                    pollSeconds: 0.1
                    devices:
                      - { device: VMC-1, unit: e/s/a/w/u1 }
                """.write(to: config, atomically: true, encoding: .utf8)
            let first = try await Self.spar(["connect", "mtconnect", "--config", config.path, "--db", db, "--duration", "2"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("cell-1 (mtconnect, site s, source mes) \(url.absoluteString): stopped"), "\(first.stdout)")
            #expect(first.stdout.contains("2 events accepted, 0 duplicates, 0 rejected"), "\(first.stdout)")
            await agent.append("2026-03-02T06:10:00Z", "PartCount", "8")
            let second = try await Self.spar(["connect", "mtconnect", "--config", config.path, "--db", db, "--duration", "2"])
            #expect(second.status == 0, "\(second.stderr)")
            // The saved health carries over: one more event (3 parts), none read twice.
            #expect(second.stdout.contains("3 events accepted, 0 duplicates, 0 rejected"), "\(second.stdout)")
            let asked = await agent.requests
            #expect(asked.filter { $0 == "/probe" }.count == 1)
        }
        // Nothing arrives any more (the agent is gone): status reports it as it was saved, and exits 3 once stale.
        let status = try SparProcess.run(["connect", "status", "--db", db, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["connectors"] as? [[String: Any]])
        let health = try #require(rows.first?["health"] as? [String: Any])
        #expect(health["id"] as? String == "cell-1" && health["accepted"] as? Int == 3 && health["connected"] as? Bool == false)
        // Stale by this machine's clock once silent for longer than the threshold (10 s); stopped on purpose is not
        // a failure, so status exits 3 only for staleness here.
        let silence = try #require(rows.first?["silenceMilliseconds"] as? Int)
        let stale = try #require(rows.first?["stale"] as? Bool)
        #expect(stale == (silence > 10_000))
        #expect(status.status == (stale ? 3 : 0))
        // A connector that lost its agent (not connected, not stopped) makes status exit 3.
        let file = ConnectorStateFile(directory: URL(fileURLWithPath: db + ".connectors"), connector: "cell-1")
        var saved = try #require(try file.load(MTConnectTracker.Snapshot.self))
        saved.health.notices.append(ConnectorHealth.Notice(at: Timestamp(milliseconds: saved.savedAt), text: "agent lost"))
        saved.health.lastError = "http://127.0.0.1:1/sample: connection refused"
        try file.save(saved)
        let lost = try SparProcess.run(["connect", "status", "--db", db])
        #expect(lost.status == 3)
        #expect(lost.stdout.contains("NOT CONNECTED") && lost.stdout.contains("last failure (0 in a row): http://127.0.0.1:1/sample: connection refused"), "\(lost.stdout)")
        let none = try SparProcess.run(["connect", "status", "--db", dir.appendingPathComponent("other.sqlite").path])
        #expect(none.status == 0 && none.stdout.contains("No connector has run on"))
    }

    /// Runs `spar` on a thread of its own: waiting for the process must not hold a thread of the concurrency pool,
    /// which the fake agent's handlers need while the process talks to it.
    static func spar(_ arguments: [String]) async throws -> SparProcess.Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try SparProcess.run(arguments) })
            }
        }
    }
}
