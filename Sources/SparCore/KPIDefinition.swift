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
    /// Spar's reading where ISO 22400-2 leaves room; part of the definition version.
    public var interpretation: String?
    /// What the formula computes, as data the one KPI evaluator reads.
    public var expression: KPIFormula = .constant(0)
    /// The public evidence for this reading (../research/iso22400-crosscheck.md), when the version cites it.
    public var evidence: String? = nil

    public init(
        id: String, isoName: String, formula: String, unit: String, trend: KPITrend, elements: [String],
        interpretation: String?, expression: KPIFormula = .constant(0), evidence: String? = nil
    ) {
        self.id = id
        self.isoName = isoName
        self.formula = formula
        self.unit = unit
        self.trend = trend
        self.elements = elements
        self.interpretation = interpretation
        self.expression = expression
        self.evidence = evidence
    }
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

/// A KPI or element formula as data: the one evaluator (``KPICatalogue/compute(_:singleUnit:definition:)``) reads it.
///
/// Times stay integer milliseconds through sums and differences and become seconds where a ratio or product
/// reads them, so a formula gives the same bits as the arithmetic written out by hand.
public indirect enum KPIFormula: Sendable, Hashable {
    /// A definition-neutral quantity the engine derives from events and calendars (``KPIBaseQuantities``).
    case base(String)
    /// An element of the same definition, read earlier in its element list.
    case element(String)
    /// A KPI of the same definition, computed earlier in its KPI list.
    case kpi(String)
    case constant(Double)
    case sum([KPIFormula])
    case difference(KPIFormula, KPIFormula)
    /// Null when either side is null or the denominator is 0.
    case ratio(KPIFormula, KPIFormula)
    /// Null when any factor is null.
    case product([KPIFormula])
    /// A capability index per characteristic.
    case capability(CapabilityIndex)
}

/// Which capability index, over which measurements, with which σ.
public struct CapabilityIndex: Sendable, Hashable {
    public enum Reach: String, Sendable, Hashable {
        /// One work unit's measurements (null above a unit).
        case machine
        /// Every measurement of the scope's units.
        case process
    }
    public enum Kind: String, Sendable, Hashable {
        /// (USL − LSL) / (6σ)
        case potential
        /// min(USL − centre, centre − LSL) / (3σ)
        case critical
    }
    public enum Sigma: String, Sendable, Hashable {
        /// The overall sample standard deviation (n − 1) around the mean.
        case overallSample
        /// Within-subgroup σ̂ (s̄/c4, pooled, or MR̄/d2) around the mean of subgroup means.
        case withinSubgroup
    }
    public var reach: Reach
    public var kind: Kind
    public var sigma: Sigma
    public init(_ reach: Reach, _ kind: Kind, sigma: Sigma) {
        self.reach = reach
        self.kind = kind
        self.sigma = sigma
    }
}

/// How one definition version reads one ISO 22400-2 element from Spar's base quantities.
public struct KPIElementReading: Sendable, Hashable {
    /// The ISO abbreviation (key of `elements` in the output).
    public var name: String
    public var formula: KPIFormula
    /// The element in words: what counts, from which events.
    public var reading: String

    public init(_ name: String, _ formula: KPIFormula, _ reading: String) {
        self.name = name
        self.formula = formula
        self.reading = reading
    }
}

/// One registered version of the KPI definitions: element readings, one formula per KPI, and notes.
///
/// Every version is computed by the same evaluator from the same elements of the projection; a value once
/// reported under a version stays reproducible by naming it.
public struct KPIDefinitionVersion: Sendable, Hashable, Identifiable {
    /// `spar-kpi-1`, `spar-kpi-2`.
    public var id: String
    public var title: String
    /// The ISO edition the formulas read.
    public var formulaVersion: String
    public var notes: [String]
    /// Elements in output order; each may read elements listed before it.
    public var elements: [KPIElementReading]
    /// The 34 KPIs in catalogue order; each may read KPIs listed before it.
    public var kpis: [KPIDefinition]

    public func kpi(_ id: String) -> KPIDefinition? { kpis.first { $0.id == id } }
    public func element(_ name: String) -> KPIElementReading? { elements.first { $0.name == name } }
}

/// The KPI definition versions Spar can compute.
public enum KPICatalogue {
    /// The ISO edition both versions read.
    public static let formulaVersion = "iso22400-2:2014"
    /// The version a new ledger, and a computation from files, uses unless told otherwise.
    public static let defaultVersion = "spar-kpi-2"
    /// Every registered version, oldest first.
    public static let versions: [KPIDefinitionVersion] = [sparKPI1, sparKPI2]

    public static func version(_ id: String) -> KPIDefinitionVersion? { versions.first { $0.id == id } }
    /// The default version (``defaultVersion``).
    public static var latest: KPIDefinitionVersion { version(defaultVersion)! }
    /// The KPIs of the default version (ids and names are the same in every version).
    public static var all: [KPIDefinition] { latest.kpis }

    public static func definition(_ id: String) -> KPIDefinition? { latest.kpi(id) }

    /// The 34 KPIs as `spar-kpi-1` words them (kpis.md), before the formulas are attached.
    static let v1Texts: [KPIDefinition] = [
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
}
