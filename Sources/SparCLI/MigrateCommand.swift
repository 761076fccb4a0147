import ArgumentParser
import Foundation
import SparCore
import SparEngine
import SparLedgerIntegrity
import SparServer
import SparSQLite
import SparStorage

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a ledger, with its chain, checkpoints, users' credentials and KPI projection, to another database.",
        discussion: """
            Copies every entry in sequence order with its original sequence number, server time and recorder, so \
            each chain hash is the same on both sides; the target seals what it stores with checkpoints signed by \
            the same key (--key, else the source's <file>.key). The target's KPI projection is then built from its \
            own entries and compared with the source's, record by record. An interrupted copy is resumed: entries \
            already copied are checked, not copied again. The source is opened read-only in effect: nothing is \
            written to it. Afterwards `spar verify` on either side reports the same root.

            Example: spar migrate --from spar-data/plant.sqlite --to postgres://spar@db.plant.local/spar
            """
    )

    @Option(help: "The ledger to copy from: an SQLite file or a postgres:// address.")
    var from: String

    @Option(help: "The ledger to copy to: a postgres:// address or an SQLite file (empty or a prefix of the source).")
    var to: String

    @Option(help: "Checkpoint signing key file of the ledger (default: $SPAR_LEDGER_KEY, else <from>.key).")
    var key: String?

    @Option(help: "Entries per target transaction.")
    var batch: Int = 2_000

    func run() async throws {
        do {
            guard batch > 0 else { throw CLIError("--batch must be positive") }
            guard from != to else { throw CLIError("--from and --to name the same ledger") }
            let keyPath = LedgerDatabase.isPostgres(from)
                ? LedgerKeyLocation(db: from, option: key).explicitPath : LedgerKeyLocation(db: from, option: key).path
            guard let keyPath, FileManager.default.fileExists(atPath: keyPath) else {
                throw CLIError("the source's checkpoint key file is needed (--key FILE or SPAR_LEDGER_KEY)")
            }
            if !LedgerDatabase.isPostgres(from), !FileManager.default.fileExists(atPath: from) {
                throw CLIError("no ledger at \(from)")
            }
            let source = try await LedgerDatabase.open(from, signingKeyPath: keyPath)
            let target = try await LedgerDatabase.open(to, signingKeyPath: keyPath)
            var reported: Int64 = 0
            let report = try await LedgerMigration.copy(from: source, to: target, batch: batch) { copied, total in
                if copied - reported >= 100_000 || copied == total {
                    Console.err("\(copied) of \(total) entries")
                    reported = copied
                }
            }
            Console.out(
                "copied \(report.copied) entries (\(report.alreadyThere) were already there) and \(report.credentials) "
                    + "credentials from \(LedgerDatabase.display(from)) to \(LedgerDatabase.display(to)) in "
                    + "\(String(format: report.seconds, digits: 1)) s")
            Console.out("both hold \(report.size) entries with root \(report.root.hex) (checkpoint signed by key \(report.keyID))")
            Console.out("KPI projection built on the target: \(report.records) records, equal to the source's")
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
    }
}
