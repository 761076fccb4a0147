import SparCore
import SparLedgerIntegrity

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
    /// For a correction: the id of the event it corrects. The store accepts the correction only if that id is an
    /// event (not itself a correction) stored before it, in an earlier batch or earlier in the same one. Not part of
    /// the chain hash: the body holds it.
    public var corrects: String?
    /// What the entry does to the KPI projection, written in the same transaction when the entry is accepted.
    public var kpi: KPIRecordChange?

    public init(
        id: String, kind: LedgerEntryKind, ts: Timestamp, unit: String, type: String, source: String, body: String,
        corrects: String? = nil, kpi: KPIRecordChange? = nil
    ) {
        self.kpi = kpi
        self.id = id
        self.kind = kind
        self.ts = ts
        self.unit = unit
        self.type = type
        self.source = source
        self.body = body
        self.corrects = corrects
    }
}

extension LedgerEntryKind {
    /// The kind whose id space `id` lies in, nil for the space `spar:…` kept for later kinds. Master data lives in
    /// reserved spaces — `CR-<digits>` and `changeRequest:…` for change requests, `identity:…`, `signature:…`,
    /// `plant-model:…` or `plantModel:…`, `blueprint:…`, `checkpointKey:…`, `kpiDefinition:…`, `import:…`, `execution:…` — and every other id is an event's. The stores refuse an
    /// entry whose id lies in another kind's space, so no writer can take an id that master data will need.
    public static func owner(of id: String) -> LedgerEntryKind? {
        if id.hasPrefix("CR-"), id.count > 3, id.dropFirst(3).allSatisfy(\.isASCIIDigitCharacter) {
            return .changeRequest
        }
        guard let colon = id.firstIndex(of: ":") else { return .event }
        switch id[..<colon] {
        case "changeRequest": return .changeRequest
        case "identity": return .identity
        case "signature": return .signature
        case "plant-model", "plantModel": return .plantModel
        case "blueprint": return .blueprint
        case "checkpointKey": return .checkpointKey
        case "kpiDefinition": return .kpiDefinition
        case "import": return .fileImport
        case "execution": return .execution
        case "spar": return nil
        default: return .event
        }
    }

    /// Whether `id` names a shop-floor event derived from an execution entry: `execution:<entry>.<kind>`
    /// (``ExecutionShopFloor``), which only events of source `spar-execution` may take.
    public static func isDerivedExecutionEvent(_ id: String) -> Bool {
        id.hasPrefix("execution:") && id.dropFirst("execution:".count).contains(".")
    }

    /// Why an entry of this kind (from `source`) may not have `id`, if it may not.
    public func idProblem(_ id: String, source: String? = nil) -> String? {
        guard !id.isEmpty else { return "an id must not be empty" }
        if self == .event, source == ExecutionShopFloor.source {
            return LedgerEntryKind.isDerivedExecutionEvent(id)
                ? nil : "an event of source '\(ExecutionShopFloor.source)' must have an id execution:<entry>.<kind>"
        }
        let owner = LedgerEntryKind.owner(of: id)
        if owner == self { return nil }
        guard self == .event else { return "a \(rawValue) entry cannot have the id '\(id)'" }
        return "'\(id)' lies in the id space reserved for \(owner?.rawValue ?? "later") master-data entries; choose an "
            + "event id outside CR-<digits>, changeRequest:, identity:, signature:, plant-model:, plantModel:, "
            + "blueprint:, checkpointKey:, kpiDefinition:, import:, execution: and spar:"
    }
}

extension PendingEntry {
    /// Why this entry cannot be stored given what the ledger holds under its `corrects` target (the target's kind
    /// and type, nil when no entry has that id), if it cannot; nil for an entry that corrects nothing.
    public func correctionProblem(target: (kind: LedgerEntryKind, type: String)?) -> (reason: String, field: String)? {
        guard let corrects else { return nil }
        guard let target else { return ("no accepted event has id '\(corrects)'", "corrects") }
        guard target.kind == .event else {
            return ("'\(corrects)' is a \(target.kind.rawValue) entry, not an event; only events can be corrected", "corrects")
        }
        guard target.type != "correction" else {
            return ("'\(corrects)' is itself a correction; correct the original event instead", "corrects")
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}

/// What a ledger entry records.
public enum LedgerEntryKind: String, Sendable, Hashable, CaseIterable {
    /// A shop-floor event (events.md §2), corrections included.
    case event
    /// A version of the plant model.
    case plantModel
    /// A version of the MOM blueprint (function map, data ownership, KPI mappings).
    case blueprint
    /// A user or system token lifecycle step, an authentication failure or success, a lock or an unlock.
    case identity
    /// An electronic signature bound to the chain hash of the entry it signs.
    case signature
    /// A change request for master data, its rejection or its withdrawal.
    case changeRequest
    /// A hand-over of checkpoint signing to a new key (`CheckpointKeyRotation`).
    case checkpointKey
    /// The KPI definition version in force from a time (`spar-kpi-1`, `spar-kpi-2`).
    case kpiDefinition
    /// A file imported into the ledger: its format, name, SHA-256 and what its rows gave (accepted, duplicate,
    /// rejected); the events themselves are `event` entries.
    case fileImport
    /// An execution record (routing release, traveler, step, data value, hold point, NCR, genealogy, correction): an
    /// `ExecutionEvent` as canonical JSON, with the id `execution:<event id>`.
    case execution
}

/// Password hashes (PHC strings), kept beside the ledger and out of its exports. Each is committed to by a ledger
/// entry holding its SHA-256, so a swapped hash is detected. Rows are only ever added; the latest per user counts.
public protocol CredentialStore: Sendable {
    func storeCredential(user: String, phc: String, seq: Int64) async throws
    /// The latest PHC string stored for `user`, with the ledger sequence number of the entry that committed to it.
    func credential(user: String) async throws -> (phc: String, seq: Int64)?
}

/// One stored ledger entry.
public struct LedgerEntry: Sendable, Hashable {
    public var seq: Int64
    public var entry: PendingEntry
    /// Server time of the append (UTC), never the client's event time.
    public var recordedAt: Timestamp
    /// Who appended it.
    public var recordedBy: String
    /// The chain hash: SHA-256 over the previous entry's hash and this entry's columns (`LedgerChain`).
    public var hash: LedgerHash

    public init(seq: Int64, entry: PendingEntry, recordedAt: Timestamp, recordedBy: String, hash: LedgerHash) {
        self.seq = seq
        self.entry = entry
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
        self.hash = hash
    }

    /// The chain hash this entry has when it follows an entry whose hash is `previous`.
    public func chainHash(previous: LedgerHash) -> LedgerHash {
        entry.chainHash(previous: previous, seq: seq, recordedAt: recordedAt, recordedBy: recordedBy)
    }
}

extension PendingEntry {
    /// The chain hash of this entry stored at `seq` after an entry whose hash is `previous`.
    public func chainHash(previous: LedgerHash, seq: Int64, recordedAt: Timestamp, recordedBy: String) -> LedgerHash {
        LedgerChain.entryHash(
            previous: previous, seq: seq, id: id, kind: kind.rawValue, ts: ts.milliseconds, unit: unit, type: type,
            source: source, body: body, recordedAt: recordedAt.milliseconds, recordedBy: recordedBy)
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
    /// The database could not be reached, dropped the connection or did not answer in time: the same operation can
    /// simply be retried (appends are idempotent by event id). The server answers such errors 503 with `Retry-After`.
    public var isTransient: Bool
    public init(_ message: String, underlying: String? = nil, isTransient: Bool = false) {
        self.message = message
        self.underlying = underlying
        self.isTransient = isTransient
    }
    public var description: String { underlying.map { "\(message) (\($0))" } ?? message }
}

/// The append-only, tamper-evident ledger. Entries are never updated or deleted; a batch is durable when `append`
/// returns.
///
/// Every entry carries its chain hash (`LedgerEntry.hash`, over the previous hash and all its columns), and every
/// batch that stores at least one entry is sealed, in the same transaction, by a signed checkpoint over the
/// RFC 6962 Merkle root of all entry hashes so far.
public protocol LedgerStore: Sendable {
    /// Appends a batch atomically; outcomes are in batch order. Same id + same body is a duplicate,
    /// same id + different body is rejected, as is a second state event of a unit at the same instant.
    /// Accepted entries get the next sequence numbers and their chain hashes; a signed checkpoint then covers them.
    func append(_ batch: [PendingEntry], recordedAt: Timestamp, recordedBy: String) async throws -> [AppendOutcome]

    /// The checkpoint of the largest tree size, if any entry was stored.
    func latestCheckpoint() async throws -> SignedCheckpoint?

    /// Stored bodies of these ids (for correction targets and idempotency checks).
    func bodies(ids: [String]) async throws -> [String: String]

    /// Event entries of units under `unitPrefix` (all when nil), plus every correction and every order event (an
    /// order's first operation is its lowest operation number anywhere in the plant), in sequence order.
    func eventBodies(unitPrefix: String?) async throws -> [String]

    /// Every entry of one kind, in sequence order.
    func entries(kind: LedgerEntryKind) async throws -> [LedgerEntry]

    /// Entries of one kind after `afterSeq` (exclusive), in sequence order.
    func entries(kind: LedgerEntryKind, afterSeq: Int64) async throws -> [LedgerEntry]

    /// Entries in sequence order, from `afterSeq` (exclusive), at most `limit`.
    func entries(afterSeq: Int64, limit: Int) async throws -> [LedgerEntry]

    /// Number of entries of each kind.
    func count(kind: LedgerEntryKind) async throws -> Int

    /// The stored entry with this id, if any.
    func entry(id: String) async throws -> LedgerEntry?
}
