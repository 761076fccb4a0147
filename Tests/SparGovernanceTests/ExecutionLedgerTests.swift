import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparStorage
import Testing

/// Part PN-1: operation 10 bores at work center e/a/x/w (a first-article hold point), operation 20 deburrs at unit
/// e/a/x/w/u1; revision B adds operation 30 (pack).
func boreRouting(_ revision: String) -> Routing {
    let bore = DataCollectionItem(
        id: "bore", name: "bore diameter", type: .number, unit: "mm", lowerLimit: 12.00, upperLimit: 12.50, decimals: 2)
    var ops = [
        RoutingOperation(
            sequence: 10, title: "Bore", workCenter: EquipmentPath("e/a/x/w"),
            steps: [RoutingStep(sequence: 10, instruction: "Bore to size", dataItems: [bore], holdPoint: .firstArticle)]),
        RoutingOperation(
            sequence: 20, title: "Deburr", workCenter: EquipmentPath("e/a/x/w/u1"),
            steps: [RoutingStep(sequence: 10, instruction: "Deburr")]),
    ]
    if revision == "B" {
        ops.append(
            RoutingOperation(
                sequence: 30, title: "Pack", workCenter: EquipmentPath("e/a/x/w/u1"),
                steps: [RoutingStep(sequence: 10, instruction: "Pack")]))
    }
    return Routing(partNumber: "PN-1", revision: revision, operations: ops)
}

/// The governance fixture with an engineer who proposes (erin), an engineer and a quality inspector who approve and
/// sign (eli, quinn) and an operator (olga), all of site a.
struct ExecutionFixture {
    let g: GovernanceFixture
    let execution: ExecutionLedger
    let erin: Principal
    let olga: Principal

    init() async throws {
        g = try await GovernanceFixture()
        erin = try await g.enroll("erin", .engineer, sites: .sites(["a"]))
        try await g.enroll("eli", .engineer, sites: .sites(["a"]))
        try await g.enroll("quinn", .quality, sites: .sites(["a"]))
        olga = try await g.enroll("olga", .operator, sites: .sites(["a"]))
        execution = ExecutionLedger(store: g.store, clock: { [clock = g.clock] in clock.now })
    }

    func signer(_ user: String, password: String = GovernanceFixture.password) -> ExecutionSigner {
        ExecutionSigner(credentials: Credentials(user: user, password: password))
    }

    /// Proposes a routing revision effective at `effective` and has eli and quinn approve it.
    func release(_ routing: Routing, effective: Timestamp) async throws {
        let cr = try await g.governance.propose(.routing(routing), reason: "new revision", effectiveAt: effective, by: erin)
        for user in ["eli", "quinn"] {
            _ = try await g.governance.approve(
                cr.id, credentials: g.credentials(user), session: nil, station: "test")
        }
    }

    func complete(_ traveler: String, _ op: Int, _ step: Int, by user: String = "olga") async throws {
        _ = try await g.governance.completeStep(
            traveler: traveler, step: StepRef(op, step), signer: signer(user), station: "tablet-1", in: execution)
    }

    func advance(_ seconds: Int64) { g.clock.advance(seconds: seconds) }
}

@Suite("Execution records in the ledger: routings under change control, signed steps and hold points, NCRs, rebuild")
struct ExecutionLedgerTests {
    @Test("an execution event survives its canonical JSON body unchanged, and a bad body names the record and field")
    func wireFormat() throws {
        let routing = boreRouting("B")
        let s = ExecutionSignature(
            signer: "quinn", capacity: .role(.quality), meaning: .inspected, time: GovernanceFixture.start,
            signatureID: "signature:1")
        let facts: [ExecutionFact] = [
            .routingReleased(RoutingReleased(routing: routing, effectiveFrom: GovernanceFixture.start, approvals: [s])),
            .travelerReleased(TravelerReleased(traveler: "T-1", workOrder: "WO-1", partNumber: "PN-1", item: .lot("L-1", quantity: 5))),
            .stepStarted(StepStarted(traveler: "T-1", step: StepRef(10, 10), qualifications: ["Q"], tools: ["mic"])),
            .dataRecorded(DataRecorded(traveler: "T-1", step: StepRef(10, 10), item: "bore", value: .number(12.25))),
            .dataRecorded(DataRecorded(traveler: "T-1", step: StepRef(10, 10), item: "v", value: .passFail(false))),
            .holdPointSigned(HoldPointSigned(traveler: "T-1", step: StepRef(10, 10), signature: s)),
            .ncrOpened(
                NCROpened(
                    ncr: "NCR-9", item: .lot("L-1"), partNumber: "PN-1", quantity: 2, characteristic: "c",
                    foundValue: "f", requirement: "r", cause: "supplier")),
            .ncrDispositioned(
                NCRDispositioned(
                    ncr: "NCR-9", disposition: .rework, addedOperations: [routing.operations[0]], signatures: [s],
                    rationale: "why")),
            .lotSplit(LotSplit(source: "L-0", sourceQuantity: 10, into: [LotPortion(lot: "L-1", quantity: 5)])),
            .lotsMerged(LotsMerged(sources: [LotPortion(lot: "L-1", quantity: 1), LotPortion(lot: "L-2", quantity: 2)], into: "L-3")),
            .serialAssembled(SerialAssembled(parent: "P-1", component: "SN-1", position: "find 12")),
            .componentSubstituted(
                ComponentSubstituted(parent: "P-1", planned: "PN-9", substitute: .serial("SN-2"), reason: "r", approval: s)),
            .entryCorrected(EntryCorrected(corrects: EventID("4"), replacement: .consumption(lot: "L-1", quantity: 2), reason: "typo", signature: s)),
            .entryCorrected(EntryCorrected(corrects: EventID("4"), replacement: .void, reason: "typo", signature: s)),
            .materialConsumed(MaterialConsumed(traveler: "T-1", step: StepRef(10, 10), lot: "L-1", material: "Ti", quantity: 0.5)),
            .asBuiltSigned(
                AsBuiltSigned(
                    serial: "SN-1", sha256: String(repeating: "ab", count: 32), asOf: GovernanceFixture.start, signature: s)),
        ]
        for (i, fact) in facts.enumerated() {
            let event = ExecutionEvent(id: EventID("\(i + 1)"), time: GovernanceFixture.start, actor: "olga", fact: fact)
            let body = ExecutionRecordJSON.body(event)
            #expect(try ExecutionRecordJSON.decode(body: body, record: "x") == event)
        }
        let bad = #"{"actor":"olga","fact":"stepStarted","id":"7","step":"10-20","time":"2026-06-01T08:00:00Z","traveler":"T-1"}"#
        #expect(throws: ExecutionRecordProblem(record: "7", field: "step", reason: "'10-20' must be <operation>.<step>, like 10.20")) {
            try ExecutionRecordJSON.decode(body: bad, record: "execution:7")
        }
        let missing = #"{"actor":"olga","fact":"holdPointSigned","id":"8","step":"10.10","time":"2026-06-01T08:00:00Z","traveler":"T-1","signature":{"signer":"q","capacity":"boss","meaning":"inspected","time":"2026-06-01T08:00:00Z"}}"#
        #expect(throws: ExecutionRecordProblem(record: "8", field: "signature.capacity", reason: "'boss' is not a role or customer")) {
            try ExecutionRecordJSON.decode(body: missing, record: "execution:8")
        }
    }

    @Test("a routing revision change: T-1 and T-2 keep rev A; T-3, released once rev B is in force, binds to rev B")
    func routingRevisionChange() async throws {
        let f = try await ExecutionFixture()
        let start = GovernanceFixture.start
        try await f.release(boreRouting("A"), effective: start)
        // Approved at 08:00 (the test clock does not move): rev A is in force from 08:00.
        var state = try await f.execution.current()
        #expect(state.routing(RoutingID(partNumber: "PN-1", revision: "A"))?.effectiveFrom == start)
        try await f.execution.releaseTraveler("T-1", workOrder: "WO-1", partNumber: "PN-1", item: .serial("SN-1"), by: f.olga)
        f.advance(600)
        // Rev B is approved at 08:10, requested effective 09:00.
        try await f.release(boreRouting("B"), effective: start.adding(seconds: 3600))
        try await f.execution.releaseTraveler("T-2", workOrder: "WO-2", partNumber: "PN-1", item: .serial("SN-2"), by: f.olga)
        f.advance(3000)
        try await f.execution.releaseTraveler("T-3", workOrder: "WO-3", partNumber: "PN-1", item: .serial("SN-3"), by: f.olga)
        state = try await f.execution.current()
        #expect(state.travelers["T-1"]?.routing.revision == "A")
        #expect(state.travelers["T-2"]?.routing.revision == "A")
        #expect(state.travelers["T-3"]?.routing.revision == "B")
        #expect(state.travelers["T-3"]?.operations.map(\.sequence) == [10, 20, 30])
        #expect(state.status(of: RoutingID(partNumber: "PN-1", revision: "A"), at: f.g.clock.now) == .obsolete)
        // Both routing change requests are effective; each release entry names its change request.
        let releases = try await f.g.store.entries(kind: .execution).filter { $0.entry.type == "routingReleased" }
        #expect(releases.map(\.entry.source) == ["change:CR-0001", "change:CR-0002"])
        #expect(try await f.g.governance.verifyBindings().isEmpty)
    }

    @Test("a traveler with a first-article hold point, an out-of-limit bore that opens an NCR, rework and closure")
    func travelerWithNCR() async throws {
        let f = try await ExecutionFixture()
        let g = f.g
        try await f.release(boreRouting("A"), effective: GovernanceFixture.start)
        try await f.execution.releaseTraveler("T-1", workOrder: "WO-1", partNumber: "PN-1", item: .serial("SN-1"), by: f.olga)
        f.advance(120)
        try await f.execution.startStep(traveler: "T-1", step: StepRef(10, 10), by: f.olga)
        f.advance(60)
        let value = try await f.execution.recordValue(
            traveler: "T-1", step: StepRef(10, 10), item: "bore", value: .number(12.7), by: f.olga)
        // Events: 1 routing, 2 release, 3 start, 4 the value: its NCR is NCR-4.
        #expect(
            value.consequences == [
                .ncrOpened(ncr: "NCR-4", reason: "value 12.70 mm of 'bore diameter' is outside 12.00–12.50 mm: NCR opened")
            ])
        f.advance(240)
        let before = try await g.store.count(kind: .execution)
        await #expect {
            try await f.complete("T-1", 10, 10)
        } throws: { error in
            guard case .refused(let r) = error as? ExecutionError else { return false }
            return r.rule == .onHold && r.reason == "traveler T-1 is on hold by NCR-4 (bore diameter) until its disposition"
        }
        // A wrong password signs nothing either.
        await #expect(throws: GovernanceError.self) {
            _ = try await g.governance.completeStep(
                traveler: "T-1", step: StepRef(10, 10), signer: f.signer("olga", password: "wrong password x"),
                station: "t", in: f.execution)
        }
        #expect(try await g.store.count(kind: .execution) == before)
        let rework = RoutingOperation(
            sequence: 15, title: "Re-bore", workCenter: EquipmentPath("e/a/x/w"),
            steps: [
                RoutingStep(
                    sequence: 10, instruction: "Re-bore",
                    dataItems: [
                        DataCollectionItem(
                            id: "bore", name: "bore diameter", type: .number, unit: "mm", lowerLimit: 12.00,
                            upperLimit: 12.50, decimals: 2)
                    ])
            ])
        // One MRB signature is not enough: the refusal names the disposition rule.
        await #expect {
            _ = try await g.governance.disposition(
                ncr: "NCR-4", .rework, addedOperations: [rework], rationale: "re-bore oversize", signers: [f.signer("quinn")],
                station: "t", in: f.execution)
        } throws: { error in
            guard case .refused(let r) = error as? ExecutionError else { return false }
            return r.rule == .disposition
                && r.reason == "disposition rework needs quality and engineering signatures, each by a different person (missing engineering)"
        }
        let d = try await g.governance.disposition(
            ncr: "NCR-4", .rework, addedOperations: [rework], rationale: "re-bore oversize",
            signers: [f.signer("quinn"), f.signer("eli")], station: "t", in: f.execution)
        #expect(d.receipt.event.fact.name == "ncrDispositioned")
        #expect(d.signatures.map(\.signer) == ["quinn", "eli"])
        try await f.complete("T-1", 10, 10)
        // Operation 15 waits for the first-article hold point of 10.10; the operator cannot sign it (wrong role).
        await #expect {
            try await f.execution.startStep(traveler: "T-1", step: StepRef(15, 10), by: f.olga)
        } throws: { error in
            guard case .refused(let r) = error as? ExecutionError else { return false }
            return r.rule == .holdPoint
        }
        await #expect {
            _ = try await g.governance.signHoldPoint(
                traveler: "T-1", step: StepRef(10, 10), signer: f.signer("olga"), station: "t", in: f.execution)
        } throws: { error in
            guard case .refused(let r) = error as? ExecutionError else { return false }
            return r.rule == .signature && r.reason == "signature meaning 'inspected' needs role quality, not operator"
        }
        _ = try await g.governance.signHoldPoint(
            traveler: "T-1", step: StepRef(10, 10), signer: f.signer("quinn"), station: "t", in: f.execution)
        try await f.execution.startStep(traveler: "T-1", step: StepRef(15, 10), by: f.olga)
        try await f.execution.recordValue(
            traveler: "T-1", step: StepRef(15, 10), item: "bore", value: .number(12.3), by: f.olga)
        try await f.complete("T-1", 15, 10)
        _ = try await g.governance.closeNCR(ncr: "NCR-4", signer: f.signer("quinn"), station: "t", in: f.execution)
        f.advance(60)
        try await f.execution.startStep(traveler: "T-1", step: StepRef(20, 10), by: f.olga)
        f.advance(300)
        try await f.complete("T-1", 20, 10)

        let state = try await f.execution.current()
        let t = try #require(state.travelers["T-1"])
        #expect(t.status == .complete(at: g.clock.now))
        #expect(t.operations.map(\.sequence) == [10, 15, 20])
        // 10.10 started at 08:02, completed at 08:07 (08:02 + 60 s + 240 s): 300,000 ms. 20.10: 300 s.
        #expect(t.steps[StepRef(10, 10)]?.duration == 300_000)
        #expect(t.steps[StepRef(20, 10)]?.duration == 300_000)
        #expect(t.steps[StepRef(10, 10)]?.holdPointSignature?.signer == "quinn")
        #expect(t.steps[StepRef(10, 10)]?.completion?.meaning == .performed)
        // One piece, completed, reworked: inspected 1, good 1, first-pass good 0, FPY 0.
        #expect(t.quantities == TravelerQuantities(quantity: 1, inspected: 1, good: 1, goodFirstPass: 0, rework: 1))
        #expect(state.ncrs["NCR-4"]?.status == .closed)
        // Every signature is bound to the chain hash of an entry in the ledger; a new reader rebuilds the same record.
        #expect(try await g.governance.verifyBindings().isEmpty)
        let fresh = try await ExecutionLedger(store: g.store).current()
        #expect(fresh.travelers == state.travelers)
        #expect(fresh.ncrs == state.ncrs)
        #expect(try await f.execution.replayProblems().isEmpty)
        // The signatures of the completion of 10.10 and of its hold point name the entries they sign.
        let completion = try #require(t.steps[StepRef(10, 10)]?.completion?.signatureID)
        let m = try #require(try await g.governance.allSignatures().first { $0.signatureID == completion })
        #expect(m.meaning == .performed)
        #expect(m.record.hasPrefix("execution:"))
    }

    @Test("a fact carrying a signature nobody made is refused: signatures need re-authentication")
    func forgedSignature() async throws {
        let f = try await ExecutionFixture()
        try await f.release(boreRouting("A"), effective: GovernanceFixture.start)
        try await f.execution.releaseTraveler("T-1", workOrder: "WO-1", partNumber: "PN-1", item: .serial("SN-1"), by: f.olga)
        try await f.execution.startStep(traveler: "T-1", step: StepRef(10, 10), by: f.olga)
        try await f.execution.recordValue(traveler: "T-1", step: StepRef(10, 10), item: "bore", value: .number(12.2), by: f.olga)
        let forged = ExecutionSignature(
            signer: "olga", capacity: .role(.operator), meaning: .performed, time: f.g.clock.now,
            signatureID: "signature:made-up")
        await #expect {
            try await f.execution.record(
                .stepCompleted(StepCompleted(traveler: "T-1", step: StepRef(10, 10), signature: forged)), by: f.olga)
        } throws: { error in
            guard case .refused(let r) = error as? ExecutionError else { return false }
            return r.rule == .signature
        }
        #expect(try await f.g.store.count(kind: .execution) == 4)
    }
}
