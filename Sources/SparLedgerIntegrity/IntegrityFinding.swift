/// One sign that stored ledger data was altered outside Spar, as `spar verify` reports it.
public struct IntegrityFinding: Sendable, Hashable, CustomStringConvertible {
    /// The check that failed.
    public enum Check: String, Sendable, Hashable, CaseIterable {
        /// A column holds a value of the wrong type or form (text where an integer belongs, a hash of 31 bytes).
        case columnValue = "column value"
        /// Sequence numbers are not 1, 2, 3, … (a row was deleted or inserted).
        case sequence
        /// The stored hash is not SHA-256 over the entry's columns and the previous entry's stored hash.
        case chainHash = "chain hash"
        /// A checkpoint's Ed25519 signature does not verify with the ledger's public key.
        case checkpointSignature = "checkpoint signature"
        /// A checkpoint names another signing key.
        case checkpointKey = "checkpoint key"
        /// A checkpoint's previous size does not name the checkpoint before it.
        case checkpointLink = "checkpoint link"
        /// The Merkle root recomputed from the stored entry hashes differs from the signed root.
        case checkpointRoot = "checkpoint root"
        /// A checkpoint's stored frontier differs from the one recomputed from the entries.
        case checkpointFrontier = "checkpoint frontier"
        /// A checkpoint covers more entries than the ledger holds: entries were removed from its end.
        case truncation
        /// Entries after the last checkpoint: Spar seals every batch, so they were added outside it.
        case unsealed
        /// A checkpoint kept outside the database does not match the ledger.
        case keptCheckpoint = "kept checkpoint"
        /// The schema lost a table, column or append-only trigger.
        case schema
    }

    /// Which check failed.
    public var check: Check
    /// The entry, when the finding is about one entry.
    public var seq: Int64?
    /// The entry's id, when the finding is about one entry.
    public var id: String?
    /// The checkpoint (its tree size), when the finding is about one checkpoint.
    public var checkpointSize: Int64?
    /// The column, when known.
    public var field: String?
    /// What was found and what it means.
    public var detail: String
    /// The first entry position this finding implicates (for ordering; 0 when none).
    public var position: Int64
    /// Whether the finding names the exact entry (`seq`), not a range.
    public var pinpointsEntry: Bool { seq != nil }

    public init(
        check: Check, seq: Int64? = nil, id: String? = nil, checkpointSize: Int64? = nil, field: String? = nil,
        detail: String, position: Int64
    ) {
        self.check = check
        self.seq = seq
        self.id = id
        self.checkpointSize = checkpointSize
        self.field = field
        self.detail = detail
        self.position = position
    }

    public var description: String {
        var subject: [String] = []
        if let seq { subject.append("seq \(seq)") }
        if let id { subject.append("id '\(id)'") }
        if let checkpointSize { subject.append("checkpoint of tree size \(checkpointSize)") }
        if let field { subject.append("field '\(field)'") }
        let head = subject.isEmpty ? "" : subject.joined(separator: ", ") + ": "
        return "\(head)\(check.rawValue) check failed: \(detail)"
    }
}

/// What `spar verify` found.
public struct LedgerAuditReport: Sendable {
    /// Entries read.
    public var entries: Int64
    /// Checkpoint rows read.
    public var checkpoints: Int
    /// The checkpoint of the largest tree size, if any.
    public var lastCheckpoint: SignedCheckpoint?
    /// Checkpoints kept outside the database that were checked.
    public var keptCheckpoints: Int
    /// Findings, the first bad entry first (see `LedgerAudit`).
    public var findings: [IntegrityFinding]

    /// No finding: every entry, checkpoint and kept checkpoint checked out.
    public var isIntact: Bool { findings.isEmpty }
}
