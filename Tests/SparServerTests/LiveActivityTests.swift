import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import Testing

@testable import SparServer

@Suite("The server's activity after appends")
struct LiveActivityTests {
    static func event(_ id: String, _ ts: String, site: String, source: String) -> String {
        JSONValue.object([
            "id": .string(id), "ts": .string(ts), "source": .string(source), "unit": .string("e/\(site)/a/w/u1"),
            "type": .string("state"), "state": .string("production"), "reason": .string("run"),
        ]).canonical
    }

    /// Events, sources and event-time range in total and per site, as text to compare.
    static func summary(_ s: LiveSnapshot) -> String {
        func sources(_ d: [String: SourceActivity]) -> String {
            d.keys.sorted().map { "\($0)=\(d[$0]!.events)@\(d[$0]!.lastEventTime?.rfc3339 ?? "-")" }.joined(separator: ",")
        }
        var lines = [
            "all \(s.eventCount) \(s.earliestEventTime?.rfc3339 ?? "-") \(s.latestEventTime?.rfc3339 ?? "-") \(sources(s.sources))"
        ]
        for site in s.siteActivity.keys.sorted() {
            let a = s.siteActivity[site]!
            lines.append(
                "\(site) \(a.events) \(a.earliest?.rfc3339 ?? "-") \(a.latest?.rfc3339 ?? "-") \(sources(a.sources))")
        }
        return lines.joined(separator: "\n")
    }

    @Test(
        "after each POST the counts, sources and event times per site equal a full read of the ledger, also after another process appended"
    )
    func incremental() async throws {
        let fixture = try ServerFixture(plant: GovernedFixture.plant())
        defer { fixture.remove() }
        let live = try await loadLiveLedger(fixture.configuration)
        func post(_ lines: [String]) async throws -> BatchOutcome {
            let decoded = EventBatchDecoder.lines(Data(lines.joined(separator: "\n").utf8))
            return try await live.post(decoded, contentType: "application/x-ndjson", principal: nil)
        }
        func fullRead() async throws -> String {
            Self.summary(try await loadLiveLedger(fixture.configuration).snapshot())
        }

        _ = try await post([
            Self.event("a1", "2026-06-10T01:00:00Z", site: "s", source: "mes"),
            Self.event("a2", "2026-06-10T02:00:00Z", site: "s", source: "mes"),
            Self.event("b1", "2026-06-10T03:00:00Z", site: "t", source: "erp"),
        ])
        #expect(Self.summary(await live.snapshot()) == (try await fullRead()))

        // A duplicate, a late event on t and a new source on s.
        let second = try await post([
            Self.event("a1", "2026-06-10T01:00:00Z", site: "s", source: "mes"),
            Self.event("b0", "2026-06-09T23:00:00Z", site: "t", source: "mes"),
            Self.event("c1", "2026-06-10T04:00:00Z", site: "s", source: "xls"),
        ])
        #expect(second.accepted == 2 && second.duplicates == 1)
        #expect(Self.summary(await live.snapshot()) == (try await fullRead()))

        // Another process appends to the same ledger; the server's next POST must not miss it.
        let other = try SQLiteLedgerStore(path: fixture.configuration.database)
        let ingest = IngestEvents(
            model: GovernedFixture.plant(), store: other, recordedBy: "cli", now: { ServerFixture.clock })
        let decoded = EventBatchDecoder.lines(Data(Self.event("d1", "2026-06-10T05:00:00Z", site: "t", source: "erp").utf8))
        #expect(try await ingest.ingest(events: [(line: 1, event: try decoded[0].result.get())]).accepted == 1)
        _ = try await post([Self.event("a3", "2026-06-10T06:00:00Z", site: "s", source: "mes")])
        let final = Self.summary(await live.snapshot())
        #expect(final == (try await fullRead()))
        #expect(
            final == """
                all 7 2026-06-09T23:00:00Z 2026-06-10T06:00:00Z erp=2@2026-06-10T05:00:00Z,mes=4@2026-06-10T06:00:00Z,xls=1@2026-06-10T04:00:00Z
                s 4 2026-06-10T01:00:00Z 2026-06-10T06:00:00Z mes=3@2026-06-10T06:00:00Z,xls=1@2026-06-10T04:00:00Z
                t 3 2026-06-09T23:00:00Z 2026-06-10T05:00:00Z erp=2@2026-06-10T05:00:00Z,mes=1@2026-06-09T23:00:00Z
                """)
    }
}
