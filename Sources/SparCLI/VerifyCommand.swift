import ArgumentParser
import Foundation
import SparCore
import SparGovernance
import SparLedgerIntegrity
import SparPostgres
import SparServer
import SparSQLite
import SparStorage

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the ledger is complete and unaltered: hash chain, Merkle checkpoints, signatures.",
        discussion: """
            Recomputes every entry's chain hash from its stored columns, rebuilds the RFC 6962 Merkle tree and
            compares it with every signed checkpoint (root, frontier, Ed25519 signature, link to the previous one),
            and checks the schema's append-only triggers. --checkpoint compares the ledger with checkpoints kept
            outside the database (spar checkpoint export), which also detects rows removed from the end.
            On an intact ledger it then checks governance: every signature still matches the entry it signs, every
            stored password hash is the one the ledger committed to, and every plant model or blueprint version
            recorded after users were enrolled came through an approved change request.
            Reports the first bad entry first. Exit status: 0 intact, 1 tampering detected, 2 could not check.
            """
    )

    @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
    var db: String = defaultLedger

    @Option(help: "The ledger's private key file (default: $SPAR_LEDGER_KEY, else <db>.key); its public half is used.")
    var key: String?

    @Option(help: "The ledger's public key file (spar checkpoint public-key); preferred over --key.")
    var publicKey: String?

    @Option(help: "A checkpoint file kept outside the database (repeatable).")
    var checkpoint: [String] = []

    @Option(help: "Output: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Findings to list after the first.")
    var limit = 20

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    @OptionGroup var identity: IdentityOptions

    func run() async throws {
        let report: LedgerAuditReport
        let keyFile: String
        let publicKey: CheckpointPublicKey
        var governanceFindings: [GovernanceFinding] = []
        var projection: (head: Int64, size: Int64)?
        do {
            (publicKey, keyFile) = try LedgerKeyLocation(db: db, option: key).verifyingKey(publicKey: self.publicKey)
            let kept = try checkpoint.map { try CheckpointFiles.read($0) }
            if LedgerDatabase.isPostgres(db) {
                let store = try await LedgerDatabase.open(db, signingKeyPath: nil)
                report = try await postgresAudit(store, publicKey: publicKey, kept: kept)
            } else {
                report = try SQLiteLedgerAudit.run(path: db, publicKey: publicKey, kept: kept)
            }
            if report.isIntact {
                let ledger = try await GovernedLedger.open(db: db, identity: identity)
                try await ledger.authorizeAllSites(.verify)
                governanceFindings = try await ledger.governance.verifyBindings()
                governanceFindings += try await ledger.governance.verifyChangeControl()
                projection = (try await ledger.store.projectionHead(), try await ledger.store.ledgerSize())
            }
        } catch {
            throw ExitCode(Console.fail(error).code)
        }
        switch format {
        case .json: Console.out(try json(report, governance: governanceFindings))
        case .text:
            text(report, keyID: publicKey.keyID, keyFile: keyFile)
            if report.isIntact {
                if governanceFindings.isEmpty {
                    Console.out("signatures bound to the entries they sign; credentials match the ledger; master data changed only under change control")
                } else {
                    Console.out("GOVERNANCE: \(governanceFindings.count) finding\(governanceFindings.count == 1 ? "" : "s"):")
                    for f in governanceFindings.prefix(limit) { Console.out("  - \(f)") }
                }
            }
            if let (head, size) = projection {
                if head == size {
                    Console.out("KPI projection at the ledger's head (entry \(head))")
                } else if head < size {
                    Console.out("KPI projection at entry \(head) of \(size): behind (the next KPI read or spar rebuild catches it up)")
                } else {
                    Console.out("KPI PROJECTION: at entry \(head), past the ledger's \(size) entries; run spar rebuild")
                }
            }
        }
        let projectionAhead = projection.map { $0.head > $0.size } ?? false
        if !report.isIntact || !governanceFindings.isEmpty || projectionAhead { throw ExitCode(1) }
    }

    /// The audit of a PostgreSQL ledger.
    func postgresAudit(_ store: any LedgerStore, publicKey: CheckpointPublicKey, kept: [SignedCheckpoint]) async throws
        -> LedgerAuditReport
    {
        guard let pg = store as? PostgresLedgerStore else { throw CLIError("\(db) is not a PostgreSQL ledger") }
        return try await pg.audit(publicKey: publicKey, kept: kept)
    }

    func text(_ r: LedgerAuditReport, keyID: String, keyFile: String) {
        Console.out("ledger \(LedgerDatabase.display(db)): \(r.entries) entries, \(r.checkpoints) checkpoints; public key \(keyID) (from \(keyFile))")
        if let last = r.lastCheckpoint?.checkpoint {
            Console.out("last checkpoint: tree size \(last.treeSize), root \(last.root.hex), signed \(last.signedAt)")
        }
        if r.keptCheckpoints > 0 { Console.out("kept checkpoints compared: \(r.keptCheckpoints)") }
        guard let first = r.findings.first else {
            Console.out(
                "intact: all \(r.entries) chain hashes, \(r.checkpoints) checkpoint roots, frontiers and signatures verified")
            return
        }
        Console.out("TAMPERED: \(first)")
        let rest = r.findings.dropFirst()
        if !rest.isEmpty {
            Console.out("\(rest.count) more finding\(rest.count == 1 ? "" : "s"):")
            for f in rest.prefix(limit) { Console.out("  - \(f)") }
            if rest.count > limit { Console.out("  … and \(rest.count - limit) more") }
        }
    }

    func json(_ r: LedgerAuditReport, governance: [GovernanceFinding]) throws -> String {
        struct Finding: Encodable {
            var check: String
            var seq: Int64?
            var id: String?
            var checkpointSize: Int64?
            var field: String?
            var detail: String
        }
        struct Report: Encodable {
            var ledger: String
            var intact: Bool
            var entries: Int64
            var checkpoints: Int
            var keptCheckpoints: Int
            var lastCheckpoint: CheckpointDocument?
            var findings: [Finding]
            var governanceFindings: [Finding]
        }
        let report = Report(
            ledger: LedgerDatabase.display(db), intact: r.isIntact, entries: r.entries, checkpoints: r.checkpoints,
            keptCheckpoints: r.keptCheckpoints, lastCheckpoint: r.lastCheckpoint.map(CheckpointDocument.init),
            findings: r.findings.map {
                Finding(
                    check: $0.check.rawValue, seq: $0.seq, id: $0.id, checkpointSize: $0.checkpointSize, field: $0.field,
                    detail: $0.detail)
            },
            governanceFindings: governance.map {
                Finding(check: "governance", seq: $0.seq, id: $0.id, checkpointSize: nil, field: $0.field, detail: $0.detail)
            })
        return try CheckpointFiles.encode(report)
    }
}
