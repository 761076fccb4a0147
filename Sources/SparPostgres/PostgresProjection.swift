import Logging
import PostgresNIO
import SparCore
import SparStorage

/// The persisted KPI projection on one connection inside a transaction: the same rules as the SQLite store's
/// (one `kpi_record` per effective event, the correction in force per corrected event, cached buckets dropped from
/// where a record can change them, per-unit versions, the head the projection reflects).
struct PostgresProjection {
    let connection: PostgresConnection
    let logger: Logger

    /// A work unit and source system, as `ledger_activity` keys them.
    struct ActivityKey: Hashable {
        var unit: String
        var source: String
    }

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    @discardableResult
    func run(_ q: PostgresQuery) async throws -> PostgresRowSequence { try await connection.query(q, logger: logger) }

    func optionalInt(_ q: PostgresQuery) async throws -> Int64? {
        for try await v in try await run(q).decode(Int64?.self) { return v }
        return nil
    }

    func head() async throws -> Int64 {
        try await optionalInt("SELECT head FROM kpi_projection WHERE one = 1") ?? 0
    }

    func setHead(_ seq: Int64) async throws {
        try await run("UPDATE kpi_projection SET head = \(seq) WHERE one = 1")
    }

    func note(_ activity: [ActivityKey: (events: Int, earliest: Int64, latest: Int64)]) async throws {
        guard !activity.isEmpty else { return }
        let keys = Array(activity.keys)
        let units = keys.map(\.unit)
        let sources = keys.map(\.source)
        let events = keys.map { Int64(activity[$0]!.events) }
        let earliest = keys.map { activity[$0]!.earliest }
        let latest = keys.map { activity[$0]!.latest }
        try await run(
            """
            INSERT INTO ledger_activity (unit, source, events, earliest, latest)
            SELECT * FROM unnest(\(units)::text[], \(sources)::text[], \(events)::bigint[], \(earliest)::bigint[], \(latest)::bigint[])
            ON CONFLICT (unit, source) DO UPDATE SET events = ledger_activity.events + excluded.events,
                earliest = LEAST(ledger_activity.earliest, excluded.earliest),
                latest = GREATEST(ledger_activity.latest, excluded.latest)
            """)
    }

    func rebuildActivity() async throws {
        try await run("DELETE FROM ledger_activity")
        try await run(
            """
            INSERT INTO ledger_activity (unit, source, events, earliest, latest)
                SELECT unit, source, count(*), min(ts), max(ts) FROM ledger WHERE kind = 'event' GROUP BY unit, source
            """)
    }

    /// Applies changes in order: each run of added records is inserted by one statement and its influence found by
    /// a few set queries (the rule below gives the same instants whether a run's records are taken one by one or
    /// together: per unit only the earliest state, and per span key the earliest record, can reach furthest back);
    /// corrections are applied one at a time.
    func apply(_ changes: [KPIRecordChange], invalidated: inout [String: Int64]) async throws {
        var run: [KPIRecord] = []
        var ids = Set<String>()
        for change in changes {
            switch change {
            case .add(let r) where run.count < Self.runLimit && ids.insert(r.eventID).inserted:
                run.append(r)
            default:
                try await add(run, into: &invalidated)
                run.removeAll(keepingCapacity: true)
                ids.removeAll(keepingCapacity: true)
                if case .add(let r) = change {
                    run.append(r)
                    ids.insert(r.eventID)
                } else {
                    try await apply(change, invalidated: &invalidated)
                }
            }
        }
        try await add(run, into: &invalidated)
    }

    /// Records inserted by one statement at most.
    static let runLimit = 10_000
    private static let noOperation = Int64.min

    /// Inserts records with distinct event ids and notes where they can change their units' elements.
    func add(_ records: [KPIRecord], into invalidated: inout [String: Int64]) async throws {
        guard !records.isEmpty else { return }
        if records.count == 1 {
            try await insert(records[0])
            try await influence(of: records[0], into: &invalidated)
            return
        }
        try await run(
            """
            INSERT INTO kpi_record (event_id, unit, ts, kind, key, flag, operation, body)
            SELECT i, u, t, k, ke, f, NULLIF(o, \(Self.noOperation)), b
            FROM unnest(\(records.map(\.eventID))::text[], \(records.map(\.unit))::text[],
                        \(records.map(\.ts.milliseconds))::bigint[], \(records.map { Int64($0.kind.rawValue) })::bigint[],
                        \(records.map(\.key))::text[], \(records.map { Int64($0.flag ? 1 : 0) })::bigint[],
                        \(records.map { $0.operation.map(Int64.init) ?? Self.noOperation })::bigint[],
                        \(records.map(\.body))::text[]) AS r(i, u, t, k, ke, f, o, b)
            ON CONFLICT (event_id) DO UPDATE SET unit = excluded.unit, ts = excluded.ts, kind = excluded.kind,
                key = excluded.key, flag = excluded.flag, operation = excluded.operation, body = excluded.body
            """)

        func note(_ u: String, _ t: Int64) { invalidated[u] = min(invalidated[u] ?? Int64.max, t) }
        struct SpanKey: Hashable {
            var unit: String
            var kind: Int64
            var key: String
        }
        var earliestState: [String: Int64] = [:]
        var earliestSpan: [SpanKey: Int64] = [:]
        var orders = Set<String>()
        for r in records {
            let t = r.ts.milliseconds
            note(r.unit, t - 1)
            switch r.kind {
            case .state:
                earliestState[r.unit] = min(earliestState[r.unit] ?? Int64.max, t)
            case .order, .clock, .work, .maintenance:
                let k = SpanKey(unit: r.unit, kind: Int64(r.kind.rawValue), key: r.key)
                earliestSpan[k] = min(earliestSpan[k] ?? Int64.max, t)
                if r.kind == .order { orders.insert(r.key) }
            default:
                break
            }
        }
        if !earliestState.isEmpty {
            let units = Array(earliestState.keys)
            for try await (unit, ts, reason, at, before) in try await run(
                """
                SELECT i.unit, i.ts, p.key, p.ts,
                       (SELECT b.ts FROM kpi_record b WHERE b.unit = i.unit AND b.kind = 1 AND b.ts < p.ts AND b.key <> p.key
                        ORDER BY b.ts DESC LIMIT 1)
                FROM unnest(\(units)::text[], \(units.map { earliestState[$0]! })::bigint[]) AS i(unit, ts)
                LEFT JOIN LATERAL (SELECT key, ts FROM kpi_record r WHERE r.unit = i.unit AND r.kind = 1 AND r.ts < i.ts
                                   ORDER BY r.ts DESC LIMIT 1) p ON true
                """
            ).decode((String, Int64, String?, Int64?, Int64?).self) {
                guard let reason, let at else { continue }
                note(unit, min(ts - 1, reason.isEmpty ? at : before ?? Int64.min / 2))
            }
        }
        if !earliestSpan.isEmpty {
            let keys = Array(earliestSpan.keys)
            for try await (unit, ts, closed, first) in try await run(
                """
                SELECT i.unit, i.ts,
                       (SELECT r.ts FROM kpi_record r WHERE r.unit = i.unit AND r.kind = i.kind AND r.key = i.key
                          AND r.ts < i.ts AND r.flag = 1 ORDER BY r.ts DESC LIMIT 1),
                       (SELECT MIN(r.ts) FROM kpi_record r WHERE r.unit = i.unit AND r.kind = i.kind AND r.key = i.key)
                FROM unnest(\(keys.map(\.unit))::text[], \(keys.map(\.kind))::bigint[], \(keys.map(\.key))::text[],
                            \(keys.map { earliestSpan[$0]! })::bigint[]) AS i(unit, kind, key, ts)
                """
            ).decode((String, Int64, Int64?, Int64?).self) {
                if let since = closed ?? first { note(unit, min(ts - 1, since - 1)) }
            }
        }
        if !orders.isEmpty {
            let keys = Array(orders)
            for try await (u, t) in try await run(
                """
                SELECT unit, MIN(ts) FROM (
                    SELECT unit, ts FROM kpi_record WHERE kind = 2 AND key <> '' AND key = ANY(\(keys))
                    UNION ALL
                    SELECT unit, ts FROM kpi_record WHERE kind = 3 AND operation IS NOT NULL AND key = ANY(\(keys))
                ) AS o GROUP BY unit
                """
            ).decode((String, Int64).self) {
                note(u, t - 1)
            }
        }
    }

    /// Applies one change; an older correction than the one in force changes nothing.
    func apply(_ change: KPIRecordChange, invalidated: inout [String: Int64]) async throws {
        switch change {
        case .add(let r):
            try await insert(r)
            try await influence(of: r, into: &invalidated)
        case .correct(let target, let ts, let id, let replacement):
            for try await (t, i) in try await run("SELECT ts, id FROM kpi_correction WHERE target = \(target)")
                .decode((Int64, String).self)
            {
                if (t, i) > (ts.milliseconds, id) { return }
            }
            try await run(
                """
                INSERT INTO kpi_correction (target, ts, id) VALUES (\(target), \(ts.milliseconds), \(id))
                ON CONFLICT (target) DO UPDATE SET ts = excluded.ts, id = excluded.id
                """)
            var old: (String, Int64, Int64, String)?
            for try await row in try await run(
                "DELETE FROM kpi_record WHERE event_id = \(target) RETURNING unit, ts, kind, key"
            ).decode((String, Int64, Int64, String).self) {
                old = row
            }
            if let (unit, t, kind, key) = old {
                try await influence(
                    unit: unit, ts: t, kind: KPIRecord.Kind(rawValue: Int(kind)) ?? .state, key: key, into: &invalidated)
            }
            if let replacement {
                try await insert(replacement)
                try await influence(of: replacement, into: &invalidated)
            }
        }
    }

    func insert(_ r: KPIRecord) async throws {
        let operation = r.operation.map(Int64.init)
        try await run(
            """
            INSERT INTO kpi_record (event_id, unit, ts, kind, key, flag, operation, body)
            VALUES (\(r.eventID), \(r.unit), \(r.ts.milliseconds), \(Int64(r.kind.rawValue)), \(r.key), \(Int64(r.flag ? 1 : 0)),
                    \(operation), \(r.body))
            ON CONFLICT (event_id) DO UPDATE SET unit = excluded.unit, ts = excluded.ts, kind = excluded.kind,
                key = excluded.key, flag = excluded.flag, operation = excluded.operation, body = excluded.body
            """)
    }

    func influence(of r: KPIRecord, into invalidated: inout [String: Int64]) async throws {
        try await influence(unit: r.unit, ts: r.ts.milliseconds, kind: r.kind, key: r.key, into: &invalidated)
    }

    /// Where a record added or removed at `ts` can change a unit's elements (the SQLite store's rule, word for word).
    func influence(unit: String, ts: Int64, kind: KPIRecord.Kind, key: String, into invalidated: inout [String: Int64])
        async throws
    {
        func note(_ u: String, _ t: Int64) { invalidated[u] = min(invalidated[u] ?? Int64.max, t) }
        var from = ts - 1
        switch kind {
        case .state:
            var previous: (String, Int64)?
            for try await row in try await run(
                "SELECT key, ts FROM kpi_record WHERE unit = \(unit) AND kind = 1 AND ts < \(ts) ORDER BY ts DESC LIMIT 1"
            ).decode((String, Int64).self) {
                previous = row
            }
            if let (reason, at) = previous {
                if !reason.isEmpty {
                    let before = try await optionalInt(
                        """
                        SELECT ts FROM kpi_record WHERE unit = \(unit) AND kind = 1 AND ts < \(at) AND key <> \(reason)
                        ORDER BY ts DESC LIMIT 1
                        """)
                    from = min(from, before ?? Int64.min / 2)
                } else {
                    from = min(from, at)
                }
            }
        case .order, .clock, .work, .maintenance:
            let k = Int64(kind.rawValue)
            var since = try await optionalInt(
                """
                SELECT ts FROM kpi_record WHERE unit = \(unit) AND kind = \(k) AND key = \(key) AND ts < \(ts) AND flag = 1
                ORDER BY ts DESC LIMIT 1
                """)
            if since == nil {
                since = try await optionalInt("SELECT MIN(ts) FROM kpi_record WHERE unit = \(unit) AND kind = \(k) AND key = \(key)")
            }
            if let since { from = min(from, since - 1) }
            if kind == .order {
                for try await (u, t) in try await run(
                    "SELECT unit, MIN(ts) FROM kpi_record WHERE kind = 2 AND key = \(key) AND key <> '' GROUP BY unit"
                ).decode((String, Int64).self) {
                    note(u, t - 1)
                }
                for try await (u, t) in try await run(
                    "SELECT unit, MIN(ts) FROM kpi_record WHERE kind = 3 AND key = \(key) AND operation IS NOT NULL GROUP BY unit"
                ).decode((String, Int64).self) {
                    note(u, t - 1)
                }
            }
        default:
            break
        }
        note(unit, from)
    }

    /// Bumps each unit's version, then drops its cached buckets that end after the unit's noted instant.
    ///
    /// Versions first: ``PostgresLedgerStore/storeBuckets(unit:model:version:_:)`` locks the version row and then
    /// writes buckets, so taking the locks in the same order means the two never deadlock.
    func invalidate(_ invalidated: [String: Int64]) async throws {
        guard !invalidated.isEmpty else { return }
        let units = invalidated.keys.sorted()
        let froms = units.map { invalidated[$0]! }
        try await run(
            """
            INSERT INTO kpi_unit_version (unit, version) SELECT u, 1 FROM unnest(\(units)::text[]) AS i(u)
            ON CONFLICT (unit) DO UPDATE SET version = kpi_unit_version.version + 1
            """)
        try await run(
            """
            DELETE FROM kpi_bucket b USING unnest(\(units)::text[], \(froms)::bigint[]) AS i(unit, since)
            WHERE b.unit = i.unit AND b."end" > i.since
            """)
    }

    func version(unit: String) async throws -> Int64 {
        try await optionalInt("SELECT version FROM kpi_unit_version WHERE unit = \(unit)") ?? 0
    }

    /// The records of one unit that a query over `[from, to)` needs (the SQLite store's `slice`, rule for rule), in
    /// a fixed handful of statements however many orders, workers and serials the window holds.
    func slice(unit: String, from: Int64, to: Int64, failureReasons: Set<String>) async throws -> UnitSliceBodies {
        var seen = Set<String>()
        var bodies: [String] = []
        func keep(_ id: String, _ body: String) {
            if seen.insert(id).inserted { bodies.append(body) }
        }
        var version: Int64 = 0
        var has = false
        for try await (v, e) in try await run(
            """
            SELECT (SELECT version FROM kpi_unit_version WHERE unit = \(unit)),
                   EXISTS (SELECT 1 FROM kpi_record WHERE unit = \(unit))
            """
        ).decode((Int64?, Bool).self) {
            version = v ?? 0
            has = e
        }
        guard has else { return UnitSliceBodies(bodies: [], hasRecords: false, version: version) }

        let spanKinds: [KPIRecord.Kind] = [.order, .clock, .work, .maintenance]
        struct SpanKey: Hashable {
            var kind: Int64
            var key: String
        }
        var namedOrders = Set<String>()
        var serials = Set<String>()
        var lastState: (ts: Int64, key: String)?
        var spanKeys = Set<SpanKey>()
        func noteState(_ ts: Int64, _ key: String) {
            if ts < to, lastState.map({ ts >= $0.ts }) ?? true { lastState = (ts, key) }
        }
        for try await (id, body, key, ts, k) in try await run(
            """
            SELECT event_id, body, key, ts, kind FROM kpi_record WHERE unit = \(unit) AND ts >= \(from) AND ts <= \(to)
            ORDER BY kind, ts
            """
        ).decode((String, String, String, Int64, Int64).self) {
            switch KPIRecord.Kind(rawValue: Int(k)) {
            case .count where !key.isEmpty: namedOrders.insert(key)
            case .inspection where ts < to: serials.insert(key)
            case .state: noteState(ts, key)
            case let kind? where spanKinds.contains(kind): spanKeys.insert(SpanKey(kind: k, key: key))
            default: break
            }
            keep(id, body)
        }

        // The last two states before the window (all of them when there are fewer).
        let state: Int64 = 1
        for try await (id, body, key, ts) in try await run(
            """
            SELECT event_id, body, key, ts FROM kpi_record WHERE unit = \(unit) AND kind = \(state) AND ts < \(from)
              AND ts >= COALESCE((SELECT ts FROM kpi_record WHERE unit = \(unit) AND kind = \(state) AND ts < \(from)
                                  ORDER BY ts DESC LIMIT 1 OFFSET 1), \(Int64.min))
            """
        ).decode((String, String, String, Int64).self) {
            noteState(ts, key)
            keep(id, body)
        }

        let running = lastState.map(\.key).flatMap { failureReasons.contains($0) ? $0 : nil }
        // States from `to` on, until one ends a failure running at `to`, and one more; read in pages so a long
        // history after the window is not read whole.
        var after = to
        var afterID = ""
        pages: while true {
            var n = 0
            for try await (id, body, key, ts) in try await run(
                """
                SELECT event_id, body, key, ts FROM kpi_record
                WHERE unit = \(unit) AND kind = \(state) AND (ts > \(after) OR (ts = \(after) AND event_id > \(afterID)))
                ORDER BY ts, event_id LIMIT 64
                """
            ).decode((String, String, String, Int64).self) {
                n += 1
                after = ts
                afterID = id
                keep(id, body)
                if running == nil || key != running { break pages }
            }
            if n < 64 { break }
        }

        // Spans (orders, clock, labor, maintenance) opened before the window and not closed by then: their records
        // since the last close.
        var open: [(kind: Int64, key: String, since: Int64)] = []
        for try await (k, key, closed, opened) in try await run(
            """
            SELECT kind, key, MAX(CASE WHEN flag = 1 THEN ts END), MAX(CASE WHEN flag = 0 THEN ts END)
            FROM kpi_record WHERE unit = \(unit) AND kind = ANY(\(spanKinds.map { Int64($0.rawValue) })) AND ts < \(from)
            GROUP BY kind, key
            """
        ).decode((Int64, String, Int64?, Int64?).self) {
            guard let opened else { continue }
            if let closed, opened < closed { continue }
            open.append((k, key, closed ?? Int64.min))
            spanKeys.insert(SpanKey(kind: k, key: key))
        }
        if !open.isEmpty {
            for try await (id, body) in try await run(
                """
                SELECT r.event_id, r.body
                FROM unnest(\(open.map(\.kind))::bigint[], \(open.map(\.key))::text[], \(open.map(\.since))::bigint[])
                     AS i(kind, key, since)
                JOIN kpi_record r ON r.unit = \(unit) AND r.kind = i.kind AND r.key = i.key AND r.ts >= i.since
                                 AND r.ts < \(from)
                """
            ).decode((String, String).self) {
                keep(id, body)
            }
        }

        // What ends each span after the window, every record of each order counted in it, and each inspected
        // serial's first passing inspection before it: one statement.
        let spans = Array(spanKeys)
        let orders = namedOrders.sorted()
        let serialList = serials.sorted()
        guard !spans.isEmpty || !orders.isEmpty || !serialList.isEmpty else {
            return UnitSliceBodies(bodies: bodies, hasRecords: true, version: version)
        }
        for try await (id, body) in try await run(
            """
            SELECT x.event_id, x.body FROM unnest(\(spans.map(\.kind))::bigint[], \(spans.map(\.key))::text[]) AS i(kind, key)
            CROSS JOIN LATERAL (SELECT event_id, body FROM kpi_record
                                WHERE unit = \(unit) AND kind = i.kind AND key = i.key AND ts > \(to) AND (flag = 1 OR kind = 3)
                                ORDER BY ts LIMIT 1) AS x
            UNION ALL
            SELECT event_id, body FROM kpi_record WHERE unit = \(unit) AND kind = 3 AND key = ANY(\(orders))
            UNION ALL
            SELECT y.event_id, y.body FROM unnest(\(serialList)::text[]) AS s(serial)
            CROSS JOIN LATERAL (SELECT event_id, body FROM kpi_record
                                WHERE unit = \(unit) AND kind = 10 AND key = s.serial AND flag = 1 AND ts < \(from)
                                ORDER BY ts LIMIT 1) AS y
            """
        ).decode((String, String).self) {
            keep(id, body)
        }
        return UnitSliceBodies(bodies: bodies, hasRecords: true, version: version)
    }
}
