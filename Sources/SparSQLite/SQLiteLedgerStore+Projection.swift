import Foundation
import GRDB
import SparCore
import SparStorage

/// The persisted KPI projection: one `kpi_record` row per effective event, the correction in force per corrected
/// event, and the ledger sequence the projection reflects.
/// A work unit and source system, as `ledger_activity` keys them.
struct ActivityKey: Hashable {
    var unit: String
    var source: String
}

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
        CREATE INDEX kpi_record_count_order ON kpi_record(key, unit, ts) WHERE kind = 2 AND key != '';
        CREATE TABLE kpi_bucket (
            unit TEXT NOT NULL,
            model TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (unit, model, start)
        ) WITHOUT ROWID;
        CREATE TABLE kpi_unit_version (
            unit TEXT PRIMARY KEY,
            version INTEGER NOT NULL
        ) WITHOUT ROWID;
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

    static let activityMigration = """
        CREATE TABLE ledger_activity (
            unit TEXT NOT NULL,
            source TEXT NOT NULL,
            events INTEGER NOT NULL,
            earliest INTEGER NOT NULL,
            latest INTEGER NOT NULL,
            PRIMARY KEY (unit, source)
        ) WITHOUT ROWID;
        """ + activityRebuild

    static let activityRebuild = """
        DELETE FROM ledger_activity;
        INSERT INTO ledger_activity (unit, source, events, earliest, latest)
            SELECT unit, source, count(*), min(ts), max(ts) FROM ledger WHERE kind = 'event' GROUP BY unit, source;
        """

    /// Adds one append's event entries to `ledger_activity`.
    static func note(_ activity: [ActivityKey: (events: Int, earliest: Int64, latest: Int64)], in db: Database) throws {
        guard !activity.isEmpty else { return }
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO ledger_activity (unit, source, events, earliest, latest) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (unit, source) DO UPDATE SET events = events + excluded.events,
                    earliest = min(earliest, excluded.earliest), latest = max(latest, excluded.latest)
                """)
        for (k, a) in activity {
            try upsert.execute(arguments: [k.unit, k.source, a.events, a.earliest, a.latest])
        }
    }

    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT head FROM kpi_projection WHERE one = 1") ?? 0
    }

    static func setHead(_ db: Database, _ seq: Int64) throws {
        try db.execute(sql: "UPDATE kpi_projection SET head = ? WHERE one = 1", arguments: [seq])
    }

    /// Applies one change; an older correction than the one in force changes nothing. Notes in `invalidated`, per
    /// unit, the earliest instant from which its cached buckets may have changed.
    static func apply(_ change: KPIRecordChange, in db: Database, invalidated: inout [String: Int64]) throws {
        switch change {
        case .add(let r):
            try insert(r, in: db)
            try influence(of: r, in: db, into: &invalidated)
        case .correct(let target, let ts, let id, let replacement):
            let current = try db.cachedStatement(sql: "SELECT ts, id FROM kpi_correction WHERE target = ?")
            if let row = try Row.fetchOne(current, arguments: [target]) {
                let t: Int64 = row["ts"]
                let i: String = row["id"]
                if (t, i) > (ts.milliseconds, id) { return }
            }
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO kpi_correction (target, ts, id) VALUES (?, ?, ?)")
                .execute(arguments: [target, ts.milliseconds, id])
            if let old = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT unit, ts, kind, key FROM kpi_record WHERE event_id = ?"), arguments: [target])
            {
                try db.cachedStatement(sql: "DELETE FROM kpi_record WHERE event_id = ?").execute(arguments: [target])
                try influence(
                    unit: old["unit"], ts: old["ts"], kind: KPIRecord.Kind(rawValue: old["kind"]) ?? .state, key: old["key"],
                    in: db, into: &invalidated)
            }
            if let replacement {
                try insert(replacement, in: db)
                try influence(of: replacement, in: db, into: &invalidated)
            }
        }
    }

    static func influence(of r: KPIRecord, in db: Database, into invalidated: inout [String: Int64]) throws {
        try influence(unit: r.unit, ts: r.ts.milliseconds, kind: r.kind, key: r.key, in: db, into: &invalidated)
    }

    /// Where a record added or removed at `ts` can change a unit's elements: from its own instant (a count closes the
    /// period before it, so from just before), from the start of the failure a state may end (the run of states
    /// with the previous state's reason), from the span a closing record may end (its key's records since the last
    /// closing one) and, for an order, from every count that names it and every start of it on any unit (planned
    /// run times and first operations). Everything after is taken as changed.
    static func influence(
        unit: String, ts: Int64, kind: KPIRecord.Kind, key: String, in db: Database, into invalidated: inout [String: Int64]
    ) throws {
        func note(_ u: String, _ t: Int64) { invalidated[u] = min(invalidated[u] ?? Int64.max, t) }
        var from = ts - 1
        switch kind {
        case .state:
            let previous = try db.cachedStatement(
                sql: "SELECT key, ts FROM kpi_record WHERE unit = ? AND kind = 1 AND ts < ? ORDER BY ts DESC LIMIT 1")
            if let row = try Row.fetchOne(previous, arguments: [unit, ts]) {
                let reason: String = row["key"]
                let at: Int64 = row["ts"]
                if !reason.isEmpty {
                    let other = try db.cachedStatement(
                        sql: "SELECT ts FROM kpi_record WHERE unit = ? AND kind = 1 AND ts < ? AND key != ? ORDER BY ts DESC LIMIT 1")
                    let before = try Int64.fetchOne(other, arguments: [unit, at, reason])
                    from = min(from, before ?? Int64.min / 2)
                } else {
                    from = min(from, at)
                }
            }
        case .order, .clock, .work, .maintenance:
            let k = kind.rawValue
            let closing = try db.cachedStatement(
                sql: "SELECT ts FROM kpi_record WHERE unit = ? AND kind = \(k) AND key = ? AND ts < ? AND flag = 1 ORDER BY ts DESC LIMIT 1")
            let first = try db.cachedStatement(sql: "SELECT MIN(ts) FROM kpi_record WHERE unit = ? AND kind = \(k) AND key = ?")
            let since = try Int64.fetchOne(closing, arguments: [unit, key, ts])
                ?? Int64.fetchOne(first, arguments: [unit, key])
            if let since { from = min(from, since - 1) }
            if kind == .order {
                let counts = try db.cachedStatement(
                    sql: "SELECT unit, MIN(ts) AS t FROM kpi_record WHERE kind = 2 AND key = ? AND key != '' GROUP BY unit")
                for row in try Row.fetchAll(counts, arguments: [key]) { note(row["unit"], (row["t"] as Int64) - 1) }
                let starts = try db.cachedStatement(
                    sql: "SELECT unit, MIN(ts) AS t FROM kpi_record WHERE kind = 3 AND key = ? AND operation IS NOT NULL GROUP BY unit")
                for row in try Row.fetchAll(starts, arguments: [key]) { note(row["unit"], (row["t"] as Int64) - 1) }
            }
        default:
            break
        }
        note(unit, from)
    }

    /// Drops the cached buckets that end after each unit's noted instant and bumps the unit's version, so that a
    /// bucket computed before the change is not stored after it.
    static func invalidate(_ invalidated: [String: Int64], in db: Database) throws {
        let drop = try db.cachedStatement(sql: "DELETE FROM kpi_bucket WHERE unit = ? AND end > ?")
        let bump = try db.cachedStatement(
            sql: """
                INSERT INTO kpi_unit_version (unit, version) VALUES (?, 1)
                ON CONFLICT (unit) DO UPDATE SET version = version + 1
                """)
        for (unit, from) in invalidated {
            try drop.execute(arguments: [unit, from])
            try bump.execute(arguments: [unit])
        }
    }

    static func version(_ db: Database, unit: String) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT version FROM kpi_unit_version WHERE unit = ?"), arguments: [unit]) ?? 0
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
        let version = try version(db, unit: unit)
        guard try Int.fetchOne(any, arguments: [unit]) != nil else {
            return UnitSliceBodies(bodies: [], hasRecords: false, version: version)
        }

        var namedOrders = Set<String>()
        var serials = Set<String>()
        var lastState: (ts: Int64, key: String)?
        var spanKeys: [KPIRecord.Kind: Set<String>] = [:]
        func noteState(_ ts: Int64, _ key: String) {
            if ts < to, lastState.map({ ts >= $0.ts }) ?? true { lastState = (ts, key) }
        }
        for kind in KPIRecord.Kind.allCases {
            let window = try db.cachedStatement(
                sql: "SELECT event_id, body, key, ts FROM kpi_record WHERE unit = ? AND kind = \(kind.rawValue) AND ts >= ? AND ts <= ?")
            let rows = try Row.fetchCursor(window, arguments: [unit, from, to])
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
                SELECT event_id, body, key, ts FROM kpi_record WHERE unit = ? AND kind = \(state) AND ts < ?
                  AND ts >= (SELECT ts FROM kpi_record WHERE unit = ? AND kind = \(state) AND ts < ? ORDER BY ts DESC LIMIT 1 OFFSET 1)
                """)
        var earlierRows = try Row.fetchAll(earlier, arguments: [unit, from, unit, from])
        if earlierRows.isEmpty {
            earlierRows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT event_id, body, key, ts FROM kpi_record WHERE unit = ? AND kind = \(state) AND ts < ?"),
                arguments: [unit, from])
        }
        for row in earlierRows {
            let id: String = row["event_id"]
            noteState(row["ts"], row["key"])
            if seen.insert(id).inserted { bodies.append(row["body"]) }
        }

        let later = try db.cachedStatement(
            sql: "SELECT event_id, body, key FROM kpi_record WHERE unit = ? AND kind = \(state) AND ts >= ? ORDER BY ts")
        let running = lastState.map(\.key).flatMap { failureReasons.contains($0) ? $0 : nil }
        let after = try Row.fetchCursor(later, arguments: [unit, to])
        while let row = try after.next() {
            let id: String = row["event_id"]
            let key: String = row["key"]
            if seen.insert(id).inserted { bodies.append(row["body"]) }
            if running == nil || key != running { break }
        }

        for kind in [KPIRecord.Kind.order, .clock, .work, .maintenance] {
            let opens = try db.cachedStatement(
                sql: """
                    SELECT key, MAX(CASE WHEN flag = 1 THEN ts END) AS since, MAX(CASE WHEN flag = 0 THEN ts END) AS opened
                    FROM kpi_record
                    WHERE unit = ? AND kind = \(kind.rawValue) AND ts < ? GROUP BY key
                    """)
            let since = try db.cachedStatement(
                sql: "SELECT event_id, body FROM kpi_record WHERE unit = ? AND kind = \(kind.rawValue) AND key = ? AND ts >= ? AND ts < ?")
            for row in try Row.fetchAll(opens, arguments: [unit, from]) {
                let key: String = row["key"]
                let closed: Int64? = row["since"]
                let opened: Int64? = row["opened"]
                guard let opened else { continue }
                if let closed, opened < closed { continue }
                try take(since, [unit, key, closed ?? Int64.min, from])
                spanKeys[kind, default: []].insert(key)
            }
        }

        // The event that ends a span still open at `to` names its source in the window's lineage.
        for (kind, keys) in spanKeys {
            let closer = try db.cachedStatement(
                sql: """
                    SELECT event_id, body FROM kpi_record WHERE unit = ? AND kind = \(kind.rawValue) AND key = ? AND ts > ?
                      AND (flag = 1 OR kind = 3)
                    ORDER BY ts LIMIT 1
                    """)
            for key in keys.sorted() { try take(closer, [unit, key, to]) }
        }

        let orderRecords = try db.cachedStatement(
            sql: "SELECT event_id, body FROM kpi_record WHERE unit = ? AND kind = \(KPIRecord.Kind.order.rawValue) AND key = ?")
        for order in namedOrders.sorted() { try take(orderRecords, [unit, order]) }

        let firstFail = try db.cachedStatement(
            sql: """
                SELECT event_id, body FROM kpi_record
                WHERE unit = ? AND kind = \(KPIRecord.Kind.inspection.rawValue) AND key = ? AND flag = 1 AND ts < ?
                ORDER BY ts LIMIT 1
                """)
        for serial in serials.sorted() { try take(firstFail, [unit, serial, from]) }
        return UnitSliceBodies(bodies: bodies, hasRecords: true, version: version)
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
                try db.execute(sql: "DELETE FROM kpi_record; DELETE FROM kpi_correction; DELETE FROM kpi_bucket")
                try db.execute(sql: "UPDATE kpi_unit_version SET version = version + 1")
                try db.execute(sql: KPIProjectionSchema.activityRebuild)
            }
            var invalidated: [String: Int64] = [:]
            for change in changes { try KPIProjectionSchema.apply(change, in: db, invalidated: &invalidated) }
            try KPIProjectionSchema.invalidate(invalidated, in: db)
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

    public func buckets(unit: String, model: String, from: Timestamp, to: Timestamp) async throws
        -> (version: Int64, buckets: [KPIBucket])
    {
        try await pool.read { db in
            let stmt = try db.cachedStatement(
                sql: "SELECT start, end, body FROM kpi_bucket WHERE unit = ? AND model = ? AND start >= ? AND end <= ?")
            let rows = try Row.fetchAll(stmt, arguments: [unit, model, from.milliseconds, to.milliseconds])
            return (
                try KPIProjectionSchema.version(db, unit: unit),
                rows.map { KPIBucket(start: Timestamp(milliseconds: $0["start"]), end: Timestamp(milliseconds: $0["end"]), body: $0["body"]) }
            )
        }
    }

    public func storeBuckets(unit: String, model: String, version: Int64, _ buckets: [KPIBucket]) async throws -> Bool {
        guard !buckets.isEmpty else { return true }
        return try await pool.write { db in
            guard try KPIProjectionSchema.version(db, unit: unit) == version else { return false }
            let insert = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO kpi_bucket (unit, model, start, end, body) VALUES (?, ?, ?, ?, ?)")
            for b in buckets {
                try insert.execute(arguments: [unit, model, b.start.milliseconds, b.end.milliseconds, b.body])
            }
            return true
        }
    }

    public func unitVersion(unit: String) async throws -> Int64 {
        try await pool.read { db in try KPIProjectionSchema.version(db, unit: unit) }
    }

    public func unitVersions() async throws -> [String: Int64] {
        try await pool.read { db in
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT unit, version FROM kpi_unit_version")) {
                out[row["unit"]] = row["version"]
            }
            return out
        }
    }

    public func activity() async throws -> [UnitSourceActivity] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT unit, source, events, earliest, latest FROM ledger_activity ORDER BY unit, source")
                .map(Self.activity)
        }
    }

    public func activity(units: Set<String>) async throws -> [UnitSourceActivity] {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT unit, source, events, earliest, latest FROM ledger_activity WHERE unit = ? ORDER BY source")
            return try units.sorted().flatMap { unit in
                try Row.fetchAll(statement, arguments: [unit]).map(Self.activity)
            }
        }
    }

    static func activity(_ r: Row) -> UnitSourceActivity {
        UnitSourceActivity(
            unit: r["unit"], source: r["source"], events: r["events"], earliest: Timestamp(milliseconds: r["earliest"]),
            latest: Timestamp(milliseconds: r["latest"]))
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

extension SQLiteLedgerStore {
    /// Number of cached buckets (of more than `longerThanDays` days).
    public func bucketCount(longerThanDays: Int = 0) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM kpi_bucket WHERE end - start > ?", arguments: [longerThanDays * 86_400_000]) ?? 0
        }
    }
}
