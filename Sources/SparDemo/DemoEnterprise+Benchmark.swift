import SparCore

extension DemoEnterprise {
    public static let benchmarkSites = 10
    static let benchmarkAreas = 5
    static let benchmarkWorkCentersPerArea = 8

    static let benchmarkZones = [
        "America/Chicago", "Europe/Paris", "Asia/Tokyo", "America/Los_Angeles", "Europe/Berlin", "Asia/Shanghai",
        "America/Sao_Paulo", "Europe/London", "Asia/Kolkata", "Australia/Sydney",
    ]
    static let benchmarkSiteCalendars = ["two-shift-us", "two-shift-eu", "two-shift-jp"]
    static let benchmarkAreaKinds: [(area: String, units: [String])] = [
        ("machining", ["cnc", "lathe"]),
        ("special-processes", ["furnace", "penetrant-line", "chemfilm-line", "shot-peen"]),
        ("composites", ["ply-cutter", "layup-cell", "autoclave"]),
        ("assembly", ["riveting-cell", "sealing-cell", "cmm"]),
        ("finishing", ["paint-booth", "anodize-line", "kit-store"]),
    ]

    /// A synthetic enterprise "aerostar-bench" with exactly `units` work units, for benchmarks.
    ///
    /// Up to `sites` sites (10 unless asked) × 5 areas × 8 work centers share the units evenly, in order; with fewer
    /// units than work centers only the first work centers are used. Sites cycle through ten IANA time zones and the demo's
    /// two-shift calendars; every fourth work center runs three shifts. Calendars, reason codes and source systems
    /// are the demo model's, and unit ids (`cnc-00017`, `autoclave-00230`, …) select the same process profiles, so
    /// ``DemoGenerator`` produces the same kind of events as for the demo. A `units` of 0 or less gives one site
    /// with no work unit. The model passes ``PlantModel/validationProblems()``.
    public static func benchmarkModel(units: Int, sites maxSites: Int = benchmarkSites) -> PlantModel {
        let n = max(0, units)
        let perSite = benchmarkAreas * benchmarkWorkCentersPerArea
        let workCenterCount = min(max(1, maxSites) * perSite, max(1, n))
        // Unit i goes to work center i * workCenterCount / n: contiguous, as even as possible.
        var unitsOfWorkCenter = [[WorkUnit]](repeating: [], count: workCenterCount)
        for i in 0..<n {
            let w = i * workCenterCount / n
            let area = benchmarkAreaKinds[(w / benchmarkWorkCentersPerArea) % benchmarkAreas]
            let kind = area.units[i % area.units.count]
            let id = kind + "-" + UnitSimulation.padded(i + 1, 5)
            unitsOfWorkCenter[w].append(WorkUnit(id: id, ratedRate: ProcessProfile.forUnit(id: id).ratedRate))
        }
        var sites: [Site] = []
        let siteCount = n == 0 ? 1 : (workCenterCount + perSite - 1) / perSite
        for s in 0..<siteCount {
            var areas: [Area] = []
            for a in 0..<benchmarkAreas {
                var workCenters: [WorkCenter] = []
                for c in 0..<benchmarkWorkCentersPerArea {
                    let w = s * perSite + a * benchmarkWorkCentersPerArea + c
                    guard w < workCenterCount, !unitsOfWorkCenter[w].isEmpty else { continue }
                    let kind = WorkCenterKind.allCases[c % WorkCenterKind.allCases.count]
                    let calendar = c % 4 == 3 ? (s % 2 == 0 ? "three-shift-us" : "three-shift-eu") : nil
                    workCenters.append(
                        WorkCenter(
                            id: "wc-" + UnitSimulation.padded(c + 1, 2), kind: kind, calendar: calendar,
                            workUnits: unitsOfWorkCenter[w]))
                }
                if !workCenters.isEmpty { areas.append(Area(id: benchmarkAreaKinds[a].area, workCenters: workCenters)) }
            }
            sites.append(
                Site(
                    id: "site-" + UnitSimulation.padded(s + 1, 2), timeZone: benchmarkZones[s % benchmarkZones.count],
                    calendar: benchmarkSiteCalendars[s % benchmarkSiteCalendars.count], areas: areas))
        }
        return PlantModel(
            enterprise: "aerostar-bench", sites: sites, calendars: calendars, reasons: reasons, systems: systems)
    }
}
