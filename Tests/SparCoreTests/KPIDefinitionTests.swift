import SparCore
import SparTestSupport
import Testing

/// A registered definition version by id.
func definition(_ id: String) throws -> KPIDefinitionVersion {
    try #require(KPICatalogue.version(id), "\(id) is not registered")
}

/// The same events and query under `spar-kpi-1` and `spar-kpi-2` (each also through the indexed engine).
func computeBoth(
    _ model: PlantModel, _ events: [Event], scope: String = "e/s/a/w/u1", from: String, to: String, shift: String? = nil
) throws -> (v1: KPIResult, v2: KPIResult) {
    let v1 = try compute(
        model, events, scope: scope, from: from, to: to, shift: shift, definition: definition("spar-kpi-1"))
    let v2 = try compute(
        model, events, scope: scope, from: from, to: to, shift: shift, definition: definition("spar-kpi-2"))
    #expect(v1.lineage.definitionVersion == "spar-kpi-1")
    #expect(v2.lineage.definitionVersion == "spar-kpi-2")
    return (v1, v2)
}

extension EventScript {
    mutating func orderStart(_ ts: String, _ order: String, pru: Double, operation: Int?) {
        add(ts, .order(OrderAction(order: order, action: .start, material: "m", plannedRunTimePerUnit: pru,
            plannedQuantity: 100, operation: operation)))
    }

    mutating func inspect(_ ts: String, _ serial: String, _ result: Inspection.Result) {
        add(ts, .inspection(Inspection(serial: serial, result: result)))
    }

    mutating func measure(_ ts: String, _ value: Double, lsl: Double, usl: Double, subgroup: String? = nil) {
        add(ts, .measurement(Measurement(characteristic: "bore", value: value, lsl: lsl, usl: usl, subgroup: subgroup)))
    }

    mutating func material(_ ts: String, _ flow: MaterialMovement.Flow, _ quantity: Double, material: String = "m",
        grade: String? = nil)
    {
        add(ts, .material(MaterialMovement(flow: flow, material: material, quantity: quantity, grade: grade)))
    }
}

/// Every KPI whose formula or element reading differs between spar-kpi-1 (kpis.md) and spar-kpi-2 (kpis-v2.md),
/// on small cases worked by hand from the two specs (the scenarios of research/iso22400-crosscheck.md).
@Suite("KPI definitions: spar-kpi-1 against spar-kpi-2, worked by hand")
struct KPIDefinitionTests {
    static let day = "2026-06-10"
    static func at(_ hm: String) -> String { "\(day)T\(hm):00Z" }

    @Test("the change-control impact lists exactly the KPIs whose formula or element reading changed")
    func impactList() throws {
        let v1 = try definition("spar-kpi-1")
        let v2 = try definition("spar-kpi-2")
        #expect(KPICatalogue.defaultVersion == "spar-kpi-2")
        #expect(v1.kpis.map(\.id) == v2.kpis.map(\.id))
        #expect(v2.kpis.count == 34)
        // From the kpis-v2.md table; integratedGoodsRatio is listed because FGQ was renamed IGQ (its value stays).
        let changed: Set<String> = [
            "workerEfficiency", "allocationRatio", "allocationEfficiency", "utilizationEfficiency", "nee",
            "technicalEfficiency", "firstPassYield", "fallOffRatio", "processCapabilityIndex",
            "criticalProcessCapabilityIndex", "inventoryTurns", "integratedGoodsRatio", "equipmentLoadRatio",
            "meanTimeBetweenFailures", "meanTimeToFailure",
        ]
        #expect(Set(v2.kpisDiffering(from: v1)) == changed)
        #expect(Set(v1.kpisDiffering(from: v2)) == changed)
        #expect(v1.kpisDiffering(from: v1).isEmpty)
    }

    @Test("NEE: setup leaves the base under spar-kpi-1 and is no loss under spar-kpi-2 (scenario A)")
    func nee() throws {
        var s = EventScript()
        s.orderStart(Self.at("08:00"), "O1", pru: 60)
        s.state(Self.at("08:00"), reason: "setup")
        s.state(Self.at("09:00"), reason: "run")
        s.state(Self.at("14:00"), reason: "jam")
        s.state(Self.at("15:00"), reason: "stuck")
        s.count(Self.at("14:00"), good: 300, order: "O1")
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("08:00"), to: Self.at("16:00"))
        // PBT 8 h; setup 1 h, production 5 h, delay 1 h, down 1 h; E = 60 × 300 / 18000 = 1; QR = 1.
        for r in [v1, v2] {
            #expect(r.element("PBT") == 28800)
            #expect(r.element("APT") == 18000)
            #expect(r.element("AUST") == 3600)
            #expect(r.number("effectiveness") == 1)
            #expect(r.number("qualityRatio") == 1)
            #expect(r.number("oee") == 0.625)  // 5/8 × 1 × 1
        }
        // spar-kpi-1: APT / (PBT − AUST) = 5/7.
        #expect(v1.number("nee") == 18000.0 / 25200)
        // spar-kpi-2: AUPT / PBT = 6/8.
        #expect(v2.number("nee") == 0.75)
    }

    @Test("NEE equals OEE without setup under both definitions")
    func neeWithoutSetup() throws {
        var s = EventScript()
        s.orderStart(Self.at("00:00"), "O1", pru: 30)
        s.state(Self.at("00:00"), reason: "run")
        s.state(Self.at("03:00"), reason: "jam")
        s.count(Self.at("02:00"), good: 300, scrap: 10)
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("04:00"))
        // A = 3/4, E = 30 × 310 / 10800, QR = 300/310; AUPT = APT and PBT − AUST = PBT.
        let oee = 0.75 * (9300.0 / 10800) * (300.0 / 310)
        for r in [v1, v2] {
            #expect(approx(r.number("oee"), oee, tolerance: 1e-15))
            #expect(r.number("nee") == r.number("oee"))
        }
    }

    @Test("ADET and ADOT: a breakdown during an order is ADET under spar-kpi-2 (scenario B)")
    func breakdownDuringOrder() throws {
        var s = EventScript()
        s.orderStart(Self.at("00:00"), "O1", pru: 10)  // open to the window end
        s.state(Self.at("00:00"), reason: "setup")
        s.state(Self.at("00:30"), reason: "run")
        s.state(Self.at("03:00"), reason: "jam")
        s.state(Self.at("03:30"), reason: "run")
        s.state(Self.at("05:00"), reason: "spindle")
        s.state(Self.at("06:00"), reason: "run")
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("08:00"))
        // PBT 8 h: setup 0.5, production 2.5 + 1.5 + 2 = 6, jam 0.5, failure 1; AOET 8 h.
        for r in [v1, v2] {
            #expect(r.element("APT") == 21600)
            #expect(r.element("AUST") == 1800)
            #expect(r.element("AOET") == 28800)
            #expect(r.number("availability") == 0.75)
        }
        // spar-kpi-1: ADET = jam 0.5 h, ADOT = failure 1 h, AUBT = 6 + 0.5 + 0.5 = 7 h.
        #expect(v1.element("ADET") == 1800)
        #expect(v1.element("ADOT") == 3600)
        #expect(v1.element("AUBT") == 25200)
        #expect(v1.number("technicalEfficiency") == 21600.0 / 23400)  // 6/6.5
        #expect(v1.number("allocationEfficiency") == 0.875)  // 7/8
        #expect(v1.number("utilizationEfficiency") == 21600.0 / 25200)  // 6/7
        #expect(v1.number("allocationRatio") == 0.875)  // AUBT/AOET = 7/8
        #expect(v1.number("equipmentLoadRatio") == 0.875)  // AUBT/POT = 7/8
        // spar-kpi-2: ADET = jam + failure (both during O1) = 1.5 h, ADOT = 0, AUBT = 8 h.
        #expect(v2.element("ADET") == 5400)
        #expect(v2.element("ADOT") == 0)
        #expect(v2.element("AUBT") == 28800)
        #expect(v2.number("technicalEfficiency") == 0.8)  // 6/7.5
        #expect(v2.number("allocationEfficiency") == 1)
        #expect(v2.number("utilizationEfficiency") == 0.75)  // 6/8
        #expect(v2.number("allocationRatio") == 1)
    }

    @Test("ADET and ADOT: idle counts under spar-kpi-2 only, split by whether an order runs")
    func idleAndDownAroundAnOrder() throws {
        var s = EventScript()
        s.orderStart(Self.at("00:00"), "O1", pru: 10)
        s.orderEnd(Self.at("02:00"), "O1")
        s.state(Self.at("00:00"), reason: "run")
        s.state(Self.at("01:00"), reason: "wait")  // idle, O1 running
        s.state(Self.at("01:30"), reason: "run")
        s.state(Self.at("02:00"), reason: "stuck")  // down, not a failure, no order
        s.state(Self.at("03:00"), reason: "wait")  // idle, no order
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("04:00"))
        // APT = 1 + 0.5 = 1.5 h; idle 0.5 h with O1 and 1 h without; down 1 h without an order. AOET = 2 h.
        for r in [v1, v2] {
            #expect(r.element("APT") == 5400)
            #expect(r.element("AOET") == 7200)
        }
        // spar-kpi-1: ADET = delay = 0, ADOT = down = 1 h; idle is in neither.
        #expect(v1.element("ADET") == 0)
        #expect(v1.element("ADOT") == 3600)
        #expect(v1.element("AUBT") == 5400)
        #expect(v1.number("technicalEfficiency") == 1)
        #expect(v1.number("allocationRatio") == 0.75)  // 1.5/2
        // spar-kpi-2: ADET = idle during O1 = 0.5 h; ADOT = down 1 h + idle 1 h with no order = 2 h.
        #expect(v2.element("ADET") == 1800)
        #expect(v2.element("ADOT") == 7200)
        #expect(v2.element("AUBT") == 7200)
        #expect(v2.number("technicalEfficiency") == 0.75)  // 1.5/2
        #expect(v2.number("utilizationEfficiency") == 0.75)
        #expect(v2.number("allocationRatio") == 1)  // 2/2
        #expect(v2.number("allocationEfficiency") == 0.5)  // 2/4
    }

    @Test("production with no order running is still APT under spar-kpi-2, with a warning")
    func productionWithoutOrder() throws {
        var s = EventScript()
        s.state(Self.at("00:00"), reason: "setup")
        s.state(Self.at("00:30"), reason: "run")
        s.state(Self.at("01:30"), reason: "jam")
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("02:00"))
        // APT 1 h, AUST 0.5 h, jam 0.5 h with no order: ADET under spar-kpi-1, ADOT under spar-kpi-2.
        #expect(v2.element("APT") == 3600)
        #expect(v2.element("AUST") == 1800)
        #expect(v1.element("ADET") == 1800)
        #expect(v2.element("ADET") == 0)
        #expect(v2.element("ADOT") == 1800)
        #expect(v2.warnings.contains("5400 s of production or setup ran with no order on the unit (still APT or AUST)"))
        #expect(!v1.warnings.contains { $0.contains("no order on the unit") })
    }

    @Test("MTBF and MTTF: operating time with setup and no repair under spar-kpi-2 (scenario C)")
    func failureTimes() throws {
        var s = EventScript()
        s.state(Self.at("00:00"), reason: "setup")
        s.state(Self.at("00:30"), reason: "run")
        s.state(Self.at("03:00"), reason: "spindle")
        s.state(Self.at("04:00"), reason: "run")
        s.state(Self.at("06:00"), reason: "hydraulics")
        s.state(Self.at("06:30"), reason: "run")
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("10:00"))
        // Setup 0.5, production 2.5, F1 1.0, production 2.0, F2 0.5, production 3.5 (after the last failure).
        for r in [v1, v2] {
            #expect(r.element("FE") == 2)
            #expect(r.element("TTR") == 5400)  // 1 h + 0.5 h
            #expect(r.number("meanTimeToRepair") == 2700)
        }
        // spar-kpi-1: TTF = APT before each failure = 2.5 h + 2 h; TBF = TTF + TTR = 3.5 h + 2.5 h.
        #expect(v1.element("TTF") == 16200)
        #expect(v1.element("TBF") == 21600)
        #expect(v1.number("meanTimeToFailure") == 8100)  // 2.25 h
        #expect(v1.number("meanTimeBetweenFailures") == 10800)  // 3 h = MTTF + MTTR
        // spar-kpi-2: TTF = TBF = (0.5 + 2.5) h + 2 h of operating time; the last 3.5 h count in neither.
        #expect(v2.element("TTF") == 18000)
        #expect(v2.element("TBF") == 18000)
        #expect(v2.number("meanTimeToFailure") == 9000)  // 2.5 h
        #expect(v2.number("meanTimeBetweenFailures") == 9000)
    }

    @Test("MTBF edges: a failure carried in, delay and idle between failures, a failure open at the window end")
    func failureEdges() throws {
        var s = EventScript()
        s.state("2026-06-09T23:00:00Z", reason: "spindle")  // carried into the window: not counted, not TTR
        s.state(Self.at("00:30"), reason: "run")
        s.state(Self.at("01:30"), reason: "jam")
        s.state(Self.at("02:00"), reason: "setup")
        s.state(Self.at("02:30"), reason: "run")
        s.state(Self.at("03:00"), reason: "wait")
        s.state(Self.at("03:15"), reason: "run")
        s.state(Self.at("04:00"), reason: "hydraulics")
        s.state(Self.at("04:30"), reason: "run")
        s.state(Self.at("05:00"), reason: "spindle")  // still open at 06:00
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("06:00"))
        // FE = 2 (04:00, 05:00); TTR = 0.5 h + 1 h (open, counted to the window end).
        for r in [v1, v2] {
            #expect(r.element("FE") == 2)
            #expect(r.element("TTR") == 5400)
            #expect(r.number("meanTimeToRepair") == 2700)
        }
        // spar-kpi-1: TTF1 = APT 00:30–04:00 = 1 + 0.5 + 0.75 h = 8100; TTF2 = APT 04:30–05:00 = 1800.
        #expect(v1.element("TTF") == 9900)
        #expect(v1.element("TBF") == 15300)  // 9900 + 5400
        #expect(v1.number("meanTimeToFailure") == 4950)
        #expect(v1.number("meanTimeBetweenFailures") == 7650)
        // spar-kpi-2: TTF1 adds the 0.5 h setup, not the jam or the idle: 9900; TTF2 = 1800.
        #expect(v2.element("TTF") == 11700)
        #expect(v2.element("TBF") == 11700)
        #expect(v2.number("meanTimeToFailure") == 5850)
        #expect(v2.number("meanTimeBetweenFailures") == 5850)
        // No order: spar-kpi-1 ADOT = down 0.5 + 0.5 + 1 h; spar-kpi-2 ADOT = that + jam 0.5 h + idle 0.25 h.
        #expect(v1.element("ADOT") == 7200)
        #expect(v2.element("ADOT") == 9900)
        #expect(v2.element("ADET") == 0)
    }

    @Test("equipment load ratio: AUBT / POT, against PQ / EPC from ratedRate (scenario D)")
    func equipmentLoadRatio() throws {
        let cal = WorkCalendar(id: "day", shifts: [Fixtures.shift("A", "06:00", "14:00")])
        let model = Fixtures.plant(siteCalendar: "day", units: [WorkUnit(id: "u1", ratedRate: 125)], calendars: [cal])
        var s = EventScript()
        s.state("2026-03-02T06:00:00Z", reason: "run")
        s.state("2026-03-02T11:00:00Z", reason: "setup")
        s.state("2026-03-02T12:00:00Z", reason: "wait")
        s.count("2026-03-02T11:00:00Z", good: 790, scrap: 10)
        let (v1, v2) = try computeBoth(model, s.events, from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z")
        // POT 8 h (Monday 06–14) of a 24 h window; AUBT = 5 + 1 h (idle without order is in neither).
        #expect(v1.element("POT") == 28800)
        #expect(v1.number("equipmentLoadRatio") == 0.75)  // 6/8
        #expect(v1.element("EPC") == nil)
        // EPC = 125 per hour × 8 h = 1000; PQ = 800.
        #expect(v2.element("EPC") == 1000)
        #expect(v2.number("equipmentLoadRatio") == 0.8)
    }

    @Test("EPC sums over units and is null when a unit with POT has no ratedRate")
    func epcRollUp() throws {
        let long = WorkCalendar(id: "long", shifts: [Fixtures.shift("A", "06:00", "14:00")])
        let short = WorkCalendar(id: "short", shifts: [Fixtures.shift("A", "06:00", "08:00")])
        let sunday = WorkCalendar(id: "sunday", shifts: [Fixtures.shift("S", "06:00", "14:00", days: [.sun])])
        let model = Fixtures.plant(
            units: [
                WorkUnit(id: "u1", calendar: "long", ratedRate: 125), WorkUnit(id: "u2", calendar: "short", ratedRate: 50),
                WorkUnit(id: "u3", calendar: "sunday"),
            ], calendars: [long, short, sunday])
        var u1 = EventScript(unit: "e/s/a/w/u1", prefix: "a")
        u1.count("2026-03-02T13:00:00Z", good: 800)
        var u2 = EventScript(unit: "e/s/a/w/u2", prefix: "b")
        u2.count("2026-03-02T07:00:00Z", good: 77)
        let events = u1.events + u2.events
        let monday = try computeBoth(
            model, events, scope: "e/s/a/w", from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z")
        // u3 has no POT on Monday: EPC = 125 × 8 + 50 × 2 = 1100; PQ = 877.
        #expect(monday.v2.element("EPC") == 1100)
        #expect(monday.v2.number("equipmentLoadRatio") == 877.0 / 1100)
        // Sunday: u3 has 8 h of POT and no ratedRate, so EPC and the ratio are null (spar-kpi-1 is unaffected).
        let sun = try computeBoth(model, events, scope: "e/s/a/w", from: "2026-03-01T00:00:00Z", to: "2026-03-02T00:00:00Z")
        #expect(sun.v2.element("EPC") == nil)
        #expect(sun.v2.kpi("equipmentLoadRatio") == .null)
        #expect(sun.v2.warnings.contains("EPC is null: 1 work unit(s) with planned operation time have no ratedRate"))
        #expect(sun.v1.number("equipmentLoadRatio") == 0)  // AUBT 0 / POT 8 h
    }

    @Test("fall off ratio: (SQ + RQ) / PQ at the scope, against SQ / PQ₁ of the first operation (scenario E)")
    func fallOffRatio() throws {
        let model = Fixtures.plant(units: [WorkUnit(id: "u1"), WorkUnit(id: "u2")])
        var u1 = EventScript(unit: "e/s/a/w/u1", prefix: "a")
        u1.orderStart(Self.at("00:00"), "B1", pru: 60, operation: nil)  // no operation: operation 1
        u1.orderStart(Self.at("06:00"), "C1", pru: 60, operation: 1)  // C1's first operation counts nothing in the window
        u1.count(Self.at("04:00"), good: 98, scrap: 2, order: "B1")
        var u2 = EventScript(unit: "e/s/a/w/u2", prefix: "b")
        u2.orderStart(Self.at("01:00"), "B1", pru: 60, operation: 2)
        u2.orderStart(Self.at("01:00"), "C1", pru: 60, operation: 2)
        u2.count(Self.at("07:00"), good: 91, scrap: 3, rework: 4, order: "B1")
        u2.count(Self.at("07:30"), good: 10, scrap: 1, order: "C1")
        let events = u1.events + u2.events
        let from = Self.at("00:00")
        let to = Self.at("08:00")
        let line = try computeBoth(model, events, scope: "e/s/a/w", from: from, to: to)
        // spar-kpi-1 at the line: (2 + 3 + 1 + 4) / (100 + 98 + 11).
        #expect(line.v1.number("fallOffRatio") == 10.0 / 209)
        // spar-kpi-2: B1's first-operation PQ₁ = 100, its scrap at both steps 2 + 3; C1 has no PQ₁ here: left out.
        #expect(line.v2.element("PQ1") == 100)
        #expect(line.v2.element("SQO") == 5)
        #expect(line.v2.number("fallOffRatio") == 0.05)
        #expect(line.v2.warnings.contains(
            "fallOffRatio leaves out 1 order(s) with no first-operation count in the scope and window (C1)"))
        let step1 = try computeBoth(model, events, scope: "e/s/a/w/u1", from: from, to: to)
        #expect(step1.v1.number("fallOffRatio") == 0.02)  // 2/100
        #expect(step1.v2.number("fallOffRatio") == 0.02)  // 2/100
        let step2 = try computeBoth(model, events, scope: "e/s/a/w/u2", from: from, to: to)
        #expect(step2.v1.number("fallOffRatio") == 8.0 / 109)  // (3 + 4 + 1) / (98 + 11)
        #expect(step2.v2.kpi("fallOffRatio") == .null)  // a step-2 unit alone has no PQ₁
        #expect(step2.v2.element("PQ1") == nil)
    }

    @Test("fall off ratio: an order's first operation is its lowest number; a count without order goes to the running one")
    func fallOffLowestOperation() throws {
        let model = Fixtures.plant(units: [WorkUnit(id: "u1"), WorkUnit(id: "u2")])
        var u2 = EventScript(unit: "e/s/a/w/u2", prefix: "b")
        u2.orderStart(Self.at("00:00"), "D1", pru: 60, operation: 2)  // D1 has no operation 1 anywhere
        u2.count(Self.at("02:00"), good: 45, scrap: 2, rework: 3)  // booked to D1, running
        let (v1, v2) = try computeBoth(model, u2.events, scope: "e/s/a/w/u2", from: Self.at("00:00"), to: Self.at("04:00"))
        // spar-kpi-1: (2 + 3)/50. spar-kpi-2: operation 2 is D1's first: SQO / PQ₁ = 2/50.
        #expect(v1.number("fallOffRatio") == 0.1)
        #expect(v2.element("PQ1") == 50)
        #expect(v2.number("fallOffRatio") == 0.04)
    }

    @Test("first pass yield: GQ / PQ from counts, against GP / IP over inspected serials (scenario F)")
    func firstPassYieldAcrossOperations() throws {
        let model = Fixtures.plant(units: [WorkUnit(id: "u1"), WorkUnit(id: "u2")])
        var a = EventScript(unit: "e/s/a/w/u1", prefix: "a")
        var b = EventScript(unit: "e/s/a/w/u2", prefix: "b")
        for i in 1...10 {
            let mm = i < 10 ? "0\(i)" : "\(i)"
            a.inspect(Self.at("01:\(mm)"), "S\(i)", i == 1 ? .fail : .pass)
            b.inspect(Self.at("03:\(mm)"), "S\(i)", i == 2 ? .fail : .pass)
        }
        a.inspect(Self.at("02:00"), "S1", .pass)  // reworked, then good
        b.inspect(Self.at("04:00"), "S2", .pass)
        a.count(Self.at("02:00"), good: 9, rework: 1)
        b.count(Self.at("04:00"), good: 9, rework: 1)
        let events = a.events + b.events
        let from = Self.at("00:00")
        let to = Self.at("08:00")
        let line = try computeBoth(model, events, scope: "e/s/a/w", from: from, to: to)
        // spar-kpi-1: GQ / PQ = 18/20. spar-kpi-2: IP = 10 serials, GP = 8 (S1 failed at A, S2 at B).
        #expect(line.v1.number("firstPassYield") == 0.9)
        #expect(line.v2.element("IP") == 10)
        #expect(line.v2.element("GP") == 8)
        #expect(line.v2.number("firstPassYield") == 0.8)
        for unit in ["u1", "u2"] {
            let r = try computeBoth(model, events, scope: "e/s/a/w/\(unit)", from: from, to: to)
            #expect(r.v1.number("firstPassYield") == 0.9, "\(unit)")  // 9/10
            #expect(r.v2.number("firstPassYield") == 0.9, "\(unit)")  // 9 of 10 serials
        }
    }

    @Test("first pass yield: a fail before the window counts, one after it does not; inspections are instants")
    func firstPassYieldEdges() throws {
        var s = EventScript()
        s.inspect(Self.at("07:00"), "S1", .fail)  // before the window
        s.inspect(Self.at("09:00"), "S1", .pass)
        s.inspect(Self.at("10:00"), "S2", .pass)
        s.inspect(Self.at("17:00"), "S2", .fail)  // after the window
        s.inspect(Self.at("11:00"), "S3", .pass)
        s.inspect(Self.at("12:00"), "S4", .fail)
        s.inspect(Self.at("12:30"), "S4", .pass)
        s.inspect(Self.at("16:00"), "S5", .pass)  // at the window end: the next window's
        s.inspect(Self.at("08:00"), "S6", .pass)  // at the window start: this window's
        s.inspect(Self.at("16:00"), "S6", .fail)  // a fail at the window end is after the window
        s.count(Self.at("15:00"), good: 4, rework: 1)
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("08:00"), to: Self.at("16:00"))
        // IP = {S1, S2, S3, S4, S6} = 5; GP = {S2, S3, S6} = 3.
        #expect(v2.element("IP") == 5)
        #expect(v2.element("GP") == 3)
        #expect(v2.number("firstPassYield") == 0.6)
        #expect(v1.number("firstPassYield") == 0.8)  // GQ / PQ = 4/5
        // Counts but no inspections: spar-kpi-2 is null.
        var c = EventScript()
        c.count(Self.at("15:00"), good: 4, rework: 1)
        let (c1, c2) = try computeBoth(Fixtures.plant(), c.events, from: Self.at("08:00"), to: Self.at("16:00"))
        #expect(c1.number("firstPassYield") == 0.8)
        #expect(c2.kpi("firstPassYield") == .null)
        #expect(c2.element("IP") == nil)
    }

    @Test("Cp and Cpk: overall s against s̄ / c4(n) with x̿ for equal subgroups (scenario G1)")
    func capabilityEqualSubgroups() throws {
        var s = EventScript()
        for (i, v) in [9.9, 10.0, 10.1].enumerated() { s.measure(Self.at("01:0\(i)"), v, lsl: 9, usl: 11, subgroup: "g1") }
        for (i, v) in [10.4, 10.5, 10.6].enumerated() { s.measure(Self.at("02:0\(i)"), v, lsl: 9, usl: 11, subgroup: "g2") }
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("04:00"))
        // Overall: x̄ = 10.25, Σ(x − x̄)² = 2(0.35² + 0.25² + 0.15²) = 0.415, s = √(0.415/5) = 0.2880972.
        let sOverall = (0.415 / 5).squareRoot()
        #expect(approx(v1.number("processCapabilityIndex"), 2 / (6 * sOverall)))  // 1.1570
        #expect(approx(v1.number("criticalProcessCapabilityIndex"), 0.75 / (3 * sOverall)))  // 0.8678
        // Within: s₁ = s₂ = 0.1, c4(3) = √(2/2)·Γ(3/2)/Γ(1) = √π/2, σ̂ = 0.1/0.8862269 = 0.1128379; x̿ = 10.25.
        let sigmaHat = 0.1 / (Double.pi.squareRoot() / 2)
        #expect(approx(v2.number("processCapabilityIndex"), 2 / (6 * sigmaHat)))  // 2.9541
        #expect(approx(v2.number("criticalProcessCapabilityIndex"), 0.75 / (3 * sigmaHat)))  // 2.2156
        // Cm and Cmk keep the overall sample s under both.
        for r in [v1, v2] {
            #expect(approx(r.number("machineCapabilityIndex"), 2 / (6 * sOverall)))
            #expect(approx(r.number("criticalMachineCapabilityIndex"), 0.75 / (3 * sOverall)))
        }
    }

    @Test("Cp and Cpk: pooled σ̂ for unequal subgroups; values without a subgroup are left out under spar-kpi-2")
    func capabilityPooled() throws {
        var s = EventScript()
        s.measure(Self.at("01:00"), 9.9, lsl: 9, usl: 11, subgroup: "g1")
        s.measure(Self.at("01:01"), 10.1, lsl: 9, usl: 11, subgroup: "g1")
        s.measure(Self.at("02:00"), 10.4, lsl: 9, usl: 11, subgroup: "g2")
        s.measure(Self.at("02:01"), 10.5, lsl: 9, usl: 11, subgroup: "g2")
        s.measure(Self.at("02:02"), 10.6, lsl: 9, usl: 11, subgroup: "g2")
        s.measure(Self.at("03:00"), 10.3, lsl: 9, usl: 11)  // no subgroup
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("04:00"))
        // spar-kpi-1, all six: x̄ = 61.8/6 = 10.3, Σ(x − x̄)² = .16 + .04 + .01 + .04 + .09 + 0 = .34, s = √(.34/5).
        let s1 = (0.34 / 5).squareRoot()
        #expect(approx(v1.number("processCapabilityIndex"), 2 / (6 * s1)))  // 1.2783
        #expect(approx(v1.number("criticalProcessCapabilityIndex"), 0.7 / (3 * s1)))  // 0.8948
        // spar-kpi-2: s₁² = 0.02 (n 2), s₂² = 0.01 (n 3); pooled σ̂ = √((1·0.02 + 2·0.01)/3) = 0.1154701;
        // x̿ = (10.0 + 10.5)/2 = 10.25.
        let pooled = (0.04 / 3).squareRoot()
        #expect(approx(v2.number("processCapabilityIndex"), 2 / (6 * pooled)))  // 2.8868
        #expect(approx(v2.number("criticalProcessCapabilityIndex"), 0.75 / (3 * pooled)))  // 2.1651
    }

    @Test("Cp and Cpk without subgroups: the moving range of values in time order, MR̄ / 1.128")
    func capabilityMovingRange() throws {
        var s = EventScript()
        // Written out of time order: the moving range follows ts, not arrival.
        s.measure(Self.at("03:00"), 10.1, lsl: 9.4, usl: 10.6)
        s.measure(Self.at("01:00"), 10.2, lsl: 9.4, usl: 10.6)
        s.measure(Self.at("00:00"), 10.0, lsl: 9.4, usl: 10.6)
        s.measure(Self.at("02:00"), 9.9, lsl: 9.4, usl: 10.6)
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("04:00"))
        // Sample s: x̄ = 10.05, Σ(x − x̄)² = 0.05, s = √(0.05/3).
        let s1 = (0.05 / 3).squareRoot()
        #expect(approx(v1.number("processCapabilityIndex"), 1.2 / (6 * s1)))  // 1.5492
        #expect(approx(v1.number("criticalProcessCapabilityIndex"), 0.55 / (3 * s1)))  // 1.4201
        // Moving ranges in time order 10.0, 10.2, 9.9, 10.1: 0.2, 0.3, 0.2; MR̄ = 0.7/3; σ̂ = MR̄ / 1.128 = 0.2068558.
        let sigmaHat = (0.7 / 3) / 1.128
        #expect(approx(v2.number("processCapabilityIndex"), 1.2 / (6 * sigmaHat)))  // 0.9669
        #expect(approx(v2.number("criticalProcessCapabilityIndex"), 0.55 / (3 * sigmaHat)))  // 0.8863
        // A single value has no moving range: null with a warning.
        var one = EventScript()
        one.measure(Self.at("00:00"), 10.0, lsl: 9.4, usl: 10.6)
        let (o1, o2) = try computeBoth(Fixtures.plant(), one.events, from: Self.at("00:00"), to: Self.at("04:00"))
        #expect(o1.kpi("processCapabilityIndex") == .null)
        #expect(o2.kpi("processCapabilityIndex") == .null)
    }

    @Test("Cp without subgroups over two units: moving ranges per unit, averaged over the scope")
    func capabilityMovingRangeRollUp() throws {
        let model = Fixtures.plant(units: [WorkUnit(id: "u1"), WorkUnit(id: "u2")])
        var a = EventScript(unit: "e/s/a/w/u1", prefix: "a")
        a.measure(Self.at("00:00"), 10.0, lsl: 9.4, usl: 10.6)
        a.measure(Self.at("02:00"), 10.2, lsl: 9.4, usl: 10.6)
        var b = EventScript(unit: "e/s/a/w/u2", prefix: "b")
        b.measure(Self.at("01:00"), 9.8, lsl: 9.4, usl: 10.6)
        b.measure(Self.at("01:30"), 9.9, lsl: 9.4, usl: 10.6)
        b.measure(Self.at("03:00"), 10.3, lsl: 9.4, usl: 10.6)
        let (v1, v2) = try computeBoth(
            model, a.events + b.events, scope: "e/s/a/w", from: Self.at("00:00"), to: Self.at("04:00"))
        // Ranges: u1 0.2; u2 0.1, 0.4 → MR̄ = 0.7/3 (one series interleaved by time would give 0.7/4).
        // Centre = 50.2/5 = 10.04: Cpk = min(0.56, 0.64) / (3σ̂).
        let sigmaHat = (0.7 / 3) / 1.128
        #expect(approx(v2.number("processCapabilityIndex"), 1.2 / (6 * sigmaHat)))
        #expect(approx(v2.number("criticalProcessCapabilityIndex"), 0.56 / (3 * sigmaHat)))
        // spar-kpi-1: deviations −0.04, 0.16, −0.24, −0.14, 0.26; Σ² = 0.172; s = √(0.172/4).
        let s1 = (0.172 / 4).squareRoot()
        #expect(approx(v1.number("processCapabilityIndex"), 1.2 / (6 * s1)))
        #expect(approx(v1.number("criticalProcessCapabilityIndex"), 0.56 / (3 * s1)))
        // Machine capability is null above a unit under both.
        #expect(v1.kpi("machineCapabilityIndex") == .null)
        #expect(v2.kpi("machineCapabilityIndex") == .null)
    }

    @Test("subgroup ids are per unit: the same id on two units is two subgroups")
    func subgroupsPerUnit() throws {
        let model = Fixtures.plant(units: [WorkUnit(id: "u1"), WorkUnit(id: "u2")])
        var a = EventScript(unit: "e/s/a/w/u1", prefix: "a")
        var b = EventScript(unit: "e/s/a/w/u2", prefix: "b")
        for (i, v) in [9.9, 10.0, 10.1].enumerated() { a.measure(Self.at("01:0\(i)"), v, lsl: 9, usl: 11, subgroup: "g") }
        for (i, v) in [10.4, 10.5, 10.6].enumerated() { b.measure(Self.at("01:0\(i)"), v, lsl: 9, usl: 11, subgroup: "g") }
        let r = try compute(model, a.events + b.events, scope: "e/s/a/w", from: Self.at("00:00"), to: Self.at("04:00"),
            definition: definition("spar-kpi-2"))
        // As scenario G1: two subgroups of 3 with s = 0.1 (one subgroup of 6 would have s = 0.2881).
        let sigmaHat = 0.1 / (Double.pi.squareRoot() / 2)
        #expect(approx(r.number("processCapabilityIndex"), 2 / (6 * sigmaHat)))
    }

    @Test("inventory turns: CM / AI against TH / AI; integrated goods ratio counts every grade (scenarios H, I)")
    func materialKPIs() throws {
        var s = EventScript()
        s.material(Self.at("01:00"), .consumed, 1000, material: "steel")
        s.material(Self.at("02:00"), .produced, 700, material: "sheet", grade: "A")
        s.material(Self.at("03:00"), .produced, 200, material: "sheet", grade: "B")
        s.material(Self.at("04:00"), .productionLoss, 100, material: "steel")
        s.material(Self.at("00:30"), .inventory, 150, material: "sheet")
        s.material(Self.at("05:00"), .inventory, 250, material: "sheet")
        let (v1, v2) = try computeBoth(Fixtures.plant(), s.events, from: Self.at("00:00"), to: Self.at("08:00"))
        // AI = (150 + 250)/2 = 200 under both.
        #expect(v1.element("AI") == 200)
        #expect(v2.element("AI") == 200)
        // spar-kpi-1: CM / AI = 1000/200. spar-kpi-2: TH / AI = (700 + 200)/200.
        #expect(v1.number("inventoryTurns") == 5)
        #expect(v2.element("TH") == 900)
        #expect(v2.number("inventoryTurns") == 4.5)
        // FGQ is renamed IGQ; both count grades A and B: 900/1000.
        #expect(v1.element("FGQ") == 900)
        #expect(v1.element("IGQ") == nil)
        #expect(v2.element("IGQ") == 900)
        #expect(v2.element("FGQ") == nil)
        #expect(v1.number("integratedGoodsRatio") == 0.9)
        #expect(v2.number("integratedGoodsRatio") == 0.9)
        // IGR + PLR + STLR + OLR = 0.9 + 0.1 + 0 + 0 = 1.
        let sum = ["integratedGoodsRatio", "productionLossRatio", "storageAndTransportationLossRatio", "otherLossRatio"]
            .compactMap { v2.number($0) }.reduce(0, +)
        #expect(approx(sum, 1, tolerance: 1e-15))
    }

    @Test("worker efficiency: APWT / PWT against APWT / APAT without calendar and own breaks (scenario J)")
    func workerEfficiency() throws {
        let cal = WorkCalendar(
            id: "day", shifts: [Fixtures.shift("A", "06:00", "14:00")], plannedDown: [Fixtures.down("10:00", "10:30")])
        let model = Fixtures.plant(siteCalendar: "day", calendars: [cal])
        var s = EventScript()
        s.labor("2026-03-02T06:00:00Z", "w1", .clockIn)
        s.labor("2026-03-02T07:00:00Z", "w1", .start, order: "A1")
        s.labor("2026-03-02T13:00:00Z", "w1", .stop, order: "A1")  // on the order through the break
        s.labor("2026-03-02T14:00:00Z", "w1", .clockOut)
        let one = try computeBoth(model, s.events, from: "2026-03-02T06:00:00Z", to: "2026-03-02T14:00:00Z")
        // Clocked 8 h, a 0.5 h calendar break, 6 h on orders: 6/8 and 6/7.5.
        #expect(one.v1.number("workerEfficiency") == 0.75)
        #expect(one.v2.element("APAT") == 27000)
        #expect(one.v2.number("workerEfficiency") == 0.8)
        // w2: clocked 06:00–12:00, own break 10:15–10:45 overlapping the calendar's 10:00–10:30: the union is
        // 0.75 h, so APAT = 5.25 h; on an order 06:30–09:30 (3 h).
        s.labor("2026-03-02T06:00:00Z", "w2", .clockIn)
        s.labor("2026-03-02T06:30:00Z", "w2", .start, order: "A1")
        s.labor("2026-03-02T09:30:00Z", "w2", .stop, order: "A1")
        s.labor("2026-03-02T10:15:00Z", "w2", .breakStart)
        s.labor("2026-03-02T10:45:00Z", "w2", .breakEnd)
        s.labor("2026-03-02T12:00:00Z", "w2", .clockOut)
        let two = try computeBoth(model, s.events, from: "2026-03-02T06:00:00Z", to: "2026-03-02T14:00:00Z")
        // PWT = 8 + 6 = 14 h; APAT = 7.5 + 5.25 = 12.75 h; APWT = 6 + 3 = 9 h.
        #expect(two.v1.element("PWT") == 50400)
        #expect(two.v2.element("APAT") == 45900)
        #expect(two.v1.element("APWT") == 32400)
        #expect(two.v1.number("workerEfficiency") == 32400.0 / 50400)  // 0.6429
        #expect(two.v2.number("workerEfficiency") == 32400.0 / 45900)  // 0.7059
    }

    @Test("worker efficiency: a break with no end lasts to the window end; a clock-in left open too")
    func openBreak() throws {
        let cal = WorkCalendar(
            id: "day", shifts: [Fixtures.shift("A", "06:00", "14:00")], plannedDown: [Fixtures.down("10:00", "10:30")])
        let model = Fixtures.plant(siteCalendar: "day", calendars: [cal])
        var s = EventScript()
        s.labor("2026-03-02T06:00:00Z", "w1", .clockIn)
        s.labor("2026-03-02T06:00:00Z", "w1", .start, order: "A1")
        s.labor("2026-03-02T12:00:00Z", "w1", .stop, order: "A1")
        s.labor("2026-03-02T13:00:00Z", "w1", .breakStart)
        let (v1, v2) = try computeBoth(model, s.events, from: "2026-03-02T06:00:00Z", to: "2026-03-02T14:00:00Z")
        // PWT = 8 h (open to the window end); breaks 10:00–10:30 and 13:00–14:00: APAT = 6.5 h; APWT 6 h.
        #expect(v1.element("PWT") == 28800)
        #expect(v2.element("APAT") == 23400)
        #expect(v1.number("workerEfficiency") == 0.75)
        #expect(v2.number("workerEfficiency") == 21600.0 / 23400)
    }

    @Test("worker efficiency: a break left open ends at the worker's clock-out, not in the next shift")
    func openBreakEndsAtClockOut() throws {
        let cal = WorkCalendar(
            id: "day", shifts: [Fixtures.shift("A", "06:00", "14:00")], plannedDown: [Fixtures.down("10:00", "10:30")])
        let model = Fixtures.plant(siteCalendar: "day", calendars: [cal])
        var s = EventScript()
        s.labor("2026-03-02T06:00:00Z", "w1", .clockIn)
        s.labor("2026-03-02T12:00:00Z", "w1", .breakStart)  // never ended
        s.labor("2026-03-02T14:00:00Z", "w1", .clockOut)
        s.labor("2026-03-03T06:00:00Z", "w1", .clockIn)
        s.labor("2026-03-03T06:00:00Z", "w1", .start, order: "A1")
        s.labor("2026-03-03T12:00:00Z", "w1", .stop, order: "A1")
        s.labor("2026-03-03T14:00:00Z", "w1", .clockOut)
        let monday = try computeBoth(model, s.events, from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z")
        // Monday: 8 h clocked less the calendar break 0.5 h and the open break 12:00–14:00 (to clock-out).
        #expect(monday.v2.element("APAT") == 19800)
        #expect(monday.v2.number("workerEfficiency") == 0)
        let tuesday = try computeBoth(model, s.events, from: "2026-03-03T00:00:00Z", to: "2026-03-04T00:00:00Z")
        // Tuesday: 8 h clocked less the calendar break: APAT 7.5 h; 6 h on A1.
        #expect(tuesday.v1.element("PWT") == 28800)
        #expect(tuesday.v2.element("APAT") == 27000)
        #expect(tuesday.v1.number("workerEfficiency") == 0.75)
        #expect(tuesday.v2.number("workerEfficiency") == 0.8)
    }

    @Test("a planned down window that is not a break stays in APAT")
    func maintenanceWindowIsNotABreak() throws {
        let pm = PlannedDownWindow(
            days: Fixtures.weekdays, start: try #require(TimeOfDay("10:00")), end: try #require(TimeOfDay("11:00")),
            reason: "pm")
        let cal = WorkCalendar(id: "day", shifts: [Fixtures.shift("A", "06:00", "14:00")], plannedDown: [pm])
        let model = Fixtures.plant(siteCalendar: "day", calendars: [cal])
        var s = EventScript()
        s.labor("2026-03-02T06:00:00Z", "w1", .clockIn)
        s.labor("2026-03-02T06:00:00Z", "w1", .start, order: "A1")
        s.labor("2026-03-02T12:00:00Z", "w1", .stop, order: "A1")
        s.labor("2026-03-02T14:00:00Z", "w1", .clockOut)
        let (v1, v2) = try computeBoth(model, s.events, from: "2026-03-02T06:00:00Z", to: "2026-03-02T14:00:00Z")
        // The 1 h window is PDOT but not an authorised break: APAT = PWT = 8 h.
        #expect(v1.element("PDOT") == 3600)
        #expect(v2.element("APAT") == 28800)
        #expect(v1.number("workerEfficiency") == 0.75)
        #expect(v2.number("workerEfficiency") == 0.75)
    }
}
