import SparCore
import Testing

/// Execution domain tests (`swift test --filter ExecutionTests`).
@Suite("Execution")
struct ExecutionTests {}

extension ExecutionTests {
    @Suite("Routings: validation and revisions in force")
    struct Routings {
        @Test("an invalid routing lists every problem with its location")
        func everyProblemLocated() {
            let bad = Routing(
                partNumber: "", revision: "X",
                operations: [
                    RoutingOperation(
                        sequence: 10, workCenter: cnc,
                        steps: [
                            RoutingStep(
                                sequence: 10, instruction: "", document: DocumentReference(id: "WI-1", revision: ""),
                                dataItems: [
                                    DataCollectionItem(
                                        id: "bore", name: "bore diameter", type: .number, unit: "mm", lowerLimit: 12.5,
                                        upperLimit: 12.0, decimals: 2),
                                    DataCollectionItem(id: "note", name: "note", type: .text, unit: "mm"),
                                ],
                                signOffRoles: [.role(.quality)]),
                            RoutingStep(sequence: 10, instruction: "Again"),
                        ]),
                    RoutingOperation(sequence: 10, workCenter: cnc, steps: []),
                ])
            #expect(
                bad.validationProblems().map(\.description) == [
                    "partNumber: must not be empty",
                    "operations: duplicate operation 10",
                    "operations[10].steps: duplicate step 10",
                    "operations[10].steps[10].instruction: must not be empty",
                    "operations[10].steps[10].document.revision: must not be empty (a step follows one revision)",
                    "operations[10].steps[10].signOffRoles: sign-off roles need a hold point",
                    "operations[10].steps[10].dataItems[bore]: lower limit 12.50 is above upper limit 12.00",
                    "operations[10].steps[10].dataItems[note].unit: a unit applies to numbers only, not text",
                    "operations[10].steps: an operation needs at least one step",
                ])
            #expect(throws: InvalidRouting.self) { try bad.validate() }
            #expect(bracketRouting("A").validationProblems().isEmpty)
            #expect(bracketRouting("B").validationProblems().isEmpty)
        }

        @Test(
            "a traveler released before a revision change keeps its revision; one released after binds to the new one")
        func revisionChange() throws {
            var f = ShopFloor()
            try f.release(bracketRouting("A"), effective: 0)
            try f.traveler("T1", part: "PN-100", .serial("SN-1"), at: 10)
            try f.release(bracketRouting("B"), effective: 60, approvedAt: 30)
            try f.traveler("T2", part: "PN-100", .serial("SN-2"), at: 90)

            let t1 = try #require(f.state.travelers["T1"])
            let t2 = try #require(f.state.travelers["T2"])
            #expect(t1.routing == RoutingID(partNumber: "PN-100", revision: "A"))
            #expect(t1.operations.map(\.sequence) == [10, 20])
            #expect(t1.step(StepRef(10, 10))?.document == DocumentReference(id: "WI-100", revision: "C"))
            #expect(t2.routing == RoutingID(partNumber: "PN-100", revision: "B"))
            #expect(t2.operations.map(\.sequence) == [10, 20, 30])
            #expect(t2.step(StepRef(10, 10))?.document?.revision == "D")
            #expect(f.state.routing(inForceFor: "PN-100", at: at(59))?.revision == "A")
            #expect(f.state.routing(inForceFor: "PN-100", at: at(60))?.revision == "B")
            let revA = RoutingID(partNumber: "PN-100", revision: "A")
            #expect(f.state.status(of: revA, at: at(59)) == .released)
            #expect(f.state.status(of: revA, at: at(60)) == .obsolete)
            #expect(f.state.status(of: RoutingID(partNumber: "PN-100", revision: "Z"), at: at(60)) == nil)

            // T1 runs to the end under revision A after B took effect: two operations, no operation 30.
            try f.turnAndBore("T1", from: 100)
            try f.finish("T1", from: 110)
            #expect(f.state.travelers["T1"]?.status == .complete(at: at(115)))
            #expect(f.state.travelers["T1"]?.routing.revision == "A")
            #expect(
                f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(30, 10))), at: 120)?.reason
                    == "traveler T1 is complete since 2026-03-02T07:55:00Z")
            #expect(
                f.refusal(.stepStarted(StepStarted(traveler: "T2", step: StepRef(40, 10))), at: 120)?.reason
                    == "traveler T2 (routing PN-100 rev B) has no step 40.10")

            // As of 06:50 the record has one traveler and revision A in force.
            let early = try ExecutionState.replay(f.log, asOf: at(50))
            #expect(early.travelers.keys.sorted() == ["T1"])
            #expect(early.routing(inForceFor: "PN-100", at: at(50))?.revision == "A")
        }

        @Test("routing release refusals name the approval rule")
        func releaseRefusals() throws {
            var f = ShopFloor()
            try f.release(bracketRouting("A"), effective: 0)
            func release(_ routing: Routing, effective: Int64, _ approvals: [ExecutionSignature]) -> ExecutionRefusal? {
                f.refusal(
                    .routingReleased(
                        RoutingReleased(routing: routing, effectiveFrom: at(effective), approvals: approvals)),
                    at: 40)
            }
            let onlyEngineering = release(
                bracketRouting("C"), effective: 60, [sign("eng-eve", .engineer, .approved, 30)])
            #expect(onlyEngineering?.rule == .routingApproval)
            #expect(
                onlyEngineering?.reason
                    == "routing PN-100 rev C needs engineering and quality approvals, each by a different person (missing quality)"
            )
            let samePerson = release(
                bracketRouting("C"), effective: 60,
                [sign("eng-eve", .engineer, .approved, 30), sign("eng-eve", .quality, .approved, 30)])
            #expect(samePerson?.reason.hasSuffix("(missing quality)") == true)
            #expect(
                release(bracketRouting("C"), effective: 20, routingApprovals(30))?.reason
                    == "routing PN-100 rev C cannot take effect at 2026-03-02T06:20:00Z before its last approval at 2026-03-02T06:30:00Z"
            )
            #expect(
                release(bracketRouting("C"), effective: 60, [sign("eng-eve", .engineer, .reviewed, 30)])?.reason
                    == "a routing release needs signatures meaning 'approved', not 'reviewed'")
            #expect(
                release(bracketRouting("C"), effective: 60, [sign("op-ann", .operator, .approved, 30)])?.reason
                    == "signature meaning 'approved' needs role quality or engineer or supervisor or customer, not operator"
            )
            #expect(
                release(bracketRouting("A"), effective: 60, routingApprovals(30))?.reason
                    == "routing PN-100 rev A was already released")
            let invalid = release(bracketRouting(""), effective: 60, routingApprovals(30))
            #expect(invalid?.rule == .invalidRouting)
            #expect(invalid?.reason == "routing PN-100 rev  is invalid: revision: must not be empty")

            let unknownPart = f.refusal(
                .travelerReleased(
                    TravelerReleased(traveler: "T9", workOrder: "WO-9", partNumber: "PN-999", item: .serial("X"))),
                at: 100)
            #expect(unknownPart?.rule == .routingNotInForce)
            #expect(unknownPart?.reason == "no routing revision of part PN-999 is in force at 2026-03-02T07:40:00Z")
            try f.traveler("T1", part: "PN-100", .serial("SN-1"), at: 1)
            #expect(
                f.refusal(
                    .travelerReleased(
                        TravelerReleased(traveler: "T2", workOrder: "W", partNumber: "PN-100", item: .serial("SN-1"))),
                    at: 2)?.reason == "serial SN-1 already has traveler T1")
            #expect(
                f.refusal(
                    .travelerReleased(
                        TravelerReleased(
                            traveler: "T3", workOrder: "W", partNumber: "PN-100", item: .lot("L", quantity: 0))
                    ),
                    at: 2)?.rule == .quantity)

            var later = ShopFloor()
            try later.release(bracketRouting("A"), effective: 60, approvedAt: 5)
            #expect(
                later.refusal(
                    .travelerReleased(
                        TravelerReleased(traveler: "T1", workOrder: "W", partNumber: "PN-100", item: .serial("S"))),
                    at: 10)?.rule == .routingNotInForce)
        }
    }

    @Suite("Travelers: sequence, data, hold points, WIP")
    struct Travelers {
        @Test("a two-operation traveler with a first-article hold point, every step rule refused on the way")
        func firstArticleTraveler() throws {
            var f = ShopFloor()
            try f.release(bracketRouting("A"), effective: 0)
            try f.traveler("T1", part: "PN-100", .serial("SN-1"), at: 1)
            #expect(f.state.wip.first?.status == .waiting)
            #expect(f.state.wip.first?.step == StepRef(10, 10))

            let noTool = f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(10, 10))), at: 2)
            #expect(noTool?.rule == .qualification)
            #expect(noTool?.reason == "step 10.10 needs tool 'mic-25' recorded as used")
            let early = f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(10, 20))), at: 2)
            #expect(early?.rule == .sequence)
            #expect(early?.reason == "step 10.20 before 10.10: the routing does not allow out-of-sequence")

            try f.start("T1", 10, 10, at: 2, tools: ["mic-25"])
            #expect(f.state.wip.first?.status == .working)
            #expect(f.state.wip.first?.since == at(2))
            #expect(f.state.wip.first?.workCenter == cnc)
            #expect(try f.data("T1", 10, 10, "od", .number(25.05), at: 3).isEmpty)
            let again = f.refusal(
                .dataRecorded(DataRecorded(traveler: "T1", step: StepRef(10, 10), item: "od", value: .number(25.06))),
                at: 3
            )
            #expect(again?.rule == .dataCollection)
            #expect(
                again?.reason == "'outer diameter' of step 10.10 is already recorded: correct it with a reason instead")
            #expect(
                f.refusal(
                    .dataRecorded(DataRecorded(traveler: "T1", step: StepRef(10, 10), item: "nope", value: .number(1))),
                    at: 3)?
                    .reason == "step 10.10 has no data item 'nope'")
            try f.complete("T1", 10, 10, at: 4)
            #expect(
                f.refusal(
                    .dataRecorded(DataRecorded(traveler: "T1", step: StepRef(10, 10), item: "od", value: .number(25))),
                    at: 4)?
                    .reason == "data for step 10.10 can be recorded only while it is started (it is complete)")
            #expect(
                f.refusal(
                    .dataRecorded(
                        DataRecorded(traveler: "T1", step: StepRef(10, 20), item: "bore", value: .number(12.3))),
                    at: 4)?
                    .reason == "data for step 10.20 can be recorded only while it is started (it is not started)")
            let notStarted = f.refusal(
                .stepCompleted(
                    StepCompleted(
                        traveler: "T1", step: StepRef(10, 20), signature: sign("op-ann", .operator, .performed, 4))),
                at: 4)
            #expect(notStarted?.rule == .stepState)
            #expect(notStarted?.reason == "step 10.20 of traveler T1 cannot complete: it is not started")

            try f.start("T1", 10, 20, at: 5)
            #expect(
                f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(10, 20))), at: 5)?.reason
                    == "step 10.20 of traveler T1 was already started at 2026-03-02T06:05:00Z")
            let missing = f.refusal(
                .stepCompleted(
                    StepCompleted(
                        traveler: "T1", step: StepRef(10, 20), signature: sign("op-ann", .operator, .performed, 6))),
                at: 6)
            #expect(missing?.rule == .dataCollection)
            #expect(missing?.reason == "step 10.20 cannot complete without 'bore diameter' (mandatory)")
            #expect(
                f.refusal(
                    .dataRecorded(
                        DataRecorded(traveler: "T1", step: StepRef(10, 20), item: "bore", value: .text("12.3"))),
                    at: 6)?
                    .reason == "'bore diameter' takes a number value, not text")
            #expect(try f.data("T1", 10, 20, "bore", .number(12.30), at: 6).isEmpty)
            #expect(
                f.refusal(
                    .stepCompleted(
                        StepCompleted(
                            traveler: "T1", step: StepRef(10, 20), signature: sign("op-ann", .quality, .inspected, 7))),
                    at: 7)?.reason == "a step completion needs signature meaning 'performed', not 'inspected'")
            #expect(
                f.refusal(
                    .stepCompleted(
                        StepCompleted(
                            traveler: "T1", step: StepRef(10, 20), signature: sign("op-ann", .operator, .performed, 4))),
                    at: 4)?.reason
                    == "completion of step 10.20 at 2026-03-02T06:04:00Z is before its start at 2026-03-02T06:05:00Z")
            let forSomeoneElse = f.refusal(
                .stepCompleted(
                    StepCompleted(
                        traveler: "T1", step: StepRef(10, 20), signature: sign("op-bob", .operator, .performed, 7))),
                at: 7)
            #expect(forSomeoneElse?.rule == .signature)
            #expect(
                forSomeoneElse?.reason == "op-ann cannot record a signature of op-bob: each person signs for themselves"
            )
            try f.complete("T1", 10, 20, at: 7)

            // Operation 10 is done; its first-article hold point is unsigned.
            let blocked = try #require(f.state.wip.first)
            #expect(blocked.status == .blocked(holdPoint: StepRef(10, 20), kind: .firstArticle))
            #expect(blocked.step == StepRef(20, 10))
            #expect(blocked.workCenter == bench)
            #expect(blocked.since == at(7))
            #expect(blocked.age(at: at(9)) == 120_000)
            let held = f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(20, 10))), at: 8)
            #expect(held?.rule == .holdPoint)
            #expect(
                held?.reason
                    == "operation 20 is blocked by the first-article hold point of operation 10 (step 10.20) until an inspector signs"
            )

            func holdSign(_ s: ExecutionSignature, step: Int = 20) -> ExecutionRefusal? {
                f.refusal(
                    .holdPointSigned(HoldPointSigned(traveler: "T1", step: StepRef(10, step), signature: s)), at: 9,
                    by: s.signer)
            }
            #expect(
                holdSign(sign("op-ann", .quality, .inspected, 9))?.reason
                    == "the inspector must not be the operator who performed step 10.20 (op-ann)")
            let operatorInspects = holdSign(sign("op-bob", .operator, .inspected, 9))
            #expect(operatorInspects?.rule == .signature)
            #expect(operatorInspects?.reason == "signature meaning 'inspected' needs role quality, not operator")
            #expect(
                holdSign(sign("eng-eve", .engineer, .approved, 9))?.reason
                    == "the first-article hold point of step 10.20 needs a signature by quality, not engineering")
            #expect(
                holdSign(sign("qa-ines", .quality, .performed, 9))?.reason
                    == "a hold point needs signature meaning 'inspected' or 'approved', not 'performed'")
            #expect(
                holdSign(sign("qa-ines", .quality, .inspected, 9), step: 10)?.reason
                    == "step 10.10 of traveler T1 has no hold point")
            try f.inspect("T1", 10, 20, at: 9)
            #expect(
                holdSign(sign("qa-ines", .quality, .inspected, 9))?.reason
                    == "the first-article hold point of step 10.20 was already signed by qa-ines")
            #expect(f.state.wip.first?.status == .waiting)
            #expect(f.state.wip.first?.since == at(9))

            try f.start("T1", 20, 10, at: 10)
            try f.data("T1", 20, 10, "visual", .passFail(true), at: 10)
            try f.complete("T1", 20, 10, at: 11)
            let skip = f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(20, 30))), at: 12)
            #expect(skip?.rule == .sequence)
            #expect(skip?.reason == "step 20.30 before 20.20: the routing does not allow out-of-sequence")
            try f.run("T1", 20, 20, at: 12)
            let unqualified = f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(20, 30))), at: 14)
            #expect(unqualified?.rule == .qualification)
            #expect(
                unqualified?.reason
                    == "step 20.30 needs qualification 'INSP-1', which op-ann's training record does not show")
            try f.start("T1", 20, 30, at: 14, qualifications: ["INSP-1"])
            try f.complete("T1", 20, 30, at: 15)

            let t = try #require(f.state.travelers["T1"])
            #expect(t.status == .complete(at: at(15)))
            #expect(f.state.wip.isEmpty)
            #expect(t.steps[StepRef(10, 20)]?.holdPointSignature?.signer == "qa-ines")
            // Step 10.10 ran 06:02 → 06:04: 120,000 ms.
            #expect(t.steps[StepRef(10, 10)]?.duration == 120_000)
            #expect(t.quantities == TravelerQuantities(quantity: 1, inspected: 1, good: 1, goodFirstPass: 1))
            #expect(t.quantities.firstPassYield == 1.0)
        }

        @Test("an operation that allows out-of-sequence may start early but never passes an unsigned hold point")
        func outOfSequenceAllowed() throws {
            var routing = bracketRouting("A")
            routing.operations[1].allowOutOfSequence = true
            var f = ShopFloor()
            try f.release(routing, effective: 0)
            try f.traveler("T1", part: "PN-100", .serial("SN-1"), at: 1)
            let early = f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(20, 20))), at: 2)
            #expect(early?.rule == .holdPoint)
            try f.turnAndBore("T1", from: 2)
            try f.run("T1", 20, 20, at: 10)
            try f.start("T1", 20, 30, at: 12, qualifications: ["INSP-1"])
            #expect(f.state.travelers["T1"]?.steps[StepRef(20, 10)] == nil)
        }

        @Test("a customer source inspection hold point is signed by the customer, not by quality")
        func customerSourceHold() throws {
            let routing = Routing(
                partNumber: "PN-300", revision: "1",
                operations: [
                    RoutingOperation(
                        sequence: 10, workCenter: bench,
                        steps: [
                            RoutingStep(
                                sequence: 10, instruction: "Present to the customer", holdPoint: .customerSource)
                        ]),
                    RoutingOperation(
                        sequence: 20, workCenter: bench, steps: [RoutingStep(sequence: 10, instruction: "Ship")]),
                ])
            var f = ShopFloor()
            try f.release(routing, effective: 0)
            try f.traveler("T1", part: "PN-300", .serial("SN-9"), at: 1)
            try f.run("T1", 10, 10, at: 2)
            let byQuality = f.refusal(
                .holdPointSigned(
                    HoldPointSigned(
                        traveler: "T1", step: StepRef(10, 10), signature: sign("qa-ines", .quality, .inspected, 4))),
                at: 4, by: "qa-ines")
            #expect(
                byQuality?.reason
                    == "the customer source inspection hold point of step 10.10 needs a signature by customer, not quality"
            )
            #expect(
                f.state.wip.first?.status == .blocked(holdPoint: StepRef(10, 10), kind: .customerSource))
            try f.record(
                .holdPointSigned(
                    HoldPointSigned(traveler: "T1", step: StepRef(10, 10), signature: customer("cust-carl", 5))),
                at: 5, by: "cust-carl")
            try f.run("T1", 20, 10, at: 6)
            #expect(f.state.travelers["T1"]?.status == .complete(at: at(7)))
        }

        @Test("a duplicate event id is refused and leaves the state as it was")
        func duplicateEvent() throws {
            var f = ShopFloor()
            try f.release(bracketRouting("A"), effective: 0)
            let first = try #require(f.log.first)
            #expect(
                throws: ExecutionRefusal(
                    event: first.id, rule: .duplicateEvent, reason: "event id e1 was already recorded")
            ) {
                try f.state.apply(first)
            }
            let refusal = ExecutionRefusal(event: EventID("e7"), rule: .sequence, reason: "step 20.30 before 20.20")
            #expect(refusal.description == "event e7 refused (sequence): step 20.30 before 20.20")
        }
    }

    @Suite("Nonconformance: out-of-limit values, MRB dispositions, closure, aging")
    struct NCRs {
        @Test("an out-of-limit bore opens an NCR; rework adds operation 15, which must be done before operation 20")
        func reworkAddsOperations() throws {
            var f = ShopFloor()
            try f.release(bracketRouting("A"), effective: 0)
            try f.traveler("T1", part: "PN-100", .serial("SN-1"), at: 1)
            try f.start("T1", 10, 10, at: 2, tools: ["mic-25"])
            try f.data("T1", 10, 10, "od", .number(25.05), at: 2)
            try f.complete("T1", 10, 10, at: 3)
            try f.start("T1", 10, 20, at: 4)
            let ncr = "NCR-\(f.nextID)"
            let opened = try f.data("T1", 10, 20, "bore", .number(12.7), at: 5)
            #expect(
                opened == [
                    .ncrOpened(
                        ncr: ncr, reason: "value 12.70 mm of 'bore diameter' is outside 12.00–12.50 mm: NCR opened")
                ])
            let n = try #require(f.state.ncrs[ncr])
            #expect(n.characteristic == "bore diameter")
            #expect(n.foundValue == "12.70 mm")
            #expect(n.requirement == "12.00–12.50 mm")
            #expect(n.item == .serial("SN-1"))
            #expect(n.quantity == 1)
            #expect(n.step == StepRef(10, 20))
            #expect(n.status == .open)
            #expect(f.state.travelers["T1"]?.steps[StepRef(10, 20)]?.data.first?.withinLimits == false)
            #expect(f.state.wip.first?.status == .onHold(ncrs: [ncr]))
            #expect(f.state.wip.first?.since == at(5))

            let onHold = f.refusal(
                .stepCompleted(
                    StepCompleted(
                        traveler: "T1", step: StepRef(10, 20), signature: sign("op-ann", .operator, .performed, 6))),
                at: 6)
            #expect(onHold?.rule == .onHold)
            #expect(onHold?.reason == "traveler T1 is on hold by \(ncr) (bore diameter) until its disposition")
            let tooEarly = f.refusal(
                .ncrClosed(NCRClosed(ncr: ncr, signature: sign("qa-ines", .quality, .verified, 6))), at: 6)
            #expect(tooEarly?.rule == .closure)
            #expect(tooEarly?.reason == "NCR \(ncr) cannot close before its disposition")

            let rebore = RoutingOperation(
                sequence: 15, title: "Re-bore", workCenter: cnc,
                steps: [
                    RoutingStep(
                        sequence: 10, instruction: "Re-bore to the next oversize",
                        dataItems: [
                            DataCollectionItem(
                                id: "bore", name: "bore diameter", type: .number, unit: "mm", lowerLimit: 12.00,
                                upperLimit: 12.50, decimals: 2)
                        ])
                ])
            func dispose(_ d: Disposition, _ ops: [RoutingOperation], _ sigs: [ExecutionSignature]) -> ExecutionRefusal?
            {
                f.refusal(
                    .ncrDispositioned(
                        NCRDispositioned(ncr: ncr, disposition: d, addedOperations: ops, signatures: sigs)),
                    at: 20)
            }
            let qualityOnly = dispose(.rework, [rebore], [sign("qa-ines", .quality, .approved, 20)])
            #expect(qualityOnly?.rule == .disposition)
            #expect(
                qualityOnly?.reason
                    == "disposition rework needs quality and engineering signatures, each by a different person (missing engineering)"
            )
            #expect(
                dispose(
                    .rework, [rebore],
                    [sign("qa-ines", .quality, .approved, 20), sign("qa-ines", .engineer, .approved, 20)])?
                    .reason.hasSuffix("(missing engineering)") == true)
            #expect(
                dispose(.rework, [rebore], [sign("qa-ines", .quality, .reviewed, 20)])?.reason
                    == "a disposition needs signatures meaning 'approved', not 'reviewed'")
            #expect(
                dispose(.rework, [], mrb(20))?.reason
                    == "disposition rework adds operations to the traveler: it names none"
            )
            var clash = rebore
            clash.sequence = 10
            #expect(
                dispose(.repair, [clash], mrb(20))?.reason
                    == "added operation 10 clashes with an operation of traveler T1")
            var empty = rebore
            empty.steps = []
            #expect(
                dispose(.rework, [empty], mrb(20))?.reason
                    == "addedOperations[0].steps: an operation needs at least one step")
            #expect(dispose(.scrap, [rebore], mrb(20))?.reason == "disposition scrap adds no operations")
            #expect(dispose(.rework, [rebore], mrb(20)) == nil)

            let t = try #require(f.state.travelers["T1"])
            #expect(t.operations.map(\.sequence) == [10, 15, 20])
            #expect(t.addedOperations.map(\.sequence) == [15])
            #expect(t.addedOperations.first?.addedBy == ncr)
            #expect(t.routing.revision == "A")
            #expect(f.state.ncrs[ncr]?.addedOperations == [15])
            #expect(f.state.ncrs[ncr]?.status == .dispositioned)
            #expect(dispose(.scrap, [], mrb(20))?.reason == "NCR \(ncr) is already dispositioned (rework)")

            try f.complete("T1", 10, 20, at: 21)
            try f.inspect("T1", 10, 20, at: 22)
            let skip = f.refusal(.stepStarted(StepStarted(traveler: "T1", step: StepRef(20, 10))), at: 23)
            #expect(skip?.reason == "step 20.10 before 15.10: the routing does not allow out-of-sequence")
            #expect(
                f.refusal(.ncrClosed(NCRClosed(ncr: ncr, signature: sign("qa-ines", .quality, .verified, 23))), at: 23)?
                    .reason
                    == "NCR \(ncr) cannot close: added operation 15 of traveler T1 is not complete")
            try f.start("T1", 15, 10, at: 24)
            #expect(try f.data("T1", 15, 10, "bore", .number(12.40), at: 24).isEmpty)
            try f.complete("T1", 15, 10, at: 25)
            #expect(
                f.refusal(
                    .ncrClosed(NCRClosed(ncr: ncr, signature: sign("op-ann", .operator, .performed, 26))), at: 26)?
                    .reason
                    == "closing NCR \(ncr) needs a quality signature meaning 'approved' or 'verified', not operator 'performed'"
            )
            try f.record(
                .ncrClosed(NCRClosed(ncr: ncr, signature: sign("qa-ines", .quality, .verified, 26))), at: 26,
                by: "qa-ines")
            try f.finish("T1", from: 30)

            let done = try #require(f.state.travelers["T1"])
            #expect(done.status == .complete(at: at(35)))
            // One piece, reworked: inspected 1, good 1, good first pass 0, FPY 0 / 1 = 0.
            #expect(
                done.quantities == TravelerQuantities(quantity: 1, inspected: 1, good: 1, goodFirstPass: 0, rework: 1))
            #expect(done.quantities.firstPassYield == 0)
            // Opened 06:05, closed 06:26: 21 min = 1,260,000 ms.
            #expect(
                f.state.ncrAging(at: at(60))
                    == [NCRAging(cause: "out-of-limits", closed: 1, totalTimeToClose: 1_260_000)])

            let trace = f.state.traceBackward(.serial("SN-1"))
            #expect(trace.ncrs == [ncr])
            #expect(trace.steps.map(\.step.description) == ["10.10", "10.20", "15.10", "20.10", "20.20", "20.30"])
            #expect(
                trace.measurements.map(\.characteristic) == [
                    "outer diameter", "bore diameter", "bore diameter", "visual check",
                ])
            #expect(trace.measurements.map(\.entry.withinLimits) == [true, false, true, true])
            #expect(trace.people == ["eng-eve", "op-ann", "plan-pat", "qa-ines"])

            // As of 06:10 the serial is on hold; replaying the whole log rebuilds the same record.
            let asOf = try ExecutionState.replay(f.log, asOf: at(10))
            #expect(asOf.wip.first?.status == .onHold(ncrs: [ncr]))
            #expect(try ExecutionState.replay(f.log).travelers == f.state.travelers)
        }

        @Test("use-as-is of a part needing customer approval needs the customer's signature too; scrap does not")
        func customerSignature() throws {
            var f = ShopFloor()
            try f.release(bracketRouting("A", customerApproval: true), effective: 0)
            try f.traveler("T1", part: "PN-100", .lot("L-1", quantity: 4), at: 1)
            func open(_ id: String, _ q: Int) throws {
                try f.record(
                    .ncrOpened(
                        NCROpened(
                            ncr: id, traveler: "T1", item: .lot("L-1"), partNumber: "PN-100", quantity: q,
                            characteristic: "surface finish", foundValue: "Ra 3.2", requirement: "Ra ≤ 1.6",
                            cause: "machining")),
                    at: 2, by: "qa-ines")
            }
            try open("N1", 1)
            let noCustomer = f.refusal(
                .ncrDispositioned(NCRDispositioned(ncr: "N1", disposition: .useAsIs, signatures: mrb(3))), at: 3)
            #expect(
                noCustomer?.reason
                    == "disposition useAsIs needs quality, engineering and customer signatures, each by a different person (missing customer)"
            )
            try f.record(
                .ncrDispositioned(
                    NCRDispositioned(ncr: "N1", disposition: .useAsIs, signatures: mrb(3) + [customer("cust-carl", 3)])),
                at: 3)
            try open("N2", 1)
            try f.record(.ncrDispositioned(NCRDispositioned(ncr: "N2", disposition: .scrap, signatures: mrb(4))), at: 4)
            #expect(f.state.travelers["T1"]?.remainingQuantity == 3)
            #expect(
                f.state.travelers["T1"]?.quantities
                    == TravelerQuantities(quantity: 4, inspected: 1, scrap: 1, useAsIs: 1))
            let tooMany = f.refusal(
                .ncrOpened(
                    NCROpened(
                        ncr: "N3", traveler: "T1", item: .lot("L-1"), partNumber: "PN-100", quantity: 4,
                        characteristic: "c",
                        foundValue: "f", requirement: "r", cause: "x")),
                at: 5)
            #expect(tooMany?.reason == "NCR N3 holds 4 but traveler T1 has 3")
        }

        @Test("FPY, scrap and rework over four travelers equal the hand-worked values; NCR aging by cause")
        func qualityFigures() throws {
            var f = ShopFloor()
            try f.release(simpleRouting("PN-200"), effective: 0)
            try f.traveler("A", part: "PN-200", .lot("LA", quantity: 10), at: 1)
            try f.traveler("B", part: "PN-200", .serial("SB-1"), at: 1)
            try f.traveler("C", part: "PN-200", .serial("SC-1"), at: 1)
            try f.traveler("D", part: "PN-200", .lot("LD", quantity: 5), at: 1)
            func ncr(_ id: String, _ traveler: String, _ item: GenealogyNode, _ q: Int, _ cause: String)
                -> ExecutionFact
            {
                .ncrOpened(
                    NCROpened(
                        ncr: id, traveler: traveler, item: item, partNumber: "PN-200", quantity: q,
                        characteristic: "surface finish",
                        foundValue: "Ra 3.2", requirement: "Ra ≤ 1.6", cause: cause))
            }
            #expect(
                f.refusal(ncr("N5", "A", .serial("X"), 1, "machining"), at: 2)?.reason
                    == "NCR N5 names serial X, but traveler A makes lot LA")
            #expect(
                f.refusal(ncr("N4", "C", .serial("SC-1"), 6, "machining"), at: 2)?.reason
                    == "NCR N4 holds 6 but traveler C has 1")

            // A: 10 pieces, 2 scrapped (N1), 1 reworked in an added operation 20 (N2).
            try f.record(ncr("N1", "A", .lot("LA"), 2, "machining"), at: 2)
            try f.record(.ncrDispositioned(NCRDispositioned(ncr: "N1", disposition: .scrap, signatures: mrb(3))), at: 3)
            try f.record(ncr("N2", "A", .lot("LA"), 1, "handling"), at: 4)
            let polish = RoutingOperation(
                sequence: 20, workCenter: bench, steps: [RoutingStep(sequence: 10, instruction: "Polish")])
            try f.record(
                .ncrDispositioned(
                    NCRDispositioned(ncr: "N2", disposition: .rework, addedOperations: [polish], signatures: mrb(5))),
                at: 5
            )
            try f.run("A", 10, 10, at: 6)
            try f.run("A", 20, 10, at: 8)
            try f.record(.ncrClosed(NCRClosed(ncr: "N2", signature: sign("qa-ines", .quality, .approved, 10))), at: 10)
            // B: one serial, clean.
            try f.run("B", 10, 10, at: 11)
            // C: one serial, scrapped (N3): the traveler ends.
            try f.record(ncr("N3", "C", .serial("SC-1"), 1, "machining"), at: 12)
            try f.record(
                .ncrDispositioned(NCRDispositioned(ncr: "N3", disposition: .scrap, signatures: mrb(13))), at: 13)
            #expect(f.state.travelers["C"]?.status == .scrapped(at: at(13)))
            #expect(
                f.refusal(.stepStarted(StepStarted(traveler: "C", step: StepRef(10, 10))), at: 14)?.reason
                    == "traveler C is scrapped since 2026-03-02T06:13:00Z")
            // D: five pieces in work.
            try f.start("D", 10, 10, at: 14)

            let s = f.state
            #expect(
                s.travelers["A"]?.quantities
                    == TravelerQuantities(quantity: 10, inspected: 10, good: 8, goodFirstPass: 7, scrap: 2, rework: 1))
            #expect(
                s.travelers["B"]?.quantities == TravelerQuantities(quantity: 1, inspected: 1, good: 1, goodFirstPass: 1)
            )
            #expect(s.travelers["C"]?.quantities == TravelerQuantities(quantity: 1, inspected: 1, scrap: 1))
            #expect(s.travelers["D"]?.quantities == TravelerQuantities(quantity: 5))
            // inspected 10 + 1 + 1 + 0 = 12; good first pass 7 + 1 = 8; FPY = 8 / 12 = 0.666…; scrap 2 + 1 = 3; rework 1.
            let total = s.quantities()
            #expect(
                total == TravelerQuantities(quantity: 17, inspected: 12, good: 9, goodFirstPass: 8, scrap: 3, rework: 1)
            )
            #expect(total.firstPassYield == 8.0 / 12.0)
            #expect(s.wip.map(\.traveler) == ["D"])

            // At 07:00: handling N2 open 06:04 → closed 06:10 = 6 min; machining N1 (06:02) and N3 (06:12) still open:
            // ages 58 and 48 min, total 106 min = 6,360,000 ms, oldest 3,480,000 ms, mean 3,180,000 ms.
            let aging = s.ncrAging(at: at(60))
            #expect(
                aging == [
                    NCRAging(cause: "handling", closed: 1, totalTimeToClose: 360_000),
                    NCRAging(cause: "machining", open: 2, oldestOpenAge: 3_480_000, totalOpenAge: 6_360_000),
                ])
            #expect(aging.last?.meanOpenAge == 3_180_000)
            #expect(aging.first?.meanTimeToClose == 360_000)
        }
    }
}
