import SparCore

/// A ledger held in memory, for tests and one-shot commands. Same contract as the database stores.
public actor InMemoryLedgerStore: LedgerStore {
    private var rows: [LedgerEntry] = []
    private var byID: [String: Int] = [:]
    private var stateKeys: Set<String> = []

    public init() {}

    public func append(_ batch: [PendingEntry], recordedAt: Timestamp, recordedBy: String) throws -> [AppendOutcome] {
        var out: [AppendOutcome] = []
        for entry in batch {
            if let i = byID[entry.id] {
                out.append(
                    rows[i].entry.body == entry.body
                        ? .duplicate(seq: rows[i].seq)
                        : .rejected(reason: "id '\(entry.id)' was already accepted with different content", field: "id"))
                continue
            }
            if entry.kind == .event, entry.type == "state" {
                let key = "\(entry.unit)\u{1F}\(entry.ts.milliseconds)"
                if stateKeys.contains(key) {
                    out.append(.rejected(reason: "unit already has a state event at \(entry.ts)", field: "ts"))
                    continue
                }
                stateKeys.insert(key)
            }
            let seq = Int64(rows.count + 1)
            rows.append(LedgerEntry(seq: seq, entry: entry, recordedAt: recordedAt, recordedBy: recordedBy))
            byID[entry.id] = rows.count - 1
            out.append(.accepted(seq: seq))
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
                    || r.entry.type == "correction")
        }.map(\.entry.body)
    }

    public func latestPlantModel() -> LedgerEntry? { rows.last { $0.entry.kind == .plantModel } }

    public func entries(kind: LedgerEntryKind) -> [LedgerEntry] { rows.filter { $0.entry.kind == kind } }

    public func entries(afterSeq: Int64, limit: Int) -> [LedgerEntry] {
        Array(rows.lazy.filter { $0.seq > afterSeq }.prefix(limit))
    }

    public func count(kind: LedgerEntryKind) -> Int { rows.count { $0.entry.kind == kind } }
}
