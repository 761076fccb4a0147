import SparCore

/// Small plants and blueprints whose findings are worked out by hand in the tests.
enum BlueprintFixtures {
    /// Enterprise `e` with sites `s` (calendar `day`, shift A) and `t`, one unit each, and five systems:
    /// mes (MES), erp (ERP), qms (QMS), hist (historian) — validated — and xls (spreadsheet, not validated).
    static func plant() -> PlantModel {
        func site(_ id: String, calendar: String?) -> Site {
            Site(
                id: id, timeZone: "UTC", calendar: calendar,
                areas: [
                    Area(
                        id: "a",
                        workCenters: [WorkCenter(id: "w", kind: .productionLine, workUnits: [WorkUnit(id: "u1")])])
                ])
        }
        return PlantModel(
            enterprise: "e", sites: [site("s", calendar: "day"), site("t", calendar: nil)],
            calendars: [
                WorkCalendar(
                    id: "day",
                    shifts: [
                        Shift(
                            name: "A", days: [.mon, .tue, .wed, .thu, .fri], start: TimeOfDay(minutes: 360),
                            end: TimeOfDay(minutes: 840))
                    ])
            ],
            reasons: [
                ReasonCode(code: "run", category: .production), ReasonCode(code: "jam", category: .delay),
                ReasonCode(code: "spindle", category: .down, failure: true),
            ],
            systems: [
                SourceSystem(id: "mes", kind: .MES, validated: true),
                SourceSystem(id: "erp", kind: .ERP, validated: true),
                SourceSystem(id: "qms", kind: .QMS, validated: true),
                SourceSystem(id: "hist", kind: .historian, validated: true),
                SourceSystem(id: "xls", kind: .spreadsheet, validated: false),
            ])
    }

    /// Everything out of scope except the given cells and data objects.
    static func outOfScope(except cells: [String], objects: [String]) -> [String] {
        BlueprintActivity.all.map(\.description).filter { !cells.contains($0) }
            + BlueprintDataObject.standard.map(\.id).filter { !objects.contains($0) }
    }

    /// The hand-worked case of the ranking test. Site `s` keeps three cells and five data objects in scope:
    ///
    /// - production/dataCollection: mes (full)        → covered
    /// - quality/dataCollection: xls (full)           → only in an unvalidated system
    /// - production/detailedScheduling: nobody        → uncovered
    /// - workOrder: owner erp, updated by mes         → non-owner update
    /// - routing: owners mes and erp                  → conflict
    /// - shiftCalendar: owner mes                     → fine
    /// - ncr, energyReading: not mapped               → no system of record (and EC supplied by nobody)
    static func ranked() -> Blueprint {
        Blueprint(
            definitionVersion: "k1",
            sites: [
                BlueprintSite(
                    id: "s",
                    outOfScope: outOfScope(
                        except: [
                            "production/dataCollection", "quality/dataCollection", "production/detailedScheduling",
                        ],
                        objects: ["workOrder", "routing", "shiftCalendar", "ncr", "energyReading"]),
                    coverage: [
                        BlueprintCoverage(system: "mes", full: ["production/dataCollection"]),
                        BlueprintCoverage(system: "xls", full: ["quality/dataCollection"]),
                    ],
                    dataObjects: [
                        BlueprintDataObjectUse(object: "workOrder", systemOfRecord: ["erp"], update: ["mes"]),
                        BlueprintDataObjectUse(object: "routing", systemOfRecord: ["mes", "erp"]),
                        BlueprintDataObjectUse(object: "shiftCalendar", systemOfRecord: ["mes"]),
                    ])
            ])
    }

    /// Version 1 of the versioning case: the spreadsheet does quality data collection at `s`.
    static func version1() -> Blueprint {
        Blueprint(
            definitionVersion: "k1",
            sites: [
                BlueprintSite(
                    id: "s",
                    outOfScope: outOfScope(
                        except: ["production/dataCollection", "quality/dataCollection"], objects: ["shiftCalendar"]),
                    coverage: [
                        BlueprintCoverage(system: "mes", full: ["production/dataCollection"]),
                        BlueprintCoverage(system: "xls", full: ["quality/dataCollection"]),
                    ],
                    dataObjects: [BlueprintDataObjectUse(object: "shiftCalendar", systemOfRecord: ["mes"])],
                    kpiMappings: [BlueprintKPIMapping(local: "OEE", canonical: "oee")])
            ])
    }

    /// Version 2: the QMS replaces the spreadsheet, a local KPI is mapped and the definition version moves on.
    static func version2() -> Blueprint {
        var b = version1()
        b.definitionVersion = "k2"
        b.sites[0].coverage[1] = BlueprintCoverage(system: "qms", full: ["quality/dataCollection"])
        b.sites[0].kpiMappings.append(BlueprintKPIMapping(local: "Yield", canonical: "qualityRatio"))
        return b
    }
}
