import SparCore
import SparLedgerIntegrity

/// A ledger held in memory, for tests and one-shot commands. Same contract as the database stores: entries are
/// hash-chained and every batch is sealed by a checkpoint signed with `signingKey`.
public actor InMemoryLedgerStore: LedgerStore, CredentialStore, LedgerEventReader {
    private var rows: [LedgerEntry] = []
    private var credentials: [String: (phc: String, seq: Int64)] = [:]
    private var byID: [String: Int] = [:]
    private var stateKeys: [String: String] = [:]
    private var frontier = MerkleFrontier()
    private var checkpoints: [SignedCheckpoint] = []
    /// The key that signs this ledger's checkpoints.
    public nonisolated let signingKey: CheckpointSigningKey

    /// An empty ledger; its checkpoints are signed with `signingKey` (a fresh random key by default).
    public init(signingKey: CheckpointSigningKey = CheckpointSigningKey()) {
        self.signingKey = signingKey
    }

    /// Every checkpoint, oldest first.
    public func allCheckpoints() -> [SignedCheckpoint] { checkpoints }

    public func latestCheckpoint() -> SignedCheckpoint? { checkpoints.last }

    public func append(_ batch: [PendingEntry], recordedAt: Timestamp, recordedBy: String) throws -> [AppendOutcome] {
        let sizeBefore = frontier.size
        var out: [AppendOutcome] = []
        for entry in batch {
            if let i = byID[entry.id], rows[i].entry.body == entry.body {
                out.append(.duplicate(seq: rows[i].seq))
                continue
            }
            if let problem = entry.kind.idProblem(entry.id, source: entry.source) {
                out.append(.rejected(reason: problem, field: "id"))
                continue
            }
            if byID[entry.id] != nil {
                out.append(.rejected(reason: "id '\(entry.id)' was already accepted with different content", field: "id"))
                continue
            }
            if let problem = entry.correctionProblem(
                target: entry.corrects.flatMap { byID[$0] }.map { (rows[$0].entry.kind, rows[$0].entry.type) })
            {
                out.append(.rejected(reason: problem.reason, field: problem.field))
                continue
            }
            if entry.kind == .event, entry.type == "state" {
                let key = "\(entry.unit)\u{1F}\(entry.ts.milliseconds)"
                if let other = stateKeys[key] {
                    out.append(
                        .rejected(reason: "the unit already has a state event at \(entry.ts) (id '\(other)')", field: "ts"))
                    continue
                }
                stateKeys[key] = entry.id
            }
            let seq = Int64(rows.count + 1)
            let hash = entry.chainHash(
                previous: rows.last?.hash ?? .genesis, seq: seq, recordedAt: recordedAt, recordedBy: recordedBy)
            rows.append(LedgerEntry(seq: seq, entry: entry, recordedAt: recordedAt, recordedBy: recordedBy, hash: hash))
            frontier.append(entryHash: hash)
            byID[entry.id] = rows.count - 1
            out.append(.accepted(seq: seq))
        }
        if frontier.size > sizeBefore {
            checkpoints.append(
                try signingKey.sign(
                    Checkpoint(
                        treeSize: frontier.size, root: frontier.root, signedAt: recordedAt,
                        previousSize: checkpoints.last?.checkpoint.treeSize ?? 0)))
        }
        return out
    }

    public func bodies(ids: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for id in ids { if let i = byID[id] { out[id] = rows[i].entry.body } }
        return out
    }

    public func eventBodies(unitPrefix: String?) -> [String] {
        rows.filter { r in
            r.entry.kind == .event
                && (unitPrefix.map { p in r.entry.unit == p || r.entry.unit.hasPrefix(p + "/") } ?? true
                    || r.entry.type == "correction" || r.entry.type == "order")
        }.map(\.entry.body)
    }

    public func entries(kind: LedgerEntryKind) -> [LedgerEntry] { rows.filter { $0.entry.kind == kind } }

    public func entries(kind: LedgerEntryKind, afterSeq: Int64) -> [LedgerEntry] {
        rows.filter { $0.entry.kind == kind && $0.seq > afterSeq }
    }

    public func entries(afterSeq: Int64, limit: Int) -> [LedgerEntry] {
        Array(rows.lazy.filter { $0.seq > afterSeq }.prefix(limit))
    }

    public func count(kind: LedgerEntryKind) -> Int { rows.count { $0.entry.kind == kind } }

    public func entry(id: String) -> LedgerEntry? { byID[id].map { rows[$0] } }

    public func events(_ filter: LedgerEventFilter, after: LedgerEventPosition?, limit: Int) -> [LedgerEntry] {
        let selected = rows.filter { row in
            filter.matches(row.entry) && (after.map { LedgerEventPosition(row) > $0 } ?? true)
        }
        return Array(selected.sorted { LedgerEventPosition($0) < LedgerEventPosition($1) }.prefix(limit))
    }

    public func events(unit: String, types: [String], before time: Timestamp, limit: Int) -> [LedgerEntry] {
        let selected = rows.filter {
            $0.entry.kind == .event && $0.entry.unit == unit && types.contains($0.entry.type) && $0.entry.ts < time
        }
        return Array(selected.sorted { LedgerEventPosition($0) > LedgerEventPosition($1) }.prefix(limit))
    }

    public func corrections(of ids: [String]) -> [LedgerEntry] {
        let wanted = Set(ids)
        return rows.filter { $0.entry.kind == .event && $0.entry.corrects.map(wanted.contains) == true }
    }

    public func storeCredential(user: String, phc: String, seq: Int64) { credentials[user] = (phc, seq) }

    public func credential(user: String) -> (phc: String, seq: Int64)? { credentials[user] }
}
