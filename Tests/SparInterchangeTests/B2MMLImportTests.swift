import Foundation
import SparCore
import Testing

@testable import SparInterchange

@Suite("B2MML import")
struct B2MMLImportTests {
    func read(_ name: String) throws -> B2MML.Reading {
        try B2MML.read(Fixture.data(name), model: b2mmlPlant, source: "erp")
    }

    @Test("the real Courbon V0401 material definition (with its byte-order mark) becomes a material in a proposed plant model")
    func courbonMaterial() throws {
        let r = try read("MAT-20121210170256-CRBN0001")
        #expect(r.version == "V0401")
        #expect(r.root == "SyncMaterialDefinition")
        #expect(r.records == ["material": 1])
        #expect(r.problems.isEmpty)
        #expect(r.events.isEmpty)
        // The document: ID CRBN0001, Description "Product Courbon0001", BaseUnitOfMeasure KG, and
        // HazardousMaterialWarning with two values, C and XN.
        let model = try #require(r.proposedModel)
        #expect(
            model.materials == [
                MaterialDefinition(
                    id: "CRBN0001", description: "Product Courbon0001", unitOfMeasure: "KG",
                    properties: ["HazardousMaterialWarning": "C, XN"])
            ])
        #expect(r.masterDataChanges == ["added material CRBN0001"])
        #expect(model.sites == b2mmlPlant.sites)
    }

    @Test("the real Courbon V0401 material information gives lot CRBN0001_LOT01, status Valid, with its expiry date")
    func courbonLot() throws {
        let r = try read("LOT-20121210170718-0001L0001")
        #expect(r.version == "V0401")
        #expect(r.records == ["lot": 1])
        let model = try #require(r.proposedModel)
        #expect(
            model.lots == [
                MaterialLot(id: "CRBN0001_LOT01", status: "Valid", properties: ["ExpiryDate": "2013-12-08T00:00:00.0Z"])
            ])
        #expect(r.masterDataChanges == ["added lot CRBN0001_LOT01"])
    }

    @Test("a V0600 operations schedule gives order starts with PRU, planned quantity and scrap; bad requests are named")
    func schedule() throws {
        let r = try read("acme-schedule-v0600")
        #expect(r.version == "V0600")
        #expect(r.records == ["order": 4])
        #expect(r.proposedModel == nil)
        let events = r.events.map(\.event)
        let expected = [
            // 06:00+01:00 = 05:00Z; PRU 90 s, 40 planned, 2 planned scrap.
            Event(
                id: EventID("b2mml:erp:order:WO-4711:10:start"), ts: Fixture.t("2026-03-02T05:00:00Z"), source: "erp",
                unit: EquipmentPath("acme/tls/comp/layup/cell-1"),
                payload: .order(
                    OrderAction(
                        order: "WO-4711", action: .start, material: "SPAR-RIB-7", plannedRunTimePerUnit: 90,
                        plannedQuantity: 40, plannedScrapQuantity: 2))),
            // 08:00 without a zone is Toulouse time (CET, +01:00 on 2 March) = 07:00Z; PRU = (2 h − 10 min) / 60
            // = (7200 − 600) / 60 = 110 s; operation 1 of 2.
            Event(
                id: EventID("b2mml:erp:order:WO-4712:10:start"), ts: Fixture.t("2026-03-02T07:00:00Z"), source: "erp",
                unit: EquipmentPath("acme/tls/mach/line-1/cnc-1"),
                payload: .order(
                    OrderAction(
                        order: "WO-4712", action: .start, material: "BRACKET-3", plannedRunTimePerUnit: 110,
                        plannedQuantity: 60, plannedSetupTime: 600, operation: 1))),
            // cnc-2 exists once; PT1M15S = 75 s; 10:30+01:00 = 09:30Z.
            Event(
                id: EventID("b2mml:erp:order:WO-4712:20:start"), ts: Fixture.t("2026-03-02T09:30:00Z"), source: "erp",
                unit: EquipmentPath("acme/tls/mach/line-1/cnc-2"),
                payload: .order(
                    OrderAction(
                        order: "WO-4712", action: .start, material: "BRACKET-3", plannedRunTimePerUnit: 75,
                        plannedQuantity: 60, operation: 2))),
        ]
        #expect(events == expected)
        #expect(r.problems.count == 2)
        let unknown = try #require(r.problems.first)
        #expect(unknown.path == "/ProcessOperationsSchedule/DataArea/OperationsSchedule/OperationsRequest[3]/SegmentRequirement")
        #expect(unknown.reason.contains("unknown equipment 'press-9'"))
        let negative = try #require(r.problems.last)
        #expect(negative.path?.hasSuffix("OperationsRequest[4]/SegmentRequirement/MaterialRequirement/Quantity") == true)
        #expect(negative.reason.contains("-5 is negative"))
        #expect(r.notKept.map(\.path) == [
            "/ProcessOperationsSchedule/DataArea/OperationsSchedule/OperationsRequest/SegmentRequirement/MaterialRequirement[2]"
        ])
    }

    @Test("a V0401 production performance gives counts (good, scrap, rework) and the ends of completed segments")
    func performance() throws {
        let r = try read("acme-performance-v0401")
        #expect(r.version == "V0401")
        #expect(r.records == ["response": 2])
        let events = r.events.map(\.event)
        let cell1 = EquipmentPath("acme/tls/comp/layup/cell-1")
        let cnc1 = EquipmentPath("acme/tls/mach/line-1/cnc-1")
        let cnc2 = EquipmentPath("acme/tls/mach/line-1/cnc-2")
        func id(_ s: String) -> EventID { EventID("b2mml:erp:performance:\(s)") }
        #expect(
            events == [
                // 13:55 without a zone, Toulouse time = 12:55Z; 37 good, 2 scrap (Disposition), 1 rework
                // (QualityStatus); no state stated, so the segment ended.
                Event(
                    id: id("RESP-4711:10:count"), ts: Fixture.t("2026-03-02T12:55:00Z"), source: "erp", unit: cell1,
                    payload: .count(Count(good: 37, scrap: 2, rework: 1, order: "WO-4711"))),
                Event(
                    id: id("RESP-4711:10:end"), ts: Fixture.t("2026-03-02T12:55:00Z"), source: "erp", unit: cell1,
                    payload: .order(OrderAction(order: "WO-4711", action: .end))),
                Event(
                    id: id("RESP-4712:10:count"), ts: Fixture.t("2026-03-02T08:50:00Z"), source: "erp", unit: cnc1,
                    payload: .count(Count(good: 58, scrap: 0, rework: 0, order: "WO-4712"))),
                Event(
                    id: id("RESP-4712:10:end"), ts: Fixture.t("2026-03-02T08:50:00Z"), source: "erp", unit: cnc1,
                    payload: .order(OrderAction(order: "WO-4712", action: .end))),
                // Running: counted, not ended.
                Event(
                    id: id("RESP-4712:20:count"), ts: Fixture.t("2026-03-02T11:00:00Z"), source: "erp", unit: cnc2,
                    payload: .count(Count(good: 20, scrap: 0, rework: 0, order: "WO-4712"))),
            ])
        #expect(r.problems.count == 1)
        #expect(r.problems.first?.reason.contains("'cnc-1' is ambiguous (acme/tls/mach/line-1/cnc-1, acme/wic/mach/line-1/cnc-1)") == true)
        #expect(r.problems.first?.path?.hasSuffix("ProductionResponse[2]/SegmentResponse[3]") == true)
        #expect(Set(r.notKept.map { $0.path?.components(separatedBy: "/").last ?? "" }) == ["PersonnelActual", "MaterialConsumedActual"])
    }

    @Test("V0600 equipment merges into the plant model: nested, anchored by hierarchy scope; what cannot be placed is named")
    func equipment() throws {
        let r = try read("acme-equipment-v0600")
        let model = try #require(r.proposedModel)
        #expect(
            r.masterDataChanges == [
                "added unit acme/bre/paint/booth/booth-1", "added unit acme/tls/comp/layup/cell-3",
                "added unit acme/wic/mach/line-1/cnc-3",
            ])
        let bre = try #require(model.sites.first { $0.id == "bre" })
        #expect(bre.timeZone == "Europe/Berlin")
        #expect(bre.areas.first?.workCenters.first?.kind == .processCell)
        let layup = model.sites[0].areas[0].workCenters[0]
        #expect(layup.workUnits.map(\.id) == ["cell-1", "cell-2", "cell-3"])
        #expect(layup.workUnits[2].ratedRate == 12)
        #expect(!model.sites.contains { $0.id == "ham" })
        #expect(r.problems.count == 2)
        #expect(r.problems[0].reason.contains("Site ham is new to the plant model and states no time zone"))
        #expect(r.problems[1].reason.contains("cnc-4: its HierarchyScope is ambiguous (tls/mach/line-1, wic/mach/line-1)"))
        #expect(r.notKept.count == 1)
        #expect(r.notKept[0].reason.contains("vacuum-pump is below a work unit"))
    }

    @Test("a V0600 production schedule's Location narrows a unit id that two sites share")
    func locationNarrows() throws {
        let doc = """
            <ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600">
              <ID>S</ID>
              <Location><EquipmentID>wic</EquipmentID><EquipmentElementLevel>Site</EquipmentElementLevel></Location>
              <ProductionRequest>
                <ID>WO-9</ID>
                <SegmentRequirement>
                  <EarliestStartTime>2026-03-02T06:00:00</EarliestStartTime>
                  <EquipmentRequirement><EquipmentID>cnc-1</EquipmentID></EquipmentRequirement>
                  <MaterialProducedRequirement><MaterialDefinitionID>M</MaterialDefinitionID>
                    <Quantity><QuantityString>10</QuantityString></Quantity></MaterialProducedRequirement>
                  <SegmentParameter><ID>PRU</ID><Value><ValueString>2</ValueString><UnitOfMeasure>min</UnitOfMeasure></Value></SegmentParameter>
                </SegmentRequirement>
              </ProductionRequest>
            </ProductionSchedule>
            """
        let r = try B2MML.read(Data(doc.utf8), model: b2mmlPlant, source: "erp")
        #expect(r.problems.isEmpty, "\(r.problems)")
        // Wichita's cnc-1; 06:00 CST (−06:00 on 2 March) = 12:00Z; 2 min = 120 s.
        #expect(
            r.events.map(\.event) == [
                Event(
                    id: EventID("b2mml:erp:order:WO-9:1:start"), ts: Fixture.t("2026-03-02T12:00:00Z"), source: "erp",
                    unit: EquipmentPath("acme/wic/mach/line-1/cnc-1"),
                    payload: .order(
                        OrderAction(
                            order: "WO-9", action: .start, material: "M", plannedRunTimePerUnit: 120, plannedQuantity: 10)))
            ])
    }

    @Test("a produced material without a MaterialDefinitionID refuses its segment: an order start names its material")
    func producedMaterialWithoutID() throws {
        let doc = """
            <ProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600">
              <ID>S</ID>
              <Location><EquipmentID>wic</EquipmentID><EquipmentElementLevel>Site</EquipmentElementLevel></Location>
              <ProductionRequest>
                <ID>WO-9</ID>
                <SegmentRequirement>
                  <EarliestStartTime>2026-03-02T06:00:00</EarliestStartTime>
                  <EquipmentRequirement><EquipmentID>cnc-1</EquipmentID></EquipmentRequirement>
                  <MaterialProducedRequirement><MaterialDefiniqionID>M</MaterialDefiniqionID>
                    <Quantity><QuantityString>10</QuantityString></Quantity></MaterialProducedRequirement>
                  <SegmentParameter><ID>PRU</ID><Value><ValueString>2</ValueString><UnitOfMeasure>min</UnitOfMeasure></Value></SegmentParameter>
                </SegmentRequirement>
              </ProductionRequest>
            </ProductionSchedule>
            """
        let r = try B2MML.read(Data(doc.utf8), model: b2mmlPlant, source: "erp")
        #expect(r.events.isEmpty)
        #expect(r.problems.count == 1)
        #expect(r.problems.first?.reason.contains("the produced material has no MaterialDefinitionID") == true, "\(r.problems)")
        #expect(r.problems.first?.line == 9)
    }

    @Test("a document of another namespace, or none, is refused as not B2MML")
    func notB2MML() throws {
        for doc in [
            #"<Equipment xmlns="urn:other"><ID>x</ID></Equipment>"#, "<Equipment><ID>x</ID></Equipment>",
        ] {
            #expect(throws: B2MML.DocumentError.self) { try B2MML.read(Data(doc.utf8), model: b2mmlPlant, source: "erp") }
            do {
                _ = try B2MML.read(Data(doc.utf8), model: b2mmlPlant, source: "erp")
            } catch {
                #expect(error.description.contains("not a B2MML document"))
            }
        }
    }

    @Test("each namespace names its version", arguments: [
        ("http://www.wbf.org/xml/B2MML-V0401", "V0401"), ("http://www.wbf.org/xml/b2mml-v0400", "V0400"),
        ("http://www.mesa.org/xml/B2MML-V0600", "V0600"), ("http://www.mesa.org/xml/B2MML-V0600-AllExtensions", "V0600"),
        ("http://www.mesa.org/xml/B2MML", "V0700"),
    ])
    func versions(namespace: String, version: String) {
        #expect(B2MML.version(namespace: namespace) == version)
    }

    @Test("an unknown record is refused by name; the good records of the same message are kept")
    func unknownRecord() throws {
        let doc = """
            <SyncStuff xmlns="http://www.mesa.org/xml/B2MML"><DataArea><Sync/>
            <PersonnelInformation><ID>p</ID></PersonnelInformation>
            <MaterialDefinition><ID>M-1</ID></MaterialDefinition>
            <MaterialDefinition><Description>no id</Description></MaterialDefinition>
            </DataArea></SyncStuff>
            """
        let r = try B2MML.read(Data(doc.utf8), model: b2mmlPlant, source: "erp")
        #expect(r.proposedModel?.materials.map(\.id) == ["M-1"])
        #expect(r.problems.map(\.path) == ["/SyncStuff/DataArea/PersonnelInformation", "/SyncStuff/DataArea/MaterialDefinition[2]"])
        #expect(r.problems[0].line == 2)
    }

    @Test("DTDs and entities are refused before parsing, with the line")
    func entities() {
        let laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
            <Equipment xmlns="http://www.mesa.org/xml/B2MML"><ID>&lol2;</ID></Equipment>
            """
        let external = """
            <?xml version="1.0"?>
            <!DOCTYPE x SYSTEM "file:///etc/passwd"><Equipment xmlns="http://www.mesa.org/xml/B2MML"/>
            """
        for doc in [laughs, external] {
            do {
                _ = try B2MML.read(Data(doc.utf8), model: b2mmlPlant, source: "erp")
                Issue.record("accepted a DTD")
            } catch {
                #expect(error.problem.line == 2)
                #expect(error.description.contains("DTDs and entities are refused"))
            }
        }
    }

    @Test("truncated XML is an error with its line; UTF-16 with a byte-order mark is read")
    func malformedAndUTF16() throws {
        let cut = "<?xml version=\"1.0\"?>\n<SyncEquipment xmlns=\"http://www.mesa.org/xml/B2MML\">\n<DataArea><Equipment><ID>a"
        do {
            _ = try B2MML.read(Data(cut.utf8), model: b2mmlPlant, source: "erp")
            Issue.record("accepted truncated XML")
        } catch {
            #expect(error.problem.line == 3)
            #expect(error.description.contains("not well-formed"))
        }
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<MaterialDefinition xmlns=\"http://www.mesa.org/xml/B2MML\"><ID>Ä-1</ID></MaterialDefinition>"
        var utf16 = Data([0xFF, 0xFE])
        for unit in doc.utf16 { utf16.append(contentsOf: [UInt8(unit & 0xFF), UInt8(unit >> 8)]) }
        let r = try B2MML.read(utf16, model: b2mmlPlant, source: "erp")
        #expect(r.proposedModel?.materials.map(\.id) == ["Ä-1"])
    }

    @Test("xsd:duration and parameter times read as seconds", arguments: [
        ("PT2H", nil, 7200.0), ("PT1M15S", nil, 75), ("P1DT1H", nil, 90_000), ("90", "s", 90), ("1.5", "min", 90),
        ("2", "h", 7200),
    ] as [(String, String?, Double)])
    func seconds(text: String, unit: String?, expected: Double) {
        #expect(Reader.seconds(text, unit: unit) == expected)
    }

    @Test("durations with years or months, or malformed, are refused", arguments: ["P1Y", "PT", "P1M", "PTH", "1h", "P-1D"])
    func badDurations(text: String) {
        #expect(Reader.duration(text) == nil)
    }
}
