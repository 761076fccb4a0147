import PostgresNIO
import SparCore
import SparStorage

extension PostgresLedgerStore {
    public func projectionHead() async throws -> Int64 {
        let logger = logger
        return try await read { c in try await PostgresProjection(connection: c, logger: logger).head() }
    }

    public func ledgerSize() async throws -> Int64 {
        let logger = logger
        return try await read { c in
            try await PostgresProjection(connection: c, logger: logger).optionalInt("SELECT MAX(seq) FROM ledger") ?? 0
        }
    }

    public func applyProjection(_ changes: [KPIRecordChange], upTo seq: Int64, replacing: Bool) async throws {
        let logger = logger
        try await write { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(Self.chainLock))", logger: logger)
            let p = PostgresProjection(connection: c, logger: logger)
            if replacing {
                try await p.run("DELETE FROM kpi_record")
                try await p.run("DELETE FROM kpi_correction")
                try await p.run("DELETE FROM kpi_bucket")
                try await p.run("UPDATE kpi_unit_version SET version = version + 1")
                try await p.rebuildActivity()
            }
            var invalidated: [String: Int64] = [:]
            try await p.apply(changes, invalidated: &invalidated)
            try await p.invalidate(invalidated)
            try await p.setHead(seq)
        }
    }

    public func allKPIRecords() async throws -> [KPIRecord] {
        let logger = logger
        return try await read { c in
            var out: [KPIRecord] = []
            for try await (id, unit, ts, kind, key, flag, operation, body) in try await c.query(
                "SELECT event_id, unit, ts, kind, key, flag, operation, body FROM kpi_record ORDER BY event_id",
                logger: logger
            ).decode((String, String, Int64, Int64, String, Int64, Int64?, String).self) {
                out.append(
                    KPIRecord(
                        eventID: id, unit: unit, ts: Timestamp(milliseconds: ts),
                        kind: KPIRecord.Kind(rawValue: Int(kind)) ?? .state, key: key, flag: flag != 0,
                        operation: operation.map { Int($0) }, body: body))
            }
            return out
        }
    }

    public func unitSlice(unit: String, from: Timestamp, to: Timestamp, failureReasons: Set<String>) async throws
        -> UnitSliceBodies
    {
        let logger = logger
        return try await read { c in
            try await PostgresProjection(connection: c, logger: logger).slice(
                unit: unit, from: from.milliseconds, to: to.milliseconds, failureReasons: failureReasons)
        }
    }

    public func firstOperations(orders: Set<String>) async throws -> [String: Int] {
        guard !orders.isEmpty else { return [:] }
        let logger = logger
        let list = Array(orders)
        return try await read { c in
            var out: [String: Int] = [:]
            for try await (order, op) in try await c.query(
                """
                SELECT key, MIN(operation) FROM kpi_record
                WHERE kind = 3 AND operation IS NOT NULL AND key = ANY(\(list)) GROUP BY key
                """, logger: logger
            ).decode((String, Int64).self) {
                out[order] = Int(op)
            }
            return out
        }
    }

    public func buckets(unit: String, model: String, from: Timestamp, to: Timestamp) async throws
        -> (version: Int64, buckets: [KPIBucket])
    {
        let logger = logger
        let found: VersionedBuckets = try await read { c in
            let p = PostgresProjection(connection: c, logger: logger)
            var out: [KPIBucket] = []
            for try await (start, end, body) in try await p.run(
                """
                SELECT start, "end", body FROM kpi_bucket
                WHERE unit = \(unit) AND model = \(model) AND start >= \(from.milliseconds) AND "end" <= \(to.milliseconds)
                """
            ).decode((Int64, Int64, String).self) {
                out.append(KPIBucket(start: Timestamp(milliseconds: start), end: Timestamp(milliseconds: end), body: body))
            }
            return VersionedBuckets(version: try await p.version(unit: unit), buckets: out)
        }
        return (found.version, found.buckets)
    }

    struct VersionedBuckets: Sendable {
        var version: Int64
        var buckets: [KPIBucket]
    }

    public func storeBuckets(unit: String, model: String, version: Int64, _ buckets: [KPIBucket]) async throws -> Bool {
        guard !buckets.isEmpty else { return true }
        let logger = logger
        return try await write { c in
            let p = PostgresProjection(connection: c, logger: logger)
            // The unit's version row (created if missing) is locked, so an append bumping it waits for this
            // transaction or runs first.
            try await p.run("INSERT INTO kpi_unit_version (unit, version) VALUES (\(unit), 0) ON CONFLICT (unit) DO NOTHING")
            let current =
                try await p.optionalInt("SELECT version FROM kpi_unit_version WHERE unit = \(unit) FOR SHARE") ?? 0
            guard current == version else { return false }
            // One row per start, the last given winning (as INSERT OR REPLACE does).
            var byStart: [Int64: KPIBucket] = [:]
            for b in buckets { byStart[b.start.milliseconds] = b }
            let buckets = byStart.keys.sorted().map { byStart[$0]! }
            try await p.run(
                """
                INSERT INTO kpi_bucket (unit, model, start, "end", body)
                SELECT \(unit), \(model), s, e, b
                FROM unnest(\(buckets.map(\.start.milliseconds))::bigint[], \(buckets.map(\.end.milliseconds))::bigint[],
                            \(buckets.map(\.body))::text[]) AS r(s, e, b)
                ON CONFLICT (unit, model, start) DO UPDATE SET "end" = excluded."end", body = excluded.body
                """)
            return true
        }
    }

    public func recordCounts() async throws -> [String: Int] {
        let logger = logger
        return try await read { c in
            var out: [String: Int] = [:]
            for try await (unit, n) in try await c.query(
                "SELECT unit, COUNT(*) FROM kpi_record GROUP BY unit", logger: logger
            ).decode((String, Int64).self) {
                out[unit] = Int(n)
            }
            return out
        }
    }

    public func unitVersion(unit: String) async throws -> Int64 {
        let logger = logger
        return try await read { c in try await PostgresProjection(connection: c, logger: logger).version(unit: unit) }
    }

    public func unitVersions() async throws -> [String: Int64] {
        let logger = logger
        return try await read { c in
            var out: [String: Int64] = [:]
            for try await (unit, v) in try await c.query("SELECT unit, version FROM kpi_unit_version", logger: logger)
                .decode((String, Int64).self)
            {
                out[unit] = v
            }
            return out
        }
    }

    public func activity() async throws -> [UnitSourceActivity] {
        try await activity(where: nil)
    }

    public func activity(units: Set<String>) async throws -> [UnitSourceActivity] {
        try await activity(where: Array(units))
    }

    func activity(where units: [String]?) async throws -> [UnitSourceActivity] {
        let logger = logger
        return try await read { c in
            let q: PostgresQuery =
                units.map {
                    "SELECT unit, source, events, earliest, latest FROM ledger_activity WHERE unit = ANY(\($0)) ORDER BY unit, source"
                } ?? "SELECT unit, source, events, earliest, latest FROM ledger_activity ORDER BY unit, source"
            var out: [UnitSourceActivity] = []
            for try await (unit, source, events, earliest, latest) in try await c.query(q, logger: logger)
                .decode((String, String, Int64, Int64, Int64).self)
            {
                out.append(
                    UnitSourceActivity(
                        unit: unit, source: source, events: Int(events), earliest: Timestamp(milliseconds: earliest),
                        latest: Timestamp(milliseconds: latest)))
            }
            return out
        }
    }

    /// Number of cached buckets (of more than `longerThanDays` days).
    public func bucketCount(longerThanDays: Int = 0) async throws -> Int {
        let logger = logger
        return try await read { c in
            Int(
                try await PostgresProjection(connection: c, logger: logger).optionalInt(
                    "SELECT COUNT(*) FROM kpi_bucket WHERE \"end\" - start > \(Int64(longerThanDays) * 86_400_000)") ?? 0)
        }
    }
}

extension PostgresLedgerStore: LedgerEventReader {
    public func events(_ filter: LedgerEventFilter, after: LedgerEventPosition?, limit: Int) async throws -> [LedgerEntry] {
        guard !filter.units.isEmpty, limit > 0 else { return [] }
        if let types = filter.types, types.isEmpty { return [] }
        if let sources = filter.sources, sources.isEmpty { return [] }
        var sql = "SELECT \(Self.entryColumns) FROM ledger WHERE kind = 'event' AND unit = ANY($1) AND ts >= $2 AND ts < $3"
        var binds = PostgresBindings()
        binds.append(Array(filter.units))
        binds.append(filter.from.milliseconds)
        binds.append(filter.to.milliseconds)
        if let types = filter.types {
            binds.append(Array(types))
            sql += " AND type = ANY($\(binds.count))"
        }
        if let sources = filter.sources {
            binds.append(Array(sources))
            sql += " AND source = ANY($\(binds.count))"
        }
        if let after {
            binds.append(after.ts.milliseconds)
            let t = binds.count
            binds.append(after.seq)
            sql += " AND (ts > $\(t) OR (ts = $\(t) AND seq > $\(binds.count)))"
        }
        binds.append(Int64(limit))
        sql += " ORDER BY ts, seq LIMIT $\(binds.count)"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        let logger = logger
        return try await read { c in try await Self.entries(query, on: c, logger: logger) }
    }

    public func events(unit: String, types: [String], before time: Timestamp, limit: Int) async throws -> [LedgerEntry] {
        guard !types.isEmpty, limit > 0 else { return [] }
        let logger = logger
        return try await read { c in
            var out: [LedgerEntry] = []
            for type in Set(types) {
                out += try await Self.entries(
                    """
                    SELECT \(unescaped: Self.entryColumns) FROM ledger
                    WHERE unit = \(unit) AND ts < \(time.milliseconds) AND type = \(type) AND kind = 'event'
                    ORDER BY ts DESC, seq DESC LIMIT \(Int64(limit))
                    """, on: c, logger: logger)
            }
            return Array(out.sorted { LedgerEventPosition($0) > LedgerEventPosition($1) }.prefix(limit))
        }
    }

    public func corrections(of ids: [String]) async throws -> [LedgerEntry] {
        guard !ids.isEmpty else { return [] }
        let logger = logger
        return try await read { c in
            var out: [LedgerEntry] = []
            for try await row in try await c.query(
                """
                SELECT \(unescaped: Self.entryColumns), (body::jsonb) ->> 'corrects' FROM ledger
                WHERE type = 'correction' AND kind = 'event' AND ((body::jsonb) ->> 'corrects') = ANY(\(ids))
                ORDER BY seq
                """, logger: logger
            ) {
                var e = try Self.entry(row)
                e.entry.corrects = try row.decode((Int64, String, String, Int64, String, String, String, String, Int64, String, ByteBuffer, String?).self).11
                out.append(e)
            }
            return out
        }
    }
}
