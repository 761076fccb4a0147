extension UnitHistory {
    /// The unit's time and quantity elements over `window` (a subset of `range`), given its calendar.
    ///
    /// - `range`: the query's `[from, to)`; `window`: the part of it asked for (all of it, or one shift's windows).
    func elements(
        window: IntervalSet, range: Interval, schedule: CalendarSchedule, reasons: [String: ReasonCode],
        index: UnitTimeIndex? = nil, sourceName: (Int32) -> String
    ) -> TimeModelElements {
        var el = TimeModelElements()
        el.units = 1
        var usedSources = Set<Int32>()
        var used = 0
        func use(_ s: Int32) {
            usedSources.insert(s)
            used += 1
        }

        let fast = index.flatMap { $0.covers(range) ? $0 : nil }
        var sourceMask: UInt64 = 0
        if let fast {
            used += fast.stateElements(window: window, range: range, into: &el, sources: &sourceMask)
        } else {
            directStateElements(window: window, range: range, schedule: schedule, reasons: reasons, into: &el, use: use)
        }

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
            if let p = o.plannedScrapQuantity { psq = (psq ?? 0) + p }
            for s in o.sources { use(s) }
        }
        if anyOrder {
            el.aoet = aoet
            el.psq = psq
        }
        if let fast {
            used += fast.countElements(window: window, into: &el, sources: &sourceMask)
        } else {
            let pot = schedule.plannedOperation.intersection(window)
            // Counts inside the window: in POT they are PQ; outside they are reported separately.
            UnitHistory.forEach(counts, in: range, window: window, ts: \.ts) { r in
                use(r.source)
                let q = r.count.good + r.count.scrap + r.count.rework
                if pot.contains(r.ts) {
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

        // Labor: each worker's clocked time (PWT) and time on orders (APWT).
        func spanTotal(_ records: [SpanRecord], _ lookup: SpanLookup) -> Int64? {
            var total: Int64?
            for i in lookup.candidates(range) {
                let r = records[i]
                guard r.span.start < range.end, r.span.end > range.start else { continue }
                let t = window.overlapMilliseconds(r.span)
                if t > 0 || window.contains(r.span.start) {
                    total = (total ?? 0) + t
                    for s in r.sources { use(s) }
                }
            }
            return total
        }
        el.pwt = spanTotal(clockSpans, clockLookup)
        el.apwt = spanTotal(workSpans, workLookup)
        if el.pwt != nil, el.apwt == nil { el.apwt = 0 }
        if el.apwt != nil, el.pwt == nil { el.pwt = 0 }

        let cmt = spanTotal(maintenance[.corrective] ?? [], maintenanceLookup[.corrective] ?? SpanLookup([]))
        let pmt = spanTotal(maintenance[.preventive] ?? [], maintenanceLookup[.preventive] ?? SpanLookup([]))
        if cmt != nil || pmt != nil {
            el.cmt = cmt ?? 0
            el.pmt = pmt ?? 0
        }

        UnitHistory.forEach(measurements, in: range, window: window, ts: \.ts) { r in
            use(r.source)
            el.measurements[r.value.characteristic, default: []].append(r.value)
        }

        var flows: [MaterialMovement.Flow: Double] = [:]
        var inventory: [String: (Double, Int)] = [:]
        var anyFlow = false
        UnitHistory.forEach(materials, in: range, window: window, ts: \.ts) { r in
            use(r.source)
            if r.value.flow == .inventory {
                let (total, n) = inventory[r.value.material] ?? (0, 0)
                inventory[r.value.material] = (total + r.value.quantity, n + 1)
            } else {
                anyFlow = true
                flows[r.value.flow, default: 0] += r.value.quantity
            }
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
        }

        if let fast {
            used += fast.energyElements(window: window, into: &el, sources: &sourceMask)
        } else {
            UnitHistory.forEach(energy, in: range, window: window, ts: \.ts) { r in
                use(r.source)
                el.ec = (el.ec ?? 0) + r.value
            }
        }

        el.events = used
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
                    spans.append(Span(interval: cut, category: category, failureReason: failure))
                    if window.overlapMilliseconds(cut) > 0 { use(s.source) }
                }
                i += 1
            }

            let stateDown = IntervalSet(spans.filter { $0.category == .plannedDown }.map(\.interval))
            let plannedDown = schedule.plannedDown.union(stateDown).intersection(pot)
            el.pdot = plannedDown.milliseconds
            let pbt = pot.subtracting(plannedDown)
            let calendarDown = schedule.plannedDown.intersection(pot)
            var productionInPBT: [Interval] = []
            for span in spans {
                guard let category = span.category else { continue }
                let inWindow = window.overlapMilliseconds(span.interval)
                if inWindow == 0 { continue }
                let inPOT = pot.overlapMilliseconds(span.interval)
                if inWindow > inPOT { el.unscheduled[category, default: 0] += inWindow - inPOT }
                let busy = pbt.overlapMilliseconds(span.interval)
                switch category {
                case .production:
                    el.apt += busy
                    el.unplannedWork += calendarDown.overlapMilliseconds(span.interval)
                    if busy > 0 { productionInPBT.append(span.interval) }
                case .setup: el.aust += busy
                case .delay: el.adet += busy
                case .down: el.adot += busy
                case .idle: el.idle += busy
                case .plannedDown: break
                }
            }

            // Failures: entries into a down state whose reason has `failure: true`; consecutive
            // state events with the same failure reason are one failure.
            if spans.contains(where: { $0.failureReason != nil }) {
                let production = IntervalSet(productionInPBT).intersection(pbt)
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
                    if isEntry, window.contains(s.ts) {
                        let ttr = repairEnd.milliseconds - s.ts.milliseconds
                        let ttf = production.overlapMilliseconds(Interval(max(previousEnd, range.start), s.ts))
                        el.fe += 1
                        el.ttr += ttr
                        el.ttf += ttf
                        el.tbf += ttf + ttr
                    }
                    previousEnd = repairEnd
                    k = j
                }
            }
    }
}
