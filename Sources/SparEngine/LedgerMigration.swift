import Foundation
import SparCore
import SparLedgerIntegrity
import SparStorage

/// Copies a ledger to another store (SQLite to PostgreSQL, or back) entry by entry with its original sequence
/// numbers, server times and recorders, so that every chain hash and Merkle root is the same on both sides.
public enum LedgerMigration {
    /// What a copy did.
    public struct Report: Sendable {
        public var copied = 0
        public var alreadyThere = 0
        public var credentials = 0
        public var size: Int64 = 0
        public var root = LedgerHash.genesis
        public var keyID = ""
        public var records = 0
        public var seconds = 0.0
    }

    /// Copies `source` onto `target` (empty, or holding a prefix of `source`), then its credentials, builds the
    /// target's projection and checks that both hold the same root and the same projection.
    public static func copy(
        from source: any KPIProjectionStore & CredentialStore, to target: any KPIProjectionStore & CredentialStore,
        batch: Int, progress: (Int64, Int64) -> Void = { _, _ in }
    ) async throws -> Report {
        let started = Date()
        var report = Report()
        guard try await source.count(kind: .checkpointKey) == 0 else {
            throw StorageError(
                "the source's checkpoint key was rotated; a ledger with a key rotation cannot be copied yet (its checkpoints "
                    + "before the rotation need the retired key)")
        }
        let total = try await source.ledgerSize()
        let present = try await target.ledgerSize()
        guard present <= total else {
            throw StorageError("the target holds \(present) entries, more than the source's \(total): it is another ledger")
        }
        if present > 0 {
            let mine = try await source.entries(afterSeq: present - 1, limit: 1).first
            let theirs = try await target.entries(afterSeq: present - 1, limit: 1).first
            guard let mine, let theirs, mine.hash == theirs.hash else {
                throw StorageError(
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
                        throw StorageError("entry \(e.seq) (id '\(e.entry.id)') was not stored at its sequence number: \(o)")
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
            throw StorageError("after the copy the target's last checkpoint does not match the source's")
        }
        let a = try await source.allKPIRecords()
        let b = try await target.allKPIRecords()
        guard a == b else {
            let differing = zip(a, b).first { $0 != $1 }.map { $0.0.eventID } ?? "(counts \(a.count) and \(b.count))"
            throw StorageError("the target's KPI projection differs from the source's, first at event \(differing)")
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
