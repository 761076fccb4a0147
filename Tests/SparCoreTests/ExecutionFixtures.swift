import SparCore

/// 2026-03-02T06:00:00Z plus `minutes`.
func at(_ minutes: Int64) -> Timestamp {
    Timestamp(seconds: CivilDate.days(2026, 3, 2) * 86_400 + 6 * 3600).adding(seconds: minutes * 60)
}

func sign(_ signer: String, _ role: Role, _ meaning: ExecutionSignatureMeaning, _ minute: Int64) -> ExecutionSignature {
    ExecutionSignature(signer: signer, capacity: .role(role), meaning: meaning, time: at(minute))
}

func customer(_ signer: String, _ minute: Int64) -> ExecutionSignature {
    ExecutionSignature(signer: signer, capacity: .customer, meaning: .approved, time: at(minute))
}

/// Engineering and quality approvals of a routing revision.
func routingApprovals(_ minute: Int64) -> [ExecutionSignature] {
    [sign("eng-eve", .engineer, .approved, minute), sign("qa-ines", .quality, .approved, minute)]
}

/// Quality and engineering MRB signatures.
func mrb(_ minute: Int64) -> [ExecutionSignature] {
    [sign("qa-ines", .quality, .approved, minute), sign("eng-eve", .engineer, .approved, minute)]
}

let cnc = EquipmentPath("acme/wichita/machining/line-1/cnc-07")
let bench = EquipmentPath("acme/wichita/finishing/bench-2")

/// Part PN-100: operation 10 turns and bores (a first-article hold point at 10.20), operation 20 deburrs, marks and
/// inspects. Revision B adds operation 30 and follows WI-100 rev D.
func bracketRouting(_ revision: String = "A", customerApproval: Bool = false) -> Routing {
    let od = DataCollectionItem(
        id: "od", name: "outer diameter", type: .number, unit: "mm", lowerLimit: 25.00, upperLimit: 25.10, decimals: 2)
    let bore = DataCollectionItem(
        id: "bore", name: "bore diameter", type: .number, unit: "mm", lowerLimit: 12.00, upperLimit: 12.50, decimals: 2)
    var ops = [
        RoutingOperation(
            sequence: 10, title: "Turn and bore", workCenter: cnc,
            steps: [
                RoutingStep(
                    sequence: 10, instruction: "Turn the outer diameter",
                    document: DocumentReference(id: "WI-100", revision: revision == "A" ? "C" : "D"), dataItems: [od],
                    requiredTools: ["mic-25"]),
                RoutingStep(
                    sequence: 20, instruction: "Bore to size", dataItems: [bore], holdPoint: .firstArticle),
            ]),
        RoutingOperation(
            sequence: 20, title: "Finish", workCenter: bench,
            steps: [
                RoutingStep(
                    sequence: 10, instruction: "Deburr",
                    dataItems: [DataCollectionItem(id: "visual", name: "visual check", type: .passFail)]),
                RoutingStep(
                    sequence: 20, instruction: "Mark the serial",
                    dataItems: [DataCollectionItem(id: "mark", name: "marking", type: .text, mandatory: false)]),
                RoutingStep(sequence: 30, instruction: "Final inspection", requiredQualifications: ["INSP-1"]),
            ]),
    ]
    if revision != "A" {
        ops.append(
            RoutingOperation(
                sequence: 30, title: "Pack", workCenter: bench, steps: [RoutingStep(sequence: 10, instruction: "Pack")])
        )
    }
    return Routing(
        partNumber: "PN-100", revision: revision, customerApprovalRequired: customerApproval, operations: ops)
}

/// A one-operation, one-step routing of `part` (its step records a weight when `weighed`).
func simpleRouting(_ part: String, weighed: Bool = false) -> Routing {
    let weight = DataCollectionItem(
        id: "weight", name: "weight", type: .number, unit: "g", lowerLimit: 10, upperLimit: 20)
    return Routing(
        partNumber: part, revision: "1",
        operations: [
            RoutingOperation(
                sequence: 10, workCenter: bench,
                steps: [RoutingStep(sequence: 10, instruction: "Make \(part)", dataItems: weighed ? [weight] : [])])
        ])
}

/// A shop floor: applies facts as numbered events (`e1`, `e2`, …) at minutes after 06:00 and keeps the log.
struct ShopFloor {
    var state = ExecutionState()
    var log: [ExecutionEvent] = []
    var count = 0

    @discardableResult
    mutating func record(_ fact: ExecutionFact, at minute: Int64, by actor: String = "op-ann") throws
        -> [ExecutionConsequence]
    {
        count += 1
        let event = ExecutionEvent(id: EventID("e\(count)"), time: at(minute), actor: actor, fact: fact)
        let out = try state.apply(event)
        log.append(event)
        return out
    }

    /// The refusal of `fact`, or nil when it was accepted.
    mutating func refusal(_ fact: ExecutionFact, at minute: Int64, by actor: String = "op-ann") -> ExecutionRefusal? {
        do {
            try record(fact, at: minute, by: actor)
            return nil
        } catch {
            return error as? ExecutionRefusal
        }
    }

    /// The id the next recorded event gets.
    var nextID: EventID { EventID("e\(count + 1)") }

    mutating func release(_ routing: Routing, effective minute: Int64, approvedAt: Int64? = nil) throws {
        try record(
            .routingReleased(
                RoutingReleased(
                    routing: routing, effectiveFrom: at(minute), approvals: routingApprovals(approvedAt ?? minute))),
            at: approvedAt ?? minute, by: "eng-eve")
    }

    mutating func traveler(_ id: String, part: String, _ item: TravelerItem, at minute: Int64) throws {
        try record(
            .travelerReleased(TravelerReleased(traveler: id, workOrder: "WO-\(id)", partNumber: part, item: item)),
            at: minute, by: "plan-pat")
    }

    mutating func start(
        _ traveler: String, _ op: Int, _ step: Int, at minute: Int64, by actor: String = "op-ann",
        qualifications: [String] = [], tools: [String] = []
    ) throws {
        try record(
            .stepStarted(
                StepStarted(traveler: traveler, step: StepRef(op, step), qualifications: qualifications, tools: tools)),
            at: minute, by: actor)
    }

    @discardableResult
    mutating func data(_ traveler: String, _ op: Int, _ step: Int, _ item: String, _ value: DataValue, at minute: Int64)
        throws -> [ExecutionConsequence]
    {
        try record(
            .dataRecorded(DataRecorded(traveler: traveler, step: StepRef(op, step), item: item, value: value)),
            at: minute)
    }

    mutating func complete(_ traveler: String, _ op: Int, _ step: Int, at minute: Int64, by actor: String = "op-ann")
        throws
    {
        try record(
            .stepCompleted(
                StepCompleted(
                    traveler: traveler, step: StepRef(op, step), signature: sign(actor, .operator, .performed, minute))),
            at: minute, by: actor)
    }

    /// Starts and completes a step with no data, one minute long.
    mutating func run(_ traveler: String, _ op: Int, _ step: Int, at minute: Int64, by actor: String = "op-ann")
        throws
    {
        try start(traveler, op, step, at: minute, by: actor)
        try complete(traveler, op, step, at: minute + 1, by: actor)
    }

    mutating func inspect(
        _ traveler: String, _ op: Int, _ step: Int, at minute: Int64, by inspector: String = "qa-ines"
    )
        throws
    {
        try record(
            .holdPointSigned(
                HoldPointSigned(
                    traveler: traveler, step: StepRef(op, step),
                    signature: sign(inspector, .quality, .inspected, minute))),
            at: minute, by: inspector)
    }

    /// Operation 10 of PN-100 with in-limit values (minutes m…m+3) and its first-article hold point signed at m+4.
    mutating func turnAndBore(_ traveler: String, from m: Int64, bore: Double = 12.30) throws {
        try start(traveler, 10, 10, at: m, tools: ["mic-25"])
        try data(traveler, 10, 10, "od", .number(25.05), at: m)
        try complete(traveler, 10, 10, at: m + 1)
        try start(traveler, 10, 20, at: m + 2)
        try data(traveler, 10, 20, "bore", .number(bore), at: m + 2)
        try complete(traveler, 10, 20, at: m + 3)
        try inspect(traveler, 10, 20, at: m + 4)
    }

    /// Operation 20 of PN-100 (minutes m…m+5).
    mutating func finish(_ traveler: String, from m: Int64) throws {
        try start(traveler, 20, 10, at: m)
        try data(traveler, 20, 10, "visual", .passFail(true), at: m)
        try complete(traveler, 20, 10, at: m + 1)
        try run(traveler, 20, 20, at: m + 2)
        try start(traveler, 20, 30, at: m + 4, qualifications: ["INSP-1"])
        try complete(traveler, 20, 30, at: m + 5)
    }
}
