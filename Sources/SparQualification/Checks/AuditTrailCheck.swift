import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparSQLite
import SparStorage

extension OQCatalogue {
    /// OQ-09: what every audit entry records: who (role, site, station), when (server UTC), what, old and new values.
    public static func auditTrail() -> OQCheck {
        OQCheck(
            id: "OQ-09", title: "Audit trail content and server time",
            requirements: ["R1", "R4", "A5"],
            procedure: [
                "On a scratch ledger, enrol an operator and a supervisor of site-a; the server clock is set to "
                    + OQFixtures.epoch.rfc3339 + ".",
                "The operator ingests an event whose device time is three days earlier; the supervisor voids it, first "
                    + "without a reason, then with one.",
                "Read the audit trail of the event and the stored entries.",
                "Change a user's roles without a reason, then with one.",
            ],
            expected: "Each entry carries the server time (UTC, shown with Z), the actor's id, role, sites and station; the "
                + "device time is kept as data only; a void or change without a reason is refused; the void lists the "
                + "old value, the new one and the reason; the reason of a user change is recorded."
        ) { context in
            var ev = OQEvidence()
            let clock = ManualClock(OQFixtures.epoch)
            let store = try SQLiteLedgerStore(path: context.path("audit.sqlite"))
            let model = try OQFixtures.twoSitePlant()
            _ = try await LedgerPlantModel.record(
                model, in: store, allowNewVersion: false, recordedAt: clock.now, recordedBy: "local:oq \(context.station)")
            let governance = Governance(store: store, clock: clock.closure)
            let password = "oq-audit-\(UUID().uuidString.prefix(12))"
            try await governance.enroll(
                user: "oq-admin", printedName: "OQ Administrator", roles: [.admin], sites: .all, password: password,
                by: .local("oq", station: context.station))
            let admin = Principal(kind: .user, name: "oq-admin", roles: [.admin], sites: .all, station: context.station)
            try await governance.enroll(
                user: "op-a", printedName: "Olive Park", roles: [.operator], sites: .sites(["site-a"]), password: password, by: admin)
            try await governance.enroll(
                user: "sup-a", printedName: "Sam Upton", roles: [.supervisor], sites: .sites(["site-a"]), password: password,
                by: admin)
            let station = "cli@terminal-7"
            let op = try await governance.authenticate(Credentials(user: "op-a", password: password), station: station)
            let sup = try await governance.authenticate(Credentials(user: "sup-a", password: password), station: station)

            let device = clock.now.adding(seconds: -3 * 86_400)
            clock.advance(seconds: 90)
            let serverIngest = clock.now
            let r1 = try await IngestEvents(model: model, store: store, recordedBy: "", principal: op, now: clock.closure)
                .ingest([OQFixtures.count(id: "audit-1", site: "site-a", ts: device, good: 12)])
            clock.advance(seconds: 90)
            let serverVoid = clock.now
            let supervisor = IngestEvents(model: model, store: store, recordedBy: "", principal: sup, now: clock.closure)
            let bare = try await supervisor.ingest([
                OQFixtures.void(id: "audit-1-void", site: "site-a", ts: device.adding(seconds: 60), target: "audit-1")
            ])
            let bareRejection = bare.rejections.first
            ev.expect(
                bare.accepted == 0 && bareRejection?.field == "reason",
                "void without a reason: rejected on '\(bareRejection?.field ?? "none")' (\(bareRejection?.reason ?? "accepted"))")
            let r2 = try await supervisor.ingest([
                OQFixtures.void(
                    id: "audit-1-void", site: "site-a", ts: device.adding(seconds: 60), target: "audit-1",
                    reason: "counted twice by the line PLC")
            ])
            ev.expect(r1.accepted == 1 && r2.accepted == 1, "event and its void with a reason accepted: \(r1.accepted) + \(r2.accepted)")

            guard let e = try await store.entry(id: "audit-1"), let v = try await store.entry(id: "audit-1-void") else {
                throw StorageError("the audit events are missing")
            }
            ev.expect(
                e.entry.ts == device && e.recordedAt == serverIngest,
                "device time kept as data (ts \(e.entry.ts.rfc3339)); audit time from the server clock (recorded_at "
                    + "\(e.recordedAt.rfc3339))")
            ev.expect(
                e.recordedBy == "user:op-a (operator; sites site-a) \(station)",
                "recorded_by of the event: '\(e.recordedBy)' (who, role, sites, station)")
            ev.expect(
                v.recordedBy.hasPrefix("user:sup-a (supervisor; sites site-a)") && v.recordedAt == serverVoid,
                "recorded_by of the void: '\(v.recordedBy)' at \(v.recordedAt.rfc3339)")
            let lines = try await AuditTrail.lines(in: store, matching: AuditQuery(record: "audit-1"))
            let voidLine = lines.first { $0.id == "audit-1-void" }
            ev.expect(
                lines.count == 2 && voidLine?.action == "voided audit-1: counted twice by the line PLC"
                    && voidLine?.oldValue?.contains("\"good\":12") == true
                    && voidLine?.newValue == "void",
                "audit trail of audit-1: " + lines.map { "seq \($0.seq) \($0.recordedAt.rfc3339) \($0.action)"
                    + ($0.oldValue.map { " old \($0)" } ?? "") + " new \($0.newValue.prefix(60))" }.joined(separator: " | "))
            ev.expect(
                lines.allSatisfy { $0.recordedAt.rfc3339.hasSuffix("Z") },
                "times shown in UTC with the zone: \(lines.first?.recordedAt.rfc3339 ?? "")")

            var noReason = "accepted"
            do { try await governance.change(user: "op-a", roles: [.operator, .quality], sites: nil, reason: " ", by: admin) } catch {
                noReason = "refused (\(error))"
            }
            ev.expect(noReason.hasPrefix("refused"), "role change without a reason: \(noReason)")
            try await governance.change(
                user: "op-a", roles: [.operator, .quality], sites: nil, reason: "OQ: trained as inspector", by: admin)
            let changed = try await store.entries(kind: .identity).last { $0.entry.type == "user.changed" }
            ev.expect(
                changed?.entry.body.contains("\"reason\":\"OQ: trained as inspector\"") == true
                    && changed?.recordedBy.hasPrefix("user:oq-admin (admin; sites *)") == true,
                "user.changed entry seq \(changed?.seq ?? -1): \(changed?.entry.body ?? "missing") by \(changed?.recordedBy ?? "")")
            let all = try await store.entries(afterSeq: 0, limit: 10_000)
            let complete = all.allSatisfy { !$0.recordedBy.isEmpty && $0.recordedAt.milliseconds > 0 }
            ev.expect(complete, "\(all.count) entries, every one with recorded_by and a server time")
            ev.observed = "device time kept as data, server UTC time recorded; actor, role, sites and station on every "
                + "entry; void shows old value, new value and reason; void and user change without a reason refused"
            return ev
        }
    }
}
