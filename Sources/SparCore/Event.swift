/// The idempotency key of an event.
public struct EventID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: EventID, b: EventID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// One immutable shop-floor fact (events.md §2).
public struct Event: Hashable, Sendable {
    public var id: EventID
    /// When it happened (event time, from the source), not when Spar recorded it.
    public var ts: Timestamp
    public var source: String
    public var unit: EquipmentPath
    public var payload: EventPayload

    public init(id: EventID, ts: Timestamp, source: String, unit: EquipmentPath, payload: EventPayload) {
        self.id = id
        self.ts = ts
        self.source = source
        self.unit = unit
        self.payload = payload
    }

    /// The contract's `type` value.
    public var type: String { payload.type }
}

public enum EventPayload: Hashable, Sendable {
    case state(StateChange)
    case order(OrderAction)
    case count(Count)
    case labor(LaborAction)
    case maintenance(MaintenanceAction)
    case measurement(Measurement)
    case material(MaterialMovement)
    case energy(kwh: Double)
    case inspection(Inspection)
    indirect case correction(Correction)

    public var type: String {
        switch self {
        case .state: "state"
        case .order: "order"
        case .count: "count"
        case .labor: "labor"
        case .maintenance: "maintenance"
        case .measurement: "measurement"
        case .material: "material"
        case .energy: "energy"
        case .inspection: "inspection"
        case .correction: "correction"
        }
    }
}

/// The unit is in this state from the event's time until its next state event.
/// A unit's state from an instant until its next state: a category, a reason code (whose category the plant model
/// gives), both, or neither — the unknown state (`"state": "unknown"`), which counts like the time before a unit's
/// first state: inside PBT and in no other element.
public struct StateChange: Hashable, Sendable {
    public var category: TimeCategory?
    public var reason: String?
    public init(category: TimeCategory? = nil, reason: String? = nil) {
        self.category = category
        self.reason = reason
    }

    /// The wire value of the unknown state.
    public static let unknownName = "unknown"

    /// True for the unknown state: no category and no reason.
    public var isUnknown: Bool { category == nil && reason == nil }
}

public enum StartEnd: String, Hashable, Sendable, CaseIterable { case start, end }

public struct OrderAction: Hashable, Sendable {
    public var order: String
    public var action: StartEnd
    public var material: String?
    /// Planned run time per unit (PRU), seconds.
    public var plannedRunTimePerUnit: Double?
    public var plannedQuantity: Double?
    public var plannedSetupTime: Double?
    public var plannedScrapQuantity: Double?
    /// The order's operation this start runs (1 = the first operation); nil reads as 1 (kpis-v2.md).
    public var operation: Int?

    public init(
        order: String, action: StartEnd, material: String? = nil, plannedRunTimePerUnit: Double? = nil,
        plannedQuantity: Double? = nil, plannedSetupTime: Double? = nil, plannedScrapQuantity: Double? = nil,
        operation: Int? = nil
    ) {
        self.operation = operation
        self.order = order
        self.action = action
        self.material = material
        self.plannedRunTimePerUnit = plannedRunTimePerUnit
        self.plannedQuantity = plannedQuantity
        self.plannedSetupTime = plannedSetupTime
        self.plannedScrapQuantity = plannedScrapQuantity
    }
}

/// Quantities produced since the unit's previous count.
public struct Count: Hashable, Sendable {
    public var good: Double
    public var scrap: Double
    public var rework: Double
    public var order: String?
    public init(good: Double, scrap: Double, rework: Double, order: String? = nil) {
        self.good = good
        self.scrap = scrap
        self.rework = rework
        self.order = order
    }
}

public struct LaborAction: Hashable, Sendable {
    /// `breakStart`/`breakEnd` bound an authorised break inside clocked-in time (APAT excludes it).
    public enum Action: String, Hashable, Sendable, CaseIterable { case clockIn, clockOut, start, stop, breakStart, breakEnd }
    public var worker: String
    public var action: Action
    public var order: String?
    public init(worker: String, action: Action, order: String? = nil) {
        self.worker = worker
        self.action = action
        self.order = order
    }
}

public struct MaintenanceAction: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable { case corrective, preventive }
    public var kind: Kind
    public var action: StartEnd
    public init(kind: Kind, action: StartEnd) {
        self.kind = kind
        self.action = action
    }
}

public struct Measurement: Hashable, Sendable, Codable {
    public var characteristic: String
    public var value: Double
    public var lsl: Double
    public var usl: Double
    /// Rational subgroup the value belongs to (per unit and characteristic), for within-subgroup σ̂.
    public var subgroup: String?
    public init(characteristic: String, value: Double, lsl: Double, usl: Double, subgroup: String? = nil) {
        self.subgroup = subgroup
        self.characteristic = characteristic
        self.value = value
        self.lsl = lsl
        self.usl = usl
    }
}

public struct MaterialMovement: Hashable, Sendable {
    public enum Flow: String, Hashable, Sendable, CaseIterable {
        case consumed, produced, productionLoss, storageLoss, otherLoss, inventory
    }
    public var flow: Flow
    public var material: String
    public var quantity: Double
    /// Product grade of a `produced` movement (grade A, B, a co-product); IGQ sums every grade.
    public var grade: String?
    public init(flow: Flow, material: String, quantity: Double, grade: String? = nil) {
        self.grade = grade
        self.flow = flow
        self.material = material
        self.quantity = quantity
    }
}

/// One inspection of one serialized part against its quality requirements (ISO 22400-2 IP, GP).
public struct Inspection: Hashable, Sendable {
    public enum Result: String, Hashable, Sendable, CaseIterable { case pass, fail }
    public var serial: String
    public var result: Result
    public var order: String?
    public var characteristic: String?
    public init(serial: String, result: Result, order: String? = nil, characteristic: String? = nil) {
        self.serial = serial
        self.result = result
        self.order = order
        self.characteristic = characteristic
    }
}

/// Fixes an earlier event without editing it: a whole replacement, or a void.
public struct Correction: Hashable, Sendable {
    public var corrects: EventID
    /// The replacement event (its id is the correction's id); nil voids the corrected event.
    public var replacement: Event?
    /// Why the event is corrected (the JSON field `reason`); required when a person corrects (EU GMP Annex 11).
    public var reason: String?
    public init(corrects: EventID, replacement: Event?, reason: String? = nil) {
        self.corrects = corrects
        self.replacement = replacement
        self.reason = reason
    }
}
