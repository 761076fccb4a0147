import Foundation
import GRDB
import SparCore
import SparStorage

/// The ledger in one SQLite file (WAL, `synchronous = FULL`), through one GRDB `DatabasePool` per process.
///
/// The schema refuses UPDATE and DELETE on the ledger by trigger; a batch is one transaction, durable
/// when `append` returns.
public final class SQLiteLedgerStore: LedgerStore {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating if needed) the ledger at `path` and migrates it.
    public init(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "spar.ledger"
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                let level = try Int.fetchOne(db, sql: "PRAGMA synchronous")
                guard level == 2 else { throw StorageError("could not set synchronous = FULL on the ledger (got \(level ?? -1))") }
            }
            try SQLiteLedgerStore.migrator.migrate(pool)
        } catch let e as StorageError {
            throw e
        } catch {
            throw StorageError("cannot open the ledger at \(path)", underlying: "\(error)")
        }
    }

    /// `PRAGMA synchronous` of the writer connection (2 = FULL).
    public func synchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1-ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        kind TEXT NOT NULL,
                        ts INTEGER NOT NULL,
                        unit TEXT NOT NULL,
                        type TEXT NOT NULL,
                        source TEXT NOT NULL,
                        body TEXT NOT NULL,
                        recorded_at INTEGER NOT NULL,
                        recorded_by TEXT NOT NULL
                    );
                    CREATE INDEX ledger_unit_ts ON ledger(unit, ts);
                    CREATE INDEX ledger_type ON ledger(type);
                    CREATE INDEX ledger_kind ON ledger(kind, seq);
                    CREATE UNIQUE INDEX ledger_state_instant ON ledger(unit, ts) WHERE kind = 'event' AND type = 'state';
                    CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be updated'); END;
                    CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be deleted'); END;
                    """)
        }
        return m
    }()

    public func append(_ batch: [PendingEntry], recordedAt: Timestamp, recordedBy: String) async throws -> [AppendOutcome] {
        do {
            return try await pool.write { db in
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO ledger (id, kind, ts, unit, type, source, body, recorded_at, recorded_by)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """)
                let byID = try db.cachedStatement(sql: "SELECT seq, body FROM ledger WHERE id = ?")
                let stateAt = try db.cachedStatement(
                    sql: "SELECT id FROM ledger WHERE unit = ? AND ts = ? AND kind = 'event' AND type = 'state'")
                var out: [AppendOutcome] = []
                out.reserveCapacity(batch.count)
                for e in batch {
                    try insert.execute(arguments: [
                        e.id, e.kind.rawValue, e.ts.milliseconds, e.unit, e.type, e.source, e.body,
                        recordedAt.milliseconds, recordedBy,
                    ])
                    if db.changesCount == 1 {
                        out.append(.accepted(seq: db.lastInsertedRowID))
                        continue
                    }
                    if let row = try Row.fetchOne(byID, arguments: [e.id]) {
                        let body: String = row["body"]
                        out.append(
                            body == e.body
                                ? .duplicate(seq: row["seq"])
                                : .rejected(reason: "id '\(e.id)' was already accepted with different content", field: "id"))
                    } else {
                        let other = try String.fetchOne(stateAt, arguments: [e.unit, e.ts.milliseconds]) ?? "?"
                        out.append(
                            .rejected(reason: "the unit already has a state event at \(e.ts) (id '\(other)')", field: "ts"))
                    }
                }
                return out
            }
        } catch {
            throw StorageError("could not append to the ledger at \(path)", underlying: "\(error)")
        }
    }

    public func bodies(ids: [String]) async throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        return try await pool.read { db in
            var out: [String: String] = [:]
            let stmt = try db.cachedStatement(sql: "SELECT body FROM ledger WHERE id = ?")
            for id in ids {
                if let b = try String.fetchOne(stmt, arguments: [id]) { out[id] = b }
            }
            return out
        }
    }

    public func eventBodies(unitPrefix: String?) async throws -> [String] {
        try await pool.read { db in
            if let p = unitPrefix {
                return try String.fetchAll(
                    db,
                    sql: """
                        SELECT body FROM ledger WHERE kind = 'event'
                          AND (unit = ? OR (unit >= ? AND unit < ?) OR type = 'correction') ORDER BY seq
                        """,
                    arguments: [p, p + "/", p + "0"])
            }
            return try String.fetchAll(db, sql: "SELECT body FROM ledger WHERE kind = 'event' ORDER BY seq")
        }
    }

    public func latestPlantModel() async throws -> LedgerEntry? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledger WHERE kind = 'plantModel' ORDER BY seq DESC LIMIT 1")
                .map(SQLiteLedgerStore.entry)
        }
    }

    public func entries(kind: LedgerEntryKind) async throws -> [LedgerEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE kind = ? ORDER BY seq", arguments: [kind.rawValue])
                .map(SQLiteLedgerStore.entry)
        }
    }

    public func entries(afterSeq: Int64, limit: Int) async throws -> [LedgerEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [afterSeq, limit])
                .map(SQLiteLedgerStore.entry)
        }
    }

    public func count(kind: LedgerEntryKind) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE kind = ?", arguments: [kind.rawValue]) ?? 0
        }
    }

    static func entry(_ row: Row) -> LedgerEntry {
        LedgerEntry(
            seq: row["seq"],
            entry: PendingEntry(
                id: row["id"], kind: LedgerEntryKind(rawValue: row["kind"]) ?? .event,
                ts: Timestamp(milliseconds: row["ts"]), unit: row["unit"], type: row["type"], source: row["source"],
                body: row["body"]),
            recordedAt: Timestamp(milliseconds: row["recorded_at"]), recordedBy: row["recorded_by"])
    }
}

extension SQLiteLedgerStore {
    /// Runs raw SQL against the ledger file: for tests that prove the schema's own guards.
    public func executeForTesting(_ sql: String) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }
}
