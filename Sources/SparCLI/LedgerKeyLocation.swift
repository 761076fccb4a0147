import Foundation
import SparLedgerIntegrity
import SparSQLite

/// The ledger a command works on unless `--db` names one: `SPAR_DATABASE_URL` (a `postgres://` address), else
/// `SPAR_DB`, else `spar-data/spar.sqlite`.
let defaultLedger: String = {
    let env = ProcessInfo.processInfo.environment
    if let url = env["SPAR_DATABASE_URL"], !url.isEmpty { return url }
    if let db = env["SPAR_DB"], !db.isEmpty { return db }
    return "spar-data/spar.sqlite"
}()

/// Where the checkpoint signing key of a ledger is: `--key`, else `SPAR_LEDGER_KEY`, else `<db>.key`.
struct LedgerKeyLocation {
    var db: String
    var option: String?
    var environment: [String: String]

    init(db: String, option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.db = db
        self.option = option
        self.environment = environment
    }

    /// The private key file.
    var path: String {
        if let option, !option.isEmpty { return option }
        if let env = environment["SPAR_LEDGER_KEY"], !env.isEmpty { return env }
        return SQLiteLedgerStore.defaultKeyPath(ledger: db)
    }

    /// The key file given by `--key` or `SPAR_LEDGER_KEY`, if any (a PostgreSQL ledger has no default).
    var explicitPath: String? {
        if let option, !option.isEmpty { return option }
        if let env = environment["SPAR_LEDGER_KEY"], !env.isEmpty { return env }
        return nil
    }

    /// Opens the ledger with this signing key.
    func open() throws -> SQLiteLedgerStore { try SQLiteLedgerStore(path: db, signingKeyPath: path) }

    /// The public key to verify with: `publicKey` (a public or private key file) when given, else this location's
    /// private key file.
    func verifyingKey(publicKey: String?) throws -> (CheckpointPublicKey, String) {
        let file = publicKey ?? path
        guard FileManager.default.fileExists(atPath: file) else {
            throw CLIError(
                "no key file \(file): give the ledger's public key with --public-key FILE (or its key with --key / "
                    + "SPAR_LEDGER_KEY)")
        }
        return (try CheckpointPublicKey.load(path: file), file)
    }
}
