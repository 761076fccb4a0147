/// The ISO 22400-2 time and quantity elements of one scope over one window.
///
/// Times are integer milliseconds so that sums over many intervals stay exact; a scope above a work unit
/// is the element-wise sum of its units. Optional elements are nil when no event supplied them.
public struct TimeModelElements: Sendable, Equatable, Codable {
    public var pot: Int64 = 0
    public var pdot: Int64 = 0
    public var apt: Int64 = 0
    public var aust: Int64 = 0
    public var adet: Int64 = 0
    public var adot: Int64 = 0
    /// Time in PBT in the `idle` state (not an ISO element; shown for completeness).
    public var idle: Int64 = 0
    /// Production reported during planned down time: unplanned work, never APT.
    public var unplannedWork: Int64 = 0
    /// State time outside POT, by category.
    public var unscheduled: [TimeCategory: Int64] = [:]
    /// Setup, delay, down and idle time inside PBT by category and reason code (``lossKey(_:reason:)``): what a loss
    /// Pareto reads.
    public var lossTime: [String: Int64] = [:]

    public var pq: Double = 0
    public var gq: Double = 0
    public var sq: Double = 0
    public var rq: Double = 0
    /// Quantities counted outside POT: reported separately, never part of PQ.
    public var unscheduledQuantity: Double = 0
    /// Σ(PRU × PQ) over the produced quantities whose order gives a planned run time, seconds.
    public var plannedTimeForProduced: Double = 0
    /// Produced quantity for which no order gives a planned run time.
    public var quantityWithoutPRU: Double = 0

    public var aoet: Int64?
    public var psq: Double?
    public var pwt: Int64?
    public var apwt: Int64?

    public var fe: Int = 0
    public var tbf: Int64 = 0
    public var ttf: Int64 = 0
    public var ttr: Int64 = 0

    public var cmt: Int64?
    public var pmt: Int64?

    public var cm: Double?
    public var pl: Double?
    public var stl: Double?
    public var ol: Double?
    public var fgq: Double?
    public var ai: Double?
    public var ec: Double?

    /// Time in PBT by state category while an order runs on the unit (`spar-kpi-2` reads ADET and ADOT from it).
    public var whileOrderRuns: [TimeCategory: Int64] = [:]
    /// Σ operating time (APT + AUST) before each failure counted in FE, from the previous failure's end (or the
    /// window start): `spar-kpi-2`'s TTF and TBF.
    public var operatingBeforeFailure: Int64 = 0
    /// Clocked-in time minus authorised breaks (calendar `break` windows, `breakStart`…`breakEnd`).
    public var apat: Int64?
    /// Equipment production capacity: Σ ratedRate × POT in hours over units with a rated rate.
    public var epc: Double?
    /// Units with planned operation time in the window but no `ratedRate` (EPC is then unknown for the scope).
    public var unitsWithoutRatedRate: Int = 0
    /// Serials inspected in the window at the scope's units.
    public var inspectedSerials: Set<String> = []
    /// Serials with a `fail` inspection at the scope's units before the window end.
    public var failedSerials: Set<String> = []
    /// Counted quantities per order (for the fall off ratio's first-operation base).
    public var orderFlows: [String: OrderFlow] = [:]

    /// Measurements by characteristic: one series per work unit, each in time order, for capability indices.
    public var measurementSeries: [String: [[Measurement]]] = [:]

    /// What joining two adjacent windows of one unit needs (``followed(by:)``); sums over units ignore it.
    public var edges = WindowEdges()

    /// Every measurement of a characteristic, unit after unit.
    public var measurements: [String: [Measurement]] { measurementSeries.mapValues { $0.flatMap { $0 } } }

    /// Work units that contributed.
    public var units: Int = 0
    /// Source systems whose events were used.
    public var sources: Set<String> = []
    /// Number of ledger events used.
    public var events: Int = 0

    public init() {}

    public var pbt: Int64 { pot - pdot }
    public var aubt: Int64 { apt + aust + adet }
    public var aupt: Int64 { apt + aust }
    /// PBT time with no known state (before a unit's first state event).
    public var unknown: Int64 { pbt - apt - aust - adet - adot - idle }

    /// The elements of one unit over `[a, c)` from its elements over `[a, b)` (self) and `[b, c)` (`later`),
    /// both computed over whole windows (no shift): what a projection of fixed time buckets sums.
    ///
    /// Additive elements add; the rest is joined exactly: the operating time after the last failure of the earlier
    /// window counts towards the first failure of the later one (TTF, TBF), a failure open at the end of the data
    /// keeps its repair time running, an order or a labor, maintenance or state event that spans the joint is
    /// counted once, planned scrap once per order, inventory snapshots are averaged over both windows and the
    /// measurement series is continued.
    public func followed(by later: TimeModelElements) -> TimeModelElements {
        let a = self
        let b = later
        var r = a
        r.add(b)
        r.units = max(a.units, b.units)
        r.sources = a.sources.union(b.sources)
        r.unitsWithoutRatedRate = max(a.unitsWithoutRatedRate, b.unitsWithoutRatedRate)
        r.events = a.events + b.events - b.edges.carriedEvents
        if b.edges.firstFailureFromStart {
            r.ttf += a.edges.productionSinceFailure
            r.tbf += a.edges.productionSinceFailure
            r.operatingBeforeFailure += a.edges.operatingSinceFailure
        }
        if a.edges.countedFailureOpenAtEnd {
            r.ttr += b.edges.openFailureCarried
            r.tbf += b.edges.openFailureCarried
        }
        var e = WindowEdges()
        e.carriedEvents = a.edges.carriedEvents
        e.productionSinceFailure =
            b.edges.failureTouched ? b.edges.productionSinceFailure : a.edges.productionSinceFailure + b.edges.productionSinceFailure
        e.operatingSinceFailure =
            b.edges.failureTouched ? b.edges.operatingSinceFailure : a.edges.operatingSinceFailure + b.edges.operatingSinceFailure
        e.failureTouched = a.edges.failureTouched || b.edges.failureTouched
        e.firstFailureFromStart = a.fe > 0 ? a.edges.firstFailureFromStart : (!a.edges.failureTouched && b.edges.firstFailureFromStart)
        e.countedFailureOpenAtEnd =
            b.edges.countedFailureOpenAtEnd || (a.edges.countedFailureOpenAtEnd && b.edges.openFailureCarried > 0)
        e.openFailureCarried = a.edges.openFailureCarried > 0 ? a.edges.openFailureCarried + b.edges.openFailureCarried : 0
        e.plannedScrap = a.edges.plannedScrap.merging(b.edges.plannedScrap) { x, _ in x }
        if r.psq != nil {
            r.psq = e.plannedScrap.isEmpty ? nil : e.plannedScrap.keys.sorted().reduce(0) { $0 + e.plannedScrap[$1]! }
        }
        e.inventory = a.edges.inventory.merging(b.edges.inventory) { x, y in
            WindowEdges.Snapshots(total: x.total + y.total, count: x.count + y.count)
        }
        if !e.inventory.isEmpty {
            r.ai = e.inventory.keys.sorted().reduce(0) { acc, k in acc + e.inventory[k]!.total / Double(e.inventory[k]!.count) }
        }
        var series = a.measurementSeries
        for (k, v) in b.measurementSeries {
            series[k] = [(series[k]?.first ?? []) + (v.first ?? [])]
        }
        r.measurementSeries = series
        r.edges = e
        return r
    }

    /// The ``lossTime`` key of a category and reason code (nil: state time reported with a category but no reason).
    public static func lossKey(_ category: TimeCategory, reason: String?) -> String {
        category.rawValue + "/" + (reason ?? "")
    }

    /// ``lossTime`` as a loss Pareto: largest first, ties by reason code.
    public var losses: [ReasonLoss] {
        lossTime.compactMap { key, ms -> ReasonLoss? in
            guard ms > 0, let slash = key.firstIndex(of: "/"), let category = TimeCategory(rawValue: String(key[..<slash]))
            else { return nil }
            let reason = String(key[key.index(after: slash)...])
            return ReasonLoss(reason: reason.isEmpty ? nil : reason, category: category, milliseconds: ms)
        }
        .sorted { ($0.milliseconds, $1.reason ?? "", $1.category.rawValue) > ($1.milliseconds, $0.reason ?? "", $0.category.rawValue) }
    }

    /// Element-wise sum (roll-up): elements first, ratios afterwards.
    public static func + (a: TimeModelElements, b: TimeModelElements) -> TimeModelElements {
        var r = a
        r.add(b)
        return r
    }

    /// Adds another scope's elements (a roll-up). ``edges`` belong to one unit's elements: a sum over several
    /// units has none.
    public mutating func add(_ b: TimeModelElements) {
        edges = units == 0 ? b.edges : WindowEdges()
        pot += b.pot
        pdot += b.pdot
        apt += b.apt
        aust += b.aust
        adet += b.adet
        adot += b.adot
        idle += b.idle
        unplannedWork += b.unplannedWork
        for (k, v) in b.unscheduled { unscheduled[k, default: 0] += v }
        for (k, v) in b.lossTime { lossTime[k, default: 0] += v }
        pq += b.pq
        gq += b.gq
        sq += b.sq
        rq += b.rq
        unscheduledQuantity += b.unscheduledQuantity
        plannedTimeForProduced += b.plannedTimeForProduced
        quantityWithoutPRU += b.quantityWithoutPRU
        aoet = sum(aoet, b.aoet)
        psq = sum(psq, b.psq)
        pwt = sum(pwt, b.pwt)
        apwt = sum(apwt, b.apwt)
        fe += b.fe
        tbf += b.tbf
        ttf += b.ttf
        ttr += b.ttr
        cmt = sum(cmt, b.cmt)
        pmt = sum(pmt, b.pmt)
        cm = sum(cm, b.cm)
        pl = sum(pl, b.pl)
        stl = sum(stl, b.stl)
        ol = sum(ol, b.ol)
        fgq = sum(fgq, b.fgq)
        ai = sum(ai, b.ai)
        ec = sum(ec, b.ec)
        for (k, v) in b.whileOrderRuns { whileOrderRuns[k, default: 0] += v }
        operatingBeforeFailure += b.operatingBeforeFailure
        apat = sum(apat, b.apat)
        epc = sum(epc, b.epc)
        unitsWithoutRatedRate += b.unitsWithoutRatedRate
        inspectedSerials.formUnion(b.inspectedSerials)
        failedSerials.formUnion(b.failedSerials)
        for (k, v) in b.orderFlows { orderFlows[k, default: OrderFlow()].add(v) }
        for (k, v) in b.measurementSeries { measurementSeries[k, default: []] += v }
        units += b.units
        sources.formUnion(b.sources)
        events += b.events
    }

    /// The elements as the contract's `elements` object: ISO abbreviations, times in seconds.
    public var contractElements: [(String, Double)] {
        func s(_ ms: Int64) -> Double { Double(ms) / 1000 }
        var out: [(String, Double)] = [
            ("POT", s(pot)), ("PDOT", s(pdot)), ("PBT", s(pbt)), ("APT", s(apt)), ("AUST", s(aust)),
            ("ADET", s(adet)), ("ADOT", s(adot)), ("AUBT", s(aubt)), ("AUPT", s(aupt)),
            ("PQ", pq), ("GQ", gq), ("SQ", sq), ("RQ", rq),
        ]
        if pq > 0 { out.append(("PRUxPQ", plannedTimeForProduced)) }
        if let aoet { out.append(("AOET", s(aoet))) }
        if let psq { out.append(("PSQ", psq)) }
        if let pwt { out.append(("PWT", s(pwt))) }
        if let apwt { out.append(("APWT", s(apwt))) }
        out += [("FE", Double(fe)), ("TBF", s(tbf)), ("TTF", s(ttf)), ("TTR", s(ttr))]
        if let cmt { out.append(("CMT", s(cmt))) }
        if let pmt { out.append(("PMT", s(pmt))) }
        if let cm { out.append(("CM", cm)) }
        if let pl { out.append(("PL", pl)) }
        if let stl { out.append(("STL", stl)) }
        if let ol { out.append(("OL", ol)) }
        if let fgq { out.append(("FGQ", fgq)) }
        if let ai { out.append(("AI", ai)) }
        if let ec { out.append(("EC", ec)) }
        return out
    }
}

/// What ``TimeModelElements/followed(by:)`` needs to join one unit's elements over two adjacent windows.
public struct WindowEdges: Sendable, Equatable, Codable {
    /// Inventory snapshots of one material: their sum and number.
    public struct Snapshots: Sendable, Equatable, Codable {
        public var total: Double
        public var count: Int
    }
    /// Events counted in ``TimeModelElements/events`` that began before the window (a state, order, labor or
    /// maintenance interval in force at its start).
    public var carriedEvents = 0
    /// Production time in PBT after the end of the window's last failure (or from its start), up to its end.
    public var productionSinceFailure: Int64 = 0
    /// Operating time (production and setup) in PBT over the same stretch.
    public var operatingSinceFailure: Int64 = 0
    /// Whether any failure lies (in part) in the window.
    public var failureTouched = false
    /// Whether the window's first counted failure measures its TTF from the window start (no failure ended before it).
    public var firstFailureFromStart = false
    /// Whether the window ends in a failure counted in it that no later state event ends (its repair time runs on).
    public var countedFailureOpenAtEnd = false
    /// When the window starts in a failure that no later state event ends: the window's length; else 0.
    public var openFailureCarried: Int64 = 0
    /// Planned scrap of each order that runs in the window.
    public var plannedScrap: [String: Double] = [:]
    /// Inventory snapshots by material.
    public var inventory: [String: Snapshots] = [:]
    public init() {}
}

/// What one order's counts in a scope and window add up to, for the fall off ratio (`spar-kpi-2`).
public struct OrderFlow: Sendable, Equatable, Codable {
    /// Scrap counted for the order (every operation).
    public var scrap: Double = 0
    /// Produced quantity counted at the order's first operation.
    public var firstOperationQuantity: Double = 0
    /// Whether a count at the order's first operation lies in the scope and window.
    public var hasFirstOperationCount = false
    public init() {}
    mutating func add(_ o: OrderFlow) {
        scrap += o.scrap
        firstOperationQuantity += o.firstOperationQuantity
        hasFirstOperationCount = hasFirstOperationCount || o.hasFirstOperationCount
    }
}

private func sum<T: AdditiveArithmetic>(_ a: T?, _ b: T?) -> T? {
    switch (a, b) {
    case (nil, nil): nil
    case (let x?, nil): x
    case (nil, let y?): y
    case (let x?, let y?): x + y
    }
}
