import Foundation
import SparCore
import SparInterchange
import Testing

@Suite("Blueprint files: loading, validation and canonical form")
struct BlueprintValidationTests {
    let plant = BlueprintFixtures.plant()

    static func resource(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Resources"))
        return try Data(contentsOf: url)
    }

    @Test("an invalid blueprint is rejected with every problem listed, each naming its record and field")
    func everyProblemListed() throws {
        let data = try Self.resource("invalid-blueprint")
        do {
            _ = try BlueprintFile.decode(data, name: "invalid-blueprint.yaml", json: false, plant: plant)
            Issue.record("the blueprint should have been rejected")
        } catch let e as InvalidBlueprint {
            #expect(
                e.problems.map(\.description) == [
                    "sites[s].coverage[mes].ful: unknown field (known: system, full, partial)",
                    "kpiExtensions[oee2].id: a local extension id must be local.<site>.<name>, never an ISO id",
                    "kpiExtensions[oee2].elements: unknown element 'XYZ'",
                    "sites[s].coverage: duplicate coverage entry for system 'mes'",
                    "sites[s].coverage[mes].full: unknown activity 'quality/datacollection' (expected category/activity, e.g. quality/dataCollection)",
                    "sites[s].coverage[ghost-mes].system: unknown system 'ghost-mes' (not in the plant model's systems)",
                    "sites[s].dataObjects[workOrder].update: unknown system 'ghost-erp' (not in the plant model's systems)",
                    "sites[s].dataObjects[toolLife].object: unknown data object 'toolLife' (declare custom objects under dataObjects)",
                    "sites[s].kpiMappings: duplicate local KPI 'OEE'",
                    "sites[s].kpiMappings[Uptime].canonical: unknown canonical KPI 'uptime' (an ISO id or a declared local.<site>.<name>)",
                    "sites[s].normalisation.timeZone: 'Europe/Paris' differs from the plant model's 'UTC' for the site",
                    "sites[s].normalisation.reasonCodes[run].category: maps 'run' to delay but the plant model's reason code maps it to production",
                    "sites[s].normalisation.reasonCodes[JAM].category: unknown time category 'stopped' (production, setup, delay, down, plannedDown, idle)",
                    "sites[s].normalisation.shifts[Early].shift: unknown shift 'Z' (the site's calendars have A)",
                    "sites[nowhere]: unknown site 'nowhere' (not a site of the plant model)",
                ])
            #expect(e.description.hasPrefix("invalid blueprint (15 problems):\n  - sites[s].coverage[mes].ful"))
        }
    }

    @Test("a document that is not a blueprint at all names the record and field")
    func structuralError() {
        let yaml = "sites:\n  - id: s\n    coverage:\n      - { full: [production/dataCollection] }\n"
        do {
            _ = try BlueprintFile.decode(Data(yaml.utf8), name: "b.yaml", json: false, plant: plant)
            Issue.record("the blueprint should have been rejected")
        } catch {
            #expect((error as? BlueprintFileError)?.description == "b.yaml: sites[0].coverage[0].system: missing")
        }
    }

    @Test("the YAML form decodes to the same blueprint as the Swift form, and canonical JSON round-trips")
    func yamlAndCanonicalJSON() throws {
        let fromYAML = try BlueprintFile.decode(Self.resource("ranked-blueprint"), json: false, plant: plant)
        #expect(fromYAML == BlueprintFixtures.ranked())
        let json = BlueprintFile.canonicalJSON(fromYAML)
        let back = try BlueprintFile.decode(Data(json.utf8), json: true, plant: plant)
        #expect(back == fromYAML)
        #expect(BlueprintFile.fingerprint(back) == BlueprintFile.fingerprint(BlueprintFixtures.ranked()))
        #expect(
            BlueprintFile.fingerprint(BlueprintFixtures.version1())
                != BlueprintFile.fingerprint(BlueprintFixtures.version2()))
    }

    @Test("systemOfRecord takes one id or a list")
    func systemOfRecordForms() throws {
        let yaml = """
            sites:
              - id: s
                dataObjects:
                  - { object: workOrder, systemOfRecord: erp }
                  - { object: routing, systemOfRecord: [mes, erp] }
                  - { object: bom }
            """
        let b = try BlueprintFile.decode(Data(yaml.utf8), json: false, plant: plant)
        #expect(b.sites[0].dataObjects.map(\.systemOfRecord) == [["erp"], ["mes", "erp"], []])
    }

    @Test("local extensions must be local.<site>.<name> of a blueprint site, with known elements and an ISO neighbour")
    func extensions() {
        var b = BlueprintFixtures.ranked()
        b.kpiExtensions = [
            BlueprintKPIExtension(
                id: "local.s.perf", name: "Performance", formula: "PRUxPQ / AUBT", elements: ["PRUxPQ", "AUBT"],
                nearestISO: "effectiveness"),
            BlueprintKPIExtension(
                id: "local.x.perf", name: "P", formula: "f", elements: ["APT"], category: "sales", nearestISO: "speed"),
        ]
        b.sites[0].kpiMappings = [BlueprintKPIMapping(local: "Perf", canonical: "local.s.perf")]
        #expect(
            b.validationProblems(plant: plant).map(\.description) == [
                "kpiExtensions[local.x.perf].id: unknown site 'x' (not a site of the blueprint)",
                "kpiExtensions[local.x.perf].category: unknown operations category 'sales' (production, quality, maintenance, inventory)",
                "kpiExtensions[local.x.perf].nearestISO: unknown ISO KPI 'speed'",
            ])
        b.kpiExtensions.removeLast()
        let s = b.analyze(plant: plant).site("s")
        let perf = s?.kpi("local.s.perf")
        #expect(perf?.kpi.isISO == false && perf?.kpi.label == "local.s.perf (local extension, not ISO)")
        #expect(perf?.localNames == ["Perf"])
        #expect(s?.kpis.count == 35)
    }

    @Test("exposure weights stay within 0…3 and overrides replace only the weights they give")
    func exposure() {
        var b = BlueprintFixtures.ranked()
        b.activityExposure = [
            BlueprintActivityExposure(activity: "quality/dataCollection", safety: 1),
            BlueprintActivityExposure(activity: "quality/everything", quality: 4),
        ]
        b.dataObjects = [
            BlueprintDataObject(id: "ncr", regulatory: 1), BlueprintDataObject(id: "tool life", safety: -1),
        ]
        #expect(
            b.validationProblems(plant: plant).map(\.description) == [
                "dataObjects[tool life]: id 'tool life' must be a non-empty word without spaces or '/'",
                "dataObjects[tool life].safety: weight -1 is outside 0…3",
                "activityExposure[quality/everything].activity: unknown activity 'quality/everything' (expected category/activity, e.g. quality/dataCollection)",
                "activityExposure[quality/everything].quality: weight 4 is outside 0…3",
            ])
        #expect(
            b.exposure(of: BlueprintActivity(.quality, .dataCollection))
                == BlueprintExposure(safety: 1, quality: 3, regulatory: 3, regimes: ["AS9100", "Part 11"]))
        #expect(b.exposure(ofObject: "ncr")?.total == 3 + 3 + 1)
        #expect(b.exposure(ofObject: "tool life")?.total == -1 + 1 + 1)
        #expect(b.exposure(ofObject: "unknown") == nil)
    }
}
