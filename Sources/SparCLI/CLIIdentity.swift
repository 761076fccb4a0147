import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparSQLite
import SparServer
import SparStorage

/// Who runs a command. On a ledger without enrolled users the operating-system user acts (`local:<name>`), with
/// every permission; once users are enrolled every command authenticates a named user (`--user` or `SPAR_USER`,
/// the password from `SPAR_PASSWORD` or a prompt on the terminal) and acts within that user's roles and sites.
struct IdentityOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "Act as this enrolled user (default: SPAR_USER).")
    var actingUser: String?

    /// The user id given, if any.
    var userID: String? {
        if let actingUser, !actingUser.isEmpty { return actingUser }
        if let env = ProcessInfo.processInfo.environment["SPAR_USER"], !env.isEmpty { return env }
        return nil
    }

    /// The password from `SPAR_PASSWORD`, else a prompt on the terminal.
    static func password(prompt: String) throws -> String {
        if let env = ProcessInfo.processInfo.environment["SPAR_PASSWORD"] { return env }
        guard isatty(STDIN_FILENO) == 1, let p = getpass(prompt) else {
            throw CLIError("a password is needed: set SPAR_PASSWORD or run on a terminal")
        }
        return String(cString: p)
    }

    /// The station recorded with every entry: `cli@<host>`.
    static var station: String { "cli@\(ProcessInfo.processInfo.hostName)" }

    /// The operating-system user (or `SPAR_USER`) on a ledger without enrolled users.
    static var localUser: String {
        let env = ProcessInfo.processInfo.environment
        return env["SPAR_USER"] ?? env["USER"] ?? env["LOGNAME"] ?? "unknown"
    }

    /// Authenticates the acting principal on `store`.
    func principal(_ governance: Governance) async throws -> Principal {
        guard try await governance.isEnrolled() else {
            return .local(Self.localUser, station: Self.station)
        }
        guard let user = userID else {
            throw CLIError("this ledger has enrolled users: name yourself with --as USER or SPAR_USER (and SPAR_PASSWORD)")
        }
        let password = try Self.password(prompt: "password for \(user): ")
        return try await governance.authenticate(Credentials(user: user, password: password), station: Self.station, purpose: "cli")
    }
}

extension Governance {
    /// Governance over a SQLite ledger.
    init(_ store: SQLiteLedgerStore) { self.init(store: store) }
}

/// A ledger opened by an authenticated principal.
struct GovernedLedger {
    var store: any KPIProjectionStore & CredentialStore
    var governance: Governance
    var principal: Principal

    /// Opens an existing ledger (or, with `key`, one for writing) and authenticates the acting principal. `db` is an
    /// SQLite file or a `postgres://` address (``LedgerDatabase``).
    static func open(db: String, key: String? = nil, create: Bool = false, identity: IdentityOptions) async throws -> GovernedLedger {
        let store: any KPIProjectionStore & CredentialStore
        if LedgerDatabase.isPostgres(db) {
            store = try await LedgerDatabase.open(db, signingKeyPath: LedgerKeyLocation(db: db, option: key).explicitPath)
        } else {
            store = create ? try LedgerKeyLocation(db: db, option: key).open() : try openWithKey(db: db, key: key)
        }
        let governance = Governance(store: store)
        return GovernedLedger(store: store, governance: governance, principal: try await identity.principal(governance))
    }

    /// The SQLite store, for the commands that work on a ledger file only.
    func sqlite(_ command: String) throws -> SQLiteLedgerStore { try sqliteLedger(store, for: command) }

    static func openWithKey(db: String, key: String?) throws -> SQLiteLedgerStore {
        guard FileManager.default.fileExists(atPath: db) else { throw CLIError("no ledger at \(db)") }
        return try LedgerKeyLocation(db: db, option: key).open()
    }

    /// The latest plant model the ledger records (what ingest checks against).
    func ingestModel() async throws -> PlantModel? { try await LedgerPlantModel.latest(in: store)?.0 }

    /// Refuses unless the principal holds `permission` on every site in `sites`.
    func authorize(_ permission: Permission, sites: some Sequence<String> = [String]()) throws {
        do { try principal.authorize(permission, sites: sites) } catch { throw CLIError(error.description) }
    }

    /// Refuses unless the principal holds `permission` on every site of the ledger's plant model.
    func authorizeAllSites(_ permission: Permission) async throws {
        let sites = try await LedgerPlantModel.latest(in: store)?.0.sites.map(\.id) ?? []
        try authorize(permission, sites: sites)
        if principal.sites != .all, sites.isEmpty { try authorize(permission, sites: ["*"]) }
    }
}

/// The SQLite store behind `store`, for the commands that work on a ledger file only.
func sqliteLedger(_ store: any LedgerStore, for command: String) throws -> SQLiteLedgerStore {
    guard let s = store as? SQLiteLedgerStore else {
        throw CLIError("spar \(command) works on an SQLite ledger file; copy a PostgreSQL ledger to one first")
    }
    return s
}

/// Opens an existing ledger for a command that reads or proves across every site: the acting principal needs
/// `permission` on all of the plant model's sites.
func openAuthorizedLedger(_ db: String, identity: IdentityOptions, _ permission: Permission) async throws
    -> any KPIProjectionStore & CredentialStore
{
    let ledger = try await GovernedLedger.open(db: db, identity: identity)
    try await ledger.authorizeAllSites(permission)
    return ledger.store
}
