import SparCore
import SparTestSupport
import Testing

@Suite("KPI query bounds")
struct KPIQueryBoundsTests {
    @Test("a window of up to ten years is answered; a longer one is refused before any work")
    func maximumWindow() throws {
        let engine = KPIEngine(model: Fixtures.plant(), events: Fixtures.pressScript().events)
        let from = t("2020-01-01T00:00:00Z")
        // 3,660 days exactly is allowed: POT of a unit without calendar is the whole window.
        let longest = try engine.result(
            KPIQuery(scope: EquipmentPath("e/s/a/w/u1"), from: from, to: from.adding(seconds: 3_660 * 86_400)))
        #expect(longest.elements.pot == 3_660 * 86_400_000)
        #expect(throws: KPIQueryError(
            .windowTooLong, field: "to",
            reason: "the window spans 3660 days; a query may span at most 3660 days (ten years): split it")) {
            try engine.result(
                KPIQuery(scope: EquipmentPath("e/s/a/w/u1"), from: from, to: from.adding(seconds: 3_660 * 86_400 + 1)))
        }
        #expect(throws: KPIQueryError.self) {
            try engine.result(
                KPIQuery(scope: EquipmentPath("e"), from: t("0001-01-01T00:00:00Z"), to: t("9999-12-31T00:00:00Z")))
        }
    }

    @Test("a query in a cancelled task stops and says so")
    func cancelled() async throws {
        let engine = KPIEngine(model: Fixtures.plant(), events: Fixtures.pressScript().events)
        let query = KPIQuery(scope: EquipmentPath("e"), from: t("2026-06-10T00:00:00Z"), to: t("2026-06-11T00:00:00Z"))
        let task = Task { () -> KPIQueryError.Kind? in
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                _ = try engine.result(query)
                return nil
            } catch let error as KPIQueryError {
                return error.kind
            } catch {
                return nil
            }
        }
        #expect(await task.value == .cancelled)
        #expect(try engine.result(query).elements.pot == 86_400_000)
    }

    @Test("sums that overflow give null KPIs and a warning, never a wrong ratio")
    func overflowingSums() throws {
        // Two counts of 1e308 good + 1e308 scrap (beyond EventBounds, as a ledger from before the bounds may hold):
        // PQ = 4e308 overflows to infinity. The true quality ratio is 0.5; it must not be shown as 0.
        var script = EventScript()
        script.state("2026-06-10T00:00:00Z", reason: "run")
        script.count("2026-06-10T01:00:00Z", good: 1e308, scrap: 1e308, rework: 0)
        script.count("2026-06-10T02:00:00Z", good: 1e308, scrap: 1e308, rework: 0)
        let r = try KPIEngine(model: Fixtures.plant(), events: script.events).result(
            KPIQuery(scope: EquipmentPath("e/s/a/w/u1"), from: t("2026-06-10T00:00:00Z"), to: t("2026-06-10T03:00:00Z")))
        #expect(r.elements.pq == .infinity)
        for id in ["qualityRatio", "scrapRatio", "firstPassYield", "oee"] { #expect(r.kpi(id) == .null, "\(id)") }
        #expect(r.kpi("availability") == .number(1))
        #expect(r.warnings.contains { $0.contains("an element sum is not a finite number") })
    }
}
