import Foundation
import SparConnectors
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage
import SparTestSupport
import Synchronization
import Testing

/// The connector against a real broker, into a real SQLite ledger.
@Suite("MQTT connector against a real mosquitto broker", .serialized)
struct MQTTBrokerTests {
    static let topic = "ia/e/s/u1/count"
    static let clock: @Sendable () -> Timestamp = { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }

    struct Rig {
        let broker: MosquittoBroker
        let store: SQLiteLedgerStore
        let connector: MQTTConnector
        let board: ConnectorHealthBoard
        let model: PlantModel
    }

    /// A sink that fails its first `failures` deliveries, then hands over to the ledger.
    final class FlakySink: ConnectorSink {
        let inner: LedgerSink
        let remaining: Mutex<Int>
        init(inner: LedgerSink, failures: Int) {
            self.inner = inner
            remaining = Mutex(failures)
        }
        struct Refused: Error, CustomStringConvertible {
            var description: String { "database is locked" }
        }
        func deliver(_ events: [Event], as principal: Principal) async throws -> ConnectorDelivery {
            let fail = remaining.withLock { r -> Bool in
                defer { r -= 1 }
                return r > 0
            }
            if fail { throw Refused() }
            return try await inner.deliver(events, as: principal)
        }
    }

    static func rig(failingDeliveries: Int = 0, startBroker: Bool = true) async throws -> Rig {
        let broker = try MosquittoBroker()
        if startBroker { try await broker.start() }
        let model = Fixtures.plant()
        let store = try SQLiteLedgerStore(path: broker.directory.appendingPathComponent("ledger.sqlite").path)
        let yaml = """
            connectors:
              - id: press-umh
                kind: mqtt
                site: s
                source: mes
                broker: { host: 127.0.0.1, port: \(broker.port) }
                clientId: spar-test-\(UUID().uuidString.prefix(8))
                topics:
                  - { topic: ia/e/s/u1, unit: e/s/a/w/u1 }
            """
        let file = try ConnectorsFile.decode(Data(yaml.utf8), name: "connectors.yaml", plant: model)
        let board = ConnectorHealthBoard()
        let ledger = LedgerSink(model: model, store: store, now: clock)
        let sink: any ConnectorSink =
            failingDeliveries > 0 ? FlakySink(inner: ledger, failures: failingDeliveries) : ledger
        let connector = try MQTTConnector(connector: file.connectors[0], sink: sink, board: board, clock: clock, batchSize: 50)
        return Rig(broker: broker, store: store, connector: connector, board: board, model: model)
    }

    static func publisher(_ broker: MosquittoBroker) async throws -> MosquittoClient {
        let p = try MosquittoClient(
            options: MosquittoClient.Options(host: "127.0.0.1", port: broker.port, clientID: "pub-\(UUID().uuidString.prefix(8))"))
        try await p.start()
        return p
    }

    /// The payload of count message `i` and the id Spar gives its event.
    static func message(_ i: Int, base: Int64) -> (payload: [UInt8], id: String) {
        let payload = Array(#"{"timestamp_ms":\#(base + Int64(i)),"count":1,"scrap":0}"#.utf8)
        var reader = MQTTUMH(source: "mes", assets: [MQTTUMH.Asset(topic: "ia/e/s/u1", unit: EquipmentPath("e/s/a/w/u1"))])
        let id = (try? reader.read(topic: topic, payload: payload, receivedAt: clock()).get().first?.id.rawValue) ?? ""
        return (payload, id)
    }

    static func ledgerIDs(_ store: SQLiteLedgerStore) async throws -> [String] {
        try await store.entries(kind: .event).map(\.entry.id)
    }

    /// The messages a test published: message id → event id, and the warm-up messages' event ids.
    final class Published {
        var mids: [Int32: String] = [:]
        var warm: Set<String> = []
        let client: MosquittoClient
        let base: Int64
        init(_ client: MosquittoClient, base: Int64) {
            self.client = client
            self.base = base
        }

        /// Publishes `range` at QoS 1.
        func publish(_ range: Range<Int>) throws {
            for i in range {
                let m = message(i, base: base)
                mids[try client.publish(topic: topic, payload: m.payload, qos: 1)] = m.id
            }
        }

        var acknowledgedCount: Int { mids.keys.filter { client.isAcknowledged($0) }.count }
        var acknowledged: Set<String> { Set(mids.filter { client.isAcknowledged($0.key) }.values) }
        var all: Set<String> { Set(mids.values) }

        /// Publishes warm-up messages (`100000…`) until one reaches the ledger: the subscription is live from then
        /// on. Earlier ones may have reached the broker before the subscription and are not expected anywhere.
        func warmUp(_ rig: Rig) async throws {
            try await warmUp(rig, until: { try await rig.store.count(kind: .event) > 0 })
        }

        /// Publishes warm-up messages until `live` holds.
        func warmUp(_ rig: Rig, until live: () async throws -> Bool) async throws {
            let deadline = Date().addingTimeInterval(20)
            var k = 100_000
            while Date() < deadline {
                let m = message(k, base: base)
                _ = try client.publish(topic: topic, payload: m.payload, qos: 1)
                warm.insert(m.id)
                k += 1
                if try await eventually(seconds: 0.2, live) { return }
            }
            Issue.record("the connector never delivered a message: \(String(describing: rig.board.health("press-umh")))")
            throw CancellationError()
        }
    }

    /// Runs the connector until the body returns, then cancels it.
    static func running(_ rig: Rig, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do { try await rig.connector.run() } catch is CancellationError {}
            }
            try await body()
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    @Test("kill -9 the broker in the middle of a QoS 1 stream and restart it: every acknowledged message is in the ledger exactly once")
    func brokerKilledMidStream() async throws {
        let rig = try await Self.rig()
        let p = try await Self.publisher(rig.broker)
        defer { p.stop() }
        let sent = Published(p, base: Self.clock().milliseconds - 3_600_000)
        try await Self.running(rig) { () async throws in
            try await sent.warmUp(rig)
            // 100 messages acknowledged, then 200 more handed to the client and the broker killed at once: the kill
            // falls while they are in flight.
            try sent.publish(0..<100)
            _ = try await eventually(seconds: 20) { sent.acknowledgedCount >= 100 }
            try sent.publish(100..<300)
            rig.broker.kill9()
            let ackedAtKill = sent.acknowledgedCount
            #expect(ackedAtKill < 300, "the broker was killed after the whole stream; the test proves less than it claims")
            #expect(try await eventually(seconds: 10) { rig.board.health("press-umh")?.connected == false })
            try await rig.broker.start()
            #expect(try await eventually(seconds: 30) { p.isConnected && rig.board.health("press-umh")?.connected == true })
            try sent.publish(300..<500)
            _ = try await eventually(seconds: 30) { sent.acknowledgedCount == sent.mids.count }
            let acknowledged = sent.acknowledged
            #expect(acknowledged.count > ackedAtKill)
            let complete = try await eventually(seconds: 30) {
                Set(try await Self.ledgerIDs(rig.store)).isSuperset(of: acknowledged)
            }
            let ids = try await Self.ledgerIDs(rig.store)
            // Exactly once: no id twice, nothing that was not published, every acknowledged message present.
            let lostIDs = acknowledged.subtracting(ids)
            let lostIndexes = sent.mids.filter { lostIDs.contains($0.value) }.keys.sorted()
            #expect(complete, "lost: \(lostIDs.count) of \(acknowledged.count) acknowledged (message ids \(lostIndexes), \(ackedAtKill) acknowledged at the kill); \(String(describing: rig.board.health("press-umh")))")
            #expect(ids.count == Set(ids).count)
            #expect(Set(ids).isSubset(of: sent.all.union(sent.warm)))
            let h = try #require(rig.board.health("press-umh"))
            #expect(h.accepted == ids.count)
            #expect(h.rejected == 0)
            #expect(h.notices.contains { $0.text.hasPrefix("disconnected") })
        }
    }

    @Test("a connector away from the broker gets what it missed from its persistent session; a redelivered message is a duplicate, kept once")
    func persistentSessionAndDuplicates() async throws {
        let rig = try await Self.rig()
        let p = try await Self.publisher(rig.broker)
        defer { p.stop() }
        let sent = Published(p, base: Self.clock().milliseconds - 7_200_000)
        let first = Self.message(0, base: sent.base)
        try await Self.running(rig) { () async throws in
            try await sent.warmUp(rig)
            try sent.publish(0..<1)
            #expect(try await eventually(seconds: 10) { try await Self.ledgerIDs(rig.store).contains(first.id) })
        }
        let before = Set(try await Self.ledgerIDs(rig.store))
        // While the connector is away: 50 new messages, and message 0 again (a device sending it twice).
        try sent.publish(1..<51)
        let resent = try p.publish(topic: Self.topic, payload: first.payload, qos: 1)
        #expect(try await eventually(seconds: 10) { sent.acknowledgedCount == sent.mids.count && p.isAcknowledged(resent) })
        #expect(Set(try await Self.ledgerIDs(rig.store)) == before)
        // Back with the same client id: the broker hands over what it kept for the session.
        try await Self.running(rig) { () async throws in
            #expect(try await eventually(seconds: 30) { Set(try await Self.ledgerIDs(rig.store)).isSuperset(of: sent.all) })
            #expect(try await eventually(seconds: 10) { (rig.board.health("press-umh")?.duplicates ?? 0) >= 1 })
        }
        let ids = try await Self.ledgerIDs(rig.store)
        #expect(ids.count == Set(ids).count)
        #expect(Set(ids).isSubset(of: sent.all.union(sent.warm)))
        #expect(ids.filter { $0 == first.id }.count == 1)
        #expect(rig.board.health("press-umh")?.rejected == 0)
    }

    @Test("a ledger that refuses deliveries: the batch is retried with backoff while messages keep arriving, then every one is kept; lag and last message shown")
    func deliveryRetriedWithBackoff() async throws {
        let rig = try await Self.rig(failingDeliveries: 2)
        let p = try await Self.publisher(rig.broker)
        defer { p.stop() }
        let sent = Published(p, base: Self.clock().milliseconds - 3_600_000)
        try await Self.running(rig) { () async throws in
            // Live once a message is read (its delivery is the first to fail).
            try await sent.warmUp(rig, until: { (rig.board.health("press-umh")?.messages ?? 0) > 0 })
            // Two refusals: retried after 1 s, then 2 s (connectorBackoff); meanwhile 100 more messages arrive.
            try sent.publish(0..<100)
            #expect(try await eventually(seconds: 30) { sent.acknowledgedCount == sent.mids.count })
            #expect(try await eventually(seconds: 30) { Set(try await Self.ledgerIDs(rig.store)).isSuperset(of: sent.all) })
            let h = try #require(rig.board.health("press-umh"))
            #expect(
                h.notices.map(\.text).filter { $0.hasPrefix("delivery failed") } == [
                    "delivery failed, retrying in 1 s: database is locked",
                    "delivery failed, retrying in 2 s: database is locked",
                ])
            #expect(h.lastError == nil)
            // Payload times are an hour behind their arrival.
            #expect((h.lagMilliseconds ?? 0) >= 3_600_000)
            #expect(h.lastMessageAt != nil)
            let ids = try await Self.ledgerIDs(rig.store)
            #expect(ids.count == Set(ids).count)
            #expect(h.accepted == ids.count)
        }
    }

    @Test("a broker that is not up yet: the connector shows the refusal, retries with backoff, and reads once it answers")
    func brokerNotUpYet() async throws {
        let rig = try await Self.rig(startBroker: false)
        try await Self.running(rig) { () async throws in
            #expect(try await eventually(seconds: 10) { (rig.board.health("press-umh")?.failures ?? 0) >= 1 })
            let refused = try #require(rig.board.health("press-umh"))
            #expect(!refused.connected)
            #expect(refused.lastError == "Connection refused")
            #expect(refused.nextAttemptAt != nil)
            try await rig.broker.start()
            #expect(try await eventually(seconds: 30) { rig.board.health("press-umh")?.connected == true })
            let p = try await Self.publisher(rig.broker)
            defer { p.stop() }
            let sent = Published(p, base: Self.clock().milliseconds - 3_600_000)
            try await sent.warmUp(rig)
            try sent.publish(0..<10)
            #expect(try await eventually(seconds: 10) { Set(try await Self.ledgerIDs(rig.store)).isSuperset(of: sent.all) })
            #expect(rig.board.health("press-umh")?.lastError == nil)
        }
    }
}
