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

extension ChainTip {
    /// Reads the tip inside the append transaction (``ChainTip/verified(last:checkpoint:rotationBody:key:ledger:verifyCommand:allHashes:)``).
    static func load(_ db: Database, ledger: String, key: CheckpointSigningKey) throws -> ChainTip {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").map { row in
            (seq: row["seq"] as Int64, hash: LedgerSchema.blob(row["hash"]).flatMap(LedgerHash.init(bytes:)))
        }
        let checkpoint = try Row.fetchOne(db, sql: "SELECT * FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1")
            .map { try LedgerSchema.checkpoint($0, ledger: ledger) }
        let rotationBody = try String.fetchOne(
            db, sql: "SELECT body FROM ledger WHERE kind = 'checkpointKey' AND type = ? ORDER BY seq DESC LIMIT 1",
            arguments: [CheckpointKeyRotation.entryType])
        return try verified(
            last: last, checkpoint: checkpoint, rotationBody: rotationBody, key: key, ledger: ledger,
            verifyCommand: "spar verify --db \(ledger)"
        ) {
            try DatabaseValue.fetchAll(db, sql: "SELECT hash FROM ledger ORDER BY seq").map {
                LedgerSchema.blob($0).flatMap(LedgerHash.init(bytes:))
            }
        }
    }
}
