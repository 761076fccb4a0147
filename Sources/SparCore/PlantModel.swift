/// The enterprise, its ISA-95 equipment hierarchy, calendars, reason codes and source systems
/// (events.md §1).
public struct PlantModel: Hashable, Sendable, Codable {
    public var enterprise: String
    public var sites: [Site]
    public var calendars: [WorkCalendar]
    public var reasons: [ReasonCode]
    public var systems: [SourceSystem]
    /// Material definitions (master data, e.g. from an ERP's B2MML MaterialDefinition); optional.
    public var materials: [MaterialDefinition]
    /// Material lots and their status; optional.
    public var lots: [MaterialLot]

    public init(
        enterprise: String, sites: [Site], calendars: [WorkCalendar] = [], reasons: [ReasonCode] = [],
        systems: [SourceSystem] = [], materials: [MaterialDefinition] = [], lots: [MaterialLot] = []
    ) {
        self.enterprise = enterprise
        self.sites = sites
        self.calendars = calendars
        self.reasons = reasons
        self.systems = systems
        self.materials = materials
        self.lots = lots
    }

    enum CodingKeys: String, CodingKey { case enterprise, sites, calendars, reasons, systems, materials, lots }

    /// Encodes every member; `materials` and `lots` only when there are some, so a model without them keeps the
    /// canonical form (and version fingerprint) it always had.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(enterprise, forKey: .enterprise)
        try c.encode(sites, forKey: .sites)
        try c.encode(calendars, forKey: .calendars)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(systems, forKey: .systems)
        if !materials.isEmpty { try c.encode(materials, forKey: .materials) }
        if !lots.isEmpty { try c.encode(lots, forKey: .lots) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enterprise = try c.decode(String.self, forKey: .enterprise)
        sites = try c.decode([Site].self, forKey: .sites)
        calendars = try c.decodeIfPresent([WorkCalendar].self, forKey: .calendars) ?? []
        reasons = try c.decodeIfPresent([ReasonCode].self, forKey: .reasons) ?? []
        systems = try c.decodeIfPresent([SourceSystem].self, forKey: .systems) ?? []
        materials = try c.decodeIfPresent([MaterialDefinition].self, forKey: .materials) ?? []
        lots = try c.decodeIfPresent([MaterialLot].self, forKey: .lots) ?? []
    }
}

public struct Site: Hashable, Sendable, Codable {
    public var id: String
    /// IANA time zone name; shift times are local to it.
    public var timeZone: String
    public var calendar: String?
    public var areas: [Area]

    public init(id: String, timeZone: String, calendar: String? = nil, areas: [Area]) {
        self.id = id
        self.timeZone = timeZone
        self.calendar = calendar
        self.areas = areas
    }
}

public struct Area: Hashable, Sendable, Codable {
    public var id: String
    public var calendar: String?
    public var workCenters: [WorkCenter]

    public init(id: String, calendar: String? = nil, workCenters: [WorkCenter]) {
        self.id = id
        self.calendar = calendar
        self.workCenters = workCenters
    }
}

/// ISA-95 work center kinds (IEC 62264-1).
public enum WorkCenterKind: String, Hashable, Sendable, Codable, CaseIterable {
    case productionLine, processCell, productionUnit, storageZone, workCell
}

public struct WorkCenter: Hashable, Sendable, Codable {
    public var id: String
    public var kind: WorkCenterKind
    public var calendar: String?
    public var workUnits: [WorkUnit]

    public init(id: String, kind: WorkCenterKind, calendar: String? = nil, workUnits: [WorkUnit]) {
        self.id = id
        self.kind = kind
        self.calendar = calendar
        self.workUnits = workUnits
    }
}

public struct WorkUnit: Hashable, Sendable, Codable {
    public var id: String
    public var calendar: String?
    /// Units per hour at the unit's maximum rated capacity (ISO 22400-2 EPC = ratedRate × POT in hours).
    public var ratedRate: Double?

    public init(id: String, calendar: String? = nil, ratedRate: Double? = nil) {
        self.id = id
        self.calendar = calendar
        self.ratedRate = ratedRate
    }
}

/// Days of the week as written in plant models.
public enum Weekday: String, Hashable, Sendable, Codable, CaseIterable {
    case mon, tue, wed, thu, fri, sat, sun

    /// ISO weekday number, 1 = Monday.
    public var isoNumber: Int { Weekday.allCases.firstIndex(of: self)! + 1 }
}

/// A wall-clock time of day, `HH:MM` (`24:00` allowed as an end), in minutes after midnight.
///
/// Decoding keeps a malformed text (with `minutes == -1`) so that validation can list every bad time at once.
public struct TimeOfDay: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var minutes: Int
    public var text: String

    public init(minutes: Int) {
        self.minutes = minutes
        let h = minutes / 60
        let m = minutes % 60
        text = (h < 10 ? "0\(h)" : "\(h)") + ":" + (m < 10 ? "0\(m)" : "\(m)")
    }

    public init?(_ text: String) {
        guard let m = TimeOfDay.parse(text) else { return nil }
        self.init(minutes: m)
    }

    public var isValid: Bool { minutes >= 0 }

    static func parse(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]),
            let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440
        else { return nil }
        return h * 60 + m
    }

    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self.text = text
        minutes = TimeOfDay.parse(text) ?? -1
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// A named shift: on the given local days, from `start` to `end` (an `end` at or before `start` passes midnight).
public struct Shift: Hashable, Sendable, Codable {
    public var name: String
    public var days: [Weekday]
    public var start: TimeOfDay
    public var end: TimeOfDay

    public init(name: String, days: [Weekday], start: TimeOfDay, end: TimeOfDay) {
        self.name = name
        self.days = days
        self.start = start
        self.end = end
    }

    public var crossesMidnight: Bool { end <= start }
}

/// Planned down time inside shifts (breaks, planned maintenance), on the given local days.
public struct PlannedDownWindow: Hashable, Sendable, Codable {
    public var days: [Weekday]
    public var start: TimeOfDay
    public var end: TimeOfDay
    public var reason: String?

    public init(days: [Weekday], start: TimeOfDay, end: TimeOfDay, reason: String? = nil) {
        self.days = days
        self.start = start
        self.end = end
        self.reason = reason
    }
}

/// A calendar exception for one local date: closed, or working only the named shifts.
public struct CalendarException: Hashable, Sendable, Codable {
    /// Local date `YYYY-MM-DD`.
    public var date: String
    public var closed: Bool?
    /// When present, exactly these shifts start on this date, whatever their usual days.
    public var shifts: [String]?

    public init(date: String, closed: Bool? = nil, shifts: [String]? = nil) {
        self.date = date
        self.closed = closed
        self.shifts = shifts
    }
}

public struct WorkCalendar: Hashable, Sendable, Codable {
    public var id: String
    public var shifts: [Shift]
    public var plannedDown: [PlannedDownWindow]?
    public var exceptions: [CalendarException]?

    public init(
        id: String, shifts: [Shift], plannedDown: [PlannedDownWindow]? = nil, exceptions: [CalendarException]? = nil
    ) {
        self.id = id
        self.shifts = shifts
        self.plannedDown = plannedDown
        self.exceptions = exceptions
    }
}

/// The ISO 22400 time categories a unit's state falls into.
public enum TimeCategory: String, Hashable, Sendable, Codable, CaseIterable {
    case production, setup, delay, down, plannedDown, idle
}

/// A local reason code and the ISO time category it maps to.
public struct ReasonCode: Hashable, Sendable, Codable {
    public var code: String
    public var category: TimeCategory
    /// Entering this reason counts as a failure event (FE) for MTBF/MTTR.
    public var failure: Bool?

    public init(code: String, category: TimeCategory, failure: Bool? = nil) {
        self.code = code
        self.category = category
        self.failure = failure
    }
}

public enum SystemKind: String, Hashable, Sendable, Codable, CaseIterable {
    case MES, ERP, PLM, QMS, LIMS, CMMS, APS, SCADA, historian, spreadsheet, custom
}

/// A system that feeds events to Spar.
public struct SourceSystem: Hashable, Sendable, Codable {
    public var id: String
    public var kind: SystemKind
    public var validated: Bool
    public var owner: String?
    public var version: String?

    public init(id: String, kind: SystemKind, validated: Bool, owner: String? = nil, version: String? = nil) {
        self.id = id
        self.kind = kind
        self.validated = validated
        self.owner = owner
        self.version = version
    }
}
