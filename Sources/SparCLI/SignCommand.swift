import ArgumentParser
import Foundation
import SparCore
import SparGovernance
import SparInterchange

struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a ledger entry electronically, or list signatures.",
        discussion: """
            A signature is a ledger entry bound to the chain hash of the entry it signs, with the signer's printed
            name, the server time (UTC) and its meaning. Each command is a new signing session, so both components
            are needed: the user id (--as or SPAR_USER) and the password (SPAR_PASSWORD or a prompt). Failed
            attempts are recorded; five in a row lock the account.
            """,
        subcommands: [Record.self, List.self],
        defaultSubcommand: Record.self
    )

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "record", abstract: "Sign one ledger entry.")
        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger
        @Option(help: "Checkpoint signing key file (default: $SPAR_LEDGER_KEY, else <db>.key).")
        var key: String?
        @OptionGroup var identity: IdentityOptions
        @Option(name: .customLong("record"), help: "The id of the ledger entry to sign.")
        var recordID: String
        @Option(help: "authored, reviewed, approved, verified or responsible.")
        var meaning: SignatureMeaning
        @Option(help: "An optional comment shown with the signature.")
        var reason: String?

        func run() async throws {
            try await reportingFailure {
                let store = try GovernedLedger.openWithKey(db: db, key: key)
                let governance = Governance(store)
                guard try await governance.isEnrolled() else {
                    throw CLIError("signatures need enrolled users: enrol one with spar user add")
                }
                guard let user = identity.userID else { throw CLIError("name the signer with --as USER or SPAR_USER") }
                let password = try IdentityOptions.password(prompt: "password for \(user) (signing \(recordID)): ")
                let (m, _) = try await governance.sign(
                    record: recordID, meaning: meaning, reason: reason, credentials: Credentials(user: user, password: password),
                    session: nil, station: IdentityOptions.station)
                Console.out(m.description)
                Console.out("  bound to \(m.record) (seq \(m.recordSeq), hash \(m.recordHash)); signature \(m.signatureID)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List signatures, with their manifestations.")
        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger
        @OptionGroup var identity: IdentityOptions
        @Option(name: .customLong("record"), help: "Only signatures of this entry.")
        var recordID: String?
        @Option(help: "Output: text or json.")
        var format: AuditCommand.Format = .text

        func run() async throws {
            try await reportingFailure {
                let ledger = try await GovernedLedger.open(db: db, identity: identity)
                try ledger.authorize(.read)
                var all = try await ledger.governance.allSignatures()
                if let recordID { all = all.filter { $0.record == recordID } }
                var visible: [SignatureManifestation] = []
                for m in all {
                    if let e = try await ledger.store.entry(id: m.record), e.entry.kind == .event,
                        let site = EquipmentPath(e.entry.unit).siteID,
                        !ledger.principal.sites.contains(site)
                    {
                        continue
                    }
                    visible.append(m)
                }
                if format == .json {
                    Console.out(JSONValue.array(visible.map(Governance.json)).canonical)
                } else {
                    for m in visible { Console.out("\(m.record): \(m.description)") }
                }
            }
        }
    }
}
