import SparCore
import SparTestSupport
import Testing

func approx(_ a: Double?, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance * max(1, abs(b))
}

/// Computes a hand-worked case with the plain engine, and checks that the pre-aggregated (indexed) engine
/// gives the same elements and lineage.
/// The cases here are worked under `spar-kpi-1` (kpis.md) unless a test names another definition.
func compute(_ model: PlantModel, _ events: [Event], scope: String = "e/s/a/w/u1", from: String, to: String,
    shift: String? = nil, definition: KPIDefinitionVersion = KPICatalogue.sparKPI1) throws -> KPIResult
{
    let query = KPIQuery(scope: EquipmentPath(scope), from: t(from), to: t(to), shift: shift)
    let engine = KPIEngine(model: model, events: events)
    let direct = try engine.result(query, definition: definition)
    let horizon = Interval(t(from).adding(seconds: -7 * 86_400), t(to).adding(seconds: 7 * 86_400))
    let fast = try engine.indexed(over: horizon).result(query, definition: definition)
    #expect(fast.elements == direct.elements, "indexed engine differs for \(scope) [\(from), \(to)) \(shift ?? "")")
    #expect(fast.lineage == direct.lineage)
    return direct
}

@Suite("ISO 22400 time model and KPIs, worked by hand")
struct KPIEngineTests {
    @Test("the press case gives every time-model KPI from its hand arithmetic")
    func pressCase() throws {
        let r = try compute(Fixtures.plant(), Fixtures.pressScript().events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        // APT = 4800 + 3000 + 1800 = 9600; AUST 2400; ADET 600; ADOT 1800; PBT = 14400.
        #expect(r.element("POT") == 14400)
        #expect(r.element("PDOT") == 0)
        #expect(r.element("APT") == 9600)
        #expect(r.element("AUST") == 2400)
        #expect(r.element("ADET") == 600)
        #expect(r.element("ADOT") == 1800)
        #expect(r.element("AUBT") == 12600)
        #expect(r.element("AUPT") == 12000)
        // PQ = 102 + 160 + 28 = 290; GQ 278; SQ 6; RQ 6.
        #expect(r.element("PQ") == 290)
        #expect(r.element("GQ") == 278)
        #expect(r.element("SQ") == 6)
        #expect(r.element("RQ") == 6)
        #expect(r.element("PSQ") == 10)
        #expect(r.element("AOET") == 14400)  // A1 open from 00:00 through the window end
        #expect(approx(r.number("availability"), 9600.0 / 14400))
        #expect(approx(r.number("effectiveness"), 30.0 * 290 / 9600))  // 0.90625
        #expect(approx(r.number("qualityRatio"), 278.0 / 290))
        #expect(approx(r.number("oee"), (2.0 / 3) * 0.90625 * (278.0 / 290)))
        // NEE = APT / (PBT − AUST) × eff × quality = 9600/12000 × 0.90625 × 278/290.
        #expect(approx(r.number("nee"), 0.8 * 0.90625 * (278.0 / 290)))
        #expect(approx(r.number("setupRate"), 2400.0 / 12000))
        #expect(approx(r.number("technicalEfficiency"), 9600.0 / 10200))
        #expect(approx(r.number("utilizationEfficiency"), 9600.0 / 12600))
        #expect(approx(r.number("allocationEfficiency"), 12600.0 / 14400))
        #expect(approx(r.number("allocationRatio"), 12600.0 / 14400))
        #expect(approx(r.number("throughputRate"), 290.0 / 14400))
        #expect(approx(r.number("productionProcessRatio"), 9600.0 / 14400))
        #expect(approx(r.number("equipmentLoadRatio"), 12600.0 / 14400))
        #expect(approx(r.number("actualToPlannedScrapRatio"), 6.0 / 10))
        #expect(approx(r.number("firstPassYield"), 278.0 / 290))
        #expect(approx(r.number("scrapRatio"), 6.0 / 290))
        #expect(approx(r.number("reworkRatio"), 6.0 / 290))
        #expect(approx(r.number("fallOffRatio"), 12.0 / 290))
        // One failure 03:00–03:30: TTR 1800; TTF = APT before it = 4800 + 3000 = 7800; TBF = TTF + TTR.
        #expect(r.element("FE") == 1)
        #expect(approx(r.number("meanTimeToRepair"), 1800))
        #expect(approx(r.number("meanTimeToFailure"), 7800))
        #expect(approx(r.number("meanTimeBetweenFailures"), 9600))
        #expect(r.lineage.sources == ["mes"])
        #expect(r.lineage.events == 10)
        #expect(r.lineage.formulaVersion == "iso22400-2:2014")
    }

    @Test("a KPI without inputs is null, never zero")
    func nullsWithoutInputs() throws {
        var s = EventScript()
        s.state("2026-06-10T00:00:00Z", .production)
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T01:00:00Z")
        for id in [
            "workerEfficiency", "allocationRatio", "throughputRate", "productionProcessRatio", "actualToPlannedScrapRatio",
            "qualityRatio", "oee", "nee", "firstPassYield", "scrapRatio", "reworkRatio", "fallOffRatio",
            "machineCapabilityIndex", "processCapabilityIndex", "comprehensiveEnergyConsumption", "inventoryTurns",
            "finishedGoodsRatio", "meanTimeBetweenFailures", "meanTimeToRepair", "correctiveMaintenanceRatio",
        ] {
            #expect(r.kpi(id) == .null, "\(id) should be null")
        }
        // Ran an hour and counted nothing: effectiveness is a real 0, availability 1.
        #expect(r.number("effectiveness") == 0)
        #expect(r.number("availability") == 1)
        #expect(r.kpis.count == KPICatalogue.all.count)
    }

    @Test("a window cuts state intervals exactly at its edges")
    func windowCutsIntervals() throws {
        var s = EventScript()
        s.state("2026-06-10T05:00:00Z", .production)
        s.state("2026-06-10T07:30:00Z", .delay)
        s.state("2026-06-10T07:45:00Z", .production)
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T06:00:00Z", to: "2026-06-10T08:00:00Z")
        // APT = 06:00–07:30 (5400) + 07:45–08:00 (900); ADET = 900; PBT = 7200.
        #expect(r.element("APT") == 6300)
        #expect(r.element("ADET") == 900)
        #expect(r.element("PBT") == 7200)
        #expect(approx(r.number("availability"), 6300.0 / 7200))
    }

    @Test("time before a unit's first state stays in PBT and lowers availability")
    func unknownStateBeforeFirstEvent() throws {
        var s = EventScript()
        s.state("2026-06-10T01:00:00Z", .production)
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        #expect(r.element("PBT") == 14400)
        #expect(r.element("APT") == 10800)
        #expect(approx(r.number("availability"), 0.75))
        #expect(r.warnings.contains { $0.contains("3600 s of planned busy time have no known state") })
    }

    @Test("an unknown state (the source cannot tell) counts like no state: in PBT, in no other element")
    func unknownStateEvent() throws {
        var s = EventScript()
        s.state("2026-06-10T00:00:00Z", .production)
        s.add("2026-06-10T01:00:00Z", .state(StateChange()))
        s.state("2026-06-10T02:30:00Z", reason: "spindle")
        s.state("2026-06-10T03:00:00Z", .production)
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        // Production 00:00–01:00 and 03:00–04:00 (7,200 s); unknown 01:00–02:30 (5,400 s); down 02:30–03:00 (1,800 s).
        #expect(r.element("PBT") == 14400)
        #expect(r.element("APT") == 7200)
        #expect(r.element("ADOT") == 1800)
        #expect(r.element("ADET") == 0 && r.element("AUST") == 0)
        #expect(r.elements.unknown == 5_400_000)
        #expect(approx(r.number("availability"), 0.5))
        #expect(r.warnings.contains { $0.contains("5400 s of planned busy time have no known state") })
        // The failure at 02:30 is repaired at 03:00: TTR 1,800 s.
        #expect(r.element("FE") == 1)
    }

    @Test("a night shift crossing midnight, and the shift filter")
    func shiftAcrossMidnight() throws {
        let cal = WorkCalendar(id: "two", shifts: [Fixtures.shift("A", "06:00", "14:00"), Fixtures.shift("N", "22:00", "06:00")])
        let model = Fixtures.plant(siteCalendar: "two", calendars: [cal])
        var s = EventScript()
        s.state("2026-03-02T00:00:00Z", .production)  // Monday, producing throughout
        let from = "2026-03-02T00:00:00Z"
        let to = "2026-03-03T12:00:00Z"
        // Sunday's night shift does not exist (mon–fri). A: Mon 06–14 (28800) + Tue 06–12 (21600, cut by the window).
        // N: Mon 22:00 → Tue 06:00 (28800). POT = 79200.
        let all = try compute(model, s.events, from: from, to: to)
        #expect(all.element("POT") == 79200)
        #expect(all.element("APT") == 79200)
        // The rest of the 36 h window is unscheduled production, outside PBT: 129600 − 79200 = 50400.
        #expect(all.elements.unscheduled[.production] == 50_400_000)
        let a = try compute(model, s.events, from: from, to: to, shift: "A")
        #expect(a.element("POT") == 50400)
        let n = try compute(model, s.events, from: from, to: to, shift: "N")
        #expect(n.element("POT") == 28800)
        #expect(n.element("APT") == 28800)
        #expect(throws: KPIQueryError.self) { try compute(model, s.events, from: from, to: to, shift: "Z") }
    }

    @Test("DST: a night shift is 7 h when clocks go forward and 9 h when they go back", arguments: [
        ("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z", 25200.0),  // Sat 22:00 CET (21:00Z) → Sun 06:00 CEST (04:00Z)
        ("2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z", 32400.0),  // Sat 22:00 CEST (20:00Z) → Sun 06:00 CET (05:00Z)
    ])
    func dstNightShift(from: String, to: String, pot: Double) throws {
        let cal = WorkCalendar(id: "sat-night", shifts: [Fixtures.shift("N", "22:00", "06:00", days: [.sat])])
        let model = Fixtures.plant(timeZone: "Europe/Berlin", siteCalendar: "sat-night", calendars: [cal])
        var s = EventScript()
        s.state(from, .production)
        let r = try compute(model, s.events, from: from, to: to)
        #expect(r.element("POT") == pot)
        #expect(r.element("APT") == pot)
    }

    @Test("shift times are local: a Chicago day shift 06:00–14:00 is 12:00Z–20:00Z in winter")
    func localShiftTimes() throws {
        let cal = WorkCalendar(id: "day", shifts: [Fixtures.shift("A", "06:00", "14:00")])
        let model = Fixtures.plant(timeZone: "America/Chicago", siteCalendar: "day", calendars: [cal])
        var s = EventScript()
        s.state("2026-01-05T12:00:00Z", .production)  // Monday 06:00 CST
        s.state("2026-01-05T16:00:00Z", .down, reason: nil)
        let r = try compute(model, s.events, from: "2026-01-05T00:00:00Z", to: "2026-01-06T00:00:00Z")
        #expect(r.element("POT") == 28800)
        #expect(r.element("APT") == 14400)
        #expect(r.element("ADOT") == 14400)
    }

    @Test("exception days: a closed Monday, and a Saturday working shift A only")
    func exceptionDays() throws {
        let cal = WorkCalendar(
            id: "day", shifts: [Fixtures.shift("A", "06:00", "14:00"), Fixtures.shift("B", "14:00", "22:00")],
            exceptions: [
                CalendarException(date: "2026-03-02", closed: true),
                CalendarException(date: "2026-03-07", shifts: ["A"]),
            ])
        let model = Fixtures.plant(siteCalendar: "day", calendars: [cal])
        let r = try compute(model, [], from: "2026-03-02T00:00:00Z", to: "2026-03-09T00:00:00Z")
        // Tue–Fri: 4 × 16 h; Saturday: 8 h. POT = 72 h = 259200.
        #expect(r.element("POT") == 259200)
        #expect(r.element("APT") == 0)
        #expect(r.number("availability") == 0)
    }

    @Test("planned down inside a shift, from the calendar and from the plannedDown state")
    func plannedDownInsideShift() throws {
        let cal = WorkCalendar(id: "day", shifts: [Fixtures.shift("A", "06:00", "14:00")], plannedDown: [Fixtures.down("10:00", "10:30")])
        let model = Fixtures.plant(siteCalendar: "day", calendars: [cal])
        var s = EventScript()
        s.state("2026-03-02T00:00:00Z", .production)
        s.state("2026-03-02T12:00:00Z", reason: "pm")
        s.state("2026-03-02T13:00:00Z", .production)
        s.count("2026-03-02T09:00:00Z", good: 5)
        s.count("2026-03-02T15:00:00Z", good: 10)
        let r = try compute(model, s.events, from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z")
        // POT 28800; PDOT = break 1800 + pm 3600 = 5400; PBT 23400; production fills PBT.
        #expect(r.element("POT") == 28800)
        #expect(r.element("PDOT") == 5400)
        #expect(r.element("PBT") == 23400)
        #expect(r.element("APT") == 23400)
        #expect(r.number("availability") == 1)
        // Production reported during the break is unplanned work, not APT.
        #expect(r.elements.unplannedWork == 1_800_000)
        // The 15:00 count is outside POT: reported apart, not in PQ.
        #expect(r.element("PQ") == 5)
        #expect(r.elements.unscheduledQuantity == 10)
        // Outside the shift the unit reported 16 h of production and 0 h of planned down: unscheduled.
        #expect(r.elements.unscheduled[.production] == 57_600_000)
    }

    @Test("roll-up sums elements first: the ratio of sums, not the average of ratios")
    func rollUpRatioOfSums() throws {
        let long = WorkCalendar(id: "long", shifts: [Fixtures.shift("A", "06:00", "14:00")])
        let short = WorkCalendar(id: "short", shifts: [Fixtures.shift("A", "06:00", "08:00")])
        let model = Fixtures.plant(
            units: [WorkUnit(id: "u1", calendar: "long"), WorkUnit(id: "u2", calendar: "short")], calendars: [long, short])
        var u1 = EventScript(unit: "e/s/a/w/u1", prefix: "a")
        u1.state("2026-03-02T06:00:00Z", .production)
        u1.state("2026-03-02T12:00:00Z", reason: "stuck")
        var u2 = EventScript(unit: "e/s/a/w/u2", prefix: "b")
        u2.state("2026-03-02T06:00:00Z", .production)
        u2.state("2026-03-02T07:00:00Z", .delay)
        let events = u1.events + u2.events
        let from = "2026-03-02T00:00:00Z"
        let to = "2026-03-03T00:00:00Z"
        let r1 = try compute(model, events, scope: "e/s/a/w/u1", from: from, to: to)
        let r2 = try compute(model, events, scope: "e/s/a/w/u2", from: from, to: to)
        #expect(r1.number("availability") == 0.75)  // 6 h / 8 h
        #expect(r2.number("availability") == 0.5)  // 1 h / 2 h
        for scope in ["e/s/a/w", "e/s/a", "e/s", "e"] {
            let r = try compute(model, events, scope: scope, from: from, to: to)
            #expect(approx(r.number("availability"), 7.0 / 10), "\(scope)")  // not (0.75 + 0.5) / 2 = 0.625
            #expect(r.lineage.units == 2)
        }
    }

    @Test("the same events in any order give bit-identical results")
    func orderIndependence() throws {
        let events = Fixtures.pressScript().events
        let base = try compute(Fixtures.plant(), events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        var rng = SeededRandom(seed: 7)
        for _ in 0..<20 {
            let shuffled = events.shuffled(using: &rng)
            let r = try compute(Fixtures.plant(), shuffled, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
            #expect(r.elements == base.elements)
            #expect(r.kpis.map(\.1) == base.kpis.map(\.1))
        }
    }

    @Test("corrections replace or void an event; the latest correction wins")
    func corrections() throws {
        var s = Fixtures.pressScript()
        // p9 was good 150, scrap 4, rework 6 → replace with good 150, scrap 10, rework 0.
        let fixed = Event(id: EventID("c1"), ts: t("2026-06-10T02:30:00Z"), source: "mes", unit: s.unit,
            payload: .count(Count(good: 150, scrap: 10, rework: 0, order: "A1")))
        s.add("2026-06-10T05:00:00Z", .correction(Correction(corrects: EventID("p9"), replacement: fixed)), id: "c1")
        // p10 (28 good) voided, first by an earlier correction that replaced it, then by a later void.
        let early = Event(id: EventID("c2"), ts: t("2026-06-10T03:45:00Z"), source: "mes", unit: s.unit,
            payload: .count(Count(good: 1000, scrap: 0, rework: 0, order: "A1")))
        s.add("2026-06-10T05:00:00Z", .correction(Correction(corrects: EventID("p10"), replacement: early)), id: "c2")
        s.add("2026-06-10T06:00:00Z", .correction(Correction(corrects: EventID("p10"), replacement: nil)), id: "c3")
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        // PQ = 102 + 160 = 262; GQ = 100 + 150 = 250; SQ = 2 + 10 = 12; RQ = 0.
        #expect(r.element("PQ") == 262)
        #expect(r.element("GQ") == 250)
        #expect(r.element("SQ") == 12)
        #expect(r.element("RQ") == 0)
        #expect(approx(r.number("effectiveness"), 30.0 * 262 / 9600))
    }

    @Test("labor: worker efficiency sums each worker's clocked and order time")
    func workerEfficiency() throws {
        var s = EventScript()
        s.labor("2026-06-10T06:00:00Z", "w1", .clockIn)
        s.labor("2026-06-10T07:00:00Z", "w1", .start, order: "A1")
        s.labor("2026-06-10T13:00:00Z", "w1", .stop, order: "A1")
        s.labor("2026-06-10T14:00:00Z", "w1", .clockOut)
        s.labor("2026-06-10T06:00:00Z", "w2", .clockIn)
        s.labor("2026-06-10T06:30:00Z", "w2", .start, order: "A1")
        s.labor("2026-06-10T09:30:00Z", "w2", .stop, order: "A1")
        s.labor("2026-06-10T10:00:00Z", "w2", .clockOut)
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T06:00:00Z", to: "2026-06-10T14:00:00Z")
        // PWT = 8 h + 4 h = 43200; APWT = 6 h + 3 h = 32400.
        #expect(r.element("PWT") == 43200)
        #expect(r.element("APWT") == 32400)
        #expect(r.number("workerEfficiency") == 0.75)
    }

    @Test("MTBF, MTTF and MTTR over two failures; a re-reported failure reason is one failure")
    func failures() throws {
        var s = EventScript()
        s.state("2026-06-10T00:00:00Z", reason: "run")
        s.state("2026-06-10T02:00:00Z", reason: "spindle")
        s.state("2026-06-10T02:10:00Z", reason: "spindle")
        s.state("2026-06-10T02:30:00Z", reason: "run")
        s.state("2026-06-10T05:00:00Z", reason: "setup")
        s.state("2026-06-10T05:30:00Z", reason: "run")
        s.state("2026-06-10T08:00:00Z", reason: "hydraulics")
        s.state("2026-06-10T09:00:00Z", reason: "stuck")  // down but not a failure: ends the repair, adds no FE
        s.state("2026-06-10T09:15:00Z", reason: "run")
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T10:00:00Z")
        // Failure 1: TTF 7200 (00:00–02:00), TTR 1800. Failure 2: TTF = 02:30–08:00 less setup 30 min = 18000, TTR 3600.
        #expect(r.element("FE") == 2)
        #expect(r.element("TTF") == 25200)
        #expect(r.element("TTR") == 5400)
        #expect(r.number("meanTimeToFailure") == 12600)
        #expect(r.number("meanTimeToRepair") == 2700)
        #expect(r.number("meanTimeBetweenFailures") == 15300)  // MTTF + MTTR
        #expect(r.element("ADOT") == 6300)  // 1800 + 3600 + 900 (the non-failure stop)
    }

    @Test("capability indices with the sample standard deviation; several characteristics are keyed")
    func capability() throws {
        var s = EventScript()
        for (i, v) in [9.9, 10.0, 10.1, 10.2].enumerated() {
            s.add("2026-06-10T0\(i):00:00Z", .measurement(Measurement(characteristic: "bore", value: v, lsl: 9.4, usl: 10.6)))
        }
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T06:00:00Z")
        // x̄ = 10.05; Σ(x − x̄)² = 0.05; σ = √(0.05/3) = 0.1290994; Cp = 1.2/(6σ); Cpk = 0.55/(3σ).
        #expect(approx(r.number("processCapabilityIndex"), 1.5491933384829721))
        #expect(approx(r.number("criticalProcessCapabilityIndex"), 1.4200938936093885))
        #expect(approx(r.number("machineCapabilityIndex"), 1.5491933384829721))
        #expect(approx(r.number("criticalMachineCapabilityIndex"), 1.4200938936093885))
        s.add("2026-06-10T04:00:00Z", .measurement(Measurement(characteristic: "flat", value: 1, lsl: 0, usl: 3)))
        s.add("2026-06-10T05:00:00Z", .measurement(Measurement(characteristic: "flat", value: 2, lsl: 0, usl: 3)))
        let two = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T06:00:00Z")
        // flat: x̄ 1.5, σ = √0.5 = 0.7071068; Cp = 3/(6σ) = 0.7071068; Cpk = 1.5/(3σ) = 0.7071068.
        guard case .byCharacteristic(let cp)? = two.kpi("processCapabilityIndex") else {
            Issue.record("expected per-characteristic values")
            return
        }
        #expect(approx(cp["bore"] ?? nil, 1.5491933384829721))
        #expect(approx(cp["flat"] ?? nil, 0.5.squareRoot()))
    }

    @Test("energy, material and inventory KPIs")
    func energyAndMaterial() throws {
        var s = Fixtures.pressScript()
        s.add("2026-06-10T01:00:00Z", .energy(kwh: 20))
        s.add("2026-06-10T02:00:00Z", .energy(kwh: 30))
        s.add("2026-06-10T01:00:00Z", .material(MaterialMovement(flow: .consumed, material: "coil", quantity: 300)))
        s.add("2026-06-10T01:10:00Z", .material(MaterialMovement(flow: .produced, material: "bracket", quantity: 280)))
        s.add("2026-06-10T01:20:00Z", .material(MaterialMovement(flow: .productionLoss, material: "coil", quantity: 12)))
        s.add("2026-06-10T01:30:00Z", .material(MaterialMovement(flow: .storageLoss, material: "coil", quantity: 3)))
        s.add("2026-06-10T01:40:00Z", .material(MaterialMovement(flow: .otherLoss, material: "coil", quantity: 5)))
        s.add("2026-06-10T00:10:00Z", .material(MaterialMovement(flow: .inventory, material: "coil", quantity: 100)))
        s.add("2026-06-10T03:10:00Z", .material(MaterialMovement(flow: .inventory, material: "coil", quantity: 140)))
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        #expect(approx(r.number("comprehensiveEnergyConsumption"), 50.0 / 290))
        #expect(r.element("AI") == 120)  // (100 + 140) / 2
        #expect(approx(r.number("inventoryTurns"), 300.0 / 120))
        #expect(approx(r.number("finishedGoodsRatio"), 278.0 / 300))
        #expect(approx(r.number("integratedGoodsRatio"), 280.0 / 300))
        #expect(approx(r.number("productionLossRatio"), 12.0 / 300))
        #expect(approx(r.number("storageAndTransportationLossRatio"), 3.0 / 300))
        #expect(approx(r.number("otherLossRatio"), 5.0 / 300))
    }

    @Test("corrective maintenance ratio from maintenance start/end pairs, cut by the window")
    func maintenanceRatio() throws {
        var s = EventScript()
        s.add("2026-06-10T02:00:00Z", .maintenance(MaintenanceAction(kind: .corrective, action: .start)))
        s.add("2026-06-10T03:00:00Z", .maintenance(MaintenanceAction(kind: .corrective, action: .end)))
        s.add("2026-06-10T05:00:00Z", .maintenance(MaintenanceAction(kind: .preventive, action: .start)))
        s.add("2026-06-10T07:00:00Z", .maintenance(MaintenanceAction(kind: .preventive, action: .end)))
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T06:00:00Z")
        // CMT 3600; PMT cut at 06:00 = 3600 → 0.5.
        #expect(r.element("CMT") == 3600)
        #expect(r.element("PMT") == 3600)
        #expect(r.number("correctiveMaintenanceRatio") == 0.5)
    }

    @Test("NEE equals OEE without setup and exceeds it with setup")
    func neeVersusOEE() throws {
        let withSetup = try compute(Fixtures.plant(), Fixtures.pressScript().events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        #expect((withSetup.number("nee") ?? 0) > (withSetup.number("oee") ?? 1))
        var s = EventScript()
        s.orderStart("2026-06-10T00:00:00Z", "A1", pru: 30)
        s.state("2026-06-10T00:00:00Z", .production)
        s.state("2026-06-10T03:00:00Z", .delay)
        s.count("2026-06-10T02:00:00Z", good: 300, scrap: 10)
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T04:00:00Z")
        #expect(r.number("nee") == r.number("oee"))
        #expect(approx(r.number("oee"), 0.75 * (30.0 * 310 / 10800) * (300.0 / 310)))
    }

    @Test("effectiveness above 1 is reported with a warning; quantities without PRU make it null")
    func effectivenessWarnings() throws {
        var s = EventScript()
        s.orderStart("2026-06-10T00:00:00Z", "A1", pru: 60)
        s.state("2026-06-10T00:00:00Z", .production)
        s.count("2026-06-10T00:30:00Z", good: 90)
        let r = try compute(Fixtures.plant(), s.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T01:00:00Z")
        #expect(r.number("effectiveness") == 1.5)  // 60 × 90 / 3600, not clamped
        #expect(r.warnings.contains { $0.contains("above 1") })

        var n = EventScript()
        n.state("2026-06-10T00:00:00Z", .production)
        n.count("2026-06-10T00:30:00Z", good: 10)
        let r2 = try compute(Fixtures.plant(), n.events, from: "2026-06-10T00:00:00Z", to: "2026-06-10T01:00:00Z")
        #expect(r2.kpi("effectiveness") == .null)
        #expect(r2.kpi("oee") == .null)
        #expect(r2.warnings.contains { $0.contains("no planned run time") })
    }

    @Test("a query for an unknown scope or an empty window is refused")
    func badQueries() throws {
        #expect(throws: KPIQueryError.self) {
            try compute(Fixtures.plant(), [], scope: "e/nowhere", from: "2026-06-10T00:00:00Z", to: "2026-06-10T01:00:00Z")
        }
        #expect(throws: KPIQueryError.self) {
            try compute(Fixtures.plant(), [], from: "2026-06-10T01:00:00Z", to: "2026-06-10T01:00:00Z")
        }
    }
}
