import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

extension Role: ExpressibleByArgument {}
extension SignatureMeaning: ExpressibleByArgument {}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Enrol users with roles and sites, manage their passwords and status, and issue system and metrics tokens.",
        discussion: """
            The first user of a ledger is an admin of every site, enrolled by the local operating-system user. From
            then on every spar command authenticates a named user (--as USER or SPAR_USER, password from
            SPAR_PASSWORD or a prompt) and acts within that user's roles and sites. New passwords come from
            SPAR_NEW_PASSWORD or a prompt. Every change is a ledger entry; user ids are never reused.
            """,
        subcommands: [Add.self, List.self, Passwd.self, Change.self, Status.self, Token.self]
    )

    struct Common: ParsableArguments {
        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger

        @Option(help: "Checkpoint signing key file (default: $SPAR_LEDGER_KEY, else <db>.key).")
        var key: String?

        @OptionGroup var identity: IdentityOptions

        func open() async throws -> GovernedLedger {
            try await GovernedLedger.open(db: db, key: key, identity: identity)
        }
    }

    static func newPassword(for user: String) throws -> String {
        if let env = ProcessInfo.processInfo.environment["SPAR_NEW_PASSWORD"] { return env }
        let first = try IdentityOptions.password(prompt: "new password for \(user): ")
        let again = try IdentityOptions.password(prompt: "repeat it: ")
        guard first == again else { throw CLIError("the two passwords differ") }
        return first
    }

    static func sites(_ text: String) throws -> SiteScope {
        guard let scope = SiteScope(parsing: text) else { throw CLIError("--sites '\(text)': give '*' or site ids separated by commas") }
        return scope
    }

    static func checkSites(_ scope: SiteScope, in ledger: GovernedLedger) async throws {
        guard case .sites(let ids) = scope, let (model, _) = try await LedgerPlantModel.latest(in: ledger.store) else { return }
        let known = Set(model.sites.map(\.id))
        for id in ids.sorted() where !known.contains(id) {
            throw CLIError("--sites: unknown site '\(id)'; the plant model has \(known.sorted().joined(separator: ", "))")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrol a user.")
        @OptionGroup var common: Common
        @Option(help: "User id (a-z, 0-9, '.', '-', '_'); never reused.")
        var user: String
        @Option(help: "Printed name, shown on the user's signatures.")
        var name: String
        @Option(help: "A role: operator, supervisor, quality, engineer, admin, auditor, customer (repeatable).")
        var role: [Role]
        @Option(help: "Sites: '*' or site ids separated by commas.")
        var sites: String

        func run() async throws {
            try await reportingFailure {
                let ledger = try await common.open()
                let scope = try UserCommand.sites(sites)
                try await UserCommand.checkSites(scope, in: ledger)
                let account = try await ledger.governance.enroll(
                    user: user, printedName: name, roles: Set(role), sites: scope,
                    password: try UserCommand.newPassword(for: user), by: ledger.principal)
                Console.out(
                    "enrolled \(account.id) (\(account.printedName)): roles \(account.roles.sorted().map(\.rawValue).joined(separator: ", ")); sites \(account.sites)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, their status and tokens; locked accounts are flagged.")
        @OptionGroup var common: Common
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let ledger = try await common.open()
                guard ledger.principal.may(.manageUsers) || ledger.principal.may(.verify) else {
                    throw CLIError("access denied: \(ledger.principal.id) may not list users (needs manageUsers or verify)")
                }
                let dir = try await ledger.governance.directory()
                let visible = dir.users.values.filter { u in
                    ledger.principal.sites == .all || {
                        if case .sites(let s) = u.sites { return s.allSatisfy(ledger.principal.sites.contains) }
                        return false
                    }()
                }.sorted { $0.id < $1.id }
                if format == .json {
                    Console.out(
                        JSONValue.object([
                            "users": .array(visible.map { u in
                                .object([
                                    "user": .string(u.id), "printedName": .string(u.printedName),
                                    "roles": .array(u.roles.sorted().map { .string($0.rawValue) }),
                                    "sites": .string(u.sites.description), "enabled": .bool(u.enabled),
                                    "locked": .bool(u.locked), "consecutiveFailures": .number(Double(u.consecutiveFailures)),
                                ])
                            }),
                            "tokens": .array(dir.tokens.values.sorted { $0.id < $1.id }.map { t in
                                .object([
                                    "tokenID": .string(t.id), "system": .string(t.system), "sites": .string(t.sites.description),
                                    "kind": .string(t.kind.rawValue), "revoked": .bool(t.revoked),
                                    "issuedAt": .string(t.issuedAt.rfc3339),
                                ])
                            }),
                        ]).canonical)
                    return
                }
                for u in visible {
                    let status = !u.enabled ? "disabled" : u.locked ? "LOCKED" : "active"
                    Console.out(
                        "\(u.id)\t\(u.printedName)\t\(u.roles.sorted().map(\.rawValue).joined(separator: ","))\tsites \(u.sites)\t\(status)\tfailures \(u.consecutiveFailures)")
                }
                for t in dir.tokens.values.sorted(by: { $0.id < $1.id }) {
                    let holder = t.kind == .metrics ? "metrics \(t.system)" : "system \(t.system)"
                    Console.out("token \(t.id)\t\(holder)\tsites \(t.sites)\t\(t.revoked ? "revoked" : "active")\tissued \(t.issuedAt.rfc3339)")
                }
                for l in dir.lockouts where dir.users[l.user]?.locked == true {
                    Console.out("ALERT: \(l.user) was locked at \(l.at.rfc3339) after repeated failed sign-ins (ledger seq \(l.seq)); unlock with spar user status --user \(l.user) --action unlock --reason …")
                }
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password (yourself, or as an admin).")
        @OptionGroup var common: Common
        @Option(help: "User id (default: the acting user).")
        var user: String?

        func run() async throws {
            try await reportingFailure {
                let ledger = try await common.open()
                let target = user ?? ledger.principal.name
                try await ledger.governance.setPassword(
                    user: target, password: try UserCommand.newPassword(for: target), by: ledger.principal)
                Console.out("password of \(target) set")
            }
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's roles or sites.")
        @OptionGroup var common: Common
        @Option(help: "User id.")
        var user: String
        @Option(help: "The new roles (repeatable).")
        var role: [Role] = []
        @Option(help: "The new sites: '*' or ids separated by commas.")
        var sites: String?
        @Option(help: "Why.")
        var reason: String

        func run() async throws {
            try await reportingFailure {
                let ledger = try await common.open()
                let scope = try sites.map(UserCommand.sites)
                if let scope { try await UserCommand.checkSites(scope, in: ledger) }
                try await ledger.governance.change(
                    user: user, roles: role.isEmpty ? nil : Set(role), sites: scope, reason: reason, by: ledger.principal)
                Console.out("changed \(user)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable, enable or unlock a user.")
        @OptionGroup var common: Common
        @Option(help: "User id.")
        var user: String
        @Option(help: "disable, enable or unlock.")
        var action: String
        @Option(help: "Why.")
        var reason: String

        func run() async throws {
            try await reportingFailure {
                guard let a = Governance.AccountAction(rawValue: action) else {
                    throw CLIError("--action must be disable, enable or unlock")
                }
                let ledger = try await common.open()
                try await ledger.governance.setStatus(user: user, a, reason: reason, by: ledger.principal)
                Console.out("\(user): \(action)d")
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue or revoke a source system's or a metrics client's API token.", subcommands: [Issue.self, Revoke.self])

        struct Issue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issue a token; it is printed once and stored only as SHA-256.",
                discussion: """
                    A source system's token posts that system's events for its sites (POST /api/events). A metrics \
                    token (--metrics) lets a monitoring client such as Prometheus or a load balancer read GET /metrics \
                    and GET /health, and nothing else; the metrics cover every site, so it needs an admin of every site.
                    """)
            @OptionGroup var common: Common
            @Flag(help: "Issue a read-only metrics token (GET /metrics and GET /health only).")
            var metrics = false
            @Option(
                help: "Source system id (as in the plant model); with --metrics, the monitoring client's name (default: metrics).")
            var system: String?
            @Option(help: "Sites it may write: '*' or ids separated by commas (not with --metrics: metrics cover every site).")
            var sites: String?

            func run() async throws {
                try await reportingFailure {
                    let ledger = try await common.open()
                    if metrics {
                        guard sites == nil || sites == "*" else {
                            throw CLIError("--sites: a metrics token covers every site; leave --sites out")
                        }
                        let name = system ?? "metrics"
                        let (id, token) = try await ledger.governance.issueMetricsToken(name: name, by: ledger.principal)
                        Console.err("metrics token \(id) for \(name) (GET /metrics and /health only); it is shown once:")
                        Console.out(token)
                        return
                    }
                    guard let system else { throw CLIError("--system is required (or --metrics for a metrics token)") }
                    guard let sites else { throw CLIError("--sites is required for a source system's token") }
                    if let (model, _) = try await LedgerPlantModel.latest(in: ledger.store),
                        !model.systems.isEmpty, !model.systems.contains(where: { $0.id == system })
                    {
                        throw CLIError("--system: '\(system)' is not a source system of the plant model")
                    }
                    let scope = try UserCommand.sites(sites)
                    try await UserCommand.checkSites(scope, in: ledger)
                    let (id, token) = try await ledger.governance.issueToken(system: system, sites: scope, by: ledger.principal)
                    Console.err("token \(id) for system \(system) (sites \(scope)); it is shown once:")
                    Console.out(token)
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token.")
            @OptionGroup var common: Common
            @Option(help: "Token id.")
            var token: String
            @Option(help: "Why.")
            var reason: String

            func run() async throws {
                try await reportingFailure {
                    let ledger = try await common.open()
                    try await ledger.governance.revokeToken(id: token, reason: reason, by: ledger.principal)
                    Console.out("token \(token) revoked")
                }
            }
        }
    }
}
