import SparCore

/// A statement that the ledger's first `treeSize` entries have the Merkle root `root`, made at `signedAt`.
///
/// `previousSize` is the tree size of the checkpoint before it (0 for the first), so a checkpoint removed from
/// the middle of the sequence is noticed.
public struct Checkpoint: Sendable, Hashable {
    /// Number of entries covered (seq 1…treeSize).
    public var treeSize: Int64
    /// RFC 6962 Merkle root over those entries' chain hashes.
    public var root: LedgerHash
    /// Server time of the sealed append batch (UTC).
    public var signedAt: Timestamp
    /// Tree size of the checkpoint before this one (0 for the first).
    public var previousSize: Int64

    public init(treeSize: Int64, root: LedgerHash, signedAt: Timestamp, previousSize: Int64) {
        self.treeSize = treeSize
        self.root = root
        self.signedAt = signedAt
        self.previousSize = previousSize
    }

    /// The bytes the Ed25519 signature covers: tree size ‖ root ‖ time ‖ previous size, integers as int64
    /// big-endian (time in milliseconds), after the tag "spar.checkpoint.v1".
    public var signedMessage: [UInt8] {
        var w = CanonicalWriter(capacity: 18 + 8 + 32 + 8 + 8)
        w.raw(Array("spar.checkpoint.v1".utf8))
        w.int(treeSize)
        w.raw(root.bytes)
        w.int(signedAt.milliseconds)
        w.int(previousSize)
        return w.bytes
    }
}

/// A checkpoint with its Ed25519 signature and the id of the key that made it.
public struct SignedCheckpoint: Sendable, Hashable {
    /// What is signed.
    public var checkpoint: Checkpoint
    /// `CheckpointPublicKey.keyID` of the signing key.
    public var keyID: String
    /// The 64-byte Ed25519 signature over `checkpoint.signedMessage`.
    public var signature: [UInt8]

    public init(checkpoint: Checkpoint, keyID: String, signature: [UInt8]) {
        self.checkpoint = checkpoint
        self.keyID = keyID
        self.signature = signature
    }
}
