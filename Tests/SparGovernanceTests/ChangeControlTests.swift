import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparStorage
import Testing

@Suite("Change control for master data")
struct ChangeControlTests {
    /// The fixture's plant with site b's unit on a one-shift calendar.
    static func calendarChange(_ model: PlantModel) -> PlantModel {
        var m = model
        m.calendars = [
            WorkCalendar(id: "day", shifts: [Shift(name: "A", days: [.mon, .tue, .wed, .thu, .fri], start: TimeOfDay(minutes: 360), end: TimeOfDay(minutes: 840))])
        ]
        m.sites[1].calendar = "day"
        return m
    }

    @Test("impact: a calendar change names its site, units and the time-based KPIs; a reason change every unit")
    func impact() {
        let old = GovernanceFixture.twoSites
        let i = ChangeImpact(from: old, to: Self.calendarChange(old))
        #expect(i.sites == ["b"])
        #expect(i.units == ["e/b/x/w/u1"])
        #expect(i.changes == ["changed unit e/b/x/w/u1: calendar none → day"])
        #expect(i.kpis.contains("availability") && i.kpis.contains("oee") && !i.kpis.contains("qualityRatio"))
        var r = old
        r.reasons.append(ReasonCode(code: "tool-wear", category: .down, failure: true))
        let j = ChangeImpact(from: old, to: r)
        #expect(j.changes == ["added reason tool-wear (down)"])
        #expect(j.sites == ["a", "b"])
        #expect(j.units.count == 2)
    }

    @Test("impact: a local KPI extension names its site (so only that site's people may propose and approve it)")
    func extensionImpact() {
        let ext = BlueprintKPIExtension(id: "local.b.OLR100", name: "Other Loss Ratio", formula: "OL/CM", elements: ["OL", "CM"])
        let i = ChangeImpact(from: Blueprint(sites: []), to: Blueprint(kpiExtensions: [ext], sites: []))
        #expect(i.sites == ["b"])
        #expect(i.changes.count == 1)
    }

    @Test("sequencing rules: distinct approvers, never the proposer, effective no earlier than the last approval")
    func sequencing() {
        let t0 = Timestamp(milliseconds: 1_000)
        func d(_ by: String, _ role: Role?, _ at: Int64, _ seq: Int64, _ v: ChangeDecision.Verdict = .approved) -> ChangeDecision {
            ChangeDecision(verdict: v, by: by, role: role, at: Timestamp(milliseconds: at), seq: seq)
        }
        let required: [Role] = [.engineer, .quality]
        // Proposer's own approval and a repeated approver do not count.
        let s1 = ChangeSequencing.state(
            required: required, proposedBy: "user:p", requestedEffectiveAt: t0,
            decisions: [d("user:p", .engineer, 10, 1), d("user:e", .engineer, 20, 2), d("user:e", .quality, 30, 3)],
            now: Timestamp(milliseconds: 100))
        #expect(s1 == .proposed(missing: [.quality]))
        // Approved late: effective at the final approval, not the requested time.
        let s2 = ChangeSequencing.state(
            required: required, proposedBy: "user:p", requestedEffectiveAt: t0,
            decisions: [d("user:e", .engineer, 2_000, 1), d("user:q", .quality, 3_000, 2)], now: Timestamp(milliseconds: 5_000))
        #expect(s2 == .effective(since: Timestamp(milliseconds: 3_000)))
        // Rejected before full approval: never effective, even if an approval follows.
        let s3 = ChangeSequencing.state(
            required: required, proposedBy: "user:p", requestedEffectiveAt: t0,
            decisions: [d("user:e", .engineer, 20, 1), d("user:q", nil, 30, 2, .rejected), d("user:q2", .quality, 40, 3)],
            now: Timestamp(milliseconds: 100))
        #expect(s3 == .rejected(by: "user:q", at: Timestamp(milliseconds: 30)))
    }

    @Test("an unapproved change never takes effect; approved, it applies from its effective time and not before")
    func effectiveDating() async throws {
        let f = try await GovernanceFixture()
        let eng = try await f.enroll("erin", .engineer, sites: .all)
        try await f.enroll("quinn", .quality, sites: .all)
        try await f.enroll("eric", .engineer, sites: .all)
        let oldVersion = PlantModelFile.fingerprint(f.model)
        let proposed = Self.calendarChange(f.model)
        let effective = GovernanceFixture.start.adding(seconds: 86_400)
        let cr = try await f.governance.propose(.plantModel(proposed), reason: "day shift only in b", effectiveAt: effective, by: eng)
        #expect(cr.id == "CR-0001")
        #expect(cr.baseVersion == oldVersion)
        #expect(cr.impact.sites == ["b"])
        #expect(cr.state == .proposed(missing: [.engineer, .quality]))
        // A direct recording is refused once users exist.
        await #expect(throws: LedgerPlantModel.ChangeControlRequired.self) {
            try await LedgerPlantModel.record(
                proposed, in: f.store, allowNewVersion: true, recordedAt: f.clock.now, recordedBy: "local:x")
        }
        // The proposer cannot approve; an operator-less quality approval alone is not enough.
        await #expect(throws: GovernanceError.self) {
            try await f.governance.approve("CR-0001", credentials: f.credentials("erin"), session: nil, station: "t")
        }
        try await f.governance.approve("CR-0001", credentials: f.credentials("quinn"), session: nil, station: "t")
        let afterOne = try await f.governance.changeRequest("CR-0001")
        #expect(afterOne?.state == .proposed(missing: [.engineer]))
        f.clock.advance(seconds: 2 * 86_400)
        #expect(try await LedgerPlantModel.inForce(in: f.store, at: f.clock.now)?.1 == oldVersion, "not approved: old version")
        await #expect(throws: GovernanceError.self) {
            try await f.governance.approve("CR-0001", credentials: f.credentials("quinn"), session: nil, station: "t")
        }
        let approvedAt = f.clock.now
        let (done, _) = try await f.governance.approve(
            "CR-0001", credentials: f.credentials("eric"), session: nil, station: "t")
        #expect(done.state == .effective(since: approvedAt), "approved after the requested time: effective at approval")
        #expect(done.signatures.map(\.signer) == ["quinn", "eric"])
        #expect(done.signatures.allSatisfy { $0.meaning == .approved })
        let newVersion = PlantModelFile.fingerprint(proposed)
        #expect(try await LedgerPlantModel.inForce(in: f.store, at: approvedAt)?.1 == newVersion)
        #expect(try await LedgerPlantModel.inForce(in: f.store, at: approvedAt.adding(seconds: -1))?.1 == oldVersion)
        // As the ledger knew it before the approval, the old version was in force even now.
        #expect(try await LedgerPlantModel.inForce(in: f.store, at: approvedAt, knownAt: approvedAt.adding(seconds: -1))?.1 == oldVersion)
        #expect(try await f.governance.verifyChangeControl().isEmpty)
        #expect(try await f.governance.verifyBindings().isEmpty)
    }

    @Test("the KPI definition in force changes only by an approved, signed change request, from its effective time")
    func kpiDefinitionChange() async throws {
        let f = try await GovernanceFixture()
        // An enrolled ledger that records no version uses spar-kpi-2; once users exist, no recording outside control.
        #expect(try await LedgerKPIDefinition.inForce(in: f.store, at: f.clock.now) == "spar-kpi-2")
        await #expect(throws: (any Error).self) {
            try await LedgerKPIDefinition.record(
                "spar-kpi-1", enterprise: "e", reason: "x", effectiveAt: f.clock.now, in: f.store,
                recordedAt: f.clock.now, recordedBy: "local:test")
        }
        let eng = try await f.enroll("erin", .engineer, sites: .all)
        try await f.enroll("quinn", .quality, sites: .all)
        try await f.enroll("ed", .engineer, sites: .all)
        await #expect(throws: GovernanceError.self) {
            try await f.governance.propose(.kpiDefinition("spar-kpi-2"), reason: "already", effectiveAt: f.clock.now, by: eng)
        }
        await #expect(throws: GovernanceError.self) {
            try await f.governance.propose(.kpiDefinition("spar-kpi-9"), reason: "unknown", effectiveAt: f.clock.now, by: eng)
        }
        let effective = GovernanceFixture.start.adding(seconds: 86_400)
        let cr = try await f.governance.propose(
            .kpiDefinition("spar-kpi-1"), reason: "site reports validated on v1", effectiveAt: effective, by: eng)
        #expect(cr.subject == .kpiDefinition && cr.baseVersion == "spar-kpi-2" && cr.proposedVersion == "spar-kpi-1")
        #expect(cr.impact.sites == ["a", "b"])
        // The KPIs whose formula differs between the versions (kpis-v2.md's table plus the AUBT-based ones).
        for k in ["nee", "firstPassYield", "fallOffRatio", "equipmentLoadRatio", "workerEfficiency", "inventoryTurns",
            "meanTimeBetweenFailures", "meanTimeToFailure", "processCapabilityIndex", "integratedGoodsRatio"]
        {
            #expect(cr.impact.kpis.contains(k), "\(k)")
        }
        #expect(!cr.impact.kpis.contains("availability") && !cr.impact.kpis.contains("meanTimeToRepair"))
        try await f.governance.approve(cr.id, credentials: f.credentials("quinn"), session: nil, station: "t")
        #expect(try await LedgerKPIDefinition.history(in: f.store).isEmpty)
        let (done, _) = try await f.governance.approve(cr.id, credentials: f.credentials("ed"), session: nil, station: "t")
        #expect(done.state == .approved(effectiveAt: effective))
        #expect(done.signatures.count == 2)
        #expect(try await LedgerKPIDefinition.inForce(in: f.store, at: effective.adding(seconds: -1)) == "spar-kpi-2")
        #expect(try await LedgerKPIDefinition.inForce(in: f.store, at: effective) == "spar-kpi-1")
        let history = try await LedgerKPIDefinition.history(in: f.store)
        #expect(history.map(\.changeRequest) == [cr.id])
        #expect(try await f.governance.verifyChangeControl().isEmpty)
        // A site pin in the blueprint answers scopes inside the site; the enterprise keeps the canonical version.
        let policy = KPIDefinitionPolicy(inForce: "spar-kpi-2", sitePins: ["b": "spar-kpi-1"])
        #expect(try policy.definition(for: EquipmentPath("e")).id == "spar-kpi-2")
        #expect(try policy.definition(for: EquipmentPath("e/a/x")).id == "spar-kpi-2")
        #expect(try policy.definition(for: EquipmentPath("e/b/x/w/u1")).id == "spar-kpi-1")
        #expect(try policy.definition(for: EquipmentPath("e/b"), requested: "spar-kpi-2").id == "spar-kpi-2")
        #expect(throws: KPIQueryError.self) { try policy.definition(for: EquipmentPath("e"), requested: "v9") }
    }

    @Test("a future effective time holds the old version until then; a rejected change never applies")
    func futureAndRejected() async throws {
        let f = try await GovernanceFixture()
        let eng = try await f.enroll("erin", .engineer, sites: .all)
        try await f.enroll("quinn", .quality, sites: .all)
        try await f.enroll("sam", .supervisor, sites: .all)
        let oldVersion = PlantModelFile.fingerprint(f.model)
        let proposed = Self.calendarChange(f.model)
        let effective = GovernanceFixture.start.adding(seconds: 7 * 86_400)
        try await f.governance.propose(.plantModel(proposed), reason: "from next week", effectiveAt: effective, by: eng)
        try await f.governance.approve("CR-0001", credentials: f.credentials("quinn"), session: nil, station: "t")
        // A supervisor holds approveChange but not a required role.
        await #expect(throws: GovernanceError.self) {
            try await f.governance.approve("CR-0001", credentials: f.credentials("sam"), session: nil, station: "t")
        }
        try await f.governance.enroll(
            user: "ed", printedName: "Ed", roles: [.engineer], sites: .all, password: GovernanceFixture.password, by: f.admin)
        let (cr, _) = try await f.governance.approve("CR-0001", credentials: f.credentials("ed"), session: nil, station: "t")
        #expect(cr.state == .approved(effectiveAt: effective))
        #expect(try await LedgerPlantModel.inForce(in: f.store, at: effective.adding(seconds: -1))?.1 == oldVersion)
        #expect(try await LedgerPlantModel.inForce(in: f.store, at: effective)?.1 == PlantModelFile.fingerprint(proposed))

        var other = f.model
        other.reasons.append(ReasonCode(code: "tool-wear", category: .down, failure: true))
        try await f.governance.propose(.plantModel(other), reason: "tool wear", effectiveAt: f.clock.now, by: eng)
        let quality = try await f.governance.authenticate(f.credentials("quinn"), station: "t")
        try await f.governance.close("CR-0002", verdict: .rejected, reason: "use the existing spindle code", by: quality)
        await #expect(throws: GovernanceError.self) {
            try await f.governance.approve("CR-0002", credentials: f.credentials("ed"), session: nil, station: "t")
        }
        let rejected = try await f.governance.changeRequest("CR-0002")
        #expect(rejected?.state == .rejected(by: "user:quinn", at: f.clock.now))
        let versions = try await LedgerPlantModel.versions(in: f.store)
        #expect(!versions.contains { $0.entry.source == "change:CR-0002" })
        let next = try await f.governance.propose(.plantModel(f.model.withReason("wear")), reason: "again", effectiveAt: f.clock.now, by: eng)
        #expect(next.id == "CR-0003", "numbers count proposals, not rejections")
    }

    @Test("a request proposed against a version no longer in force cannot be approved: it would undo the other change")
    func staleBase() async throws {
        let f = try await GovernanceFixture()
        let eng = try await f.enroll("erin", .engineer, sites: .all)
        try await f.enroll("quinn", .quality, sites: .all)
        try await f.enroll("eric", .engineer, sites: .all)
        let base = PlantModelFile.fingerprint(f.model)
        // Two requests against the same base: a new reason, and (separately) a calendar change.
        let first = try await f.governance.propose(
            .plantModel(f.model.withReason("spindle-crash")), reason: "new failure code", effectiveAt: f.clock.now, by: eng)
        let second = try await f.governance.propose(
            .plantModel(Self.calendarChange(f.model)), reason: "day shift only in b", effectiveAt: f.clock.now, by: eng)
        #expect(first.baseVersion == base && second.baseVersion == base)
        try await f.governance.approve(second.id, credentials: f.credentials("quinn"), session: nil, station: "t")
        f.clock.advance(seconds: 60)
        try await f.governance.approve(first.id, credentials: f.credentials("quinn"), session: nil, station: "t")
        let (done, _) = try await f.governance.approve(first.id, credentials: f.credentials("eric"), session: nil, station: "t")
        #expect(done.state.label == "effective")
        f.clock.advance(seconds: 60)
        // Approving the second would put a model without spindle-crash back in force.
        do {
            _ = try await f.governance.approve(second.id, credentials: f.credentials("eric"), session: nil, station: "t")
            Issue.record("a stale request was approved")
        } catch let e as GovernanceError {
            #expect(e.description.contains("was proposed against plantModel \(base)"), "\(e)")
            #expect(e.description.contains("withdraw \(second.id) and propose again"))
        }
        let inForce = try await LedgerPlantModel.inForce(in: f.store, at: f.clock.now)
        #expect(inForce?.0.reasons.contains { $0.code == "spindle-crash" } == true)
        #expect(try await f.governance.changeRequest(second.id)?.state == .proposed(missing: [.engineer]))
    }

    @Test("a version appended outside change control after enrolment is reported by verify")
    func bypassDetected() async throws {
        let f = try await GovernanceFixture()
        let proposed = Self.calendarChange(f.model)
        let entry = LedgerPlantModel.entry(proposed, effectiveAt: f.clock.now, changeRequest: nil, recordedAt: f.clock.now)
        _ = try await f.store.append([entry], recordedAt: f.clock.now, recordedBy: "local:intruder")
        let forged = LedgerPlantModel.entry(
            f.model, effectiveAt: f.clock.now.adding(seconds: 1), changeRequest: "CR-0042", recordedAt: f.clock.now.adding(seconds: 1))
        _ = try await f.store.append([forged], recordedAt: f.clock.now, recordedBy: "local:intruder")
        let findings = try await f.governance.verifyChangeControl()
        #expect(findings.map(\.id) == [entry.id, forged.id])
        #expect(findings[0].detail.contains("outside change control"))
        #expect(findings[1].detail.contains("CR-0042"))
    }
}

extension PlantModel {
    fileprivate func withReason(_ code: String) -> PlantModel {
        var m = self
        m.reasons.append(ReasonCode(code: code, category: .down, failure: true))
        return m
    }
}
