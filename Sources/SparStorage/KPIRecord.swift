import SparCore

/// One effective event of the persisted KPI projection: an event as the KPIs read it (corrections applied), with
/// the columns a window query selects on.
///
/// The projection holds one record per original event that is not voided: its own content, or that of its latest
/// correction's replacement (latest by event time, then id). It is written in the same transaction as the ledger
/// entry it comes from, so it is always at the ledger's head.
public struct KPIRecord: Sendable, Hashable {
    /// What the record is, for selection: each span kind pairs its opening and closing events by ``key``.
    public enum Kind: Int, Sendable, Hashable, CaseIterable {
        case state = 1
        case count = 2
        case order = 3
        /// `clockIn`, `clockOut`, `breakStart`, `breakEnd` (key: the worker).
        case clock = 4
        /// Labor `start` / `stop` on an order (key: worker and order).
        case work = 5
        case maintenance = 6
        case measurement = 7
        case material = 8
        case energy = 9
        case inspection = 10
    }

    /// The id of the original event the record stands for (a correction's record keeps its target's id).
    public var eventID: String
    public var unit: String
    public var ts: Timestamp
    public var kind: Kind
    /// The state's reason, the order (a count's named order), the worker, worker and order, the maintenance kind or the inspected serial;
    /// empty when the event has none.
    public var key: String
    /// Closes its key's span (order end, clock-out, labor stop, maintenance end), or a failed inspection.
    public var flag: Bool
    /// An order start's operation (nil reads as 1).
    public var operation: Int?
    /// Canonical JSON of the effective event.
    public var body: String

    public init(
        eventID: String, unit: String, ts: Timestamp, kind: Kind, key: String, flag: Bool, operation: Int?, body: String
    ) {
        self.eventID = eventID
        self.unit = unit
        self.ts = ts
        self.kind = kind
        self.key = key
        self.flag = flag
        self.operation = operation
        self.body = body
    }

    /// The record of `event` standing for `eventID`, with `body` its canonical JSON; nil for a correction.
    public init?(standingFor eventID: String, event: Event, body: String) {
        let kind: Kind
        var key = ""
        var flag = false
        var operation: Int?
        switch event.payload {
        case .state(let s):
            kind = .state
            key = s.reason ?? ""
        case .count(let c):
            kind = .count
            key = c.order ?? ""
        case .order(let o):
            kind = .order
            key = o.order
            flag = o.action == .end
            if o.action == .start { operation = o.operation ?? 1 }
        case .labor(let l):
            switch l.action {
            case .clockIn, .clockOut, .breakStart, .breakEnd:
                kind = .clock
                key = l.worker
                flag = l.action == .clockOut
            case .start, .stop:
                kind = .work
                key = l.worker + "\u{1F}" + (l.order ?? "")
                flag = l.action == .stop
            }
        case .maintenance(let m):
            kind = .maintenance
            key = m.kind.rawValue
            flag = m.action == .end
        case .measurement:
            kind = .measurement
        case .material:
            kind = .material
        case .energy:
            kind = .energy
        case .inspection(let i):
            kind = .inspection
            key = i.serial
            flag = i.result == .fail
        case .correction:
            return nil
        }
        self.init(
            eventID: eventID, unit: event.unit.description, ts: event.ts, kind: kind, key: key, flag: flag,
            operation: operation, body: body)
    }
}

/// What a ledger entry does to the KPI projection.
public enum KPIRecordChange: Sendable, Hashable {
    /// An event: its record.
    case add(KPIRecord)
    /// A correction at (`ts`, `id`) of `target`: its replacement's record standing for the target, or nil for a void.
    /// Applied only if no correction of the target later by (event time, id) is in force.
    case correct(target: String, ts: Timestamp, id: String, replacement: KPIRecord?)
}

/// The records a window query of one unit needs, and whether the unit has any record at all.
public struct UnitSliceBodies: Sendable {
    public var bodies: [String]
    public var hasRecords: Bool
    /// The unit's projection version when the slice was read (``KPIProjectionStore/storeBuckets(unit:version:_:)``).
    public var version: Int64
    public init(bodies: [String], hasRecords: Bool, version: Int64) {
        self.bodies = bodies
        self.hasRecords = hasRecords
        self.version = version
    }
}

/// A unit's elements over one whole local day, cached beside the projection: JSON of `TimeModelElements`. Buckets
/// are dropped in the append transaction of any record that can change them.
public struct KPIBucket: Sendable, Hashable {
    public var start: Timestamp
    public var end: Timestamp
    public var body: String
    public init(start: Timestamp, end: Timestamp, body: String) {
        self.start = start
        self.end = end
        self.body = body
    }
}

/// A store that keeps the KPI projection beside the ledger, updated in each append's transaction.
public protocol KPIProjectionStore: LedgerStore, LedgerEventReader {
    /// The ledger sequence the projection reflects (the ledger's size when it is at the head).
    func projectionHead() async throws -> Int64

    /// The ledger's size (its last sequence number).
    func ledgerSize() async throws -> Int64

    /// Applies the changes of the entries up to `seq` (a catch-up or a rebuild) and records `seq` as the head.
    /// With `replacing`, the projection is emptied first.
    func applyProjection(_ changes: [KPIRecordChange], upTo seq: Int64, replacing: Bool) async throws

    /// Every stored record, ordered by event id (for comparing a rebuild).
    func allKPIRecords() async throws -> [KPIRecord]

    /// The bodies of the records of `unit` that a query over `[from, to)` needs (``UnitSlice``'s rule).
    /// `failureReasons` are the reason codes that mark a failure (a failure running past `to` is followed to its end).
    func unitSlice(unit: String, from: Timestamp, to: Timestamp, failureReasons: Set<String>) async throws -> UnitSliceBodies

    /// Each order's lowest start operation over every unit (1 when a start gives none).
    func firstOperations(orders: Set<String>) async throws -> [String: Int]

    /// The cached buckets (days and months) of `unit` under plant model version `model` lying inside `[from, to)`, and
    /// the unit's version when they were read.
    func buckets(unit: String, model: String, from: Timestamp, to: Timestamp) async throws -> (version: Int64, buckets: [KPIBucket])

    /// Caches buckets computed under plant model version `model` from a slice read at the unit's `version`; stores
    /// nothing (and returns false) when an append changed the unit since.
    func storeBuckets(unit: String, model: String, version: Int64, _ buckets: [KPIBucket]) async throws -> Bool

    /// The work units that have records, with how many.
    func recordCounts() async throws -> [String: Int]
    /// The unit's projection version: bumped in the transaction of every append that can change its elements.
    func unitVersion(unit: String) async throws -> Int64
    /// Every unit's projection version (a unit without one is at 0).
    func unitVersions() async throws -> [String: Int64]
    /// Event entries per work unit and source system, with their earliest and latest event time: maintained in the
    /// transaction of every append, so a server shows sources and staleness without reading the ledger.
    func activity() async throws -> [UnitSourceActivity]
    /// The activity rows of these units only.
    func activity(units: Set<String>) async throws -> [UnitSourceActivity]
}

extension KPIProjectionStore {
    public func activity(units: Set<String>) async throws -> [UnitSourceActivity] {
        try await activity().filter { units.contains($0.unit) }
    }
}

/// How many event entries one source system recorded for one unit, and their range of event times.
public struct UnitSourceActivity: Sendable, Hashable {
    public var unit: String
    public var source: String
    public var events: Int
    public var earliest: Timestamp
    public var latest: Timestamp

    public init(unit: String, source: String, events: Int, earliest: Timestamp, latest: Timestamp) {
        self.unit = unit
        self.source = source
        self.events = events
        self.earliest = earliest
        self.latest = latest
    }
}
