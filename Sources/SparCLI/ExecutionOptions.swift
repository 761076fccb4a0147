import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

/// The ledger, key and identity options every execution command shares.
struct ExecutionOptions: ParsableArguments {
    @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
    var db: String = defaultLedger
    @Option(help: "Checkpoint signing key file (default: $SPAR_LEDGER_KEY, else <db>.key).")
    var key: String?
    @OptionGroup var identity: IdentityOptions

    /// The ledger opened by the acting principal, with its execution record.
    func open() async throws -> (GovernedLedger, ExecutionLedger) {
        let ledger = try await GovernedLedger.open(db: db, key: key, identity: identity)
        return (ledger, ExecutionLedger(store: ledger.store))
    }

    /// The ledger for a signed command: signatures need enrolled users, and the signer re-authenticates.
    func openForSigning() throws -> (Governance, ExecutionLedger) {
        let store = try GovernedLedger.openWithKey(db: db, key: key)
        return (Governance(store), ExecutionLedger(store: store))
    }

    /// The signer named by `--as` or `SPAR_USER`, with the password from `SPAR_PASSWORD` or a prompt.
    func signer(_ purpose: String, role: Role? = nil) throws -> ExecutionSigner {
        guard let user = identity.userID else { throw CLIError("name the signer with --as USER or SPAR_USER") }
        return try Self.signer(user, purpose, role: role)
    }

    /// `user`'s signature: the password from `SPAR_PASSWORD_<USER>` (upper case, other characters as `_`), else
    /// `SPAR_PASSWORD`, else a prompt on the terminal.
    static func signer(_ user: String, _ purpose: String, role: Role? = nil) throws -> ExecutionSigner {
        let key = "SPAR_PASSWORD_" + String(user.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        let password =
            try ProcessInfo.processInfo.environment[key]
            ?? IdentityOptions.password(prompt: "password for \(user) (\(purpose)): ")
        return ExecutionSigner(credentials: Credentials(user: user, password: password), role: role)
    }
}

/// The shop-floor time of a fact (`--at`, default now).
struct ExecutionTime: ParsableArguments {
    @Option(help: "When it happened, RFC 3339 (default: now; at most five minutes ahead of the clock).")
    var at: String?

    var time: Timestamp? { get throws { try at.map { try parseTime($0, option: "--at") } } }
}

extension StepRef: ExpressibleByArgument {
    public init?(argument: String) {
        guard let r = ExecutionRecordJSON.stepRef(argument) else { return nil }
        self = r
    }
}

extension Disposition: ExpressibleByArgument {}
extension ExecutionSignatureMeaning: ExpressibleByArgument {}

enum ExecutionText {
    /// `1h 05m`, `4m 10s`, `12s`.
    static func age(_ ms: Int64) -> String {
        let s = ms / 1000
        if s >= 86_400 { return "\(s / 86_400)d \(pad((s % 86_400) / 3600))h" }
        if s >= 3600 { return "\(s / 3600)h \(pad((s % 3600) / 60))m" }
        if s >= 60 { return "\(s / 60)m \(pad(s % 60))s" }
        return "\(s)s"
    }

    static func pad(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func consequences(_ r: ExecutionReceipt) {
        for c in r.consequences {
            if case .ncrOpened(let ncr, let reason) = c { Console.out("\(ncr) opened: \(reason)") }
        }
    }

    static func signed(_ s: SignedExecutionReceipt) {
        for m in s.signatures { Console.out("  \(m.description) (\(m.signatureID), bound to \(m.record))") }
    }

    /// A value typed as the step's data item expects it.
    static func value(_ text: String, for type: DataItemType) throws -> DataValue {
        switch type {
        case .number:
            guard let v = Double(text), v.isFinite else { throw CLIError("'\(text)' is not a number") }
            return .number(v)
        case .text: return .text(text)
        case .boolean:
            guard let b = Bool(text) else { throw CLIError("'\(text)' is not true or false") }
            return .boolean(b)
        case .passFail:
            guard text == "pass" || text == "fail" else { throw CLIError("'\(text)' is not pass or fail") }
            return .passFail(text == "pass")
        }
    }
}
