import Foundation
import Synchronization
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
    /// Elements computed or decoded before, for a process that answers many queries (the server).
    public let cache: ElementsCache?
    public let engine: KPIEngine
    let failureReasons: Set<String>
    let zones: [String: LocalTime]
    /// Whether day buckets are read and written (the plant model has a version to key them by).
    public let usesBuckets: Bool

    public init(
        store: any KPIProjectionStore, model: PlantModel, plantModelVersion: String?, buckets: Bool = true,
        cache: ElementsCache? = nil
    ) {
        self.store = store
        self.cache = cache
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
        let total = try await summed(inScope, windows: [Interval(query.from, query.to)], shift: query.shift)[0]
        return engine.makeResult(
            query: query, elements: total, singleUnit: inScope.count == 1 && query.scope.isWorkUnit, definition: definition)
    }

    /// The elements of the units under `scope` over each of `windows` (no shift; an empty window gives empty
    /// elements): what a dashboard asking many windows of one scope needs, each unit's buckets read once.
    public func elements(in scope: EquipmentPath, windows: [Interval]) async throws -> [TimeModelElements] {
        let inScope = engine.units(in: scope)
        guard !inScope.isEmpty, !windows.isEmpty else { return windows.map { _ in TimeModelElements() } }
        return try await summed(inScope, windows: windows, shift: nil)
    }

    /// Results of one scope over many windows (nil for an empty window).
    public func results(in scope: EquipmentPath, windows: [Interval], definition: KPIDefinitionVersion) async throws
        -> [KPIResult?]
    {
        let single = scope.isWorkUnit && engine.units(in: scope).count == 1
        let elements = try await elements(in: scope, windows: windows)
        return zip(windows, elements).map { w, el in
            w.start < w.end
                ? engine.makeResult(
                    query: KPIQuery(scope: scope, from: w.start, to: w.end), elements: el, singleUnit: single,
                    definition: definition)
                : nil
        }
    }

    /// Setup, delay, down and idle time inside PBT by reason over the units under `scope`, largest first
    /// (``KPIEngine/losses(in:range:)``).
    public func losses(in scope: EquipmentPath, range: Interval) async throws -> [ReasonLoss] {
        guard range.start < range.end else { return [] }
        return try await elements(in: scope, windows: [range])[0].losses
    }

    /// One unit's state spans cut to `range` (``KPIEngine/stateSpans(of:in:)``), from the records the window needs.
    public func stateSpans(of path: EquipmentPath, in range: Interval) async throws -> [StateSpan] {
        guard range.start < range.end, let unit = engine.units(in: path).first(where: { $0.path == path }) else { return [] }
        let name = path.description
        if let cache, let hit = cache.spans(unit: name, range, version: try await store.unitVersion(unit: name)) { return hit }
        let slice = try await store.unitSlice(unit: name, from: range.start, to: range.end, failureReasons: failureReasons)
        guard slice.hasRecords else { return [] }
        let spans = engine.stateSpans(of: unit, in: range, events: try Self.decode(slice.bodies))
        cache?.keep(spans, unit: name, range, version: slice.version)
        return spans
    }

    /// Each unit's elements over every window, computed a few units at a time in parallel and summed in model order
    /// (the same sums every time).
    func summed(_ inScope: [ResolvedWorkUnit], windows: [Interval], shift: String?) async throws -> [TimeModelElements] {
        // With a cache, every unit's version is read in one statement, so that a query answered from memory costs
        // one read of the store, not one per unit.
        let versions = cache != nil && shift == nil && inScope.count > 1 ? try await store.unitVersions() : nil
        var parts = [[TimeModelElements]?](repeating: nil, count: inScope.count)
        let width = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        try await withThrowingTaskGroup(of: (Int, [TimeModelElements]).self) { group in
            var next = 0
            func launch() {
                let i = next
                let unit = inScope[i]
                let known = versions?[unit.path.description] ?? (versions == nil ? nil : 0)
                group.addTask { (i, try await self.elements(of: unit, windows: windows, shift: shift, version: known)) }
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
        var totals = windows.map { _ in TimeModelElements() }
        for p in parts {
            guard let p else { continue }
            for k in totals.indices { totals[k].add(p[k]) }
        }
        return totals
    }

    /// A piece of one window: a cached bucket, or a range to compute (with its local day number when it is a whole day).
    enum Piece {
        case cached(KPIBucket)
        case compute(Interval, day: Int64?)
    }

    /// One unit's elements over each window. Whole local days come from the longest cached buckets; the rest is
    /// computed from slices of records (ranges less than a day apart share one slice), and the days and whole local
    /// months computed here are stored as buckets for the next query.
    func elements(of unit: ResolvedWorkUnit, windows: [Interval], shift: String?, version known: Int64? = nil) async throws
        -> [TimeModelElements]
    {
        let real = windows.filter { $0.start < $0.end }
        guard !real.isEmpty else { return windows.map { _ in TimeModelElements() } }
        guard usesBuckets, shift == nil, let zone = zones[unit.timeZone], let model = engine.plantModelVersion else {
            let els = try await computed(unit, real, shift: shift).elements
            var k = 0
            return windows.map { w in
                guard w.start < w.end else { return TimeModelElements() }
                defer { k += 1 }
                return els[k]
            }
        }
        func dayStarts(_ w: Interval) -> [(day: Int64, start: Timestamp)] {
            var days: [(day: Int64, start: Timestamp)] = []
            var d = zone.localDay(of: w.start)
            while true {
                let m = zone.instant(localSeconds: d * 86_400)
                if m > w.end { break }
                if m >= w.start { days.append((d, m)) }
                d += 1
            }
            return days
        }
        let path = unit.path.description
        // Whole windows answered before at the unit's current version (a page asked again) need no piece at all.
        var hits: [Int: TimeModelElements] = [:]
        var asked: Int64?
        if let cache {
            let v: Int64
            if let known { v = known } else { v = try await store.unitVersion(unit: path) }
            asked = v
            for (i, w) in windows.enumerated() where w.start < w.end {
                if let el = cache.elements(unit: path, w, version: v, window: true) { hits[i] = el }
            }
            if hits.count == real.count { return windows.indices.map { hits[$0] ?? TimeModelElements() } }
        }
        let daysOf = windows.enumerated().map { i, w in w.start < w.end && hits[i] == nil ? dayStarts(w) : [] }
        let allDays = daysOf.filter { $0.count >= 2 }.flatMap { $0 }
        var version: Int64?
        var cached: [Int64: [KPIBucket]] = [:]
        if let lo = allDays.map(\.start).min(), let hi = allDays.map(\.start).max() {
            let (v, list) = try await store.buckets(unit: path, model: model, from: lo, to: hi)
            version = v
            for b in list { cached[b.start.milliseconds, default: []].append(b) }
        } else if cache != nil {
            version = try await store.unitVersion(unit: path)
        }

        // Less than a day: with an in-process cache, cut at whole UTC hours, so that a window whose end moves with
        // the data (today, this shift) computes only its last partial hour again.
        func partial(_ iv: Interval) -> [Piece] {
            let hour: Int64 = 3_600_000
            let first = (iv.start.milliseconds + hour - 1) / hour * hour
            let last = iv.end.milliseconds / hour * hour
            guard cache != nil, first < last else { return [.compute(iv, day: nil)] }
            var out: [Piece] = []
            if iv.start.milliseconds < first { out.append(.compute(Interval(iv.start, Timestamp(milliseconds: first)), day: nil)) }
            var h = first
            while h < last {
                out.append(.compute(Interval(Timestamp(milliseconds: h), Timestamp(milliseconds: h + hour)), day: nil))
                h += hour
            }
            if last < iv.end.milliseconds { out.append(.compute(Interval(Timestamp(milliseconds: last), iv.end), day: nil)) }
            return out
        }
        var plans: [[Piece]] = []
        for (i, (w, days)) in zip(windows, daysOf).enumerated() {
            guard w.start < w.end, hits[i] == nil else {
                plans.append([])
                continue
            }
            guard days.count >= 2 else {
                plans.append(partial(w))
                continue
            }
            var index: [Int64: Int] = [:]
            for (k, day) in days.enumerated() { index[day.start.milliseconds] = k }
            var plan: [Piece] = []
            if w.start < days[0].start { plan += partial(Interval(w.start, days[0].start)) }
            var k = 0
            while k < days.count - 1 {
                if let best = cached[days[k].start.milliseconds]?.filter({ index[$0.end.milliseconds] != nil })
                    .max(by: { $0.end < $1.end }), let next = index[best.end.milliseconds], next > k
                {
                    plan.append(.cached(best))
                    k = next
                } else {
                    plan.append(.compute(Interval(days[k].start, days[k + 1].start), day: days[k].day))
                    k += 1
                }
            }
            if days[days.count - 1].start < w.end { plan += partial(Interval(days[days.count - 1].start, w.end)) }
            plans.append(plan)
        }

        // Decode each cached bucket once; an undecodable one (an older encoding) is computed again instead.
        let decoder = JSONDecoder()
        var decoded: [String: TimeModelElements] = [:]
        func key(_ iv: Interval) -> String { "\(iv.start.milliseconds)-\(iv.end.milliseconds)" }
        var ranges: [String: (range: Interval, day: Int64?)] = [:]
        for k in plans.indices {
            plans[k] = plans[k].flatMap { piece -> [Piece] in
                guard case .cached(let b) = piece else { return [piece] }
                let iv = Interval(b.start, b.end)
                if decoded[key(iv)] != nil { return [piece] }
                if let version, let el = cache?.elements(unit: path, iv, version: version) {
                    decoded[key(iv)] = el
                    return [piece]
                }
                if let el = try? decoder.decode(TimeModelElements.self, from: Data(b.body.utf8)) {
                    decoded[key(iv)] = el
                    if let version { cache?.keep(el, unit: path, iv, version: version) }
                    return [piece]
                }
                return dayStarts(iv).dropLast().map { d in
                    .compute(Interval(d.start, zone.instant(localSeconds: (d.day + 1) * 86_400)), day: d.day)
                }
            }
            for case .compute(let iv, let day) in plans[k] { ranges[key(iv)] = (iv, day) }
        }

        // Ranges to compute, clustered so that ranges less than a day apart share one slice.
        var consistent = true
        var computedElements: [String: TimeModelElements] = [:]
        var fresh: [KPIBucket] = []
        var byDay: [Int64: TimeModelElements] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func bucket(_ start: Timestamp, _ end: Timestamp, _ el: TimeModelElements) throws -> KPIBucket {
            KPIBucket(start: start, end: end, body: String(decoding: try encoder.encode(el), as: UTF8.self))
        }
        if let cache, let version {
            for (k, r) in ranges {
                guard let el = cache.elements(unit: path, r.range, version: version) else { continue }
                computedElements[k] = el
                if let day = r.day { byDay[day] = el }
                ranges[k] = nil
            }
        }
        var clusters: [[(range: Interval, day: Int64?)]] = []
        for r in ranges.values.sorted(by: { ($0.range.start, $0.range.end) < ($1.range.start, $1.range.end) }) {
            if let last = clusters.last?.map(\.range.end).max(), r.range.start.milliseconds - last.milliseconds < 86_400_000 {
                clusters[clusters.count - 1].append(r)
            } else {
                clusters.append([r])
            }
        }
        for cluster in clusters {
            let (els, v) = try await computed(unit, cluster.map(\.range), shift: nil)
            if v != version { consistent = false }
            for (r, el) in zip(cluster, els) {
                computedElements[key(r.range)] = el
                if let v { cache?.keep(el, unit: path, r.range, version: v) }
                if let day = r.day {
                    byDay[day] = el
                    fresh.append(try bucket(r.range.start, r.range.end, el))
                }
            }
        }
        for (k, el) in decoded {
            if let b = cached.values.lazy.flatMap({ $0 }).first(where: { key(Interval($0.start, $0.end)) == k }),
                zone.instant(localSeconds: (zone.localDay(of: b.start) + 1) * 86_400) == b.end
            {
                byDay[zone.localDay(of: b.start)] = el
            }
        }

        // Whole local months whose days are all known here are cached as one bucket each.
        if let firstDay = allDays.map(\.day).min(), let lastDay = allDays.map(\.day).max() {
            var month = CivilDate.fromDays(firstDay)
            while true {
                let first = CivilDate.days(month.0, month.1, 1)
                let count = CivilDate.daysInMonth(month.0, month.1)
                let last = first + count - 1
                if first > lastDay { break }
                let known = (first...last).compactMap { byDay[$0] }
                let monthStart = zone.instant(localSeconds: first * 86_400)
                let monthEnd = zone.instant(localSeconds: (last + 1) * 86_400)
                if known.count == Int(count), cached[monthStart.milliseconds]?.contains(where: { $0.end == monthEnd }) != true {
                    var joined = known[0]
                    for el in known.dropFirst() { joined = joined.followed(by: el) }
                    fresh.append(try bucket(monthStart, monthEnd, joined))
                }
                month = month.1 == 12 ? (month.0 + 1, 1, 1) : (month.0, month.1 + 1, 1)
            }
        }
        if consistent, !fresh.isEmpty, let version {
            // A cache: the answer is already computed, so a write that fails (a database restarting) loses nothing.
            _ = try? await store.storeBuckets(unit: path, model: model, version: version, fresh)
        }

        return plans.enumerated().map { i, plan in
            if let hit = hits[i] { return hit }
            let pieces = plan.compactMap { piece -> TimeModelElements? in
                switch piece {
                case .cached(let b): decoded[key(Interval(b.start, b.end))]
                case .compute(let iv, _): computedElements[key(iv)]
                }
            }
            guard var joined = pieces.first else { return TimeModelElements() }
            for p in pieces.dropFirst() { joined = joined.followed(by: p) }
            if consistent, let asked, version == asked { cache?.keep(joined, unit: path, windows[i], version: asked, window: true) }
            return joined
        }
    }

    static func decode(_ bodies: [String]) throws -> [Event] {
        let decoder = JSONDecoder()
        var list: [Event] = []
        list.reserveCapacity(bodies.count)
        for body in bodies {
            switch EventCoding.decode(data: Data(body.utf8), lineNumber: nil, using: decoder, strict: false) {
            case .success(let e): list.append(e)
            case .failure(let r): throw LedgerProjection.CorruptEntry(rejection: r)
            }
        }
        return list
    }

    /// The unit's elements over each range, from one slice of records over their hull, and the unit's version then.
    func computed(_ unit: ResolvedWorkUnit, _ ranges: [Interval], shift: String?) async throws
        -> (elements: [TimeModelElements], version: Int64?)
    {
        let from = ranges.map(\.start).min()!
        let to = ranges.map(\.end).max()!
        let slice = try await store.unitSlice(
            unit: unit.path.description, from: from, to: to, failureReasons: failureReasons)
        let events = slice.hasRecords ? try Self.decode(slice.bodies) : nil
        let store = store
        let els = try await engine.elements(
            of: unit, ranges: ranges, shift: shift, events: events,
            firstOperations: { orders in try await store.firstOperations(orders: orders) })
        return (els, slice.version)
    }
}

/// One unit's elements over a range, computed from a slice or decoded from a bucket, kept while the unit's projection
/// version stays the one they were computed at (an append that can change them bumps it). Whole windows asked and
/// the pieces they were joined from are kept apart, each bounded: a tier that is full is emptied and refilled by the
/// next queries, so random windows that churn the pieces never push out the windows a dashboard asks again.
public final class ElementsCache: Sendable {
    struct Key: Hashable {
        var unit: String
        var start: Int64
        var end: Int64
    }

    private let windows = Mutex<[Key: (version: Int64, elements: TimeModelElements)]>([:])
    private let pieces = Mutex<[Key: (version: Int64, elements: TimeModelElements)]>([:])
    public let windowLimit: Int
    public let pieceLimit: Int

    public init(windowLimit: Int = 20_000, pieceLimit: Int = 50_000) {
        self.windowLimit = windowLimit
        self.pieceLimit = pieceLimit
    }

    func elements(unit: String, _ range: Interval, version: Int64, window: Bool = false) -> TimeModelElements? {
        let key = Key(unit: unit, start: range.start.milliseconds, end: range.end.milliseconds)
        if window {
            return windows.withLock { e in e[key].flatMap { $0.version == version ? $0.elements : nil } }
        }
        return pieces.withLock { e in e[key].flatMap { $0.version == version ? $0.elements : nil } }
    }

    func keep(_ elements: TimeModelElements, unit: String, _ range: Interval, version: Int64, window: Bool = false) {
        let key = Key(unit: unit, start: range.start.milliseconds, end: range.end.milliseconds)
        let limit = window ? windowLimit : pieceLimit
        func put(_ e: inout [Key: (version: Int64, elements: TimeModelElements)]) {
            if e.count >= limit { e.removeAll(keepingCapacity: true) }
            e[key] = (version, elements)
        }
        if window { windows.withLock { put(&$0) } } else { pieces.withLock { put(&$0) } }
    }

    private let stateSpans = Mutex<[Key: (version: Int64, spans: [StateSpan])]>([:])

    func spans(unit: String, _ range: Interval, version: Int64) -> [StateSpan]? {
        let key = Key(unit: unit, start: range.start.milliseconds, end: range.end.milliseconds)
        return stateSpans.withLock { e in e[key].flatMap { $0.version == version ? $0.spans : nil } }
    }

    func keep(_ spans: [StateSpan], unit: String, _ range: Interval, version: Int64) {
        let key = Key(unit: unit, start: range.start.milliseconds, end: range.end.milliseconds)
        let limit = windowLimit
        stateSpans.withLock { e in
            if e.count >= limit { e.removeAll(keepingCapacity: true) }
            e[key] = (version, spans)
        }
    }

    /// Entries held (windows and pieces).
    public var count: Int { windows.withLock { $0.count } + pieces.withLock { $0.count } }
}
