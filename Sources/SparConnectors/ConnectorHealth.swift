import CoreMetrics
import Foundation
import SparCore
import Synchronization

/// What one machine connector reports about itself: whether it reaches its source, when it last heard from it
/// (by the wall clock of this process, so a silent machine shows as stale even when its last event was recent),
/// how far it runs behind the source, and what it accepted and refused.
public struct ConnectorHealth: Sendable, Hashable, Codable {
    public var id: String
    /// `mtconnect` or `mqtt`.
    public var kind: String
    public var site: String
    /// The source system its events carry.
    public var source: String
    /// The agent URL or broker address (never a password).
    public var endpoint: String
    public var connected = false
    /// Wall-clock time the last document or message arrived.
    public var lastMessageAt: Timestamp?
    /// The source's own time of the newest observation read.
    public var lastObservationAt: Timestamp?
    /// Arrival minus source time of the newest observation, milliseconds.
    public var lagMilliseconds: Int64?
    /// Sequences the source holds beyond what was read (MTConnect: the agent's last sequence minus the one read).
    public var lagSequences: Int64?
    /// Documents or messages read.
    public var messages = 0
    public var accepted = 0
    public var duplicates = 0
    /// Events the ledger refused plus messages that could not be read.
    public var rejected = 0
    /// Restarts, overruns, refusals and gaps, newest last (at most ``keptNotices``).
    public var notices: [Notice] = []
    /// The last failure to reach or read the source, cleared by the next success.
    public var lastError: String?
    /// Failed attempts in a row; the retry delay grows with it.
    public var failures = 0
    public var nextAttemptAt: Timestamp?
    /// Wall-clock silence after which the connector shows as stale, milliseconds.
    public var staleAfter: Int64 = 60_000

    public static let keptNotices = 20
    /// The notice a connector leaves when it stops on purpose.
    public static let stoppedNotice = "stopped"

    /// True when the connector's last word was that it stopped on purpose.
    public var isStopped: Bool { !connected && notices.last?.text == Self.stoppedNotice }

    /// One thing worth an engineer's attention, with the wall-clock time it was seen.
    public struct Notice: Sendable, Hashable, Codable {
        public var at: Timestamp
        public var text: String
        public init(at: Timestamp, text: String) {
            self.at = at
            self.text = text
        }
        enum CodingKeys: String, CodingKey { case at, text }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            at = Timestamp(milliseconds: try c.decode(Int64.self, forKey: .at))
            text = try c.decode(String.self, forKey: .text)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(at.milliseconds, forKey: .at)
            try c.encode(text, forKey: .text)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, site, source, endpoint, connected, lastMessageAt, lastObservationAt, lagMilliseconds, lagSequences
        case messages, accepted, duplicates, rejected, notices, lastError, failures, nextAttemptAt, staleAfter
    }

    /// Times are milliseconds since the epoch.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func time(_ k: CodingKeys) throws -> Timestamp? {
            try c.decodeIfPresent(Int64.self, forKey: k).map(Timestamp.init(milliseconds:))
        }
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(String.self, forKey: .kind)
        site = try c.decode(String.self, forKey: .site)
        source = try c.decode(String.self, forKey: .source)
        endpoint = try c.decode(String.self, forKey: .endpoint)
        connected = try c.decode(Bool.self, forKey: .connected)
        lastMessageAt = try time(.lastMessageAt)
        lastObservationAt = try time(.lastObservationAt)
        lagMilliseconds = try c.decodeIfPresent(Int64.self, forKey: .lagMilliseconds)
        lagSequences = try c.decodeIfPresent(Int64.self, forKey: .lagSequences)
        messages = try c.decode(Int.self, forKey: .messages)
        accepted = try c.decode(Int.self, forKey: .accepted)
        duplicates = try c.decode(Int.self, forKey: .duplicates)
        rejected = try c.decode(Int.self, forKey: .rejected)
        notices = try c.decode([Notice].self, forKey: .notices)
        lastError = try c.decodeIfPresent(String.self, forKey: .lastError)
        failures = try c.decode(Int.self, forKey: .failures)
        nextAttemptAt = try time(.nextAttemptAt)
        staleAfter = try c.decodeIfPresent(Int64.self, forKey: .staleAfter) ?? 60_000
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(site, forKey: .site)
        try c.encode(source, forKey: .source)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(connected, forKey: .connected)
        try c.encodeIfPresent(lastMessageAt?.milliseconds, forKey: .lastMessageAt)
        try c.encodeIfPresent(lastObservationAt?.milliseconds, forKey: .lastObservationAt)
        try c.encodeIfPresent(lagMilliseconds, forKey: .lagMilliseconds)
        try c.encodeIfPresent(lagSequences, forKey: .lagSequences)
        try c.encode(messages, forKey: .messages)
        try c.encode(accepted, forKey: .accepted)
        try c.encode(duplicates, forKey: .duplicates)
        try c.encode(rejected, forKey: .rejected)
        try c.encode(notices, forKey: .notices)
        try c.encodeIfPresent(lastError, forKey: .lastError)
        try c.encode(failures, forKey: .failures)
        try c.encodeIfPresent(nextAttemptAt?.milliseconds, forKey: .nextAttemptAt)
        try c.encode(staleAfter, forKey: .staleAfter)
    }

    public init(id: String, kind: String, site: String, source: String, endpoint: String) {
        self.id = id
        self.kind = kind
        self.site = site
        self.source = source
        self.endpoint = endpoint
    }

    public mutating func notice(_ text: String, at: Timestamp) {
        notices.append(Notice(at: at, text: text))
        if notices.count > Self.keptNotices { notices.removeFirst(notices.count - Self.keptNotices) }
    }

    /// True when nothing has arrived for longer than `after` milliseconds of wall-clock time (or ever).
    public func isStale(now: Timestamp, after: Int64) -> Bool {
        guard let last = lastMessageAt else { return true }
        return now.milliseconds - last.milliseconds > after
    }

    /// Stale by the connector's own threshold.
    public func isStale(now: Timestamp) -> Bool { isStale(now: now, after: staleAfter) }

    /// Milliseconds since the last message by the wall clock, nil before the first.
    public func silence(now: Timestamp) -> Int64? { lastMessageAt.map { max(0, now.milliseconds - $0.milliseconds) } }
}

/// The health of every connector of a process, shared between the connectors that write it and the pages, the
/// metrics and `spar connect status` that read it.
public final class ConnectorHealthBoard: Sendable {
    private let entries = Mutex<[String: ConnectorHealth]>([:])

    public init() {}

    public func register(_ health: ConnectorHealth) { entries.withLock { $0[health.id] = health } }

    @discardableResult
    public func update<T>(_ id: String, _ body: (inout ConnectorHealth) -> T) -> T? {
        entries.withLock { all -> T? in
            guard var h = all[id] else { return nil }
            let r = body(&h)
            all[id] = h
            return r
        }
    }

    public func health(_ id: String) -> ConnectorHealth? { entries.withLock { $0[id] } }

    /// Every connector, by id.
    public func snapshot() -> [ConnectorHealth] { entries.withLock { $0.values.sorted { $0.id < $1.id } } }

    /// Sets the connector gauges of a metrics factory from the board, with silence measured at `now`:
    /// `spar_connector_connected`, `spar_connector_stale`, `spar_connector_silence_seconds`, `spar_connector_lag_seconds`,
    /// `spar_connector_lag_sequences` and `spar_connector_events{outcome}`, `spar_connector_messages`,
    /// `spar_connector_failures`, each labelled with the connector, its kind and site.
    public func publish(to factory: any MetricsFactory, now: Timestamp) {
        for h in snapshot() {
            let dims = [("connector", h.id), ("kind", h.kind), ("site", h.site)]
            func gauge(_ label: String, _ value: Double, _ extra: [(String, String)] = []) {
                Gauge(label: label, dimensions: dims + extra, factory: factory).record(value)
            }
            gauge("spar_connector_connected", h.connected ? 1 : 0)
            gauge("spar_connector_stale", h.isStale(now: now) ? 1 : 0)
            gauge("spar_connector_silence_seconds", h.silence(now: now).map { Double($0) / 1000 } ?? -1)
            gauge("spar_connector_lag_seconds", h.lagMilliseconds.map { Double($0) / 1000 } ?? -1)
            gauge("spar_connector_lag_sequences", h.lagSequences.map(Double.init) ?? -1)
            gauge("spar_connector_messages", Double(h.messages))
            gauge("spar_connector_failures", Double(h.failures))
            gauge("spar_connector_events", Double(h.accepted), [("outcome", "accepted")])
            gauge("spar_connector_events", Double(h.duplicates), [("outcome", "duplicate")])
            gauge("spar_connector_events", Double(h.rejected), [("outcome", "rejected")])
        }
    }
}

/// The delay before the next attempt after `failures` failures in a row: 1 s doubling to at most `cap` seconds.
public func connectorBackoff(failures: Int, cap: Double = 60) -> Double {
    guard failures > 0 else { return 0 }
    return min(cap, pow(2, Double(min(failures - 1, 16))))
}
