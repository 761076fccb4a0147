import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparSQLite
import SparStorage

extension OQCatalogue {
    /// OQ-08: change requests: approvals, sequencing, effective time, rejection.
    public static func changeControl() -> OQCheck {
        OQCheck(
            id: "OQ-08", title: "Change control of master data",
            requirements: ["C1", "C2", "A2", "A5"],
            procedure: [
                "On a scratch ledger holding plant model v1, enrol an administrator, two engineers and a quality user.",
                "Engineer 1 proposes v2 (one more press at site-a) effective in 2 h, first without a reason, then with "
                    + "one; read the request's diff, impact and state.",
                "Ask which plant model is in force; engineer 1 tries to approve; quality approves (twice); engineer 2 "
                    + "approves.",
                "Ask which plant model is in force before, at and after the effective time, and again once the clock "
                    + "has passed it; ask as known before the approval.",
                "Propose v3, reject it, try to approve it; record a plant model outside change control.",
            ],
            expected: "No reason, no request; v1 stays in force until every required role approved, each by another "
                + "person than the proposer; v2 applies from its effective time and not before; the approvals are "
                + "signatures with meaning 'approved'; a rejected request never takes effect; a model recorded outside "
                + "change control is refused."
        ) { context in
            var ev = OQEvidence()
            let clock = ManualClock(OQFixtures.epoch)
            let store = try SQLiteLedgerStore(path: context.path("change.sqlite"))
            let v1Model = try OQFixtures.twoSitePlant()
            let v1 = try await LedgerPlantModel.record(
                v1Model, in: store, allowNewVersion: false, recordedAt: clock.now, recordedBy: "local:oq \(context.station)")
            let governance = Governance(store: store, clock: clock.closure)
            let password = "oq-change-\(UUID().uuidString.prefix(12))"
            try await governance.enroll(
                user: "oq-admin", printedName: "OQ Administrator", roles: [.admin], sites: .all, password: password,
                by: .local("oq", station: context.station))
            let admin = Principal(kind: .user, name: "oq-admin", roles: [.admin], sites: .all, station: context.station)
            for (user, name, role) in [
                ("eng-1", "Erin Engel", Role.engineer), ("eng-2", "Ezra Engstrom", .engineer), ("qa-1", "Quinn Ashford", .quality),
            ] {
                try await governance.enroll(user: user, printedName: name, roles: [role], sites: .all, password: password, by: admin)
            }
            let engineer = Principal(kind: .user, name: "eng-1", roles: [.engineer], sites: .all, station: context.station)
            let v2Model = try OQFixtures.plant(addingPressAt: "site-a", id: "press-2")
            let v2 = PlantModelFile.fingerprint(v2Model)
            let effective = clock.now.adding(seconds: 7200)

            var noReason = "accepted"
            do { try await governance.propose(.plantModel(v2Model), reason: "  ", effectiveAt: effective, by: engineer) } catch {
                noReason = "refused (\(error))"
            }
            ev.expect(noReason.hasPrefix("refused"), "proposal without a reason: \(noReason)")
            let cr = try await governance.propose(
                .plantModel(v2Model), reason: "OQ: add press-2 at site-a", effectiveAt: effective, by: engineer)
            ev.expect(
                cr.impact.changes.contains { $0.contains("added unit oq/site-a/fab/line/press-2") } && cr.impact.sites == ["site-a"]
                    && cr.baseVersion == v1 && cr.proposedVersion == v2 && !cr.impact.kpis.isEmpty,
                "\(cr.id) \(cr.state): diff \(cr.impact.changes.joined(separator: "; ")); sites \(cr.impact.sites.joined(separator: ", ")); "
                    + "\(cr.impact.kpis.count) KPIs affected; \(cr.baseVersion ?? "none") → \(cr.proposedVersion); reason '\(cr.reason)'")
            func inForce(_ t: Timestamp, knownAt: Timestamp? = nil) async throws -> String {
                try await LedgerPlantModel.inForce(in: store, at: t, knownAt: knownAt)?.1 ?? "none"
            }
            let proposedState = try await inForce(effective.adding(seconds: 3600))
            ev.expect(proposedState == v1, "proposed, no approval: in force at effective time + 1 h: \(proposedState) (v1 \(v1))")

            func attempt(_ user: String) async -> String {
                do {
                    try await governance.approve(
                        cr.id, reason: "OQ approval", credentials: Credentials(user: user, password: password), session: nil,
                        station: context.station)
                    return "accepted"
                } catch { return "refused (\(error))" }
            }
            let selfApproval = await attempt("eng-1")
            ev.expect(selfApproval.hasPrefix("refused"), "the proposer eng-1 approves: \(selfApproval)")
            clock.advance(seconds: 600)
            let quality = await attempt("qa-1")
            let afterQuality = try await governance.changeRequest(cr.id)
            let stillV1 = try await inForce(effective.adding(seconds: 3600))
            ev.expect(
                quality == "accepted" && afterQuality?.state == .proposed(missing: [.engineer]) && stillV1 == v1,
                "qa-1 approves: \(quality); state \(afterQuality.map { "\($0.state)" } ?? "?"); in force at effective + 1 h: \(stillV1)")
            let twice = await attempt("qa-1")
            ev.expect(twice.hasPrefix("refused"), "qa-1 approves again: \(twice)")
            clock.advance(seconds: 600)
            let approvedAt = clock.now
            let second = await attempt("eng-2")
            let approved = try await governance.changeRequest(cr.id)
            ev.expect(
                second == "accepted" && approved?.state == .approved(effectiveAt: effective),
                "eng-2 approves: \(second); state \(approved.map { "\($0.state)" } ?? "?")")
            let signatures = approved?.signatures ?? []
            ev.expect(
                signatures.count == 2 && signatures.allSatisfy { $0.meaning == .approved && $0.recordHash.count == 64 },
                "approval signatures: " + signatures.map { "\($0)" }.joined(separator: " | "))
            let before = try await inForce(effective.adding(seconds: -1))
            let at = try await inForce(effective)
            let now = try await inForce(clock.now)
            ev.expect(
                before == v1 && at == v2 && now == v1,
                "approved, clock \(clock.now.rfc3339): in force 1 ms before \(effective.rfc3339): \(before); at it: \(at); now: \(now)")
            let known = try await inForce(effective, knownAt: approvedAt.adding(seconds: -1))
            ev.expect(known == v1, "as known just before the final approval, in force at the effective time: \(known)")
            clock.advance(seconds: 7200)
            let effectiveState = try await governance.changeRequest(cr.id)?.state
            let laterNow = try await inForce(clock.now)
            ev.expect(
                effectiveState == .effective(since: effective) && laterNow == v2,
                "clock past the effective time: state \(effectiveState.map { "\($0)" } ?? "?"); in force now: \(laterNow)")

            let v3Model = try OQFixtures.plant(addingPressAt: "site-b", id: "press-3")
            let cr2 = try await governance.propose(
                .plantModel(v3Model), reason: "OQ: add press-3 at site-b", effectiveAt: clock.now.adding(seconds: 60), by: engineer)
            let qa = Principal(kind: .user, name: "qa-1", roles: [.quality], sites: .all, station: context.station)
            var emptyReject = "accepted"
            do { try await governance.close(cr2.id, verdict: .rejected, reason: "", by: qa) } catch { emptyReject = "refused (\(error))" }
            ev.expect(emptyReject.hasPrefix("refused"), "rejection without a reason: \(emptyReject)")
            try await governance.close(cr2.id, verdict: .rejected, reason: "OQ: not needed", by: qa)
            let afterReject = await {
                do {
                    try await governance.approve(
                        cr2.id, credentials: Credentials(user: "eng-2", password: password), session: nil, station: context.station)
                    return "accepted"
                } catch { return "refused (\(error))" }
            }()
            clock.advance(seconds: 3600)
            let rejectedState = try await governance.changeRequest(cr2.id)?.state
            let finalModel = try await inForce(clock.now.adding(seconds: 365 * 86_400))
            ev.expect(
                afterReject.hasPrefix("refused") && finalModel == v2 && rejectedState?.label == "rejected",
                "\(cr2.id) \(rejectedState.map { "\($0)" } ?? "?"); approval afterwards: \(afterReject); in force a year later: \(finalModel)")
            var outside = "recorded"
            do {
                _ = try await LedgerPlantModel.record(
                    v3Model, in: store, allowNewVersion: true, recordedAt: clock.now, recordedBy: "local:oq")
            } catch { outside = "refused (\(error))" }
            ev.expect(outside.hasPrefix("refused"), "recording v3 outside change control: \(outside)")
            if let entry = try await LedgerPlantModel.versions(in: store).last {
                ev.expect(
                    entry.entry.source == "change:\(cr.id)" && entry.entry.ts == effective,
                    "plant model entry seq \(entry.seq): source \(entry.entry.source), effective \(entry.entry.ts.rfc3339), "
                        + "recorded \(entry.recordedAt.rfc3339) by \(entry.recordedBy)")
            }
            ev.observed = "v2 not in force before approval or before its effective time, in force from it; proposer "
                + "approval, repeated approval, approval after rejection and recording outside change control refused"
            return ev
        }
    }
}
