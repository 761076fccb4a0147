/// A checkpoint row as stored beside the ledger.
public struct StoredCheckpoint: Sendable, Hashable {
    /// The signed statement (tree size, root, time, previous size) with its key id and signature.
    public var signed: SignedCheckpoint
    /// The stored frontier (subtree roots), nil for stores that keep none.
    public var frontier: [UInt8]?

    public init(signed: SignedCheckpoint, frontier: [UInt8]?) {
        self.signed = signed
        self.frontier = frontier
    }

    /// Entries covered.
    public var treeSize: Int64 { signed.checkpoint.treeSize }
}

/// Re-checks a ledger's hash chain and checkpoints as its rows stream past in sequence order.
///
/// Feed every entry row in `seq` order to `add(_:storedHash:)`, report unreadable rows with `record(_:)`, then
/// call `finish()`. Each entry's hash is recomputed from its columns and the previous row's stored hash, so one
/// altered row is named alone; the Merkle tree is built over the stored hashes and compared with every signed
/// checkpoint (and every checkpoint kept outside the database), which catches a chain recomputed after an edit,
/// removed rows at the end, and forged rows.
public struct LedgerAudit: Sendable {
    let keys: CheckpointKeySchedule
    let checkpoints: [StoredCheckpoint]
    let kept: [SignedCheckpoint]
    private var nextCheckpoint = 0
    private var nextKept = 0
    private var previousHash = LedgerHash.genesis
    private var expectedSeq: Int64 = 1
    private var frontier = MerkleFrontier()
    private var lastGoodCheckpoint: Int64 = 0
    private var findings: [IntegrityFinding] = []

    /// Starts an audit; `checkpoints` are the stored rows in any order, `kept` the checkpoints an auditor kept,
    /// `rotations` the key rotations the ledger records, in ledger order (each checkpoint must be signed by the key
    /// in force at its tree size; `publicKey` is the key the auditor trusts, one of them).
    public init(
        publicKey: CheckpointPublicKey, checkpoints: [StoredCheckpoint], kept: [SignedCheckpoint] = [],
        rotations: [CheckpointKeyRotation] = []
    ) {
        keys = CheckpointKeySchedule(trusted: publicKey, rotations: rotations)
        for p in keys.problems {
            findings.append(
                IntegrityFinding(check: .checkpointKey, checkpointSize: p.treeSize, field: "key", detail: p.detail,
                    position: max(1, p.treeSize)))
        }
        self.checkpoints = checkpoints.sorted { $0.treeSize < $1.treeSize }
        self.kept = kept.sorted { $0.checkpoint.treeSize < $1.checkpoint.treeSize }
        var previous: Int64 = 0
        for row in self.checkpoints {
            checkSignature(row.signed, kept: false)
            let c = row.signed.checkpoint
            if c.previousSize != previous || c.treeSize <= c.previousSize {
                findings.append(
                    IntegrityFinding(
                        check: .checkpointLink, checkpointSize: c.treeSize, field: "previous_size",
                        detail: "it follows the checkpoint of size \(c.previousSize), but the checkpoint before it "
                            + "has size \(previous): a checkpoint row was removed, inserted or altered",
                        position: min(previous, c.previousSize) + 1))
            }
            previous = c.treeSize
        }
        for k in self.kept { checkSignature(k, kept: true) }
    }

    private mutating func checkSignature(_ s: SignedCheckpoint, kept: Bool) {
        let c = s.checkpoint
        let publicKey = keys.key(forTreeSize: c.treeSize)
        let what = kept ? "the kept checkpoint" : "the checkpoint"
        if s.keyID != publicKey.keyID {
            findings.append(
                IntegrityFinding(
                    check: kept ? .keptCheckpoint : .checkpointKey, checkpointSize: c.treeSize, field: "key_id",
                    detail: "\(what) names key \(s.keyID), but the ledger's key for size \(c.treeSize) is \(publicKey.keyID)",
                    position: c.treeSize))
        }
        if !publicKey.isValidSignature(s) {
            findings.append(
                IntegrityFinding(
                    check: kept ? .keptCheckpoint : .checkpointSignature, checkpointSize: c.treeSize,
                    field: "signature",
                    detail: "the Ed25519 signature over size \(c.treeSize), root \(c.root.short)…, time "
                        + "\(c.signedAt) and previous size \(c.previousSize) does not verify with key "
                        + "\(publicKey.keyID): \(what)'s fields or signature were altered",
                    position: c.treeSize))
        }
    }

    /// Checks the next entry row: its position, its chain hash, and the checkpoints that end at it.
    /// `storedHash` is nil when the row's hash column could not be read (already recorded as a finding).
    public mutating func add(_ columns: EntryColumns, storedHash: LedgerHash?) {
        let position = frontier.size + 1
        if columns.seq != expectedSeq {
            let detail =
                columns.seq > expectedSeq
                ? "expected seq \(expectedSeq) next but found \(columns.seq): entries \(expectedSeq)…\(columns.seq - 1) "
                    + "were removed or renumbered"
                : "expected seq \(expectedSeq) next but found \(columns.seq): a row was inserted or renumbered"
            findings.append(
                IntegrityFinding(
                    check: .sequence, seq: columns.seq, id: columns.idText, field: "seq", detail: detail,
                    position: position))
        }
        expectedSeq = columns.seq + 1
        let recomputed = LedgerChain.entryHash(previous: previousHash, columns: columns)
        if let storedHash, storedHash != recomputed {
            findings.append(
                IntegrityFinding(
                    check: .chainHash, seq: columns.seq, id: columns.idText,
                    detail: "the stored hash \(storedHash.short)… is not SHA-256 over this row's columns and the "
                        + "previous row's hash (\(recomputed.short)…): a column of this row was edited, or the row was "
                        + "moved, inserted, or follows a removed row",
                    position: position))
        }
        // The tree is over what was stored (and signed); the chain check above judges the row itself.
        let leaf = storedHash ?? recomputed
        previousHash = leaf
        frontier.append(entryHash: leaf)
        sealCheckpoints(lastSeq: columns.seq, lastID: columns.idText)
    }

    /// Adds a finding made while reading (a column of the wrong type, a missing trigger).
    public mutating func record(_ finding: IntegrityFinding) { findings.append(finding) }

    private mutating func sealCheckpoints(lastSeq: Int64, lastID: String) {
        let size = frontier.size
        while nextCheckpoint < checkpoints.count, checkpoints[nextCheckpoint].treeSize <= size {
            let row = checkpoints[nextCheckpoint]
            nextCheckpoint += 1
            guard row.treeSize == size else { continue }  // size ≤ 0: reported by the link check
            let c = row.signed.checkpoint
            var good = true
            if c.root != frontier.root {
                good = false
                findings.append(
                    IntegrityFinding(
                        check: .checkpointRoot, checkpointSize: size, field: "root",
                        detail: "the signed root \(c.root.short)… differs from the root \(frontier.root.short)… of "
                            + "the stored entry hashes 1…\(size): an entry in seq \(lastGoodCheckpoint + 1)…\(size) "
                            + "was altered and its chain recomputed, or the checkpoint's root was edited",
                        position: lastGoodCheckpoint + 1))
            }
            if let stored = row.frontier, stored != frontier.bytes {
                good = false
                findings.append(
                    IntegrityFinding(
                        check: .checkpointFrontier, checkpointSize: size, field: "frontier",
                        detail: "the stored frontier differs from the one recomputed from entries 1…\(size)",
                        position: lastGoodCheckpoint + 1))
            }
            if good { lastGoodCheckpoint = size }
        }
        while nextKept < kept.count, kept[nextKept].checkpoint.treeSize <= size {
            let k = kept[nextKept].checkpoint
            nextKept += 1
            guard k.treeSize == size else { continue }
            if k.root != frontier.root {
                findings.append(
                    IntegrityFinding(
                        check: .keptCheckpoint, checkpointSize: size, field: "root",
                        detail: "the kept checkpoint signed at \(k.signedAt) has root \(k.root.short)…, but the "
                            + "ledger's entries 1…\(size) now give \(frontier.root.short)…: an entry at or before seq "
                            + "\(size) changed since that checkpoint was kept",
                        position: 1))
            }
        }
    }

    /// Ends the audit: checks for checkpoints beyond the last entry (truncation) and entries after the last
    /// checkpoint, and orders the findings so that the first bad entry comes first.
    public func finish() -> LedgerAuditReport {
        var out = findings
        let size = frontier.size
        if let beyond = checkpoints.last(where: { $0.treeSize > size }) {
            out.append(
                IntegrityFinding(
                    check: .truncation, checkpointSize: beyond.treeSize, field: "tree_size",
                    detail: "a signed checkpoint covers \(beyond.treeSize) entries but the ledger holds \(size): "
                        + "entries \(size + 1)…\(beyond.treeSize) were removed",
                    position: size + 1))
        }
        for k in kept where k.checkpoint.treeSize > size {
            out.append(
                IntegrityFinding(
                    check: .keptCheckpoint, checkpointSize: k.checkpoint.treeSize, field: "tree_size",
                    detail: "the kept checkpoint signed at \(k.checkpoint.signedAt) covers \(k.checkpoint.treeSize) "
                        + "entries but the ledger holds \(size): entries \(size + 1)…\(k.checkpoint.treeSize) were "
                        + "removed (the ledger was truncated)",
                    position: size + 1))
        }
        let sealed = checkpoints.last(where: { $0.treeSize <= size })?.treeSize ?? 0
        if size > sealed {
            out.append(
                IntegrityFinding(
                    check: .unsealed, field: "seq",
                    detail: "entries \(sealed + 1)…\(size) are not covered by a signed checkpoint; Spar seals every "
                        + "append batch in the same transaction, so they were added outside Spar (or the ledger "
                        + "predates checkpoints and has not been appended to since)",
                    position: sealed + 1))
        }
        return LedgerAuditReport(
            entries: size, checkpoints: checkpoints.count, lastCheckpoint: checkpoints.last?.signed,
            keptCheckpoints: kept.count, findings: Self.ordered(out))
    }

    /// Orders findings by the first entry they implicate. A range finding (a root mismatch over seq a…b) that
    /// contains an exactly named bad entry is explained by it and moves behind it.
    static func ordered(_ findings: [IntegrityFinding]) -> [IntegrityFinding] {
        let pinpointed = findings.filter(\.pinpointsEntry).map(\.position)
        func key(_ f: IntegrityFinding) -> (Int64, Int) {
            if f.pinpointsEntry { return (f.position, 0) }
            if f.check == .schema { return (Int64.max, 2) }
            if let end = f.checkpointSize, pinpointed.contains(where: { $0 >= f.position && $0 <= end }) {
                return (end, 1)
            }
            return (f.position, 1)
        }
        return findings.enumerated().sorted { a, b in
            let (ka, kb) = (key(a.element), key(b.element))
            if ka != kb { return ka < kb }
            return a.offset < b.offset
        }.map(\.element)
    }
}
