import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparStorage
import SparTestSupport
import Testing

@Suite("Ingest use case")
struct IngestEventsTests {
    static func ingest(_ store: any LedgerStore) -> IngestEvents {
        IngestEvents(model: Fixtures.plant(), store: store, recordedBy: "test", now: { t("2026-07-01T00:00:00Z") })
    }

    static func lines(_ texts: [String]) -> [(Int, Substring)] {
        texts.enumerated().map { ($0.offset + 1, Substring($0.element)) }
    }

    @Test("state unknown is accepted (and stored as such); with a reason, or another word, it is refused by field")
    func unknownState() async throws {
        let store = InMemoryLedgerStore()
        let u = "e/s/a/w/u1"
        let report = try await Self.ingest(store).ingest(lines: Self.lines([
            #"{"id":"u1","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"\#(u)","type":"state","state":"unknown"}"#,
            #"{"id":"u2","ts":"2026-06-10T02:00:00Z","source":"mes","unit":"\#(u)","type":"state","state":"unknown","reason":"run"}"#,
            #"{"id":"u3","ts":"2026-06-10T03:00:00Z","source":"mes","unit":"\#(u)","type":"state","state":"unavailable"}"#,
        ]))
        #expect(report.accepted == 1)
        #expect(report.rejections.map(\.description) == [
            "line 2, id 'u2', field 'reason': an unknown state takes no reason (the reason would give it a category)",
            "line 3, id 'u3', field 'state': 'unavailable' is not one of production, setup, delay, down, plannedDown, idle, unknown",
        ])
        let bodies = await store.bodies(ids: ["u1"])
        let body = try #require(bodies["u1"])
        #expect(body.contains(#""state":"unknown""#))
        guard case .success(let e) = EventCoding.decode(data: Data(body.utf8), lineNumber: nil),
            case .state(let s) = e.payload
        else {
            Issue.record("the stored body does not decode as a state")
            return
        }
        #expect(s.isUnknown)
        #expect(EventCoding.canonical(e) == body)
    }

    @Test("corrections must name an accepted, non-correction event")
    func correctionTargets() async throws {
        let store = InMemoryLedgerStore()
        let u = "e/s/a/w/u1"
        let report = try await Self.ingest(store).ingest(lines: Self.lines([
            #"{"id":"c0","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"nope","void":true}"#,
            #"{"id":"k1","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"\#(u)","type":"count","good":1,"scrap":0,"rework":0}"#,
            #"{"id":"c1","ts":"2026-06-10T02:00:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"k1","replacement":{"ts":"2026-06-10T01:00:00Z","source":"mes","unit":"\#(u)","type":"count","good":2,"scrap":0,"rework":0}}"#,
            #"{"id":"c2","ts":"2026-06-10T03:00:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"c1","void":true}"#,
            #"{"id":"c3","ts":"2026-06-10T03:00:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"k1","replacement":{"ts":"2026-06-10T01:00:00Z","source":"mes","unit":"\#(u)","type":"count","good":-2,"scrap":0,"rework":0}}"#,
            #"{"id":"c4","ts":"2026-06-10T03:00:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"k1","void":true,"replacement":{}}"#,
        ]))
        #expect(report.accepted == 2)
        #expect(report.rejections.map(\.description) == [
            "line 1, id 'c0', field 'corrects': no accepted event has id 'nope'",
            "line 4, id 'c2', field 'corrects': 'c1' is itself a correction; correct the original event instead",
            "line 5, id 'c3', field 'replacement.good': must not be negative (got -2)",
            "line 6, id 'c4', field 'void': give either a replacement or void: true, not both",
        ])
        // A later batch may correct what an earlier batch stored.
        let later = try await Self.ingest(store).ingest(lines: Self.lines([
            #"{"id":"c5","ts":"2026-06-10T04:00:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"k1","void":true}"#,
        ]))
        #expect(later.accepted == 1)
    }

    @Test("the canonical form makes key order and white space irrelevant to idempotency")
    func canonicalIdempotency() async throws {
        let store = InMemoryLedgerStore()
        let a = #"{"id":"k1","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"e/s/a/w/u1","type":"count","good":1,"scrap":0,"rework":0}"#
        let b = #"{ "type": "count", "rework": 0.0, "scrap": 0, "good": 1, "unit": "e/s/a/w/u1", "source": "mes", "ts": "2026-06-10T03:00:00+02:00", "id": "k1" }"#
        let report = try await Self.ingest(store).ingest(lines: Self.lines([a, b]))
        #expect(report.accepted == 1)
        #expect(report.duplicates == 1)
        #expect(report.rejections.isEmpty)
    }

    @Test("every kind of event survives the ledger round trip unchanged")
    func roundTrip() async throws {
        var s = Fixtures.pressScript()
        s.labor("2026-06-10T00:00:00Z", "w1", .clockIn)
        s.add("2026-06-10T00:05:00Z", .maintenance(MaintenanceAction(kind: .preventive, action: .start)))
        s.add("2026-06-10T00:06:00Z", .measurement(Measurement(characteristic: "bore", value: 10.01, lsl: 9.9, usl: 10.1)))
        s.add("2026-06-10T00:07:00Z", .material(MaterialMovement(flow: .consumed, material: "coil", quantity: 2.5)))
        s.add("2026-06-10T00:08:00Z", .energy(kwh: 0.125))
        for e in s.events {
            let text = EventCoding.canonical(e)
            let back = try EventCoding.decode(line: Substring(text), lineNumber: 1).get()
            #expect(back == e)
        }
    }
}

