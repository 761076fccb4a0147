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
    }
}
