extension BlueprintExposure {
    /// Default exposure of an activity cell in an aerospace manufacturer (AS9100, EASA/FAA Part 21 production
    /// approval, Part 145 for maintenance, Part 11-style electronic records, NADCAP special processes).
    ///
    /// The reasoning: what decides or proves conformity of flight hardware — routings and work instructions,
    /// step enforcement and sign-offs, inspection results, genealogy and lot traceability — is high on all three
    /// weights; scheduling and analysis are low (a wrong schedule costs money, not airworthiness). A blueprint
    /// overrides any cell with `activityExposure`.
    public static func aerospaceDefault(for cell: BlueprintActivity) -> BlueprintExposure {
        let as9100 = "AS9100"
        let part21 = "Part 21"
        let part11 = "Part 11"
        let part145 = "Part 145"
        func e(_ s: Int, _ q: Int, _ r: Int, _ regimes: String...) -> BlueprintExposure {
            BlueprintExposure(safety: s, quality: q, regulatory: r, regimes: regimes)
        }
        switch (cell.category, cell.activity) {
        case (.production, .definitionManagement): return e(3, 3, 3, as9100, part21)
        case (.production, .resourceManagement): return e(1, 2, 2, as9100)
        case (.production, .detailedScheduling): return e(0, 1, 0)
        case (.production, .dispatching): return e(1, 2, 1, as9100)
        case (.production, .executionManagement): return e(3, 3, 3, as9100, part21, part11)
        case (.production, .dataCollection): return e(2, 3, 3, as9100, part11)
        case (.production, .tracking): return e(3, 3, 3, as9100, part21)
        case (.production, .performanceAnalysis): return e(0, 1, 0)
        case (.quality, .definitionManagement): return e(3, 3, 3, as9100, "AS9102")
        case (.quality, .resourceManagement): return e(2, 3, 3, as9100)
        case (.quality, .detailedScheduling): return e(1, 2, 1)
        case (.quality, .dispatching): return e(1, 2, 1)
        case (.quality, .executionManagement): return e(3, 3, 3, as9100, "NADCAP")
        case (.quality, .dataCollection): return e(3, 3, 3, as9100, part11)
        case (.quality, .tracking): return e(3, 3, 3, as9100, part21)
        case (.quality, .performanceAnalysis): return e(1, 2, 2, as9100)
        case (.maintenance, .definitionManagement): return e(2, 2, 2, part145, as9100)
        case (.maintenance, .resourceManagement): return e(1, 1, 1, part145)
        case (.maintenance, .detailedScheduling): return e(1, 1, 1)
        case (.maintenance, .dispatching): return e(1, 1, 1)
        case (.maintenance, .executionManagement): return e(2, 2, 2, part145)
        case (.maintenance, .dataCollection): return e(2, 1, 2, part145)
        case (.maintenance, .tracking): return e(2, 2, 2, part145)
        case (.maintenance, .performanceAnalysis): return e(0, 1, 0)
        case (.inventory, .definitionManagement): return e(1, 2, 1, as9100)
        case (.inventory, .resourceManagement): return e(0, 1, 0)
        case (.inventory, .detailedScheduling): return e(0, 0, 0)
        case (.inventory, .dispatching): return e(0, 1, 0)
        case (.inventory, .executionManagement): return e(1, 2, 1, as9100)
        case (.inventory, .dataCollection): return e(1, 2, 1, as9100)
        case (.inventory, .tracking): return e(2, 3, 3, as9100, part21)
        case (.inventory, .performanceAnalysis): return e(0, 0, 0)
        }
    }
}
