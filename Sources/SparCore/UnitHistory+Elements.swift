extension UnitHistory {
    /// The unit's time and quantity elements over `window` (a subset of `range`), given its calendar.
    ///
    /// - `range`: the query's `[from, to)`; `window`: the part of it asked for (all of it, or one shift's windows).
    ///
    /// Counts, energy readings and material flows other than `inventory` report what happened since the previous
    /// one, so they belong to the period they close (`start < ts ≤ end`); inventory snapshots, measurements and
    /// inspections are instants (`start ≤ ts < end`). `firstOperation` gives each order's lowest operation number.
    func elements(
        window: IntervalSet, range: Interval, schedule: CalendarSchedule, reasons: [String: ReasonCode],
        index: UnitTimeIndex? = nil, firstOperation: [String: Int] = [:], sourceName: (Int32) -> String
    ) -> TimeModelElements {
        var el = TimeModelElements()
        el.units = 1
        var usedSources = Set<Int32>()
        var used = 0
        var carried = 0
        func use(_ s: Int32) {
            usedSources.insert(s)
            used += 1
        }
        func useSpan(_ sources: [Int32], from start: Timestamp) {
            for s in sources { use(s) }
            if start < range.start { carried += sources.count }
        }

        let fast = index.flatMap { $0.covers(range) ? $0 : nil }
        var sourceMask: UInt64 = 0
        if let fast {
            used += fast.stateElements(window: window, range: range, into: &el, sources: &sourceMask)
        } else {
            directStateElements(window: window, range: range, schedule: schedule, reasons: reasons, into: &el, use: use)
        }
        carried += el.edges.carriedEvents

        // Orders: AOET, PSQ, and planned run time per unit for counts.
        var aoet: Int64 = 0
        var psq: Double?
        var anyOrder = false
        for i in orderLookup.candidates(range) {
            let o = orders[i]
            guard o.span.start < range.end, o.span.end > range.start else { continue }
            let t = window.overlapMilliseconds(o.span)
            let touches = t > 0 || window.contains(o.span.start)
            guard touches else { continue }
            anyOrder = true
            aoet += t
            if let p = o.plannedScrapQuantity {
                psq = (psq ?? 0) + p
                el.edges.plannedScrap[o.order] = p
            }
            useSpan(o.sources, from: o.span.start)
        }
        if anyOrder {
            el.aoet = aoet
            el.psq = psq
        }
        let pot = schedule.plannedOperation.intersection(window)
        if let fast {
            used += fast.countElements(window: window, into: &el, sources: &sourceMask)
        } else {
            // Counts closing part of the window: in POT they are PQ; outside they are reported separately.
            UnitHistory.forEachClosing(counts, in: range, window: window, ts: \.ts) { r in
                use(r.source)
                let q = r.count.good + r.count.scrap + r.count.rework
                if pot.closes(r.ts) {
                    el.pq += q
                    el.gq += r.count.good
                    el.sq += r.count.scrap
                    el.rq += r.count.rework
                    if let pru = r.plannedRunTimePerUnit {
                        el.plannedTimeForProduced += pru * q
                    } else if q > 0 {
                        el.quantityWithoutPRU += q
                    }
                } else {
                    el.unscheduledQuantity += q
                }
            }
        }

        UnitHistory.forEachClosing(counts, in: range, window: window, ts: \.ts) { r in
            guard let order = r.order, pot.closes(r.ts) else { return }
            var flow = el.orderFlows[order] ?? OrderFlow()
            flow.scrap += r.count.scrap
            if r.operation == (firstOperation[order] ?? 1) {
                flow.firstOperationQuantity += r.count.good + r.count.scrap + r.count.rework
                flow.hasFirstOperationCount = true
            }
            el.orderFlows[order] = flow
        }

        // Labor: each worker's clocked time (PWT) and time on orders (APWT).
        func spanTotal(_ records: [SpanRecord], _ lookup: SpanLookup) -> Int64? {
            var total: Int64?
            for i in lookup.candidates(range) {
                let r = records[i]
                guard r.span.start < range.end, r.span.end > range.start else { continue }
                let t = window.overlapMilliseconds(r.span)
                if t > 0 || window.contains(r.span.start) {
                    total = (total ?? 0) + t
                    useSpan(r.sources, from: r.span.start)
                }
            }
            return total
        }
        el.pwt = spanTotal(clockSpans, clockLookup)
        el.apwt = spanTotal(workSpans, workLookup)
        if el.pwt != nil, el.apwt == nil { el.apwt = 0 }
        if el.apwt != nil, el.pwt == nil { el.pwt = 0 }
        if el.pwt != nil {
            // APAT: clocked-in time minus the union of the calendar's break windows and the worker's own breaks.
            var apat: Int64 = 0
            for i in clockLookup.candidates(range) {
                let r = clockSpans[i]
                guard r.span.start < range.end, r.span.end > range.start else { continue }
                let clocked = window.intersection(r.span)
                if clocked.isEmpty { continue }
                let own = IntervalSet(r.worker.flatMap { breaks[$0] } ?? [])
                apat += clocked.subtracting(schedule.breaks.union(own)).milliseconds
            }
            el.apat = apat
        }

        let cmt = spanTotal(maintenance[.corrective] ?? [], maintenanceLookup[.corrective] ?? SpanLookup([]))
        let pmt = spanTotal(maintenance[.preventive] ?? [], maintenanceLookup[.preventive] ?? SpanLookup([]))
        if cmt != nil || pmt != nil {
            el.cmt = cmt ?? 0
            el.pmt = pmt ?? 0
        }

        var series: [String: [Measurement]] = [:]
        UnitHistory.forEach(measurements, in: range, window: window, ts: \.ts) { r in
            use(r.source)
            series[r.value.characteristic, default: []].append(r.value)
        }
        for (k, v) in series { el.measurementSeries[k] = [v] }

        if !inspections.isEmpty {
            UnitHistory.forEach(inspections, in: range, window: window, ts: \.ts) { r in
                use(r.source)
                el.inspectedSerials.insert(r.value.serial)
            }
            var k = 0
            while k < firstFails.count, firstFails[k].ts < range.end {
                if el.inspectedSerials.contains(firstFails[k].serial) { el.failedSerials.insert(firstFails[k].serial) }
                k += 1
            }
        }

        var flows: [MaterialMovement.Flow: Double] = [:]
        var inventory: [String: (Double, Int)] = [:]
        var anyFlow = false
        UnitHistory.forEach(materials, in: range, window: window, ts: \.ts) { r in
            guard r.value.flow == .inventory else { return }
            use(r.source)
            let (total, n) = inventory[r.value.material] ?? (0, 0)
            inventory[r.value.material] = (total + r.value.quantity, n + 1)
        }
        UnitHistory.forEachClosing(materials, in: range, window: window, ts: \.ts) { r in
            guard r.value.flow != .inventory else { return }
            use(r.source)
            anyFlow = true
            flows[r.value.flow, default: 0] += r.value.quantity
        }
        if anyFlow {
            el.cm = flows[.consumed] ?? 0
            el.pl = flows[.productionLoss] ?? 0
            el.stl = flows[.storageLoss] ?? 0
            el.ol = flows[.otherLoss] ?? 0
            el.fgq = flows[.produced] ?? 0
        }
        if !inventory.isEmpty {
            el.ai = inventory.keys.sorted().reduce(0) { acc, k in acc + inventory[k]!.0 / Double(inventory[k]!.1) }
            for (k, v) in inventory { el.edges.inventory[k] = WindowEdges.Snapshots(total: v.0, count: v.1) }
        }

        if let fast {
            used += fast.energyElements(window: window, into: &el, sources: &sourceMask)
        } else {
            UnitHistory.forEachClosing(energy, in: range, window: window, ts: \.ts) { r in
                use(r.source)
                el.ec = (el.ec ?? 0) + r.value
            }
        }

        el.events = used
        el.edges.carriedEvents = carried
        for i in 0..<64 where sourceMask & (UInt64(1) << UInt64(i)) != 0 { usedSources.insert(Int32(i)) }
        el.sources = Set(usedSources.map(sourceName))
        return el
    }

    /// Time elements and failures straight from the state events (the reference computation).
    func directStateElements(
        window: IntervalSet, range: Interval, schedule: CalendarSchedule, reasons: [String: ReasonCode],
        into el: inout TimeModelElements, use: (Int32) -> Void
    ) {
            let pot = schedule.plannedOperation.intersection(window)
            el.pot = pot.milliseconds

            // State intervals overlapping the range.
            struct Span {
                var interval: Interval
                var category: TimeCategory?
                var reason: String?
                var failureReason: String?
            }
            var spans: [Span] = []
            var first = UnitHistory.lowerBound(states, range.start) { $0.ts }
            if first > 0, first == states.count || states[first].ts > range.start { first -= 1 }
            var i = first
            while i < states.count, states[i].ts < range.end {
                let s = states[i]
                let end = i + 1 < states.count ? states[i + 1].ts : UnitHistory.openEnd
                let category = s.category ?? s.reason.flatMap { reasons[$0]?.category }
                let failure = s.reason.flatMap { reasons[$0]?.failure == true ? $0 : nil }
                if let cut = Interval(s.ts, end).intersection(range) {
                    spans.append(Span(interval: cut, category: category, reason: s.reason, failureReason: failure))
                    if window.overlapMilliseconds(cut) > 0 {
                        use(s.source)
                        if s.ts < range.start { el.edges.carriedEvents += 1 }
                    }
                }
                i += 1
            }

            let stateDown = IntervalSet(spans.filter { $0.category == .plannedDown }.map(\.interval))
            let plannedDown = schedule.plannedDown.union(stateDown).intersection(pot)
            el.pdot = plannedDown.milliseconds
            let pbt = pot.subtracting(plannedDown)
            let calendarDown = schedule.plannedDown.intersection(pot)
            let busyWithOrder = pbt.intersection(orderRunning(in: range))
            var productionInPBT: [Interval] = []
            var setupInPBT: [Interval] = []
            for span in spans {
                guard let category = span.category else { continue }
                let inWindow = window.overlapMilliseconds(span.interval)
                if inWindow == 0 { continue }
                let inPOT = pot.overlapMilliseconds(span.interval)
                if inWindow > inPOT { el.unscheduled[category, default: 0] += inWindow - inPOT }
                let busy = pbt.overlapMilliseconds(span.interval)
                let withOrder = busyWithOrder.overlapMilliseconds(span.interval)
                if withOrder > 0 { el.whileOrderRuns[category, default: 0] += withOrder }
                switch category {
                case .production:
                    el.apt += busy
                    el.unplannedWork += calendarDown.overlapMilliseconds(span.interval)
                    if busy > 0 { productionInPBT.append(span.interval) }
                case .setup:
                    el.aust += busy
                    if busy > 0 { setupInPBT.append(span.interval) }
                case .delay: el.adet += busy
                case .down: el.adot += busy
                case .idle: el.idle += busy
                case .plannedDown: break
                }
                if busy > 0, category != .production, category != .plannedDown {
                    el.lossTime[TimeModelElements.lossKey(category, reason: span.reason), default: 0] += busy
                }
            }

            // Failures: entries into a down state whose reason has `failure: true`; consecutive
            // state events with the same failure reason are one failure.
            el.edges.productionSinceFailure = el.apt
            el.edges.operatingSinceFailure = el.apt + el.aust
            if spans.contains(where: { $0.failureReason != nil }) {
                let production = IntervalSet(productionInPBT).intersection(pbt)
                let operating = IntervalSet(productionInPBT + setupInPBT).intersection(pbt)
                el.edges.failureTouched = true
                var firstCounted = true
                var k = first
                var previousEnd = range.start
                while k < states.count, states[k].ts < range.end {
                    let s = states[k]
                    guard let code = s.reason, reasons[code]?.failure == true else {
                        k += 1
                        continue
                    }
                    let isEntry = k == 0 || states[k - 1].reason != code
                    var j = k + 1
                    while j < states.count, states[j].reason == code { j += 1 }
                    let repairEnd = j < states.count ? states[j].ts : range.end
                    if j == states.count {
                        if isEntry, window.contains(s.ts) { el.edges.countedFailureOpenAtEnd = true }
                        if !isEntry || s.ts < range.start {
                            el.edges.openFailureCarried = range.end.milliseconds - range.start.milliseconds
                        }
                    }
                    if isEntry, window.contains(s.ts) {
                        if firstCounted {
                            el.edges.firstFailureFromStart = previousEnd <= range.start
                            firstCounted = false
                        }
                        let ttr = repairEnd.milliseconds - s.ts.milliseconds
                        let before = Interval(max(previousEnd, range.start), s.ts)
                        let ttf = production.overlapMilliseconds(before)
                        el.operatingBeforeFailure += operating.overlapMilliseconds(before)
                        el.fe += 1
                        el.ttr += ttr
                        el.ttf += ttf
                        el.tbf += ttf + ttr
                    }
                    previousEnd = repairEnd
                    k = j
                }
                let tail = previousEnd < range.end ? Interval(max(previousEnd, range.start), range.end) : nil
                el.edges.productionSinceFailure = tail.map { production.overlapMilliseconds($0) } ?? 0
                el.edges.operatingSinceFailure = tail.map { operating.overlapMilliseconds($0) } ?? 0
            }
    }

    /// The union of the unit's order spans (an order runs from its start to its end), cut to `range`.
    func orderRunning(in range: Interval) -> IntervalSet {
        var spans: [Interval] = []
        for i in orderLookup.candidates(range) {
            if let cut = orders[i].span.intersection(range) { spans.append(cut) }
        }
        return IntervalSet(spans)
    }
}
