import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

/// The events behind a KPI value, worked by hand on one unit over the window 06:00–10:30 (UTC, no calendar), on
/// both stores.
@Suite("KPI lineage: the ledger events behind a value")
struct KPILineageEventsTests {
    enum Backend: String, CaseIterable, Sendable { case memory, sqlite }

    static let u1 = "e/s/a/w/u1"
    static let window = Interval(t("2026-06-10T06:00:00Z"), t("2026-06-10T10:30:00Z"))

    static func line(_ id: String, _ ts: String, _ type: String, _ members: String, unit: String = u1, source: String = "mes")
        -> String
    {
        #"{"id":"\#(id)","ts":"2026-06-10T\#(ts)Z","source":"\#(source)","unit":"\#(unit)","type":"\#(type)",\#(members)}"#
    }

    /// o1: order A1 started 04:00 (erp), still open → open at the window start.
    /// s0 04:30 and s1 05:00 production: s1 is in force at 06:00 → counted 06:00–07:00 (3,600 s); s0 is not listed.
    /// Labor before the window: w1 clocked in 05:30 and out 05:50 (closed), w2 in 05:40 (open).
    /// Inside: s2 07:00 down (counted to s3: 9,000 s), c1 08:00 count, e1 08:30 energy, s3 09:30 production (in force
    /// at the end: 3,600 s), c2 10:00 count corrected by k1 (10:15, inside) and voided by k2 (12:00, outside);
    /// c3 11:00 after the window; x1 on another unit.
    static let events: [String] = [
        line("o1", "04:00:00", "order", #""order":"A1","action":"start","material":"m","plannedRunTimePerUnit":30,"plannedQuantity":100"#, source: "erp"),
        line("s0", "04:30:00", "state", #""state":"production","reason":"run""#),
        line("s1", "05:00:00", "state", #""state":"production","reason":"run""#),
        line("l1", "05:30:00", "labor", #""worker":"w1","action":"clockIn""#),
        line("l2", "05:50:00", "labor", #""worker":"w1","action":"clockOut""#),
        line("l3", "05:40:00", "labor", #""worker":"w2","action":"clockIn""#),
        line("s2", "07:00:00", "state", #""state":"down","reason":"stuck""#),
        line("c1", "08:00:00", "count", #""good":5,"scrap":0,"rework":0"#),
        line("e1", "08:30:00", "energy", #""kwh":3"#),
        line("x1", "08:00:00", "state", #""state":"production","reason":"run""#, unit: "e/s/a/w/u2"),
        line("s3", "09:30:00", "state", #""state":"production","reason":"run""#),
        line("c2", "10:00:00", "count", #""good":7,"scrap":0,"rework":0"#),
        line("c3", "11:00:00", "count", #""good":1,"scrap":0,"rework":0"#),
        line(
            "k1", "10:15:00", "correction",
            #""corrects":"c2","replacement":{"ts":"2026-06-10T10:00:00Z","source":"mes","unit":"e/s/a/w/u1","type":"count","good":6,"scrap":0,"rework":0}"#
        ),
        line("k2", "12:00:00", "correction", #""corrects":"c2","void":true"#),
    ]

    static func store(_ backend: Backend) async throws -> any LedgerStore & LedgerEventReader {
        let store: any LedgerStore & LedgerEventReader
        switch backend {
        case .memory: store = InMemoryLedgerStore()
        case .sqlite:
            store = try SQLiteLedgerStore(
                path: FileManager.default.temporaryDirectory.appendingPathComponent("spar-\(UUID().uuidString).sqlite").path)
        }
        let ingest = IngestEvents(
            model: Fixtures.plant(units: [WorkUnit(id: "u1"), WorkUnit(id: "u2")]), store: store, recordedBy: "test",
            now: { t("2026-07-01T00:00:00Z") })
        // Corrections in a later batch than their target, as a plant would send them.
        let first = try await ingest.ingest(lines: events.dropLast(2).enumerated().map { ($0.offset + 1, Substring($0.element)) })
        let second = try await ingest.ingest(lines: events.suffix(2).enumerated().map { ($0.offset + 1, Substring($0.element)) })
        #expect(first.rejections.isEmpty && second.rejections.isEmpty, "\(first.rejections) \(second.rejections)")
        #expect(first.accepted == 13 && second.accepted == 2)
        return store
    }

    static func oeeTypes() -> [String] {
        KPILineageEvents.Query.types(forElements: KPICatalogue.latest.kpi("oee")!.elements)
    }

    @Test("OEE reads states, orders and counts (and their corrections); POT comes from the calendar, not events")
    func typesOfAKPI() {
        #expect(Self.oeeTypes() == ["state", "order", "count", "correction"])
        #expect(KPILineageEvents.Query.types(forElements: ["EC"]) == ["energy", "correction"])
        #expect(KPILineageEvents.Query.types(forElements: ["POT"]) == ["correction"])
        #expect(KPILineageEvents.Query.types(forElements: ["CMT", "APWT"]) == ["labor", "maintenance", "correction"])
    }

    @Test("the events behind OEE: edges first, then the window in time order, states counted, corrections attached",
        arguments: Backend.allCases)
    func oeeEvents(_ backend: Backend) async throws {
        let use = KPILineageEvents(store: try await Self.store(backend))
        let page = try await use.page(.init(units: [Self.u1], window: Self.window, types: Self.oeeTypes(), limit: 100))
        #expect(page.items.map(\.entry.entry.id) == ["o1", "s1", "s2", "c1", "s3", "c2", "k1"])
        #expect(page.next == nil)
        let byID = Dictionary(uniqueKeysWithValues: page.items.map { ($0.entry.entry.id, $0) })
        #expect(byID["o1"]?.edge == .openAtStart)
        #expect(byID["s1"]?.edge == .inForceAtStart)
        #expect(byID["s3"]?.edge == .runsPastEnd)
        #expect(byID["s2"]?.edge == nil && byID["c1"]?.edge == nil)
        func seconds(_ id: String) -> Int64? {
            byID[id]?.counted.map { ($0.end.milliseconds - $0.start.milliseconds) / 1000 }
        }
        #expect(seconds("s1") == 3600)
        #expect(byID["s1"]?.counted?.start == t("2026-06-10T06:00:00Z"))
        #expect(seconds("s2") == 9000)
        #expect(seconds("s3") == 3600)
        #expect(byID["s3"]?.counted?.end == Self.window.end)
        #expect(byID["c1"]?.counted == nil)
        #expect(byID["c2"]?.correctedBy == ["k1", "k2"])
        #expect(byID["c2"]?.voided == true)
        #expect(byID["c1"]?.correctedBy == [])
        // The counted state time adds up to the window: 3,600 + 9,000 + 3,600 = 16,200 s = 4.5 h.
        #expect(["s1", "s2", "s3"].compactMap(seconds).reduce(0, +) == 16_200)
        #expect(byID["c2"]?.entry.recordedBy == "test")
    }

    @Test("pages of two continue where the last ended and add up to the whole list", arguments: Backend.allCases)
    func paging(_ backend: Backend) async throws {
        let use = KPILineageEvents(store: try await Self.store(backend))
        var q = KPILineageEvents.Query(units: [Self.u1], window: Self.window, types: Self.oeeTypes(), limit: 2)
        let one = try await use.page(q)
        #expect(one.items.map(\.entry.entry.id) == ["o1", "s1", "s2", "c1"])
        #expect(one.items.first { $0.entry.entry.id == "s2" }?.counted.map { $0.end } == t("2026-06-10T09:30:00Z"))
        let next1: LedgerEventPosition = try #require(one.next)
        q.after = next1
        #expect(LedgerEventPosition(next1.description) == next1)
        let two = try await use.page(q)
        #expect(two.items.map(\.entry.entry.id) == ["s3", "c2"])
        #expect(two.items.first?.edge == .runsPastEnd)
        let next2: LedgerEventPosition = try #require(two.next)
        q.after = next2
        let three = try await use.page(q)
        #expect(three.items.map(\.entry.entry.id) == ["k1"])
        #expect(three.next == nil)
        #expect(try await use.all(q).count == 1)
    }

    @Test("every type: open labor and the energy reading too; a source filter keeps that source's events only",
        arguments: Backend.allCases)
    func filters(_ backend: Backend) async throws {
        let use = KPILineageEvents(store: try await Self.store(backend))
        let all = try await use.page(.init(units: [Self.u1], window: Self.window))
        #expect(all.items.map(\.entry.entry.id) == ["o1", "s1", "l3", "s2", "c1", "e1", "s3", "c2", "k1"])
        #expect(all.items.first { $0.entry.entry.id == "l3" }?.edge == .openAtStart)
        let erp = try await use.page(.init(units: [Self.u1], window: Self.window, sources: ["erp"]))
        #expect(erp.items.map(\.entry.entry.id) == ["o1"])
        let counts = try await use.page(.init(units: [Self.u1], window: Self.window, types: ["count"]))
        #expect(counts.items.map(\.entry.entry.id) == ["c1", "c2"])
        let both = try await use.page(
            .init(units: [Self.u1, "e/s/a/w/u2"], window: Self.window, types: ["state"]))
        #expect(both.items.map(\.entry.entry.id) == ["s1", "s2", "x1", "s3"])
        // x1 is u2's only state: in force to the window end, 08:00–10:30.
        #expect(both.items.first { $0.entry.entry.id == "x1" }?.counted == Interval(t("2026-06-10T08:00:00Z"), Self.window.end))
    }

    @Test("the CSV has the header, one row per event, and the counted seconds of states")
    func csv() async throws {
        let use = KPILineageEvents(store: try await Self.store(.sqlite))
        let items = try await use.all(.init(units: [Self.u1], window: Self.window, types: ["state"]))
        let text = KPILineageReport.csv(items)
        let rows = text.components(separatedBy: "\r\n")
        #expect(rows.first == KPILineageReport.csvColumns.joined(separator: ","))
        #expect(rows.count == 1 + 3 + 1)  // header, s1 s2 s3, and the empty string after the last CRLF
        #expect(rows.last == "")
        let s2 = rows[2].split(separator: ",", omittingEmptySubsequences: false)
        #expect(s2[1] == "s2" && s2[2] == "state" && s2[9] == "2026-06-10T07:00:00Z" && s2[10] == "2026-06-10T09:30:00Z")
        #expect(s2[11] == "9000")
    }
}
