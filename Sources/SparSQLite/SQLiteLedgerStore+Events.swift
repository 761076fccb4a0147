import GRDB
import SparCore
import SparStorage

extension SQLiteLedgerStore: LedgerEventReader {
    /// Up to 64 units are read one by one in index order and merged, so that no query sorts a whole window of
    /// events to return one page; more units are read by one query that sorts.
    public func events(_ filter: LedgerEventFilter, after: LedgerEventPosition?, limit: Int) async throws -> [LedgerEntry] {
        guard !filter.units.isEmpty, limit > 0 else { return [] }
        if filter.units.count > 1 && filter.units.count <= 64 {
            var merged: [LedgerEntry] = []
            for unit in filter.units {
                var one = filter
                one.units = [unit]
                merged += try await events(one, after: after, limit: limit)
            }
            return Array(merged.sorted { LedgerEventPosition($0) < LedgerEventPosition($1) }.prefix(limit))
        }
        var sql = "SELECT * FROM ledger WHERE +kind = 'event' AND unit IN (\(Self.marks(filter.units.count))) AND ts >= ? AND ts < ?"
        var arguments: [(any DatabaseValueConvertible)?] = filter.units.map { $0 }
        arguments += [filter.from.milliseconds, filter.to.milliseconds]
        if let types = filter.types {
            guard !types.isEmpty else { return [] }
            sql += " AND type IN (\(Self.marks(types.count)))"
            arguments += types.map { $0 }
        }
        if let sources = filter.sources {
            guard !sources.isEmpty else { return [] }
            sql += " AND source IN (\(Self.marks(sources.count)))"
            arguments += sources.map { $0 }
        }
        if let after {
            sql += " AND (ts > ? OR (ts = ? AND seq > ?))"
            arguments += [after.ts.milliseconds, after.ts.milliseconds, after.seq]
        }
        sql += " ORDER BY ts, seq LIMIT ?"
        arguments.append(limit)
        let path = path
        let statementArguments = StatementArguments(arguments)
        let query = sql
        return try await pool.read { db in
            try Row.fetchAll(db, sql: query, arguments: statementArguments).map { try SQLiteLedgerStore.entry($0, ledger: path) }
        }
    }

    /// States through the unique state index; orders, labor and maintenance through `ledger_unit_activity`; any
    /// other type by reading the unit's events backwards from `time`.
    public func events(unit: String, types: [String], before time: Timestamp, limit: Int) async throws -> [LedgerEntry] {
        guard !types.isEmpty, limit > 0 else { return [] }
        let path = path
        return try await pool.read { db in
            var out: [LedgerEntry] = []
            for type in Set(types) {
                let sql: String
                switch type {
                case "state":
                    sql = """
                        SELECT * FROM ledger WHERE kind = 'event' AND type = 'state' AND unit = ? AND ts < ? AND type = ?
                        ORDER BY ts DESC, seq DESC LIMIT ?
                        """
                case "order", "labor", "maintenance":
                    sql = """
                        SELECT * FROM ledger WHERE unit = ? AND ts < ? AND type = ?
                          AND type IN ('order', 'labor', 'maintenance') AND +kind = 'event'
                        ORDER BY ts DESC, seq DESC LIMIT ?
                        """
                default:
                    sql = """
                        SELECT * FROM ledger WHERE unit = ? AND ts < ? AND type = ? AND +kind = 'event'
                        ORDER BY ts DESC, seq DESC LIMIT ?
                        """
                }
                out += try Row.fetchAll(db, sql: sql, arguments: [unit, time.milliseconds, type, limit])
                    .map { try SQLiteLedgerStore.entry($0, ledger: path) }
            }
            return Array(out.sorted { LedgerEventPosition($0) > LedgerEventPosition($1) }.prefix(limit))
        }
    }

    public func corrections(of ids: [String]) async throws -> [LedgerEntry] {
        guard !ids.isEmpty else { return [] }
        let path = path
        return try await pool.read { db in
            var out: [LedgerEntry] = []
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                let sql = """
                    SELECT *, json_extract(body, '$.corrects') AS target FROM ledger WHERE type = 'correction' AND +kind = 'event'
                      AND json_extract(body, '$.corrects') IN (\(Self.marks(chunk.count))) ORDER BY seq
                    """
                out += try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)).map {
                    var e = try SQLiteLedgerStore.entry($0, ledger: path)
                    e.entry.corrects = $0["target"]
                    return e
                }
            }
            return out.sorted { $0.seq < $1.seq }
        }
    }

    static func marks(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }

}
