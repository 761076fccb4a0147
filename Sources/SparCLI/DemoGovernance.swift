import Foundation
import SparCore
import SparDemo
import SparEngine
import SparGovernance
import SparSQLite

/// The demo's people and systems: one user per role, a token per source system, a signed and approved change
/// request and one awaiting approval. Passwords are demo passwords (`demo-<user>-pass`), printed on purpose.
enum DemoGovernance {
    struct DemoUser {
        var id: String
        var name: String
        var role: Role
        var sites: SiteScope
        var password: String { "demo-\(id)-pass" }
    }

    static let users: [DemoUser] = [
        DemoUser(id: "admin", name: "Alex Admin", role: .admin, sites: .all),
        DemoUser(id: "engineer", name: "Erin Engineer", role: .engineer, sites: .all),
        DemoUser(id: "quality", name: "Quinn Quality", role: .quality, sites: .all),
        DemoUser(id: "supervisor", name: "Sam Supervisor", role: .supervisor, sites: .sites(["wichita"])),
        DemoUser(id: "operator", name: "Olivia Operator", role: .operator, sites: .sites(["wichita"])),
        DemoUser(id: "auditor", name: "Avery Auditor", role: .auditor, sites: .all),
        DemoUser(id: "toulouse-quality", name: "Théo Qualité", role: .quality, sites: .sites(["toulouse"])),
    ]

    /// Enrols the demo users and issues tokens on a ledger without users; on a governed ledger reads the tokens
    /// saved beside it. Returns a system principal per source system for ingest.
    static func setUp(store: SQLiteLedgerStore, model: PlantModel, events: [Event], db: String) async throws -> [String: Principal] {
        let governance = Governance(store)
        let tokenFile = db + ".demo-tokens"
        var tokens: [String: String] = [:]
        if !(try await governance.isEnrolled()) {
            let local = Principal.local(IdentityOptions.localUser, station: IdentityOptions.station)
            let first = users[0]
            try await governance.enroll(
                user: first.id, printedName: first.name, roles: [first.role], sites: first.sites, password: first.password,
                by: local)
            let admin = try await governance.authenticate(
                Credentials(user: first.id, password: first.password), station: IdentityOptions.station, purpose: "demo")
            for u in users.dropFirst() {
                try await governance.enroll(
                    user: u.id, printedName: u.name, roles: [u.role], sites: u.sites, password: u.password, by: admin)
            }
            var sitesBySource: [String: Set<String>] = [:]
            for e in events { sitesBySource[e.source, default: []].insert(model.site(ofScope: e.unit.description) ?? "") }
            for system in model.systems.map(\.id) {
                let sites = sitesBySource[system].map { SiteScope.sites($0) } ?? .all
                tokens[system] = try await governance.issueToken(system: system, sites: sites, by: admin).token
            }
            let text = tokens.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "\n") + "\n"
            guard FileManager.default.createFile(
                atPath: tokenFile, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CLIError("cannot write \(tokenFile)") }
        } else if let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2 { tokens[String(parts[0])] = String(parts[1]) }
            }
        }
        var principals: [String: Principal] = [:]
        for (system, token) in tokens {
            principals[system] = try await governance.authenticate(token: token, station: "demo-connector \(system)")
        }
        return principals
    }

    /// A change request approved by engineer and quality (a new reason code), and one awaiting approval, unless the
    /// ledger already holds change requests.
    static func changeRequests(store: SQLiteLedgerStore, model: PlantModel) async throws {
        let governance = Governance(store)
        guard try await governance.changeRequests().isEmpty, try await governance.isEnrolled() else { return }
        let station = IdentityOptions.station
        let admin = try await governance.authenticate(
            Credentials(user: "admin", password: users[0].password), station: station, purpose: "demo")
        var next = model
        next.reasons.append(ReasonCode(code: "tool-wear", category: .down, failure: true))
        let cr = try await governance.propose(
            .plantModel(next), reason: "Separate tool-wear stops from spindle failures for MTBF", effectiveAt: .now,
            by: admin)
        for u in users where u.id == "engineer" || u.id == "quality" {
            try await governance.approve(
                cr.id, reason: nil, credentials: Credentials(user: u.id, password: u.password), session: nil,
                station: station)
        }
        var pending = next
        if let i = pending.calendars.firstIndex(where: { $0.id == "two-shift-eu" }) {
            pending.calendars[i].plannedDown = (pending.calendars[i].plannedDown ?? []) + [
                PlannedDownWindow(days: [.fri], start: TimeOfDay(minutes: 12 * 60), end: TimeOfDay(minutes: 13 * 60), reason: "5S")
            ]
        }
        let kpi = try await governance.propose(
            .kpiDefinition("spar-kpi-2"), reason: "Move to ISO 22400-2 as publicly transcribed (crosscheck of spar-kpi-1)",
            effectiveAt: .now, by: admin)
        for u in users where u.id == "engineer" || u.id == "quality" {
            try await governance.approve(
                kpi.id, reason: nil, credentials: Credentials(user: u.id, password: u.password), session: nil,
                station: station)
        }
        try await governance.propose(
            .plantModel(pending), reason: "Friday 5S hour in Toulouse composites and special processes",
            effectiveAt: Timestamp.now.adding(seconds: 7 * 86_400), by: admin)
    }

    static func printLogins() {
        Console.out("Users (demo passwords; change them with spar user passwd):")
        for u in users {
            Console.out("  \(u.id.padding(toLength: 17, withPad: " ", startingAt: 0)) \(u.role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) sites \(u.sites)\tpassword \(u.password)")
        }
    }
}
