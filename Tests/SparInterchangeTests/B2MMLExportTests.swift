import Foundation
import SparCore
import Testing

@testable import SparInterchange

@Suite("B2MML export")
struct B2MMLExportTests {
    let cnc1 = EquipmentPath("acme/tls/mach/line-1/cnc-1")
    let cnc2 = EquipmentPath("acme/tls/mach/line-1/cnc-2")

    func e(_ id: String, _ ts: String, _ unit: EquipmentPath, _ p: EventPayload) -> Event {
        Event(id: EventID(id), ts: Fixture.t(ts), source: "mes", unit: unit, payload: p)
    }

    /// WO-1 runs on cnc-1 from 06:00 to 10:00 (counts 10 good + 1 scrap at 08:00, 12 good + 2 rework at 10:00, the
    /// second naming no order); WO-2 starts on cnc-1 at 10:00 (8 good at 12:00) and WO-1 runs operation 2 on cnc-2
    /// from 07:00 (5 good at 09:00). A count at 05:00 (before the window) and one at 13:00 (after) are outside.
    var events: [Event] {
        [
            e("s1", "2026-03-02T06:00:00Z", cnc1, .order(OrderAction(order: "WO-1", action: .start, material: "RIB", plannedRunTimePerUnit: 60, plannedQuantity: 25))),
            e("c0", "2026-03-02T05:00:00Z", cnc1, .count(Count(good: 99, scrap: 0, rework: 0, order: "WO-0"))),
            e("c1", "2026-03-02T08:00:00Z", cnc1, .count(Count(good: 10, scrap: 1, rework: 0, order: "WO-1"))),
            e("c2", "2026-03-02T10:00:00Z", cnc1, .count(Count(good: 12, scrap: 0, rework: 2))),
            e("x1", "2026-03-02T10:00:00Z", cnc1, .order(OrderAction(order: "WO-1", action: .end))),
            e("s2", "2026-03-02T10:00:01Z", cnc1, .order(OrderAction(order: "WO-2", action: .start, material: "BRK", plannedRunTimePerUnit: 60, plannedQuantity: 8))),
            e("c3", "2026-03-02T12:00:00Z", cnc1, .count(Count(good: 8, scrap: 0, rework: 0))),
            e("c9", "2026-03-02T13:00:00Z", cnc1, .count(Count(good: 7, scrap: 0, rework: 0))),
            e("s3", "2026-03-02T07:00:00Z", cnc2, .order(OrderAction(order: "WO-1", action: .start, material: "RIB", plannedRunTimePerUnit: 60, plannedQuantity: 25, operation: 2))),
            e("c4", "2026-03-02T09:00:00Z", cnc2, .count(Count(good: 5, scrap: 0, rework: 0))),
        ]
    }

    var window: Interval { Interval(Fixture.t("2026-03-02T06:00:00Z"), Fixture.t("2026-03-02T12:30:00Z")) }

    @Test("performance per order and unit sums the counts in the window and knows which orders ended")
    func performance() {
        let p = B2MML.performance(events: events, window: window)
        #expect(
            p == [
                // 10+12 good, 1 scrap, 2 rework; the count without an order at 10:00 falls to WO-1, running then.
                .init(
                    order: "WO-1", unit: cnc1, material: "RIB", operation: nil, start: Fixture.t("2026-03-02T06:00:00Z"),
                    end: Fixture.t("2026-03-02T10:00:00Z"), completed: true, good: 22, scrap: 1, rework: 2),
                .init(
                    order: "WO-1", unit: cnc2, material: "RIB", operation: 2, start: Fixture.t("2026-03-02T07:00:00Z"),
                    end: Fixture.t("2026-03-02T09:00:00Z"), completed: false, good: 5, scrap: 0, rework: 0),
                .init(
                    order: "WO-2", unit: cnc1, material: "BRK", operation: nil, start: Fixture.t("2026-03-02T10:00:01Z"),
                    end: Fixture.t("2026-03-02T12:00:00Z"), completed: false, good: 8, scrap: 0, rework: 0),
            ])
    }

    @Test("the performance document validates against the B2MML V0700 schema")
    func performanceValidates() throws {
        let doc = B2MML.performanceDocument(
            B2MML.performance(events: events, window: window), scope: EquipmentPath("acme/tls"), window: window,
            level: "Site")
        #expect(try Fixture.schemaViolations(doc, schema: "B2MML-OperationsPerformance") == nil)
    }

    @Test("exported performance imported again gives the same quantities per order and unit, and the same ends")
    func performanceRoundTrip() throws {
        let segments = B2MML.performance(events: events, window: window)
        let doc = B2MML.performanceDocument(segments, scope: EquipmentPath("acme/tls"), window: window, level: "Site")
        let r = try B2MML.read(doc, model: b2mmlPlant, source: "erp")
        #expect(r.version == "V0700")
        #expect(r.problems.isEmpty)
        var counts: [String: Count] = [:]
        var ends: [String] = []
        for located in r.events {
            switch located.event.payload {
            case .count(let c): counts["\(c.order ?? "")@\(located.event.unit)"] = c
            case .order(let o) where o.action == .end: ends.append("\(o.order)@\(located.event.unit)@\(located.event.ts)")
            default: Issue.record("unexpected \(located.event.type)")
            }
        }
        #expect(
            counts == [
                "WO-1@\(cnc1)": Count(good: 22, scrap: 1, rework: 2, order: "WO-1"),
                "WO-1@\(cnc2)": Count(good: 5, scrap: 0, rework: 0, order: "WO-1"),
                "WO-2@\(cnc1)": Count(good: 8, scrap: 0, rework: 0, order: "WO-2"),
            ])
        #expect(ends == ["WO-1@\(cnc1)@2026-03-02T10:00:00Z"])
    }

    @Test("the equipment document validates against the B2MML V0700 schema")
    func equipmentValidates() throws {
        #expect(try Fixture.schemaViolations(B2MML.equipmentDocument(b2mmlPlant), schema: "B2MML-Equipment") == nil)
    }

    @Test("exported equipment imported into a model that lacks a unit, a work center and a site gives back the model")
    func equipmentRoundTrip() throws {
        let doc = B2MML.equipmentDocument(b2mmlPlant)
        let same = try B2MML.read(doc, model: b2mmlPlant, source: "erp")
        #expect(same.problems.isEmpty)
        #expect(same.proposedModel == nil)
        #expect(same.records == ["equipment": 14])  // 1 enterprise + 2 sites + 3 areas + 3 work centers + 5 units
        var smaller = b2mmlPlant
        smaller.sites.removeLast()
        smaller.sites[0].areas[1].workCenters[0].workUnits.removeFirst()
        smaller.sites[0].areas[0].workCenters.removeAll()
        let r = try B2MML.read(doc, model: smaller, source: "erp")
        #expect(r.problems.isEmpty)
        var back = try #require(r.proposedModel)
        // The import appends what was missing; cnc-1 comes back after cnc-2.
        back.sites[0].areas[1].workCenters[0].workUnits.sort { $0.id < $1.id }
        #expect(back == b2mmlPlant)
        #expect(
            r.masterDataChanges == [
                "added unit acme/tls/comp/layup/cell-1", "added unit acme/tls/comp/layup/cell-2",
                "added unit acme/tls/mach/line-1/cnc-1", "added unit acme/wic/mach/line-1/cnc-1",
            ])
    }

    @Test("a document Spar did not write is caught by the schema check (the check can fail)")
    func schemaCheckCanFail() throws {
        let bad = Data(#"<OperationsPerformance xmlns="http://www.mesa.org/xml/B2MML"><Nonsense/></OperationsPerformance>"#.utf8)
        #expect(try Fixture.schemaViolations(bad, schema: "B2MML-OperationsPerformance") != nil)
    }
}
