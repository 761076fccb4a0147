import Foundation
import SparConnectors
import SparCore
import SparEngine
import SparSQLite
import SparStorage
import SparTestSupport
import SwiftProtobuf
import Testing

@testable import SparInterchange

/// Sparkplug B over a real mosquitto broker: births, data, a sequence gap answered with a rebirth request.
@Suite("Sparkplug B connector against a real mosquitto broker", .serialized)
struct SparkplugBrokerTests {
    typealias PB = Org_Eclipse_Tahu_Protobuf_Payload
    static let clock: @Sendable () -> Timestamp = { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }

    static func payload(seq: UInt64, at ms: UInt64, _ metrics: [(name: String?, alias: UInt64, type: Org_Eclipse_Tahu_Protobuf_DataType, value: Any)]) throws -> [UInt8] {
        var p = PB()
        p.timestamp = ms
        p.seq = seq
        for m in metrics {
            var metric = PB.Metric()
            if let n = m.name { metric.name = n }
            metric.alias = m.alias
            metric.timestamp = ms
            metric.datatype = UInt32(m.type.rawValue)
            switch m.value {
            case let b as Bool: metric.booleanValue = b
            case let n as UInt64: metric.longValue = n
            default: Issue.record("unexpected value \(m.value)")
            }
            p.metrics.append(metric)
        }
        return try p.serializedBytes()
    }

    @Test("NBIRTH and NDATA become states and counts in the ledger; a skipped seq makes the node unknown and Spar asks it to rebirth")
    func sparkplugStream() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let model = Fixtures.plant()
        let store = try SQLiteLedgerStore(path: broker.directory.appendingPathComponent("ledger.sqlite").path)
        let yaml = """
            connectors:
              - id: spb
                kind: mqtt
                site: s
                source: mes
                broker: { host: 127.0.0.1, port: \(broker.port) }
                clientId: spar-spb-\(UUID().uuidString.prefix(8))
                sparkplug:
                  - { group: plant, edgeNode: press-gw, unit: e/s/a/w/u1, stateMetric: Running, partCountMetrics: [Parts] }
            """
        let file = try ConnectorsFile.decode(Data(yaml.utf8), name: "connectors.yaml", plant: model)
        #expect(file.connectors[0].mqtt?.subscriptions == ["spBv1.0/plant/#"])
        let board = ConnectorHealthBoard()
        let connector = try MQTTConnector(
            connector: file.connectors[0], sink: LedgerSink(model: model, store: store, now: Self.clock), board: board,
            clock: Self.clock, rebirthInterval: 0)
        let service = Task { try await connector.run() }
        defer { service.cancel() }
        try await Self.eventually { board.health("spb")?.connected == true }
        // A client standing in for the edge node: it publishes, and listens for commands.
        let edge = try MosquittoClient(
            options: MosquittoClient.Options(
                host: "127.0.0.1", port: broker.port, clientID: "edge-\(UUID().uuidString.prefix(8))",
                subscriptions: ["spBv1.0/plant/NCMD/press-gw"]))
        try await edge.start()
        defer { edge.stop() }
        let t0: UInt64 = 1_780_000_000_000
        _ = try edge.publish(
            topic: "spBv1.0/plant/NBIRTH/press-gw",
            payload: try Self.payload(seq: 0, at: t0, [
                ("bdSeq", 0, .int64, UInt64(0)), ("Running", 1, .boolean, true), ("Parts", 2, .uint64, UInt64(100)),
            ]), qos: 1)
        _ = try edge.publish(
            topic: "spBv1.0/plant/NDATA/press-gw",
            payload: try Self.payload(seq: 1, at: t0 + 60_000, [(nil, 1, .boolean, false), (nil, 2, .uint64, UInt64(104))]), qos: 1)
        // seq 2 never comes: 3 is a gap.
        _ = try edge.publish(
            topic: "spBv1.0/plant/NDATA/press-gw",
            payload: try Self.payload(seq: 3, at: t0 + 120_000, [(nil, 1, .boolean, true)]), qos: 1)
        var commands = edge.messages.makeAsyncIterator()
        let rebirth = try #require(await commands.next())
        #expect(rebirth.topic == "spBv1.0/plant/NCMD/press-gw")
        let request = try PB(serializedBytes: rebirth.payload)
        #expect(request.metrics.map(\.name) == ["Node Control/Rebirth"] && request.metrics.first?.booleanValue == true)
        try await Self.eventually { (board.health("spb")?.accepted ?? 0) >= 4 }
        let events = try await store.entries(kind: .event).map { e -> String in
            let event = try #require(try? EventCoding.decode(data: Data(e.entry.body.utf8), lineNumber: nil, strict: false).get())
            switch event.payload {
            case .state(let s): return "\(event.ts.rfc3339) state \(s.isUnknown ? "unknown" : s.category?.rawValue ?? "")"
            case .count(let c): return "\(event.ts.rfc3339) count \(JSONValue.format(c.good))"
            default: return event.type
            }
        }
        #expect(events == [
            "2026-05-28T20:26:40Z state production",
            "2026-05-28T20:27:40Z state idle",
            "2026-05-28T20:27:40Z count 4",
            // The gap: unknown from just after the last message in sequence, until the node is born again.
            "2026-05-28T20:27:40.001Z state unknown",
        ])
        let h = try #require(board.health("spb"))
        #expect(h.notices.contains { $0.text.hasPrefix("asked plant/press-gw to rebirth") }, "\(h.notices)")
    }

    static func eventually(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<1000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 10 s")
    }
}
