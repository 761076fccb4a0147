import Foundation
import GRDB
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparLedgerIntegrity
import SparSQLite
import SparStorage

extension OQCatalogue {
    /// OQ-07: electronic signatures: components, sessions, manifestation, binding, lockout.
    public static func signatures() -> OQCheck {
        OQCheck(
            id: "OQ-07", title: "Electronic signatures",
            requirements: ["S1", "S2", "S3", "S4", "A4"],
            procedure: [
                "On a scratch ledger, enrol a quality user (printed name 'Quinn Ashford') and an operator; ingest two "
                    + "events rec-1 and rec-2.",
                "Sign rec-1 without a user id, then with user id and password; sign rec-2 within the session with the "
                    + "password alone; try to sign in the session under another user id; let the session time out "
                    + "(15 min) and sign with the password alone, then with both components.",
                "Read each signature's manifestation and export.",
                "On copies of the ledger file, move a signature to rec-2 (edit its row), forge the move completely, "
                    + "copy it to rec-2 through the append path, delete it, and alter the signed record with the chain "
                    + "recomputed; check every copy with the signature binding check and the chain verify.",
                "Try to enrol the quality user's id again; sign five times with a wrong password, then with the right "
                    + "one.",
            ],
            expected: "Two components needed at the first signing and after the timeout, the password alone within the "
                + "session, another user id refused; the manifestation shows printed name, meaning and UTC time; each "
                + "manipulation detected by the binding check or the chain verify; the id cannot be reused; five "
                + "failures are recorded, lock the account and alert administrators, and the right password is then "
                + "refused."
        ) { context in
            var ev = OQEvidence()
            let clock = ManualClock(OQFixtures.epoch)
            let path = context.path("signatures.sqlite")
            let store = try SQLiteLedgerStore(path: path)
            let model = try OQFixtures.twoSitePlant()
            _ = try await LedgerPlantModel.record(
                model, in: store, allowNewVersion: false, recordedAt: clock.now, recordedBy: "local:oq \(context.station)")
            let governance = Governance(store: store, clock: clock.closure)
            let password = "oq-sign-\(UUID().uuidString.prefix(12))"
            let local = Principal.local("oq", station: context.station)
            try await governance.enroll(
                user: "oq-admin", printedName: "OQ Administrator", roles: [.admin], sites: .all, password: password, by: local)
            let admin = Principal(kind: .user, name: "oq-admin", roles: [.admin], sites: .all, station: context.station)
            try await governance.enroll(
                user: "qa-sign", printedName: "Quinn Ashford", roles: [.quality], sites: .all, password: password, by: admin)
            try await governance.enroll(
                user: "op-sign", printedName: "Olive Park", roles: [.operator], sites: .sites(["site-a"]), password: password,
                by: admin)
            let ingest = IngestEvents(model: model, store: store, recordedBy: "local:oq", now: clock.closure)
            _ = try await ingest.ingest([
                OQFixtures.count(id: "rec-1", site: "site-a", ts: clock.now.adding(seconds: -600), good: 5),
                OQFixtures.count(id: "rec-2", site: "site-a", ts: clock.now.adding(seconds: -300), good: 7),
            ])

            func refusal(_ body: () async throws -> Void) async -> String {
                do {
                    try await body()
                    return "accepted"
                } catch let e as GovernanceError {
                    return "refused: \(e.code.rawValue) on '\(e.field)' (\(e.message))"
                } catch {
                    return "refused: \(error)"
                }
            }
            let noUser = await refusal {
                try await governance.sign(
                    record: "rec-1", meaning: .approved, reason: nil, credentials: Credentials(user: nil, password: password),
                    session: nil, station: context.station)
            }
            ev.expect(noUser.hasPrefix("refused"), "first signing with the password only: \(noUser)")
            let (m1, s1) = try await governance.sign(
                record: "rec-1", meaning: .approved, reason: "batch release",
                credentials: Credentials(user: "qa-sign", password: password), session: nil, station: context.station)
            ev.expect(m1.components == .userIDAndPassword, "first signing with user id + password: accepted, components \(m1.components.rawValue)")
            clock.advance(seconds: 5 * 60)
            let (m2, s2) = try await governance.sign(
                record: "rec-2", meaning: .reviewed, reason: nil, credentials: Credentials(user: nil, password: password),
                session: s1, station: context.station)
            ev.expect(m2.components == .password, "second signing 5 min later in the session, password only: accepted, components \(m2.components.rawValue)")
            let other = await refusal {
                try await governance.sign(
                    record: "rec-2", meaning: .verified, reason: nil, credentials: Credentials(user: "op-sign", password: password),
                    session: s2, station: context.station)
            }
            ev.expect(other.hasPrefix("refused"), "signing in qa-sign's session as op-sign: \(other)")
            clock.advance(seconds: 16 * 60)
            let timedOut = await refusal {
                try await governance.sign(
                    record: "rec-2", meaning: .verified, reason: nil, credentials: Credentials(user: nil, password: password),
                    session: s2, station: context.station)
            }
            ev.expect(timedOut.hasPrefix("refused"), "16 min later (timeout 15 min), password only: \(timedOut)")
            let (m3, _) = try await governance.sign(
                record: "rec-2", meaning: .verified, reason: nil, credentials: Credentials(user: "qa-sign", password: password),
                session: s2, station: context.station)
            ev.expect(m3.components == .userIDAndPassword, "after the timeout with both components: accepted")

            let shown = try await governance.signatures(of: "rec-1")
            let text = shown.first.map { "\($0)" } ?? ""
            ev.expect(
                text.contains("Quinn Ashford") && text.contains("approved") && text.contains(m1.signedAt.rfc3339)
                    && text.hasSuffix("batch release") && text.contains("Z UTC"),
                "manifestation of rec-1: \(text)")
            let export = Governance.json(m1)
            ev.expect(
                export["printedName"] == .string("Quinn Ashford") && export["meaning"] == .string("approved")
                    && export["signedAt"] == .string(m1.signedAt.rfc3339) && export["recordHash"] == .string(m1.recordHash),
                "export of the signature: \(export.canonical.prefix(220))…")

            let intactBindings = try await governance.verifyBindings()
            let publicKey = try store.checkpointPublicKey()
            let intactChain = try SQLiteLedgerAudit.run(path: path, publicKey: publicKey)
            ev.expect(
                intactBindings.isEmpty && intactChain.isIntact,
                "untouched ledger: \(intactBindings.count) binding findings, chain intact = \(intactChain.isIntact)")

            let snapshot = context.path("signatures-snapshot.sqlite")
            try RawSQLite.snapshot(path, to: snapshot)
            guard let sig = try await store.entry(id: m1.signatureID), let rec2 = try await store.entry(id: "rec-2"),
                let rec1 = try await store.entry(id: "rec-1")
            else { throw StorageError("the signed records are missing") }
            func moved(_ body: String, record: String, seq: Int64, hash: String?) throws -> String {
                guard case .object(var o) = try JSONValue.parse(Data(body.utf8)) else { return body }
                o["record"] = .string(record)
                o["recordSeq"] = .number(Double(seq))
                if let hash { o["recordHash"] = .string(hash) }
                return JSONValue.object(o).canonical
            }
            let scenarios: [(String, (String) async throws -> Void)] = [
                ("signature row edited to name rec-2 (record, seq)", { copy in
                    let body = try moved(sig.entry.body, record: "rec-2", seq: rec2.seq, hash: nil)
                    try RawSQLite.withoutTriggers(copy) { db in
                        try db.execute(sql: "UPDATE ledger SET body = ? WHERE seq = ?", arguments: [body, sig.seq])
                    }
                }),
                ("signature row edited to name rec-2 with rec-2's hash", { copy in
                    let body = try moved(sig.entry.body, record: "rec-2", seq: rec2.seq, hash: rec2.hash.hex)
                    try RawSQLite.withoutTriggers(copy) { db in
                        try db.execute(sql: "UPDATE ledger SET body = ? WHERE seq = ?", arguments: [body, sig.seq])
                    }
                }),
                ("signature copied to rec-2 through the append path", { copy in
                    let body = try moved(sig.entry.body, record: "rec-2", seq: rec2.seq, hash: nil)
                    let appender = try SQLiteLedgerStore(path: copy, signingKeyPath: store.signingKeyPath)
                    var entry = sig.entry
                    entry.id = "signature:copied"
                    entry.body = body
                    _ = try await appender.append([entry], recordedAt: clock.now, recordedBy: sig.recordedBy)
                }),
                ("signature row deleted", { copy in
                    try RawSQLite.withoutTriggers(copy) { db in
                        try db.execute(sql: "DELETE FROM ledger WHERE seq = ?", arguments: [sig.seq])
                    }
                }),
                ("signed record rec-1 edited, chain recomputed", { copy in
                    try RawSQLite.withoutTriggers(copy) { db in
                        try db.execute(
                            sql: "UPDATE ledger SET body = replace(body, '\"good\":5', '\"good\":50') WHERE seq = ?",
                            arguments: [rec1.seq])
                        try RawSQLite.rechain(db, from: rec1.seq)
                    }
                }),
            ]
            var detected = 0
            for (i, (label, tamper)) in scenarios.enumerated() {
                let copy = context.path("signatures-\(i).sqlite")
                try RawSQLite.copy(snapshot, to: copy)
                try await tamper(copy)
                let copyStore = try SQLiteLedgerStore(path: copy, signingKeyPath: store.signingKeyPath)
                let bindings = try await Governance(store: copyStore, clock: clock.closure).verifyBindings()
                let chain = try SQLiteLedgerAudit.run(path: copy, publicKey: publicKey)
                let caught = !bindings.isEmpty || !chain.isIntact
                if caught { detected += 1 }
                ev.expect(
                    caught,
                    "\(label): binding check \(bindings.first.map { "\($0)" } ?? "silent"); chain verify "
                        + (chain.findings.first.map { "\($0)" } ?? "intact"))
            }

            let reuse = await refusal {
                try await governance.enroll(
                    user: "qa-sign", printedName: "Someone Else", roles: [.quality], sites: .all, password: password + "!",
                    by: admin)
            }
            ev.expect(reuse.hasPrefix("refused: conflict"), "enrolling the id qa-sign again: \(reuse)")
            var failures: [String] = []
            for _ in 0..<5 {
                failures.append(await refusal {
                    try await governance.sign(
                        record: "rec-1", meaning: .verified, reason: nil,
                        credentials: Credentials(user: "op-sign", password: "wrong-password-123"), session: nil,
                        station: context.station)
                })
            }
            ev.expect(failures.allSatisfy { $0.hasPrefix("refused") }, "five signings with a wrong password: all refused")
            let identity = try await store.entries(kind: .identity)
            let logged = identity.filter { $0.entry.type == "auth.failed" && $0.entry.unit == "op-sign" }.count
            let locks = identity.filter { $0.entry.type == "account.locked" && $0.entry.unit == "op-sign" }
            ev.expect(logged == 5, "failed attempts recorded in the ledger: \(logged) auth.failed entries for op-sign")
            let directory = try await governance.directory()
            ev.expect(
                locks.count == 1 && directory.users["op-sign"]?.locked == true
                    && directory.lockouts.contains { $0.user == "op-sign" },
                "account.locked recorded at seq \(locks.first?.seq ?? -1); administrators' lockout list: "
                    + directory.lockouts.map { "\($0.user) at \($0.at.rfc3339)" }.joined(separator: ", "))
            let locked = await refusal {
                try await governance.sign(
                    record: "rec-1", meaning: .verified, reason: nil, credentials: Credentials(user: "op-sign", password: password),
                    session: nil, station: context.station)
            }
            ev.expect(locked.hasPrefix("refused: locked"), "the right password after the lockout: \(locked)")
            ev.observed = "3 signatures (components \(m1.components.rawValue), \(m2.components.rawValue), "
                + "\(m3.components.rawValue)); \(detected)/\(scenarios.count) signature manipulations detected; id reuse "
                + "refused; \(logged) failures logged and the account locked"
            return ev
        }
    }
}
