import SparCore

/// The demo enterprise "aerostar": an aerospace manufacturer with three sites on three continents.
///
/// - wichita (America/Chicago): wing machining, special processes and wing-panel assembly on two shifts, with
///   three shifts on the busiest CNCs and the heat-treat furnaces.
/// - toulouse (Europe/Paris): composites with an autoclave that runs around the clock (no calendar anywhere up
///   its path), three-shift machining, NDT and fuselage assembly; rework is still tracked in a spreadsheet.
/// - nagoya (Asia/Tokyo): flap machining, surface treatment and assembly on a two-shift calendar whose night
///   shift passes midnight, fed by a legacy MES.
///
/// The model has 37 work units, every ISA-95 work-center kind, reason codes for every ISO 22400 time category
/// and seven source systems (one unvalidated). It passes ``PlantModel/validationProblems()`` with no problem.
public enum DemoEnterprise {
    /// The enterprise id of the demo model.
    public static let enterprise = "aerostar"

    /// The demo plant model.
    public static func plantModel() -> PlantModel {
        PlantModel(
            enterprise: enterprise,
            sites: [wichita, toulouse, nagoya],
            calendars: calendars,
            reasons: reasons,
            systems: systems)
    }

    /// Work units with their rated rate taken from the process profile their id selects.
    static func units(_ ids: [String], calendar: String? = nil) -> [WorkUnit] {
        ids.map { WorkUnit(id: $0, calendar: calendar, ratedRate: ProcessProfile.forUnit(id: $0).ratedRate) }
    }

    static var wichita: Site {
        Site(
            id: "wichita", timeZone: "America/Chicago", calendar: "two-shift-us",
            areas: [
                Area(
                    id: "machining",
                    workCenters: [
                        WorkCenter(
                            id: "5axis-line", kind: .productionLine,
                            workUnits: units(["cnc-01", "cnc-02"])
                                + units(["cnc-03", "cnc-04"], calendar: "three-shift-us")),
                        WorkCenter(id: "turning-cell", kind: .workCell, workUnits: units(["lathe-01", "lathe-02"])),
                    ]),
                Area(
                    id: "special-processes",
                    workCenters: [
                        WorkCenter(
                            id: "heat-treat", kind: .processCell, calendar: "three-shift-us",
                            workUnits: units(["furnace-01", "furnace-02"])),
                        WorkCenter(
                            id: "ndt", kind: .productionUnit, workUnits: units(["penetrant-line-01", "xray-01"])),
                        WorkCenter(id: "chem-film", kind: .processCell, workUnits: units(["chemfilm-line-01"])),
                    ]),
                Area(
                    id: "assembly",
                    workCenters: [
                        WorkCenter(
                            id: "wing-panel-line", kind: .productionLine,
                            workUnits: units(["riveting-cell-01", "riveting-cell-02", "sealing-cell-01"])),
                        WorkCenter(id: "paint", kind: .workCell, workUnits: units(["paint-booth-01"])),
                        WorkCenter(id: "kitting", kind: .storageZone, workUnits: units(["kit-store-01"])),
                    ]),
            ])
    }

    static var toulouse: Site {
        Site(
            id: "toulouse", timeZone: "Europe/Paris",
            areas: [
                Area(
                    id: "composites",
                    workCenters: [
                        WorkCenter(
                            id: "layup", kind: .workCell, calendar: "two-shift-eu",
                            workUnits: units(["ply-cutter-01", "layup-cell-01"])),
                        WorkCenter(id: "cure", kind: .productionUnit, workUnits: units(["autoclave-01"])),
                    ]),
                Area(
                    id: "machining", calendar: "three-shift-eu",
                    workCenters: [
                        WorkCenter(
                            id: "5axis-line", kind: .productionLine, workUnits: units(["cnc-01", "cnc-02", "cnc-03"]))
                    ]),
                Area(
                    id: "special-processes", calendar: "two-shift-eu",
                    workCenters: [
                        WorkCenter(
                            id: "ndt", kind: .productionUnit, workUnits: units(["ultrasonic-01", "penetrant-line-01"]))
                    ]),
                Area(
                    id: "assembly", calendar: "two-shift-eu",
                    workCenters: [
                        WorkCenter(
                            id: "fuselage-line", kind: .productionLine,
                            workUnits: units(["riveting-cell-01", "riveting-cell-02"])),
                        WorkCenter(id: "paint", kind: .workCell, workUnits: units(["paint-booth-01"])),
                    ]),
            ])
    }

    static var nagoya: Site {
        Site(
            id: "nagoya", timeZone: "Asia/Tokyo", calendar: "two-shift-jp",
            areas: [
                Area(
                    id: "machining",
                    workCenters: [
                        WorkCenter(
                            id: "5axis-line", kind: .productionLine, workUnits: units(["cnc-01", "cnc-02", "cnc-03"]))
                    ]),
                Area(
                    id: "special-processes",
                    workCenters: [
                        WorkCenter(id: "heat-treat", kind: .processCell, workUnits: units(["furnace-01"])),
                        WorkCenter(
                            id: "surface", kind: .processCell, workUnits: units(["shot-peen-01", "anodize-line-01"])),
                        WorkCenter(id: "ndt", kind: .productionUnit, workUnits: units(["penetrant-line-01"])),
                    ]),
                Area(
                    id: "assembly",
                    workCenters: [
                        WorkCenter(
                            id: "flap-line", kind: .productionLine,
                            workUnits: units(["riveting-cell-01", "riveting-cell-02"])),
                        WorkCenter(id: "inspection", kind: .workCell, workUnits: units(["cmm-01"])),
                    ]),
            ])
    }
}
