import Foundation
import Logging
import PostgresNIO
import SparCore
import SparLedgerIntegrity
import SparStorage
import Synchronization

/// The ledger in a PostgreSQL database, shared by every Spar node that opens it.
///
/// The same contract as the SQLite store (``LedgerStore``, ``KPIProjectionStore``, ``CredentialStore``): one
/// serialised chain, each append one transaction holding the chain lock (`pg_advisory_xact_lock`), so appends from
/// several nodes are totally ordered, hash-chained and sealed by a checkpoint signed with the key in
/// ``signingKeyPath``, which every node of one ledger shares. Triggers refuse UPDATE, DELETE and TRUNCATE on the
/// ledger, its checkpoints and the credentials. The projection's tables are written in the append's transaction.
public final class PostgresLedgerStore: KPIProjectionStore, CredentialStore {
    /// The database address without its password.
    public let address: String
    private let url: String
    /// The private key file that signs this ledger's checkpoints.
    public let signingKeyPath: String
    let client: PostgresClient
    let operationDeadline: Duration?
    let logger: Logger
    private let runner: Task<Void, Never>
    private let signer = Mutex<CheckpointSigningKey?>(nil)
    private let lockStatistics = Mutex(ChainLockStatistics())

    /// How this process's appends used the chain lock: the evidence for one serialised chain (a per-site chain can
    /// only remove the waiting, never the time the lock is held).
    public struct ChainLockStatistics: Sendable, Equatable {
        /// Appends that took the lock.
        public var appends = 0
        /// Time spent waiting for the lock, summed.
        public var waitSeconds = 0.0
        /// The longest single wait.
        public var maxWaitSeconds = 0.0
        /// Time from taking the lock to the end of the commit that released it, summed.
        public var heldSeconds = 0.0
    }

    /// This process's chain lock figures since the store was opened.
    public var chainLockStatistics: ChainLockStatistics { lockStatistics.withLock { $0 } }

    /// The advisory lock every append holds for its transaction: one writer at a time continues the chain.
    static let chainLock: Int64 = 0x5350_4152_4C45_4447

    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`)
    /// and migrates it. Checkpoints are signed with the key in `signingKeyPath`, read (or created) on the first append;
    /// an empty path opens the ledger for reading only.
    /// With `operationDeadline`, every read and write that takes longer is abandoned with an error (the server sets
    /// ``serverOperationDeadline``; commands that rebuild or audit a whole ledger run unbounded).
    public init(
        url: String, signingKeyPath: String, maximumConnections: Int = 8, operationDeadline: Duration? = nil
    ) async throws {
        self.operationDeadline = operationDeadline
        let target = try PostgresAddress(url)
        address = target.redacted
        self.url = url
        self.signingKeyPath = signingKeyPath
        var logger = Logger(label: "spar.postgres")
        // The client warns when the first lease comes before its run task has started; that is harmless here.
        logger.logLevel = ProcessInfo.processInfo.environment["SPAR_POSTGRES_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: target.database, tls: target.tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        do {
            try await PostgresSchema.migrate(client, logger: logger)
        } catch {
            runner.cancel()
            throw StorageError("cannot open the ledger at \(target.redacted)", underlying: Self.describe(error))
        }
    }

    deinit { runner.cancel() }

    /// Whether `error` is the connection's or the server's state rather than the request's: the connection failed or
    /// closed, the server is shutting down or starting (SQLSTATE class 08, 57P01–57P03), or a transaction lost a
    /// serialization race or a deadlock (40001, 40P01).
    static func isTransient(_ error: any Error) -> Bool {
        if error is ConnectionClosed { return true }
        guard let e = error as? PSQLError else { return false }
        switch e.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed:
            return true
        default:
            guard let state = e.serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "40001", "40P01"].contains(state)
        }
    }

    /// The text of a database error, with the server's message (postgres-nio's own description hides it).
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return message }
            return String(reflecting: e)
        }
        return "\(error)"
    }

    /// The public half of the checkpoint signing key (reading or creating the key file).
    public func checkpointPublicKey() throws -> CheckpointPublicKey { try signingKey().publicKey }

    func signingKey() throws -> CheckpointSigningKey {
        try signer.withLock { cached in
            if let cached { return cached }
            guard !signingKeyPath.isEmpty else {
                throw StorageError(
                    "appending to the PostgreSQL ledger \(address) needs its checkpoint key file, the same on every node: "
                        + "give --key FILE or SPAR_LEDGER_KEY")
            }
            do {
                let key = try CheckpointSigningKey.loadOrCreate(path: signingKeyPath)
                cached = key
                return key
            } catch {
                throw StorageError(
                    "cannot sign checkpoints of the ledger at \(address) (give the key with --key or SPAR_LEDGER_KEY)",
                    underlying: "\(error)")
            }
        }
    }

    /// The server's bound on one read or write: a request must end even when the database restarted under it, so
    /// that the client retries (appends are idempotent by event id) instead of waiting.
    public static let serverOperationDeadline: Duration = .seconds(30)

    /// Runs `body`, or throws when it has not finished within `deadline` (leaving it to finish or fail on its own;
    /// what it holds is released with its connection). Without a deadline it simply runs `body`.
    static func bounded<T: Sendable>(
        _ address: String, _ operationDeadline: Duration?, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let operationDeadline else { return try await body() }
        let done = Mutex(false)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let claim: @Sendable () -> Bool = { done.withLock { was in defer { was = true }; return !was } }
            let timer = Task {
                try? await Task.sleep(for: operationDeadline)
                guard !Task.isCancelled, claim() else { return }
                continuation.resume(
                    throwing: StorageError(
                        "the database at \(address) did not answer within \(operationDeadline); retry (appends are idempotent)",
                        isTransient: true))
            }
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                timer.cancel()
                if claim() { continuation.resume(with: result) }
            }
        }
    }

    /// Runs `body` in one read-only transaction that sees one snapshot of the database.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await Self.bounded(address, operationDeadline) { [client, logger] in
                try await Self.transaction(
                    on: client, begin: "START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger, body)
            }
        } catch let e as StorageError {
            throw e
        } catch {
            throw StorageError(
                "could not read the ledger at \(address)", underlying: Self.describe(error), isTransient: Self.isTransient(error))
        }
    }

    /// Runs `body` in one read-write transaction, committed when it returns.
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await Self.bounded(address, operationDeadline) { [client, logger] in
                try await Self.transaction(on: client, begin: "BEGIN", logger: logger, body)
            }
        } catch let e as StorageError {
            throw e
        } catch {
            throw StorageError(
                "could not write to the ledger at \(address)", underlying: Self.describe(error),
                isTransient: Self.isTransient(error))
        }
    }

    /// One transaction on a leased connection: `begin`, `body`, then COMMIT, or ROLLBACK when anything threw.
    ///
    /// Every step is raced against the connection closing. postgres-nio hands a query on a connection whose channel
    /// has just closed to a pipeline that drops it, so that query (typically the ROLLBACK after the server went away)
    /// would never be answered and the lease never returned; here the transaction fails at once instead, and the pool
    /// drops the closed connection.
    static func transaction<T: Sendable>(
        on client: PostgresClient, begin: PostgresQuery, logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withConnection { c in
            try await untilClosed(c) {
                try await c.query(begin, logger: logger)
                let out: T
                do {
                    out = try await body(c)
                } catch {
                    if !c.isClosed { _ = try? await c.query("ROLLBACK", logger: logger) }
                    throw error
                }
                try await c.query("COMMIT", logger: logger)
                return out
            }
        }
    }

    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the database closed the connection during the transaction; retry" }
    }

    /// Runs `body`, or throws as soon as `connection` closes (leaving `body` to end on its own).
    static func untilClosed<T: Sendable>(
        _ connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let done = Mutex(false)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let claim: @Sendable () -> Bool = { done.withLock { was in defer { was = true }; return !was } }
            connection.closeFuture.whenComplete { _ in
                if claim() { continuation.resume(throwing: ConnectionClosed()) }
            }
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                if claim() { continuation.resume(with: result) }
            }
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The columns of `ledger` in the order ``entry(_:)`` reads them.
    static let entryColumns = "seq, id, kind, ts, unit, type, source, body, recorded_at, recorded_by, hash"

    static func entry(_ row: PostgresRow) throws -> LedgerEntry {
        let (seq, id, kind, ts, unit, type, source, body, at, by, hash) = try row.decode(
            (Int64, String, String, Int64, String, String, String, String, Int64, String, ByteBuffer).self)
        guard let h = LedgerHash(bytes: Array(buffer: hash)) else {
            throw StorageError("seq \(seq), field 'hash': not a 32-byte hash; run spar verify")
        }
        return LedgerEntry(
            seq: seq,
            entry: PendingEntry(
                id: id, kind: LedgerEntryKind(rawValue: kind) ?? .event, ts: Timestamp(milliseconds: ts), unit: unit,
                type: type, source: source, body: body),
            recordedAt: Timestamp(milliseconds: at), recordedBy: by, hash: h)
    }

    static func entries(_ query: PostgresQuery, on c: PostgresConnection, logger: Logger) async throws -> [LedgerEntry] {
        try await c.query(query, logger: logger).collect().map(entry)
    }

    // MARK: Append

    public func append(_ batch: [PendingEntry], recordedAt: Timestamp, recordedBy: String) async throws -> [AppendOutcome] {
        guard !batch.isEmpty else { return [] }
        let key = try signingKey()
        let logger = logger
        let address = address
        let asked = ContinuousClock.now
        let acquired = Mutex<ContinuousClock.Instant?>(nil)
        defer {
            if let at = acquired.withLock({ $0 }) {
                let wait = Self.seconds(at - asked)
                let held = Self.seconds(ContinuousClock.now - at)
                lockStatistics.withLock {
                    $0.appends += 1
                    $0.waitSeconds += wait
                    $0.maxWaitSeconds = max($0.maxWaitSeconds, wait)
                    $0.heldSeconds += held
                }
            }
        }
        return try await write { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(Self.chainLock))", logger: logger)
            acquired.withLock { $0 = ContinuousClock.now }
            var tip = try await Self.tip(c, key: key, ledger: address, logger: logger)
            let sizeBefore = tip.frontier.size
            let projection = PostgresProjection(connection: c, logger: logger)
            var projectionCurrent = try await projection.head() == sizeBefore

            struct Known {
                var seq: Int64
                var body: String
                var kind: String
                var type: String
            }
            var known: [String: Known] = [:]
            let lookup = Array(Set(batch.map(\.id) + batch.compactMap(\.corrects)))
            for chunk in stride(from: 0, to: lookup.count, by: 5_000).map({ Array(lookup[$0..<min($0 + 5_000, lookup.count)]) }) {
                let rows = try await c.query(
                    "SELECT id, seq, body, kind, type FROM ledger WHERE id = ANY(\(chunk))", logger: logger)
                for try await (id, seq, body, kind, type) in rows.decode((String, Int64, String, String, String).self) {
                    known[id] = Known(seq: seq, body: body, kind: kind, type: type)
                }
            }
            struct Instant: Hashable {
                var unit: String
                var ts: Int64
            }
            var states: [Instant: String] = [:]
            let stateEntries = batch.filter { $0.kind == .event && $0.type == "state" }
            if !stateEntries.isEmpty {
                let units = Array(Set(stateEntries.map(\.unit)))
                let times = Array(Set(stateEntries.map(\.ts.milliseconds)))
                let rows = try await c.query(
                    """
                    SELECT unit, ts, id FROM ledger WHERE kind = 'event' AND type = 'state'
                      AND unit = ANY(\(units)) AND ts = ANY(\(times))
                    """, logger: logger)
                for try await (unit, ts, id) in rows.decode((String, Int64, String).self) {
                    states[Instant(unit: unit, ts: ts)] = id
                }
            }

            var rows = InsertColumns()
            var invalidated: [String: Int64] = [:]
            var changes: [KPIRecordChange] = []
            var activity: [PostgresProjection.ActivityKey: (events: Int, earliest: Int64, latest: Int64)] = [:]
            var out: [AppendOutcome] = []
            out.reserveCapacity(batch.count)
            func duplicateOr(_ e: PendingEntry, _ reason: String, _ field: String) -> AppendOutcome {
                if let k = known[e.id], k.body == e.body { return .duplicate(seq: k.seq) }
                return .rejected(reason: reason, field: field)
            }
            for e in batch {
                if let problem = e.kind.idProblem(e.id, source: e.source) {
                    out.append(duplicateOr(e, problem, "id"))
                    continue
                }
                if let target = e.corrects {
                    let stored = known[target].map { (LedgerEntryKind(rawValue: $0.kind) ?? .event, $0.type) }
                    if let problem = e.correctionProblem(target: stored) {
                        out.append(duplicateOr(e, problem.reason, problem.field))
                        continue
                    }
                }
                if let k = known[e.id] {
                    out.append(
                        k.body == e.body
                            ? .duplicate(seq: k.seq)
                            : .rejected(reason: "id '\(e.id)' was already accepted with different content", field: "id"))
                    continue
                }
                let instant = Instant(unit: e.unit, ts: e.ts.milliseconds)
                let isState = e.kind == .event && e.type == "state"
                if isState, let other = states[instant] {
                    out.append(.rejected(reason: "the unit already has a state event at \(e.ts) (id '\(other)')", field: "ts"))
                    continue
                }
                let seq = tip.frontier.size + 1
                let hash = e.chainHash(previous: tip.hash, seq: seq, recordedAt: recordedAt, recordedBy: recordedBy)
                rows.add(e, seq: seq, hash: hash)
                known[e.id] = Known(seq: seq, body: e.body, kind: e.kind.rawValue, type: e.type)
                if isState { states[instant] = e.id }
                if e.kind == .event {
                    let t = e.ts.milliseconds
                    let k = PostgresProjection.ActivityKey(unit: e.unit, source: e.source)
                    let a = activity[k] ?? (0, t, t)
                    activity[k] = (a.events + 1, min(a.earliest, t), max(a.latest, t))
                }
                if projectionCurrent {
                    if let change = e.kpi {
                        changes.append(change)
                    } else if e.kind == .event {
                        projectionCurrent = false
                    }
                }
                tip.append(hash)
                out.append(.accepted(seq: seq))
            }
            if tip.frontier.size > sizeBefore {
                try await rows.insert(on: c, recordedAt: recordedAt, recordedBy: recordedBy, logger: logger)
                try await projection.apply(changes, invalidated: &invalidated)
                try await Self.seal(tip, with: key, at: recordedAt, on: c, logger: logger)
                if projectionCurrent { try await projection.setHead(tip.frontier.size) }
                try await projection.invalidate(invalidated)
                try await projection.note(activity)
                try await c.query("SELECT pg_notify('spar_ledger', \(String(tip.frontier.size)))", logger: logger)
            }
            return out
        }
    }

    /// The accepted rows of one append, inserted by one statement.
    struct InsertColumns {
        var seq: [Int64] = []
        var id: [String] = []
        var kind: [String] = []
        var ts: [Int64] = []
        var unit: [String] = []
        var type: [String] = []
        var source: [String] = []
        var body: [String] = []
        var hash: [String] = []

        mutating func add(_ e: PendingEntry, seq s: Int64, hash h: LedgerHash) {
            seq.append(s)
            id.append(e.id)
            kind.append(e.kind.rawValue)
            ts.append(e.ts.milliseconds)
            unit.append(e.unit)
            type.append(e.type)
            source.append(e.source)
            body.append(e.body)
            hash.append(h.hex)
        }

        func insert(on c: PostgresConnection, recordedAt: Timestamp, recordedBy: String, logger: Logger) async throws {
            guard !seq.isEmpty else { return }
            try await c.query(
                """
                INSERT INTO ledger (seq, id, kind, ts, unit, type, source, body, recorded_at, recorded_by, hash)
                SELECT s, i, k, t, u, ty, so, b, \(recordedAt.milliseconds), \(recordedBy), decode(h, 'hex')
                FROM unnest(\(seq)::bigint[], \(id)::text[], \(kind)::text[], \(ts)::bigint[], \(unit)::text[],
                            \(type)::text[], \(source)::text[], \(body)::text[], \(hash)::text[])
                     AS r(s, i, k, t, u, ty, so, b, h)
                """, logger: logger)
        }
    }

    /// The end of the chain, read under the chain lock.
    static func tip(_ c: PostgresConnection, key: CheckpointSigningKey, ledger: String, logger: Logger) async throws -> ChainTip {
        var last: (seq: Int64, hash: LedgerHash?)?
        for try await (seq, hash) in try await c.query(
            "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1", logger: logger
        ).decode((Int64, ByteBuffer).self) {
            last = (seq, LedgerHash(bytes: Array(buffer: hash)))
        }
        let checkpoint = try await checkpoints(
            "SELECT \(unescaped: checkpointColumns) FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1", on: c,
            logger: logger
        ).first
        var rotationBody: String?
        for try await body in try await c.query(
            """
            SELECT body FROM ledger WHERE kind = 'checkpointKey' AND type = \(CheckpointKeyRotation.entryType)
            ORDER BY seq DESC LIMIT 1
            """, logger: logger
        ).decode(String.self) {
            rotationBody = body
        }
        // Every stored entry was sealed by a checkpoint (the store never writes one without it): no rows predate them.
        return try ChainTip.verified(
            last: last, checkpoint: checkpoint, rotationBody: rotationBody, key: key, ledger: ledger,
            verifyCommand: "spar verify --database <url>"
        ) { [] }
    }

    static let checkpointColumns = "tree_size, root, signed_at, previous_size, key_id, signature, frontier"

    static func checkpoints(_ query: PostgresQuery, on c: PostgresConnection, logger: Logger) async throws -> [StoredCheckpoint] {
        var out: [StoredCheckpoint] = []
        for try await (size, root, at, previous, keyID, signature, frontier) in try await c.query(query, logger: logger)
            .decode((Int64, ByteBuffer, Int64, Int64, String, ByteBuffer, ByteBuffer).self)
        {
            guard let r = LedgerHash(bytes: Array(buffer: root)) else {
                throw StorageError("checkpoint of tree size \(size), field 'root': not a 32-byte hash; run spar verify")
            }
            out.append(
                StoredCheckpoint(
                    signed: SignedCheckpoint(
                        checkpoint: Checkpoint(
                            treeSize: size, root: r, signedAt: Timestamp(milliseconds: at), previousSize: previous),
                        keyID: keyID, signature: Array(buffer: signature)),
                    frontier: Array(buffer: frontier)))
        }
        return out
    }

    static func seal(_ tip: ChainTip, with key: CheckpointSigningKey, at recordedAt: Timestamp, on c: PostgresConnection, logger: Logger)
        async throws
    {
        let signed = try key.sign(
            Checkpoint(
                treeSize: tip.frontier.size, root: tip.frontier.root, signedAt: recordedAt,
                previousSize: tip.checkpointSize))
        try await c.query(
            """
            INSERT INTO ledger_checkpoint (tree_size, root, signed_at, previous_size, key_id, signature, frontier)
            VALUES (\(signed.checkpoint.treeSize), \(ByteBuffer(bytes: signed.checkpoint.root.bytes)),
                    \(signed.checkpoint.signedAt.milliseconds), \(signed.checkpoint.previousSize), \(signed.keyID),
                    \(ByteBuffer(bytes: signed.signature)), \(ByteBuffer(bytes: tip.frontier.bytes)))
            """, logger: logger)
    }

    // MARK: Reads

    public func latestCheckpoint() async throws -> SignedCheckpoint? {
        let logger = logger
        return try await read { c in
            try await Self.checkpoints(
                "SELECT \(unescaped: Self.checkpointColumns) FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1",
                on: c, logger: logger
            ).first?.signed
        }
    }

    /// Every checkpoint row, oldest first.
    public func allCheckpoints() async throws -> [StoredCheckpoint] {
        let logger = logger
        return try await read { c in
            try await Self.checkpoints(
                "SELECT \(unescaped: Self.checkpointColumns) FROM ledger_checkpoint ORDER BY tree_size", on: c,
                logger: logger)
        }
    }

    public func bodies(ids: [String]) async throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        let logger = logger
        return try await read { c in
            var out: [String: String] = [:]
            for try await (id, body) in try await c.query(
                "SELECT id, body FROM ledger WHERE id = ANY(\(ids))", logger: logger
            ).decode((String, String).self) {
                out[id] = body
            }
            return out
        }
    }

    public func eventBodies(unitPrefix: String?) async throws -> [String] {
        let logger = logger
        return try await read { c in
            let query: PostgresQuery
            if let p = unitPrefix {
                query = """
                    SELECT body FROM ledger WHERE kind = 'event'
                      AND (unit = \(p) OR (unit >= \(p + "/") AND unit < \(p + "0")) OR type IN ('correction', 'order'))
                    ORDER BY seq
                    """
            } else {
                query = "SELECT body FROM ledger WHERE kind = 'event' ORDER BY seq"
            }
            var out: [String] = []
            for try await body in try await c.query(query, logger: logger).decode(String.self) { out.append(body) }
            return out
        }
    }

    public func entries(kind: LedgerEntryKind) async throws -> [LedgerEntry] {
        let logger = logger
        return try await read { c in
            try await Self.entries(
                "SELECT \(unescaped: Self.entryColumns) FROM ledger WHERE kind = \(kind.rawValue) ORDER BY seq", on: c,
                logger: logger)
        }
    }

    public func entries(kind: LedgerEntryKind, afterSeq: Int64) async throws -> [LedgerEntry] {
        let logger = logger
        return try await read { c in
            try await Self.entries(
                "SELECT \(unescaped: Self.entryColumns) FROM ledger WHERE kind = \(kind.rawValue) AND seq > \(afterSeq) ORDER BY seq",
                on: c, logger: logger)
        }
    }

    public func entries(afterSeq: Int64, limit: Int) async throws -> [LedgerEntry] {
        let logger = logger
        return try await read { c in
            try await Self.entries(
                "SELECT \(unescaped: Self.entryColumns) FROM ledger WHERE seq > \(afterSeq) ORDER BY seq LIMIT \(Int64(limit))",
                on: c, logger: logger)
        }
    }

    public func count(kind: LedgerEntryKind) async throws -> Int {
        let logger = logger
        return try await read { c in
            var n: Int64 = 0
            for try await v in try await c.query(
                "SELECT COUNT(*) FROM ledger WHERE kind = \(kind.rawValue)", logger: logger
            ).decode(Int64.self) {
                n = v
            }
            return Int(n)
        }
    }

    public func entry(id: String) async throws -> LedgerEntry? {
        let logger = logger
        return try await read { c in
            try await Self.entries(
                "SELECT \(unescaped: Self.entryColumns) FROM ledger WHERE id = \(id)", on: c, logger: logger
            ).first
        }
    }

    /// Number of entries (the size of the Merkle tree over them).
    public func entryCount() async throws -> Int64 { try await ledgerSize() }

    // MARK: Credentials

    public func storeCredential(user: String, phc: String, seq: Int64) async throws {
        let logger = logger
        _ = try await write { c in
            try await c.query(
                "INSERT INTO credential (user_name, phc, seq) VALUES (\(user), \(phc), \(seq))", logger: logger)
        }
    }

    public func credential(user: String) async throws -> (phc: String, seq: Int64)? {
        let logger = logger
        let row: Credential? = try await read { c in
            for try await (phc, seq) in try await c.query(
                "SELECT phc, seq FROM credential WHERE user_name = \(user) ORDER BY seq DESC LIMIT 1", logger: logger
            ).decode((String, Int64).self) {
                return Credential(phc: phc, seq: seq)
            }
            return nil
        }
        return row.map { ($0.phc, $0.seq) }
    }

    struct Credential: Sendable {
        var phc: String
        var seq: Int64
    }

    /// The address this store was opened with, password included: for tests that open a second node.
    public var urlForTesting: String? { url }

    /// Runs raw SQL against the database: for tests that prove the schema's own guards.
    public func executeForTesting(_ sql: String) async throws {
        let logger = logger
        _ = try await client.withConnection { c in
            try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    /// Calls `onAppend` with the ledger's size after every append that stored entries, from any node, until the
    /// task is cancelled (PostgreSQL LISTEN/NOTIFY on the channel `spar_ledger`).
    public func listen(_ onAppend: @escaping @Sendable (Int64) async -> Void) async throws {
        try await client.withConnection { c in
            try await c.listen(on: "spar_ledger") { notifications in
                for try await n in notifications {
                    if let size = Int64(n.payload) { await onAppend(size) }
                }
            }
        }
    }
}

extension LedgerHash {
    /// Lower-case hexadecimal.
    var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A `postgres://` address, parsed.
struct PostgresAddress {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var tls: PostgresClient.Configuration.TLS
    /// The address without its password.
    var redacted: String

    init(_ url: String) throws {
        guard let u = URLComponents(string: url), let scheme = u.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw StorageError("'\(url)' is not a postgres:// address (postgres://user:password@host:port/database)")
        }
        guard let host = u.host, !host.isEmpty else { throw StorageError("the address \(url) names no host") }
        self.host = host
        port = u.port ?? 5432
        user = u.user ?? "postgres"
        password = u.password
        let path = u.path.hasPrefix("/") ? String(u.path.dropFirst()) : u.path
        database = path.isEmpty ? user : path
        let mode = u.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        switch mode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw StorageError("sslmode '\(mode)' in \(url) is not one of disable, prefer, require, verify-full")
        }
        redacted = "postgres://\(user)@\(host):\(port)/\(database)"
    }
}

extension PostgresLedgerStore {
    /// `spar verify` on a PostgreSQL ledger: every stored row, read in sequence order in one snapshot, through a
    /// ``LedgerAudit`` against `publicKey` and the checkpoints an auditor kept; and the append-only triggers, each
    /// present and enabled.
    public func audit(publicKey: CheckpointPublicKey, kept: [SignedCheckpoint] = []) async throws -> LedgerAuditReport {
        let logger = logger
        return try await read { c in
            var findings: [IntegrityFinding] = []
            var present: [String: String] = [:]
            for try await (table, name, enabled) in try await c.query(
                """
                SELECT c.relname::text, t.tgname::text, t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE NOT t.tgisinternal AND c.relname IN ('ledger', 'ledger_checkpoint', 'credential')
                """, logger: logger
            ).decode((String, String, String).self) {
                present["\(table).\(name)"] = enabled
            }
            for (table, names) in PostgresSchema.appendOnlyTriggers.sorted(by: { $0.key < $1.key }) {
                for name in names {
                    switch present["\(table).\(name)"] {
                    case nil:
                        findings.append(
                            IntegrityFinding(check: .schema, detail: "the append-only trigger \(name) on \(table) is missing", position: 0))
                    case "D":
                        findings.append(
                            IntegrityFinding(check: .schema, detail: "the append-only trigger \(name) on \(table) is disabled", position: 0))
                    default: break
                    }
                }
            }
            let checkpoints = try await Self.checkpoints(
                "SELECT \(unescaped: Self.checkpointColumns) FROM ledger_checkpoint ORDER BY tree_size", on: c, logger: logger)
            var rotations: [CheckpointKeyRotation] = []
            for try await (seq, id, body) in try await c.query(
                """
                SELECT seq, id, body FROM ledger WHERE kind = 'checkpointKey' AND type = \(CheckpointKeyRotation.entryType)
                ORDER BY seq
                """, logger: logger
            ).decode((Int64, String, String).self) {
                guard let r = CheckpointKeyRotation.decode(body: body) else {
                    findings.append(
                        IntegrityFinding(
                            check: .columnValue, seq: seq, id: id, field: "body",
                            detail: "the key rotation cannot be read, so the checkpoints after it cannot be checked", position: seq))
                    continue
                }
                rotations.append(r)
            }
            var audit = LedgerAudit(publicKey: publicKey, checkpoints: checkpoints, kept: kept, rotations: rotations)
            for f in findings { audit.record(f) }
            var after: Int64 = 0
            while true {
                var n = 0
                for try await (seq, id, kind, ts, unit, type, source, body, at, by, hash) in try await c.query(
                    """
                    SELECT seq, convert_to(id, 'UTF8'), convert_to(kind, 'UTF8'), ts, convert_to(unit, 'UTF8'),
                           convert_to(type, 'UTF8'), convert_to(source, 'UTF8'), convert_to(body, 'UTF8'), recorded_at,
                           convert_to(recorded_by, 'UTF8'), hash
                    FROM ledger WHERE seq > \(after) ORDER BY seq LIMIT 10000
                    """, logger: logger
                ).decode((Int64, ByteBuffer, ByteBuffer, Int64, ByteBuffer, ByteBuffer, ByteBuffer, ByteBuffer, Int64, ByteBuffer, ByteBuffer).self) {
                    n += 1
                    after = seq
                    let columns = EntryColumns(
                        seq: seq, id: Array(buffer: id), kind: Array(buffer: kind), ts: ts, unit: Array(buffer: unit),
                        type: Array(buffer: type), source: Array(buffer: source), body: Array(buffer: body), recordedAt: at,
                        recordedBy: Array(buffer: by))
                    let stored = LedgerHash(bytes: Array(buffer: hash))
                    if stored == nil {
                        audit.record(
                            IntegrityFinding(
                                check: .columnValue, seq: seq, id: columns.idText, field: "hash", detail: "not a 32-byte hash",
                                position: seq))
                    }
                    audit.add(columns, storedHash: stored)
                }
                if n < 10_000 { break }
            }
            return audit.finish()
        }
    }
}
