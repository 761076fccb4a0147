import ArgumentParser
import Foundation
import SparLedgerIntegrity
import SparSQLite

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Export signed checkpoints and the public key, to keep outside the database.",
        subcommands: [Export.self, PublicKey.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the ledger's latest signed checkpoint (or the one of --size) as JSON.",
            discussion: """
                Keep the file on another volume or machine. Later, spar verify --checkpoint FILE proves that no entry
                it covers was changed or removed; spar proof consistency proves the newer ledger extends it.
                """
        )

        @Option(help: "SQLite ledger file.")
        var db: String = "spar-data/spar.sqlite"

        @Option(help: "Tree size of the checkpoint (default: the latest).")
        var size: Int64?

        @Option(help: "Output file (default: standard output).")
        var out: String?

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            do {
                let store = try await openAuthorizedLedger(db, identity: identity, .verify)
                let found: SignedCheckpoint?
                if let size {
                    found = try await store.checkpoint(treeSize: size)
                } else {
                    found = try await store.latestCheckpoint()
                }
                guard let found else {
                    throw CLIError(size.map { "the ledger \(db) has no checkpoint of tree size \($0)" }
                        ?? "the ledger \(db) has no checkpoint yet (nothing was appended)")
                }
                try CheckpointFiles.write(try CheckpointFiles.encode(CheckpointDocument(found)), to: out)
                if out != nil {
                    Console.err("checkpoint of tree size \(found.checkpoint.treeSize) written to \(out ?? "")")
                }
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Write the public half of the ledger's signing key (for auditors: spar verify --public-key)."
        )

        @Option(help: "SQLite ledger file (locates the default key <db>.key).")
        var db: String = "spar-data/spar.sqlite"

        @Option(help: "Private key file (default: $SPAR_LEDGER_KEY, else <db>.key).")
        var key: String?

        @Option(help: "Output file (default: standard output).")
        var out: String?

        func run() async throws {
            do {
                let path = LedgerKeyLocation(db: db, option: key).path
                let key = try CheckpointSigningKey.load(path: path)
                try CheckpointFiles.write(String(key.publicKey.fileContents.dropLast()), to: out)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }
    }
}
