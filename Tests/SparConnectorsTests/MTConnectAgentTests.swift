import Foundation
import SparConnectors
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

/// The MTConnect connector against a fake agent over HTTP, appending to a real SQLite ledger.
@Suite("MTConnect connector against an agent", .serialized)
struct MTConnectAgentTests {
    static let unit = EquipmentPath("e/s/a/w/u1")

    static func resource(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Resources/mtconnect/\(name)", withExtension: "xml"))
        return try Data(contentsOf: url)
    }

    struct Ledger {
        let path: String
        let store: SQLiteLedgerStore
        let sink: LedgerSink
        var stateDirectory: URL { URL(fileURLWithPath: path + ".connectors") }

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("spar-mtc-\(UUID().uuidString).sqlite").path
            store = try SQLiteLedgerStore(path: path)
            // Events of 2026-03 are in the past of the ledger's clock: no clock-skew refusal.
            sink = LedgerSink(model: Fixtures.plant(), store: store, now: { t("2026-03-03T00:00:00Z") })
        }

        /// Every event of the unit in sequence order, as `id time type value`.
        func events() async throws -> [String] {
            let filter = LedgerEventFilter(units: [MTConnectAgentTests.unit.description], from: t("2000-01-01T00:00:00Z"), to: t("2100-01-01T00:00:00Z"))
            return try await store.events(filter, after: nil, limit: 10_000).sorted { $0.seq < $1.seq }.map { e in
                let event = try #require(try? EventCoding.decode(data: Data(e.entry.body.utf8), lineNumber: nil, strict: false).get())
                let value: String
                switch event.payload {
                case .state(let s): value = s.isUnknown ? "unknown" : [s.category?.rawValue, s.reason].compactMap { $0 }.joined(separator: " ")
                case .count(let c): value = "good \(c.good) scrap \(c.scrap)"
                default: value = "\(event.type)"
                }
                return "\(event.id) \(event.ts.rfc3339) \(event.type) \(value)"
            }
        }
    }

    static func connector(_ agent: URL, devices: [MTConnectDeviceMap], poll: Double = 0.05) -> ConnectorsFile.Connector {
        ConnectorsFile.Connector(id: "cell-1", kind: "mtconnect", site: "s", source: "mes", agent: agent, pollSeconds: poll, devices: devices)
    }

    @Test("the standard's SimpleCnc probe and current, served by an agent: the unknown state, then the spindle overload as its failure reason")
    func recordedDocuments() async throws {
        let agent = FakeAgent(instanceId: "1541045065")
        await agent.serve("/probe", try Self.resource("probe-1.4"))
        await agent.serve("/current", try Self.resource("streams-1.4"))
        let ledger = try Ledger()
        let board = ConnectorHealthBoard()
        try await agent.run { url in
            let c = try MTConnectConnector(
                connector: Self.connector(url, devices: [
                    MTConnectDeviceMap(device: "SimpleCnc", unit: Self.unit, source: "mes", faultReasons: ["MOT-OVR": "spindle"])
                ]),
                sink: ledger.sink, board: board, stateFile: nil, now: { t("2026-03-03T00:00:00Z") })
            #expect(try await c.poll())
        }
        #expect(try await ledger.events() == [
            "mtconnect:1541045065:201 2018-10-31T20:34:19.998Z state unknown",
            "mtconnect:1541045065:652 2018-10-31T20:49:19.998Z state spindle",
        ])
        let h = try #require(board.health("cell-1"))
        #expect(h.connected && h.accepted == 2 && h.messages == 1 && h.rejected == 0)
        // The /current of streams-1.4 says the agent holds up to 44221 and continues at 43124: 1,098 behind.
        #expect(h.lagSequences == 1098)
        #expect(h.notices.isEmpty)
    }

    @Test("a mapped device the agent does not have is reported, not invented")
    func missingDevice() async throws {
        let agent = FakeAgent(instanceId: "7")
        await agent.append("2026-03-02T06:00:00Z", "Availability", "AVAILABLE")
        let ledger = try Ledger()
        let board = ConnectorHealthBoard()
        try await agent.run { url in
            let c = try MTConnectConnector(
                connector: Self.connector(url, devices: [MTConnectDeviceMap(device: "VMC-9", unit: Self.unit, source: "mes")]),
                sink: ledger.sink, board: board, stateFile: nil)
            try await c.poll()
        }
        #expect(board.health("cell-1")?.notices.map(\.text) == [
            "device 'VMC-9' (e/s/a/w/u1) is not among the agent's devices (VMC-1)"
        ])
        #expect(try await ledger.events().isEmpty)
    }

    @Test("probe, current, samples; out-of-order times; Spar restarts from its saved position; the agent restarts; its buffer overruns: every event once, gaps unknown")
    func scriptedAgent() async throws {
        let agent = FakeAgent(instanceId: "A")
        await agent.append("2026-03-02T06:00:00Z", "Availability", "AVAILABLE")  // 1
        await agent.append("2026-03-02T06:00:01Z", "Execution", "ACTIVE")  // 2
        await agent.append("2026-03-02T06:00:02Z", "PartCount", "10")  // 3: the baseline
        let ledger = try Ledger()
        let devices = [MTConnectDeviceMap(device: "VMC-1", unit: Self.unit, source: "mes")]
        let clock: @Sendable () -> Timestamp = { t("2026-03-03T00:00:00Z") }
        try await agent.run { url in
            let file = ConnectorStateFile(directory: ledger.stateDirectory, connector: "cell-1")
            let board = ConnectorHealthBoard()
            var c = try MTConnectConnector(
                connector: Self.connector(url, devices: devices), sink: ledger.sink, board: board, stateFile: file, now: clock)
            #expect(try await c.poll())  // probe + current
            #expect(try await c.poll() == false)  // nothing more
            await agent.append("2026-03-02T06:10:00Z", "PartCount", "12")  // 4
            await agent.append("2026-03-02T06:11:00Z", "Execution", "READY")  // 5
            // Out of order: 7 carries an earlier time than 6; 8 an earlier time than the last state.
            await agent.append("2026-03-02T06:20:00Z", "Execution", "ACTIVE")  // 6
            await agent.append("2026-03-02T06:15:00Z", "PartCount", "15")  // 7
            await agent.append("2026-03-02T06:19:00Z", "Execution", "FEED_HOLD")  // 8
            try await c.poll()
            // Spar stops and starts again: it resumes at sequence 9 from its state file, without a new probe.
            c = try MTConnectConnector(
                connector: Self.connector(url, devices: devices), sink: ledger.sink, board: ConnectorHealthBoard(),
                stateFile: file, now: clock)
            await agent.append("2026-03-02T06:30:00Z", "PartCount", "16")  // 9
            try await c.poll()
            #expect(await agent.requests.suffix(1) == ["/sample?count=1000&from=9"])
            // The agent restarts: a new instance, sequences from 1.
            await agent.restart(instanceId: "B")
            await agent.append("2026-03-02T07:00:00Z", "Availability", "AVAILABLE")  // B1
            await agent.append("2026-03-02T07:00:05Z", "Execution", "ACTIVE")  // B2
            await agent.append("2026-03-02T07:00:06Z", "PartCount", "3")  // B3: counted from the restart's reset
            #expect(try await c.poll())
            #expect(await agent.requests.suffix(2) == ["/sample?count=1000&from=10", "/current"])
            // The buffer overruns while Spar is not reading: 4 and 5 are lost; the current state is read.
            await agent.append("2026-03-02T08:00:00Z", "Execution", "STOPPED")  // B4
            await agent.append("2026-03-02T08:30:00Z", "Execution", "READY")  // B5
            await agent.append("2026-03-02T09:00:00Z", "PartCount", "9")  // B6
            await agent.overrun(to: 6)
            try await c.poll()
            #expect(await agent.requests.suffix(2) == ["/sample?count=1000&from=4", "/current"])
            #expect(try await c.poll() == false)
        }
        #expect(try await ledger.events() == [
            "mtconnect:A:1 2026-03-02T06:00:00Z state unknown",
            "mtconnect:A:2 2026-03-02T06:00:01Z state production",
            "mtconnect:A:4 2026-03-02T06:10:00Z count good 2.0 scrap 0.0",
            "mtconnect:A:5 2026-03-02T06:11:00Z state idle",
            "mtconnect:A:7 2026-03-02T06:15:00Z count good 3.0 scrap 0.0",
            // FEED_HOLD (8) carries 06:19, before ACTIVE's 06:20 (6): the agent's order wins, time never runs
            // back, so the state is a delay from 06:20 and the production of no length is not kept.
            "mtconnect:A:8 2026-03-02T06:20:00Z state delay",
            "mtconnect:A:9 2026-03-02T06:30:00Z count good 1.0 scrap 0.0",
            // The agent restarted: unknown from just after the last state until the new instance reports.
            "mtconnect:A:10:gap:VMC-1 2026-03-02T06:20:00.001Z state unknown",
            "mtconnect:B:2 2026-03-02T07:00:05Z state production",
            // The overrun: unknown again, then the state the agent holds now; 9 parts since 3 were made meanwhile.
            "mtconnect:B:4:gap:VMC-1 2026-03-02T07:00:05.001Z state unknown",
            "mtconnect:B:5 2026-03-02T08:30:00Z state idle",
            "mtconnect:B:6 2026-03-02T09:00:00Z count good 6.0 scrap 0.0",
        ])
        let saved = try #require(try ConnectorStateFile(directory: ledger.stateDirectory, connector: "cell-1").load(MTConnectTracker.Snapshot.self))
        #expect(saved.health.notices.map(\.text) == [
            // A new instance does not hold sequence 10 either.
            "the agent does not hold sequence 10 (OUT_OF_RANGE); reading its current state",
            "agent restarted: instanceId A → B; sequences start again",
            "the agent does not hold sequence 4 (OUT_OF_RANGE); reading its current state",
            "buffer overrun: sequences 4 to 5 were dropped by the agent before they were read",
        ])
        #expect(saved.health.rejected == 0)
    }

    @Test("an agent that does not answer is retried with a growing delay, reported, and read once it answers")
    func unreachableAgent() async throws {
        let agent = FakeAgent(instanceId: "A")
        await agent.append("2026-03-02T06:00:01Z", "Execution", "ACTIVE")
        await agent.setDown(true)
        let ledger = try Ledger()
        let board = ConnectorHealthBoard()
        try await agent.run { url in
            let c = try MTConnectConnector(
                connector: Self.connector(url, devices: [MTConnectDeviceMap(device: "VMC-1", unit: Self.unit, source: "mes")]),
                sink: ledger.sink, board: board, stateFile: nil, now: { t("2026-03-03T00:00:00Z") }, retryUnit: .milliseconds(20))
            let task = Task { await c.pollUntilCancelled() }
            defer { task.cancel() }
            // Delays of 1, 2, 4 units: three failures within about 140 ms.
            try await Self.eventually { (board.health("cell-1")?.failures ?? 0) >= 3 }
            let down = try #require(board.health("cell-1"))
            #expect(!down.connected)
            #expect(down.lastError?.contains("HTTP 503") == true, "\(down.lastError ?? "")")
            #expect(down.nextAttemptAt != nil)
            await agent.setDown(false)
            try await Self.eventually { board.health("cell-1")?.accepted == 1 }
            let up = try #require(board.health("cell-1"))
            #expect(up.connected && up.failures == 0 && up.lastError == nil)
        }
        #expect(try await ledger.events() == ["mtconnect:A:1 2026-03-02T06:00:01Z state production"])
    }

    static func eventually(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<500 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 5 s")
    }
}
