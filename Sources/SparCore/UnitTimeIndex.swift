/// Pre-aggregated time and quantity totals of one unit over a fixed horizon, so that a window query reads
/// a few cumulative sums instead of every event in the window.
///
/// The unit's timeline is cut into segments where its state, its calendar class (outside POT, calendar planned
/// down, busy) or whether an order runs changes. Cumulative milliseconds per (class, state) are kept at every 64th
/// segment; a window `[a, b)` is `cum(b) − cum(a)`, each `cum` a binary search plus at most 63 segments.
/// Counts and energy readings carry prefix sums. Failures are listed once with their repair end, so FE,
/// TTR and TTF need no scan of the states. Built from a ``UnitHistory`` and the unit's calendar; the result
/// equals the direct computation up to floating-point rounding of quantity sums.
struct UnitTimeIndex: Sendable {
    static let stride = 64
    static let states = 7  // unknown + the six categories
    /// (calendar class × order running) × state.
    static let codes = 3 * 2 * 8

    let horizon: Interval
    var starts: [Int64] = []
    var codes: [UInt8] = []
    var checkpoints: [Int64] = []

    /// Prefix sums over counts: [pq, gq, sq, rq, PRU×PQ, quantity without PRU] in POT, then quantity outside POT.
    var countTimes: [Int64] = []
    var countSums: [Double] = []
    static let countFields = 7

    var energyTimes: [Int64] = []
    var energySums: [Double] = []

    struct Failure: Sendable {
        var entry: Int64
        /// When the unit left the failure reason; nil while it is still open.
        var repairEnd: Int64?
        /// End of the previous failure, or nil for the first.
        var previousEnd: Int64?
    }
    var failures: [Failure] = []
    var stateTimes: [Int64] = []
    /// Per state event: its ``TimeModelElements/lossKey(_:reason:)`` (nil for production, planned down and no
    /// category) and its busy time (in POT, outside calendar planned down) up to the next state or the horizon end.
    var stateLossKeys: [String?] = []
    var stateBusy: [Int64] = []
    var failureEntries: [Int64] = []
    var stateSources = SourceMasks([])
    var countSources = SourceMasks([])
    var energySources = SourceMasks([])

    /// The segment code of a calendar class, order-running flag and state index.
    static func code(_ cls: Int, _ running: Bool, _ state: Int) -> Int { (cls * 2 + (running ? 1 : 0)) * 8 + state }

    static func stateIndex(_ c: TimeCategory?) -> Int {
        switch c {
        case nil: 0
        case .production?: 1
        case .setup?: 2
        case .delay?: 3
        case .down?: 4
        case .plannedDown?: 5
        case .idle?: 6
        }
    }

    init(history h: UnitHistory, schedule: CalendarSchedule, horizon: Interval, reasons: [String: ReasonCode]) {
        self.horizon = horizon
        let pot = schedule.plannedOperation
        let calendarDown = schedule.plannedDown
        let orderRuns = h.orderRunning(in: horizon)
        var points: [Int64] = [horizon.start.milliseconds]
        for iv in pot.intervals + calendarDown.intervals + orderRuns.intervals {
            points.append(iv.start.milliseconds)
            points.append(iv.end.milliseconds)
        }
        for s in h.states where s.ts > horizon.start && s.ts < horizon.end { points.append(s.ts.milliseconds) }
        points = Array(Set(points.filter { $0 >= horizon.start.milliseconds && $0 < horizon.end.milliseconds })).sorted()
        var stateCursor = 0
        var current: TimeCategory?
        var currentKnown = false
        starts.reserveCapacity(points.count)
        codes.reserveCapacity(points.count)
        var running = [Int64](repeating: 0, count: UnitTimeIndex.codes)
        for (k, p) in points.enumerated() {
            while stateCursor < h.states.count, h.states[stateCursor].ts.milliseconds <= p {
                let s = h.states[stateCursor]
                current = s.category ?? s.reason.flatMap { reasons[$0]?.category }
                currentKnown = true
                stateCursor += 1
            }
            let t = Timestamp(milliseconds: p)
            let cls = calendarDown.contains(t) ? 1 : (pot.contains(t) ? 2 : 0)
            let code = UInt8(
                UnitTimeIndex.code(cls, orderRuns.contains(t), currentKnown ? UnitTimeIndex.stateIndex(current) : 0))
            if k % UnitTimeIndex.stride == 0 { checkpoints += running }
            starts.append(p)
            codes.append(code)
            let end = k + 1 < points.count ? points[k + 1] : horizon.end.milliseconds
            running[Int(code)] += end - p
        }

        var sums = [Double](repeating: 0, count: UnitTimeIndex.countFields)
        countSums = sums
        for c in h.counts {
            let q = c.count.good + c.count.scrap + c.count.rework
            if pot.closes(c.ts) {
                sums[0] += q
                sums[1] += c.count.good
                sums[2] += c.count.scrap
                sums[3] += c.count.rework
                if let pru = c.plannedRunTimePerUnit { sums[4] += pru * q } else if q > 0 { sums[5] += q }
            } else {
                sums[6] += q
            }
            countTimes.append(c.ts.milliseconds)
            countSums += sums
        }
        var e = 0.0
        energySums = [0]
        for r in h.energy {
            e += r.value
            energyTimes.append(r.ts.milliseconds)
            energySums.append(e)
        }

        stateTimes = h.states.map(\.ts.milliseconds)
        stateLossKeys = h.states.map { s in
            guard let c = s.category ?? s.reason.flatMap({ reasons[$0]?.category }), c != .production, c != .plannedDown
            else { return nil }
            return TimeModelElements.lossKey(c, reason: s.reason)
        }
        stateBusy = [Int64](repeating: 0, count: h.states.count)
        stateSources = SourceMasks(h.states.map(\.source))
        countSources = SourceMasks(h.counts.map(\.source))
        energySources = SourceMasks(h.energy.map(\.source))

        var k = 0
        var previousEnd: Int64?
        while k < h.states.count {
            guard let code = h.states[k].reason, reasons[code]?.failure == true else {
                k += 1
                continue
            }
            let isEntry = k == 0 || h.states[k - 1].reason != code
            var j = k + 1
            while j < h.states.count, h.states[j].reason == code { j += 1 }
            let end = j < h.states.count ? h.states[j].ts.milliseconds : nil
            if isEntry {
                failures.append(Failure(entry: h.states[k].ts.milliseconds, repairEnd: end, previousEnd: previousEnd))
            }
            previousEnd = end ?? Int64.max
            k = j
        }
        failureEntries = failures.map(\.entry)
        for k in stateTimes.indices where stateLossKeys[k] != nil {
            let end = k + 1 < stateTimes.count ? stateTimes[k + 1] : horizon.end.milliseconds
            let a = max(stateTimes[k], horizon.start.milliseconds)
            if a < end { stateBusy[k] = busyTime(a, end) }
        }
    }

    /// Busy milliseconds (in POT, outside calendar planned down) in `[a, b)`, inside the horizon.
    func busyTime(_ a: Int64, _ b: Int64) -> Int64 {
        let v = times(IntervalSet([Interval(Timestamp(milliseconds: a), Timestamp(milliseconds: b))]))
        var t: Int64 = 0
        for running in [false, true] {
            for st in 0..<UnitTimeIndex.states { t += v[UnitTimeIndex.code(2, running, st)] }
        }
        return t
    }

    /// Loss time inside PBT by category and reason over `window` (see ``TimeModelElements/lossTime``).
    func lossTime(_ window: IntervalSet) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for iv in window.intervals {
            let a = iv.start.milliseconds
            let b = iv.end.milliseconds
            var k = max(0, UnitTimeIndex.upperBound(stateTimes, a) - 1)
            while k < stateTimes.count, stateTimes[k] < b {
                defer { k += 1 }
                guard let key = stateLossKeys[k] else { continue }
                let start = stateTimes[k]
                let end = k + 1 < stateTimes.count ? stateTimes[k + 1] : horizon.end.milliseconds
                let t =
                    start >= a && end <= b && start >= horizon.start.milliseconds
                    ? stateBusy[k] : (max(start, a) < min(end, b) ? busyTime(max(start, a), min(end, b)) : 0)
                if t > 0 { out[key, default: 0] += t }
            }
        }
        return out
    }

    func covers(_ range: Interval) -> Bool { horizon.start <= range.start && range.end <= horizon.end }

    /// Cumulative milliseconds per code from the horizon start up to `t`.
    func cumulative(_ t: Int64, into out: inout [Int64], sign: Int64) {
        var lo = 0
        var hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        let k = lo - 1
        guard k >= 0 else { return }
        let base = (k / UnitTimeIndex.stride) * UnitTimeIndex.stride
        let cp = (k / UnitTimeIndex.stride) * UnitTimeIndex.codes
        for c in 0..<UnitTimeIndex.codes { out[c] += sign * checkpoints[cp + c] }
        var i = base
        while i < k {
            out[Int(codes[i])] += sign * (starts[i + 1] - starts[i])
            i += 1
        }
        out[Int(codes[k])] += sign * (t - starts[k])
    }

    /// Milliseconds per code inside `window` (a subset of the horizon).
    func times(_ window: IntervalSet) -> [Int64] {
        var out = [Int64](repeating: 0, count: UnitTimeIndex.codes)
        for iv in window.intervals {
            cumulative(iv.end.milliseconds, into: &out, sign: 1)
            cumulative(iv.start.milliseconds, into: &out, sign: -1)
        }
        return out
    }

    static func lowerBound(_ xs: [Int64], _ t: Int64) -> Int {
        var lo = 0
        var hi = xs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if xs[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Index of the first value after `t`.
    static func upperBound(_ xs: [Int64], _ t: Int64) -> Int {
        var lo = 0
        var hi = xs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if xs[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Count sums (see `countSums`) of the counts that close part of `window` (`start < ts ≤ end`).
    func countTotals(_ window: IntervalSet) -> (sums: [Double], records: Int) {
        var out = [Double](repeating: 0, count: UnitTimeIndex.countFields)
        var n = 0
        let f = UnitTimeIndex.countFields
        for iv in window.intervals {
            let a = UnitTimeIndex.upperBound(countTimes, iv.start.milliseconds)
            let b = UnitTimeIndex.upperBound(countTimes, iv.end.milliseconds)
            n += b - a
            for c in 0..<f { out[c] += countSums[b * f + c] - countSums[a * f + c] }
        }
        return (out, n)
    }

    func energyTotal(_ window: IntervalSet) -> (kwh: Double, records: Int) {
        var total = 0.0
        var n = 0
        for iv in window.intervals {
            let a = UnitTimeIndex.upperBound(energyTimes, iv.start.milliseconds)
            let b = UnitTimeIndex.upperBound(energyTimes, iv.end.milliseconds)
            n += b - a
            total += energySums[b] - energySums[a]
        }
        return (total, n)
    }
}

/// Which sources appear in a range of records: a bitmask per record (source index < 64) and the OR of each
/// block of 64, so a range query reads at most two partial blocks.
struct SourceMasks: Sendable {
    var masks: [UInt64] = []
    var blocks: [UInt64] = []

    init(_ sources: [Int32]) {
        masks = sources.map { $0 < 64 ? UInt64(1) << UInt64($0) : 0 }
        var b: UInt64 = 0
        for (i, m) in masks.enumerated() {
            if i % 64 == 0, i > 0 {
                blocks.append(b)
                b = 0
            }
            b |= m
        }
        if !masks.isEmpty { blocks.append(b) }
    }

    /// OR of the masks of records `a..<b`.
    func union(_ a: Int, _ b: Int) -> UInt64 {
        var out: UInt64 = 0
        var i = a
        while i < b {
            if i % 64 == 0, i + 64 <= b {
                out |= blocks[i / 64]
                i += 64
            } else {
                out |= masks[i]
                i += 1
            }
        }
        return out
    }
}

extension UnitTimeIndex {
    /// POT, PDOT, APT, AUST, ADET, ADOT, idle, unscheduled time, unplanned work and failures over `window`;
    /// returns the number of state events used and adds their sources to `sources`.
    func stateElements(window: IntervalSet, range: Interval, into el: inout TimeModelElements, sources: inout UInt64)
        -> Int
    {
        let v = times(window)
        func at(_ cls: Int, _ state: Int) -> Int64 {
            v[UnitTimeIndex.code(cls, false, state)] + v[UnitTimeIndex.code(cls, true, state)]
        }
        var calendarDown: Int64 = 0
        var busy: Int64 = 0
        for st in 0..<UnitTimeIndex.states {
            calendarDown += at(1, st)
            busy += at(2, st)
        }
        el.pot = calendarDown + busy
        el.pdot = calendarDown + at(2, 5)
        el.apt = at(2, 1)
        el.aust = at(2, 2)
        el.adet = at(2, 3)
        el.adot = at(2, 4)
        el.idle = at(2, 6)
        el.unplannedWork = at(1, 1)
        el.lossTime = lossTime(window)
        for (i, category) in [TimeCategory.production, .setup, .delay, .down, .plannedDown, .idle].enumerated() {
            let outside = at(0, i + 1)
            if outside > 0 { el.unscheduled[category] = outside }
            let withOrder = v[UnitTimeIndex.code(2, true, i + 1)]
            if withOrder > 0, category != .plannedDown { el.whileOrderRuns[category] = withOrder }
        }

        let start = range.start.milliseconds
        let end = range.end.milliseconds
        el.edges.productionSinceFailure = el.apt
        el.edges.operatingSinceFailure = el.apt + el.aust
        var lo = UnitTimeIndex.lowerBound(failureEntries, start)
        let upper = UnitTimeIndex.lowerBound(failureEntries, end)
        if upper > 0 {
            // The last failure entered before the window end: it sets where the stretch after the last failure begins.
            let last = failures[upper - 1]
            let lastEnd = last.repairEnd ?? end
            if lastEnd > start {
                el.edges.failureTouched = true
                if last.repairEnd == nil {
                    if window.contains(Timestamp(milliseconds: last.entry)) { el.edges.countedFailureOpenAtEnd = true }
                    if last.entry < start { el.edges.openFailureCarried = end - start }
                }
                if lastEnd < end {
                    let t = times(window.intersection(Interval(Timestamp(milliseconds: max(lastEnd, start)), range.end)))
                    el.edges.productionSinceFailure = t[UnitTimeIndex.code(2, false, 1)] + t[UnitTimeIndex.code(2, true, 1)]
                    el.edges.operatingSinceFailure =
                        el.edges.productionSinceFailure + t[UnitTimeIndex.code(2, false, 2)] + t[UnitTimeIndex.code(2, true, 2)]
                } else {
                    el.edges.productionSinceFailure = 0
                    el.edges.operatingSinceFailure = 0
                }
            }
        }
        var firstCounted = true
        while lo < failures.count, failures[lo].entry < end {
            let f = failures[lo]
            lo += 1
            guard window.contains(Timestamp(milliseconds: f.entry)) else { continue }
            if firstCounted {
                el.edges.firstFailureFromStart = (f.previousEnd ?? start) <= start
                firstCounted = false
            }
            let ttr = (f.repairEnd ?? range.end.milliseconds) - f.entry
            let from = max(f.previousEnd ?? range.start.milliseconds, range.start.milliseconds)
            var ttf: Int64 = 0
            if from < f.entry {
                let part = window.intersection(Interval(Timestamp(milliseconds: from), Timestamp(milliseconds: f.entry)))
                let t = times(part)
                ttf = t[UnitTimeIndex.code(2, false, 1)] + t[UnitTimeIndex.code(2, true, 1)]
                el.operatingBeforeFailure += ttf + t[UnitTimeIndex.code(2, false, 2)] + t[UnitTimeIndex.code(2, true, 2)]
            }
            el.fe += 1
            el.ttr += ttr
            el.ttf += ttf
            el.tbf += ttf + ttr
        }
        let inForce = stateUpperBound(start) - 1
        if inForce >= 0, stateTimes[inForce] < start {
            let next = inForce + 1 < stateTimes.count ? min(stateTimes[inForce + 1], end) : end
            if window.overlapMilliseconds(Interval(range.start, Timestamp(milliseconds: next))) > 0 {
                el.edges.carriedEvents = 1
            }
        }
        return stateUsage(window, sources: &sources)
    }

    /// State events whose interval overlaps the window.
    func stateUsage(_ window: IntervalSet, sources: inout UInt64) -> Int {
        var used = 0
        var next = 0
        for iv in window.intervals {
            let a = max(next, stateUpperBound(iv.start.milliseconds) - 1, 0)
            let b = UnitTimeIndex.lowerBound(stateTimes, iv.end.milliseconds)
            if b > a {
                used += b - a
                sources |= stateSources.union(a, b)
                next = b
            }
        }
        return used
    }

    func stateUpperBound(_ t: Int64) -> Int {
        var lo = 0
        var hi = stateTimes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if stateTimes[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func countElements(window: IntervalSet, into el: inout TimeModelElements, sources: inout UInt64) -> Int {
        let (c, n) = countTotals(window)
        el.pq = c[0]
        el.gq = c[1]
        el.sq = c[2]
        el.rq = c[3]
        el.plannedTimeForProduced = c[4]
        el.quantityWithoutPRU = c[5]
        el.unscheduledQuantity = c[6]
        for iv in window.intervals {
            let a = UnitTimeIndex.upperBound(countTimes, iv.start.milliseconds)
            let b = UnitTimeIndex.upperBound(countTimes, iv.end.milliseconds)
            sources |= countSources.union(a, b)
        }
        return n
    }

    func energyElements(window: IntervalSet, into el: inout TimeModelElements, sources: inout UInt64) -> Int {
        let (kwh, n) = energyTotal(window)
        if n > 0 { el.ec = kwh }
        for iv in window.intervals {
            let a = UnitTimeIndex.upperBound(energyTimes, iv.start.milliseconds)
            let b = UnitTimeIndex.upperBound(energyTimes, iv.end.milliseconds)
            sources |= energySources.union(a, b)
        }
        return n
    }
}
