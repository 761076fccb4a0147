/// Everything one work unit reported, sorted by event time, ready for window queries.
///
/// A value type built from the unit's effective events (corrections applied). Records are sorted by
/// `(ts, id)`, so every sum is taken in the same order whatever order the events arrived in.
public struct UnitHistory: Sendable {
    static let openEnd = Timestamp(milliseconds: Int64.max / 4)

    struct Tag: Sendable {
        var source: Int32
    }

    struct StateRecord: Sendable {
        var ts: Timestamp
        var category: TimeCategory?
        var reason: String?
        var source: Int32
    }

    struct CountRecord: Sendable {
        var ts: Timestamp
        var count: Count
        var source: Int32
        /// Planned run time per unit from the order the count names, else the order running at `ts`.
        var plannedRunTimePerUnit: Double?
        /// The order the count is booked to (the one it names, else the order running at `ts`) and its operation.
        var order: String?
        var operation: Int = 1
    }

    struct OrderSpan: Sendable {
        var order: String
        var span: Interval
        var plannedRunTimePerUnit: Double?
        var plannedScrapQuantity: Double?
        var sources: [Int32]
        var operation: Int = 1
    }

    struct SpanRecord: Sendable {
        var span: Interval
        var sources: [Int32]
        var worker: String? = nil
    }

    struct PointRecord<Value: Sendable>: Sendable {
        var ts: Timestamp
        var value: Value
        var source: Int32
    }

    public let path: EquipmentPath
    var states: [StateRecord] = []
    var counts: [CountRecord] = []
    var orders: [OrderSpan] = []
    var clockSpans: [SpanRecord] = []
    var workSpans: [SpanRecord] = []
    var maintenance: [MaintenanceAction.Kind: [SpanRecord]] = [:]
    var measurements: [PointRecord<Measurement>] = []
    var materials: [PointRecord<MaterialMovement>] = []
    var energy: [PointRecord<Double>] = []
    var inspections: [PointRecord<Inspection>] = []
    /// Each serial's first `fail` inspection on the unit, in time order.
    var firstFails: [(ts: Timestamp, serial: String)] = []
    /// Authorised breaks by worker (`breakStart`…`breakEnd`; an open break runs on).
    var breaks: [String: [Interval]] = [:]
    var orderLookup = SpanLookup([])
    var clockLookup = SpanLookup([])
    var workLookup = SpanLookup([])
    var maintenanceLookup: [MaintenanceAction.Kind: SpanLookup] = [:]

    /// Builds the history from effective events of this unit (any order).
    init(path: EquipmentPath, events: [Event], sourceIndex: (String) -> Int32) {
        self.path = path
        let sorted = events.sorted { ($0.ts, $0.id) < ($1.ts, $1.id) }
        var openOrders: [String: (Timestamp, OrderAction, Int32)] = [:]
        var openClock: [String: (Timestamp, Int32)] = [:]
        var openWork: [String: (Timestamp, Int32)] = [:]
        var openMaintenance: [MaintenanceAction.Kind: (Timestamp, Int32)] = [:]
        var openBreak: [String: Timestamp] = [:]
        func span(_ order: String, _ start: Timestamp, _ end: Timestamp, _ o: OrderAction, _ sources: [Int32]) -> OrderSpan {
            OrderSpan(order: order, span: Interval(start, end), plannedRunTimePerUnit: o.plannedRunTimePerUnit,
                plannedScrapQuantity: o.plannedScrapQuantity, sources: sources, operation: o.operation ?? 1)
        }
        for e in sorted {
            let src = sourceIndex(e.source)
            switch e.payload {
            case .state(let s):
                states.append(StateRecord(ts: e.ts, category: s.category, reason: s.reason, source: src))
            case .count(let c):
                counts.append(CountRecord(ts: e.ts, count: c, source: src, plannedRunTimePerUnit: nil, order: c.order))
            case .order(let o):
                switch o.action {
                case .start:
                    if let (start, prev, psrc) = openOrders[o.order] {
                        orders.append(span(o.order, start, e.ts, prev, [psrc]))
                    }
                    openOrders[o.order] = (e.ts, o, src)
                case .end:
                    if let (start, prev, psrc) = openOrders.removeValue(forKey: o.order) {
                        orders.append(span(o.order, start, e.ts, prev, [psrc, src]))
                    }
                }
            case .labor(let l):
                switch l.action {
                case .clockIn:
                    if openClock[l.worker] == nil { openClock[l.worker] = (e.ts, src) }
                case .clockOut:
                    if let (start, s0) = openClock.removeValue(forKey: l.worker) {
                        clockSpans.append(SpanRecord(span: Interval(start, e.ts), sources: [s0, src], worker: l.worker))
                    }
                    // A break still open at clock-out ends there (kpis-v2.md), not in the next clocked-in span.
                    if let start = openBreak.removeValue(forKey: l.worker) {
                        breaks[l.worker, default: []].append(Interval(start, e.ts))
                    }
                case .breakStart:
                    if openBreak[l.worker] == nil { openBreak[l.worker] = e.ts }
                case .breakEnd:
                    if let start = openBreak.removeValue(forKey: l.worker) {
                        breaks[l.worker, default: []].append(Interval(start, e.ts))
                    }
                case .start:
                    let key = l.worker + "\u{1F}" + (l.order ?? "")
                    if openWork[key] == nil { openWork[key] = (e.ts, src) }
                case .stop:
                    let key = l.worker + "\u{1F}" + (l.order ?? "")
                    if let (start, s0) = openWork.removeValue(forKey: key) {
                        workSpans.append(SpanRecord(span: Interval(start, e.ts), sources: [s0, src]))
                    }
                }
            case .maintenance(let m):
                switch m.action {
                case .start:
                    if openMaintenance[m.kind] == nil { openMaintenance[m.kind] = (e.ts, src) }
                case .end:
                    if let (start, s0) = openMaintenance.removeValue(forKey: m.kind) {
                        maintenance[m.kind, default: []].append(SpanRecord(span: Interval(start, e.ts), sources: [s0, src]))
                    }
                }
            case .measurement(let m):
                measurements.append(PointRecord(ts: e.ts, value: m, source: src))
            case .material(let m):
                materials.append(PointRecord(ts: e.ts, value: m, source: src))
            case .energy(let kwh):
                energy.append(PointRecord(ts: e.ts, value: kwh, source: src))
            case .inspection(let i):
                inspections.append(PointRecord(ts: e.ts, value: i, source: src))
            case .correction:
                break
            }
        }
        let end = UnitHistory.openEnd
        for (order, (start, o, s)) in openOrders.sorted(by: { $0.key < $1.key }) {
            orders.append(span(order, start, end, o, [s]))
        }
        for (worker, (start, s)) in openClock.sorted(by: { $0.key < $1.key }) {
            clockSpans.append(SpanRecord(span: Interval(start, end), sources: [s], worker: worker))
        }
        for (worker, start) in openBreak { breaks[worker, default: []].append(Interval(start, end)) }
        for (_, (start, s)) in openWork.sorted(by: { $0.key < $1.key }) {
            workSpans.append(SpanRecord(span: Interval(start, end), sources: [s]))
        }
        for (kind, (start, s)) in openMaintenance.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            maintenance[kind, default: []].append(SpanRecord(span: Interval(start, end), sources: [s]))
        }
        orders.sort { ($0.span.start, $0.order) < ($1.span.start, $1.order) }
        clockSpans.sort { ($0.span.start, $0.span.end) < ($1.span.start, $1.span.end) }
        workSpans.sort { ($0.span.start, $0.span.end) < ($1.span.start, $1.span.end) }
        for kind in Array(maintenance.keys) {
            maintenance[kind]?.sort { ($0.span.start, $0.span.end) < ($1.span.start, $1.span.end) }
        }
        var seenFail = Set<String>()
        for r in inspections where r.value.result == .fail && seenFail.insert(r.value.serial).inserted {
            firstFails.append((r.ts, r.value.serial))
        }
        orderLookup = SpanLookup(orders.map(\.span))
        clockLookup = SpanLookup(clockSpans.map(\.span))
        workLookup = SpanLookup(workSpans.map(\.span))
        maintenanceLookup = maintenance.mapValues { SpanLookup($0.map(\.span)) }
        resolvePlannedRunTimes()
    }

    /// Sets each count's PRU: the order it names (running at the count, else its latest start before it, else any),
    /// or the latest-started order running on the unit at the count.
    private mutating func resolvePlannedRunTimes() {
        guard !orders.isEmpty else { return }
        var byOrder: [String: [Int]] = [:]
        for (i, o) in orders.enumerated() { byOrder[o.order, default: []].append(i) }
        func runs(_ o: OrderSpan, at t: Timestamp) -> Bool {
            o.span.start <= t && (t < o.span.end || o.span.start == o.span.end)
        }
        for k in counts.indices {
            let t = counts[k].ts
            if let name = counts[k].count.order {
                guard let indices = byOrder[name] else { continue }
                let started = indices.filter { orders[$0].span.start <= t }
                let chosen = started.last { runs(orders[$0], at: t) } ?? started.last ?? indices.first
                counts[k].plannedRunTimePerUnit = chosen.flatMap { orders[$0].plannedRunTimePerUnit }
                counts[k].operation = chosen.map { orders[$0].operation } ?? 1
            } else {
                var i = UnitHistory.lowerBound(orders, t.adding(milliseconds: 1)) { $0.span.start } - 1
                while i >= 0 {
                    if runs(orders[i], at: t) {
                        counts[k].plannedRunTimePerUnit = orders[i].plannedRunTimePerUnit
                        counts[k].order = orders[i].order
                        counts[k].operation = orders[i].operation
                        break
                    }
                    i -= 1
                }
            }
        }
    }

    /// Calls `body` with each time-sorted record whose time lies in `window` (a subset of `range`), in order.
    static func forEach<T>(
        _ items: [T], in range: Interval, window: IntervalSet, ts: (T) -> Timestamp, _ body: (T) -> Void
    ) {
        var i = lowerBound(items, range.start, ts)
        while i < items.count, ts(items[i]) < range.end {
            if window.contains(ts(items[i])) { body(items[i]) }
            i += 1
        }
    }

    /// Calls `body` with each time-sorted record whose time closes part of `window` (``IntervalSet/closes(_:)``):
    /// the records with `range.start < ts ≤ range.end` that the window holds.
    static func forEachClosing<T>(
        _ items: [T], in range: Interval, window: IntervalSet, ts: (T) -> Timestamp, _ body: (T) -> Void
    ) {
        var i = lowerBound(items, range.start.adding(milliseconds: 1), ts)
        while i < items.count, ts(items[i]) <= range.end {
            if window.closes(ts(items[i])) { body(items[i]) }
            i += 1
        }
    }

    /// Index of the first record whose time is at or after `t`.
    static func lowerBound<T>(_ items: [T], _ t: Timestamp, _ key: (T) -> Timestamp) -> Int {
        var lo = 0
        var hi = items.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if key(items[mid]) < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
