import Foundation
import HummingbirdTesting
import SparCore
import SparInterchange
import SparTestSupport
import Testing

@testable import SparServer

/// `xmllint --noout --schema KPI-ML-V01.xsd` over a response body; fails (never skips) without xmllint.
func expectValidKPIML(_ r: TestResponse, _ what: String) throws {
    let problems = try XMLLint.problems(Data(r.text.utf8), schema: XMLLint.kpimlSchema)
    #expect(problems == nil, "\(what): \(problems ?? "")")
}

@Suite("GET /api/export/kpi-ml/definitions and /values")
struct KPIMLAPITests {
    static let window = "from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z"

    @Test("definitions: a valid SyncKPIDefinition of the 34 KPIs, of the version asked for")
    func definitions() async throws {
        try await ServerFixture().run { client in
            let r = try await client.get("/api/export/kpi-ml/definitions")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/xml")
            try expectValidKPIML(r, "definitions")
            let root = try XMLTree.parse(Data(r.text.utf8))
            #expect(root.namespace == KPIML.namespace)
            // The server clock of the fixture.
            #expect(root.descendant("ApplicationArea", "CreationDateTime")?.text == "2026-06-11T00:00:00Z")
            let definitions = root.child("DataArea")?.children("KPIDefinition") ?? []
            #expect(definitions.count == 34)
            // The ledger's version in force is spar-kpi-2: NEE = AUPT / PBT × effectiveness × qualityRatio.
            #expect(definitions.first { $0.value("ID") == "nee" }?.value("Formula") == "AUPT / PBT × effectiveness × qualityRatio")

            let v1 = try await client.get("/api/export/kpi-ml/definitions?definition=spar-kpi-1")
            #expect(v1.status == .ok)
            try expectValidKPIML(v1, "spar-kpi-1")
            let nee = try XMLTree.parse(Data(v1.text.utf8)).child("DataArea")?.children("KPIDefinition")
                .first { $0.value("ID") == "nee" }
            #expect(nee?.value("Formula") == "(APT / (PBT − AUST)) × effectiveness × qualityRatio")
            #expect(nee?.children("Notes").first?.text.contains("spar-kpi-1") == true)

            let bad = try await client.get("/api/export/kpi-ml/definitions?definition=spar-kpi-9")
            #expect(bad.status == .badRequest)
            #expect(bad.headers[.contentType] == "application/problem+json")
            #expect(try bad.json()["code"]?.string == "unknown-definition")
            #expect(try bad.json()["field"]?.string == "definition")
        }
    }

    @Test("values: a valid SyncKPIValue whose values are those of GET /api/kpi for the same query")
    func values() async throws {
        try await ServerFixture().run { client in
            _ = try await client.post(ndjson: ServerFixture.day.joined(separator: "\n"))
            let r = try await client.get("/api/export/kpi-ml/values?scope=\(ServerFixture.unit)&\(Self.window)")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/xml")
            try expectValidKPIML(r, "values")
            let values = try XMLTree.parse(Data(r.text.utf8)).child("DataArea")?.children("KPIValue") ?? []
            let byKPI = Dictionary(
                values.compactMap { v in v.value("KPIInstanceID").map { ($0, v) } }, uniquingKeysWith: { a, _ in a })
            // No calendar: PBT = 2 h; APT = 1 h of production: availability = 3600 / 7200 = 0.5.
            let availability = try #require(byKPI["availability@e/s/a/w/u1"])
            #expect(availability.value("Value") == "0.5")
            #expect(availability.descendant("TimeRange", "StartTime")?.text == "2026-06-10T00:00:00Z")
            #expect(availability.descendant("TimeRange", "EndTime")?.text == "2026-06-10T02:00:00Z")
            // No count, so OEE is null in /api/kpi and has no KPIValue here.
            #expect(byKPI["oee@e/s/a/w/u1"] == nil)

            let json = try await client.get("/api/kpi?scope=\(ServerFixture.unit)&\(Self.window)").json()
            guard case .object(let kpis)? = json["kpis"] else {
                Issue.record("no kpis")
                return
            }
            let numbers = kpis.compactMapValues(\.number)
            #expect(Set(byKPI.keys) == Set(numbers.keys.map { "\($0)@e/s/a/w/u1" }))
            for (id, n) in numbers {
                #expect(Double(byKPI["\(id)@e/s/a/w/u1"]?.value("Value") ?? "") == n, "\(id)")
            }
            // Lineage: the three events (two states and the energy reading) of source mes.
            let properties = availability.children("Property").map { ($0.value("ID"), $0.value("Value")) }
            #expect(properties.contains { $0 == ("events", "3") })
            #expect(availability.children("Description").contains { $0.text.contains("source systems mes") })
        }
    }

    @Test("bad value queries are 400 problems naming the parameter", arguments: [
        ("/api/export/kpi-ml/values?scope=e/s/zzz&\(window)", "unknown-scope", "scope"),
        ("/api/export/kpi-ml/values?scope=e&from=yesterday&to=2026-06-10T02:00:00Z", "invalid-time", "from"),
        ("/api/export/kpi-ml/values?\(window)", "missing-parameter", "scope"),
        ("/api/export/kpi-ml/values?scope=e&\(window)&shift=Z", "unknown-shift", "shift"),
        ("/api/export/kpi-ml/values?scope=e&\(window)&definition=x", "unknown-definition", "definition"),
    ])
    func badQueries(uri: String, code: String, field: String) async throws {
        try await ServerFixture().run { client in
            let r = try await client.get(uri)
            #expect(r.status == .badRequest)
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(try r.json()["code"]?.string == code)
            #expect(try r.json()["field"]?.string == field)
        }
    }

    @Test("a user of site s exports the values of s, never those of t or of the enterprise")
    func siteScope() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            try await SiteScopeTests.seed(client, fixture)
            let session = try await client.signIn("op-s")
            for uri in [
                "/api/export/kpi-ml/values?scope=e/t&\(Self.window)", "/api/export/kpi-ml/values?scope=e/t/a/w/u1&\(Self.window)",
                "/api/export/kpi-ml/values?scope=e&\(Self.window)",
            ] {
                let r = try await client.send(uri, session: session)
                #expect(r.status == .forbidden, "\(uri)")
                #expect(try r.json()["code"]?.string == "forbidden-site", "\(uri)")
            }
            let own = try await client.send("/api/export/kpi-ml/values?scope=e/s&\(Self.window)", session: session)
            #expect(own.status == .ok)
            try expectValidKPIML(own, "own site")
            // Site s holds one production state from 00:00: availability over the two hours is 1.
            let values = try XMLTree.parse(Data(own.text.utf8)).child("DataArea")?.children("KPIValue") ?? []
            #expect(values.first { $0.value("KPIInstanceID") == "availability@e/s" }?.value("Value") == "1")
            #expect(try await client.send("/api/export/kpi-ml/definitions", session: session).status == .ok)
            // Without a session: 401.
            let anonymous = try await client.send("/api/export/kpi-ml/definitions", session: nil)
            #expect(anonymous.status == .unauthorized)
            // The enterprise-wide auditor reads the enterprise.
            let auditor = try await client.signIn("aud-all")
            #expect(try await client.send("/api/export/kpi-ml/values?scope=e&\(Self.window)", session: auditor).status == .ok)
        }
    }
}
