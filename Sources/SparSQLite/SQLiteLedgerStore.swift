import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparStorage
import Synchronization

/// The ledger in one SQLite file (WAL, `synchronous = FULL`), through one GRDB `DatabasePool` per process.
///
/// The schema refuses UPDATE and DELETE on the ledger and its checkpoints by trigger; a batch is one
/// transaction, durable when `append` returns. Each row stores its chain hash, and each batch is sealed, in the
/// same transaction, by a checkpoint signed with the Ed25519 key in `signingKeyPath` (outside the database,
/// created with mode 0600 on the first append).
public final class SQLiteLedgerStore: LedgerStore {
    public let path: String
    /// The private key file that signs this ledger's checkpoints.
    public let signingKeyPath: String
    let pool: DatabasePool
    private let signer = Mutex<CheckpointSigningKey?>(nil)

    /// Opens (creating if needed) the ledger at `path` and migrates it. Checkpoints are signed with the key in
    /// `signingKeyPath`, by default `<path>.key` beside the ledger; it is read (or created) on the first append.
    public init(path: String, signingKeyPath: String? = nil) throws {
        self.path = path
        self.signingKeyPath = signingKeyPath ?? SQLiteLedgerStore.defaultKeyPath(ledger: path)
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
                // The writer touches the ledger's and the projection's indexes on every append: a 64 MiB page cache
                // keeps them in memory instead of reading their pages back from the file.
                try db.execute(sql: "PRAGMA cache_size = -65536")
                // A checkpoint every 32 MiB of WAL instead of SQLite's 4 MiB: a large batch otherwise checkpoints (and
                // syncs the database file) at every commit, writing the same index pages again each time.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
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

    /// The signing key file used when none is configured: `<ledger>.key`.
    public static func defaultKeyPath(ledger: String) -> String { ledger + ".key" }

    /// `PRAGMA synchronous` of the writer connection (2 = FULL).
    public func synchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// The public half of the checkpoint signing key (reading or creating the key file).
    public func checkpointPublicKey() throws -> CheckpointPublicKey { try signingKey().publicKey }

    /// The checkpoint signing key, read or created on first use.
    func signingKey() throws -> CheckpointSigningKey {
        try signer.withLock { cached in
            if let cached { return cached }
            do {
                let key = try CheckpointSigningKey.loadOrCreate(path: signingKeyPath)
                cached = key
                return key
            } catch {
                throw StorageError(
                    "cannot sign checkpoints of the ledger at \(path) (give the key with --key or SPAR_LEDGER_KEY)",
                    underlying: "\(error)")
            }
        }
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
        m.registerMigration("v2-chain") { db in
            try db.execute(sql: "ALTER TABLE ledger ADD COLUMN hash BLOB")
            // No INSERT trigger checks the hash: a trigger on INSERT makes SQLite keep a statement journal for
            // every row (14× the writes). The append path always writes it; spar verify checks every row.
            try LedgerSchema.backfillChain(db)
            try db.execute(
                sql: """
                    CREATE TABLE ledger_checkpoint (
                        tree_size INTEGER PRIMARY KEY,
                        root BLOB NOT NULL,
                        signed_at INTEGER NOT NULL,
                        previous_size INTEGER NOT NULL,
                        key_id TEXT NOT NULL,
                        signature BLOB NOT NULL,
                        frontier BLOB NOT NULL
                    )
                    """)
            for sql in LedgerSchema.checkpointTriggers { try db.execute(sql: sql) }
        }
        m.registerMigration("v3-credential") { db in
            try db.execute(
                sql: """
                    CREATE TABLE credential (
                        user TEXT NOT NULL,
                        phc TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (user, seq)
                    )
                    """)
            for sql in LedgerSchema.credentialTriggers { try db.execute(sql: sql) }
        }
        m.registerMigration("v4-kpi-projection") { db in
            try db.execute(sql: KPIProjectionSchema.migration)
        }
        m.registerMigration("v5-ledger-activity") { db in
            try db.execute(sql: KPIProjectionSchema.activityMigration)
        }
        // The lineage of a value finds the orders, labor and maintenance open at a window start without reading a
        // unit's whole history (`LedgerEventReader`).
        m.registerMigration("v6-unit-activity-index") { db in
            try db.execute(
                sql: """
                    CREATE INDEX ledger_unit_activity ON ledger(unit, type, ts)
                        WHERE type IN ('order', 'labor', 'maintenance')
                    """)
        }
        return m
    }()

    public func append(_ batch: [PendingEntry], recordedAt: Timestamp, recordedBy: String) async throws -> [AppendOutcome] {
        guard !batch.isEmpty else { return [] }
        let key = try signingKey()
        let path = path
        do {
            return try await pool.write { db in
                var tip = try ChainTip.load(db, ledger: path, key: key)
                let sizeBefore = tip.frontier.size
                // An event entry without its KPI change leaves the projection's head behind; the engine catches it up.
                var projectionCurrent = try KPIProjectionSchema.head(db) == sizeBefore
                var invalidated: [String: Int64] = [:]
                var activity: [ActivityKey: (events: Int, earliest: Int64, latest: Int64)] = [:]
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO ledger (seq, id, kind, ts, unit, type, source, body, recorded_at, recorded_by, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """)
                let byID = try db.cachedStatement(sql: "SELECT seq, body FROM ledger WHERE id = ?")
                let stateAt = try db.cachedStatement(
                    sql: "SELECT id FROM ledger WHERE unit = ? AND ts = ? AND kind = 'event' AND type = 'state'")
                let kindOf = try db.cachedStatement(sql: "SELECT kind, type FROM ledger WHERE id = ?")
                var out: [AppendOutcome] = []
                out.reserveCapacity(batch.count)
                for e in batch {
                    if let problem = e.kind.idProblem(e.id, source: e.source) {
                        if let row = try Row.fetchOne(byID, arguments: [e.id]), row["body"] as String == e.body {
                            out.append(.duplicate(seq: row["seq"]))
                        } else {
                            out.append(.rejected(reason: problem, field: "id"))
                        }
                        continue
                    }
                    if let target = e.corrects {
                        let row = try Row.fetchOne(kindOf, arguments: [target])
                        let stored = row.map { (LedgerEntryKind(rawValue: $0["kind"]) ?? .event, $0["type"] as String) }
                        if let problem = e.correctionProblem(target: stored) {
                            if let row = try Row.fetchOne(byID, arguments: [e.id]), row["body"] as String == e.body {
                                out.append(.duplicate(seq: row["seq"]))
                            } else {
                                out.append(.rejected(reason: problem.reason, field: problem.field))
                            }
                            continue
                        }
                    }
                    let seq = tip.frontier.size + 1
                    let hash = e.chainHash(previous: tip.hash, seq: seq, recordedAt: recordedAt, recordedBy: recordedBy)
                    try insert.execute(arguments: [
                        seq, e.id, e.kind.rawValue, e.ts.milliseconds, e.unit, e.type, e.source, e.body,
                        recordedAt.milliseconds, recordedBy, Data(hash.bytes),
                    ])
                    if db.changesCount == 1 {
                        if e.kind == .event {
                            let t = e.ts.milliseconds
                            let k = ActivityKey(unit: e.unit, source: e.source)
                            let a = activity[k] ?? (0, t, t)
                            activity[k] = (a.events + 1, min(a.earliest, t), max(a.latest, t))
                        }
                        if projectionCurrent {
                            if let change = e.kpi {
                                try KPIProjectionSchema.apply(change, in: db, invalidated: &invalidated)
                            } else if e.kind == .event {
                                projectionCurrent = false
                            }
                        }
                        tip.append(hash)
                        out.append(.accepted(seq: seq))
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
                if tip.frontier.size > sizeBefore {
                    try Self.seal(tip, with: key, at: recordedAt, in: db)
                    if projectionCurrent { try KPIProjectionSchema.setHead(db, tip.frontier.size) }
                    try KPIProjectionSchema.invalidate(invalidated, in: db)
                    try KPIProjectionSchema.note(activity, in: db)
                }
                return out
            }
        } catch let e as StorageError {
            throw e
        } catch {
            throw StorageError("could not append to the ledger at \(path)", underlying: "\(error)")
        }
    }

    /// Writes the checkpoint over the chain up to `tip`, signed with `key`.
    static func seal(_ tip: ChainTip, with key: CheckpointSigningKey, at recordedAt: Timestamp, in db: Database) throws {
        let signed = try key.sign(
            Checkpoint(
                treeSize: tip.frontier.size, root: tip.frontier.root, signedAt: recordedAt,
                previousSize: tip.checkpointSize))
        try db.execute(
            sql: """
                INSERT INTO ledger_checkpoint (tree_size, root, signed_at, previous_size, key_id, signature, frontier)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                signed.checkpoint.treeSize, Data(signed.checkpoint.root.bytes), signed.checkpoint.signedAt.milliseconds,
                signed.checkpoint.previousSize, signed.keyID, Data(signed.signature), Data(tip.frontier.bytes),
            ])
    }

    /// Hands the ledger's checkpoints over to `newKey`: appends a ``CheckpointKeyRotation`` signed by the current
    /// key and by `newKey`, sealed by the current key's last checkpoint, in one transaction; later appends sign with
    /// `newKey`. The caller keeps `newKey`'s file where this store's key is configured (``signingKeyPath``) before
    /// the next process opens the ledger. Returns the rotation entry.
    public func rotateCheckpointKey(to newKey: CheckpointSigningKey, reason: String, recordedAt: Timestamp, recordedBy: String)
        async throws -> LedgerEntry
    {
        let key = try signingKey()
        guard newKey.publicKey != key.publicKey else {
            throw StorageError("the new checkpoint key is the key in use (\(key.publicKey.keyID))")
        }
        let path = path
        let entry = try await pool.write { db -> LedgerEntry in
            var tip = try ChainTip.load(db, ledger: path, key: key)
            let rotation = try CheckpointKeyRotation(
                from: key, to: newKey, afterTreeSize: tip.frontier.size, reason: reason)
            let seq = tip.frontier.size + 1
            let pending = PendingEntry(
                id: "checkpointKey:\(newKey.publicKey.keyID)", kind: .checkpointKey, ts: recordedAt, unit: "ledger",
                type: CheckpointKeyRotation.entryType, source: "spar", body: rotation.body)
            let hash = pending.chainHash(previous: tip.hash, seq: seq, recordedAt: recordedAt, recordedBy: recordedBy)
            try db.execute(
                sql: """
                    INSERT INTO ledger (seq, id, kind, ts, unit, type, source, body, recorded_at, recorded_by, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    seq, pending.id, pending.kind.rawValue, pending.ts.milliseconds, pending.unit, pending.type,
                    pending.source, pending.body, recordedAt.milliseconds, recordedBy, Data(hash.bytes),
                ])
            tip.append(hash)
            try Self.seal(tip, with: key, at: recordedAt, in: db)
            return LedgerEntry(seq: seq, entry: pending, recordedAt: recordedAt, recordedBy: recordedBy, hash: hash)
        }
        signer.withLock { $0 = newKey }
        return entry
    }

    public func latestCheckpoint() async throws -> SignedCheckpoint? {
        let path = path
        return try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1")
                .map { try LedgerSchema.checkpoint($0, ledger: path).signed }
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
                          AND (unit = ? OR (unit >= ? AND unit < ?) OR type IN ('correction', 'order')) ORDER BY seq
                        """,
                    arguments: [p, p + "/", p + "0"])
            }
            return try String.fetchAll(db, sql: "SELECT body FROM ledger WHERE kind = 'event' ORDER BY seq")
        }
    }

    public func entries(kind: LedgerEntryKind) async throws -> [LedgerEntry] {
        let path = path
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE kind = ? ORDER BY seq", arguments: [kind.rawValue])
                .map { try SQLiteLedgerStore.entry($0, ledger: path) }
        }
    }

    public func entries(kind: LedgerEntryKind, afterSeq: Int64) async throws -> [LedgerEntry] {
        let path = path
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM ledger WHERE kind = ? AND seq > ? ORDER BY seq",
                arguments: [kind.rawValue, afterSeq]
            ).map { try SQLiteLedgerStore.entry($0, ledger: path) }
        }
    }

    public func entries(afterSeq: Int64, limit: Int) async throws -> [LedgerEntry] {
        let path = path
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [afterSeq, limit])
                .map { try SQLiteLedgerStore.entry($0, ledger: path) }
        }
    }

    public func count(kind: LedgerEntryKind) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE kind = ?", arguments: [kind.rawValue]) ?? 0
        }
    }

    public func entry(id: String) async throws -> LedgerEntry? {
        let path = path
        return try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledger WHERE id = ?", arguments: [id])
                .map { try SQLiteLedgerStore.entry($0, ledger: path) }
        }
    }

    /// An entry from a `SELECT * FROM ledger` row, read by column position (``LedgerSchema/ledgerColumns`` order,
    /// which the migrations keep): looking columns up by name costs more than the rest of the decoding.
    static func entry(_ row: Row, ledger: String) throws -> LedgerEntry {
        let seq: Int64 = row[0]
        guard let hash = Data.fromDatabaseValue(row[10]).flatMap(LedgerHash.init(bytes:)) else {
            throw StorageError("ledger \(ledger), seq \(seq), field 'hash': not a 32-byte hash; run spar verify")
        }
        return LedgerEntry(
            seq: seq,
            entry: PendingEntry(
                id: row[1], kind: LedgerEntryKind(rawValue: row[2]) ?? .event, ts: Timestamp(milliseconds: row[3]),
                unit: row[4], type: row[5], source: row[6], body: row[7]),
            recordedAt: Timestamp(milliseconds: row[8]), recordedBy: row[9], hash: hash)
    }
}

extension SQLiteLedgerStore: CredentialStore {
    public func storeCredential(user: String, phc: String, seq: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO credential (user, phc, seq) VALUES (?, ?, ?)", arguments: [user, phc, seq])
        }
    }

    public func credential(user: String) async throws -> (phc: String, seq: Int64)? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT phc, seq FROM credential WHERE user = ? ORDER BY seq DESC LIMIT 1", arguments: [user]
            ).map { ($0["phc"], $0["seq"]) }
        }
    }
}

extension SQLiteLedgerStore {
    /// Runs raw SQL against the ledger file: for tests that prove the schema's own guards.
    public func executeForTesting(_ sql: String) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }
}
