import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparStorage

/// `spar verify` on an SQLite ledger: reads every stored row raw, read-only, and runs a `LedgerAudit` over them.
///
/// Text columns are hashed as the bytes SQLite holds (`CAST(x AS BLOB)`), so no decoding can hide an edit, and
/// each column's storage class is checked. The schema is checked too: the tables' columns and every append-only
/// trigger, word for word.
public enum SQLiteLedgerAudit {
    /// Audits the ledger file at `path` against `publicKey` and the checkpoints an auditor kept. Throws only
    /// when the file cannot be opened as a database; everything found in it is in the report.
    public static func run(
        path: String, publicKey: CheckpointPublicKey, kept: [SignedCheckpoint] = []
    ) throws -> LedgerAuditReport {
        guard FileManager.default.fileExists(atPath: path) else { throw StorageError("no ledger at \(path)") }
        var config = Configuration()
        config.readonly = true
        config.label = "spar.verify"
        config.busyMode = .timeout(10)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw StorageError("cannot open the ledger at \(path) read-only", underlying: "\(error)")
        }
        do {
            return try queue.read { db in try audit(db, publicKey: publicKey, kept: kept) }
        } catch let error as DatabaseError
            where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode.primaryResultCode)
        {
            var audit = LedgerAudit(publicKey: publicKey, checkpoints: [], kept: kept)
            audit.record(
                IntegrityFinding(
                    check: .schema, detail: "the database file is damaged and cannot be read (\(error.message ?? "\(error)"))",
                    position: 0))
            return audit.finish()
        }
    }

    static func audit(_ db: Database, publicKey: CheckpointPublicKey, kept: [SignedCheckpoint]) throws -> LedgerAuditReport {
        var schemaFindings: [IntegrityFinding] = []
        var missingTable = false
        func schema(_ detail: String) {
            schemaFindings.append(IntegrityFinding(check: .schema, detail: detail, position: 0))
        }
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        if check != ["ok"] { schema("SQLite's quick_check reports damage: \(check.prefix(3).joined(separator: "; "))") }
        for (table, expected) in [("ledger", LedgerSchema.ledgerColumns), ("ledger_checkpoint", LedgerSchema.checkpointColumns)] {
            let columns = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table])
                .compactMap { String.fromDatabaseValue($0[0]) }
            if columns.isEmpty {
                missingTable = true
                schema("the table \(table) is missing")
            } else if columns != expected {
                // In this order: the store reads entries by column position.
                schema("the table \(table) has columns \(columns.joined(separator: ", ")); expected \(expected.joined(separator: ", ")) in this order")
            }
        }
        let triggers = try Row.fetchAll(
            db, sql: "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        var found: [String: String] = [:]
        for row in triggers {
            let name = String.fromDatabaseValue(row["name"]) ?? ""
            let table = String.fromDatabaseValue(row["tbl_name"]) ?? ""
            if table == "ledger" || table == "ledger_checkpoint" || table == "credential" {
                found[name] = LedgerSchema.normalised(String.fromDatabaseValue(row["sql"]) ?? "")
            }
        }
        let hasCredentials = try Bool.fetchOne(
            db, sql: "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'credential'") ?? false
        let expectedTriggers = LedgerSchema.expectedTriggers.filter { hasCredentials || !$0.key.hasPrefix("credential_") }
        for (name, sql) in expectedTriggers.sorted(by: { $0.key < $1.key }) {
            guard let actual = found[name] else {
                schema("the append-only trigger \(name) is missing")
                continue
            }
            if actual != sql { schema("the trigger \(name) was replaced: \(actual)") }
        }
        for name in found.keys.sorted() where expectedTriggers[name] == nil {
            schema("an unexpected trigger \(name) is on the ledger's tables")
        }
        let hasTables = !missingTable

        var checkpoints: [StoredCheckpoint] = []
        var rowFindings: [IntegrityFinding] = []
        if hasTables {
            for row in try Row.fetchAll(db, sql: "SELECT * FROM ledger_checkpoint ORDER BY tree_size") {
                do {
                    checkpoints.append(try LedgerSchema.parseCheckpoint(row))
                } catch {
                    rowFindings.append(
                        IntegrityFinding(
                            check: .columnValue, checkpointSize: error.treeSize, field: error.field,
                            detail: "\(error.reason), so the row cannot be checked", position: error.treeSize))
                }
            }
        }
        var rotations: [CheckpointKeyRotation] = []
        if hasTables {
            for row in try Row.fetchAll(
                db, sql: "SELECT seq, id, body FROM ledger WHERE kind = 'checkpointKey' AND type = ? ORDER BY seq",
                arguments: [CheckpointKeyRotation.entryType])
            {
                let seq = LedgerSchema.integer(row["seq"]) ?? 0
                guard let body = String.fromDatabaseValue(row["body"]), let r = CheckpointKeyRotation.decode(body: body)
                else {
                    rowFindings.append(
                        IntegrityFinding(
                            check: .columnValue, seq: seq, id: String.fromDatabaseValue(row["id"]) ?? "", field: "body",
                            detail: "the key rotation cannot be read, so the checkpoints after it cannot be checked",
                            position: seq))
                    continue
                }
                rotations.append(r)
            }
        }
        var audit = LedgerAudit(publicKey: publicKey, checkpoints: checkpoints, kept: kept, rotations: rotations)
        for f in schemaFindings + rowFindings { audit.record(f) }
        guard hasTables else { return audit.finish() }

        let select = """
            SELECT seq, \(textColumns.map { "typeof(\($0)), CAST(\($0) AS BLOB)" }.joined(separator: ", ")),
                typeof(ts), ts, typeof(recorded_at), recorded_at, typeof(hash), hash
            FROM ledger ORDER BY seq
            """
        let cursor = try Row.fetchCursor(db, sql: select)
        while let row = try cursor.next() {
            let seq = LedgerSchema.integer(row[0]) ?? 0
            var text: [String: [UInt8]] = [:]
            var problems: [(String, String)] = []
            for (i, name) in textColumns.enumerated() {
                let kind = String.fromDatabaseValue(row[1 + 2 * i]) ?? "null"
                let bytes = LedgerSchema.blob(row[2 + 2 * i]) ?? []
                if kind != "text" { problems.append((name, "holds \(kind), expected text")) }
                text[name] = bytes
            }
            let base = 1 + 2 * textColumns.count
            func integer(_ name: String, _ offset: Int) -> Int64 {
                let kind = String.fromDatabaseValue(row[base + offset]) ?? "null"
                guard kind == "integer", let v = LedgerSchema.integer(row[base + offset + 1]) else {
                    problems.append((name, "holds \(kind), expected integer"))
                    return 0
                }
                return v
            }
            let ts = integer("ts", 0)
            let recordedAt = integer("recorded_at", 2)
            let hashKind = String.fromDatabaseValue(row[base + 4]) ?? "null"
            let storedHash = LedgerSchema.blob(row[base + 5]).flatMap(LedgerHash.init(bytes:))
            if hashKind != "blob" || storedHash == nil {
                problems.append(("hash", "holds \(hashKind) that is not a 32-byte hash"))
            }
            let columns = EntryColumns(
                seq: seq, id: text["id"] ?? [], kind: text["kind"] ?? [], ts: ts, unit: text["unit"] ?? [],
                type: text["type"] ?? [], source: text["source"] ?? [], body: text["body"] ?? [],
                recordedAt: recordedAt, recordedBy: text["recorded_by"] ?? [])
            for (field, reason) in problems {
                audit.record(
                    IntegrityFinding(
                        check: .columnValue, seq: seq, id: columns.idText, field: field, detail: reason,
                        position: seq))
            }
            audit.add(columns, storedHash: storedHash)
        }
        return audit.finish()
    }

    /// Text columns of `ledger`, in hashing order.
    static let textColumns = ["id", "kind", "unit", "type", "source", "body", "recorded_by"]
}
