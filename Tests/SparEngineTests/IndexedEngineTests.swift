import SparCore
import SparDemo
import SparTestSupport
import Testing

@Suite("Pre-aggregated KPI projection")
struct IndexedEngineTests {
    @Test("random scopes, windows and shifts give the same elements as the direct computation")
    func matchesDirect() throws {
        let model = DemoEnterprise.plantModel()
        let start = DemoGenerator.defaultStart
        let days = 14
        let events = DemoGenerator(model: model, seed: 5, start: start, days: days).events()
        let engine = KPIEngine(model: model, events: events)
        let horizon = Interval(start.adding(seconds: -86_400), start.adding(seconds: Int64(days + 2) * 86_400))
        let fast = engine.indexed(over: horizon)
        let paths = model.allPaths
        let shifts: [String?] = [nil, nil, "A", "B", "C"]
        var rng = SeededRandom(seed: 11)
        var compared = 0
        var withLosses = 0
        for _ in 0..<300 {
            let scope = paths[Int(rng.next() % UInt64(paths.count))]
            let from = start.adding(seconds: Int64(rng.next() % UInt64(days * 86_400)) - 43_200)
            let to = from.adding(seconds: 60 + Int64(rng.next() % UInt64(5 * 86_400)))
            let query = KPIQuery(scope: scope, from: from, to: to, shift: shifts[Int(rng.next() % 5)])
            guard let direct = try? engine.result(query) else { continue }  // a shift no calendar in scope has
            let indexed = try fast.result(query)
            compared += 1
            let a = direct.elements
            let b = indexed.elements
            #expect(a.pot == b.pot && a.pdot == b.pdot && a.apt == b.apt && a.aust == b.aust, "\(query)")
            #expect(a.adet == b.adet && a.adot == b.adot && a.idle == b.idle && a.unplannedWork == b.unplannedWork)
            #expect(a.unscheduled == b.unscheduled, "\(query)")
            #expect(a.lossTime == b.lossTime, "\(query)")
            if query.shift == nil {
                #expect(a.losses == engine.losses(in: scope, range: Interval(from, to)), "\(query)")
                if !a.losses.isEmpty { withLosses += 1 }
            }
            #expect(a.fe == b.fe && a.ttr == b.ttr && a.ttf == b.ttf && a.tbf == b.tbf, "\(query)")
            for (x, y) in [(a.pq, b.pq), (a.gq, b.gq), (a.sq, b.sq), (a.rq, b.rq),
                           (a.plannedTimeForProduced, b.plannedTimeForProduced),
                           (a.quantityWithoutPRU, b.quantityWithoutPRU), (a.unscheduledQuantity, b.unscheduledQuantity),
                           (a.ec ?? -1, b.ec ?? -1)] {
                #expect(abs(x - y) <= 1e-9 * max(1, abs(x)), "\(query)")
            }
            #expect(direct.lineage == indexed.lineage, "\(query)")
        }
        #expect(compared > 200)
        #expect(withLosses > 100)
    }
}

@Suite("Updating the projection for the units a batch touched")
struct EngineUpdateTests {
    @Test("an engine updated unit by unit with late, out-of-order batches equals one built from all events, plain and pre-aggregated")
    func updatedEqualsRebuilt() throws {
        let model = DemoEnterprise.plantModel()
        let start = DemoGenerator.defaultStart
        let days = 7
        let all = DemoGenerator(model: model, seed: 13, start: start, days: days).events()
        var rng = SeededRandom(seed: 29)
        // Hold back a random third of the events (any unit, any time) and deliver them in five batches.
        var base: [Event] = []
        var later: [[Event]] = Array(repeating: [], count: 5)
        for e in all {
            if rng.next() % 3 == 0 { later[Int(rng.next() % 5)].append(e) } else { base.append(e) }
        }
        let horizon = Interval(start.adding(seconds: -86_400), start.adding(seconds: Int64(days + 2) * 86_400))
        var engine = KPIEngine(model: model, events: base).indexed(over: horizon)
        var held = base
        for batch in later {
            held += batch
            var byUnit: [EquipmentPath: [Event]] = [:]
            for e in held { byUnit[e.unit, default: []].append(e) }
            let touched = Set(batch.map(\.unit))
            engine = engine.updating(units: touched, events: touched.flatMap { byUnit[$0] ?? [] })
        }
        let rebuilt = KPIEngine(model: model, events: all)
        let rebuiltIndexed = rebuilt.indexed(over: horizon)
        let paths = model.allPaths
        func same(_ x: [(String, KPIValue)], _ y: [(String, KPIValue)]) -> Bool {
            x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        }
        for k in 0..<60 {
            let scope = paths[Int(rng.next() % UInt64(paths.count))]
            let from = start.adding(seconds: Int64(rng.next() % UInt64((days - 1) * 86_400)))
            let query = KPIQuery(scope: scope, from: from, to: from.adding(seconds: 3_600 + Int64(rng.next() % 172_800)))
            for definition in KPICatalogue.versions {
                let a = try rebuilt.result(query, definition: definition)
                let b = try engine.withoutPreAggregates.result(query, definition: definition)
                #expect(a.elements == b.elements && same(a.kpis, b.kpis), "\(k): \(query) plain")
                let c = try rebuiltIndexed.result(query, definition: definition)
                let d = try engine.result(query, definition: definition)
                #expect(c.elements == d.elements && same(c.kpis, d.kpis), "\(k): \(query) pre-aggregated")
            }
        }
    }
}
