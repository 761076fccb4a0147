import SparCore
import SparDemo
import SparTestSupport
import Testing

/// A unit's elements over a window equal its elements over consecutive pieces of it, joined with
/// `followed(by:)`: what a projection of fixed time buckets relies on.
@Suite("Joining adjacent windows")
struct WindowJoinTests {
    static let model = DemoEnterprise.plantModel()
    static let start = DemoGenerator.defaultStart
    static let days = 6

    /// The demo's events with extra failures (about two a day per unit, some of them repeated reports of the
    /// same failure), each unit's events cut off at a random instant in the last two days, and every other unit
    /// ending in a failure that nothing ends yet.
    static let events: [Event] = {
        var rng = SeededRandom(seed: 23)
        let all = DemoGenerator(model: model, seed: 19, start: start, days: days).events()
        let failure = model.reasons.first { $0.failure == true }!.code
        var cutoff: [EquipmentPath: Timestamp] = [:]
        var extra: [Event] = []
        for (i, unit) in model.resolvedWorkUnits.enumerated() {
            let offset = Int64(rng.next() % UInt64(2 * 86_400))
            let end = start.adding(seconds: Int64(days - 2) * 86_400 + offset)
            cutoff[unit.path] = end
            func failAt(_ t: Timestamp, _ k: Int) {
                extra.append(
                    Event(id: EventID("x-\(i)-\(k)"), ts: t, source: "mes-opcenter", unit: unit.path,
                          payload: .state(StateChange(reason: failure))))
            }
            for k in 0..<(2 * days) {
                let t = start.adding(seconds: Int64(rng.next() % UInt64(days * 86_400)) + 1)
                failAt(t, k)
                if k % 5 == 0 { failAt(t.adding(seconds: 120), 100 + k) }
            }
            if i % 2 == 0 { failAt(end.adding(seconds: -1), 999) }
        }
        let states = Set(all.compactMap { e -> String? in if case .state = e.payload { "\(e.unit)|\(e.ts)" } else { nil } })
        let kept = extra.filter { !states.contains("\($0.unit)|\($0.ts)") }
        return (all + kept).filter { $0.ts < cutoff[$0.unit]! }.sorted { ($0.unit.description, $0.ts) < ($1.unit.description, $1.ts) }
    }()
    static let engine = KPIEngine(model: model, events: events)
    static let indexed = engine.indexed(
        over: Interval(start.adding(seconds: -86_400), start.adding(seconds: Int64(days + 2) * 86_400)))

    static func close(_ x: Double?, _ y: Double?) -> Bool {
        switch (x, y) {
        case (nil, nil): true
        case (let a?, let b?): abs(a - b) <= 1e-9 * max(1, abs(a))
        default: false
        }
    }

    /// Every element and every KPI value of `a` (direct) and `b` (joined) agree; returns the differences.
    static func differences(_ a: KPIResult, _ b: KPIResult) -> [String] {
        var out: [String] = []
        let x = a.elements
        let y = b.elements
        let times: [(String, Int64, Int64)] = [
            ("pot", x.pot, y.pot), ("pdot", x.pdot, y.pdot), ("apt", x.apt, y.apt), ("aust", x.aust, y.aust),
            ("adet", x.adet, y.adet), ("adot", x.adot, y.adot), ("idle", x.idle, y.idle),
            ("unplannedWork", x.unplannedWork, y.unplannedWork), ("tbf", x.tbf, y.tbf), ("ttf", x.ttf, y.ttf),
            ("ttr", x.ttr, y.ttr), ("operatingBeforeFailure", x.operatingBeforeFailure, y.operatingBeforeFailure),
            ("fe", Int64(x.fe), Int64(y.fe)), ("events", Int64(x.events), Int64(y.events)),
        ]
        for (name, p, q) in times where p != q { out.append("\(name) \(p) ≠ \(q)") }
        let optionalTimes: [(String, Int64?, Int64?)] = [
            ("aoet", x.aoet, y.aoet), ("pwt", x.pwt, y.pwt), ("apwt", x.apwt, y.apwt), ("apat", x.apat, y.apat),
            ("cmt", x.cmt, y.cmt), ("pmt", x.pmt, y.pmt),
        ]
        for (name, p, q) in optionalTimes where p != q { out.append("\(name) \(String(describing: p)) ≠ \(String(describing: q))") }
        let quantities: [(String, Double?, Double?)] = [
            ("pq", x.pq, y.pq), ("gq", x.gq, y.gq), ("sq", x.sq, y.sq), ("rq", x.rq, y.rq),
            ("PRU×PQ", x.plannedTimeForProduced, y.plannedTimeForProduced),
            ("withoutPRU", x.quantityWithoutPRU, y.quantityWithoutPRU),
            ("unscheduledQuantity", x.unscheduledQuantity, y.unscheduledQuantity), ("psq", x.psq, y.psq),
            ("cm", x.cm, y.cm), ("pl", x.pl, y.pl), ("stl", x.stl, y.stl), ("ol", x.ol, y.ol), ("fgq", x.fgq, y.fgq),
            ("ai", x.ai, y.ai), ("ec", x.ec, y.ec), ("epc", x.epc, y.epc),
        ]
        for (name, p, q) in quantities where !close(p, q) { out.append("\(name) \(String(describing: p)) ≠ \(String(describing: q))") }
        if x.unscheduled != y.unscheduled { out.append("unscheduled") }
        if x.whileOrderRuns != y.whileOrderRuns { out.append("whileOrderRuns") }
        if x.inspectedSerials != y.inspectedSerials || x.failedSerials != y.failedSerials { out.append("serials") }
        if x.orderFlows != y.orderFlows { out.append("orderFlows") }
        if x.measurementSeries != y.measurementSeries { out.append("measurementSeries") }
        if x.sources != y.sources || x.units != y.units || x.unitsWithoutRatedRate != y.unitsWithoutRatedRate {
            out.append("sources/units")
        }
        for (id, v) in a.kpis {
            let w = b.kpi(id) ?? .null
            switch (v, w) {
            case (.number(let p), .number(let q)) where close(p, q): break
            case (.null, .null): break
            case (.byCharacteristic(let p), .byCharacteristic(let q))
            where p.keys == q.keys && p.keys.allSatisfy { close(p[$0]!, q[$0]!) }: break
            default: out.append("\(id) \(v) ≠ \(w)")
            }
        }
        return out
    }

    @Test("random windows of every unit cut into 2–5 pieces (some at midnight) join to the direct elements, under both definitions")
    func joinsEqualDirect() throws {
        var rng = SeededRandom(seed: 41)
        let units = Self.model.resolvedWorkUnits
        var compared = 0
        var withFailures = 0
        var openAtEnd = 0
        for round in 0..<240 {
            let unit = units[round % units.count]
            let from = Self.start.adding(seconds: Int64(rng.next() % UInt64((Self.days - 1) * 86_400)) - 3_600)
            let length = 3_600 + Int64(rng.next() % UInt64(3 * 86_400))
            let to = from.adding(seconds: length)
            var cuts = Set<Int64>()
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                if rng.next() % 3 == 0 {
                    let midnight = (from.milliseconds / 86_400_000 + 1 + Int64(rng.next() % 3)) * 86_400_000
                    if midnight > from.milliseconds, midnight < to.milliseconds { cuts.insert(midnight) }
                } else {
                    cuts.insert(from.milliseconds + 1_000 * (1 + Int64(rng.next() % UInt64(length - 1))))
                }
            }
            let bounds = [from.milliseconds] + cuts.sorted() + [to.milliseconds]
            for definition in KPICatalogue.versions {
                let direct = try Self.engine.result(KPIQuery(scope: unit.path, from: from, to: to), definition: definition)
                var joined: TimeModelElements?
                for (k, (a, b)) in zip(bounds, bounds.dropFirst()).enumerated() {
                    let engine = k % 2 == 0 ? Self.engine : Self.indexed
                    let piece = try engine.result(
                        KPIQuery(scope: unit.path, from: Timestamp(milliseconds: a), to: Timestamp(milliseconds: b)),
                        definition: definition
                    ).elements
                    joined = joined.map { $0.followed(by: piece) } ?? piece
                }
                let result = Self.engine.makeResult(
                    query: direct.query, elements: try #require(joined), singleUnit: true, definition: definition)
                let diff = Self.differences(direct, result)
                #expect(diff.isEmpty, "\(unit.path) [\(from), \(to)) cut at \(bounds) under \(definition.id): \(diff)")
                compared += 1
                if direct.elements.fe > 0 { withFailures += 1 }
                if direct.elements.edges.countedFailureOpenAtEnd || direct.elements.edges.openFailureCarried > 0 { openAtEnd += 1 }
            }
        }
        #expect(compared == 480)
        #expect(withFailures > 300 && openAtEnd > 40, "\(withFailures) windows with failures, \(openAtEnd) open at the end")
    }
}
