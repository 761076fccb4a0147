import SparCore
import SparTestSupport
import Testing

/// The boundary rule, DST night shifts and a roll-up over two calendars, under both definition versions.
@Suite("KPI definitions at the edges: window boundaries, DST, roll-ups")
struct KPIDefinitionEdgeTests {
    /// Point events at 06:00 and 14:00 on a unit with no calendar, read by the windows around them.
    static func boundaryEvents() -> [Event] {
        var s = EventScript()
        s.orderStart("2026-06-09T22:00:00Z", "O1", pru: 10)
        s.state("2026-06-09T22:00:00Z", reason: "run")
        s.count("2026-06-10T06:00:00Z", good: 5)
        s.count("2026-06-10T10:00:00Z", good: 20)
        s.count("2026-06-10T14:00:00Z", good: 10)
        s.add("2026-06-10T06:00:00Z", .energy(kwh: 3))
        s.add("2026-06-10T14:00:00Z", .energy(kwh: 7))
        s.material("2026-06-10T06:00:00Z", .productionLoss, 2)
        s.material("2026-06-10T14:00:00Z", .consumed, 50)
        s.material("2026-06-10T14:00:00Z", .produced, 40, grade: "A")
        s.material("2026-06-10T06:00:00Z", .inventory, 80)
        s.material("2026-06-10T10:00:00Z", .inventory, 120)
        s.material("2026-06-10T14:00:00Z", .inventory, 100)
        s.measure("2026-06-10T06:00:00Z", 10.0, lsl: 9.4, usl: 10.6)
        s.measure("2026-06-10T10:00:00Z", 10.2, lsl: 9.4, usl: 10.6)
        s.measure("2026-06-10T14:00:00Z", 10.4, lsl: 9.4, usl: 10.6)
        s.inspect("2026-06-10T06:00:00Z", "S2", .pass)
        s.inspect("2026-06-10T14:00:00Z", "S1", .pass)
        return s.events
    }

    @Test("counts, energy and flows close a window (start, end]; snapshots, measurements, inspections open one [start, end)")
    func boundaryRule() throws {
        let events = Self.boundaryEvents()
        let w1 = try computeBoth(Fixtures.plant(), events, from: "2026-06-10T06:00:00Z", to: "2026-06-10T14:00:00Z")
        for r in [w1.v1, w1.v2] {
            // The 14:00 count, energy and flows are W1's; the 06:00 ones are the window before.
            #expect(r.element("PQ") == 30)  // 20 + 10
            #expect(r.element("EC") == 7)
            #expect(r.element("CM") == 50)
            #expect(r.element("PL") == 0)
            #expect(r.number("comprehensiveEnergyConsumption") == 7.0 / 30)
            // Snapshots at 06:00 and 10:00 (not 14:00): AI = (80 + 120)/2.
            #expect(r.element("AI") == 100)
        }
        #expect(w1.v1.element("FGQ") == 40)
        #expect(w1.v2.element("TH") == 40)
        #expect(w1.v1.number("inventoryTurns") == 0.5)  // CM / AI = 50/100
        #expect(w1.v2.number("inventoryTurns") == 0.4)  // TH / AI = 40/100
        // Measurements 10.0 (06:00) and 10.2 (10:00). Sample s = √0.02: Cp = 1.2/(6√0.02) = √2.
        #expect(approx(w1.v1.number("processCapabilityIndex"), 2.0.squareRoot()))
        // One moving range 0.2: σ̂ = 0.2/1.128, Cp = 1.2 × 1.128 / 1.2 = 1.128.
        #expect(approx(w1.v2.number("processCapabilityIndex"), 1.128))
        // S2 inspected at 06:00 is W1's; S1 at 14:00 is not.
        #expect(w1.v2.element("IP") == 1)
        #expect(w1.v2.number("firstPassYield") == 1)

        let w0 = try computeBoth(Fixtures.plant(), events, from: "2026-06-09T22:00:00Z", to: "2026-06-10T06:00:00Z")
        for r in [w0.v1, w0.v2] {
            #expect(r.element("PQ") == 5)
            #expect(r.element("EC") == 3)
            #expect(r.element("PL") == 2)
            #expect(r.element("CM") == 0)
            #expect(r.element("AI") == nil)  // the 06:00 snapshot is W1's
            #expect(r.kpi("processCapabilityIndex") == .null)
        }
        #expect(w0.v2.element("IP") == nil)

        let w2 = try computeBoth(Fixtures.plant(), events, from: "2026-06-10T14:00:00Z", to: "2026-06-10T22:00:00Z")
        for r in [w2.v1, w2.v2] {
            #expect(r.element("PQ") == 0)
            #expect(r.element("EC") == nil)
            #expect(r.element("CM") == nil)
            #expect(r.element("AI") == 100)  // the 14:00 snapshot
            #expect(r.kpi("inventoryTurns") == .null)
            #expect(r.kpi("processCapabilityIndex") == .null)  // one value (10.4)
        }
        #expect(w2.v2.element("IP") == 1)  // S1 at 14:00
    }

    @Test("a count at a shift's end is that shift's; one at a shift's start belongs before it (outside POT)")
    func shiftBoundaries() throws {
        let cal = WorkCalendar(
            id: "two", shifts: [Fixtures.shift("A", "06:00", "14:00"), Fixtures.shift("B", "14:00", "22:00")])
        let model = Fixtures.plant(siteCalendar: "two", calendars: [cal])
        var s = EventScript()
        s.orderStart("2026-06-10T06:00:00Z", "O1", pru: 10)
        s.state("2026-06-10T06:00:00Z", reason: "run")
        s.count("2026-06-10T06:00:00Z", good: 5)  // closes the night before 06:00: not POT on Wednesday
        s.count("2026-06-10T10:00:00Z", good: 20)
        s.count("2026-06-10T14:00:00Z", good: 10)
        s.count("2026-06-10T22:00:00Z", good: 8)
        let from = "2026-06-10T00:00:00Z"
        let to = "2026-06-11T00:00:00Z"
        let day = try computeBoth(model, s.events, from: from, to: to)
        let a = try computeBoth(model, s.events, from: from, to: to, shift: "A")
        let b = try computeBoth(model, s.events, from: from, to: to, shift: "B")
        for (d, sa, sb) in [(day.v1, a.v1, b.v1), (day.v2, a.v2, b.v2)] {
            #expect(d.element("PQ") == 38)  // 20 + 10 + 8
            #expect(d.elements.unscheduledQuantity == 5)
            #expect(sa.element("PQ") == 30)  // 20 + 10: the 14:00 count closes A
            #expect(sb.element("PQ") == 8)  // 22:00 closes B
            // E = 10 s × PQ / APT (run all day).
            #expect(sa.number("effectiveness") == 300.0 / 28800)
            #expect(sb.number("effectiveness") == 80.0 / 28800)
        }
    }

    /// Europe/Paris, Saturday night shift 22:00–06:00 with a 04:00–04:30 break on Sunday.
    static func parisNight(ratedRate: Double) -> PlantModel {
        let night = WorkCalendar(
            id: "night", shifts: [Fixtures.shift("N", "22:00", "06:00", days: [.sat])],
            plannedDown: [Fixtures.down("04:00", "04:30", days: [.sun])])
        return Fixtures.plant(
            timeZone: "Europe/Paris", siteCalendar: "night", units: [WorkUnit(id: "u1", ratedRate: ratedRate)],
            calendars: [night])
    }

    /// The October night on one unit: setup, a failure across the repeated hour, idle with and without order N1.
    static func octoberNightEvents(unit: String = "e/s/a/w/u1") -> [Event] {
        var s = EventScript(unit: unit)
        s.orderStart("2026-10-24T22:00:00+02:00", "N1", pru: 60)
        s.state("2026-10-24T22:00:00+02:00", reason: "setup")
        s.state("2026-10-24T22:30:00+02:00", reason: "run")
        s.state("2026-10-25T02:30:00+02:00", reason: "spindle")  // first 02:30 (CEST)
        s.state("2026-10-25T02:30:00+01:00", reason: "run")  // second 02:30 (CET), one hour later
        s.state("2026-10-25T05:00:00+01:00", reason: "wait")
        s.orderEnd("2026-10-25T05:30:00+01:00", "N1")
        s.count("2026-10-25T06:00:00+01:00", good: 290, scrap: 10, order: "N1")  // at the shift end: the shift's
        s.count("2026-10-24T22:00:00+02:00", good: 7)  // at the shift start: before it, outside POT
        return s.events
    }

    @Test("DST: the October night shift is 9 h, and a failure in the repeated hour lasts a real hour")
    func octoberNight() throws {
        let (v1, v2) = try computeBoth(
            Self.parisNight(ratedRate: 40), Self.octoberNightEvents(), from: "2026-10-24T12:00:00Z",
            to: "2026-10-25T12:00:00Z")
        // POT 20:00Z–05:00Z = 9 h; break 03:00Z–03:30Z; PBT = 8.5 h.
        // Setup 0.5 h; run 20:30Z–00:30Z 4 h + 01:30Z–04:00Z less the break 2 h = 6 h; failure 1 h;
        // idle 04:00Z–05:00Z, of which 0.5 h while N1 runs. AOET = 20:00Z–04:30Z = 8.5 h.
        for r in [v1, v2] {
            #expect(r.element("POT") == 32400)
            #expect(r.element("PDOT") == 1800)
            #expect(r.element("PBT") == 30600)
            #expect(r.element("APT") == 21600)
            #expect(r.element("AUST") == 1800)
            #expect(r.element("AOET") == 30600)
            #expect(r.element("PQ") == 300)
            #expect(r.elements.unscheduledQuantity == 7)
            #expect(r.elements.unplannedWork == 1_800_000)  // ms: running through the break
            #expect(r.element("FE") == 1)
            #expect(r.element("TTR") == 3600)
            #expect(r.number("availability") == 21600.0 / 30600)
            #expect(r.number("effectiveness") == 18000.0 / 21600)  // 60 s × 300
            #expect(approx(r.number("oee"), (21600.0 / 30600) * (18000.0 / 21600) * (290.0 / 300), tolerance: 1e-15))
        }
        let eq = (18000.0 / 21600) * (290.0 / 300)
        // spar-kpi-1: ADET 0, ADOT = failure 1 h, AUBT = 6.5 h; NEE = 6/(8.5 − 0.5) × E × QR.
        #expect(v1.element("ADET") == 0)
        #expect(v1.element("ADOT") == 3600)
        #expect(v1.element("AUBT") == 23400)
        #expect(approx(v1.number("nee"), 0.75 * eq, tolerance: 1e-15))
        #expect(v1.number("technicalEfficiency") == 1)
        #expect(v1.number("utilizationEfficiency") == 21600.0 / 23400)
        #expect(v1.number("allocationEfficiency") == 23400.0 / 30600)
        #expect(v1.number("equipmentLoadRatio") == 23400.0 / 32400)
        #expect(v1.element("TTF") == 14400)  // APT 20:30Z–00:30Z
        #expect(v1.number("meanTimeBetweenFailures") == 18000)  // TTF + TTR
        // spar-kpi-2: ADET = failure + idle with N1 = 1.5 h; ADOT = idle after N1 = 0.5 h; AUBT = 8 h.
        #expect(v2.element("ADET") == 5400)
        #expect(v2.element("ADOT") == 1800)
        #expect(v2.element("AUBT") == 28800)
        #expect(approx(v2.number("nee"), (23400.0 / 30600) * eq, tolerance: 1e-15))  // AUPT/PBT × E × QR
        #expect(v2.number("technicalEfficiency") == 0.8)  // 6/7.5
        #expect(v2.number("utilizationEfficiency") == 0.75)  // 6/8
        #expect(v2.number("allocationEfficiency") == 28800.0 / 30600)
        // EPC = 40 per hour × 9 h = 360.
        #expect(v2.element("EPC") == 360)
        #expect(v2.number("equipmentLoadRatio") == 300.0 / 360)
        #expect(v2.element("TTF") == 16200)  // setup 0.5 h + run 4 h
        #expect(v2.number("meanTimeBetweenFailures") == 16200)
        #expect(v2.number("meanTimeToFailure") == 16200)
    }

    @Test("DST: the March night shift is 7 h, under both definitions")
    func marchNight() throws {
        var s = EventScript()
        s.orderStart("2026-03-28T22:00:00+01:00", "M1", pru: 30)
        s.state("2026-03-28T22:00:00+01:00", reason: "setup")
        s.state("2026-03-28T22:30:00+01:00", reason: "run")
        s.state("2026-03-29T03:00:00+02:00", reason: "jam")  // the first minute after the jump
        s.state("2026-03-29T03:30:00+02:00", reason: "run")
        s.orderEnd("2026-03-29T05:00:00+02:00", "M1")
        s.state("2026-03-29T05:00:00+02:00", reason: "wait")
        s.count("2026-03-29T06:00:00+02:00", good: 600, order: "M1")
        let (v1, v2) = try computeBoth(Self.parisNight(ratedRate: 100), s.events, from: "2026-03-28T12:00:00Z",
            to: "2026-03-29T12:00:00Z")
        // POT 21:00Z–04:00Z = 7 h; the break 04:00–04:30 CEST is 02:00Z–02:30Z; PBT = 6.5 h.
        // Setup 0.5 h; run 21:30Z–01:00Z 3.5 h + 01:30Z–03:00Z 1.5 h less the break = 4.5 h;
        // jam 0.5 h with M1; idle 03:00Z–04:00Z with no order 1 h.
        for r in [v1, v2] {
            #expect(r.element("POT") == 25200)
            #expect(r.element("PDOT") == 1800)
            #expect(r.element("APT") == 16200)
            #expect(r.element("AUST") == 1800)
            #expect(r.element("AUBT") == 19800)  // ADET = jam either way
            #expect(r.element("PQ") == 600)
            #expect(r.number("effectiveness") == 18000.0 / 16200)  // 30 s × 600 / 4.5 h
            #expect(r.number("technicalEfficiency") == 16200.0 / 18000)
        }
        #expect(v1.element("ADOT") == 0)
        #expect(v2.element("ADOT") == 3600)
        // NEE: spar-kpi-1 APT/(PBT − AUST) = 4.5/6; spar-kpi-2 AUPT/PBT = 5/6.5; QR = 1.
        #expect(approx(v1.number("nee"), (16200.0 / 21600) * (18000.0 / 16200), tolerance: 1e-15))
        #expect(approx(v2.number("nee"), (18000.0 / 23400) * (18000.0 / 16200), tolerance: 1e-15))
        // Equipment load: AUBT/POT = 5.5/7; PQ / EPC = 600 / (100 × 7).
        #expect(v1.number("equipmentLoadRatio") == 19800.0 / 25200)
        #expect(v2.element("EPC") == 700)
        #expect(v2.number("equipmentLoadRatio") == 600.0 / 700)
    }

    @Test("roll-up over two units with different calendars sums elements, then computes each definition's ratios")
    func rollUpTwoCalendars() throws {
        let long = WorkCalendar(id: "long", shifts: [Fixtures.shift("A", "06:00", "14:00")])
        let short = WorkCalendar(id: "short", shifts: [Fixtures.shift("A", "06:00", "10:00")])
        let model = Fixtures.plant(
            units: [
                WorkUnit(id: "u1", calendar: "long", ratedRate: 100), WorkUnit(id: "u2", calendar: "short", ratedRate: 60),
            ],
            calendars: [long, short])
        var u1 = EventScript(unit: "e/s/a/w/u1", prefix: "a")
        u1.orderStart("2026-03-02T06:00:00Z", "A1", pru: 40)
        u1.state("2026-03-02T06:00:00Z", reason: "setup")
        u1.state("2026-03-02T07:00:00Z", reason: "run")
        u1.state("2026-03-02T10:00:00Z", reason: "spindle")
        u1.state("2026-03-02T10:30:00Z", reason: "run")
        u1.state("2026-03-02T13:00:00Z", reason: "jam")
        u1.state("2026-03-02T13:30:00Z", reason: "run")
        u1.orderEnd("2026-03-02T14:00:00Z", "A1")
        u1.count("2026-03-02T14:00:00Z", good: 500, scrap: 10, order: "A1")
        u1.add("2026-03-02T14:00:00Z", .energy(kwh: 30))
        var u2 = EventScript(unit: "e/s/a/w/u2", prefix: "b")
        u2.state("2026-03-02T06:00:00Z", reason: "wait")
        u2.orderStart("2026-03-02T07:00:00Z", "B1", pru: 20)
        u2.state("2026-03-02T07:00:00Z", reason: "run")
        u2.state("2026-03-02T08:00:00Z", reason: "hydraulics")
        u2.state("2026-03-02T08:15:00Z", reason: "run")
        u2.state("2026-03-02T09:00:00Z", reason: "wait")
        u2.orderEnd("2026-03-02T09:30:00Z", "B1")
        u2.count("2026-03-02T09:00:00Z", good: 190, scrap: 5, order: "B1")
        u2.add("2026-03-02T10:00:00Z", .energy(kwh: 12))
        let events = u1.events + u2.events
        let from = "2026-03-02T00:00:00Z"
        let to = "2026-03-03T00:00:00Z"
        // u1: PBT 8 h; setup 1 h, run 3 + 2.5 + 0.5 = 6 h, failure 0.5 h, jam 0.5 h, all during A1 (AOET 8 h).
        let one = try computeBoth(model, events, scope: "e/s/a/w/u1", from: from, to: to)
        #expect(one.v1.element("ADET") == 1800)
        #expect(one.v2.element("ADET") == 3600)
        #expect(one.v1.element("TBF") == 12600)  // APT 07–10 + TTR 0.5 h
        #expect(one.v2.element("TBF") == 14400)  // setup 1 h + run 3 h
        // u2: PBT 4 h; idle 1 h without order, run 1 + 0.75 h, failure 0.25 h with B1, idle 0.5 h with B1 and
        // 0.5 h after it (AOET 2.5 h).
        let two = try computeBoth(model, events, scope: "e/s/a/w/u2", from: from, to: to)
        #expect(two.v1.element("ADOT") == 900)
        #expect(two.v2.element("ADET") == 2700)
        #expect(two.v2.element("ADOT") == 5400)  // idle 06–07 and 09:30–10, no order
        #expect(two.v1.number("availability") == 6300.0 / 14400)
        #expect(one.v1.number("availability") == 0.75)

        let line = try computeBoth(model, events, scope: "e/s/a/w", from: from, to: to)
        // Sums: POT = PBT = 12 h; APT = 21600 + 6300; AUST 3600; PQ = 510 + 195; GQ = 690;
        // Σ PRU × PQ = 40 × 510 + 20 × 195 = 24300; AOET = 28800 + 9000; FE 2; TTR = 1800 + 900.
        for r in [line.v1, line.v2] {
            #expect(r.lineage.units == 2)
            #expect(r.element("POT") == 43200)
            #expect(r.element("APT") == 27900)
            #expect(r.element("AUST") == 3600)
            #expect(r.element("AOET") == 37800)
            #expect(r.element("PQ") == 705)
            #expect(r.element("EC") == 42)
            #expect(r.number("availability") == 27900.0 / 43200)  // not (0.75 + 0.4375)/2
            #expect(r.number("effectiveness") == 24300.0 / 27900)
            #expect(r.number("comprehensiveEnergyConsumption") == 42.0 / 705)
            #expect(r.element("FE") == 2)
            #expect(r.number("meanTimeToRepair") == 1350)
        }
        let eq = (24300.0 / 27900) * (690.0 / 705)
        // spar-kpi-1: ADET 1800 + 0, ADOT 1800 + 900, AUBT = 33300; TTF = 10800 + 3600, TBF = 12600 + 4500.
        #expect(line.v1.element("ADET") == 1800)
        #expect(line.v1.element("ADOT") == 2700)
        #expect(line.v1.element("AUBT") == 33300)
        #expect(approx(line.v1.number("nee"), (27900.0 / 39600) * eq, tolerance: 1e-15))
        #expect(line.v1.number("technicalEfficiency") == 27900.0 / 29700)
        #expect(line.v1.number("utilizationEfficiency") == 27900.0 / 33300)
        #expect(line.v1.number("allocationEfficiency") == 33300.0 / 43200)
        #expect(line.v1.number("allocationRatio") == 33300.0 / 37800)
        #expect(line.v1.number("equipmentLoadRatio") == 33300.0 / 43200)
        #expect(line.v1.number("meanTimeToFailure") == 7200)
        #expect(line.v1.number("meanTimeBetweenFailures") == 8550)
        // spar-kpi-2: ADET 3600 + 2700, ADOT 0 + 5400, AUBT = 37800; EPC = 100 × 8 + 60 × 4 = 1040;
        // TTF = TBF = 14400 + 3600.
        #expect(line.v2.element("ADET") == 6300)
        #expect(line.v2.element("ADOT") == 5400)
        #expect(line.v2.element("AUBT") == 37800)
        #expect(approx(line.v2.number("nee"), (31500.0 / 43200) * eq, tolerance: 1e-15))
        #expect(line.v2.number("technicalEfficiency") == 27900.0 / 34200)
        #expect(line.v2.number("utilizationEfficiency") == 27900.0 / 37800)
        #expect(line.v2.number("allocationEfficiency") == 0.875)
        #expect(line.v2.number("allocationRatio") == 1)
        #expect(line.v2.element("EPC") == 1040)
        #expect(line.v2.number("equipmentLoadRatio") == 705.0 / 1040)
        #expect(line.v2.number("meanTimeToFailure") == 9000)
        #expect(line.v2.number("meanTimeBetweenFailures") == 9000)
    }

    @Test("roll-up over two sites: the Paris DST night (9 h) and a Chicago day shift, under both definitions")
    func rollUpAcrossTimeZones() throws {
        let night = WorkCalendar(
            id: "night", shifts: [Fixtures.shift("N", "22:00", "06:00", days: [.sat])],
            plannedDown: [Fixtures.down("04:00", "04:30", days: [.sun])])
        let day = WorkCalendar(id: "sat-day", shifts: [Fixtures.shift("A", "06:00", "14:00", days: [.sat])])
        func site(_ id: String, _ zone: String, _ calendar: String, _ unit: WorkUnit) -> Site {
            Site(id: id, timeZone: zone, calendar: calendar,
                areas: [Area(id: "a", workCenters: [WorkCenter(id: "w", kind: .productionLine, workUnits: [unit])])])
        }
        let model = PlantModel(
            enterprise: "e",
            sites: [
                site("p", "Europe/Paris", "night", WorkUnit(id: "n1", ratedRate: 40)),
                site("c", "America/Chicago", "sat-day", WorkUnit(id: "d1", ratedRate: 50)),
            ],
            calendars: [night, day], reasons: Fixtures.reasons, systems: Fixtures.systems)
        var d1 = EventScript(unit: "e/c/a/w/d1", prefix: "c")
        d1.orderStart("2026-10-24T06:00:00-05:00", "C1", pru: 30)
        d1.state("2026-10-24T06:00:00-05:00", reason: "run")
        d1.state("2026-10-24T10:00:00-05:00", reason: "stuck")  // down, not a failure, during C1
        d1.state("2026-10-24T11:00:00-05:00", reason: "run")
        d1.orderEnd("2026-10-24T14:00:00-05:00", "C1")
        d1.count("2026-10-24T14:00:00-05:00", good: 400, order: "C1")  // at the shift end
        let events = Self.octoberNightEvents(unit: "e/p/a/w/n1") + d1.events
        let (v1, v2) = try computeBoth(model, events, scope: "e", from: "2026-10-24T00:00:00Z", to: "2026-10-26T00:00:00Z")
        // n1 as in the October night: POT 32400, PDOT 1800, APT 21600, AUST 1800, AOET 30600, PQ 300, GQ 290,
        // ΣPRU×PQ 18000, one failure (TTR 3600); v1 ADOT 3600; v2 ADET 5400, ADOT 1800; EPC 360.
        // d1: Saturday 06:00–14:00 CDT = 11:00Z–19:00Z, POT 28800; APT 7 h; down 1 h during C1; AOET 28800; PQ 400,
        // ΣPRU×PQ 12000; EPC 50 × 8 = 400.
        for r in [v1, v2] {
            #expect(r.lineage.units == 2)
            #expect(r.element("POT") == 61200)
            #expect(r.element("PBT") == 59400)
            #expect(r.element("APT") == 46800)
            #expect(r.element("AUST") == 1800)
            #expect(r.element("AOET") == 59400)
            #expect(r.element("PQ") == 700)
            #expect(r.number("availability") == 46800.0 / 59400)
            #expect(r.number("effectiveness") == 30000.0 / 46800)
            #expect(r.element("FE") == 1)
        }
        let eq = (30000.0 / 46800) * (690.0 / 700)
        // spar-kpi-1: ADET 0, ADOT 3600 + 3600, AUBT 48600; MTBF = n1's TTF 14400 + TTR 3600.
        #expect(v1.element("ADET") == 0)
        #expect(v1.element("ADOT") == 7200)
        #expect(v1.element("AUBT") == 48600)
        #expect(approx(v1.number("nee"), (46800.0 / 57600) * eq, tolerance: 1e-15))
        #expect(v1.number("technicalEfficiency") == 1)
        #expect(v1.number("allocationRatio") == 48600.0 / 59400)
        #expect(v1.number("equipmentLoadRatio") == 48600.0 / 61200)
        #expect(v1.number("meanTimeBetweenFailures") == 18000)
        // spar-kpi-2: ADET 5400 + 3600, ADOT 1800 + 0, AUBT 57600; EPC 760; MTBF = MTTF = n1's 16200.
        #expect(v2.element("ADET") == 9000)
        #expect(v2.element("ADOT") == 1800)
        #expect(v2.element("AUBT") == 57600)
        #expect(approx(v2.number("nee"), (48600.0 / 59400) * eq, tolerance: 1e-15))
        #expect(v2.number("technicalEfficiency") == 46800.0 / 55800)
        #expect(v2.number("allocationRatio") == 57600.0 / 59400)
        #expect(v2.element("EPC") == 760)
        #expect(v2.number("equipmentLoadRatio") == 700.0 / 760)
        #expect(v2.number("meanTimeBetweenFailures") == 16200)
    }
}
