import SparCore

/// An event ready to append: its id, indexed fields and canonical bytes.
public struct PendingEntry: Sendable, Hashable {
    public var id: String
    public var kind: LedgerEntryKind
    public var ts: Timestamp
    public var unit: String
    public var type: String
    public var source: String
    /// Canonical JSON of the record; idempotency compares it byte for byte.
    public var body: String

    public init(id: String, kind: LedgerEntryKind, ts: Timestamp, unit: String, type: String, source: String, body: String) {
        self.id = id
        self.kind = kind
        self.ts = ts
        self.unit = unit
        self.type = type
        self.source = source
        self.body = body
    }
}

/// What a ledger entry records.
public enum LedgerEntryKind: String, Sendable, Hashable, CaseIterable {
    /// A shop-floor event (events.md §2), corrections included.
    case event
    /// A version of the plant model.
    case plantModel
    /// A version of the MOM blueprint (function map, data ownership, KPI mappings).
    case blueprint
}

/// One stored ledger entry.
public struct LedgerEntry: Sendable, Hashable {
    public var seq: Int64
    public var entry: PendingEntry
    /// Server time of the append (UTC), never the client's event time.
    public var recordedAt: Timestamp
    /// Who appended it.
    public var recordedBy: String

    public init(seq: Int64, entry: PendingEntry, recordedAt: Timestamp, recordedBy: String) {
        self.seq = seq
        self.entry = entry
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
    }
}

/// The outcome of appending one entry.
public enum AppendOutcome: Sendable, Hashable {
    /// Stored at this sequence number.
    case accepted(seq: Int64)
    /// Already stored with the same content: acknowledged, nothing changed.
    case duplicate(seq: Int64)
    /// Refused; nothing stored.
    case rejected(reason: String, field: String)
}

/// Why the ledger could not be used.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var underlying: String?
    public init(_ message: String, underlying: String? = nil) {
        self.message = message
        self.underlying = underlying
    }
    public var description: String { underlying.map { "\(message) (\($0))" } ?? message }
}

/// The append-only ledger. Entries are never updated or deleted; a batch is durable when `append` returns.
public protocol LedgerStore: Sendable {
    /// Appends a batch atomically; outcomes are in batch order. Same id + same body is a duplicate,
    /// same id + different body is rejected, as is a second state event of a unit at the same instant.
    func append(_ batch: [PendingEntry], recordedAt: Timestamp, recordedBy: String) async throws -> [AppendOutcome]

    /// Stored bodies of these ids (for correction targets and idempotency checks).
    func bodies(ids: [String]) async throws -> [String: String]

    /// Event entries of units under `unitPrefix` (all when nil), plus every correction, in sequence order.
    func eventBodies(unitPrefix: String?) async throws -> [String]

    /// The latest plant model entry, if any.
    func latestPlantModel() async throws -> LedgerEntry?

    /// Every entry of one kind, in sequence order.
    func entries(kind: LedgerEntryKind) async throws -> [LedgerEntry]

    /// Entries in sequence order, from `afterSeq` (exclusive), at most `limit`.
    func entries(afterSeq: Int64, limit: Int) async throws -> [LedgerEntry]

    /// Number of entries of each kind.
    func count(kind: LedgerEntryKind) async throws -> Int
}
