import Foundation
import SparCore
import SparInterchange
import SparTestSupport
import Testing

/// The KPI-ML test resources (the MESA schemas and the specification's OLR100 example; README credit line).
func kpimlResource(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources/kpi-ml"))
    return try Data(contentsOf: url)
}

/// Validates `data` with `xmllint --noout --schema KPI-ML-V01.xsd` (the bundled copy); fails when xmllint is missing.
func expectValidKPIML(_ data: Data, _ what: String) throws {
    let schema = try #require(Bundle.module.url(forResource: "KPI-ML-V01", withExtension: "xsd", subdirectory: "Resources/kpi-ml"))
    let problems = try XMLLint.problems(data, schema: schema)
    #expect(problems == nil, "\(what): \(problems ?? "")")
}

/// A `SyncKPIDefinition` around `definitions` (KPIDefinition elements written out as text).
func syncDefinitions(_ definitions: String, namespace: String = KPIML.namespace) -> Data {
    Data(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <SyncKPIDefinition xmlns="\(namespace)" releaseID="V01">
        <ApplicationArea><CreationDateTime>2026-01-01T00:00:00Z</CreationDateTime></ApplicationArea>
        <DataArea>
        <Sync/>
        \(definitions)
        </DataArea>
        </SyncKPIDefinition>
        """.utf8)
}

@Suite("KPI-ML V01 export and import")
struct KPIMLTests {
    @Test("the MESA specification's OLR100 example reads as one definition, element by element")
    func realDocument() throws {
        let data = try kpimlResource("mesa-spec-OLR100.repaired.xml")
        try expectValidKPIML(data, "the repaired example")
        let read = try KPIML.readDefinitions(data)
        #expect(read.problems.isEmpty)
        #expect(read.count == 1)
        let d = try #require(read.definitions.first)
        #expect(d.id == "OLR100")
        #expect(d.name == "Other Loss Ratio")
        #expect(d.formula == "Other loss ratio = OL/CM")
        #expect(d.unitOfMeasure == "%")
        #expect(d.scopes == ["Work unit", "defect type"])
        #expect(d.ranges == [KPIML.Range(id: "Natural", descriptions: ["Natural Range"], lowerLimit: 0, upperLimit: 100)])
        #expect(d.trend == .lowerIsBetter)
        #expect(d.timing == [.onDemand, .periodically, .realTime])
        #expect(d.audience == ["Operator", "Supervisor", "Management"])
        #expect(d.productionMethodology == [.batch, .continuous])
        #expect(d.descriptions.count == 1)
        #expect(d.descriptions.first?.hasPrefix("The Other Loss ratio is the relationship of the") == true)
        #expect(d.notes.count == 1)
        #expect(d.notes.first?.hasPrefix("” The other loss ratio evaluates losses") == true)
        #expect(d.path == "/KPIDefinition")

        let (extensions, problems) = KPIML.extensions(read.definitions, site: "toulouse")
        #expect(problems.isEmpty)
        let e = try #require(extensions.first)
        #expect(e.id == "local.toulouse.OLR100")
        #expect(e.name == "Other Loss Ratio")
        #expect(e.formula == "Other loss ratio = OL/CM")
        // "Other", "loss", "ratio" are no ISO elements; OL (other loss) and CM (consumed material) are.
        #expect(e.elements == ["OL", "CM"])
        // The name is ISO 22400-2's "Other loss ratio" (otherLossRatio = OL / CM).
        #expect(e.nearestISO == "otherLossRatio")
        #expect(e.note?.hasPrefix("KPI-ML OLR100; unit %; range Natural 0 to 100; lower-is-better;") == true, "\(e.note ?? "")")
    }

    @Test("the definitions of each version export as one valid SyncKPIDefinition with 34 KPIDefinitions", arguments: ["spar-kpi-1", "spar-kpi-2"])
    func definitionsExport(version id: String) throws {
        let version = try #require(KPICatalogue.version(id))
        let data = KPIML.definitionsDocument(version, createdAt: t("2026-10-05T00:00:00Z"))
        try expectValidKPIML(data, id)
        let root = try XMLTree.parse(data)
        #expect(root.name == "SyncKPIDefinition")
        #expect(root.namespace == KPIML.namespace)
        #expect(root.attributes["releaseID"] == "V01")
        #expect(root.descendant("ApplicationArea", "CreationDateTime")?.text == "2026-10-05T00:00:00Z")
        let definitions = root.child("DataArea")?.children("KPIDefinition") ?? []
        #expect(definitions.count == 34)
        let oee = try #require(definitions.first { $0.value("ID") == "oee" })
        #expect(oee.value("Name") == "OEE index")
        #expect(oee.value("Formula") == "availability × effectiveness × qualityRatio")
        #expect(oee.children("UsesKPIDefinitionID").map(\.text) == ["availability", "effectiveness", "qualityRatio"])
        #expect(oee.children("Notes").first?.text.contains("version \(id)") == true)
        #expect(oee.children("Timing").map(\.text) == ["Real-time", "On-demand"])
        #expect(oee.children("Scope").map(\.text) == ["Work unit", "Work center", "Area", "Site", "Enterprise"])
        // Availability = APT / PBT with APT inside PBT: in [0, 1].
        let availability = try #require(definitions.first { $0.value("ID") == "availability" })
        #expect(availability.descendant("Range", "LowerLimit")?.text == "0")
        #expect(availability.descendant("Range", "UpperLimit")?.text == "1")
        #expect(availability.value("Trend") == "Higher-is-better")
        #expect(availability.value("UnitOfMeasure") == "ratio")
        // MTTR: seconds, lower is better, no upper bound (xsi:nil).
        let mttr = try #require(definitions.first { $0.value("ID") == "meanTimeToRepair" })
        #expect(mttr.value("Trend") == "Lower-is-better")
        #expect(mttr.descendant("Range", "UpperLimit")?.attributes["nil"] == "true")
        // Equipment load ratio has no better direction: no Trend, and the notes say why.
        let load = try #require(definitions.first { $0.value("ID") == "equipmentLoadRatio" })
        #expect(load.child("Trend") == nil)
        #expect(load.children("Notes").contains { $0.text.contains("neither higher nor lower is better") })
        // Cm is a work-unit KPI only.
        let cm = try #require(definitions.first { $0.value("ID") == "machineCapabilityIndex" })
        #expect(cm.children("Scope").map(\.text) == ["Work unit"])
    }

    @Test("export then import gives back every definition: ids, names, formulas, units, trends, ranges", arguments: ["spar-kpi-1", "spar-kpi-2"])
    func roundTrip(version id: String) throws {
        let version = try #require(KPICatalogue.version(id))
        let read = try KPIML.readDefinitions(KPIML.definitionsDocument(version, createdAt: t("2026-10-05T00:00:00Z")))
        #expect(read.problems.isEmpty)
        #expect(read.count == 34)
        #expect(read.definitions.map(\.id) == version.kpis.map(\.id))
        #expect(read.definitions.map(\.name) == version.kpis.map(\.isoName))
        #expect(read.definitions.map(\.formula) == version.kpis.map(\.formula))
        #expect(read.definitions.map(\.unitOfMeasure) == version.kpis.map(\.unit))
        for (d, kpi) in zip(read.definitions, version.kpis) {
            var expected = KPIML.definition(kpi, in: version)
            expected.line = d.line
            expected.path = d.path
            #expect(d == expected, "\(kpi.id)")
        }

        let (extensions, problems) = KPIML.extensions(read.definitions, site: "s")
        // OEE's formula names KPIs only, and the four capability formulas name USL, LSL and σ, which are not ISO
        // elements: those five cannot be local KPIs. The other 29 can.
        let refused = ["oee", "machineCapabilityIndex", "criticalMachineCapabilityIndex", "processCapabilityIndex", "criticalProcessCapabilityIndex"]
        #expect(problems.map { String($0.reason.prefix { $0 != ":" }) } == refused)
        #expect(extensions.count == 29)
        let kept = version.kpis.filter { !refused.contains($0.id) }
        #expect(extensions.map(\.id) == kept.map { "local.s.\($0.id)" })
        #expect(extensions.map(\.formula) == kept.map(\.formula))
        #expect(extensions.map(\.name) == kept.map(\.isoName))
        #expect(extensions.map(\.nearestISO) == kept.map(\.id))
        let effectiveness = try #require(extensions.first { $0.id == "local.s.effectiveness" })
        #expect(effectiveness.elements == ["PRU", "PQ", "APT"])  // Σ(PRU × PQ) / APT
    }

    @Test("KPI values export as a valid SyncKPIValue with the window, scope, lineage and the values the engine gives")
    func valuesExport() throws {
        let r = try compute(
            Fixtures.plant(), Fixtures.pressScript().events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z",
            definition: KPICatalogue.sparKPI2)
        let data = KPIML.valuesDocument(r, createdAt: t("2026-06-11T00:00:00Z"))
        try expectValidKPIML(data, "values")
        let root = try XMLTree.parse(data)
        #expect(root.name == "SyncKPIValue")
        let values = root.child("DataArea")?.children("KPIValue") ?? []
        // Every KPI with a number has one KPIValue; the null ones (no measurement, no material, no labour…) none.
        let withValue = r.kpis.filter { $0.1.number.map(\.isFinite) == true }.map(\.0)
        #expect(values.compactMap { $0.value("KPIInstanceID") } == withValue.map { "\($0)@e/s/a/w/u1" })
        #expect(!values.contains { $0.value("KPIInstanceID") == "processCapabilityIndex@e/s/a/w/u1" })

        let availability = try #require(values.first { $0.value("KPIInstanceID") == "availability@e/s/a/w/u1" })
        #expect(availability.value("ID") == "availability@e/s/a/w/u1[2026-06-10T00:00:00Z,2026-06-10T04:00:00Z)")
        #expect(availability.value("Name") == "Availability")
        #expect(availability.descendant("TimeRange", "StartTime")?.text == "2026-06-10T00:00:00Z")
        #expect(availability.descendant("TimeRange", "EndTime")?.text == "2026-06-10T04:00:00Z")
        // APT = 9600 s, PBT = 14400 s: availability = 2/3.
        #expect(Double(availability.value("Value") ?? "") == 9600.0 / 14400)
        #expect(availability.child("Value")?.attributes["unitCode"] == "ratio")
        let properties = Dictionary(
            availability.children("Property").map { ($0.value("ID") ?? "", $0.value("Value") ?? "") },
            uniquingKeysWith: { a, _ in a })
        #expect(properties["APT"] == "9600")
        #expect(properties["PBT"] == "14400")
        #expect(properties["events"] == String(r.lineage.events))
        #expect(properties["units"] == "1")
        let lineage = availability.children("Description").map(\.text)
        #expect(lineage.contains { $0.contains("definition spar-kpi-2") && $0.contains("source systems mes") }, "\(lineage)")
        // Scrap ratio = SQ / PQ = 6 / 290.
        let scrap = try #require(values.first { $0.value("KPIInstanceID") == "scrapRatio@e/s/a/w/u1" })
        #expect(Double(scrap.value("Value") ?? "") == 6.0 / 290)
    }

    @Test("a value of one shift says so in its ID and description")
    func shiftValue() throws {
        let calendar = WorkCalendar(id: "c", shifts: [Fixtures.shift("A", "00:00", "02:00", days: Weekday.allCases)])
        let r = try compute(
            Fixtures.plant(siteCalendar: "c", calendars: [calendar]), Fixtures.pressScript().events,
            from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z", shift: "A", definition: KPICatalogue.sparKPI2)
        let data = KPIML.valuesDocument(r, createdAt: t("2026-06-11T00:00:00Z"))
        try expectValidKPIML(data, "shift values")
        let values = try XMLTree.parse(data).child("DataArea")?.children("KPIValue") ?? []
        let a = try #require(values.first { $0.value("KPIInstanceID") == "availability@e/s/a/w/u1" })
        #expect(a.value("ID")?.hasSuffix("#A") == true)
        #expect(a.children("Description").first?.text.contains("in the windows of shift A") == true)
    }

    @Test("decimals are written without an exponent and read back as the same double", arguments: [
        (0.5, "0.5"), (3600.0, "3600"), (1e-7, "0.0000001"), (-2.5e-3, "-0.0025"), (1.5e20, "150000000000000000000"),
        (0.6666666666666666, "0.6666666666666666"), (0.0, "0"), (1.2345e-5, "0.000012345"),
    ])
    func decimals(value: Double, text: String) {
        #expect(KPIML.decimal(value) == text)
        #expect(Double(text) == value)
    }

    @Test("not-a-number and infinity have no decimal")
    func nonFinite() {
        #expect(KPIML.decimal(.nan) == nil)
        #expect(KPIML.decimal(.infinity) == nil)
    }
}

@Suite("KPI-ML import of hostile and broken documents")
struct KPIMLHostileTests {
    static let good = "<KPIDefinition><ID>GOOD1</ID><Name>Good one</Name><Formula>GQ / PQ</Formula></KPIDefinition>"

    @Test("a DOCTYPE with an entity (billion laughs) is refused before parsing")
    func entityExpansion() {
        let doc = """
            <?xml version="1.0"?>
            <!DOCTYPE KPIDefinition [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <KPIDefinition xmlns="http://www.mesa.org/xml/KPI-ML-V01"><ID>&b;</ID></KPIDefinition>
            """
        let p = #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(Data(doc.utf8)) }
        #expect(p?.line == 2)
        #expect(p?.reason.contains("DTDs and entities are refused") == true)
    }

    @Test("a document in another namespace, or none, is not KPI-ML", arguments: [
        (String(decoding: syncDefinitions(good, namespace: "http://www.mesa.org/xml/B2MML"), as: UTF8.self), "is in namespace 'http://www.mesa.org/xml/B2MML'"),
        ("<KPIDefinition><ID>X</ID></KPIDefinition>", "has no namespace"),
    ])
    func wrongNamespace(doc: String, says: String) {
        let p = #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(Data(doc.utf8)) }
        #expect(p?.reason.contains("not a KPI-ML V01 document") == true)
        #expect(p?.reason.contains(says) == true, "\(p?.reason ?? "")")
    }

    @Test("a values document, or another KPI-ML root, is not a definitions document")
    func notDefinitions() throws {
        let r = try compute(
            Fixtures.plant(), Fixtures.pressScript().events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        let values = KPIML.valuesDocument(r, createdAt: t("2026-06-11T00:00:00Z"))
        let p = #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(values) }
        #expect(p?.reason == "the document holds KPIValue elements, not KPI definitions")
        let other = #"<ConfirmBOD xmlns="http://www.mesa.org/xml/KPI-ML-V01"/>"#
        let q = #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(Data(other.utf8)) }
        #expect(q?.reason.contains("ConfirmBOD is not a KPI-ML definition document") == true)
    }

    @Test("a truncated document is not well-formed XML, with its line")
    func truncated() throws {
        let whole = try kpimlResource("mesa-spec-OLR100.repaired.xml")
        let cut = whole.prefix(whole.count / 2)
        let p = #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(Data(cut)) }
        #expect(p?.line != nil)
        #expect(p?.reason.contains("not well-formed XML") == true, "\(p?.reason ?? "")")
    }

    @Test("a definition without an ID beside a good one: the good one is kept, the bad one named by its path and line")
    func missingID() throws {
        let doc = syncDefinitions(
            """
            <KPIDefinition><Name>No id</Name><Formula>SQ / PQ</Formula></KPIDefinition>
            <KPIDefinition><ID xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/><Name>Nil id</Name></KPIDefinition>
            \(Self.good)
            """)
        let read = try KPIML.readDefinitions(doc)
        #expect(read.count == 3)
        #expect(read.definitions.map(\.id) == ["GOOD1"])
        #expect(read.definitions.first?.formula == "GQ / PQ")
        #expect(read.problems.count == 2)
        #expect(read.problems.first?.path == "/SyncKPIDefinition/DataArea/KPIDefinition")
        #expect(read.problems.first?.line == 6)
        #expect(read.problems.first?.reason == "the definition has no ID")
        #expect(read.problems.last?.path == "/SyncKPIDefinition/DataArea/KPIDefinition[2]/ID")
        #expect(read.problems.last?.description.hasPrefix("line 7, /SyncKPIDefinition/DataArea/KPIDefinition[2]/ID: ") == true)
    }

    @Test("values outside KPI-ML's enumerations, limits that are not decimals and duplicate ids are refused one by one")
    func badFields() throws {
        let doc = syncDefinitions(
            """
            <KPIDefinition><ID>T1</ID><Formula>GQ / PQ</Formula><Trend>Sideways</Trend></KPIDefinition>
            <KPIDefinition><ID>T2</ID><Formula>GQ / PQ</Formula><Range><ID>N</ID><LowerLimit>1e3</LowerLimit><UpperLimit>x</UpperLimit></Range></KPIDefinition>
            <KPIDefinition><ID>T3</ID><Formula>GQ / PQ</Formula><Timing>Hourly</Timing></KPIDefinition>
            \(Self.good)
            <KPIDefinition><ID>GOOD1</ID><Formula>SQ / PQ</Formula></KPIDefinition>
            """)
        let read = try KPIML.readDefinitions(doc)
        #expect(read.definitions.map(\.id) == ["GOOD1"])
        #expect(read.definitions.first?.formula == "GQ / PQ")
        let reasons = read.problems.map(\.reason)
        #expect(reasons.count == 5)
        #expect(reasons[0] == "'Sideways' is not a KPI-ML Trend (Higher-is-better, Lower-is-better)")
        #expect(reasons[1] == "LowerLimit '1e3' is not a decimal number")
        #expect(reasons[2] == "UpperLimit 'x' is not a decimal number")
        #expect(reasons[3] == "'Hourly' is not a KPI-ML Timing (Real-time, Periodically, On-demand)")
        #expect(reasons[4] == "ID 'GOOD1' is already the ID of the definition on line 9")
        #expect(read.problems[4].path == "/SyncKPIDefinition/DataArea/KPIDefinition[5]")
    }

    @Test("definitions that cannot be local KPIs are refused by name; ids are made safe for local.<site>.<name>")
    func extensionProblems() throws {
        let doc = syncDefinitions(
            """
            <KPIDefinition><ID>NOF</ID><Name>No formula</Name></KPIDefinition>
            <KPIDefinition><ID>NOE</ID><Formula>uptime / total</Formula></KPIDefinition>
            <KPIDefinition><ID>Yield 2 (site)</ID><Formula>GQ/PQ</Formula></KPIDefinition>
            <KPIDefinition><ID>Yield 2 site</ID><Formula>GQ/PQ</Formula></KPIDefinition>
            """)
        let read = try KPIML.readDefinitions(doc)
        #expect(read.problems.isEmpty)
        let (extensions, problems) = KPIML.extensions(read.definitions, site: "nagoya")
        #expect(extensions.map(\.id) == ["local.nagoya.Yield-2-site"])
        #expect(extensions.first?.elements == ["GQ", "PQ"])
        #expect(extensions.first?.nearestISO == nil)
        #expect(problems.map(\.reason) == [
            "NOF: the definition has no Formula; a Spar KPI extension needs one",
            "NOE: the formula 'uptime / total' names no ISO 22400-2 element (such as APT, PBT, PQ, GQ, CM); a Spar KPI extension reads at least one",
            "Yield 2 site: its local id local.nagoya.Yield-2-site is already taken by another definition of the document",
        ])
        #expect(problems.first?.path == "/SyncKPIDefinition/DataArea/KPIDefinition")
    }

    @Test("arbitrary bytes never crash the importer", arguments: [
        "", "<", "<?xml version=\"1.0\"?>", "\u{FEFF}<KPIDefinition xmlns=\"urn:other\"/>",
        "<SyncKPIDefinition xmlns=\"http://www.mesa.org/xml/KPI-ML-V01\"/>",
        "<SyncKPIDefinition xmlns=\"http://www.mesa.org/xml/KPI-ML-V01\"><DataArea/></SyncKPIDefinition>",
    ])
    func garbage(doc: String) {
        #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(Data(doc.utf8)) }
    }

    @Test("an element name that is not UTF-8 is refused with its line (FoundationXML's parser would trap on it)")
    func invalidUTF8() {
        var doc = Data(#"<KPIDefinition xmlns="http://www.mesa.org/xml/KPI-ML-V01">"#.utf8)
        doc += Data("\n<ID>X</ID>\n<Name".utf8) + Data([0xDE, 0xDE, 0xDE]) + Data(">n</Name></KPIDefinition>".utf8)
        let p = #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(doc) }
        #expect(p?.line == 3)
        #expect(p?.reason == "invalid UTF-8 (byte 0xDE); the document declares no other encoding")
    }

    @Test("a document that declares ISO-8859-1 is read in that encoding")
    func latin1() throws {
        var doc = Data(#"<?xml version="1.0" encoding="ISO-8859-1"?><KPIDefinition xmlns="http://www.mesa.org/xml/KPI-ML-V01"><ID>Q1</ID><Name>Qualit"#.utf8)
        doc += Data([0xE9]) + Data("</Name></KPIDefinition>".utf8)
        let read = try KPIML.readDefinitions(doc)
        #expect(read.definitions.first?.name == "Qualité")
    }

    @Test("an encoding the importer does not read is refused before parsing (the parser would pass its bytes on)")
    func unknownEncoding() {
        var doc = Data(#"<?xml version="1.1" encoding="*UTF-9"?><KPIDefinition xmlns="http://www.mesa.org/xml/KPI-ML-V01"><ID"#.utf8)
        doc += Data([0xB4, 0xB4]) + Data(">X</ID></KPIDefinition>".utf8)
        let p = #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(doc) }
        #expect(p?.reason.hasPrefix("the document declares encoding '*UTF-9'; UTF-8, UTF-16") == true, "\(p?.reason ?? "")")
    }

    @Test("a processing instruction without data is refused (FoundationXML's parser would crash on it)", arguments: [
        "<?xm?>\n<KPIDefinition/>", "<KPIDefinition xmlns=\"http://www.mesa.org/xml/KPI-ML-V01\"><ID>X</ID>\n<?pi  ?></KPIDefinition>",
    ])
    func emptyProcessingInstruction(doc: String) {
        let p = #expect(throws: XMLTree.Problem.self) { try KPIML.readDefinitions(Data(doc.utf8)) }
        #expect(p?.line == (doc.hasPrefix("<?xm?>") ? 1 : 2))
        #expect(p?.reason.hasSuffix("has no data; FoundationXML's parser cannot read one") == true, "\(p?.reason ?? "")")
    }

    @Test("a processing instruction with data is read past")
    func processingInstruction() throws {
        let doc = #"<?xml version="1.0"?><?xml-stylesheet href="k.xsl"?><KPIDefinition xmlns="http://www.mesa.org/xml/KPI-ML-V01"><ID>X</ID></KPIDefinition>"#
        #expect(try KPIML.readDefinitions(Data(doc.utf8)).definitions.map(\.id) == ["X"])
    }

    @Test("a KPIDefinition root without an ID has no definition and one problem")
    func rootWithoutID() throws {
        let read = try KPIML.readDefinitions(Data(#"<KPIDefinition xmlns="http://www.mesa.org/xml/KPI-ML-V01"/>"#.utf8))
        #expect(read.definitions.isEmpty)
        #expect(read.problems.map(\.reason) == ["the definition has no ID"])
    }
}
