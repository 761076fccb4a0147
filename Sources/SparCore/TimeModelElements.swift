/// The ISO 22400-2 time and quantity elements of one scope over one window.
///
/// Times are integer milliseconds so that sums over many intervals stay exact; a scope above a work unit
/// is the element-wise sum of its units. Optional elements are nil when no event supplied them.
public struct TimeModelElements: Sendable, Equatable {
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

    /// Measurements by characteristic, for capability indices.
    public var measurements: [String: [Measurement]] = [:]

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

    /// Element-wise sum (roll-up): elements first, ratios afterwards.
    public static func + (a: TimeModelElements, b: TimeModelElements) -> TimeModelElements {
        var r = a
        r.add(b)
        return r
    }

    public mutating func add(_ b: TimeModelElements) {
        pot += b.pot
        pdot += b.pdot
        apt += b.apt
        aust += b.aust
        adet += b.adet
        adot += b.adot
        idle += b.idle
        unplannedWork += b.unplannedWork
        for (k, v) in b.unscheduled { unscheduled[k, default: 0] += v }
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
        for (k, v) in b.measurements { measurements[k, default: []] += v }
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

private func sum<T: AdditiveArithmetic>(_ a: T?, _ b: T?) -> T? {
    switch (a, b) {
    case (nil, nil): nil
    case (let x?, nil): x
    case (nil, let y?): y
    case (let x?, let y?): x + y
    }
}
