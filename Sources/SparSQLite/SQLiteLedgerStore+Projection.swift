import Foundation
import GRDB
import SparCore
import SparStorage

/// The persisted KPI projection: one `kpi_record` row per effective event, the correction in force per corrected
/// event, and the ledger sequence the projection reflects.
enum KPIProjectionSchema {
    static let migration = """
        CREATE TABLE kpi_record (
            event_id TEXT PRIMARY KEY,
            unit TEXT NOT NULL,
            ts INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            key TEXT NOT NULL,
            flag INTEGER NOT NULL,
            operation INTEGER,
            body TEXT NOT NULL
        );
        CREATE INDEX kpi_record_time ON kpi_record(unit, kind, ts);
        CREATE INDEX kpi_record_key ON kpi_record(unit, kind, key, ts);
        CREATE INDEX kpi_record_first_operation ON kpi_record(key, operation) WHERE kind = 3 AND operation IS NOT NULL;
        CREATE TABLE kpi_correction (
            target TEXT PRIMARY KEY,
            ts INTEGER NOT NULL,
            id TEXT NOT NULL
        );
        CREATE TABLE kpi_projection (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            head INTEGER NOT NULL
        );
        INSERT INTO kpi_projection (one, head) VALUES (1, 0);
        """

    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT head FROM kpi_projection WHERE one = 1") ?? 0
    }

    static func setHead(_ db: Database, _ seq: Int64) throws {
        try db.execute(sql: "UPDATE kpi_projection SET head = ? WHERE one = 1", arguments: [seq])
    }

    /// Applies one change; an older correction than the one in force changes nothing.
    static func apply(_ change: KPIRecordChange, in db: Database) throws {
        switch change {
        case .add(let r):
            try insert(r, in: db)
        case .correct(let target, let ts, let id, let replacement):
            let current = try db.cachedStatement(sql: "SELECT ts, id FROM kpi_correction WHERE target = ?")
            if let row = try Row.fetchOne(current, arguments: [target]) {
                let t: Int64 = row["ts"]
                let i: String = row["id"]
                if (t, i) > (ts.milliseconds, id) { return }
            }
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO kpi_correction (target, ts, id) VALUES (?, ?, ?)")
                .execute(arguments: [target, ts.milliseconds, id])
            try db.cachedStatement(sql: "DELETE FROM kpi_record WHERE event_id = ?").execute(arguments: [target])
            if let replacement { try insert(replacement, in: db) }
        }
    }

    static func insert(_ r: KPIRecord, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO kpi_record (event_id, unit, ts, kind, key, flag, operation, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            r.eventID, r.unit, r.ts.milliseconds, r.kind.rawValue, r.key, r.flag ? 1 : 0, r.operation, r.body,
        ])
    }

    /// The records of one unit that a query over `[from, to)` needs: every record in `[from, to]`; the two states
    /// before `from` (the one in force and the one before it, which says whether it entered a failure); the
    /// states from `to` on until one ends a failure running at `to` (and one more state, which says whether the
    /// data goes on); for each order, clock, labor and maintenance key, its records since its last closing record
    /// before `from` (the spans open at `from`) and its first closing record after `to` (an order's next start or
    /// end); every record of an order a count in the window names (its planned
    /// run time may come from any of its starts); and each inspected serial's first failed inspection before `from`.
    static func slice(
        _ db: Database, unit: String, from: Int64, to: Int64, failureReasons: Set<String>
    ) throws -> UnitSliceBodies {
        var seen = Set<String>()
        var bodies: [String] = []
        func take(_ statement: Statement, _ arguments: StatementArguments) throws {
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try rows.next() {
                let id: String = row["event_id"]
                if seen.insert(id).inserted { bodies.append(row["body"]) }
            }
        }
        let any = try db.cachedStatement(sql: "SELECT 1 FROM kpi_record WHERE unit = ? LIMIT 1")
        guard try Int.fetchOne(any, arguments: [unit]) != nil else { return UnitSliceBodies(bodies: [], hasRecords: false) }

        var namedOrders = Set<String>()
        var serials = Set<String>()
        var lastState: (ts: Int64, key: String)?
        var spanKeys: [KPIRecord.Kind: Set<String>] = [:]
        func noteState(_ ts: Int64, _ key: String) {
            if ts < to, lastState.map({ ts >= $0.ts }) ?? true { lastState = (ts, key) }
        }
        let window = try db.cachedStatement(
            sql: "SELECT event_id, body, kind, key, ts FROM kpi_record WHERE unit = ? AND kind = ? AND ts >= ? AND ts <= ?")
        for kind in KPIRecord.Kind.allCases {
            let rows = try Row.fetchCursor(window, arguments: [unit, kind.rawValue, from, to])
            while let row = try rows.next() {
                let id: String = row["event_id"]
                let key: String = row["key"]
                let ts: Int64 = row["ts"]
                switch kind {
                case .count where !key.isEmpty: namedOrders.insert(key)
                case .inspection where ts < to: serials.insert(key)
                case .state: noteState(ts, key)
                case .order, .clock, .work, .maintenance: spanKeys[kind, default: []].insert(key)
                default: break
                }
                if seen.insert(id).inserted { bodies.append(row["body"]) }
            }
        }

        let state = KPIRecord.Kind.state.rawValue
        let earlier = try db.cachedStatement(
            sql: """
                SELECT event_id, body, key, ts FROM kpi_record WHERE unit = ? AND kind = ? AND ts < ?
                  AND ts >= (SELECT ts FROM kpi_record WHERE unit = ? AND kind = ? AND ts < ? ORDER BY ts DESC LIMIT 1 OFFSET 1)
                """)
        var earlierRows = try Row.fetchAll(earlier, arguments: [unit, state, from, unit, state, from])
        if earlierRows.isEmpty {
            earlierRows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT event_id, body, key, ts FROM kpi_record WHERE unit = ? AND kind = ? AND ts < ?"),
                arguments: [unit, state, from])
        }
        for row in earlierRows {
            let id: String = row["event_id"]
            noteState(row["ts"], row["key"])
            if seen.insert(id).inserted { bodies.append(row["body"]) }
        }

        let later = try db.cachedStatement(
            sql: "SELECT event_id, body, key FROM kpi_record WHERE unit = ? AND kind = ? AND ts >= ? ORDER BY ts")
        let running = lastState.map(\.key).flatMap { failureReasons.contains($0) ? $0 : nil }
        let after = try Row.fetchCursor(later, arguments: [unit, state, to])
        while let row = try after.next() {
            let id: String = row["event_id"]
            let key: String = row["key"]
            if seen.insert(id).inserted { bodies.append(row["body"]) }
            if running == nil || key != running { break }
        }

        let opens = try db.cachedStatement(
            sql: """
                SELECT key, MAX(CASE WHEN flag = 1 THEN ts END) AS since, MAX(CASE WHEN flag = 0 THEN ts END) AS opened
                FROM kpi_record
                WHERE unit = ? AND kind = ? AND ts < ? GROUP BY key
                """)
        let since = try db.cachedStatement(
            sql: "SELECT event_id, body FROM kpi_record WHERE unit = ? AND kind = ? AND key = ? AND ts >= ? AND ts < ?")
        for kind in [KPIRecord.Kind.order, .clock, .work, .maintenance] {
            for row in try Row.fetchAll(opens, arguments: [unit, kind.rawValue, from]) {
                let key: String = row["key"]
                let closed: Int64? = row["since"]
                let opened: Int64? = row["opened"]
                guard let opened else { continue }
                if let closed, opened < closed { continue }
                try take(since, [unit, kind.rawValue, key, closed ?? Int64.min, from])
                spanKeys[kind, default: []].insert(key)
            }
        }

        // The event that ends a span still open at `to` names its source in the window's lineage.
        let closer = try db.cachedStatement(
            sql: """
                SELECT event_id, body FROM kpi_record WHERE unit = ? AND kind = ? AND key = ? AND ts > ? AND (flag = 1 OR kind = 3)
                ORDER BY ts LIMIT 1
                """)
        for (kind, keys) in spanKeys {
            for key in keys.sorted() { try take(closer, [unit, kind.rawValue, key, to]) }
        }

        let orderRecords = try db.cachedStatement(
            sql: "SELECT event_id, body FROM kpi_record WHERE unit = ? AND kind = ? AND key = ?")
        for order in namedOrders.sorted() { try take(orderRecords, [unit, KPIRecord.Kind.order.rawValue, order]) }

        let firstFail = try db.cachedStatement(
            sql: """
                SELECT event_id, body FROM kpi_record WHERE unit = ? AND kind = ? AND key = ? AND flag = 1 AND ts < ?
                ORDER BY ts LIMIT 1
                """)
        for serial in serials.sorted() { try take(firstFail, [unit, KPIRecord.Kind.inspection.rawValue, serial, from]) }
        return UnitSliceBodies(bodies: bodies, hasRecords: true)
    }
}

extension SQLiteLedgerStore: KPIProjectionStore {
    public func projectionHead() async throws -> Int64 {
        try await pool.read { db in try KPIProjectionSchema.head(db) }
    }

    public func ledgerSize() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM ledger") ?? 0 }
    }

    public func applyProjection(_ changes: [KPIRecordChange], upTo seq: Int64, replacing: Bool) async throws {
        try await pool.write { db in
            if replacing {
                try db.execute(sql: "DELETE FROM kpi_record; DELETE FROM kpi_correction")
            }
            for change in changes { try KPIProjectionSchema.apply(change, in: db) }
            try KPIProjectionSchema.setHead(db, seq)
        }
    }

    public func allKPIRecords() async throws -> [KPIRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT event_id, unit, ts, kind, key, flag, operation, body FROM kpi_record ORDER BY event_id"
            ).map { row in
                KPIRecord(
                    eventID: row["event_id"], unit: row["unit"], ts: Timestamp(milliseconds: row["ts"]),
                    kind: KPIRecord.Kind(rawValue: row["kind"]) ?? .state, key: row["key"], flag: (row["flag"] as Int) != 0,
                    operation: row["operation"], body: row["body"])
            }
        }
    }

    public func unitSlice(unit: String, from: Timestamp, to: Timestamp, failureReasons: Set<String>) async throws
        -> UnitSliceBodies
    {
        try await pool.read { db in
            try KPIProjectionSchema.slice(
                db, unit: unit, from: from.milliseconds, to: to.milliseconds, failureReasons: failureReasons)
        }
    }

    public func firstOperations(orders: Set<String>) async throws -> [String: Int] {
        guard !orders.isEmpty else { return [:] }
        return try await pool.read { db in
            let stmt = try db.cachedStatement(
                sql: "SELECT MIN(operation) FROM kpi_record WHERE kind = 3 AND operation IS NOT NULL AND key = ?")
            var out: [String: Int] = [:]
            for order in orders {
                if let op = try Int.fetchOne(stmt, arguments: [order]) { out[order] = op }
            }
            return out
        }
    }

    public func recordCounts() async throws -> [String: Int] {
        try await pool.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT unit, COUNT(*) AS n FROM kpi_record GROUP BY unit") {
                out[row["unit"]] = row["n"]
            }
            return out
        }
    }
}

extension SQLiteLedgerStore {
    /// Bytes the projection's tables and indexes take in the file (nil when SQLite lacks the `dbstat` table).
    public func projectionBytes() throws -> Int? {
        try? pool.read { db in
            try Int.fetchOne(db, sql: "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'kpi_%' OR name LIKE 'sqlite_autoindex_kpi_%'")
        }
    }
}
