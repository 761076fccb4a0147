import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparInterchange
import Testing

@testable import SparServer

/// `GET /api/kpi/lineage`, the lineage page and the audit-trail entry page on the hand-worked day of
/// ``ServerFixture/day``: production 00:00–01:00, down from 01:00, an energy reading at 01:59:30.
@Suite("KPI lineage over HTTP")
struct LineageAPITests {
    static let base = "/api/kpi/lineage?scope=e/s/a/w/u1&from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z"

    static func ids(_ r: TestResponse) throws -> [String] {
        try r.json()["events"]?.array?.compactMap { $0["id"]?.string } ?? []
    }

    @Test("availability 50 %: its elements, formula and the two states behind it, each counted one hour")
    func availability() async throws {
        try await ServerFixture().run { client in
            #expect(try await client.post(ndjson: ServerFixture.day.joined(separator: "\n")).status == .ok)
            let r = try await client.get(Self.base + "&kpi=availability")
            #expect(r.status == .ok)
            let o = try r.json()
            #expect(o["kpi"]?["value"]?.number == 0.5)
            #expect(o["kpi"]?["formula"]?.string == "APT / PBT")
            #expect(o["elements"]?["APT"]?.number == 3600)
            #expect(o["elements"]?["PBT"]?.number == 7200)
            #expect(o["definitionVersion"]?.string == KPICatalogue.defaultVersion)
            #expect(o["sources"]?.array?.compactMap(\.string) == ["mes"])
            let events = o["events"]?.array ?? []
            #expect(events.compactMap { $0["id"]?.string } == ["r1", "d1"])
            #expect(events.map { $0["counted"]?["seconds"]?.number } == [3600, 3600])
            #expect(events.map { $0["edge"]?.string } == [nil, "runsPastEnd"])
            #expect(events[0]["audit"]?.string == "/audit/entries/r1")
            #expect(events[0]["recordedBy"]?.string?.isEmpty == false)
            #expect(events[0]["body"]?["reason"]?.string == "run")
            #expect(o["next"] == .null)

            // Every type: the energy reading too; one type; paging by one.
            #expect(try Self.ids(await client.get(Self.base)) == ["r1", "d1", "k1"])
            #expect(try Self.ids(await client.get(Self.base + "&type=energy")) == ["k1"])
            #expect(try Self.ids(await client.get(Self.base + "&source=erp")) == [])
            let first = try await client.get(Self.base + "&limit=1")
            #expect(try Self.ids(first) == ["r1"])
            let next = try #require(try first.json()["next"]?.string)
            #expect(try Self.ids(await client.get(Self.base + "&limit=1&after=\(next)")) == ["d1"])

            // Refusals name the parameter.
            for (query, code, field) in [
                ("&type=bogus", "invalid-parameter", "type"), ("&kpi=nope", "unknown-kpi", "kpi"),
                ("&after=xyz", "invalid-parameter", "after"), ("&limit=0", "invalid-parameter", "limit"),
                ("&format=xml", "invalid-parameter", "format"),
            ] {
                let bad = try await client.get(Self.base + query)
                #expect(bad.status == .badRequest, "\(query)")
                #expect(try bad.json()["code"]?.string == code, "\(query)")
                #expect(try bad.json()["field"]?.string == field, "\(query)")
            }
            let unknown = try await client.get(
                "/api/kpi/lineage?scope=e/s/a/w/nope&from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z")
            #expect(unknown.status == .badRequest)
            #expect(try unknown.json()["code"]?.string == "unknown-scope")

            // CSV: every event, a header row, CRLF.
            let csv = try await client.get(Self.base + "&format=csv")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let rows = csv.text.components(separatedBy: "\r\n")
            #expect(rows.count == 5)
            #expect(rows[0].hasPrefix("seq,id,type,unit,source,ts,recordedAt"))
            // Entry 1 is the plant model; the day's events are 2, 3 and 4.
            #expect(rows[2].hasPrefix("3,d1,state,e/s/a/w/u1,mes,2026-06-10T01:00:00Z,"))

            // A correction voids d1: the lineage links it, and d1's audit page shows it.
            let void = #"{"id":"v1","ts":"2026-06-10T01:30:00Z","source":"mes","unit":"e/s/a/w/u1","type":"correction","corrects":"d1","void":true}"#
            #expect(try await client.post(ndjson: void).json()["accepted"]?.number == 1)
            let after = try await client.get(Self.base + "&kpi=availability").json()
            let d1 = after["events"]?.array?.first { $0["id"]?.string == "d1" }
            #expect(d1?["correctedBy"]?.array?.compactMap(\.string) == ["v1"])
            #expect(d1?["voided"] == .bool(true))
            // With d1 voided, production runs on to the window end: availability 100 %.
            #expect(after["kpi"]?["value"]?.number == 1)

            let entry = try await client.get("/audit/entries/d1", accept: "text/html")
            #expect(entry.status == .ok)
            #expect(entry.text.contains(#"<code id="entry-id">d1</code>"#))
            #expect(entry.text.contains(#"<dd id="entry-seq">3</dd>"#))
            #expect(entry.text.contains(#"<a href="/audit/entries/v1">v1</a>"#))
            let correction = try await client.get("/audit/entries/v1", accept: "text/html")
            #expect(correction.text.contains(#"<a href="/audit/entries/d1" id="entry-target">d1</a>"#))
            #expect(try await client.get("/audit/entries/nope").status == .notFound)

            // The page: the value, the events, each linking to its audit entry.
            let page = try await client.get(
                "/lineage?scope=e/s/a/w/u1&from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z&kpi=availability",
                accept: "text/html")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<span class="num" id="lineage-value">100.0 %</span>"#))
            #expect(page.text.contains(#"<tr data-id="r1">"#))
            #expect(page.text.contains(#"<tr data-id="d1" class="null">"#))
            #expect(page.text.contains(#"<a class="audit" href="/audit/entries/d1">entry 3</a>"#))
        }
    }
}
