import Foundation
import HummingbirdTesting
import Testing

@testable import SparServer

@Suite("Pages")
struct PageTests {
    @Test("every page answers 200 with the hand-worked numbers")
    func pages() async throws {
        try await ServerFixture().run { client in
            _ = try await client.post(ndjson: ServerFixture.day.joined(separator: "\n"))
            // Latest event 01:59:30, so pages are as of 02:00 and "today" is 00:00–02:00 UTC:
            // APT 1 h, down 1 h, availability 50.0 %.
            let overview = try await client.get("/")
            #expect(overview.status == .ok)
            #expect(overview.headers[.contentType] == "text/html; charset=utf-8")
            #expect(overview.text.contains(#"<span class="num" data-kpi="availability">50.0 %</span>"#))
            #expect(overview.text.contains(#"href="/scope/e/s""#))
            #expect(overview.text.contains("<svg class=\"spark\""))
            #expect(overview.text.contains("no shift running (no calendar: around the clock)"))

            let unit = try await client.get("/scope/e/s/a/w/u1?window=today")
            #expect(unit.status == .ok)
            let page = unit.text
            #expect(page.contains(#"data-kpi="availability">50.0 %</div>"#))
            #expect(page.contains("2026-06-10 00:00 UTC → 2026-06-10 02:00 UTC"))
            #expect(page.contains("<svg class=\"stacked\""))
            #expect(page.contains("<svg class=\"timeline\""))
            #expect(page.contains("<svg class=\"pareto\""))
            #expect(page.contains(">stuck</text>"))  // the only loss reason, 1.0 h
            #expect(page.contains("stuck (down): 1.0 h"))
            #expect(
                page.contains(
                    #"data-kpi-id="availability"><a class="lineage" href="/lineage?scope=e/s/a/w/u1&amp;from=2026-06-10T00:00:00Z&amp;to=2026-06-10T02:00:00Z&amp;kpi=availability" title="where does this come from">50.0 %</a></td>"#
                ))
            #expect(page.contains("APT / PBT"))

            let kpi = try await client.get("/kpis/availability")
            #expect(kpi.status == .ok)
            #expect(kpi.text.contains("<code>APT / PBT</code>"))
            #expect(kpi.text.contains(#"<td class="num">50.0 %</td>"#))

            let catalogue = try await client.get("/kpis")
            #expect(catalogue.status == .ok)
            #expect(catalogue.text.contains(#"href="/kpis/oee""#))

            let ingest = try await client.get("/ingest")
            #expect(ingest.status == .ok)
            #expect(ingest.text.contains("application/x-ndjson"))
            #expect(ingest.text.contains(#"<tr class="stale"><td>erp</td>"#))

            for asset in ["/assets/style.css", "/assets/live.js"] {
                #expect(try await client.get(asset).status == .ok)
            }
        }
    }
}
