import ArgumentParser
import Foundation
import SparCore
import SparLedgerIntegrity
import SparSQLite

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Export signed checkpoints and the public key, to keep outside the database; rotate the key.",
        subcommands: [Export.self, PublicKey.self, RotateKey.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the ledger's latest signed checkpoint (or the one of --size) as JSON.",
            discussion: """
                Keep the file on another volume or machine. Later, spar verify --checkpoint FILE proves that no entry
                it covers was changed or removed; spar proof consistency proves the newer ledger extends it.
                """
        )

        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger

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
                    guard let sqlite = store as? SQLiteLedgerStore else {
                        throw CLIError("--size works on an SQLite ledger file; without it the latest checkpoint is exported")
                    }
                    found = try await sqlite.checkpoint(treeSize: size)
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

        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address (locates the default key <db>.key).")
        var db: String = defaultLedger

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

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Hand checkpoint signing over to a new key (routine rotation, or after a key leaked).",
            discussion: """
                Appends a key rotation signed by the current key and the new one, sealed by the current key's last \
                checkpoint; every later checkpoint is the new key's, and spar verify follows the ledger across both. \
                The new key is written to <key>.next first, then installed at the key's location, and the old key \
                file is kept beside it as <key>.retired-<key id> (move it offline). Needs an administrator.
                """
        )

        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger

        @Option(help: "Private key file in use (default: $SPAR_LEDGER_KEY, else <db>.key).")
        var key: String?

        @Option(help: "Why the key changes (recorded in the ledger).")
        var reason: String

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            do {
                let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !why.isEmpty else { throw CLIError("--reason must say why the key changes") }
                let location = LedgerKeyLocation(db: db, option: key)
                let ledger = try await GovernedLedger.open(db: db, key: key, identity: identity)
                try await ledger.authorizeAllSites(.manageUsers)
                let old = try CheckpointSigningKey.load(path: location.path)
                let next = location.path + ".next"
                let new = try CheckpointSigningKey.loadOrCreate(path: next)
                let entry = try await ledger.sqlite("checkpoint rotate").rotateCheckpointKey(
                    to: new, reason: why, recordedAt: .now, recordedBy: ledger.principal.recordedBy)
                let retired = location.path + ".retired-" + old.publicKey.keyID
                try FileManager.default.moveItem(atPath: location.path, toPath: retired)
                try FileManager.default.moveItem(atPath: next, toPath: location.path)
                Console.out(
                    "checkpoint key rotated at seq \(entry.seq): \(old.publicKey.keyID) → \(new.publicKey.keyID); "
                        + "the new key is \(location.path), the old one \(retired)")
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }
    }
}
