import SparCore
import SparDemo
import SparTestSupport
import Testing

@testable import SparServer

@Suite("Many windows at once")
struct WindowedElementsTests {
    @Test("elements(in:windows:) equals result(_:) window by window, plain and indexed, across a DST change")
    func sameAsOneByOne() throws {
        let model = DemoEnterprise.plantModel()
        // 2026-10-20 … 2026-11-03: Europe/Paris leaves summer time on 2026-10-25, America/Chicago on 2026-11-01.
        let start = t("2026-10-20T00:00:00Z")
        let events = DemoGenerator(model: model, seed: 7, start: start, days: 14).events()
        let plain = KPIEngine(model: model, events: events)
        let indexed = plain.indexed(over: Interval(start.adding(seconds: -86_400), start.adding(seconds: 15 * 86_400)))
        let asOf = t("2026-11-02T13:37:00Z")
        for engine in [plain, indexed] {
            for path in model.allPaths where path.depth <= 3 || path == model.resolvedWorkUnits[0].path {
                let zone = LocalTime(identifier: path.depth >= 2
                    ? model.sites.first { $0.id == path.components[1] }!.timeZone : "UTC")!
                let windows =
                    [PageWindow.today(asOf: asOf, zone: zone).interval, PageWindow.days(7, asOf: asOf).interval]
                    + PageWindow.dailyBuckets(14, asOf: asOf, zone: zone)
                let batched = engine.elements(in: path, windows: windows)
                for (w, el) in zip(windows, batched) {
                    let one = try engine.result(KPIQuery(scope: path, from: w.start, to: w.end)).elements
                    #expect(el == one, "\(path) \(w.start)–\(w.end)")
                }
            }
        }
    }
}
