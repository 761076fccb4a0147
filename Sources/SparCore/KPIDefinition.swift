/// Whether a higher or a lower value of a KPI is better.
public enum KPITrend: String, Sendable, Hashable, Codable {
    case higher, lower, none
}

/// One KPI of the catalogue (../spec/kpis.md): its id, ISO 22400-2 name, formula and interpretation.
public struct KPIDefinition: Sendable, Hashable, Identifiable {
    public var id: String
    public var isoName: String
    public var formula: String
    public var unit: String
    public var trend: KPITrend
    /// Element abbreviations the formula reads.
    public var elements: [String]
    /// Spar's reading where ISO 22400-2 leaves room; part of the formula version.
    public var interpretation: String?
}

/// A KPI's value: a number, null (inputs missing or a zero denominator), or one value per characteristic.
public enum KPIValue: Sendable, Hashable {
    case number(Double)
    case null
    case byCharacteristic([String: Double?])

    public var number: Double? {
        if case .number(let v) = self { v } else { nil }
    }
}

/// The ISO 22400-2 KPI catalogue as Spar computes it.
public enum KPICatalogue {
    /// Identifies the formulas below; a change to any formula or interpretation is a new version.
    public static let formulaVersion = "iso22400-2:2014"
    /// Spar's own revision of its interpretations of the ISO text.
    public static let definitionVersion = "spar-kpi-1"

    public static let all: [KPIDefinition] = [
        .init(id: "workerEfficiency", isoName: "Worker efficiency", formula: "APWT / PWT", unit: "ratio",
              trend: .higher, elements: ["APWT", "PWT"],
              interpretation: "PWT is the clocked-in time (clockIn→clockOut) of every worker on the unit, summed per worker; APWT is the time workers spent on orders (start→stop)."),
        .init(id: "allocationRatio", isoName: "Allocation ratio", formula: "AUBT / AOET", unit: "ratio",
              trend: .higher, elements: ["AUBT", "AOET"], interpretation: nil),
        .init(id: "throughputRate", isoName: "Throughput rate", formula: "PQ / AOET", unit: "units per second",
              trend: .higher, elements: ["PQ", "AOET"], interpretation: nil),
        .init(id: "allocationEfficiency", isoName: "Allocation efficiency", formula: "AUBT / PBT", unit: "ratio",
              trend: .higher, elements: ["AUBT", "PBT"], interpretation: nil),
        .init(id: "utilizationEfficiency", isoName: "Utilization efficiency", formula: "APT / AUBT", unit: "ratio",
              trend: .higher, elements: ["APT", "AUBT"], interpretation: nil),
        .init(id: "oee", isoName: "OEE index", formula: "availability × effectiveness × qualityRatio", unit: "ratio",
              trend: .higher, elements: ["APT", "PBT", "PRUxPQ", "GQ", "PQ"], interpretation: nil),
        .init(id: "nee", isoName: "NEE index", formula: "(APT / (PBT − AUST)) × effectiveness × qualityRatio",
              unit: "ratio", trend: .higher, elements: ["APT", "PBT", "AUST", "PRUxPQ", "GQ", "PQ"],
              interpretation: "Net equipment effectiveness: setup time is taken out of the base instead of counted as a loss. With no setup in the window NEE equals OEE; with setup it is higher."),
        .init(id: "availability", isoName: "Availability", formula: "APT / PBT", unit: "ratio", trend: .higher,
              elements: ["APT", "PBT"], interpretation: "PBT time before a unit's first state event is in no state: it stays in PBT and lowers availability."),
        .init(id: "effectiveness", isoName: "Effectiveness", formula: "Σ(PRU × PQ) / APT", unit: "ratio",
              trend: .higher, elements: ["PRUxPQ", "APT"],
              interpretation: "PRU comes from the order a count names, else the order running on the unit at the count. If any produced quantity has no PRU the value is null (with a warning), never a guess. Not clamped: above 1 means PRU is pessimistic."),
        .init(id: "qualityRatio", isoName: "Quality ratio", formula: "GQ / PQ", unit: "ratio", trend: .higher,
              elements: ["GQ", "PQ"], interpretation: nil),
        .init(id: "setupRate", isoName: "Setup rate", formula: "AUST / AUPT", unit: "ratio", trend: .lower,
              elements: ["AUST", "AUPT"], interpretation: nil),
        .init(id: "technicalEfficiency", isoName: "Technical efficiency", formula: "APT / (APT + ADET)",
              unit: "ratio", trend: .higher, elements: ["APT", "ADET"], interpretation: nil),
        .init(id: "productionProcessRatio", isoName: "Production process ratio", formula: "APT / AOET",
              unit: "ratio", trend: .higher, elements: ["APT", "AOET"], interpretation: nil),
        .init(id: "actualToPlannedScrapRatio", isoName: "Actual to planned scrap ratio", formula: "SQ / PSQ",
              unit: "ratio", trend: .lower, elements: ["SQ", "PSQ"],
              interpretation: "PSQ sums the planned scrap of every order running on the unit during the window."),
        .init(id: "firstPassYield", isoName: "First pass yield", formula: "GQ / PQ (good at first pass)",
              unit: "ratio", trend: .higher, elements: ["GQ", "PQ"],
              interpretation: "A count's `good` is good at first pass; reworked parts are RQ and never re-enter GQ, so FPY = (PQ − SQ − RQ) / PQ."),
        .init(id: "scrapRatio", isoName: "Scrap ratio", formula: "SQ / PQ", unit: "ratio", trend: .lower,
              elements: ["SQ", "PQ"], interpretation: nil),
        .init(id: "reworkRatio", isoName: "Rework ratio", formula: "RQ / PQ", unit: "ratio", trend: .lower,
              elements: ["RQ", "PQ"], interpretation: nil),
        .init(id: "fallOffRatio", isoName: "Fall off ratio", formula: "(SQ + RQ) / PQ", unit: "ratio", trend: .lower,
              elements: ["SQ", "RQ", "PQ"],
              interpretation: "The share of the produced quantity that falls off the good flow at the scope (scrap and rework together)."),
        .init(id: "machineCapabilityIndex", isoName: "Machine capability index (Cm)", formula: "(USL − LSL) / (6σ)",
              unit: "–", trend: .higher, elements: ["measurements"],
              interpretation: "Per characteristic over one work unit's measurements in the window; σ is the sample standard deviation. Null above a work unit (use processCapabilityIndex)."),
        .init(id: "criticalMachineCapabilityIndex", isoName: "Critical machine capability index (Cmk)",
              formula: "min(USL − x̄, x̄ − LSL) / (3σ)", unit: "–", trend: .higher, elements: ["measurements"],
              interpretation: "As Cm, per characteristic over one work unit."),
        .init(id: "processCapabilityIndex", isoName: "Process capability index (Cp)", formula: "(USL − LSL) / (6σ)",
              unit: "–", trend: .higher, elements: ["measurements"],
              interpretation: "Per characteristic over all measurements of the scope's units; needs ≥ 2 values and constant limits."),
        .init(id: "criticalProcessCapabilityIndex", isoName: "Critical process capability index (Cpk)",
              formula: "min(USL − x̄, x̄ − LSL) / (3σ)", unit: "–", trend: .higher, elements: ["measurements"],
              interpretation: "As Cp."),
        .init(id: "comprehensiveEnergyConsumption", isoName: "Comprehensive energy consumption", formula: "EC / PQ",
              unit: "kWh per unit", trend: .lower, elements: ["EC", "PQ"], interpretation: nil),
        .init(id: "inventoryTurns", isoName: "Inventory turns", formula: "CM / AI", unit: "per window",
              trend: .higher, elements: ["CM", "AI"],
              interpretation: "AI is, per material, the mean of the inventory snapshots in the window, summed over materials."),
        .init(id: "finishedGoodsRatio", isoName: "Finished goods ratio", formula: "GQ / CM", unit: "ratio",
              trend: .higher, elements: ["GQ", "CM"], interpretation: nil),
        .init(id: "integratedGoodsRatio", isoName: "Integrated goods ratio", formula: "FGQ / CM", unit: "ratio",
              trend: .higher, elements: ["FGQ", "CM"],
              interpretation: "FGQ is the quantity of `produced` material movements: produced material integrated into finished goods."),
        .init(id: "productionLossRatio", isoName: "Production loss ratio", formula: "PL / CM", unit: "ratio",
              trend: .lower, elements: ["PL", "CM"], interpretation: nil),
        .init(id: "storageAndTransportationLossRatio", isoName: "Storage and transportation loss ratio",
              formula: "STL / CM", unit: "ratio", trend: .lower, elements: ["STL", "CM"], interpretation: nil),
        .init(id: "otherLossRatio", isoName: "Other loss ratio", formula: "OL / CM", unit: "ratio", trend: .lower,
              elements: ["OL", "CM"], interpretation: nil),
        .init(id: "equipmentLoadRatio", isoName: "Equipment load ratio", formula: "AUBT / POT", unit: "ratio",
              trend: .none, elements: ["AUBT", "POT"],
              interpretation: "Busy time (APT + AUST + ADET) over the whole planned operation time, planned down included."),
        .init(id: "meanTimeBetweenFailures", isoName: "Mean time between failures (MTBF)", formula: "Σ TBF / FE",
              unit: "s", trend: .higher, elements: ["TBF", "FE"],
              interpretation: "FE counts entries into a failure reason whose start lies in the window. TBF_i = TTF_i + TTR_i: the production time (APT) since the previous failure ended (or the window start) plus the failure's repair time, so MTBF = MTTF + MTTR. Divided by FE, not FE + 1."),
        .init(id: "meanTimeToFailure", isoName: "Mean time to failure (MTTF)", formula: "Σ TTF / FE", unit: "s",
              trend: .higher, elements: ["TTF", "FE"],
              interpretation: "TTF_i is the APT between the end of the previous failure (or the window start) and failure i."),
        .init(id: "meanTimeToRepair", isoName: "Mean time to repair (MTTR)", formula: "Σ TTR / FE", unit: "s",
              trend: .lower, elements: ["TTR", "FE"],
              interpretation: "TTR_i is the whole duration of failure i (until the unit leaves the failure reason), also past the window end; a failure still open is counted to the window end."),
        .init(id: "correctiveMaintenanceRatio", isoName: "Corrective maintenance ratio", formula: "CMT / (CMT + PMT)",
              unit: "ratio", trend: .lower, elements: ["CMT", "PMT"], interpretation: nil),
    ]

    public static func definition(_ id: String) -> KPIDefinition? { all.first { $0.id == id } }
}
