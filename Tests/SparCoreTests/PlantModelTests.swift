import Foundation
import SparCore
import SparInterchange
import SparTestSupport
import Testing

@Suite("Plant model loading and validation")
struct PlantModelTests {
    @Test("an invalid model is rejected with every problem listed")
    func everyProblemListed() throws {
        let url = try #require(Bundle.module.url(forResource: "invalid-plant", withExtension: "yaml", subdirectory: "Resources"))
        do {
            _ = try PlantModelFile.load(path: url.path)
            Issue.record("the model should have been rejected")
        } catch let e as InvalidPlantModel {
            let text = e.problems.map(\.description)
            let expected = [
                "sites: duplicate site id 'wichita'",
                "sites[wichita].timeZone: unknown IANA time zone 'America/Wichita_Falls'",
                "sites[wichita].areas[machining].calendar: unknown calendar 'nope'",
                "sites[wichita].areas[machining].workCenters[line-3].workUnits: duplicate work unit id 'cnc-07'",
                "calendars[two-shift].shifts[B].end: '25:00' is not a time HH:MM",
                "calendars[two-shift].shifts[C]: overlaps shift 'A' (06:00-14:00)",
                "calendars[two-shift].plannedDown[0].end: '9:30' is not a time HH:MM",
                "calendars[two-shift].exceptions[2026-02-30]: date '2026-02-30' is not a date YYYY-MM-DD",
                "reasons: duplicate reason id 'run'",
                "reasons[broke]: failure: true needs category down, not delay",
            ]
            for line in expected { #expect(text.contains(line), "missing: \(line)\n got: \(text)") }
            #expect(text.count == expected.count, "\(text)")
        }
    }

    @Test("a night shift that wraps Sunday into Monday overlaps an early Monday shift")
    func overlapAcrossWeekWrap() {
        let cal = WorkCalendar(id: "c", shifts: [
            Fixtures.shift("N", "22:00", "06:00", days: [.sun]),
            Fixtures.shift("E", "05:00", "13:00", days: [.mon]),
        ])
        let model = Fixtures.plant(siteCalendar: "c", calendars: [cal])
        #expect(model.validationProblems().map(\.description) == ["calendars[c].shifts[E]: overlaps shift 'N' (22:00-06:00)"])
    }

    @Test("the events.md example model loads from YAML and resolves the nearest calendar")
    func specExampleLoads() throws {
        let yaml = """
            enterprise: acme-aero
            sites:
              - id: wichita
                timeZone: America/Chicago
                calendar: two-shift
                areas:
                  - id: machining
                    workCenters:
                      - id: line-3
                        kind: productionLine
                        workUnits:
                          - id: cnc-07
                          - id: cnc-08
                            calendar: three-shift
            calendars:
              - id: two-shift
                shifts:
                  - { name: A, days: [mon, tue, wed, thu, fri], start: "06:00", end: "14:00" }
                  - { name: B, days: [mon, tue, wed, thu, fri], start: "14:00", end: "22:00" }
                plannedDown:
                  - { days: [mon, tue, wed, thu, fri], start: "10:00", end: "10:30", reason: break }
                exceptions:
                  - { date: "2026-12-25", closed: true }
              - id: three-shift
                shifts:
                  - { name: A, days: [mon, tue, wed, thu, fri], start: "06:00", end: "14:00" }
                  - { name: B, days: [mon, tue, wed, thu, fri], start: "14:00", end: "22:00" }
                  - { name: C, days: [mon, tue, wed, thu, fri], start: "22:00", end: "06:00" }
            reasons:
              - { code: running,     category: production }
              - { code: spindle-fail, category: down, failure: true }
            systems:
              - { id: mes-opcenter, kind: MES,  validated: true }
              - { id: rework-xls,   kind: spreadsheet, validated: false }
            """
        let model = try PlantModelFile.decode(Data(yaml.utf8), json: false)
        let units = model.resolvedWorkUnits
        #expect(units.map(\.path.description) == ["acme-aero/wichita/machining/line-3/cnc-07", "acme-aero/wichita/machining/line-3/cnc-08"])
        #expect(units.map(\.calendarID) == ["two-shift", "three-shift"])
        #expect(model.system(id: "rework-xls")?.validated == false)
        // JSON round trip keeps the model and its fingerprint.
        let json = PlantModelFile.canonicalJSON(model)
        let back = try PlantModelFile.decode(Data(json.utf8), json: true)
        #expect(back == model)
        #expect(PlantModelFile.fingerprint(back) == PlantModelFile.fingerprint(model))
    }

    @Test("a structurally broken file names the path of the bad field")
    func decodingErrorNamesPath() {
        let yaml = "enterprise: x\nsites:\n  - id: s\n    areas: []\n"
        #expect {
            _ = try PlantModelFile.decode(Data(yaml.utf8), json: false)
        } throws: { error in
            "\(error)".contains("sites[0].timeZone: missing")
        }
    }

    @Test("a YAML file whose aliases expand to millions of values is refused before it is decoded")
    func aliasAmplification() {
        // 40 units × 40 work centers × 40 areas × 40 sites through aliases: 2.56 million work units from 600 bytes
        // (found by the plant model fuzzer).
        let list = { (name: String) in "[" + Array(repeating: "*" + name, count: 40).joined(separator: ",") + "]" }
        let yaml = """
            enterprise: e
            x:
              u: &u {id: u}
              wu: &wu \(list("u"))
              wc: &wc {id: c, kind: workCell, workUnits: *wu}
              wcs: &wcs \(list("wc"))
              a: &a {id: a, workCenters: *wcs}
              as: &as \(list("a"))
              s: &s {id: s, timeZone: UTC, areas: *as}
            sites: \(list("s"))
            """
        #expect {
            _ = try PlantModelFile.decode(Data(yaml.utf8), name: "plant.yaml", json: false)
        } throws: { error in
            "\(error)" == "plant.yaml: the document expands to more than 200000 values (through YAML aliases); write it out"
        }
    }

    @Test("a key given twice is refused in YAML and in JSON, never read as one of its values")
    func repeatedKeys() {
        let yaml = "enterprise: x\nsites:\n  - id: s\n    timeZone: UTC\n    timeZone: Europe/Paris\n    areas: []\n"
        #expect {
            _ = try PlantModelFile.decode(Data(yaml.utf8), name: "plant.yaml", json: false)
        } throws: { error in
            "\(error)".hasPrefix("plant.yaml: (top level): ") && "\(error)".contains("duplicated") && "\(error)".contains("timeZone")
        }
        let json = #"{"enterprise":"x","enterprise":"y","sites":[]}"#
        #expect {
            _ = try PlantModelFile.decode(Data(json.utf8), name: "plant.json", json: true)
        } throws: { error in
            "\(error)" == "plant.json: field 'enterprise': the member name 'enterprise' appears twice in one object (byte 18)"
        }
    }
}

@Suite("Time stamps")
struct TimestampTests {
    @Test("RFC 3339 with offsets parses to the same instant", arguments: [
        ("2026-03-02T06:00:00Z", Int64(1_772_431_200_000)),
        ("2026-03-02T08:00:00+02:00", Int64(1_772_431_200_000)),
        ("2026-03-02T00:30:00-05:30", Int64(1_772_431_200_000)),
        ("2026-03-02T06:00:00.250Z", Int64(1_772_431_200_250)),
        ("1969-12-31T23:59:59Z", Int64(-1000)),
    ])
    func parses(text: String, ms: Int64) {
        #expect(Timestamp(rfc3339: text)?.milliseconds == ms)
    }

    @Test("times without an offset or with impossible fields are refused", arguments: [
        "2026-03-02T06:00:00", "2026-03-02", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-02T24:00:00Z",
        "2026-03-02T06:00:00+2:00", "yesterday", "2026-03-02T06:00:00Zjunk",
    ])
    func refuses(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test("formatting round-trips") func roundTrip() {
        let ts = Timestamp(milliseconds: 1_772_431_200_250)
        #expect(ts.rfc3339 == "2026-03-02T06:00:00.250Z")
        #expect(ts.rfc3339(offsetSeconds: 7200) == "2026-03-02T08:00:00.250+02:00")
        #expect(CivilDate.weekday(CivilDate.days(2026, 3, 2)) == 1)  // a Monday
    }
}
