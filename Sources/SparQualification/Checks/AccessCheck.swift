import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparSQLite
import SparStorage

extension OQCatalogue {
    /// The actions OQ-06 tries for every role on both sites.
    static let accessActions = [
        "read KPIs", "read enterprise roll-up", "ingest event", "correct event", "propose change", "approve change",
        "sign record", "enrol user", "issue token",
    ]

    /// OQ-06: every role scoped to one site, tried against both sites; source-system tokens.
    public static func accessControl() -> OQCheck {
        OQCheck(
            id: "OQ-06", title: "Access by role and site; source-system tokens",
            requirements: ["A1", "A4", "A5"],
            procedure: [
                "On a scratch ledger with a two-site plant model (site-a, site-b), enrol an administrator of every site "
                    + "and one user of each role (\(Role.allCases.map(\.rawValue).joined(separator: ", "))) scoped to "
                    + "site-a; each acts with the roles and sites the ledger's directory holds for it.",
                "For every role and both sites, try: \(accessActions.joined(separator: ", ")) — through the same "
                    + "authorisation, ingest and governance code the CLI and server use.",
                "Count what the auditor appended.",
                "Issue a token for source system 'mes' on site-a; send events with source mes and scada to site-a and "
                    + "site-b; try an altered and a revoked token.",
                "Disable a user and try to sign in as that user.",
            ],
            expected: "Every action on site-b and on the enterprise roll-up is denied for every site-a user; on site-a an "
                + "action succeeds exactly when the role holds the permission; the auditor appends nothing but "
                + "authentication records; the token writes only its own source on its own site and an altered or revoked token is "
                + "refused; a disabled user cannot sign in."
        ) { context in
            var ev = OQEvidence()
            let clock = ManualClock(OQFixtures.epoch)
            let store = try SQLiteLedgerStore(path: context.path("access.sqlite"))
            let model = try OQFixtures.twoSitePlant()
            _ = try await LedgerPlantModel.record(
                model, in: store, allowNewVersion: false, recordedAt: clock.now, recordedBy: "local:oq \(context.station)")
            let governance = Governance(store: store, clock: clock.closure)
            let password = "oq-access-\(UUID().uuidString.prefix(12))"
            try await governance.enroll(
                user: "oq-admin", printedName: "OQ Administrator", roles: [.admin], sites: .all, password: password,
                by: .local("oq", station: context.station))
            let admin = try await governance.authenticate(Credentials(user: "oq-admin", password: password), station: context.station)
            let seeding = IngestEvents(model: model, store: store, recordedBy: "local:oq", now: clock.closure)
            let past = clock.now.adding(seconds: -3600)
            _ = try await seeding.ingest([
                OQFixtures.count(id: "target-site-a", site: "site-a", ts: past),
                OQFixtures.count(id: "target-site-b", site: "site-b", ts: past),
            ])
            let siteBChange = try await governance.propose(
                .plantModel(try OQFixtures.plant(addingPressAt: "site-b", id: "press-b")), reason: "OQ site-b change",
                effectiveAt: clock.now.adding(seconds: 86_400), by: admin)

            var principals: [Role: Principal] = [:]
            for role in Role.allCases {
                try await governance.enroll(
                    user: "\(role.rawValue)-a", printedName: "OQ \(role.rawValue.capitalized) A", roles: [role],
                    sites: .sites(["site-a"]), password: password, by: admin)
            }
            let directory = try await governance.directory()
            for role in Role.allCases {
                guard let account = directory.users["\(role.rawValue)-a"] else { continue }
                principals[role] = Principal(
                    kind: .user, name: account.id, roles: account.roles, sites: account.sites, station: context.station)
            }
            let signInEntries = try await store.entryCount()

            var denied = 0
            var allowed = 0
            var wrong = 0
            var n = 0
            for role in Role.allCases {
                guard let p = principals[role] else { continue }
                for site in ["site-a", "site-b"] {
                    for action in accessActions where !(site == "site-b" && action == "read enterprise roll-up") {
                        n += 1
                        let expectAllowed: Bool
                        switch action {
                        case _ where site != "site-a": expectAllowed = false
                        case "read KPIs": expectAllowed = role.permissions.contains(.read)
                        case "read enterprise roll-up": expectAllowed = false
                        case "ingest event": expectAllowed = role.permissions.contains(.ingest)
                        case "correct event": expectAllowed = role.permissions.contains(.correct)
                        case "propose change": expectAllowed = role.permissions.contains(.proposeChange)
                        case "approve change": expectAllowed = ChangeSubject.plantModel.requiredApprovals.contains(role)
                        case "sign record": expectAllowed = role.permissions.contains(.sign)
                        default: expectAllowed = role.permissions.contains(.manageUsers)
                        }
                        let outcome: String?
                        do {
                            outcome = try await attempt(
                                action, site: site, as: p, n: n, password: password, model: model, store: store,
                                governance: governance, clock: clock, siteBChange: siteBChange.id)
                        } catch {
                            outcome = "\(error)"
                        }
                        let wasAllowed = outcome == nil
                        if wasAllowed == expectAllowed {
                            if wasAllowed { allowed += 1 } else { denied += 1 }
                        } else {
                            wrong += 1
                        }
                        let target = action == "read enterprise roll-up" ? "site-a+site-b" : site
                        ev.expect(
                            wasAllowed == expectAllowed,
                            "\(role.rawValue)@site-a · \(action) · \(target): " + (wasAllowed ? "allowed" : "denied (\(outcome ?? ""))"))
                    }
                }
            }
            ev.expect(wrong == 0, "\(n) attempts: \(denied) denied as expected, \(allowed) allowed as expected, \(wrong) otherwise")

            let auditorWrites = try await store.entries(afterSeq: 0, limit: 100_000).filter { e in
                e.recordedBy.hasPrefix("user:auditor-a ") && !(e.entry.kind == .identity && e.entry.type.hasPrefix("auth."))
            }
            ev.expect(
                auditorWrites.isEmpty, "entries appended by the auditor other than authentication records: \(auditorWrites.count)")
            let finalCount = try await store.entryCount()
            ev.note("ledger entries after enrolment: \(signInEntries); after all attempts: \(finalCount)")

            let (tokenID, token) = try await governance.issueToken(system: "mes", sites: .sites(["site-a"]), by: admin)
            let system = try await governance.authenticate(token: token, station: "http 10.0.0.4")
            let viaToken = IngestEvents(model: model, store: store, recordedBy: "", principal: system, now: clock.closure)
            let tries: [(String, String, String, Bool)] = [
                ("tok-1", "site-a", "mes", true), ("tok-2", "site-a", "scada", false), ("tok-3", "site-b", "mes", false),
            ]
            for (id, site, source, shouldPass) in tries {
                let r = try await viaToken.ingest([OQFixtures.count(id: id, site: site, ts: past, source: source)])
                ev.expect(
                    (r.accepted == 1) == shouldPass,
                    "token \(tokenID) (system mes, site-a) sends source \(source) to \(site): "
                        + (r.accepted == 1
                            ? "accepted" : "rejected on '\(r.rejections.first?.field ?? "")' (\(r.rejections.first?.reason ?? ""))"))
            }
            if let e = try await store.entry(id: "tok-1") {
                ev.expect(
                    e.recordedBy.hasPrefix("system:mes (token \(tokenID)"), "the accepted event is recorded by '\(e.recordedBy)'")
            }
            var altered = token
            let last = altered.removeLast()
            altered.append(last == "A" ? "B" : "A")
            var alteredResult = "accepted"
            do { _ = try await governance.authenticate(token: altered, station: "http") } catch {
                alteredResult = "refused (\(error))"
            }
            ev.expect(alteredResult.hasPrefix("refused"), "token with its last character changed: \(alteredResult)")
            try await governance.revokeToken(id: tokenID, reason: "OQ revocation", by: admin)
            var revokedResult = "accepted"
            do { _ = try await governance.authenticate(token: token, station: "http") } catch {
                revokedResult = "refused (\(error))"
            }
            ev.expect(revokedResult.hasPrefix("refused"), "revoked token: \(revokedResult)")

            try await governance.setStatus(user: "operator-a", .disable, reason: "OQ: left the company", by: admin)
            var disabled = "signed in"
            do {
                _ = try await governance.authenticate(Credentials(user: "operator-a", password: password), station: context.station)
            } catch let e as GovernanceError { disabled = "refused (\(e.code.rawValue): \(e.message))" }
            ev.expect(disabled.hasPrefix("refused (disabled"), "disabled user operator-a signs in: \(disabled)")
            ev.observed = "\(n) role × site × action attempts: \(denied) denied and \(allowed) allowed as expected, \(wrong) "
                + "otherwise; auditor appended \(auditorWrites.count) records; token confined to its source and site; "
                + "disabled user refused"
            return ev
        }
    }

    /// Tries one action; nil when it was allowed, else why it was refused.
    static func attempt(
        _ action: String, site: String, as p: Principal, n: Int, password: String, model: PlantModel,
        store: SQLiteLedgerStore, governance: Governance, clock: ManualClock, siteBChange: String
    ) async throws -> String? {
        let past = clock.now.adding(seconds: -1800)
        func ingestOutcome(_ line: String) async throws -> String? {
            let ingest = IngestEvents(model: model, store: store, recordedBy: "", principal: p, now: clock.closure)
            let r = try await ingest.ingest([line])
            return r.accepted == 1 ? nil : r.rejections.first?.reason ?? "not accepted"
        }
        switch action {
        case "read KPIs":
            do { try p.authorize(.read, site: site) } catch { return error.description }
            return nil
        case "read enterprise roll-up":
            do { try p.authorize(.read, sites: model.sites(readBy: model.enterprise)) } catch { return error.description }
            return nil
        case "ingest event":
            return try await ingestOutcome(OQFixtures.count(id: "acc-\(n)", site: site, ts: past))
        case "correct event":
            return try await ingestOutcome(
                OQFixtures.void(id: "acc-\(n)", site: site, ts: past, target: "target-\(site)", reason: "OQ access check"))
        case "propose change":
            try await governance.propose(
                .plantModel(try OQFixtures.plant(addingPressAt: site, id: "press-p\(n)")), reason: "OQ proposal \(n)",
                effectiveAt: clock.now.adding(seconds: 86_400), by: p)
            return nil
        case "approve change":
            let id: String
            if site == "site-b" {
                id = siteBChange
            } else {
                let proposer = Principal(kind: .user, name: "oq-admin", roles: [.admin], sites: .all, station: "oq")
                id = try await governance.propose(
                    .plantModel(try OQFixtures.plant(addingPressAt: site, id: "press-c\(n)")), reason: "OQ change \(n)",
                    effectiveAt: clock.now.adding(seconds: 86_400), by: proposer
                ).id
            }
            try await governance.approve(id, credentials: Credentials(user: p.name, password: password), session: nil, station: "oq")
            return nil
        case "sign record":
            try await governance.sign(
                record: "target-\(site)", meaning: .reviewed, reason: "OQ access check",
                credentials: Credentials(user: p.name, password: password), session: nil, station: "oq")
            return nil
        case "enrol user":
            try await governance.enroll(
                user: "new-\(n)", printedName: "OQ New \(n)", roles: [.operator], sites: .sites([site]), password: password,
                by: p)
            return nil
        default:
            _ = try await governance.issueToken(system: "mes", sites: .sites([site]), by: p)
            return nil
        }
    }
}
