import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

/// The traveler record as KPI input: three travelers at work unit e/a/x/w/u1, worked by hand.
///
/// Routing PN-K: operation 10 (setup step 10.10, then 10.20 "mill pocket" with depth 4.90–5.10 mm and a first-article
/// hold point) and operation 20 (deburr); routing PN-L: one step. Times (2026-06-01, UTC, the test clock):
///
/// | traveler | what happens | setup | production |
/// |---|---|---|---|
/// | T-1 SN-1 | setup 08:10–08:20, mill 08:21–08:30 (depth 5.00), FAI signed 08:31, deburr 08:32–08:40 | 600 | 540 + 480 |
/// | T-2 SN-2 | setup 08:41–08:45, mill from 08:46, depth 5.20 at 08:50 opens an NCR, rework (re-mill, operation 15) signed 08:55, mill completed 09:00, FAI 09:01, re-mill 09:02–09:10, deburr 09:11–09:20 | 240 | 840 + 480 + 540 |
/// | T-3 lot L-3 of 4 | assemble 09:30–09:50; an NCR on one piece at 09:35, scrapped 09:40 | – | 1,200 |
///
/// So AUST = 840 s, APT = 4,080 s, and olga's work time on the orders (APWT) 4,920 s. Counts: good 1 (SN-1) + 3
/// (L-3), scrap 1 (L-3), rework 1 (SN-2): PQ = 6. Inspections: SN-1 pass; SN-2 fail (the value), then pass (the FAI);
/// L-3 fail (the NCR): IP = 3, GP = 1. Measurements of depth: 5.00, 5.20, 5.05.
@Suite("KPIs from the traveler record: time model, labor, counts, inspections and measurements")
struct ExecutionKPITests {
    static let unit = EquipmentPath("e/a/x/w/u1")

    static func routings() -> [Routing] {
        let depth = DataCollectionItem(
            id: "depth", name: "pocket depth", type: .number, unit: "mm", lowerLimit: 4.90, upperLimit: 5.10, decimals: 2)
        let k = Routing(
            partNumber: "PN-K", revision: "A",
            operations: [
                RoutingOperation(
                    sequence: 10, title: "Mill", workCenter: unit,
                    steps: [
                        RoutingStep(sequence: 10, instruction: "Set up fixture F-7", setup: true),
                        RoutingStep(sequence: 20, instruction: "Mill pocket", dataItems: [depth], holdPoint: .firstArticle),
                    ], runTimePerUnit: 480, setupTime: 600),
                RoutingOperation(
                    sequence: 20, title: "Deburr", workCenter: unit, steps: [RoutingStep(sequence: 10, instruction: "Deburr")],
                    runTimePerUnit: 300),
            ])
        let l = Routing(
            partNumber: "PN-L", revision: "A",
            operations: [
                RoutingOperation(
                    sequence: 10, title: "Assemble", workCenter: unit,
                    steps: [RoutingStep(sequence: 10, instruction: "Assemble kit")], runTimePerUnit: 240)
            ])
        return [k, l]
    }

    static func reMill() -> RoutingOperation {
        RoutingOperation(
            sequence: 15, title: "Re-mill", workCenter: unit,
            steps: [
                RoutingStep(
                    sequence: 10, instruction: "Re-mill pocket",
                    dataItems: [
                        DataCollectionItem(
                            id: "depth", name: "pocket depth", type: .number, unit: "mm", lowerLimit: 4.90,
                            upperLimit: 5.10, decimals: 2)
                    ])
            ])
    }

    /// Moves the test clock to `hh:mm` on the fixture's day.
    static func at(_ f: ExecutionFixture, _ hhmm: String) {
        let target = t("2026-06-01T\(hhmm):00Z")
        f.advance((target.milliseconds - f.g.clock.now.milliseconds) / 1000)
    }

    /// Runs the three travelers of the table above.
    static func walk(_ f: ExecutionFixture) async throws {
        let g = f.g, x = f.execution
        for r in routings() { try await f.release(r, effective: GovernanceFixture.start) }
        let quinn = try await g.governance.authenticate(
            Credentials(user: "quinn", password: GovernanceFixture.password), station: "test", purpose: "login")
        try await x.releaseTraveler("T-1", workOrder: "WO-1", partNumber: "PN-K", item: .serial("SN-1"), by: f.olga)
        try await x.releaseTraveler("T-2", workOrder: "WO-2", partNumber: "PN-K", item: .serial("SN-2"), by: f.olga)
        try await x.releaseTraveler("T-3", workOrder: "WO-3", partNumber: "PN-L", item: .lot("L-3", quantity: 4), by: f.olga)
        func start(_ t: String, _ op: Int, _ step: Int, _ time: String) async throws {
            at(f, time)
            try await x.startStep(traveler: t, step: StepRef(op, step), by: f.olga)
        }
        func complete(_ t: String, _ op: Int, _ step: Int, _ time: String) async throws {
            at(f, time)
            try await f.complete(t, op, step)
        }
        func inspect(_ t: String, _ time: String) async throws {
            at(f, time)
            _ = try await g.governance.signHoldPoint(
                traveler: t, step: StepRef(10, 20), signer: f.signer("quinn"), station: "cmm-1", in: x)
        }
        try await start("T-1", 10, 10, "08:10")
        try await complete("T-1", 10, 10, "08:20")
        try await start("T-1", 10, 20, "08:21")
        at(f, "08:25")
        try await x.recordValue(traveler: "T-1", step: StepRef(10, 20), item: "depth", value: .number(5.00), by: f.olga)
        try await complete("T-1", 10, 20, "08:30")
        try await inspect("T-1", "08:31")
        try await start("T-1", 20, 10, "08:32")
        try await complete("T-1", 20, 10, "08:40")

        try await start("T-2", 10, 10, "08:41")
        try await complete("T-2", 10, 10, "08:45")
        try await start("T-2", 10, 20, "08:46")
        at(f, "08:50")
        let out = try await x.recordValue(
            traveler: "T-2", step: StepRef(10, 20), item: "depth", value: .number(5.20), by: f.olga)
        guard case .ncrOpened(let ncr, _)? = out.consequences.first else {
            Issue.record("an out-of-limit depth opens an NCR: \(out.consequences)")
            return
        }
        at(f, "08:55")
        _ = try await g.governance.disposition(
            ncr: ncr, .rework, addedOperations: [reMill()], rationale: "re-mill to depth",
            signers: [f.signer("quinn"), f.signer("eli")], station: "mrb", in: x)
        try await complete("T-2", 10, 20, "09:00")
        try await inspect("T-2", "09:01")
        try await start("T-2", 15, 10, "09:02")
        at(f, "09:05")
        try await x.recordValue(traveler: "T-2", step: StepRef(15, 10), item: "depth", value: .number(5.05), by: f.olga)
        try await complete("T-2", 15, 10, "09:10")
        try await start("T-2", 20, 10, "09:11")
        try await complete("T-2", 20, 10, "09:20")

        try await start("T-3", 10, 10, "09:30")
        at(f, "09:35")
        try await x.openNCR(
            NCROpened(
                ncr: "NCR-L3", traveler: "T-3", item: .lot("L-3"), partNumber: "PN-L", quantity: 1,
                characteristic: "surface", foundValue: "dent 2 mm", requirement: "no dents", cause: "handling"),
            by: quinn)
        at(f, "09:40")
        _ = try await g.governance.disposition(
            ncr: "NCR-L3", .scrap, rationale: "dent beyond repair", signers: [f.signer("quinn"), f.signer("eli")],
            station: "mrb", in: x)
        try await complete("T-3", 10, 10, "09:50")
    }

    static let window = Interval(t("2026-06-01T08:00:00Z"), t("2026-06-01T10:00:00Z"))

    @Test("the traveler record gives the unit's setup and production time, labor, counts, FPY, scrap and rework")
    func kpisFromTravelers() async throws {
        let f = try await ExecutionFixture()
        try await Self.walk(f)
        let version = try await LedgerPlantModel.latest(in: f.g.store)?.1
        let reader = try await LedgerProjection.reader(store: f.g.store, model: f.g.model, plantModelVersion: version)
        let query = KPIQuery(scope: Self.unit, from: Self.window.start, to: Self.window.end)
        let v1 = try await reader.result(query, definition: try #require(KPICatalogue.version("spar-kpi-1")))
        let v2 = try await reader.result(query, definition: try #require(KPICatalogue.version("spar-kpi-2")))

        #expect(v2.element("AUST") == 840)
        #expect(v2.element("APT") == 4_080)
        #expect(v2.element("APWT") == 4_920)
        #expect(v2.element("GQ") == 4)
        #expect(v2.element("SQ") == 1)
        #expect(v2.element("RQ") == 1)
        #expect(v2.element("PQ") == 6)
        #expect(v2.element("IP") == 3)
        #expect(v2.element("GP") == 1)
        #expect(v2.kpi("firstPassYield")?.number == 1.0 / 3.0)
        #expect(v1.kpi("firstPassYield")?.number == 4.0 / 6.0)
        #expect(v2.kpi("scrapRatio")?.number == 1.0 / 6.0)
        #expect(v2.kpi("reworkRatio")?.number == 1.0 / 6.0)
        #expect(v2.kpi("qualityRatio")?.number == 4.0 / 6.0)
        #expect(v2.lineage.sources == [ExecutionShopFloor.source])

        // The same answer straight from the events, and the depth measurements in their subgroups.
        let events = try await LedgerProjection.events(store: f.g.store)
        let direct = try KPIEngine(model: f.g.model, events: events, plantModelVersion: version).result(query)
        #expect(direct.elementValues.map(\.0) == v2.elementValues.map(\.0))
        #expect(direct.elementValues.map(\.1) == v2.elementValues.map(\.1))
        let depths = events.compactMap { e -> Double? in
            if case .measurement(let m) = e.payload, m.characteristic == "pocket depth" { m.value } else { nil }
        }
        #expect(depths == [5.00, 5.20, 5.05])
    }

    @Test("each derived event names the execution entry it came from, and the NCR's disposition is the scrap's lineage")
    func derivedEventLineage() async throws {
        let f = try await ExecutionFixture()
        try await Self.walk(f)
        let events = try await LedgerProjection.events(store: f.g.store)
        let derived = events.filter { $0.source == ExecutionShopFloor.source }
        let execution = try await f.g.store.entries(kind: .execution)
        let byID = Dictionary(execution.map { ($0.entry.id, $0.entry) }, uniquingKeysWith: { a, _ in a })
        for e in derived {
            let parts = e.id.rawValue.split(separator: ".")
            let entry = try #require(byID[String(parts.dropLast().joined(separator: "."))], "\(e.id)")
            #expect(entry.ts == e.ts, "\(e.id)")
        }
        let counts: [(type: String, count: Count)] = derived.compactMap { e in
            guard case .count(let c) = e.payload else { return nil }
            return (byID[String(e.id.rawValue.dropLast(".count".count))]?.type ?? "?", c)
        }
        #expect(counts.map(\.type) == ["stepCompleted", "ncrDispositioned", "ncrDispositioned", "stepCompleted"])
        #expect(counts.map { [$0.count.good, $0.count.scrap, $0.count.rework] } == [[1, 0, 0], [0, 0, 1], [0, 1, 0], [3, 0, 0]])
        #expect(counts.map(\.count.order) == ["WO-1", "WO-2", "WO-3", "WO-3"])
        // Rebuilding the projection from the ledger gives what was maintained at each append.
        let rebuilt = try await LedgerProjection.rebuild(store: f.g.store)
        #expect(rebuilt.equal, "\(rebuilt.differing)")
    }
}

@Suite("The events derived from the traveler record are written and corrected only through the execution record")
struct DerivedExecutionEventTests {
    @Test("ingest refuses the spar-execution source and corrections of derived events, naming the field")
    func ingestRefusesDerivedSpace() async throws {
        let f = try await ExecutionFixture()
        try await ExecutionKPITests.walk(f)
        let ingest = IngestEvents(model: f.g.model, store: f.g.store, recordedBy: "test", now: { f.g.clock.now })
        let unit = ExecutionKPITests.unit
        let forged = Event(
            id: EventID("execution:999.count"), ts: GovernanceFixture.start, source: ExecutionShopFloor.source,
            unit: unit, payload: .count(Count(good: 100, scrap: 0, rework: 0)))
        let derivedCount = try await f.g.store.entries(kind: .event).first { $0.entry.type == "count" }
        let target = try #require(derivedCount?.entry.id)
        let void = Event(
            id: EventID("fix-1"), ts: GovernanceFixture.start, source: "mes", unit: unit,
            payload: .correction(Correction(corrects: EventID(target), replacement: nil, reason: "wrong")))
        let before = try await f.g.store.count(kind: .event)
        let report = try await ingest.ingest(events: [(1, forged), (2, void)])
        #expect(report.accepted == 0)
        #expect(report.rejections.map(\.field) == ["source", "corrects"])
        #expect(report.rejections.map(\.id) == ["execution:999.count", "fix-1"])
        #expect(try await f.g.store.count(kind: .event) == before)
        // A store refuses an execution-space id for any other source, and a spar-execution event outside that space.
        let plain = PendingEntry(
            id: "execution:5.count", kind: .event, ts: GovernanceFixture.start, unit: unit.description, type: "count",
            source: "mes", body: "{}")
        let outside = PendingEntry(
            id: "c-1", kind: .event, ts: GovernanceFixture.start, unit: unit.description, type: "count",
            source: ExecutionShopFloor.source, body: "{}")
        let outcomes = try await f.g.store.append([plain, outside], recordedAt: f.g.clock.now, recordedBy: "test")
        for o in outcomes {
            guard case .rejected(_, let field) = o else {
                Issue.record("expected a rejection, got \(o)")
                continue
            }
            #expect(field == "id")
        }
    }
}

@Suite("The as-built record of a serial as a signed document")
struct SignedAsBuiltTests {
    static func refusal(_ error: any Error) -> ExecutionRefusal? {
        if case .refused(let r) = error as? ExecutionError { r } else { nil }
    }

    @Test("quality signs a finished serial's as-built record; the document verifies, and a changed one does not")
    func signAndVerify() async throws {
        let f = try await ExecutionFixture()
        try await ExecutionKPITests.walk(f)
        let g = f.g.governance
        // SN-2's NCR is dispositioned but not closed.
        let ncr = try #require(try await f.execution.current().ncrs.values.first { $0.traveler == "T-2" }?.id)
        await #expect {
            _ = try await g.signAsBuilt(serial: "SN-2", signer: f.signer("quinn"), station: "qa", in: f.execution)
        } throws: { error in
            let r = Self.refusal(error)
            return r?.rule == .asBuilt && r?.reason == "the as-built record of SN-2 cannot be signed while \(ncr) is open"
        }
        // An operator's signature does not count for quality.
        await #expect {
            _ = try await g.signAsBuilt(serial: "SN-1", signer: f.signer("olga"), station: "qa", in: f.execution)
        } throws: { error in
            Self.refusal(error)?.rule == .asBuilt
        }
        f.advance(60)
        let d = try await g.signAsBuilt(serial: "SN-1", signer: f.signer("quinn"), station: "qa", in: f.execution)
        guard case .object(let o) = d.json, case .object(let record)? = o["asBuilt"] else {
            Issue.record("not a document: \(d.json)")
            return
        }
        #expect(o["format"]?.stringValue == "spar-as-built-1")
        #expect(o["sha256"]?.stringValue == Governance.sha256(.object(record)))
        #expect(d.receipt.signatures.map(\.signer) == ["quinn"])
        #expect(d.receipt.signatures.first?.meaning == .approved)
        let state = try await f.execution.current()
        #expect(state.asBuiltSignatures["SN-1"]?.map(\.sha256) == [o["sha256"]?.stringValue ?? ""])
        // Produced again from the ledger, after more entries, it is the same document.
        try await f.execution.releaseTraveler("T-9", workOrder: "WO-9", partNumber: "PN-K", item: .serial("SN-9"), by: f.olga)
        let again = try await g.signedAsBuilt(serial: "SN-1", in: f.execution)
        #expect(again.map(\.canonical) == [d.json.canonical])
        // The document as a file: parsed back, it verifies.
        let reread = try JSONValue.parse(Data(d.json.canonical.utf8))
        #expect(try await g.verifyAsBuilt(reread).isEmpty)
        // A changed record no longer matches its digest or the signed entry.
        var changed = record
        changed["serial"] = .string("SN-9")
        var forged = o
        forged["asBuilt"] = .object(changed)
        let findings = try await g.verifyAsBuilt(.object(forged))
        #expect(findings.map(\.field) == ["sha256", "sha256"])
        // A document naming another entry does not verify either.
        forged = o
        forged["ledgerEntry"] = .string("execution:3")
        #expect(try await g.verifyAsBuilt(.object(forged)).map(\.field).contains("ledgerEntry"))
    }
}

@Suite("A customer's representative signs the dispositions that need the customer")
struct CustomerSignatureTests {
    @Test("use as is of a part that needs customer approval: refused without the customer, accepted with a customer user")
    func customerDisposition() async throws {
        let f = try await ExecutionFixture()
        try await f.g.enroll("cora", .customer, sites: .sites(["a"]))
        var routing = boreRouting("A")
        routing.customerApprovalRequired = true
        try await f.release(routing, effective: GovernanceFixture.start)
        try await f.execution.releaseTraveler("T-1", workOrder: "WO-1", partNumber: "PN-1", item: .serial("SN-1"), by: f.olga)
        f.advance(60)
        try await f.execution.startStep(traveler: "T-1", step: StepRef(10, 10), by: f.olga)
        let out = try await f.execution.recordValue(
            traveler: "T-1", step: StepRef(10, 10), item: "bore", value: .number(12.55), by: f.olga)
        guard case .ncrOpened(let ncr, _)? = out.consequences.first else {
            Issue.record("no NCR: \(out.consequences)")
            return
        }
        f.advance(60)
        await #expect {
            _ = try await f.g.governance.disposition(
                ncr: ncr, .useAsIs, rationale: "within the assembly's tolerance stack",
                signers: [f.signer("quinn"), f.signer("eli")], station: "mrb", in: f.execution)
        } throws: { error in
            guard case .refused(let r) = error as? ExecutionError else { return false }
            return r.rule == .disposition && r.reason.contains("missing customer")
        }
        let d = try await f.g.governance.disposition(
            ncr: ncr, .useAsIs, rationale: "within the assembly's tolerance stack",
            signers: [f.signer("quinn"), f.signer("eli"), f.signer("cora")], station: "mrb", in: f.execution)
        guard case .ncrDispositioned(let fact) = d.receipt.event.fact else {
            Issue.record("not a disposition: \(d.receipt.event.fact)")
            return
        }
        #expect(fact.signatures.map(\.capacity) == [.role(.quality), .role(.engineer), .customer])
        #expect(d.signatures.map(\.signer) == ["quinn", "eli", "cora"])
        // A customer user records no shop-floor facts.
        let cora = try await f.g.governance.authenticate(
            Credentials(user: "cora", password: GovernanceFixture.password), station: "test", purpose: "login")
        await #expect(throws: ExecutionError.self) {
            try await f.execution.startStep(traveler: "T-1", step: StepRef(20, 10), by: cora)
        }
    }
}

@Suite("WIP at an outside processor")
struct OutsideProcessorTests {
    @Test("a step of an outside-processed operation shows the serial at the supplier from shipping to receipt")
    func outsideProcessing() async throws {
        let f = try await ExecutionFixture()
        let routing = Routing(
            partNumber: "PN-H", revision: "A",
            operations: [
                RoutingOperation(
                    sequence: 10, title: "Machine", workCenter: ExecutionKPITests.unit,
                    steps: [RoutingStep(sequence: 10, instruction: "Machine")]),
                RoutingOperation(
                    sequence: 20, title: "Heat treat", workCenter: EquipmentPath("e/a/x/w"),
                    steps: [RoutingStep(sequence: 10, instruction: "Ship to HT; receive with certificate")],
                    outsideProcessor: "Bodycote Wichita"),
            ])
        #expect(
            Routing(
                partNumber: "P", revision: "A",
                operations: [
                    RoutingOperation(
                        sequence: 10, workCenter: EquipmentPath("e/a/x/w"), steps: [RoutingStep(sequence: 10, instruction: "x")],
                        outsideProcessor: " ")
                ]
            ).validationProblems().map(\.location) == ["operations[10].outsideProcessor"])
        try await f.release(routing, effective: GovernanceFixture.start)
        try await f.execution.releaseTraveler("T-1", workOrder: "WO-1", partNumber: "PN-H", item: .serial("SN-1"), by: f.olga)
        f.advance(60)
        try await f.execution.startStep(traveler: "T-1", step: StepRef(10, 10), by: f.olga)
        f.advance(60)
        try await f.complete("T-1", 10, 10)
        f.advance(60)
        let shipped = f.g.clock.now
        try await f.execution.startStep(traveler: "T-1", step: StepRef(20, 10), by: f.olga)
        f.advance(3 * 86_400)
        var wip = try await f.execution.wip()
        #expect(wip.map(\.status) == [.outside(processor: "Bodycote Wichita")])
        #expect(wip.first?.since == shipped)
        let threeDays: Int64 = 3 * 86_400_000
        #expect(wip.first.map { $0.age(at: f.g.clock.now) } == threeDays)
        #expect(wip.first?.status.description == "at outside processor Bodycote Wichita")
        try await f.complete("T-1", 20, 10)
        wip = try await f.execution.wip()
        #expect(wip.isEmpty)
    }
}

@Suite("Step starts and completions at the same instant on one unit")
struct SameInstantTests {
    @Test("a second state change at the same instant corrects the first: the unit has one state per instant")
    func sameInstant() async throws {
        let f = try await ExecutionFixture()
        for r in ExecutionKPITests.routings() { try await f.release(r, effective: GovernanceFixture.start) }
        let x = f.execution
        try await x.releaseTraveler("T-1", workOrder: "WO-1", partNumber: "PN-K", item: .serial("SN-1"), by: f.olga)
        ExecutionKPITests.at(f, "08:10")
        // Setup started and completed, and the next step started, all at 08:10.
        try await x.startStep(traveler: "T-1", step: StepRef(10, 10), by: f.olga)
        let done = try await f.g.governance.completeStep(
            traveler: "T-1", step: StepRef(10, 10), signer: f.signer("olga"), station: "t", in: x)
        let next = try await x.startStep(traveler: "T-1", step: StepRef(10, 20), by: f.olga)
        #expect(done.receipt.derivedRejections.isEmpty && next.derivedRejections.isEmpty)
        ExecutionKPITests.at(f, "08:20")
        try await x.recordValue(traveler: "T-1", step: StepRef(10, 20), item: "depth", value: .number(5.0), by: f.olga)
        try await f.complete("T-1", 10, 20)
        let version = try await LedgerPlantModel.latest(in: f.g.store)?.1
        let reader = try await LedgerProjection.reader(store: f.g.store, model: f.g.model, plantModelVersion: version)
        let r = try await reader.result(
            KPIQuery(scope: ExecutionKPITests.unit, from: ExecutionKPITests.window.start, to: ExecutionKPITests.window.end))
        #expect(r.element("AUST") == 0)
        #expect(r.element("APT") == 600)
        let states = try await LedgerProjection.events(store: f.g.store).filter { $0.id.rawValue.hasSuffix(".state") }
        #expect(states.map(\.type) == ["state", "correction", "correction", "state"])
    }
}
