import Foundation
import HummingbirdTesting
import SparCore
import SparInterchange
import SparTestSupport
import Testing

@testable import SparServer

@Suite("Overview: this shift")
struct ShiftOverviewTests {
    /// Site `s` in Tokyo (UTC+09:00, no DST) with shift A 09:30–17:30 and N 17:30–01:30 local on weekdays; 2026-06-10
    /// is a Wednesday. Shift A runs 00:30–08:30 UTC.
    static let calendar = WorkCalendar(
        id: "two", shifts: [Fixtures.shift("A", "09:30", "17:30"), Fixtures.shift("N", "17:30", "01:30")])
    static let plant = Fixtures.plant(timeZone: "Asia/Tokyo", siteCalendar: "two", calendars: [calendar])

    @Test("the overview's shift block is [shift start, as-of) and equals the engine's and the API's numbers")
    func shiftBlock() async throws {
        try await ServerFixture(plant: Self.plant).run { client in
            _ = try await client.post(ndjson: ServerFixture.day.joined(separator: "\n"))
            // As of 02:00 UTC (11:00 local), inside shift A since 00:30 UTC: the window is 00:30–02:00, all planned.
            // APT 00:30–01:00 = 0.5 h, down 01:00–02:00 = 1 h: availability = 0.5 / 1.5 = 33.3 %.
            let page = try await client.get("/").text
            #expect(page.contains("shift A since 2026-06-10 09:30 UTC+09:00"))
            let block = #"data-live-scope="e/s" data-from="2026-06-10T00:30:00Z" data-to="2026-06-10T02:00:00Z""#
                + #" data-follow="1" data-slide="" data-until="2026-06-10T08:30:00Z">"#
            #expect(page.contains(block))
            let cells = page.components(separatedBy: block).dropFirst().first ?? ""
            #expect(cells.hasPrefix(#"<div class="muted small shift-label">"#))
            #expect(cells.contains(#"<span class="num" data-kpi="availability">33.3 %</span>"#))

            let events = ServerFixture.day.enumerated().compactMap { i, line in
                try? EventCoding.decode(line: Substring(line), lineNumber: i + 1).get()
            }
            let engine = KPIEngine(
                model: Self.plant, events: events, plantModelVersion: PlantModelFile.fingerprint(Self.plant))
            let expected = try engine.result(
                KPIQuery(scope: EquipmentPath("e/s"), from: t("2026-06-10T00:30:00Z"), to: t("2026-06-10T02:00:00Z")))
            let availability = try #require(expected.kpi("availability")?.number)
            #expect(abs(availability - 1.0 / 3.0) < 1e-9)
            for id in PageController.headline {
                let shown = Format.percent(expected.kpi(id)?.number)
                #expect(cells.contains(#"data-kpi="\#(id)">\#(shown)</span>"#))
            }
            let api = try await client.get(
                "/api/kpi?scope=e/s&from=2026-06-10T00:30:00Z&to=2026-06-10T02:00:00Z")
            #expect(api.text == KPIResultJSON.text(expected) + "\n")
        }
    }

    @Test("between shifts the last one that ended is shown whole; no calendar means no shift")
    func shiftChoice() throws {
        let zone = try #require(LocalTime(identifier: "Asia/Tokyo"))
        let dayOnly = WorkCalendar(id: "day", shifts: [Fixtures.shift("A", "09:30", "17:30")])
        let ended = try #require(PageWindow.shift(calendar: dayOnly, zone: zone, asOf: t("2026-06-10T09:00:00Z")))
        #expect(ended.name == "A" && !ended.running)
        #expect(ended.window.from == t("2026-06-10T00:30:00Z") && ended.window.to == t("2026-06-10T08:30:00Z"))
        #expect(!ended.window.follows)
        let night = try #require(PageWindow.shift(calendar: Self.calendar, zone: zone, asOf: t("2026-06-10T09:00:00Z")))
        #expect(night.name == "N" && night.running && night.window.from == t("2026-06-10T08:30:00Z"))
        #expect(PageWindow.shift(calendar: nil, zone: zone, asOf: t("2026-06-10T09:00:00Z")) == nil)
    }
}
