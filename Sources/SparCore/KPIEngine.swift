/// The KPI projection: the plant model plus every unit's history, answering KPI queries.
///
/// Built from the set of accepted events (any order); corrections are applied here, so the original
/// events stay as they were recorded.
public struct KPIEngine: Sendable {
    public let model: PlantModel
    public let plantModelVersion: String?
    let index: PlantModel.Index
    var histories: [EquipmentPath: UnitHistory]
    var sourceNames: [String]
    let units: [ResolvedWorkUnit]
    var indexes: [EquipmentPath: UnitTimeIndex] = [:]
    /// Each order's lowest operation number over every unit (fall off ratio's first operation).
    var firstOperation: [String: Int]
    /// The horizon of ``indexes`` (nil for a plain engine).
    var indexHorizon: Interval?

    public init(model: PlantModel, events: [Event], plantModelVersion: String? = nil) {
        self.model = model
        self.plantModelVersion = plantModelVersion
        index = PlantModel.Index(model)
        units = model.resolvedWorkUnits
        var names: [String] = []
        var ids: [String: Int32] = [:]
        func sourceIndex(_ name: String) -> Int32 {
            if let i = ids[name] { return i }
            let i = Int32(names.count)
            names.append(name)
            ids[name] = i
            return i
        }
        var byUnit: [EquipmentPath: [Event]] = [:]
        for e in KPIEngine.effectiveEvents(events) { byUnit[e.unit, default: []].append(e) }
        var hs: [EquipmentPath: UnitHistory] = [:]
        for (path, evs) in byUnit {
            hs[path] = UnitHistory(path: path, events: evs, sourceIndex: sourceIndex)
        }
        histories = hs
        sourceNames = names
        var first: [String: Int] = [:]
        for h in hs.values {
            for o in h.orders { first[o.order] = min(first[o.order] ?? o.operation, o.operation) }
        }
        firstOperation = first
    }

    /// The same engine with the histories of `touched` units rebuilt from `events` (every event of those units,
    /// corrections included; corrections of other units' events are ignored), and their pre-aggregates rebuilt
    /// when the engine has them. Equal to an engine built from all events; costs only the touched units' events.
    public func updating(units touched: Set<EquipmentPath>, events: [Event]) -> KPIEngine {
        var copy = self
        var ids: [String: Int32] = [:]
        for (i, n) in sourceNames.enumerated() { ids[n] = Int32(i) }
        func sourceIndex(_ name: String) -> Int32 {
            if let i = ids[name] { return i }
            let i = Int32(copy.sourceNames.count)
            copy.sourceNames.append(name)
            ids[name] = i
            return i
        }
        var byUnit: [EquipmentPath: [Event]] = [:]
        for e in KPIEngine.effectiveEvents(events) where touched.contains(e.unit) { byUnit[e.unit, default: []].append(e) }
        var cache = ScheduleCache()
        for path in touched {
            guard let evs = byUnit[path] else {
                copy.histories[path] = nil
                copy.indexes[path] = nil
                continue
            }
            let history = UnitHistory(path: path, events: evs, sourceIndex: sourceIndex)
            copy.histories[path] = history
            if let horizon = indexHorizon, let unit = units.first(where: { $0.path == path }) {
                let schedule = self.schedule(of: unit, range: horizon, cache: &cache)
                copy.indexes[path] = UnitTimeIndex(history: history, schedule: schedule, horizon: horizon, reasons: index.reasons)
            }
        }
        var first: [String: Int] = [:]
        for h in copy.histories.values {
            for o in h.orders { first[o.order] = min(first[o.order] ?? o.operation, o.operation) }
        }
        copy.firstOperation = first
        return copy
    }

    /// The horizon the engine is pre-aggregated over, if it is.
    public var preAggregatedHorizon: Interval? { indexHorizon }

    /// The same engine without pre-aggregates (exact quantity sums, every window read from the histories).
    public var withoutPreAggregates: KPIEngine {
        var copy = self
        copy.indexes = [:]
        copy.indexHorizon = nil
        return copy
    }

    /// Applies corrections: each corrected event is replaced or voided by its latest correction
    /// (by event time, then id). Corrections that name an unknown event or another correction change nothing.
    public static func effectiveEvents(_ events: [Event]) -> [Event] {
        var latest: [EventID: Event] = [:]
        var originals: [Event] = []
        for e in events {
            if case .correction(let c) = e.payload {
                if let cur = latest[c.corrects], (cur.ts, cur.id) > (e.ts, e.id) { continue }
                latest[c.corrects] = e
            } else {
                originals.append(e)
            }
        }
        if latest.isEmpty { return originals }
        var out: [Event] = []
        out.reserveCapacity(originals.count)
        for e in originals {
            guard let fix = latest[e.id], case .correction(let c) = fix.payload else {
                out.append(e)
                continue
            }
            if let r = c.replacement { out.append(r) }
        }
        return out
    }

    /// The same engine with every unit's time and quantity totals pre-aggregated over `horizon`: queries whose
    /// window lies inside it read cumulative sums instead of scanning events. Values equal the plain engine's
    /// up to floating-point rounding of quantity sums.
    public func indexed(over horizon: Interval) -> KPIEngine {
        var copy = self
        copy.indexHorizon = horizon
        var cache = ScheduleCache()
        for unit in units {
            guard let history = histories[unit.path] else { continue }
            let schedule = self.schedule(of: unit, range: horizon, cache: &cache)
            copy.indexes[unit.path] = UnitTimeIndex(history: history, schedule: schedule, horizon: horizon, reasons: index.reasons)
        }
        return copy
    }

    /// Work units under a scope, in model order.
    public func units(in scope: EquipmentPath) -> [ResolvedWorkUnit] {
        units.filter { scope.isPrefix(of: $0.path) }
    }

    /// Answers one query under a definition version (by default ``KPICatalogue/latest``).
    public func result(_ query: KPIQuery, definition: KPIDefinitionVersion = KPICatalogue.latest) throws(KPIQueryError)
        -> KPIResult
    {
        let inScope = try unitsAnswering(query)
        var cache = ScheduleCache()
        var total = TimeModelElements()
        for unit in inScope {
            if Task.isCancelled {
                throw KPIQueryError(.cancelled, field: "", reason: "the query was cancelled before it finished")
            }
            total.add(elements(of: unit, range: Interval(query.from, query.to), shift: query.shift, cache: &cache))
        }
        return makeResult(
            query: query, elements: total, singleUnit: inScope.count == 1 && query.scope.isWorkUnit, definition: definition)
    }

    /// Answers one query from each unit's slice of events instead of the engine's own histories, one unit at a time.
    ///
    /// `slice` gives a unit's effective events (corrections applied) that a query over `[from, to)` needs — at least
    /// every event in `[from, to]`, the two state events before `from`, the states after `to` up to the end of a
    /// failure running at `to` and one more, the open order, labor and maintenance spans at `from`, every event of an
    /// order a count in the window names, and each inspected serial's first failure — or nil when the unit has no
    /// event at all. `firstOperations` gives each order's lowest operation over the whole plant. The result equals
    /// that of an engine built from every event.
    public func result(
        _ query: KPIQuery, definition: KPIDefinitionVersion = KPICatalogue.latest,
        slice: (ResolvedWorkUnit) async throws -> [Event]?,
        firstOperations: (Set<String>) async throws -> [String: Int]
    ) async throws -> KPIResult {
        let inScope = try unitsAnswering(query)
        var total = TimeModelElements()
        for unit in inScope {
            if Task.isCancelled {
                throw KPIQueryError(.cancelled, field: "", reason: "the query was cancelled before it finished")
            }
            let el = try await elements(
                of: unit, ranges: [Interval(query.from, query.to)], shift: query.shift, events: try await slice(unit),
                firstOperations: firstOperations)
            total.add(el[0])
        }
        return makeResult(
            query: query, elements: total, singleUnit: inScope.count == 1 && query.scope.isWorkUnit, definition: definition)
    }

    /// One unit's elements over each of `ranges` (whole, or one shift's part of each), computed from `events`: the
    /// unit's effective events a query over the hull of `ranges` needs (``result(_:definition:slice:firstOperations:)``),
    /// or nil when the unit has none.
    public func elements(
        of unit: ResolvedWorkUnit, ranges: [Interval], shift: String?, events: [Event]?,
        firstOperations: (Set<String>) async throws -> [String: Int]
    ) async throws -> [TimeModelElements] {
        var engine = self
        engine.histories = [:]
        engine.indexes = [:]
        engine.indexHorizon = nil
        if let events {
            var names: [String] = []
            var ids: [String: Int32] = [:]
            let history = UnitHistory(path: unit.path, events: events) { name in
                if let i = ids[name] { return i }
                let i = Int32(names.count)
                names.append(name)
                ids[name] = i
                return i
            }
            var orders = Set(history.orders.map(\.order))
            for c in history.counts { if let o = c.order { orders.insert(o) } }
            engine.histories[unit.path] = history
            engine.sourceNames = names
            engine.firstOperation = orders.isEmpty ? [:] : try await firstOperations(orders)
        }
        return ranges.map { range in
            var cache = ScheduleCache()
            return engine.elements(of: unit, range: range, shift: shift, cache: &cache)
        }
    }

    /// The units a query covers, after checking its scope, window and shift.
    public func unitsAnswering(_ query: KPIQuery) throws(KPIQueryError) -> [ResolvedWorkUnit] {
        let inScope = units(in: query.scope)
        guard !inScope.isEmpty else {
            throw KPIQueryError(.unknownScope, field: "scope", reason: "'\(query.scope)' is not in the plant model (no work unit under it)")
        }
        guard query.from < query.to else {
            throw KPIQueryError(.emptyWindow, field: "to", reason: "the window is empty: to (\(query.to)) must be after from (\(query.from))")
        }
        guard query.to.milliseconds - query.from.milliseconds <= KPIQuery.maximumWindow else {
            let days = (query.to.milliseconds - query.from.milliseconds) / 86_400_000
            throw KPIQueryError(
                .windowTooLong, field: "to",
                reason: "the window spans \(days) days; a query may span at most \(KPIQuery.maximumWindow / 86_400_000) days (ten years): split it")
        }
        if let shift = query.shift {
            let known = inScope.contains { u in
                u.calendarID.flatMap { index.calendars[$0] }?.shifts.contains { $0.name == shift } ?? false
            }
            guard known else {
                throw KPIQueryError(.unknownShift, field: "shift", reason: "no calendar of a unit under '\(query.scope)' has a shift named '\(shift)'")
            }
        }
        return inScope
    }

    /// Elements of every path of the hierarchy over one window, computed once per unit and summed upwards.
    public func elementsForAllScopes(from: Timestamp, to: Timestamp) -> [EquipmentPath: TimeModelElements] {
        var cache = ScheduleCache()
        var out: [EquipmentPath: TimeModelElements] = [:]
        for unit in units {
            let el = elements(of: unit, range: Interval(from, to), shift: nil, cache: &cache)
            var p: EquipmentPath? = unit.path
            while let path = p {
                out[path, default: TimeModelElements()].add(el)
                p = path.parent
            }
        }
        return out
    }

    public func makeResult(
        query: KPIQuery, elements: TimeModelElements, singleUnit: Bool,
        definition: KPIDefinitionVersion = KPICatalogue.latest
    ) -> KPIResult {
        let (kpis, values, warnings) = KPICatalogue.compute(elements, singleUnit: singleUnit, definition: definition)
        return KPIResult(
            query: query, elements: elements, elementValues: values, definition: definition, kpis: kpis, warnings: warnings,
            lineage: KPILineage(
                sources: elements.sources.sorted(), events: elements.events, units: elements.units,
                formulaVersion: definition.formulaVersion, definitionVersion: definition.id,
                plantModelVersion: plantModelVersion))
    }

    /// The unit's calendar expanded over `range`, shared by units with the same calendar and time zone.
    func schedule(of unit: ResolvedWorkUnit, range: Interval, cache: inout ScheduleCache) -> CalendarSchedule {
        let key = "\(unit.calendarID ?? "")\u{1F}\(unit.timeZone)"
        if let s = cache.schedules[key] { return s }
        let zone = cache.zones[unit.timeZone] ?? LocalTime(identifier: unit.timeZone) ?? LocalTime(identifier: "UTC")!
        cache.zones[unit.timeZone] = zone
        let s = CalendarSchedule(calendar: unit.calendarID.flatMap { index.calendars[$0] }, zone: zone, range: range)
        cache.schedules[key] = s
        return s
    }

    struct ScheduleCache {
        var schedules: [String: CalendarSchedule] = [:]
        var zones: [String: LocalTime] = [:]
    }

    func elements(of unit: ResolvedWorkUnit, range: Interval, shift: String?, cache: inout ScheduleCache)
        -> TimeModelElements
    {
        let schedule = self.schedule(of: unit, range: range, cache: &cache)
        let window: IntervalSet
        if let shift {
            window = schedule.shifts[shift] ?? IntervalSet()
        } else {
            window = IntervalSet([range])
        }
        var el: TimeModelElements
        if let history = histories[unit.path] {
            let names = sourceNames
            el = history.elements(
                window: window, range: range, schedule: schedule, reasons: index.reasons, index: indexes[unit.path],
                firstOperation: firstOperation, sourceName: { names[Int($0)] })
        } else {
            el = TimeModelElements()
            el.units = 1
            el.pot = schedule.plannedOperation.intersection(window).milliseconds
            el.pdot = schedule.plannedDown.intersection(window).milliseconds
        }
        if let rate = unit.ratedRate {
            el.epc = rate * Double(el.pot) / 3_600_000
        } else if el.pot > 0 {
            el.unitsWithoutRatedRate = 1
        }
        return el
    }
}

extension KPIEngine {
    /// Size of the projection.
    public struct Statistics: Sendable {
        public var units: Int
        public var events: Int
    }

    public var statistics: Statistics {
        Statistics(
            units: histories.count,
            events: histories.values.reduce(0) { acc, h in
                acc + h.states.count + h.counts.count + h.orders.count + h.clockSpans.count + h.workSpans.count
                    + h.measurements.count + h.materials.count + h.energy.count
                    + h.maintenance.values.reduce(0) { $0 + $1.count }
            })
    }
}
