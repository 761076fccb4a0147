/// A stretch of one work unit's state, as the time model reads it: the state holds from its event until the
/// unit's next state event.
public struct StateSpan: Sendable, Hashable {
    public var interval: Interval
    /// The ISO time category (the event's, else its reason code's); nil when neither says.
    public var category: TimeCategory?
    public var reason: String?
    public var source: String

    public init(interval: Interval, category: TimeCategory?, reason: String?, source: String) {
        self.interval = interval
        self.category = category
        self.reason = reason
        self.source = source
    }
}

/// Loss time of one reason code inside planned busy time (PBT), for a loss Pareto.
public struct ReasonLoss: Sendable, Hashable {
    /// The reason code; nil for state time reported with a category but no reason.
    public var reason: String?
    public var category: TimeCategory
    public var milliseconds: Int64

    public init(reason: String?, category: TimeCategory, milliseconds: Int64) {
        self.reason = reason
        self.category = category
        self.milliseconds = milliseconds
    }
}

extension KPIEngine {
    /// The unit's state spans cut to `range`, in time order (a state before `range` that is still in force is
    /// included from `range.start`; the last state runs to `range.end`). Empty for a unit without state events.
    public func stateSpans(of unit: EquipmentPath, in range: Interval) -> [StateSpan] {
        guard let history = histories[unit] else { return [] }
        let states = history.states
        var first = UnitHistory.lowerBound(states, range.start) { $0.ts }
        if first > 0, first == states.count || states[first].ts > range.start { first -= 1 }
        var out: [StateSpan] = []
        var i = first
        while i < states.count, states[i].ts < range.end {
            let s = states[i]
            let end = i + 1 < states.count ? states[i + 1].ts : UnitHistory.openEnd
            if let cut = Interval(s.ts, end).intersection(range), !cut.isEmpty {
                out.append(
                    StateSpan(
                        interval: cut, category: s.category ?? s.reason.flatMap { index.reasons[$0]?.category },
                        reason: s.reason, source: sourceNames[Int(s.source)]))
            }
            i += 1
        }
        return out
    }

    /// Setup, delay, down and idle time inside planned busy time by reason code, summed over the work units under
    /// `scope`, largest first (ties by reason). Planned busy time is read as in the time model: planned operation
    /// time minus calendar planned down windows and `plannedDown` state time.
    public func losses(in scope: EquipmentPath, range: Interval) -> [ReasonLoss] {
        var cache = ScheduleCache()
        var totals: [String: (String?, TimeCategory, Int64)] = [:]
        for unit in units(in: scope) {
            let spans = stateSpans(of: unit.path, in: range)
            if spans.isEmpty { continue }
            let schedule = self.schedule(of: unit, range: range, cache: &cache)
            let pot = schedule.plannedOperation.intersection(range)
            let stateDown = IntervalSet(spans.filter { $0.category == .plannedDown }.map(\.interval))
            let pbt = pot.subtracting(schedule.plannedDown.union(stateDown).intersection(pot))
            for span in spans {
                guard let category = span.category, category != .production, category != .plannedDown else { continue }
                let t = pbt.overlapMilliseconds(span.interval)
                if t == 0 { continue }
                let key = (span.reason ?? "") + "\u{1F}" + category.rawValue
                let current = totals[key] ?? (span.reason, category, 0)
                totals[key] = (current.0, current.1, current.2 + t)
            }
        }
        return totals.values.map { ReasonLoss(reason: $0.0, category: $0.1, milliseconds: $0.2) }
            .sorted { ($0.milliseconds, $1.reason ?? "") > ($1.milliseconds, $0.reason ?? "") }
    }
}

extension KPIEngine {
    /// The elements of the units under `scope` over each of `windows` (no shift), expanding every calendar once over
    /// their union instead of once per window: what dashboards asking many windows of one scope need. Window by
    /// window equal to the elements of ``result(_:)``. An unknown scope gives empty elements.
    public func elements(in scope: EquipmentPath, windows: [Interval]) -> [TimeModelElements] {
        let inScope = units(in: scope)
        guard let lo = windows.map(\.start).min(), let hi = windows.map(\.end).max(), lo < hi else {
            return windows.map { _ in TimeModelElements() }
        }
        var cache = ScheduleCache()
        for unit in inScope { _ = schedule(of: unit, range: Interval(lo, hi), cache: &cache) }
        return windows.map { w in
            var total = TimeModelElements()
            guard w.start < w.end else { return total }
            for unit in inScope { total.add(elements(of: unit, range: w, shift: nil, cache: &cache)) }
            return total
        }
    }
}

extension KPIEngine {
    /// One unit's state spans cut to `range` (``stateSpans(of:in:)``), from `events`: a slice of the unit's effective
    /// events holding every state in `range` and the one in force at its start.
    public func stateSpans(of unit: ResolvedWorkUnit, in range: Interval, events: [Event]) -> [StateSpan] {
        var engine = self
        engine.histories = [:]
        engine.indexes = [:]
        engine.indexHorizon = nil
        var names: [String] = []
        var ids: [String: Int32] = [:]
        engine.histories[unit.path] = UnitHistory(path: unit.path, events: events) { name in
            if let i = ids[name] { return i }
            let i = Int32(names.count)
            names.append(name)
            ids[name] = i
            return i
        }
        engine.sourceNames = names
        return engine.stateSpans(of: unit.path, in: range)
    }
}
