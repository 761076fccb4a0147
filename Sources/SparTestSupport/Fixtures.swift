import SparCore

/// Parses an RFC 3339 time in tests; a malformed literal is a bug in the test itself.
public func t(_ text: String) -> Timestamp {
    guard let ts = Timestamp(rfc3339: text) else { preconditionFailure("bad test time \(text)") }
    return ts
}

/// Small plant models for hand-worked cases.
public enum Fixtures {
    /// Reason codes used by the fixtures: run, setup, jam (delay), spindle (down, failure),
    /// stuck (down, not a failure), pm (planned down), wait (idle).
    public static let reasons: [ReasonCode] = [
        ReasonCode(code: "run", category: .production),
        ReasonCode(code: "setup", category: .setup),
        ReasonCode(code: "jam", category: .delay),
        ReasonCode(code: "spindle", category: .down, failure: true),
        ReasonCode(code: "hydraulics", category: .down, failure: true),
        ReasonCode(code: "stuck", category: .down),
        ReasonCode(code: "pm", category: .plannedDown),
        ReasonCode(code: "wait", category: .idle),
    ]

    public static let systems: [SourceSystem] = [
        SourceSystem(id: "mes", kind: .MES, validated: true),
        SourceSystem(id: "erp", kind: .ERP, validated: true),
        SourceSystem(id: "xls", kind: .spreadsheet, validated: false),
    ]

    /// Enterprise `e`, site `s` in `timeZone`, area `a`, work center `w`, with the given units and calendars.
    public static func plant(
        timeZone: String = "UTC", siteCalendar: String? = nil, units: [WorkUnit] = [WorkUnit(id: "u1")],
        calendars: [WorkCalendar] = []
    ) -> PlantModel {
        PlantModel(
            enterprise: "e",
            sites: [
                Site(
                    id: "s", timeZone: timeZone, calendar: siteCalendar,
                    areas: [Area(id: "a", workCenters: [WorkCenter(id: "w", kind: .productionLine, workUnits: units)])])
            ],
            calendars: calendars, reasons: reasons, systems: systems)
    }

    /// The p01 press case on a UTC unit without calendar: setup 00:00–00:40, run to 02:00, jam to 02:10,
    /// run to 03:00, spindle failure to 03:30, run to 04:00; order A1 with PRU 30 s and planned scrap 10.
    public static func pressScript() -> EventScript {
        var s = EventScript()
        s.orderStart("2026-06-10T00:00:00Z", "A1", pru: 30, planned: 1000, plannedScrap: 10)
        s.state("2026-06-10T00:00:00Z", reason: "setup")
        s.state("2026-06-10T00:40:00Z", reason: "run")
        s.state("2026-06-10T02:00:00Z", reason: "jam")
        s.state("2026-06-10T02:10:00Z", reason: "run")
        s.state("2026-06-10T03:00:00Z", reason: "spindle")
        s.state("2026-06-10T03:30:00Z", reason: "run")
        s.count("2026-06-10T01:00:00Z", good: 100, scrap: 2, rework: 0, order: "A1")
        s.count("2026-06-10T02:30:00Z", good: 150, scrap: 4, rework: 6, order: "A1")
        s.count("2026-06-10T03:45:00Z", good: 28, scrap: 0, rework: 0, order: "A1")
        return s
    }

    public static let weekdays: [Weekday] = [.mon, .tue, .wed, .thu, .fri]

    public static func shift(_ name: String, _ start: String, _ end: String, days: [Weekday] = weekdays) -> Shift {
        guard let s = TimeOfDay(start), let e = TimeOfDay(end) else { preconditionFailure("bad shift time") }
        return Shift(name: name, days: days, start: s, end: e)
    }

    public static func down(_ start: String, _ end: String, days: [Weekday] = weekdays) -> PlannedDownWindow {
        guard let s = TimeOfDay(start), let e = TimeOfDay(end) else { preconditionFailure("bad window time") }
        return PlannedDownWindow(days: days, start: s, end: e, reason: "break")
    }
}

/// Builds a unit's events in order of writing, with ids `p1`, `p2`, … (or a chosen prefix).
public struct EventScript: Sendable {
    public var unit: EquipmentPath
    public var source: String
    public var prefix: String
    public private(set) var events: [Event] = []

    public init(unit: String = "e/s/a/w/u1", source: String = "mes", prefix: String = "p") {
        self.unit = EquipmentPath(unit)
        self.source = source
        self.prefix = prefix
    }

    @discardableResult
    public mutating func add(_ ts: String, _ payload: EventPayload, source: String? = nil, id: String? = nil) -> EventID {
        let eid = EventID(id ?? "\(prefix)\(events.count + 1)")
        events.append(Event(id: eid, ts: t(ts), source: source ?? self.source, unit: unit, payload: payload))
        return eid
    }

    @discardableResult
    public mutating func state(_ ts: String, _ category: TimeCategory? = nil, reason: String? = nil, source: String? = nil)
        -> EventID
    {
        add(ts, .state(StateChange(category: category, reason: reason)), source: source)
    }

    @discardableResult
    public mutating func count(_ ts: String, good: Double, scrap: Double = 0, rework: Double = 0, order: String? = nil,
        source: String? = nil) -> EventID
    {
        add(ts, .count(Count(good: good, scrap: scrap, rework: rework, order: order)), source: source)
    }

    @discardableResult
    public mutating func orderStart(_ ts: String, _ order: String, pru: Double, planned: Double = 100,
        plannedScrap: Double? = nil, source: String? = nil) -> EventID
    {
        add(ts, .order(OrderAction(order: order, action: .start, material: "m", plannedRunTimePerUnit: pru,
            plannedQuantity: planned, plannedScrapQuantity: plannedScrap)), source: source)
    }

    @discardableResult
    public mutating func orderEnd(_ ts: String, _ order: String) -> EventID {
        add(ts, .order(OrderAction(order: order, action: .end)))
    }

    @discardableResult
    public mutating func labor(_ ts: String, _ worker: String, _ action: LaborAction.Action, order: String? = nil) -> EventID {
        add(ts, .labor(LaborAction(worker: worker, action: action, order: order)))
    }
}

extension KPIResult {
    /// A KPI's numeric value, nil when null or absent.
    public func number(_ id: String) -> Double? { kpi(id)?.number }
}
