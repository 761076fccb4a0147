import Foundation
import SparCore
import SparDemo
import SparEngine
import SparInterchange
import SparStorage
import SparTestSupport
import Testing

@Suite("The demo blueprint")
struct DemoBlueprintTests {
    let plant = DemoEnterprise.plantModel()
    let blueprint = DemoBlueprint.blueprint()

    /// `Examples/` at the package root.
    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples").appendingPathComponent(name).path
    }

    @Test("it validates against the demo plant and describes every site")
    func valid() {
        #expect(blueprint.validationProblems(plant: plant).map(\.description) == [])
        #expect(blueprint.analyze(plant: plant).sitesWithoutBlueprint == [])
    }

    @Test("KPIs are read under the enterprise's definition, and under its own at a site that pins another")
    func definitionPerSite() throws {
        func elements(_ a: BlueprintAnalysis, _ site: String, _ kpi: String) -> Set<String> {
            Set(a.site(site)?.kpi(kpi)?.elements.map(\.element) ?? [])
        }
        // spar-kpi-2: FPY = GP / IP over serial inspections; spar-kpi-1: (PQ − SQ − RQ) / PQ, stated as GQ / PQ.
        let v2 = blueprint.analyze(plant: plant)
        #expect(elements(v2, "wichita", "firstPassYield") == ["IP", "GP"])
        let v1 = blueprint.analyze(plant: plant, definition: try #require(KPICatalogue.version("spar-kpi-1")))
        #expect(elements(v1, "wichita", "firstPassYield") == ["PQ", "GQ"])
        var pinned = blueprint
        let k = try #require(pinned.sites.firstIndex { $0.id == "nagoya" })
        pinned.sites[k].kpiDefinition = "spar-kpi-1"
        let mixed = pinned.analyze(plant: plant)
        #expect(elements(mixed, "nagoya", "firstPassYield") == ["PQ", "GQ"])
        #expect(elements(mixed, "wichita", "firstPassYield") == ["IP", "GP"])
    }

    @Test("Examples/plant.yaml and Examples/blueprint.yaml are the demo's plant and blueprint")
    func examplesMatch() throws {
        let examplePlant = try PlantModelFile.load(path: Self.example("plant.yaml"))
        #expect(examplePlant == plant)
        let exampleBlueprint = try BlueprintFile.load(path: Self.example("blueprint.yaml"), plant: examplePlant)
        #expect(exampleBlueprint == blueprint)
        #expect(BlueprintFile.fingerprint(exampleBlueprint) == BlueprintFile.fingerprint(blueprint))
    }

    @Test("headline findings: wichita is clean, toulouse relies on a spreadsheet, nagoya has two MES")
    func headlines() throws {
        let a = blueprint.analyze(plant: plant)
        let wichita = try #require(a.site("wichita"))
        #expect(wichita.uncoveredActivities == [] && wichita.unvalidatedActivities == [])
        #expect(wichita.missingSystemOfRecord == [] && wichita.systemOfRecordConflicts == [])
        #expect(wichita.nonOwnerUpdates.map { "\($0.object) by \($0.system)" } == ["materialLot by mes-opcenter"])
        #expect(wichita.kpis.allSatisfy { $0.isComputable && !$0.isUnreliable })

        let toulouse = try #require(a.site("toulouse"))
        let q = BlueprintActivity(.quality, .dataCollection)
        #expect(
            toulouse.unvalidatedActivities == [
                q, BlueprintActivity(.quality, .tracking), BlueprintActivity(.quality, .performanceAnalysis),
            ])
        #expect(toulouse.activity(q)?.unvalidated == ["rework-xls"])
        #expect(
            toulouse.uncoveredActivities == [
                BlueprintActivity(.quality, .detailedScheduling), BlueprintActivity(.quality, .dispatching),
            ])
        #expect(toulouse.missingSystemOfRecord == ["capa", "kpiDefinition"])
        #expect(toulouse.dataObject("ncr")?.unvalidatedOwners == ["rework-xls"])
        #expect(toulouse.kpi("firstPassYield")?.isUnreliable == true)
        #expect(toulouse.kpi("reworkRatio")?.unvalidatedSuppliers == ["rework-xls"])
        // Measurements come from the LIMS (elementSources), so capability indices stay reliable.
        #expect(toulouse.kpi("processCapabilityIndex")?.isUnreliable == false)
        #expect(toulouse.kpi("local.toulouse.umhPerformance")?.localNames == ["Performance (UMH)"])

        let nagoya = try #require(a.site("nagoya"))
        #expect(nagoya.systemOfRecordConflicts == ["workOrder", "routing"])
        #expect(nagoya.nonOwnerUpdates.map { "\($0.object) by \($0.system)" } == ["bom by mes-legacy"])
        #expect(nagoya.kpi("effectiveness")?.suppliers == ["mes-legacy", "mes-opcenter"])
        #expect(nagoya.kpi("local.nagoya.nakajimaOEE")?.kpi.isISO == false)

        // The top of the ranked list: routing (3 × 9 = 27), then work order and the two missing CAPA owners
        // (3 × 8 = 24: nagoya's conflict first, it has KPIs depending on it; then nagoya before toulouse by name).
        #expect(
            a.gaps.prefix(4).map { "\($0.score) \($0.site) \($0.kind.rawValue) \($0.subject)" } == [
                "27 nagoya systemOfRecordConflict routing",
                "24 nagoya systemOfRecordConflict workOrder",
                "24 nagoya missingSystemOfRecord capa",
                "24 toulouse missingSystemOfRecord capa",
            ])
        let spreadsheet = try #require(a.gaps.first { $0.kind == .unvalidatedActivity && $0.subject == q.description })
        #expect(spreadsheet.score == 18 && spreadsheet.site == "toulouse")
        #expect(
            spreadsheet.recommendation.hasPrefix(
                "quality/data collection at toulouse relies on rework-xls (unvalidated)"))
        #expect(spreadsheet.kpis.contains("firstPassYield") && spreadsheet.kpis.contains("reworkRatio"))
    }

    @Test("with the demo's events, the spreadsheet's rework counts show up as an undeclared source of PQ at toulouse")
    func withDemoEvents() async throws {
        let store = InMemoryLedgerStore()
        let events = DemoGenerator(model: plant, seed: 7, days: 1).events()
        let ingest = IngestEvents(
            model: plant, store: store, recordedBy: "demo",
            now: { DemoGenerator.defaultStart.adding(seconds: 2 * 86_400) })
        let report = try await ingest.ingest(events: events.map { (line: nil, event: $0) })
        #expect(report.rejections.isEmpty)
        let a = try await AnalyzeBlueprint(plant: plant, store: store).run(blueprint)
        #expect(a.observedEvents == events.count)
        let toulouse = try #require(a.site("toulouse"))
        #expect(toulouse.kpi("reworkRatio")?.elements.first { $0.element == "RQ" }?.observed == ["rework-xls"])
        let undeclared = a.gaps.filter { $0.kind == .undeclaredSource }
        #expect(undeclared.map { "\($0.site) \($0.subject) \($0.elements)" } == ["toulouse rework-xls [\"PQ\"]"])
    }

    @Test("the JSON report carries versions, ranked gaps and per-site findings")
    func jsonReport() throws {
        var a = blueprint.analyze(plant: plant)
        a.blueprintVersion = BlueprintFile.fingerprint(blueprint)
        let json = BlueprintReportJSON.analysis(a)
        #expect(json["versions"]?["blueprint"] == .string(BlueprintFile.fingerprint(blueprint)))
        #expect(json["versions"]?["siteDefinitions"] == .string("aerostar-kpi-1"))
        guard case .array(let gaps)? = json["gaps"], case .array(let sites)? = json["sites"] else {
            Issue.record("gaps and sites must be arrays")
            return
        }
        #expect(gaps.count == a.gaps.count && sites.count == 3)
        #expect(gaps.first?["rank"] == .number(1) && gaps.first?["score"] == .number(27))
        // The text is parseable JSON with the same content.
        let text = BlueprintReportJSON.text(json)
        #expect(try JSONValue.parse(Data(text.utf8)) == json)
        #expect(BlueprintReportText.analysis(a).contains("toulouse  unvalidated activity"))
    }
}
