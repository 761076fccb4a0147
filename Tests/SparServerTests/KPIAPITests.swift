import Foundation
import HummingbirdTesting
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparTestSupport
import Testing

@testable import SparServer

@Suite("GET /api/kpi and the plant model routes")
struct KPIAPITests {
    static let window = "from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z"

    @Test("availability of 1 h run + 1 h down is 0.5, and the body is what KPIEngine gives for the same events")
    func handWorked() async throws {
        try await ServerFixture().run { client in
            _ = try await client.post(ndjson: ServerFixture.day.joined(separator: "\n"))
            let r = try await client.get("/api/kpi?scope=\(ServerFixture.unit)&\(Self.window)")
            #expect(r.status == .ok)
            let j = try r.json()
            // No calendar: POT = PBT = 2 h = 7200 s; APT = 00:00–01:00 = 3600 s; ADOT = 01:00–02:00 = 3600 s.
            // availability = APT / PBT = 3600 / 7200 = 0.5.
            #expect(j["elements"]?["PBT"]?.number == 7200)
            #expect(j["elements"]?["APT"]?.number == 3600)
            #expect(j["elements"]?["ADOT"]?.number == 3600)
            #expect(j["kpis"]?["availability"]?.number == 0.5)
            #expect(j["kpis"]?["oee"] == .null)  // no count, so no PQ: effectiveness and OEE are null, never 0
            #expect(j["lineage"]?["events"]?.number == 3)  // two states and the energy reading (EC = 12.5 kWh)
            #expect(j["elements"]?["EC"]?.number == 12.5)

            // The same events straight into the engine, rendered as `spar kpi --format json` renders them.
            let events = ServerFixture.day.enumerated().compactMap { i, line in
                try? EventCoding.decode(line: Substring(line), lineNumber: i + 1).get()
            }
            let model = Fixtures.plant()
            let engine = KPIEngine(model: model, events: events, plantModelVersion: PlantModelFile.fingerprint(model))
            let expected = try engine.result(
                KPIQuery(scope: EquipmentPath(ServerFixture.unit), from: t("2026-06-10T00:00:00Z"), to: t("2026-06-10T02:00:00Z")))
            #expect(r.text == KPIResultJSON.text(expected) + "\n")
        }
    }

    @Test("the server answers from the persisted projection: events another process appends to the ledger are in the next answer and the sources")
    func appendsByAnotherProcess() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { client in
            _ = try await client.post(ndjson: ServerFixture.day.joined(separator: "\n"))
            let wide = "from=2026-06-10T00:00:00Z&to=2026-06-10T04:00:00Z"
            let before = try await client.get("/api/kpi?scope=\(ServerFixture.unit)&\(wide)").json()
            // 00:00–01:00 run, then down to the end of the window: APT 1 h of PBT 4 h.
            #expect(before["kpis"]?["availability"]?.number == 0.25)

            // Another process (spar ingest, a connector) appends to the same ledger file: production again from 03:00.
            let other = try SQLiteLedgerStore(path: fixture.configuration.database)
            let line = ServerFixture.state("r2", "2026-06-10T03:00:00Z", "production", reason: "run")
            let event = try EventCoding.decode(line: Substring(line), lineNumber: 1).get()
            let report = try await IngestEvents(
                model: Fixtures.plant(), store: other, recordedBy: "other", now: { ServerFixture.clock }
            ).ingest(events: [(1, event)])
            #expect(report.accepted == 1)

            // 00:00–01:00 and 03:00–04:00 run: APT 2 h of PBT 4 h; ADOT 01:00–03:00.
            let after = try await client.get("/api/kpi?scope=\(ServerFixture.unit)&\(wide)").json()
            #expect(after["kpis"]?["availability"]?.number == 0.5)
            #expect(after["elements"]?["ADOT"]?.number == 7200)
            #expect(after["lineage"]?["events"]?.number == 4)
            #expect(try await client.get("/health").json()["events"]?.number == 4)
            let page = try await client.get("/scope/\(ServerFixture.unit)?from=2026-06-10T00:00:00Z&to=2026-06-10T04:00:00Z")
            #expect(page.status == .ok)
            #expect(page.text.contains("50.0 %"), "the unit page shows availability 50.0 %")
            // The loss Pareto: `stuck` 01:00–03:00 inside PBT.
            #expect(page.text.contains("stuck"))
        }
    }

    @Test("bad KPI queries are 400 problems naming the parameter", arguments: [
        ("/api/kpi?scope=e/s/zzz&\(window)", "unknown-scope", "scope"),
        ("/api/kpi?scope=e&from=yesterday&to=2026-06-10T02:00:00Z", "invalid-time", "from"),
        ("/api/kpi?scope=e&from=2026-06-10T00:00:00Z", "missing-parameter", "to"),
        ("/api/kpi?from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z", "missing-parameter", "scope"),
        ("/api/kpi?scope=e&from=2026-06-10T02:00:00Z&to=2026-06-10T00:00:00Z", "empty-window", "to"),
        ("/api/kpi?scope=e&\(window)&shift=Z", "unknown-shift", "shift"),
        ("/api/kpi?scope=e&from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z", "window-too-long", "to"),
        ("/api/stream?max=-1", "invalid-parameter", "max"),
    ])
    func badQueries(uri: String, code: String, field: String) async throws {
        try await ServerFixture().run { client in
            let r = try await client.get(uri)
            #expect(r.status == .badRequest)
            #expect(r.headers[.contentType] == "application/problem+json")
            let p = try r.json()
            #expect(p["code"]?.string == code)
            #expect(p["field"]?.string == field)
        }
    }

    @Test("an unknown route is a 404 problem")
    func unknownRoute() async throws {
        try await ServerFixture().run { client in
            let r = try await client.get("/api/nothing")
            #expect(r.status == .notFound)
            #expect(try r.json()["code"]?.string == "not-found")
            let k = try await client.get("/kpis/nope")
            #expect(k.status == .notFound)
            #expect(try k.json()["code"]?.string == "unknown-kpi")
            let s = try await client.get("/scope/e/zzz", accept: "text/html")
            #expect(s.status == .notFound)
            #expect(s.headers[.contentType] == "text/html; charset=utf-8")
        }
    }

    @Test("equipment, reasons and systems come from the ledger's plant model")
    func plantModelRoutes() async throws {
        try await ServerFixture().run { client in
            _ = try await client.post(ndjson: ServerFixture.day.joined(separator: "\n"))
            let e = try await client.get("/api/equipment").json()
            let unit = e["sites"]?.array?.first?["areas"]?.array?.first?["workCenters"]?.array?.first?["workUnits"]?.array?.first
            #expect(unit?["path"]?.string == ServerFixture.unit)
            #expect(unit?["timeZone"]?.string == "UTC")
            let reasons = try await client.get("/api/reasons").json()["reasons"]?.array ?? []
            #expect(reasons.count == Fixtures.reasons.count)
            #expect(reasons.contains { $0["code"]?.string == "spindle" && $0["failure"] == .bool(true) })
            let systems = try await client.get("/api/systems").json()["systems"]?.array ?? []
            let mes = systems.first { $0["id"]?.string == "mes" }
            #expect(mes?["events"]?.number == 3)
            #expect(mes?["lastEventTime"]?.string == "2026-06-10T01:59:30Z")
            #expect(mes?["stale"] == .bool(false))
            // erp sent nothing while mes did: stale.
            #expect(systems.first { $0["id"]?.string == "erp" }?["stale"] == .bool(true))
            let bp = try await client.get("/api/blueprint/analysis")
            #expect(bp.status == .notFound)
            #expect(try bp.json()["code"]?.string == "blueprint-not-recorded")
        }
    }

    @Test("a --plant that is not the ledger's model refuses to start")
    func plantMismatch() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        _ = try await buildApplication(fixture.configuration)  // records the fixture plant
        var other = fixture.configuration
        let otherPlant = fixture.folder.appendingPathComponent("other.json").path
        try PlantModelFile.canonicalJSON(Fixtures.plant(timeZone: "Europe/Paris"))
            .write(toFile: otherPlant, atomically: true, encoding: .utf8)
        other.plantPath = otherPlant
        await #expect(throws: ServerStartError.self) { _ = try await buildApplication(other) }
    }
}
