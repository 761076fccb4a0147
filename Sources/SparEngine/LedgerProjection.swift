import Foundation
import SparCore
import SparInterchange
import SparStorage

/// Builds the KPI projection from what a ledger holds.
public enum LedgerProjection {
    public struct CorruptEntry: Error, Sendable, CustomStringConvertible {
        public var rejection: EventRejection
        public var description: String { "a ledger entry does not decode: \(rejection)" }
    }

    /// Decodes stored event bodies for the units under `scope` (all when nil; order events of every unit, which
    /// give each order's first operation) and builds the engine.
    public static func load(
        store: any LedgerStore, model: PlantModel, plantModelVersion: String?, scope: EquipmentPath? = nil
    ) async throws -> KPIEngine {
        let events = try await self.events(store: store, scope: scope)
        return KPIEngine(model: model, events: events, plantModelVersion: plantModelVersion)
    }

    /// Decodes the stored events of the units under `scope` (all when nil), corrections included, in ledger order.
    public static func events(store: any LedgerStore, scope: EquipmentPath? = nil) async throws -> [Event] {
        let bodies = try await store.eventBodies(unitPrefix: scope?.description)
        var events: [Event] = []
        events.reserveCapacity(bodies.count)
        let decoder = JSONDecoder()
        for body in bodies {
            switch EventCoding.decode(data: Data(body.utf8), lineNumber: nil, using: decoder, strict: false) {
            case .success(let e): events.append(e)
            case .failure(let r): throw CorruptEntry(rejection: r)
            }
        }
        return events
    }
}

extension LedgerProjection {
    /// What appending `event` (with canonical JSON `body`) does to the persisted KPI projection.
    public static func change(for event: Event, body: String) -> KPIRecordChange? {
        if case .correction(let c) = event.payload {
            let replacement = c.replacement.flatMap { r in
                KPIRecord(standingFor: c.corrects.rawValue, event: r, body: EventCoding.canonical(r))
            }
            return .correct(target: c.corrects.rawValue, ts: event.ts, id: event.id.rawValue, replacement: replacement)
        }
        return KPIRecord(standingFor: event.id.rawValue, event: event, body: body).map(KPIRecordChange.add)
    }

    /// The projection changes of stored entries (events only; other entries change nothing).
    static func changes(of entries: [LedgerEntry]) throws -> [KPIRecordChange] {
        let decoder = JSONDecoder()
        var out: [KPIRecordChange] = []
        for entry in entries where entry.entry.kind == .event {
            switch EventCoding.decode(data: Data(entry.entry.body.utf8), lineNumber: nil, using: decoder, strict: false) {
            case .success(let e):
                if let c = change(for: e, body: entry.entry.body) { out.append(c) }
            case .failure(let r):
                throw CorruptEntry(rejection: r)
            }
        }
        return out
    }

    /// Brings the persisted projection to the ledger's head, applying the entries after its head in order (a
    /// ledger written before the projection existed, or an entry appended without its change). Returns how many
    /// entries it applied.
    @discardableResult
    public static func catchUp(store: any KPIProjectionStore, pageSize: Int = 20_000) async throws -> Int64 {
        var head = try await store.projectionHead()
        let size = try await store.ledgerSize()
        let start = head
        while head < size {
            let page = try await store.entries(afterSeq: head, limit: pageSize)
            guard let last = page.last else { break }
            try await store.applyProjection(try changes(of: page), upTo: last.seq, replacing: false)
            head = last.seq
        }
        return head - start
    }

    /// What ``rebuild(store:)`` found.
    public struct RebuildReport: Sendable {
        /// Records in the rebuilt projection.
        public var records: Int
        /// Whether the stored projection equalled the rebuilt one (and was at the ledger's head).
        public var equal: Bool
        /// Event ids whose stored record differed from the rebuilt one (missing, extra or changed), at most 20.
        public var differing: [String]
        /// The head the stored projection was at, and the ledger's size.
        public var storedHead: Int64
        public var ledgerSize: Int64
    }

    /// Recomputes the projection from every ledger entry, compares it with the stored one, and replaces it.
    public static func rebuild(store: any KPIProjectionStore, pageSize: Int = 20_000) async throws -> RebuildReport {
        let storedHead = try await store.projectionHead()
        let size = try await store.ledgerSize()
        var records: [String: KPIRecord] = [:]
        var corrections: [String: (Int64, String)] = [:]
        var changes: [KPIRecordChange] = []
        var seq: Int64 = 0
        while seq < size {
            let page = try await store.entries(afterSeq: seq, limit: pageSize)
            guard let last = page.last else { break }
            for change in try Self.changes(of: page) {
                changes.append(change)
                switch change {
                case .add(let r):
                    records[r.eventID] = r
                case .correct(let target, let ts, let id, let replacement):
                    if let (t, i) = corrections[target], (t, i) > (ts.milliseconds, id) { continue }
                    corrections[target] = (ts.milliseconds, id)
                    records[target] = replacement
                }
            }
            seq = last.seq
        }
        let stored = try await store.allKPIRecords()
        var differing: [String] = []
        var storedIDs = Set<String>()
        for r in stored {
            storedIDs.insert(r.eventID)
            if records[r.eventID] != r, differing.count < 20 { differing.append(r.eventID) }
        }
        for id in records.keys.sorted() where !storedIDs.contains(id) && differing.count < 20 { differing.append(id) }
        let equal = differing.isEmpty && stored.count == records.count && storedHead == size
        try await store.applyProjection(changes, upTo: seq, replacing: true)
        return RebuildReport(records: records.count, equal: equal, differing: differing, storedHead: storedHead, ledgerSize: size)
    }

    /// The KPI reader over a ledger's persisted projection, after catching it up to the head.
    public static func reader(
        store: any KPIProjectionStore, model: PlantModel, plantModelVersion: String?
    ) async throws -> ProjectedKPI {
        try await catchUp(store: store)
        return ProjectedKPI(store: store, model: model, plantModelVersion: plantModelVersion)
    }
}

/// Answers KPI queries from the persisted projection, one unit at a time, so that time and memory follow the scope
/// and the window, not the ledger's length.
///
/// A unit's whole local days inside the window are read from cached buckets (its elements over a local day or a
/// local calendar month, kept beside the projection and dropped in the transaction of any append that can change
/// them; the longest cached bucket at each point is taken); the days not cached
/// and the window's partial first and last days are computed from the records they need (``KPIProjectionStore/
/// unitSlice(unit:from:to:failureReasons:)``), and the pieces are joined in time order with
/// ``TimeModelElements/followed(by:)``. Shift queries are computed from the records of the whole window.
public struct ProjectedKPI: Sendable {
    let store: any KPIProjectionStore
    public let engine: KPIEngine
    let failureReasons: Set<String>
    let zones: [String: LocalTime]
    /// Whether day buckets are read and written (the plant model has a version to key them by).
    public let usesBuckets: Bool

    public init(store: any KPIProjectionStore, model: PlantModel, plantModelVersion: String?, buckets: Bool = true) {
        self.store = store
        engine = KPIEngine(model: model, events: [], plantModelVersion: plantModelVersion)
        failureReasons = Set(model.reasons.filter { $0.failure == true }.map(\.code))
        var zones: [String: LocalTime] = [:]
        for u in model.resolvedWorkUnits where zones[u.timeZone] == nil {
            zones[u.timeZone] = LocalTime(identifier: u.timeZone) ?? LocalTime(identifier: "UTC")
        }
        self.zones = zones
        usesBuckets = buckets && plantModelVersion != nil
    }

    /// Answers one query under a definition version.
    public func result(_ query: KPIQuery, definition: KPIDefinitionVersion = KPICatalogue.latest) async throws -> KPIResult {
        let inScope = try engine.unitsAnswering(query)
        // Units are read and computed a few at a time in parallel, and summed in model order (the same sums every time).
        var parts = [TimeModelElements?](repeating: nil, count: inScope.count)
        let width = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        try await withThrowingTaskGroup(of: (Int, TimeModelElements).self) { group in
            var next = 0
            func launch() {
                let i = next
                let unit = inScope[i]
                group.addTask { (i, try await self.elements(of: unit, query: query)) }
                next += 1
            }
            while next < min(width, inScope.count) { launch() }
            while let (i, el) = try await group.next() {
                parts[i] = el
                if Task.isCancelled {
                    group.cancelAll()
                    throw KPIQueryError(.cancelled, field: "", reason: "the query was cancelled before it finished")
                }
                if next < inScope.count { launch() }
            }
        }
        var total = TimeModelElements()
        for p in parts { if let p { total.add(p) } }
        return engine.makeResult(
            query: query, elements: total, singleUnit: inScope.count == 1 && query.scope.isWorkUnit, definition: definition)
    }

    /// A stretch of the window: cached elements, or ranges to compute from one slice (with the local day number of
    /// each whole day among them).
    enum Segment {
        case cached(TimeModelElements, days: [Int64]?)
        case compute([(range: Interval, day: Int64?)])
    }

    func elements(of unit: ResolvedWorkUnit, query: KPIQuery) async throws -> TimeModelElements {
        let range = Interval(query.from, query.to)
        guard usesBuckets, query.shift == nil, let zone = zones[unit.timeZone], let model = engine.plantModelVersion else {
            return try await computed(unit, [range], shift: query.shift).elements[0]
        }
        var days: [(day: Int64, start: Timestamp)] = []
        var d = zone.localDay(of: query.from)
        while true {
            let m = zone.instant(localSeconds: d * 86_400)
            if m > query.to { break }
            if m >= query.from { days.append((d, m)) }
            d += 1
        }
        guard days.count >= 2 else { return try await computed(unit, [range], shift: nil).elements[0] }
        let path = unit.path.description
        let (version, cachedList) = try await store.buckets(
            unit: path, model: model, from: days[0].start, to: days[days.count - 1].start)
        var cached: [Int64: [KPIBucket]] = [:]
        for b in cachedList { cached[b.start.milliseconds, default: []].append(b) }
        var index: [Int64: Int] = [:]
        for (k, day) in days.enumerated() { index[day.start.milliseconds] = k }
        let decoder = JSONDecoder()

        var segments: [Segment] = []
        var pending: [(range: Interval, day: Int64?)] = []
        func flush() {
            if !pending.isEmpty { segments.append(.compute(pending)) }
            pending = []
        }
        if query.from < days[0].start { pending.append((Interval(query.from, days[0].start), nil)) }
        var k = 0
        while k < days.count - 1 {
            let best = cached[days[k].start.milliseconds]?.filter { index[$0.end.milliseconds] != nil }
                .max { $0.end < $1.end }
            if let best, let next = index[best.end.milliseconds], next > k,
                let el = try? decoder.decode(TimeModelElements.self, from: Data(best.body.utf8))
            {
                flush()
                segments.append(.cached(el, days: next == k + 1 ? [days[k].day] : nil))
                k = next
            } else {
                pending.append((Interval(days[k].start, days[k + 1].start), days[k].day))
                k += 1
            }
        }
        if days[days.count - 1].start < query.to { pending.append((Interval(days[days.count - 1].start, query.to), nil)) }
        flush()

        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func bucket(_ start: Timestamp, _ end: Timestamp, _ el: TimeModelElements) throws -> KPIBucket {
            KPIBucket(start: start, end: end, body: String(decoding: try encoder.encode(el), as: UTF8.self))
        }
        var parts: [TimeModelElements] = []
        var byDay: [Int64: TimeModelElements] = [:]
        var fresh: [KPIBucket] = []
        var consistent = true
        for segment in segments {
            switch segment {
            case .cached(let el, let ds):
                parts.append(el)
                if let ds { byDay[ds[0]] = el }
            case .compute(let pieces):
                let (els, v) = try await computed(unit, pieces.map(\.range), shift: nil)
                if v != version { consistent = false }
                for (piece, el) in zip(pieces, els) {
                    parts.append(el)
                    if let day = piece.day {
                        byDay[day] = el
                        fresh.append(try bucket(piece.range.start, piece.range.end, el))
                    }
                }
            }
        }
        // Whole local months of the window whose days are all known here are cached as one bucket each.
        var month = CivilDate.fromDays(days[0].day)
        while true {
            let first = CivilDate.days(month.0, month.1, 1)
            let count = CivilDate.daysInMonth(month.0, month.1)
            let last = first + count - 1
            if first > days[days.count - 1].day { break }
            let known = (first...last).compactMap { byDay[$0] }
            if known.count == Int(count), cached[zone.instant(localSeconds: first * 86_400).milliseconds]?
                .contains(where: { $0.end == zone.instant(localSeconds: (last + 1) * 86_400) }) != true
            {
                var joined = known[0]
                for el in known.dropFirst() { joined = joined.followed(by: el) }
                fresh.append(
                    try bucket(zone.instant(localSeconds: first * 86_400), zone.instant(localSeconds: (last + 1) * 86_400), joined))
            }
            month = month.1 == 12 ? (month.0 + 1, 1, 1) : (month.0, month.1 + 1, 1)
        }
        if consistent, !fresh.isEmpty { _ = try await store.storeBuckets(unit: path, model: model, version: version, fresh) }
        var joined = parts[0]
        for p in parts.dropFirst() { joined = joined.followed(by: p) }
        return joined
    }

    /// The unit's elements over each range, from one slice of records over their hull, and the unit's version then.
    func computed(_ unit: ResolvedWorkUnit, _ ranges: [Interval], shift: String?) async throws
        -> (elements: [TimeModelElements], version: Int64?)
    {
        let from = ranges.map(\.start).min()!
        let to = ranges.map(\.end).max()!
        let slice = try await store.unitSlice(
            unit: unit.path.description, from: from, to: to, failureReasons: failureReasons)
        var events: [Event]?
        if slice.hasRecords {
            let decoder = JSONDecoder()
            var list: [Event] = []
            list.reserveCapacity(slice.bodies.count)
            for body in slice.bodies {
                switch EventCoding.decode(data: Data(body.utf8), lineNumber: nil, using: decoder, strict: false) {
                case .success(let e): list.append(e)
                case .failure(let r): throw LedgerProjection.CorruptEntry(rejection: r)
                }
            }
            events = list
        }
        let store = store
        let els = try await engine.elements(
            of: unit, ranges: ranges, shift: shift, events: events,
            firstOperations: { orders in try await store.firstOperations(orders: orders) })
        return (els, slice.version)
    }
}
