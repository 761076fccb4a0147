import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparEngine
import SparInterchange
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

@testable import SparServer

@Suite("B2MML over HTTP")
struct B2MMLAPITests {
    /// WO-1 on e/s/a/w/u1 from 00:00Z: PRU 60 s, 100 planned.
    static let schedule = """
        <?xml version="1.0" encoding="UTF-8"?>
        <OperationsSchedule xmlns="http://www.mesa.org/xml/B2MML">
          <ID>S-1</ID>
          <OperationsRequest>
            <ID>WO-1</ID>
            <SegmentRequirement>
              <ID>10</ID>
              <EarliestStartTime>2026-06-10T00:00:00Z</EarliestStartTime>
              <EquipmentRequirement><EquipmentID>u1</EquipmentID></EquipmentRequirement>
              <MaterialRequirement><MaterialDefinitionID>RIB</MaterialDefinitionID><MaterialUse>Produced</MaterialUse>
                <Quantity><QuantityString>100</QuantityString></Quantity></MaterialRequirement>
              <SegmentParameter><ID>PlannedRunTimePerUnit</ID><Value><ValueString>60</ValueString></Value></SegmentParameter>
            </SegmentRequirement>
          </OperationsRequest>
        </OperationsSchedule>
        """

    /// WO-1 completed at 02:00Z on u1: 50 good, 5 scrap.
    static let performance = """
        <OperationsPerformance xmlns="http://www.mesa.org/xml/B2MML">
          <OperationsResponse>
            <ID>R-1</ID><OperationsRequestID>WO-1</OperationsRequestID>
            <SegmentResponse>
              <ID>10</ID><ActualEndTime>2026-06-10T02:00:00Z</ActualEndTime><SegmentState>Completed</SegmentState>
              <EquipmentActual><EquipmentID>e/s/a/w/u1</EquipmentID></EquipmentActual>
              <MaterialActual><MaterialUse>Produced</MaterialUse><Quantity><QuantityString>50</QuantityString></Quantity></MaterialActual>
              <MaterialActual><MaterialUse>Produced</MaterialUse><Quantity><QuantityString>5</QuantityString></Quantity>
                <MaterialActualProperty><ID>Disposition</ID><Value><ValueString>Scrap</ValueString></Value></MaterialActualProperty>
              </MaterialActual>
            </SegmentResponse>
          </OperationsResponse>
        </OperationsPerformance>
        """

    static let equipment = """
        <EquipmentInformation xmlns="http://www.mesa.org/xml/B2MML-V0600">
          <Equipment><ID>u2</ID><EquipmentLevel>WorkUnit</EquipmentLevel>
            <HierarchyScope><EquipmentID>w</EquipmentID><EquipmentLevel>ProductionLine</EquipmentLevel></HierarchyScope>
          </Equipment>
        </EquipmentInformation>
        """

    func post(_ client: any TestClientProtocol, _ body: String, query: String = "source=erp&file=f.xml") async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/api/import/b2mml?\(query)", method: .post, headers: [.contentType: "application/xml"],
            body: ByteBuffer(string: body))
    }

    @Test("a schedule and a performance message become events the KPIs read; re-posting duplicates; both are recorded")
    func importsAndKPIs() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let app = try await buildApplication(fixture.configuration)
        try await app.test(.router) { client in
            let s = try await post(client, Self.schedule)
            #expect(s.status == .ok, "\(s.text)")
            let sj = try s.json()
            #expect(sj["accepted"]?.number == 1)
            #expect(sj["import"]?["version"]?.string == "V0700")
            #expect(sj["import"]?["records"]?["order"]?.number == 1)
            let p = try await post(client, Self.performance).json()
            #expect(p["accepted"]?.number == 2, "a count and an order end")
            // 00:00–03:00: 55 produced, 50 good: quality ratio 50/55.
            let kpi = try await client.get("/api/kpi?scope=e/s/a/w/u1&from=2026-06-10T00:00:00Z&to=2026-06-10T03:00:00Z")
            let k = try kpi.json()
            #expect(k["elements"]?["GQ"]?.number == 50, "\(kpi.text)")
            #expect(k["elements"]?["SQ"]?.number == 5)
            #expect(abs((k["kpis"]?["qualityRatio"]?.number ?? 0) - 50.0 / 55) < 1e-12)
            let again = try await post(client, Self.schedule).json()
            #expect(again["accepted"]?.number == 0 && again["duplicates"]?.number == 1)

            let export = try await client.get(
                "/api/export/b2mml/performance?scope=e/s&from=2026-06-10T00:00:00Z&to=2026-06-10T03:00:00Z")
            #expect(export.status == .ok)
            #expect(export.headers[.contentType] == "application/xml; charset=utf-8")
            let back = try B2MML.read(Data(export.text.utf8), model: Fixtures.plant(), source: "erp")
            let counts = back.events.compactMap { l -> Count? in
                if case .count(let c) = l.event.payload { return c }
                return nil
            }
            #expect(counts == [Count(good: 50, scrap: 5, rework: 0, order: "WO-1")])
            #expect(export.text.contains("<MaterialDefinitionID>RIB</MaterialDefinitionID>"))

            let unknown = try await client.get(
                "/api/export/b2mml/performance?scope=e/x&from=2026-06-10T00:00:00Z&to=2026-06-10T03:00:00Z")
            #expect(try unknown.json()["code"]?.string == "unknown-scope")
            let missing = try await client.get("/api/export/b2mml/performance?scope=e/s")
            #expect(try missing.json()["code"]?.string == "missing-parameter")
        }
        let store = try SQLiteLedgerStore(path: fixture.configuration.database)
        let records = try await store.entries(kind: .fileImport).compactMap {
            LedgerImportRecord.Summary.decode(body: $0.entry.body)
        }
        #expect(records.map(\.format) == ["b2mml", "b2mml", "b2mml"])
        #expect(records.map(\.accepted) == [1, 2, 0])
        #expect(records.map(\.duplicates) == [0, 0, 1])
    }

    @Test("equipment becomes a change request, not an edit; the export lists the model in force")
    func equipmentProposal() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let app = try await buildApplication(fixture.configuration)
        try await app.test(.router) { client in
            let r = try await post(client, Self.equipment).json()
            #expect(r["import"]?["masterData"]?["changes"]?.array == [.string("added unit e/s/a/w/u2")])
            #expect(r["import"]?["masterData"]?["changeRequest"]?.string == "CR-0001")
            let again = try await post(client, Self.equipment).json()
            #expect(again["import"]?["masterData"]?["alreadyProposed"]?.string == "CR-0001")
            let eq = try await client.get("/api/export/b2mml/equipment")
            #expect(eq.status == .ok)
            #expect(eq.text.contains("<ID>u1</ID>") && !eq.text.contains("<ID>u2</ID>"), "u2 is only proposed")
        }
    }

    @Test("not B2MML, a DTD, an empty body and a missing source are problem details")
    func refusals() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { client in
            let other = try await post(client, #"<OperationsSchedule xmlns="urn:x"/>"#)
            #expect(other.status == .badRequest)
            #expect(try other.json()["code"]?.string == "not-b2mml")
            let dtd = try await post(client, #"<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#)
            #expect(try dtd.json()["code"]?.string == "malformed-xml")
            let cut = try await post(client, "<OperationsSchedule xmlns=\"http://www.mesa.org/xml/B2MML\"><ID>")
            #expect(try cut.json()["code"]?.string == "malformed-xml")
            #expect(try await post(client, "").json()["code"]?.string == "empty-body")
            #expect(try await post(client, Self.schedule, query: "file=x").json()["code"]?.string == "missing-parameter")
        }
    }
}

@Suite("B2MML over HTTP, site scoping")
struct B2MMLSiteScopeTests {
    @Test("a user of site s exports only site s: the equipment shows s alone, performance of t is forbidden")
    func scoping() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let session = try await client.signIn("sup-s")
            let eq = try await client.send("/api/export/b2mml/equipment", session: session)
            #expect(eq.status == .ok)
            #expect(eq.text.contains("<ID>s</ID>") && !eq.text.contains("<ID>t</ID>"))
            let window = "from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z"
            let t = try await client.send("/api/export/b2mml/performance?scope=e/t&\(window)", session: session)
            #expect(t.status == .forbidden)
            let s = try await client.send("/api/export/b2mml/performance?scope=e/s&\(window)", session: session)
            #expect(s.status == .ok)
        }
    }
}
