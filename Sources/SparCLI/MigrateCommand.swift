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
            let report = try await Self.copy(from: source, to: target, batch: batch) { copied, total in
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

    struct Report {
        var copied = 0
        var alreadyThere = 0
        var credentials = 0
        var size: Int64 = 0
        var root = LedgerHash.genesis
        var keyID = ""
        var records = 0
        var seconds = 0.0
    }

    /// Copies `source` onto `target` (empty, or holding a prefix of `source`), then its credentials, builds the
    /// target's projection and checks that both hold the same root and the same projection.
    static func copy(
        from source: any KPIProjectionStore & CredentialStore, to target: any KPIProjectionStore & CredentialStore,
        batch: Int, progress: (Int64, Int64) -> Void = { _, _ in }
    ) async throws -> Report {
        let started = Date()
        var report = Report()
        guard try await source.count(kind: .checkpointKey) == 0 else {
            throw CLIError(
                "the source's checkpoint key was rotated; a ledger with a key rotation cannot be copied yet (its checkpoints "
                    + "before the rotation need the retired key)")
        }
        let total = try await source.ledgerSize()
        let present = try await target.ledgerSize()
        guard present <= total else {
            throw CLIError("the target holds \(present) entries, more than the source's \(total): it is another ledger")
        }
        if present > 0 {
            let mine = try await source.entries(afterSeq: present - 1, limit: 1).first
            let theirs = try await target.entries(afterSeq: present - 1, limit: 1).first
            guard let mine, let theirs, mine.hash == theirs.hash else {
                throw CLIError(
                    "the target's entry \(present) is not the source's (its chain hash differs): it is another ledger; "
                        + "copy to an empty database")
            }
            report.alreadyThere = Int(present)
        }
        var after = present
        while after < total {
            let page = try await source.entries(afterSeq: after, limit: 20_000)
            guard !page.isEmpty else { break }
            var i = 0
            while i < page.count {
                let first = page[i]
                var j = i + 1
                while j < page.count, j - i < batch, page[j].recordedAt == first.recordedAt,
                    page[j].recordedBy == first.recordedBy
                {
                    j += 1
                }
                let run = page[i..<j]
                let out = try await target.append(run.map(\.entry), recordedAt: first.recordedAt, recordedBy: first.recordedBy)
                for (e, o) in zip(run, out) {
                    guard o == .accepted(seq: e.seq) else {
                        throw CLIError("entry \(e.seq) (id '\(e.entry.id)') was not stored at its sequence number: \(o)")
                    }
                }
                report.copied += run.count
                after = run.last!.seq
                progress(after, total)
                i = j
            }
        }
        for user in Set(try await source.entries(kind: .identity).compactMap(userID)).sorted() {
            guard let c = try await source.credential(user: user) else { continue }
            if let t = try await target.credential(user: user), t.seq >= c.seq { continue }
            try await target.storeCredential(user: user, phc: c.phc, seq: c.seq)
            report.credentials += 1
        }
        _ = try await LedgerProjection.catchUp(store: target)
        let theirs = try await target.latestCheckpoint()
        let mine = try await source.latestCheckpoint()
        guard let theirs, let mine, theirs.checkpoint.treeSize == mine.checkpoint.treeSize,
            theirs.checkpoint.root == mine.checkpoint.root
        else {
            throw CLIError("after the copy the target's last checkpoint does not match the source's")
        }
        let a = try await source.allKPIRecords()
        let b = try await target.allKPIRecords()
        guard a == b else {
            let differing = zip(a, b).first { $0 != $1 }.map { $0.0.eventID } ?? "(counts \(a.count) and \(b.count))"
            throw CLIError("the target's KPI projection differs from the source's, first at event \(differing)")
        }
        report.size = theirs.checkpoint.treeSize
        report.root = theirs.checkpoint.root
        report.keyID = theirs.keyID
        report.records = b.count
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// The user an identity entry's body names.
    static func userID(_ e: LedgerEntry) -> String? {
        guard let data = e.entry.body.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["user"] as? String
    }
}
