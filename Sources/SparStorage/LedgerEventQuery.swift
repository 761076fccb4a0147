import SparCore

/// Which event entries a reader asks for: the events of some work units whose event time lies in a window,
/// optionally of some types and from some source systems.
public struct LedgerEventFilter: Sendable, Hashable {
    /// Work unit paths, matched exactly.
    public var units: [String]
    /// Inclusive start of the event-time window.
    public var from: Timestamp
    /// Exclusive end of the event-time window.
    public var to: Timestamp
    /// Event types (`state`, `count`, …); nil for every type.
    public var types: [String]?
    /// Source systems; nil for every source.
    public var sources: [String]?

    /// Creates a filter from its parts.
    public init(units: [String], from: Timestamp, to: Timestamp, types: [String]? = nil, sources: [String]? = nil) {
        self.units = units
        self.from = from
        self.to = to
        self.types = types
        self.sources = sources
    }

    /// True when `entry` is an event entry this filter selects.
    public func matches(_ entry: PendingEntry) -> Bool {
        entry.kind == .event && entry.ts >= from && entry.ts < to && units.contains(entry.unit)
            && (types.map { $0.contains(entry.type) } ?? true) && (sources.map { $0.contains(entry.source) } ?? true)
    }
}

/// A position in (event time, ledger sequence) order: the cursor of a paged event listing.
public struct LedgerEventPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Event time.
    public var ts: Timestamp
    /// Ledger sequence number (breaks ties between events at the same instant).
    public var seq: Int64

    /// Creates a position from its parts.
    public init(ts: Timestamp, seq: Int64) {
        self.ts = ts
        self.seq = seq
    }

    /// The position of a stored entry.
    public init(_ entry: LedgerEntry) { self.init(ts: entry.entry.ts, seq: entry.seq) }

    /// Parses the `"<milliseconds>.<seq>"` form of ``description``; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let ms = Int64(parts[0]), let seq = Int64(parts[1]), seq >= 0 else { return nil }
        self.init(ts: Timestamp(milliseconds: ms), seq: seq)
    }

    /// `"<event time in Unix milliseconds>.<seq>"`.
    public var description: String { "\(ts.milliseconds).\(seq)" }

    public static func < (a: Self, b: Self) -> Bool { (a.ts, a.seq) < (b.ts, b.seq) }
}

/// Reading event entries by work unit and event time without reading the ledger in sequence order: what the
/// lineage of a KPI value and the audit views need.
public protocol LedgerEventReader: Sendable {
    /// Event entries selected by `filter`, in (event time, sequence) order, strictly after `after`, at most `limit`.
    func events(_ filter: LedgerEventFilter, after: LedgerEventPosition?, limit: Int) async throws -> [LedgerEntry]

    /// The latest event entries of `unit` of one of `types` with an event time before `time`, newest first, at most
    /// `limit`.
    func events(unit: String, types: [String], before time: Timestamp, limit: Int) async throws -> [LedgerEntry]

    /// Correction entries whose target is one of `ids`, in sequence order.
    func corrections(of ids: [String]) async throws -> [LedgerEntry]
}
