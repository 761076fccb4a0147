/// An operation on a traveler: from its routing revision, or added by an NCR's rework or repair disposition.
public struct TravelerOperation: Hashable, Sendable {
    public var operation: RoutingOperation
    /// The NCR whose disposition added it; nil for routing operations.
    public var addedBy: String?

    public init(operation: RoutingOperation, addedBy: String? = nil) {
        self.operation = operation
        self.addedBy = addedBy
    }

    public var sequence: Int { operation.sequence }
}

/// One recorded data value and what became of it.
public struct DataEntry: Hashable, Sendable {
    public var event: EventID
    public var item: String
    public var value: DataValue
    public var time: Timestamp
    public var recordedBy: String
    public var withinLimits: Bool
    /// The NCR this value opened.
    public var ncr: String?
    /// The correction that replaced or voided it.
    public var supersededBy: EventID?
    /// Why the value was corrected, on the entry a correction created.
    public var correctionReason: String?
    /// The entry this one corrects.
    public var corrects: EventID?

    public init(
        event: EventID, item: String, value: DataValue, time: Timestamp, recordedBy: String, withinLimits: Bool,
        ncr: String? = nil, supersededBy: EventID? = nil, correctionReason: String? = nil, corrects: EventID? = nil
    ) {
        self.event = event
        self.item = item
        self.value = value
        self.time = time
        self.recordedBy = recordedBy
        self.withinLimits = withinLimits
        self.ncr = ncr
        self.supersededBy = supersededBy
        self.correctionReason = correctionReason
        self.corrects = corrects
    }

    /// Not replaced or voided by a correction.
    public var isCurrent: Bool { supersededBy == nil }
}

/// What happened at one step of a traveler.
public struct StepExecution: Hashable, Sendable {
    public var startedAt: Timestamp
    public var startedBy: String
    public var qualifications: [String]
    public var tools: [String]
    /// Every value recorded, corrected ones included, in record order.
    public var data: [DataEntry]
    public var completedAt: Timestamp?
    public var completion: ExecutionSignature?
    public var holdPointSignature: ExecutionSignature?

    public init(startedAt: Timestamp, startedBy: String, qualifications: [String], tools: [String]) {
        self.startedAt = startedAt
        self.startedBy = startedBy
        self.qualifications = qualifications
        self.tools = tools
        self.data = []
    }

    public var isComplete: Bool { completedAt != nil }

    /// Milliseconds from start to completion (the step's time for the time model and labor); nil until complete.
    public var duration: Int64? { completedAt.map { $0.milliseconds - startedAt.milliseconds } }

    /// The value of a data item now in force (the latest correction's, if any).
    public func currentValue(_ item: String) -> DataEntry? {
        data.last { $0.item == item && $0.isCurrent }
    }
}

/// Good, scrap and rework quantities of a traveler, from its record and its NCRs' dispositions.
///
/// A piece is inspected once it has a final verdict: the whole quantity when the traveler completes or is scrapped,
/// else the pieces already scrapped or returned. Good pieces are those of a completed traveler not scrapped or
/// returned; good first-pass pieces are good pieces no NCR touched (reworked, repaired or used as is). Pieces are
/// counted through NCR quantities, so a piece on two NCRs counts twice.
public struct TravelerQuantities: Hashable, Sendable {
    public var quantity: Int
    public var inspected: Int
    public var good: Int
    public var goodFirstPass: Int
    public var scrap: Int
    /// Reworked and repaired pieces.
    public var rework: Int
    public var useAsIs: Int
    public var returnedToVendor: Int

    public init(
        quantity: Int = 0, inspected: Int = 0, good: Int = 0, goodFirstPass: Int = 0, scrap: Int = 0, rework: Int = 0,
        useAsIs: Int = 0, returnedToVendor: Int = 0
    ) {
        self.quantity = quantity
        self.inspected = inspected
        self.good = good
        self.goodFirstPass = goodFirstPass
        self.scrap = scrap
        self.rework = rework
        self.useAsIs = useAsIs
        self.returnedToVendor = returnedToVendor
    }

    /// First pass yield: good first-pass pieces over inspected pieces; nil when none was inspected.
    public var firstPassYield: Double? { inspected > 0 ? Double(goodFirstPass) / Double(inspected) : nil }

    /// The sum of two sets of quantities.
    public static func + (a: TravelerQuantities, b: TravelerQuantities) -> TravelerQuantities {
        TravelerQuantities(
            quantity: a.quantity + b.quantity, inspected: a.inspected + b.inspected, good: a.good + b.good,
            goodFirstPass: a.goodFirstPass + b.goodFirstPass, scrap: a.scrap + b.scrap, rework: a.rework + b.rework,
            useAsIs: a.useAsIs + b.useAsIs, returnedToVendor: a.returnedToVendor + b.returnedToVendor)
    }
}

/// A traveler: the execution record of one serial or lot through the routing revision it was bound to at release.
public struct TravelerRecord: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        case active
        case complete(at: Timestamp)
        /// Every piece scrapped or returned.
        case scrapped(at: Timestamp)
    }

    public var id: String
    public var workOrder: String
    public var partNumber: String
    public var item: TravelerItem
    /// The routing revision in force at release; it never changes afterwards.
    public var routing: RoutingID
    public var customerApprovalRequired: Bool
    public var releasedAt: Timestamp
    public var releasedBy: String
    /// Routing operations and added ones, in sequence order.
    public var operations: [TravelerOperation]
    public var steps: [StepRef: StepExecution]
    /// NCRs on this traveler, in the order opened.
    public var ncrs: [String]
    public var status: Status
    /// The last time the traveler moved (released, a step started or completed, a hold point signed, a disposition).
    public var lastMovedAt: Timestamp
    var scrap = 0
    var rework = 0
    var useAsIs = 0
    var returned = 0

    init(released: TravelerReleased, routing: Routing, at time: Timestamp, by actor: String) {
        id = released.traveler
        workOrder = released.workOrder
        partNumber = released.partNumber
        item = released.item
        self.routing = routing.id
        customerApprovalRequired = routing.customerApprovalRequired
        releasedAt = time
        releasedBy = actor
        operations = routing.operations.map { TravelerOperation(operation: $0) }
        steps = [:]
        ncrs = []
        status = .active
        lastMovedAt = time
    }

    public var isActive: Bool { status == .active }

    /// Every step of the traveler in order: operations by sequence, steps by sequence within each.
    public var orderedSteps: [StepRef] {
        operations.flatMap { op in op.operation.steps.map { StepRef(op.sequence, $0.sequence) } }
    }

    public func operation(_ sequence: Int) -> TravelerOperation? { operations.first { $0.sequence == sequence } }

    /// The routing (or added) step at `ref`.
    public func step(_ ref: StepRef) -> RoutingStep? {
        operation(ref.operation)?.operation.steps.first { $0.sequence == ref.step }
    }

    /// Operations added by rework and repair dispositions.
    public var addedOperations: [TravelerOperation] { operations.filter { $0.addedBy != nil } }

    /// Pieces not scrapped or returned.
    public var remainingQuantity: Int { max(0, item.quantity - scrap - returned) }

    /// Good, scrap and rework quantities so far.
    public var quantities: TravelerQuantities {
        let q = item.quantity
        var out = TravelerQuantities(
            quantity: q, scrap: scrap, rework: rework, useAsIs: useAsIs, returnedToVendor: returned)
        switch status {
        case .complete:
            out.inspected = q
            out.good = remainingQuantity
            out.goodFirstPass = max(0, remainingQuantity - rework - useAsIs)
        case .scrapped:
            out.inspected = q
        case .active:
            out.inspected = min(q, scrap + returned)
        }
        return out
    }

    /// True when every step is complete and every hold point signed.
    var isFinished: Bool {
        orderedSteps.allSatisfy { ref in
            guard let e = steps[ref], e.isComplete else { return false }
            return step(ref)?.holdPoint == nil || e.holdPointSignature != nil
        }
    }
}
