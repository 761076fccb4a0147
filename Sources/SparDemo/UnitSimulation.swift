import SparCore

/// The state machine of one work unit over the generator's range, producing its events in time order.
///
/// Time is integer milliseconds (whole seconds in practice). The unit works in *blocks*: shift windows minus the
/// calendar's planned down windows. Inside a block it runs orders (changeover, optional first-article, production
/// with counts, minor delays); failures and their repair run in wall-clock time and may outlast the block; outside
/// blocks it is on a break (planned down) or off shift (idle). Labor and energy are derived afterwards from the
/// crews and the state timeline.
///
/// With a `thinning` below 1 (low intensities) the streams that otherwise keep their realistic rate are thinned
/// too: orders are `1/thinning` times larger; minor delays `1/thinning` times rarer and longer (waits for demand
/// longer too); preventive maintenance and calibrations `1/√thinning` times rarer; only a `thinning` share of the
/// units report their breaks, and of the shifts end with a count and report labor; lab samples are rarer; inventory
/// is snapshot every `1/thinning` days, at least weekly. At `thinning` 1 none of this applies and not one random
/// draw differs.
struct UnitSimulation {
    struct Draft {
        var ts: Int64
        var seq: Int
        var source: String
        var payload: EventPayload
    }

    struct Crew {
        var name: String
        var number: Int
        var start: Int64
        var end: Int64
    }

    struct Block {
        var start: Int64
        var end: Int64
        var crew: Int
    }

    enum Activity {
        case waiting(remaining: Int64)
        case setup(phase: Int, remaining: Int64)
        case production
        case delay(StateChange, remaining: Int64)
    }

    struct OrderState {
        var id: String
        var material: String
        var cycleMilliseconds: Double
        var planned: Int
        var counted = 0
        var uncounted = 0.0
        var good = 0
        var scrap = 0
        var rework = 0
        var pendingRework = 0
        var start: Int64
        /// Serials that failed inspection for rework and pass when re-inspected at the order's end.
        var reinspect: [String] = []
    }

    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    let plan: UnitPlan
    let reasons: ReasonPlan
    let rangeStart: Int64
    let rangeEnd: Int64
    /// Multiplies the rate of counts (with their measurements and backflush) and energy readings.
    let sampling: Double
    /// Below 1, thins orders, delays, planned stops, labor, breaks, shift-end counts, samples and inventory.
    let thinning: Double
    /// Whether thinning applies (`thinning < 1`); when false the simulation is exactly the realistic one.
    let sparse: Bool
    var rng: SplitMix64
    /// A second stream for the operator breaks of around-the-clock crews, so that ``rng``'s draws stay as they were.
    var breakRNG: SplitMix64

    // Traits of this unit, drawn once.
    let performance: Double
    let scrapRate: Double
    let reworkRate: Double
    /// Per characteristic: the process mean's offset from nominal and the standard deviation (Cpk 1.0–1.8).
    let measurementBias: [Double]
    let measurementSigma: [Double]
    let failureStates: [StateChange]
    /// Whether the MES reports the calendar's breaks as states (always, unless thinned).
    let reportsBreaks: Bool

    var drafts: [Draft] = []
    var segments: [(ts: Int64, category: TimeCategory)] = []
    var lastStateTs = Int64.min
    var current: StateChange?
    /// On a break the MES does not report (see ``reportsBreaks``): the unit rests, its reported state stays.
    var resting = false
    var crews: [Crew] = []
    /// Working time: crew windows minus the calendar's planned down windows, in time order.
    var blocks: [Block] = []
    /// The calendar's planned down windows inside planned operation time.
    var breaks = IntervalSet()
    /// The calendar's authorised breaks (planned down with reason `break`): operators book off their orders.
    var authorisedBreaks = IntervalSet()
    /// Measurements taken so far per characteristic: consecutive fives form a subgroup.
    var samples: [Int] = []

    var order: OrderState?
    var orderNumber = 0
    var orderSpans: [(order: String, start: Int64, end: Int64)] = []
    var activity: Activity?
    var waitedForDemand = false
    var untilCount: Int64 = 0
    var untilDelay: Int64 = 0
    var untilFailure: Int64 = 0

    init(plan: UnitPlan, reasons: ReasonPlan, seed: UInt64, range: Interval, sampling: Double, thinning: Double = 1) {
        self.plan = plan
        self.reasons = reasons
        rangeStart = range.start.milliseconds
        rangeEnd = range.end.milliseconds
        self.sampling = sampling
        self.thinning = min(1, thinning)
        sparse = thinning < 1
        var rng = SplitMix64(seed: seed, stream: plan.unit.path.description)
        performance = rng.uniform(0.84, 0.93)
        scrapRate = rng.uniform(0.01, 0.03)
        reworkRate = rng.uniform(0.01, 0.04)
        var bias: [Double] = []
        var sigma: [Double] = []
        for c in plan.profile.characteristics {
            let offset = rng.uniform(-0.25, 0.25)
            let cpk = rng.uniform(1.0, 1.8)
            bias.append(offset * c.tolerance)
            sigma.append(c.tolerance * (1 - abs(offset)) / (3 * cpk))
        }
        measurementBias = bias
        measurementSigma = sigma
        failureStates = reasons.failures(for: plan.profile)
        reportsBreaks = !sparse || rng.chance(thinning)
        self.rng = rng
        breakRNG = SplitMix64(seed: seed, stream: plan.unit.path.description + "#breaks")
        samples = Array(repeating: 0, count: plan.profile.characteristics.count)
    }

    /// Simulates the unit and returns its events in time order with ids `<prefix>-000001`, `-000002`, ….
    mutating func run() -> [Event] {
        guard rangeStart < rangeEnd else { return [] }
        planCrewsAndBlocks()
        untilCount = drawCountInterval()
        untilDelay = drawDelayInterval()
        untilFailure = drawFailureInterval()
        simulate()
        closeOpenOrder()
        emitLabor()
        emitEnergy()
        emitInventory()
        drafts.sort { ($0.ts, $0.seq) < ($1.ts, $1.seq) }
        var events: [Event] = []
        events.reserveCapacity(drafts.count)
        for (i, d) in drafts.enumerated() {
            events.append(
                Event(
                    id: EventID(plan.idPrefix + "-" + Self.padded(i + 1, 6)), ts: Timestamp(milliseconds: d.ts),
                    source: d.source, unit: plan.unit.path, payload: d.payload))
        }
        return events
    }

    // MARK: - Calendar

    mutating func planCrewsAndBlocks() {
        let range = Interval(Timestamp(milliseconds: rangeStart), Timestamp(milliseconds: rangeEnd))
        let schedule = CalendarSchedule(calendar: plan.calendar, zone: plan.zone, range: range)
        if plan.calendar == nil {
            // Around the clock: two 12-hour crews changing at 06:00 and 18:00 local time.
            var day = plan.zone.localDay(of: range.start) - 1
            let lastDay = plan.zone.localDay(of: range.end)
            while day <= lastDay {
                for (k, name) in ["day", "night"].enumerated() {
                    let s = plan.zone.instant(localSeconds: day * 86_400 + Int64(6 + 12 * k) * 3600).milliseconds
                    let e = plan.zone.instant(localSeconds: day * 86_400 + Int64(18 + 12 * k) * 3600).milliseconds
                    let cs = max(s, rangeStart)
                    let ce = min(e, rangeEnd)
                    if cs < ce { crews.append(Crew(name: name, number: k + 1, start: cs, end: ce)) }
                }
                day += 1
            }
        } else {
            let names = schedule.shifts.keys.sorted()
            for (k, name) in names.enumerated() {
                for iv in schedule.shifts[name]?.intervals ?? [] {
                    crews.append(
                        Crew(name: name, number: k + 1, start: iv.start.milliseconds, end: iv.end.milliseconds))
                }
            }
        }
        crews.sort { $0.start < $1.start }
        for (i, crew) in crews.enumerated() {
            let window = IntervalSet([Interval(Timestamp(milliseconds: crew.start), Timestamp(milliseconds: crew.end))])
            for iv in window.subtracting(schedule.plannedDown).intervals {
                blocks.append(Block(start: iv.start.milliseconds, end: iv.end.milliseconds, crew: i))
            }
        }
        breaks = schedule.plannedDown
        authorisedBreaks = schedule.breaks
    }

    /// The state of the unit at an instant outside every block: on a break or off shift.
    func gapState(at t: Int64) -> StateChange {
        breaks.contains(Timestamp(milliseconds: t)) ? reasons.pause : reasons.offShift
    }

    // MARK: - Main loop

    mutating func simulate() {
        guard let first = blocks.first else {
            setState(rangeStart, reasons.offShift)
            return
        }
        if first.start > rangeStart { setState(rangeStart, gapState(at: rangeStart)) }
        var b = 0
        var t = first.start
        while b < blocks.count {
            let block = blocks[b]
            t = max(t, block.start)
            if t >= block.end {
                b += 1
                continue
            }
            if t == block.start { maybePlannedStop(in: block, at: &t) }
            if let resume = runBlock(block, from: &t) {
                // A failure: the unit stays down until the repair ends, across breaks and shift ends.
                let j = blocks[b...].firstIndex { $0.end > resume }
                if j.map({ blocks[$0].crew != block.crew }) ?? true { flushRework(before: crews[block.crew].end) }
                guard let j else {
                    if resume < rangeEnd { setState(resume, gapState(at: resume)) }
                    return
                }
                if blocks[j].start > resume { setState(resume, gapState(at: resume)) }
                t = max(resume, blocks[j].start)
                b = j
                continue
            }
            let next = b + 1 < blocks.count ? blocks[b + 1] : nil
            if !sparse {
                flushCount(at: block.end - 1000)
            } else if next?.crew != block.crew, rng.chance(thinning) {
                // Thinned: only some shifts end with a count.
                flushCount(at: block.end - 1000)
            }
            if next?.crew != block.crew { flushRework(before: block.end) }
            if let next, next.start == block.end {
                // Shift change without a gap: the unit carries on.
            } else if block.end < rangeEnd {
                setState(block.end, gapState(at: block.end))
            }
            b += 1
        }
    }

    /// Occasionally starts a block with preventive maintenance or a calibration (planned down time).
    mutating func maybePlannedStop(in block: Block, at t: inout Int64) {
        let length = block.end - block.start
        guard length >= 2 * Self.hour else { return }
        let hours = Double(length) / Double(Self.hour) * (sparse ? thinning.squareRoot() : 1)
        if rng.chance(hours / 110) {
            let d = min(rng.minutes(60, 240), length - 30 * Self.minute)
            setState(t, reasons.preventive)
            if let cmms = plan.sources.maintenance {
                add(t + Self.minute, cmms, .maintenance(MaintenanceAction(kind: .preventive, action: .start)))
                add(t + d - Self.minute, cmms, .maintenance(MaintenanceAction(kind: .preventive, action: .end)))
            }
            t += d
        } else if !plan.profile.characteristics.isEmpty, rng.chance(hours / 160) {
            setState(t, reasons.calibration)
            t += rng.minutes(20, 50)
        }
    }

    /// Runs the unit inside one block from `t`. Returns the end of a repair when a failure interrupted the block.
    mutating func runBlock(_ block: Block, from t: inout Int64) -> Int64? {
        while t < block.end {
            if activity == nil { chooseNextActivity(at: t) }
            switch activity {
            case .waiting(let remaining):
                setState(t, reasons.noDemand)
                let e = min(block.end, t + remaining)
                activity = e - t < remaining ? .waiting(remaining: remaining - (e - t)) : nil
                t = e
            case .setup(let phase, let remaining):
                setState(t, phase == 0 ? reasons.changeover : reasons.firstArticle)
                let e = min(block.end, t + remaining)
                if e - t < remaining {
                    activity = .setup(phase: phase, remaining: remaining - (e - t))
                } else if phase == 0, plan.profile.firstArticle, rng.chance(0.5) {
                    activity = .setup(phase: 1, remaining: rng.minutes(10, 30))
                } else {
                    activity = .production
                }
                t = e
            case .delay(let state, let remaining):
                setState(t, state)
                let e = min(block.end, t + remaining)
                // A stretched (thinned) delay carries on into the next block; a realistic one ends with the block.
                activity = sparse && e - t < remaining ? .delay(state, remaining: remaining - (e - t)) : .production
                t = e
            case .production:
                guard var o = order else {
                    activity = nil
                    continue
                }
                let left = (Double(o.planned - o.counted) - o.uncounted) * o.cycleMilliseconds
                let untilDone = Int64((left / 1000).rounded(.up)) * 1000
                if untilDone <= 0 {
                    finishOrder(at: t)
                    continue
                }
                setState(t, reasons.running)
                let step = min(block.end - t, untilCount, untilDelay, untilFailure, untilDone)
                o.uncounted += Double(step) / o.cycleMilliseconds
                order = o
                t += step
                untilCount -= step
                untilDelay -= step
                untilFailure -= step
                if step == untilDone {
                    finishOrder(at: t)
                    continue
                }
                if untilFailure <= 0 {
                    untilFailure = drawFailureInterval()
                    return fail(at: t)
                }
                if untilCount <= 0 {
                    flushCount(at: t, periodic: true)
                }
                if untilDelay <= 0 {
                    untilDelay = drawDelayInterval()
                    let state = pickDelay()
                    activity = .delay(state, remaining: stretched(rng.minutes(5, 40)))
                }
            case nil:
                return nil
            }
        }
        return nil
    }

    mutating func chooseNextActivity(at t: Int64) {
        if order != nil {
            activity = .production
        } else if !waitedForDemand, rng.chance(0.12) {
            waitedForDemand = true
            activity = .waiting(remaining: stretched(rng.minutes(15, 120)))
        } else {
            waitedForDemand = false
            startOrder(at: t)
        }
    }

    mutating func pickDelay() -> StateChange {
        let total = reasons.delays.reduce(0) { $0 + $1.weight }
        var x = rng.unit() * total
        for d in reasons.delays {
            x -= d.weight
            if x < 0 { return d.state }
        }
        return reasons.delays[reasons.delays.count - 1].state
    }

    /// A failure at `t`: the unit goes down for 10 min – 3 h, with a corrective maintenance work order.
    mutating func fail(at t: Int64) -> Int64 {
        flushCount(at: t)
        let duration = Int64(rng.logUniform(10, 180) * 60) * 1000
        if let outage = reasons.outage, rng.chance(0.08) {
            setState(t, outage)
            return t + duration
        }
        setState(t, rng.pick(failureStates))
        if let cmms = plan.sources.maintenance {
            let response = min(rng.minutes(2, 15), duration / 3)
            add(t + response, cmms, .maintenance(MaintenanceAction(kind: .corrective, action: .start)))
            add(t + duration, cmms, .maintenance(MaintenanceAction(kind: .corrective, action: .end)))
        }
        return t + duration
    }

    // MARK: - Orders and quantities

    mutating func startOrder(at t: Int64) {
        orderNumber += 1
        let p = plan.profile
        let pru = rng.uniform(p.plannedRunTimePerUnit.lowerBound, p.plannedRunTimePerUnit.upperBound).rounded()
        let drawn = rng.int(p.orderQuantity)
        let quantity = sparse ? Int((Double(drawn) / thinning).rounded()) : drawn
        let factor = min(0.98, max(0.75, performance + 0.025 * rng.normal()))
        let id = "WO-" + (plan.upstreamPrefix ?? plan.idPrefix) + "-" + Self.padded(orderNumber, 4)
        let material = rng.pick(p.products)
        let plannedSetup = rng.uniform(p.setupMinutes.lowerBound, p.setupMinutes.upperBound).rounded() * 60
        let actualSetup = Int64(plannedSetup * rng.uniform(0.9, 1.35)) * 1000
        add(
            t, plan.sources.orders,
            .order(
                OrderAction(
                    order: id, action: .start, material: material, plannedRunTimePerUnit: pru,
                    plannedQuantity: Double(quantity), plannedSetupTime: plannedSetup,
                    plannedScrapQuantity: (Double(quantity) * 0.02).rounded(.up), operation: plan.operation)))
        order = OrderState(
            id: id, material: material, cycleMilliseconds: pru * 1000 / factor, planned: quantity, start: t)
        activity = .setup(phase: 0, remaining: max(Self.minute, actualSetup))
    }

    mutating func finishOrder(at t: Int64) {
        guard var o = order else { return }
        let rest = o.planned - o.counted
        if rest > 0 {
            o.uncounted = 0
            order = o
            emitCount(rest, at: t)
            o = order ?? o
        }
        flushRework(at: t)
        for serial in o.reinspect {
            add(t, plan.sources.inspections, .inspection(Inspection(serial: serial, result: .pass, order: o.id)))
        }
        add(t, plan.sources.orders, .order(OrderAction(order: o.id, action: .end)))
        let materials = plan.sources.materials
        if o.scrap > 0 {
            add(
                t, materials,
                .material(
                    MaterialMovement(
                        flow: .productionLoss, material: plan.profile.inputMaterial, quantity: Double(o.scrap))))
        }
        add(
            t, materials,
            .material(MaterialMovement(flow: .produced, material: o.material, quantity: Double(o.good), grade: "A")))
        if o.rework > 0 {
            add(
                t, materials,
                .material(
                    MaterialMovement(flow: .produced, material: o.material, quantity: Double(o.rework), grade: "B")))
        }
        orderSpans.append((o.id, o.start, t))
        order = nil
        activity = nil
    }

    mutating func closeOpenOrder() {
        if let o = order { orderSpans.append((o.id, o.start, rangeEnd)) }
    }

    /// Reports whole parts made since the last count (production time / cycle time). A periodic report (the MES
    /// polling the counter) is written even when no part was finished; other flushes only when there is one.
    mutating func flushCount(at t: Int64, periodic: Bool = false) {
        untilCount = drawCountInterval()
        guard var o = order else { return }
        let whole = min(o.planned - o.counted, Int((o.uncounted + 1e-9).rounded(.down)))
        guard whole > 0 || periodic else { return }
        o.uncounted -= Double(whole)
        order = o
        emitCount(whole, at: t)
    }

    mutating func emitCount(_ n: Int, at t: Int64) {
        guard var o = order else { return }
        let scrap = rng.binomial(n, scrapRate)
        let rework = rng.binomial(n - scrap, reworkRate)
        let good = n - scrap - rework
        if plan.profile.serialised {
            // Thinned, only every `1/thinning`-th serial is inspected (no random draw, so the rest stays as it was).
            let every = sparse ? max(1, Int((1 / thinning).rounded())) : 1
            for k in 0..<n where (o.counted + k) % every == 0 {
                let serial = "SN-" + plan.idPrefix + "-" + Self.padded(orderNumber, 4) + Self.padded(o.counted + k + 1, 3)
                let result: Inspection.Result = k < good ? .pass : .fail
                add(t, plan.sources.inspections, .inspection(Inspection(serial: serial, result: result, order: o.id)))
                if k >= good, k < good + rework { o.reinspect.append(serial) }
            }
        }
        o.counted += n
        o.good += good
        o.scrap += scrap
        o.rework += rework
        if plan.sources.rework != nil {
            o.pendingRework += rework
            add(t, plan.sources.mes, .count(Count(good: Double(good), scrap: Double(scrap), rework: 0, order: o.id)))
        } else {
            add(
                t, plan.sources.mes,
                .count(Count(good: Double(good), scrap: Double(scrap), rework: Double(rework), order: o.id)))
        }
        order = o
        // Backflush: one blank of the input material per part started.
        if n > 0 {
            add(
                t, plan.sources.materials,
                .material(MaterialMovement(flow: .consumed, material: plan.profile.inputMaterial, quantity: Double(n))))
        }
        guard let lims = plan.sources.measurements else { return }
        let sampled = sparse ? 0.7 * max(0.25, thinning) : 0.7
        for (i, c) in plan.profile.characteristics.enumerated() where rng.chance(sampled) {
            let value = c.nominal + measurementBias[i] + measurementSigma[i] * rng.normal()
            let rounded = (value * 10_000).rounded() / 10_000
            let subgroup = "sg-" + Self.padded(samples[i] / 5 + 1, 5)
            samples[i] += 1
            add(
                t, lims,
                .measurement(
                    Measurement(characteristic: c.name, value: rounded, lsl: c.lsl, usl: c.usl, subgroup: subgroup)))
        }
    }

    /// The spreadsheet's rework count for the current order, written at the end of a shift or order.
    mutating func flushRework(at t: Int64) {
        guard let xls = plan.sources.rework, var o = order, o.pendingRework > 0 else { return }
        add(t, xls, .count(Count(good: 0, scrap: 0, rework: Double(o.pendingRework), order: o.id)))
        o.pendingRework = 0
        order = o
    }

    mutating func flushRework(before shiftEnd: Int64) { flushRework(at: shiftEnd - 2 * Self.minute) }

    // MARK: - State

    /// Emits a state event unless the unit is already in that state; state times are strictly increasing.
    mutating func setState(_ t: Int64, _ state: StateChange) {
        if sparse {
            if !reportsBreaks, state == reasons.pause {
                // An unreported break: no event, but the energy model sees the unit resting.
                if !resting, t < rangeEnd {
                    resting = true
                    segments.append((max(t, segments.last?.ts ?? t), .plannedDown))
                }
                return
            }
            if resting {
                resting = false
                if let current, current == state {
                    if t < rangeEnd { segments.append((max(t, segments.last?.ts ?? t), state.category ?? .idle)) }
                    return
                }
            }
        }
        if let current, current == state { return }
        let ts = max(t, lastStateTs + 1)
        guard ts < rangeEnd else { return }
        current = state
        lastStateTs = ts
        add(ts, plan.sources.mes, .state(state))
        segments.append((ts, state.category ?? .idle))
    }

    mutating func add(_ t: Int64, _ source: String, _ payload: EventPayload) {
        guard t >= rangeStart, t < rangeEnd else { return }
        drafts.append(Draft(ts: t, seq: drafts.count, source: source, payload: payload))
    }

    // MARK: - Labor, energy, inventory

    /// Each crew clocks in and out around its shift; the operator works on the orders open during the shift and
    /// books off them during breaks: the calendar's authorised breaks, and on units scheduled around the clock a
    /// half-hour `breakStart`…`breakEnd` near the middle of the 12-hour shift. Thinned, only a `thinning` share of
    /// the shifts is reported.
    mutating func emitLabor() {
        var k = 0
        for crew in crews {
            if sparse, !rng.chance(thinning) { continue }
            let worker = plan.unit.siteID + "-op-" + Self.padded(100 * crew.number + plan.ordinalInSite % 100, 3)
            let clockIn = max(rangeStart, crew.start - rng.minutes(0, 10))
            let clockOut = min(rangeEnd - 1000, crew.end + rng.minutes(0, 10))
            guard clockIn < clockOut else { continue }
            add(clockIn, plan.sources.mes, .labor(LaborAction(worker: worker, action: .clockIn)))
            var offWork = authorisedBreaks
            if plan.calendar == nil {
                let breakStart = crew.start + 6 * Self.hour + breakRNG.minutes(-45, 45)
                let breakEnd = breakStart + 30 * Self.minute
                if clockIn < breakStart, breakEnd < clockOut {
                    add(breakStart, plan.sources.mes, .labor(LaborAction(worker: worker, action: .breakStart)))
                    add(breakEnd, plan.sources.mes, .labor(LaborAction(worker: worker, action: .breakEnd)))
                    offWork = offWork.union(
                        IntervalSet([Interval(Timestamp(milliseconds: breakStart), Timestamp(milliseconds: breakEnd))]))
                }
            }
            while k < orderSpans.count, orderSpans[k].end <= clockIn { k += 1 }
            var j = k
            while j < orderSpans.count, orderSpans[j].start < clockOut {
                let span = orderSpans[j]
                let start = max(span.start, clockIn + 5 * Self.minute)
                let stop = min(span.end, clockOut - 5 * Self.minute)
                if start < stop {
                    let booked = IntervalSet([Interval(Timestamp(milliseconds: start), Timestamp(milliseconds: stop))])
                    for piece in booked.subtracting(offWork).intervals {
                        let order = span.order
                        add(piece.start.milliseconds, plan.sources.mes, .labor(LaborAction(worker: worker, action: .start, order: order)))
                        add(piece.end.milliseconds, plan.sources.mes, .labor(LaborAction(worker: worker, action: .stop, order: order)))
                    }
                }
                j += 1
            }
            add(clockOut, plan.sources.mes, .labor(LaborAction(worker: worker, action: .clockOut)))
        }
    }

    func power(_ category: TimeCategory) -> Double {
        let p = plan.profile
        switch category {
        case .production: return p.runningKW
        case .setup: return 0.5 * p.runningKW
        case .delay: return max(p.standbyKW, 0.3 * p.runningKW)
        case .down: return 0.8 * p.standbyKW
        case .plannedDown, .idle: return p.standbyKW
        }
    }

    /// Energy used since the previous reading, from the state timeline (hourly at intensity 1).
    mutating func emitEnergy() {
        guard let historian = plan.sources.energy else { return }
        let interval = max(10, (3600 / sampling).rounded()) * 1000
        let step = Int64(interval)
        var a = rangeStart
        var s = 0
        while a + step < rangeEnd {
            let b = a + step
            var kwh = 0.0
            var t = a
            while t < b {
                while s < segments.count, segments[s].ts <= t { s += 1 }
                let category = s > 0 ? segments[s - 1].category : .idle
                let end = s < segments.count ? min(b, segments[s].ts) : b
                kwh += Double(end - t) / Double(Self.hour) * power(category)
                t = end
            }
            kwh *= 1 + 0.03 * rng.normal()
            add(b, historian, .energy(kwh: max(0, (kwh * 1000).rounded() / 1000)))
            a = b
        }
    }

    /// A daily stock-level snapshot of the unit's input material (thinned: every `1/thinning` days, at least weekly).
    mutating func emitInventory() {
        let every = sparse ? min(7, max(1, Int64((1 / thinning).rounded()))) : 1
        var t = rangeStart + 12 * Self.hour
        while t < rangeEnd {
            let level = (rng.uniform(20, 400)).rounded()
            add(
                t, plan.sources.materials,
                .material(MaterialMovement(flow: .inventory, material: plan.profile.inputMaterial, quantity: level)))
            t += every * 24 * Self.hour
        }
    }

    // MARK: - Draws

    mutating func drawCountInterval() -> Int64 {
        max(1000, Int64((rng.uniform(15 * 60, 45 * 60) / sampling).rounded()) * 1000)
    }

    mutating func drawDelayInterval() -> Int64 {
        let mean = 3600 / plan.profile.delaysPerProductionHour / (sparse ? thinning : 1)
        return Int64(rng.exponential(mean: mean).rounded() + 60) * 1000
    }

    /// A delay or wait made `1/thinning` times longer when thinned, so that fewer of them lose as much time.
    func stretched(_ duration: Int64) -> Int64 {
        sparse ? Int64((Double(duration / 1000) / thinning).rounded()) * 1000 : duration
    }

    mutating func drawFailureInterval() -> Int64 {
        Int64(rng.exponential(mean: 3600 * plan.profile.productionHoursBetweenFailures).rounded() + 60) * 1000
    }

    static func padded(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
