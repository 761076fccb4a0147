import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

struct ChangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change",
        abstract: "Change control for master data: propose, review, approve (signed), reject or withdraw.",
        discussion: """
            Once users are enrolled, the plant model (equipment, calendars, reason codes, systems), the blueprint and
            the KPI definition version in force change only through change requests. A request records the proposed content, its diff and the impact
            Spar computes (sites, units, KPIs, events), the reason and the requested effective time. It takes
            effect only after every required role approved it with an electronic signature (each by a different
            person, never the proposer), at the requested time or at the final approval when that is later. Until
            then the old version applies; spar kpi --definitions-as-of shows results under any earlier version.
            """,
        subcommands: [Propose.self, List.self, Show.self, Approve.self, Reject.self, Withdraw.self]
    )

    struct Common: ParsableArguments {
        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger
        @Option(help: "Checkpoint signing key file (default: $SPAR_LEDGER_KEY, else <db>.key).")
        var key: String?
        @OptionGroup var identity: IdentityOptions
    }

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Propose a new plant model, blueprint or KPI definition version.")
        @OptionGroup var common: Common
        @Option(help: "The proposed plant model (YAML or JSON).")
        var plant: String?
        @Option(help: "The proposed blueprint (YAML or JSON).")
        var blueprint: String?
        @Option(help: "Put this KPI definition version in force (spar-kpi-1, spar-kpi-2).")
        var kpiDefinition: String?
        @Option(help: "Why the change is needed.")
        var reason: String
        @Option(help: "Requested effective time, RFC 3339 (default: now).")
        var effective: String?

        func run() async throws {
            try await reportingFailure {
                let ledger = try await GovernedLedger.open(db: common.db, key: common.key, identity: common.identity)
                let change: ProposedChange
                switch (plant, blueprint) {
                case (nil, nil) where kpiDefinition != nil: change = .kpiDefinition(kpiDefinition!)
                case (let p?, nil) where kpiDefinition == nil: change = .plantModel(try PlantModelFile.load(path: p))
                case (nil, let b?) where kpiDefinition == nil:
                    guard let (model, _) = try await LedgerPlantModel.latest(in: ledger.store) else {
                        throw CLIError("the ledger holds no plant model")
                    }
                    change = .blueprint(try BlueprintFile.load(path: b, plant: model))
                default: throw CLIError("give exactly one of --plant FILE, --blueprint FILE or --kpi-definition ID")
                }
                let at = try effective.map { try parseTime($0, option: "--effective") } ?? .now
                let cr = try await ledger.governance.propose(change, reason: reason, effectiveAt: at, by: ledger.principal)
                Console.out("\(cr.id) proposed: \(cr.subject.rawValue) \(cr.baseVersion ?? "none") → \(cr.proposedVersion)")
                ChangeCommand.printDetail(cr)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List change requests and their states.")
        @OptionGroup var common: Common
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let ledger = try await GovernedLedger.open(db: common.db, identity: common.identity)
                try ledger.authorize(.read)
                let all = try await ledger.governance.changeRequests()
                if format == .json {
                    Console.out(JSONValue.array(all.map(ChangeCommand.json)).canonical)
                } else {
                    for cr in all {
                        Console.out("\(cr.id)\t\(cr.subject.rawValue)\t\(cr.state)\tby \(cr.proposedBy)\t\(cr.reason)")
                    }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a change request: diff, impact, approvals, state.")
        @OptionGroup var common: Common
        @Argument(help: "Change request id (CR-0001).")
        var id: String
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let ledger = try await GovernedLedger.open(db: common.db, identity: common.identity)
                try ledger.authorize(.read)
                guard let cr = try await ledger.governance.changeRequest(id) else { throw CLIError("no change request \(id)") }
                if format == .json {
                    Console.out(ChangeCommand.json(cr).canonical)
                } else {
                    Console.out("\(cr.id): \(cr.subject.rawValue) \(cr.baseVersion ?? "none") → \(cr.proposedVersion)")
                    Console.out("  proposed by \(cr.proposedBy) at \(cr.proposedAt.rfc3339): \(cr.reason)")
                    ChangeCommand.printDetail(cr)
                }
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a change request with your electronic signature (user id and password).")
        @OptionGroup var common: Common
        @Argument(help: "Change request id.")
        var id: String
        @Option(help: "The role the approval counts for (default: the first missing role you hold).")
        var role: Role?
        @Option(help: "An optional comment shown with the signature.")
        var reason: String?

        func run() async throws {
            try await reportingFailure {
                let store = try GovernedLedger.openWithKey(db: common.db, key: common.key)
                let governance = Governance(store)
                guard let user = common.identity.userID else { throw CLIError("name the approver with --as USER or SPAR_USER") }
                let password = try IdentityOptions.password(prompt: "password for \(user) (approving \(id)): ")
                let (cr, _) = try await governance.approve(
                    id, role: role, reason: reason, credentials: Credentials(user: user, password: password), session: nil,
                    station: IdentityOptions.station)
                if let last = cr.signatures.last { Console.out(last.description) }
                Console.out("\(cr.id): \(cr.state)")
            }
        }
    }

    /// Rejecting (by an approver) and withdrawing (by the proposer or an admin) close a proposed request.
    struct Close: ParsableArguments {
        @OptionGroup var common: Common
        @Argument(help: "Change request id.")
        var id: String
        @Option(help: "Why.")
        var reason: String

        func run(_ verdict: ChangeDecision.Verdict) async throws {
            try await reportingFailure {
                let ledger = try await GovernedLedger.open(db: common.db, key: common.key, identity: common.identity)
                try await ledger.governance.close(id, verdict: verdict, reason: reason, by: ledger.principal)
                Console.out("\(id): \(verdict.rawValue)")
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a proposed change request.")
        @OptionGroup var close: Close
        func run() async throws { try await close.run(.rejected) }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw your proposed change request.")
        @OptionGroup var close: Close
        func run() async throws { try await close.run(.withdrawn) }
    }

    static func printDetail(_ cr: ChangeRequest) {
        Console.out("  requested effective \(cr.requestedEffectiveAt.rfc3339); state: \(cr.state)")
        Console.out("  approvals required: \(cr.requiredApprovals.map(\.rawValue).joined(separator: ", "))")
        Console.out("  impact: sites \(cr.impact.sites.joined(separator: ", ")); \(cr.impact.units.count) units; KPIs \(cr.impact.kpis.joined(separator: ", "))"
            + (cr.impact.affectedEvents.map { "; \($0) events at or after the effective time" } ?? ""))
        Console.out("  changes:")
        for c in cr.impact.changes { Console.out("    \(c)") }
        for s in cr.signatures { Console.out("  \(s.description)") }
    }

    static func json(_ cr: ChangeRequest) -> JSONValue {
        .object([
            "id": .string(cr.id), "subject": .string(cr.subject.rawValue), "reason": .string(cr.reason),
            "state": .string(cr.state.label), "stateDetail": .string(cr.state.description),
            "requestedEffectiveAt": .string(cr.requestedEffectiveAt.rfc3339), "proposedBy": .string(cr.proposedBy),
            "proposedAt": .string(cr.proposedAt.rfc3339), "baseVersion": cr.baseVersion.map(JSONValue.string) ?? .null,
            "proposedVersion": .string(cr.proposedVersion),
            "requiredApprovals": .array(cr.requiredApprovals.map { .string($0.rawValue) }),
            "impact": .object([
                "changes": .array(cr.impact.changes.map(JSONValue.string)), "sites": .array(cr.impact.sites.map(JSONValue.string)),
                "units": .array(cr.impact.units.map(JSONValue.string)), "kpis": .array(cr.impact.kpis.map(JSONValue.string)),
                "affectedEvents": cr.impact.affectedEvents.map { .number(Double($0)) } ?? .null,
            ]),
            "signatures": .array(cr.signatures.map(Governance.json)),
        ])
    }
}
