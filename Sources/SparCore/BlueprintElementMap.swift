/// Where an ISO 22400 element's data comes from in the MOM activity model: an activity cell (the systems covering
/// it supply the element) or a data object (the systems writing it supply the element).
public enum BlueprintElementOrigin: Hashable, Sendable, Comparable, CustomStringConvertible {
    case activity(BlueprintActivity)
    case dataObject(String)

    /// `production/dataCollection` or `object workOrder`.
    public var description: String {
        switch self {
        case .activity(let a): a.description
        case .dataObject(let id): "object \(id)"
        }
    }

    /// Activity cells first (in grid order), then data objects by id.
    public static func < (a: BlueprintElementOrigin, b: BlueprintElementOrigin) -> Bool {
        switch (a, b) {
        case (.activity(let x), .activity(let y)): x < y
        case (.activity, .dataObject): true
        case (.dataObject, .activity): false
        case (.dataObject(let x), .dataObject(let y)): x < y
        }
    }
}

/// The lineage rules of the blueprint analysis: which base elements each KPI element stands for, where each base
/// element comes from in the activity model, and which elements an event supplies.
///
/// The origins (kpis.md "Elements", mapped onto IEC 62264-3):
///
/// | elements | origin |
/// |---|---|
/// | POT | shift calendar (data object) |
/// | PDOT | shift calendar + production data collection (`plannedDown` states) |
/// | APT, AUST, ADET, ADOT, PQ, PWT, APWT | production data collection (states, counts, labor) |
/// | GQ, SQ, RQ | production and quality data collection (counts, dispositions) |
/// | AOET | work order (its writers report start/end) |
/// | PRU, PSQ | routing and work order (standard times and planned scrap travel with the order) |
/// | FE, TTR | maintenance data collection |
/// | TTF, TBF | production and maintenance data collection |
/// | CMT, PMT | maintenance data collection |
/// | measurements | quality data collection |
/// | CM, PL, STL, OL, FGQ, AI | inventory data collection |
/// | EC | energy reading (data object; its system of record is typically an energy historian) |
///
/// Derived elements expand into their parts: PBT = POT − PDOT, AUBT = APT + AUST + ADET, AUPT = APT + AUST,
/// PRUxPQ = Σ(PRU × PQ).
public enum BlueprintElementMap {
    static let productionDC = BlueprintElementOrigin.activity(.init(.production, .dataCollection))
    static let qualityDC = BlueprintElementOrigin.activity(.init(.quality, .dataCollection))
    static let maintenanceDC = BlueprintElementOrigin.activity(.init(.maintenance, .dataCollection))
    static let inventoryDC = BlueprintElementOrigin.activity(.init(.inventory, .dataCollection))

    /// Base elements with their origins, in report order.
    public static let table: [(element: String, meaning: String, origins: [BlueprintElementOrigin])] = [
        ("POT", "planned operation time", [.dataObject("shiftCalendar")]),
        ("PDOT", "planned down time", [.dataObject("shiftCalendar"), productionDC]),
        ("APT", "actual production time", [productionDC]),
        ("AUST", "actual unit setup time", [productionDC]),
        ("ADET", "actual unit delay time", [productionDC]),
        ("ADOT", "actual unit down time", [productionDC]),
        ("AOET", "actual order execution time", [.dataObject("workOrder")]),
        ("PRU", "planned run time per unit", [.dataObject("routing"), .dataObject("workOrder")]),
        ("PSQ", "planned scrap quantity", [.dataObject("routing"), .dataObject("workOrder")]),
        ("PQ", "produced quantity", [productionDC]),
        ("GQ", "good quantity", [productionDC, qualityDC]),
        ("SQ", "scrap quantity", [productionDC, qualityDC]),
        ("RQ", "rework quantity", [productionDC, qualityDC]),
        ("PWT", "planned personnel work time", [productionDC]),
        ("APWT", "actual personnel work time", [productionDC]),
        ("APAT", "actual personnel attendance time (clocked in, breaks excluded)", [productionDC]),
        ("IP", "inspected parts (serials)", [qualityDC]),
        ("GP", "good parts at first pass (serials)", [qualityDC]),
        ("FE", "failure events", [maintenanceDC]),
        ("TTR", "time to repair", [maintenanceDC]),
        ("TTF", "time to failure", [productionDC, maintenanceDC]),
        ("TBF", "time between failures", [productionDC, maintenanceDC]),
        ("CMT", "corrective maintenance time", [maintenanceDC]),
        ("PMT", "preventive maintenance time", [maintenanceDC]),
        ("measurements", "measured values of quality characteristics", [qualityDC]),
        ("CM", "consumed material", [inventoryDC]),
        ("PL", "production loss", [inventoryDC]),
        ("STL", "storage and transportation loss", [inventoryDC]),
        ("OL", "other loss", [inventoryDC]),
        ("FGQ", "finished goods quantity", [inventoryDC]),
        ("IGQ", "integrated good quantity (every grade)", [inventoryDC]),
        ("AI", "average inventory", [inventoryDC]),
        ("EC", "energy consumed", [.dataObject("energyReading")]),
    ]

    /// Derived elements and the base elements they are computed from.
    public static let derived: [String: [String]] = [
        "PBT": ["POT", "PDOT"],
        "AUBT": ["APT", "AUST", "ADET"],
        "AUPT": ["APT", "AUST"],
        "PRUxPQ": ["PRU", "PQ"],
        "TH": ["IGQ"],
        "EPC": ["POT"],
        "PQ1": ["PQ", "AOET"],
        "SQO": ["SQ", "AOET"],
    ]

    /// Base element abbreviations in report order.
    public static let baseElements: [String] = table.map(\.element)

    /// True for a base or derived element abbreviation.
    public static func isKnown(_ element: String) -> Bool {
        derived[element] != nil || baseElements.contains(element)
    }

    /// The base elements `elements` stand for, each once, in report order.
    public static func baseElements(of elements: [String]) -> [String] {
        var wanted = Set<String>()
        for e in elements { wanted.formUnion(derived[e] ?? [e]) }
        return baseElements.filter { wanted.contains($0) }
    }

    /// Where a base element comes from; empty for an unknown element.
    public static func origins(of element: String) -> [BlueprintElementOrigin] {
        table.first { $0.element == element }?.origins ?? []
    }

    /// Plain words for an element.
    public static func meaning(of element: String) -> String {
        table.first { $0.element == element }?.meaning ?? element
    }

    /// Event types whose events can supply each base element (the union of ``elements(of:reasons:)`` over every
    /// payload of the type); `POT` comes from the shift calendar, not from events.
    public static let eventTypes: [String: [String]] = [
        "state": ["APT", "AUST", "ADET", "ADOT", "PDOT", "FE", "TTR", "TTF", "TBF"],
        "order": ["AOET", "PRU", "PSQ"],
        "count": ["PQ", "GQ", "SQ", "RQ"],
        "labor": ["PWT", "APWT", "APAT"],
        "maintenance": ["CMT", "PMT"],
        "measurement": ["measurements"],
        "material": ["CM", "PL", "STL", "OL", "FGQ", "IGQ", "AI"],
        "energy": ["EC"],
        "inspection": ["IP", "GP"],
    ]

    /// The event types (in ``eventTypes`` order: state, order, count, labor, maintenance, measurement, material,
    /// energy, inspection) whose events can supply one of `elements` (base or derived).
    public static func eventTypes(supplying elements: [String]) -> [String] {
        let base = Set(baseElements(of: elements))
        return ["state", "order", "count", "labor", "maintenance", "measurement", "material", "energy", "inspection"]
            .filter { !(eventTypes[$0] ?? []).allSatisfy { !base.contains($0) } }
    }

    /// The base elements one event supplies, given the plant's reason codes.
    ///
    /// A `state` supplies the element of its category (production → APT, setup → AUST, delay → ADET,
    /// down → ADOT and, for a failure reason, FE, TTR, TTF, TBF; plannedDown → PDOT); an `order` start PRU, AOET
    /// and (when given) PSQ, its end AOET; a `count` PQ, and GQ, SQ, RQ for each non-zero quantity (a count
    /// reporting `rework: 0` is not a rework source); `labor` clock-in/out PWT and start/stop APWT;
    /// `maintenance` CMT or PMT; `measurement` measurements; `material` the flow's element; `energy` EC.
    /// A correction supplies what its replacement supplies.
    public static func elements(of payload: EventPayload, reasons: [String: ReasonCode]) -> [String] {
        switch payload {
        case .state(let s):
            let reason = s.reason.flatMap { reasons[$0] }
            switch s.category ?? reason?.category {
            case .production?: return ["APT", "TTF", "TBF"]
            case .setup?: return ["AUST"]
            case .delay?: return ["ADET"]
            case .down?: return reason?.failure == true ? ["ADOT", "FE", "TTR", "TBF"] : ["ADOT"]
            case .plannedDown?: return ["PDOT"]
            case .idle?, nil: return []
            }
        case .order(let o):
            guard o.action == .start else { return ["AOET"] }
            return ["AOET", "PRU"] + (o.plannedScrapQuantity == nil ? [] : ["PSQ"])
        case .count(let c):
            return ["PQ"] + (c.good > 0 ? ["GQ"] : []) + (c.scrap > 0 ? ["SQ"] : []) + (c.rework > 0 ? ["RQ"] : [])
        case .labor(let l):
            switch l.action {
            case .clockIn, .clockOut: return ["PWT", "APAT"]
            case .breakStart, .breakEnd: return ["APAT"]
            case .start, .stop: return ["APWT"]
            }
        case .maintenance(let m):
            return m.kind == .corrective ? ["CMT"] : ["PMT"]
        case .measurement:
            return ["measurements"]
        case .material(let m):
            switch m.flow {
            case .consumed: return ["CM"]
            case .produced: return ["FGQ", "IGQ"]
            case .productionLoss: return ["PL"]
            case .storageLoss: return ["STL"]
            case .otherLoss: return ["OL"]
            case .inventory: return ["AI"]
            }
        case .energy:
            return ["EC"]
        case .inspection:
            return ["IP", "GP"]
        case .correction(let c):
            return c.replacement.map { elements(of: $0.payload, reasons: reasons) } ?? []
        }
    }
}
