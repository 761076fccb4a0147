import SparConnectors
import SparCore
import Testing

@Suite struct ConnectorHealthTests {
    @Test func stalenessFollowsTheWallClockNotTheEvents() {
        var h = ConnectorHealth(id: "c", kind: "mtconnect", site: "s", source: "src", endpoint: "http://127.0.0.1:5000")
        #expect(h.isStale(now: Timestamp(milliseconds: 0), after: 10_000))
        h.lastMessageAt = Timestamp(milliseconds: 100_000)
        h.lastObservationAt = Timestamp(milliseconds: 99_000)
        #expect(!h.isStale(now: Timestamp(milliseconds: 110_000), after: 10_000))
        #expect(h.isStale(now: Timestamp(milliseconds: 110_001), after: 10_000))
        #expect(h.silence(now: Timestamp(milliseconds: 110_001)) == 10_001)
    }

    @Test func noticesKeepTheNewest() {
        var h = ConnectorHealth(id: "c", kind: "mqtt", site: "s", source: "src", endpoint: "127.0.0.1:1883")
        for i in 0..<25 { h.notice("n\(i)", at: Timestamp(milliseconds: Int64(i))) }
        #expect(h.notices.count == ConnectorHealth.keptNotices)
        #expect(h.notices.first?.text == "n5")
        #expect(h.notices.last?.text == "n24")
    }

    @Test func backoffDoublesToTheCap() {
        #expect(connectorBackoff(failures: 0) == 0)
        #expect(connectorBackoff(failures: 1) == 1)
        #expect(connectorBackoff(failures: 2) == 2)
        #expect(connectorBackoff(failures: 4) == 8)
        #expect(connectorBackoff(failures: 7) == 60)
        #expect(connectorBackoff(failures: 100) == 60)
    }

    @Test func boardUpdatesOneConnector() {
        let board = ConnectorHealthBoard()
        board.register(ConnectorHealth(id: "a", kind: "mqtt", site: "s", source: "x", endpoint: "e"))
        board.register(ConnectorHealth(id: "b", kind: "mtconnect", site: "s", source: "y", endpoint: "f"))
        board.update("b") { $0.accepted += 3 }
        #expect(board.update("missing") { $0.accepted += 1 } == nil)
        #expect(board.snapshot().map(\.accepted) == [0, 3])
    }
}
