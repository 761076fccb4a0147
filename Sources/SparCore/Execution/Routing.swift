/// A routing's identity: a part number and one of its revisions (`PN-1001 rev B`).
public struct RoutingID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var partNumber: String
    public var revision: String

    public init(partNumber: String, revision: String) {
        self.partNumber = partNumber
        self.revision = revision
    }

    public var description: String { "\(partNumber) rev \(revision)" }

    public static func < (a: RoutingID, b: RoutingID) -> Bool {
        (a.partNumber, a.revision) < (b.partNumber, b.revision)
    }
}

/// A step of a routing or traveler: operation sequence number and step sequence number, written `20.30`.
public struct StepRef: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var operation: Int
    public var step: Int

    public init(_ operation: Int, _ step: Int) {
        self.operation = operation
        self.step = step
    }

    public var description: String { "\(operation).\(step)" }

    public static func < (a: StepRef, b: StepRef) -> Bool { (a.operation, a.step) < (b.operation, b.step) }
}

/// The manufacturing routing of one part revision (master data under change control): its operations in sequence.
public struct Routing: Hashable, Sendable {
    /// Where a routing revision stands in its life.
    public enum Status: String, Hashable, Sendable, CaseIterable {
        case draft, released, obsolete
    }

    public var partNumber: String
    public var revision: String
    public var status: Status
    /// When the revision takes effect; travelers released from then on bind to it.
    public var effectiveFrom: Timestamp?
    /// The customer must also sign use-as-is and repair dispositions of this part.
    public var customerApprovalRequired: Bool
    /// Operations, in the order they are performed.
    public var operations: [RoutingOperation]

    public init(
        partNumber: String, revision: String, status: Status = .draft, effectiveFrom: Timestamp? = nil,
        customerApprovalRequired: Bool = false, operations: [RoutingOperation]
    ) {
        self.partNumber = partNumber
        self.revision = revision
        self.status = status
        self.effectiveFrom = effectiveFrom
        self.customerApprovalRequired = customerApprovalRequired
        self.operations = operations
    }

    public var id: RoutingID { RoutingID(partNumber: partNumber, revision: revision) }

    /// The step at `ref`, if the routing has it.
    public func step(_ ref: StepRef) -> RoutingStep? {
        operations.first { $0.sequence == ref.operation }?.steps.first { $0.sequence == ref.step }
    }
}

/// One operation of a routing, performed at a work center or work unit.
public struct RoutingOperation: Hashable, Sendable {
    /// Sequence number (`10`, `20`, …); operations run in ascending order.
    public var sequence: Int
    public var title: String
    /// The work center or work unit that performs it.
    public var workCenter: EquipmentPath
    /// Its steps may be performed in any order, and it may start before earlier operations are complete (it never
    /// passes an unsigned hold point).
    public var allowOutOfSequence: Bool
    public var steps: [RoutingStep]
    /// Standard run time per piece (s): at a work unit, the planned run time per unit (PRU) of the order run the
    /// operation's steps record there. Without it the unit's time is recorded but no order run (no effectiveness).
    public var runTimePerUnit: Double?
    /// Standard setup time (s), the order run's planned setup time.
    public var setupTime: Double?
    /// The supplier that performs the operation (plating, heat treatment, NDT), when it is outside-processed: starting
    /// a step ships the part out, completing it receives it back; meanwhile WIP shows it at the supplier.
    public var outsideProcessor: String?

    public init(
        sequence: Int, title: String = "", workCenter: EquipmentPath, allowOutOfSequence: Bool = false,
        steps: [RoutingStep], runTimePerUnit: Double? = nil, setupTime: Double? = nil, outsideProcessor: String? = nil
    ) {
        self.outsideProcessor = outsideProcessor
        self.runTimePerUnit = runTimePerUnit
        self.setupTime = setupTime
        self.sequence = sequence
        self.title = title
        self.workCenter = workCenter
        self.allowOutOfSequence = allowOutOfSequence
        self.steps = steps
    }
}

/// A controlled document (work instruction, drawing) in the document control system, at one revision.
public struct DocumentReference: Hashable, Sendable, CustomStringConvertible {
    public var id: String
    public var revision: String

    public init(id: String, revision: String) {
        self.id = id
        self.revision = revision
    }

    public var description: String { "\(id) rev \(revision)" }
}

/// What kind of hold point a step is: the traveler does not go on past it until it is signed.
public enum HoldPointKind: String, Hashable, Sendable, CaseIterable {
    /// An in-process inspection by quality.
    case inspection
    /// First article inspection (AS9102).
    case firstArticle
    /// Inspection by the customer or its source inspector.
    case customerSource

    /// The phrase refusals use (`first-article hold point`).
    public var phrase: String {
        switch self {
        case .inspection: "inspection hold point"
        case .firstArticle: "first-article hold point"
        case .customerSource: "customer source inspection hold point"
        }
    }

    /// Who may sign the hold point when the step names no sign-off roles.
    public var defaultSignatories: [SignerCapacity] {
        switch self {
        case .inspection, .firstArticle: [.role(.quality)]
        case .customerSource: [.customer]
        }
    }
}

/// One step of an operation: the instruction, the data to collect, what the operator needs, and its sign-off.
public struct RoutingStep: Hashable, Sendable {
    public var sequence: Int
    public var instruction: String
    /// The work instruction or drawing the step follows.
    public var document: DocumentReference?
    public var dataItems: [DataCollectionItem]
    /// Qualifications the operator must hold (`NDT-PT-2`).
    public var requiredQualifications: [String]
    /// Tools (gauges, fixtures) the step must record as used.
    public var requiredTools: [String]
    public var holdPoint: HoldPointKind?
    /// Who may sign the hold point; empty means the hold point kind's default signatories.
    public var signOffRoles: [SignerCapacity]
    /// Time on the step is setup time of its work unit (AUST), not production time (APT).
    public var setup: Bool

    public init(
        sequence: Int, instruction: String, document: DocumentReference? = nil, dataItems: [DataCollectionItem] = [],
        requiredQualifications: [String] = [], requiredTools: [String] = [], holdPoint: HoldPointKind? = nil,
        signOffRoles: [SignerCapacity] = [], setup: Bool = false
    ) {
        self.setup = setup
        self.sequence = sequence
        self.instruction = instruction
        self.document = document
        self.dataItems = dataItems
        self.requiredQualifications = requiredQualifications
        self.requiredTools = requiredTools
        self.holdPoint = holdPoint
        self.signOffRoles = signOffRoles
    }

    /// Who may sign the step's hold point.
    public var holdPointSignatories: [SignerCapacity] {
        guard let holdPoint else { return [] }
        return signOffRoles.isEmpty ? holdPoint.defaultSignatories : signOffRoles
    }
}

/// The type of a collected value.
public enum DataItemType: String, Hashable, Sendable, CaseIterable {
    case number, text, boolean, passFail
}

/// One value a step collects: a characteristic to measure, a check to record.
public struct DataCollectionItem: Hashable, Sendable {
    /// Id unique within the step (`bore`).
    public var id: String
    /// The characteristic's name as refusals and NCRs show it (`bore diameter`).
    public var name: String
    public var type: DataItemType
    /// Unit of measure of a number (`mm`).
    public var unit: String?
    public var lowerLimit: Double?
    public var upperLimit: Double?
    /// The step cannot complete without it.
    public var mandatory: Bool
    /// Decimal places values and limits are shown with (`2`: `12.50`).
    public var decimals: Int?

    public init(
        id: String, name: String, type: DataItemType, unit: String? = nil, lowerLimit: Double? = nil,
        upperLimit: Double? = nil, mandatory: Bool = true, decimals: Int? = nil
    ) {
        self.decimals = decimals
        self.id = id
        self.name = name
        self.type = type
        self.unit = unit
        self.lowerLimit = lowerLimit
        self.upperLimit = upperLimit
        self.mandatory = mandatory
    }

    /// The requirement as an NCR states it (`12.00–12.50 mm`, `≥ 3 mm`, `pass`).
    public var requirement: String {
        let u = unit.map { " \($0)" } ?? ""
        switch (type, lowerLimit, upperLimit) {
        case (.number, let lo?, let hi?): return "\(show(lo))–\(show(hi))\(u)"
        case (.number, let lo?, nil): return "≥ \(show(lo))\(u)"
        case (.number, nil, let hi?): return "≤ \(show(hi))\(u)"
        case (.passFail, _, _): return "pass"
        default: return "recorded"
        }
    }

    /// Whether a number lies within the limits (inclusive).
    public func isWithinLimits(_ value: Double) -> Bool {
        value.isFinite && (lowerLimit.map { value >= $0 } ?? true) && (upperLimit.map { value <= $0 } ?? true)
    }

    /// A number as this item shows it: with ``decimals`` places when set, else as few as it needs.
    public func show(_ value: Double) -> String {
        guard let decimals, decimals >= 0, decimals <= 9 else {
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let n = Int64((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && n != 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(n) }
        let frac = String(n % scale)
        return sign + String(n / scale) + "." + String(repeating: "0", count: decimals - frac.count) + frac
    }
}
