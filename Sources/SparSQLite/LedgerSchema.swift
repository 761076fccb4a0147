import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparStorage

/// The ledger's tamper-evidence schema: triggers, expected columns, and reading checkpoint rows.
enum LedgerSchema {
    /// The columns of `ledger`, in the order the chain hashes them, then the hash.
    static let ledgerColumns = [
        "seq", "id", "kind", "ts", "unit", "type", "source", "body", "recorded_at", "recorded_by", "hash",
    ]

    /// The columns of `ledger_checkpoint`.
    static let checkpointColumns = [
        "tree_size", "root", "signed_at", "previous_size", "key_id", "signature", "frontier",
    ]

    static let ledgerNoUpdate = """
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be updated'); END
        """

    static let checkpointTriggers = [
        """
        CREATE TRIGGER ledger_checkpoint_no_update BEFORE UPDATE ON ledger_checkpoint
            BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only: they cannot be updated'); END
        """,
        """
        CREATE TRIGGER ledger_checkpoint_no_delete BEFORE DELETE ON ledger_checkpoint
            BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only: they cannot be deleted'); END
        """,
    ]

    static let credentialTriggers = [
        """
        CREATE TRIGGER credential_no_update BEFORE UPDATE ON credential
            BEGIN SELECT RAISE(ABORT, 'credentials are append-only: set a new password instead'); END
        """,
        """
        CREATE TRIGGER credential_no_delete BEFORE DELETE ON credential
            BEGIN SELECT RAISE(ABORT, 'credentials are append-only: disable the user instead'); END
        """,
    ]

    /// Every trigger the schema must hold, by name, as whitespace-normalised SQL.
    static var expectedTriggers: [String: String] {
        var out: [String: String] = [:]
        let all =
            [
                ledgerNoUpdate,
                """
                CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
                    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be deleted'); END
                """,
            ] + checkpointTriggers + credentialTriggers
        for sql in all {
            let words = sql.split(whereSeparator: \.isWhitespace)
            if words.count > 2 { out[String(words[2])] = words.joined(separator: " ") }
        }
        return out
    }

    /// Whitespace-normalised SQL, for comparing stored trigger text.
    static func normalised(_ sql: String) -> String { sql.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    /// Computes the chain hash of rows stored before the chain existed (migration "v2-chain").
    static func backfillChain(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM ledger ORDER BY seq")
        guard !rows.isEmpty else { return }
        var previous = LedgerHash.genesis
        var hashes: [(Int64, LedgerHash)] = []
        for row in rows {
            let seq: Int64 = row["seq"]
            let hash = LedgerChain.entryHash(
                previous: previous, seq: seq, id: row["id"], kind: row["kind"], ts: row["ts"], unit: row["unit"],
                type: row["type"], source: row["source"], body: row["body"], recordedAt: row["recorded_at"],
                recordedBy: row["recorded_by"])
            hashes.append((seq, hash))
            previous = hash
        }
        try db.execute(sql: "DROP TRIGGER ledger_no_update")
        let update = try db.makeStatement(sql: "UPDATE ledger SET hash = ? WHERE seq = ?")
        for (seq, hash) in hashes { try update.execute(arguments: [Data(hash.bytes), seq]) }
        try db.execute(sql: ledgerNoUpdate)
    }

    /// A checkpoint row; throws naming the field when a column does not hold what Spar wrote.
    static func checkpoint(_ row: Row, ledger: String) throws -> StoredCheckpoint {
        do {
            return try parseCheckpoint(row)
        } catch let p {
            throw StorageError(
                "ledger \(ledger), checkpoint of tree size \(p.treeSize), field '\(p.field)': \(p.reason); run spar verify")
        }
    }

    /// A checkpoint row, or the first column that does not hold what Spar wrote.
    static func parseCheckpoint(_ row: Row) throws(CheckpointRowProblem) -> StoredCheckpoint {
        let size = integer(row["tree_size"]) ?? 0
        func bad(_ field: String, _ reason: String) -> CheckpointRowProblem {
            CheckpointRowProblem(treeSize: size, field: field, reason: reason)
        }
        guard let root = blob(row["root"]).flatMap(LedgerHash.init(bytes:)) else { throw bad("root", "not a 32-byte hash") }
        guard let signedAt = integer(row["signed_at"]) else { throw bad("signed_at", "not an integer") }
        guard let previous = integer(row["previous_size"]) else { throw bad("previous_size", "not an integer") }
        guard case .string(let keyID) = (row["key_id"] as DatabaseValue).storage else { throw bad("key_id", "not text") }
        guard let signature = blob(row["signature"]) else { throw bad("signature", "not a blob") }
        guard let frontier = blob(row["frontier"]) else { throw bad("frontier", "not a blob") }
        return StoredCheckpoint(
            signed: SignedCheckpoint(
                checkpoint: Checkpoint(
                    treeSize: size, root: root, signedAt: Timestamp(milliseconds: signedAt), previousSize: previous),
                keyID: keyID, signature: signature),
            frontier: frontier)
    }

    /// The bytes of a BLOB value; nil for any other storage class.
    static func blob(_ value: DatabaseValue) -> [UInt8]? {
        if case .blob(let data) = value.storage { return Array(data) }
        return nil
    }

    /// An INTEGER value; nil for any other storage class.
    static func integer(_ value: DatabaseValue) -> Int64? {
        if case .int64(let v) = value.storage { return v }
        return nil
    }
}

/// A checkpoint column that does not hold what Spar wrote.
struct CheckpointRowProblem: Error {
    var treeSize: Int64
    var field: String
    var reason: String
}

/// The end of the chain, as an append continues it.
struct ChainTip {
    /// Hash of the last entry (genesis when empty).
    var hash: LedgerHash
    var frontier: MerkleFrontier
    /// Tree size of the last checkpoint (0 when none).
    var checkpointSize: Int64

    mutating func append(_ entryHash: LedgerHash) {
        hash = entryHash
        frontier.append(entryHash: entryHash)
    }

    /// Reads the tip inside the append transaction. Refuses to continue a ledger whose end does not match its last
    /// checkpoint, or whose last checkpoint another key signed: sealing such rows would vouch for them.
    static func load(_ db: Database, ledger: String, key: CheckpointSigningKey) throws -> ChainTip {
        func refuse(_ what: String) -> StorageError {
            StorageError(
                "refusing to append to the ledger at \(ledger): \(what). It was changed outside Spar or with another "
                    + "key; run spar verify --db \(ledger)")
        }
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1")
        let checkpointRow = try Row.fetchOne(db, sql: "SELECT * FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1")
        let checkpoint = try checkpointRow.map { try LedgerSchema.checkpoint($0, ledger: ledger) }
        if let checkpoint {
            let signed = checkpoint.signed
            // After a key rotation the checkpoint sealing it is the previous key's, and the configured key must be
            // the new one.
            var signer = key.publicKey
            let rotationBody = try String.fetchOne(
                db, sql: "SELECT body FROM ledger WHERE kind = 'checkpointKey' AND type = ? ORDER BY seq DESC LIMIT 1",
                arguments: [CheckpointKeyRotation.entryType])
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
        let seq: Int64 = last["seq"]
        guard let hash = LedgerSchema.blob(last["hash"]).flatMap(LedgerHash.init(bytes:)) else {
            throw refuse("its last entry (seq \(seq)) has no valid 32-byte hash")
        }
        guard let checkpoint else {
            // Rows from before checkpoints existed (migration "v2-chain"): the first checkpoint seals them.
            let values = try DatabaseValue.fetchAll(db, sql: "SELECT hash FROM ledger ORDER BY seq")
            var frontier = MerkleFrontier()
            for (i, value) in values.enumerated() {
                guard let h = LedgerSchema.blob(value).flatMap(LedgerHash.init(bytes:)) else {
                    throw refuse("entry \(i + 1) has no valid 32-byte hash")
                }
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
