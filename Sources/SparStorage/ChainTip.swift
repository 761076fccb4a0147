import SparCore
import SparLedgerIntegrity

/// The end of the chain, as an append continues it.
public struct ChainTip: Sendable {
    /// Hash of the last entry (genesis when empty).
    public var hash: LedgerHash
    public var frontier: MerkleFrontier
    /// Tree size of the last checkpoint (0 when none).
    public var checkpointSize: Int64

    public init(hash: LedgerHash, frontier: MerkleFrontier, checkpointSize: Int64) {
        self.hash = hash
        self.frontier = frontier
        self.checkpointSize = checkpointSize
    }

    public mutating func append(_ entryHash: LedgerHash) {
        hash = entryHash
        frontier.append(entryHash: entryHash)
    }

    /// The tip of a ledger whose last entry is `last` (nil when empty) and whose last checkpoint is `checkpoint`,
    /// read inside the append transaction. Refuses to continue a ledger whose end does not match its last
    /// checkpoint, or whose last checkpoint another key signed: sealing such rows would vouch for them.
    /// `rotationBody` is the latest checkpoint key rotation's body; `allHashes` reads every entry hash in sequence
    /// order (nil for a malformed one), needed only for rows stored before checkpoints existed. `verifyCommand` is
    /// how the refusal tells the user to check the ledger.
    public static func verified(
        last: (seq: Int64, hash: LedgerHash?)?, checkpoint: StoredCheckpoint?, rotationBody: String?,
        key: CheckpointSigningKey, ledger: String, verifyCommand: String, allHashes: () throws -> [LedgerHash?]
    ) throws -> ChainTip {
        func refuse(_ what: String) -> StorageError {
            StorageError(
                "refusing to append to the ledger at \(ledger): \(what). It was changed outside Spar or with another "
                    + "key; run \(verifyCommand)")
        }
        if let checkpoint {
            let signed = checkpoint.signed
            // After a key rotation the checkpoint sealing it is the previous key's, and the configured key must be
            // the new one.
            var signer = key.publicKey
            if let rotationBody {
                guard let rotation = CheckpointKeyRotation.decode(body: rotationBody), let new = rotation.newKey,
                    let previous = rotation.previousKey
                else { throw refuse("its latest checkpoint key rotation cannot be read") }
                guard new == key.publicKey else {
                    throw refuse(
                        "its checkpoint key was rotated to \(new.keyID) after entry \(rotation.afterTreeSize), but the "
                            + "configured key is \(key.publicKey.keyID) (an interrupted rotation leaves the new key in "
                            + "<key>.next)")
                }
                if checkpoint.treeSize <= rotation.afterTreeSize + 1 { signer = previous }
            }
            guard signed.keyID == signer.keyID, signer.isValidSignature(signed) else {
                throw refuse(
                    "its last checkpoint (tree size \(checkpoint.treeSize)) is not signed by the configured key "
                        + "\(signer.keyID) (it names key \(signed.keyID))")
            }
        }
        guard let last else {
            if let checkpoint { throw refuse("it holds no entries, but a checkpoint covers \(checkpoint.treeSize)") }
            return ChainTip(hash: .genesis, frontier: MerkleFrontier(), checkpointSize: 0)
        }
        let seq = last.seq
        guard let hash = last.hash else { throw refuse("its last entry (seq \(seq)) has no valid 32-byte hash") }
        guard let checkpoint else {
            // Rows from before checkpoints existed: the first checkpoint seals them.
            var frontier = MerkleFrontier()
            for (i, value) in try allHashes().enumerated() {
                guard let h = value else { throw refuse("entry \(i + 1) has no valid 32-byte hash") }
                frontier.append(entryHash: h)
            }
            guard frontier.size == seq else { throw refuse("its \(frontier.size) entries end at seq \(seq)") }
            return ChainTip(hash: hash, frontier: frontier, checkpointSize: 0)
        }
        guard checkpoint.treeSize == seq else {
            throw refuse("its last entry is seq \(seq) but its last checkpoint covers \(checkpoint.treeSize) entries")
        }
        guard let frontier = MerkleFrontier(size: seq, bytes: checkpoint.frontier ?? []),
            frontier.root == checkpoint.signed.checkpoint.root
        else {
            throw refuse("its last checkpoint's frontier does not give its signed root")
        }
        return ChainTip(hash: hash, frontier: frontier, checkpointSize: checkpoint.treeSize)
    }
}
