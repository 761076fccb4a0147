import Foundation
import SparCore
import SparInterchange
import SparStorage

/// Use case: the ledger events behind a KPI value — the events of the scope's work units inside the window, plus,
/// on the first page, the events that began before the window and still count in it (the state in force at the
/// window start, orders, labor and maintenance still open) — paged in (event time, sequence) order, with each
/// event's correction when it was corrected.
public struct KPILineageEvents: Sendable {
    /// What to list.
    public struct Query: Sendable, Hashable {
        /// Work unit paths of the scope.
        public var units: [String]
        /// The KPI window.
        public var window: Interval
        /// Event types to list; nil for every type. ``types(forElements:)`` gives a KPI's.
        public var types: [String]?
        /// Source systems to list; nil for every source.
        public var sources: [String]?
        /// Continue after this position (from ``Page/next``); nil for the first page.
        public var after: LedgerEventPosition?
        /// Page size (1…10,000).
        public var limit: Int

        /// Creates a query from its parts.
        public init(
            units: [String], window: Interval, types: [String]? = nil, sources: [String]? = nil,
            after: LedgerEventPosition? = nil, limit: Int = 100
        ) {
            self.units = units
            self.window = window
            self.types = types
            self.sources = sources
            self.after = after
            self.limit = limit
        }

        /// The event types behind a KPI whose definition reads `elements`, with corrections (which fix such events).
        public static func types(forElements elements: [String]) -> [String] {
            BlueprintElementMap.eventTypes(supplying: elements) + ["correction"]
        }
    }

    /// How an event sits against the window.
    public enum Edge: String, Sendable, Hashable {
        /// A state that began before the window and was still in force at its start: counted from the window start.
        case inForceAtStart
        /// An order, labor or maintenance activity started before the window and not ended by its start.
        case openAtStart
        /// A state inside the window that was still in force at its end: counted up to the window end.
        case runsPastEnd
    }

    /// One listed event.
    public struct Item: Sendable, Hashable {
        /// The ledger entry: sequence, id, event time, unit, type, source, body, who recorded it and when, hash.
        public var entry: LedgerEntry
        /// Its place against the window; nil for an event wholly inside it.
        public var edge: Edge?
        /// For a state: the part of its span inside the window (empty when a later state at the same unit
        /// replaced it at once).
        public var counted: Interval?
        /// Corrections of this event, oldest first (the latest one is what the KPIs use).
        public var correctedBy: [String]
        /// True when the latest correction voids the event.
        public var voided: Bool
    }

    /// One page.
    public struct Page: Sendable {
        /// Edge events first (on the first page only), then events in (event time, sequence) order.
        public var items: [Item]
        /// Where the next page starts; nil on the last page.
        public var next: LedgerEventPosition?
    }

    /// The ledger.
    public var store: any LedgerStore & LedgerEventReader

    /// Creates the use case over a ledger.
    public init(store: any LedgerStore & LedgerEventReader) { self.store = store }

    /// One page of the events behind a value.
    public func page(_ q: Query) async throws -> Page {
        let limit = min(max(q.limit, 1), 10_000)
        let filter = LedgerEventFilter(
            units: q.units, from: q.window.start, to: q.window.end, types: q.types, sources: q.sources)
        var rows = try await store.events(filter, after: q.after, limit: limit + 1)
        let more = rows.count > limit
        if more { rows.removeLast() }
        var items: [Item] = []
        if q.after == nil { items = try await edges(q) }
        items += rows.map { Item(entry: $0, edge: nil, counted: nil, correctedBy: [], voided: false) }
        try await countStates(&items, q)
        try await attachCorrections(&items)
        return Page(items: items, next: more ? rows.last.map(LedgerEventPosition.init) : nil)
    }

    /// Every item, page after page (for an export); stops after `cap` items.
    public func all(_ q: Query, cap: Int = 1_000_000) async throws -> [Item] {
        var q = q
        q.limit = 10_000
        var out: [Item] = []
        while out.count < cap {
            let page = try await page(q)
            out += page.items
            guard let next = page.next else { break }
            q.after = next
        }
        return Array(out.prefix(cap))
    }

    func wants(_ type: String, _ q: Query) -> Bool { q.types.map { $0.contains(type) } ?? true }

    func wants(_ entry: LedgerEntry, _ q: Query) -> Bool { q.sources.map { $0.contains(entry.entry.source) } ?? true }

    /// Events before the window that still count in it, per unit: the latest state; orders, labor and maintenance
    /// whose latest action before the window opened them.
    func edges(_ q: Query) async throws -> [Item] {
        var out: [Item] = []
        for unit in q.units {
            if wants("state", q),
                let s = try await store.events(unit: unit, types: ["state"], before: q.window.start, limit: 1).first,
                wants(s, q)
            {
                out.append(Item(entry: s, edge: .inForceAtStart, counted: nil, correctedBy: [], voided: false))
            }
            for type in ["order", "labor", "maintenance"] where wants(type, q) {
                let before = try await store.events(unit: unit, types: [type], before: q.window.start, limit: 50)
                var seen = Set<String>()
                for e in before {
                    guard let (key, opens) = Self.activity(e) else { continue }
                    guard seen.insert(key).inserted else { continue }
                    if opens, wants(e, q) {
                        out.append(Item(entry: e, edge: .openAtStart, counted: nil, correctedBy: [], voided: false))
                    }
                }
            }
        }
        return out.sorted { LedgerEventPosition($0.entry) < LedgerEventPosition($1.entry) }
    }

    /// What an order, labor or maintenance event is about (order id, worker, maintenance kind) and whether it opens
    /// an activity; nil for another event.
    static func activity(_ e: LedgerEntry) -> (String, Bool)? {
        guard case .success(let event) = EventCoding.decode(data: Data(e.entry.body.utf8), lineNumber: nil, strict: false)
        else { return nil }
        switch event.payload {
        case .order(let o): return ("order \(o.order)", o.action == .start)
        case .labor(let l): return ("labor \(l.worker)", [.clockIn, .start, .breakStart].contains(l.action))
        case .maintenance(let m): return ("maintenance \(m.kind.rawValue)", m.action == .start)
        default: return nil
        }
    }

    /// Fills in the counted part of each state: from its time (or the window start) to the unit's next state (or
    /// the window end), marking the last state of a unit in the window that runs past the end.
    func countStates(_ items: inout [Item], _ q: Query) async throws {
        var nextByIndex: [Int: Timestamp?] = [:]
        var lastOfUnit: [String: Int] = [:]
        for (i, item) in items.enumerated().reversed() where item.entry.entry.type == "state" {
            let unit = item.entry.entry.unit
            if let later = lastOfUnit[unit] {
                nextByIndex[i] = .some(items[later].entry.entry.ts)
            } else {
                let next = try await store.events(
                    LedgerEventFilter(
                        units: [unit], from: item.entry.entry.ts, to: q.window.end, types: ["state"]),
                    after: LedgerEventPosition(item.entry), limit: 1
                ).first
                nextByIndex[i] = .some(next?.entry.ts)
            }
            lastOfUnit[unit] = i
        }
        for (i, next) in nextByIndex {
            let start = max(items[i].entry.entry.ts, q.window.start)
            let end = next.map { min($0, q.window.end) } ?? q.window.end
            items[i].counted = Interval(start, max(start, end))
            if next == nil && items[i].edge == nil { items[i].edge = .runsPastEnd }
        }
    }

    func attachCorrections(_ items: inout [Item]) async throws {
        let ids = items.map(\.entry.entry.id)
        let corrections = try await store.corrections(of: ids)
        guard !corrections.isEmpty else { return }
        var byTarget: [String: [LedgerEntry]] = [:]
        for c in corrections { if let t = c.entry.corrects { byTarget[t, default: []].append(c) } }
        for i in items.indices {
            guard let cs = byTarget[items[i].entry.entry.id] else { continue }
            items[i].correctedBy = cs.map(\.entry.id)
            items[i].voided = cs.last.map { Self.voids($0.entry.body) } ?? false
        }
    }

    static func voids(_ body: String) -> Bool {
        guard case .success(let e) = EventCoding.decode(data: Data(body.utf8), lineNumber: nil, strict: false),
            case .correction(let c) = e.payload
        else { return false }
        return c.replacement == nil
    }
}
