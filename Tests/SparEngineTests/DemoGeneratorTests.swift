import SparCore
import SparDemo
import Testing

@Suite("Demo generator")
struct DemoGeneratorTests {
    /// The demo defaults, generated once for the whole suite.
    static let model = DemoEnterprise.plantModel()
    static let generator = DemoGenerator(model: model, seed: 7)
    static let events = generator.events()

    /// A small, fast configuration for comparisons between runs.
    static func shortRun(seed: UInt64, intensity: Double = 1) -> [Event] {
        DemoGenerator(model: model, seed: seed, days: 3, intensity: intensity).events()
    }

    @Test("the same seed gives identical events")
    func sameSeed() {
        let a = Self.shortRun(seed: 42)
        let b = Self.shortRun(seed: 42)
        #expect(!a.isEmpty)
        #expect(a == b)
    }

    @Test("a different seed gives different events")
    func differentSeed() {
        #expect(Self.shortRun(seed: 1) != Self.shortRun(seed: 2))
    }

    @Test("streaming yields exactly the events of events()")
    func streaming() {
        let generator = DemoGenerator(model: Self.model, seed: 9, days: 2)
        var streamed: [Event] = []
        generator.forEachEvent { streamed.append($0) }
        #expect(streamed == generator.events())
    }

    @Test("the demo model validates")
    func modelValidates() {
        #expect(Self.model.validationProblems().isEmpty)
    }

    @Test("the demo model is a multi-site enterprise with 30+ units, 4+ systems and an unvalidated spreadsheet")
    func modelShape() {
        let m = Self.model
        #expect(m.sites.count >= 3)
        #expect(Set(m.sites.map(\.timeZone)).count >= 3)
        #expect(m.resolvedWorkUnits.count >= 30)
        #expect(m.systems.count >= 4)
        #expect(m.systems.contains { $0.kind == .spreadsheet && !$0.validated })
        #expect(m.resolvedWorkUnits.contains { $0.calendarID == nil })
        #expect(m.calendars.contains { $0.shifts.count == 3 })
        #expect(m.calendars.contains { $0.shifts.contains(where: \.crossesMidnight) })
        #expect(m.calendars.contains { ($0.exceptions ?? []).contains { $0.closed == true } })
        #expect(m.calendars.contains { ($0.exceptions ?? []).contains { $0.shifts == ["A"] } })
        #expect(Set(m.reasons.map(\.category)) == Set(TimeCategory.allCases))
        #expect(m.reasons.contains { $0.failure == true })
        let kinds = Set(m.sites.flatMap(\.areas).flatMap(\.workCenters).map(\.kind))
        #expect(kinds == Set(WorkCenterKind.allCases))
    }

    @Test("the demo defaults give a modest volume (100k–300k events)")
    func volume() {
        #expect((100_000...300_000).contains(Self.events.count))
    }

    @Test("every event fits the model: known unit, source and reason")
    func eventsValidate() {
        let validator = EventValidator(model: Self.model)
        let problems = Self.events.compactMap { validator.problem(with: $0) }
        #expect(problems.isEmpty, "first problem: \(problems.first.map(String.init(describing:)) ?? "")")
    }

    @Test("every event keeps the contract's field rules and lies in the generated range")
    func contractFields() {
        let range = Self.generator.range
        var bad: [String] = []
        for e in Self.events {
            if !range.contains(e.ts) { bad.append("\(e.id) ts") }
            switch e.payload {
            case .count(let c):
                if c.good < 0 || c.scrap < 0 || c.rework < 0 { bad.append("\(e.id) count") }
            case .measurement(let m):
                if !(m.usl > m.lsl) || !m.value.isFinite { bad.append("\(e.id) measurement") }
            case .order(let o) where o.action == .start:
                if o.material == nil || !((o.plannedRunTimePerUnit ?? 0) > 0) || o.plannedQuantity == nil
                    || (o.plannedScrapQuantity ?? 0) < 0
                {
                    bad.append("\(e.id) order")
                }
            case .material(let m):
                if m.quantity < 0 { bad.append("\(e.id) material") }
            case .energy(let kwh):
                if kwh < 0 || !kwh.isFinite { bad.append("\(e.id) energy") }
            case .state(let s):
                if s.category == nil && s.reason == nil { bad.append("\(e.id) state") }
            default:
                break
            }
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }

    @Test("event ids are unique")
    func uniqueIDs() {
        #expect(Set(Self.events.map(\.id)).count == Self.events.count)
    }

    @Test("no two state events of one unit share a timestamp")
    func uniqueStateTimes() {
        var seen = Set<String>()
        var clashes = 0
        for e in Self.events {
            guard case .state = e.payload else { continue }
            if !seen.insert("\(e.unit)|\(e.ts.milliseconds)").inserted { clashes += 1 }
        }
        #expect(clashes == 0)
    }

    @Test("every unit gets events, every time category is reported and every source system is used")
    func coverage() {
        #expect(Set(Self.events.map(\.unit)) == Set(Self.model.resolvedWorkUnits.map(\.path)))
        let reasons = PlantModel.Index(Self.model).reasons
        var categories = Set<TimeCategory>()
        var types = Set<String>()
        for e in Self.events {
            types.insert(e.type)
            if case .state(let s) = e.payload, let c = s.category ?? s.reason.flatMap({ reasons[$0]?.category }) {
                categories.insert(c)
            }
        }
        #expect(categories == Set(TimeCategory.allCases))
        #expect(
            types == [
                "state", "order", "count", "labor", "maintenance", "measurement", "material", "energy", "inspection",
            ])
        #expect(Set(Self.events.map(\.source)) == Set(Self.model.systems.map(\.id)))
    }

    @Test("the unvalidated spreadsheet reports rework as separate counts, and its site's serial inspections")
    func spreadsheetRework() {
        let xls = Self.events.filter { $0.source == "rework-xls" }
        var counts = 0
        var inspections = 0
        for e in xls {
            switch e.payload {
            case .count(let c):
                counts += 1
                #expect(c.good == 0 && c.scrap == 0 && c.rework > 0)
            case .inspection:
                inspections += 1
                #expect(e.unit.components[1] == "toulouse")
            default:
                Issue.record("spreadsheet event \(e.id) is neither a count nor an inspection")
            }
        }
        #expect(counts > 0 && inspections > 0)
    }

    @Test("orders and corrective maintenance come in realistic numbers: one work order per failure")
    func ordersAndFailures() {
        let reasons = PlantModel.Index(Self.model).reasons
        var orderStarts = 0
        var failures = 0
        var correctiveStarts = 0
        var previous: [EquipmentPath: String] = [:]
        for e in Self.events {
            switch e.payload {
            case .order(let o) where o.action == .start:
                orderStarts += 1
            case .maintenance(let m) where m.kind == .corrective && m.action == .start:
                correctiveStarts += 1
            case .state(let s):
                let code = s.reason ?? ""
                if reasons[code]?.failure == true, previous[e.unit] != code { failures += 1 }
                previous[e.unit] = code
            default:
                break
            }
        }
        // 37 units × 28 days with orders of a few hours to a few shifts: well over a thousand orders.
        #expect(orderStarts > 1000)
        #expect(failures > 20)
        // A failure in the last minutes of the range may have its work order start after the range.
        #expect(correctiveStarts <= failures && correctiveStarts >= failures - 3)
    }

    @Test("a run across daylight-saving changes and holidays stays valid")
    func daylightSaving() {
        // 2026-10-19 (a Monday) + 21 days: Paris leaves summer time on Oct 25, Chicago on Nov 1; Nov 3 (Tokyo)
        // and Nov 11 (Toulouse) are holidays.
        let start = Timestamp(seconds: CivilDate.days(2026, 10, 19) * 86_400)
        let generator = DemoGenerator(model: Self.model, seed: 5, start: start, days: 21)
        let events = generator.events()
        let validator = EventValidator(model: Self.model)
        #expect(events.allSatisfy { validator.problem(with: $0) == nil && generator.range.contains($0.ts) })
        let stateKeys = events.compactMap { e -> String? in
            if case .state = e.payload { "\(e.unit)|\(e.ts.milliseconds)" } else { nil }
        }
        #expect(Set(stateKeys).count == stateKeys.count)
        #expect(Set(events.map(\.id)).count == events.count)
    }

    @Test("zero days or a model without systems gives no events")
    func empty() {
        #expect(DemoGenerator(model: Self.model, seed: 1, days: 0).events().isEmpty)
        var silent = Self.model
        silent.systems = []
        #expect(DemoGenerator(model: silent, seed: 1, days: 2).events().isEmpty)
        #expect(DemoGenerator(model: DemoEnterprise.benchmarkModel(units: 0), seed: 1, days: 2).events().isEmpty)
    }

    @Test("the KPIs over the demo month are plausible")
    func plausibleKPIs() throws {
        let engine = KPIEngine(model: Self.model, events: Self.events)
        let range = Self.generator.range
        let result = try engine.result(
            KPIQuery(scope: EquipmentPath(DemoEnterprise.enterprise), from: range.start, to: range.end))
        let effectiveness = try #require(result.kpi("effectiveness")?.number)
        let quality = try #require(result.kpi("qualityRatio")?.number)
        let availability = try #require(result.kpi("availability")?.number)
        #expect((0.8...0.95).contains(effectiveness))
        #expect((0.92...0.99).contains(quality))
        #expect((0.5...0.95).contains(availability))
    }

    @Test("intensity scales the number of events")
    func intensityScales() {
        let low = Self.shortRun(seed: 3, intensity: 0.5).count
        let normal = Self.shortRun(seed: 3).count
        let high = Self.shortRun(seed: 3, intensity: 4).count
        #expect(low < normal && normal < high)
    }

    /// FNV-1a over every event's id, time, source and type: a fingerprint of a run.
    static func fingerprint(_ events: [Event]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for e in events {
            for text in [e.id.description, String(e.ts.milliseconds), e.source, e.type] {
                for byte in text.utf8 {
                    h ^= UInt64(byte)
                    h = h &* 0x0000_0100_0000_01b3
                }
            }
        }
        return h
    }

    @Test("intensity 1 and above give exactly the realistic events of known runs")
    func realisticRunsUnchanged() {
        let normal = Self.shortRun(seed: 42)
        let high = Self.shortRun(seed: 3, intensity: 4)
        #expect(normal.count == 17_354)
        #expect(Self.fingerprint(normal) == 0xfe3c_1364_6c34_7407)
        #expect(high.count == 67_957)
        #expect(Self.fingerprint(high) == 0x752c_0533_2a96_8d9f)
    }

    /// Every event of a run validates, lies in the range, has a unique id, and no two state events of a unit
    /// share a timestamp; returns the problems found.
    static func problems(of generator: DemoGenerator, _ events: [Event]) -> [String] {
        let validator = EventValidator(model: generator.model)
        var problems = events.compactMap { e in validator.problem(with: e).map { "\(e.id): \($0)" } }
        problems += events.filter { !generator.range.contains($0.ts) }.map { "\($0.id): outside the range" }
        if Set(events.map(\.id)).count != events.count { problems.append("duplicate ids") }
        let stateKeys = events.compactMap { e -> String? in
            if case .state = e.payload { "\(e.unit)|\(e.ts.milliseconds)" } else { nil }
        }
        if Set(stateKeys).count != stateKeys.count { problems.append("state events of a unit share a timestamp") }
        return problems
    }

    @Test("at intensity 0.1 the benchmark volume is within 15 % of the target and every event is valid")
    func lowIntensityBenchmark() {
        let model = DemoGenerator.benchmarkModel(units: 50)
        let generator = DemoGenerator(model: model, seed: 1, days: 28, intensity: 0.1)
        let events = generator.events()
        let target = 0.1 * DemoGenerator.eventsPerUnitDay * 50 * 28
        #expect(abs(Double(events.count) / target - 1) < 0.15, "\(events.count) events for a target of \(target)")
        let problems = Self.problems(of: generator, events)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(Set(events.map(\.unit)) == Set(model.resolvedWorkUnits.map(\.path)))
        let types: Set<String> = [
            "state", "order", "count", "labor", "maintenance", "measurement", "material", "energy", "inspection",
        ]
        #expect(Set(events.map(\.type)) == types)
    }

    @Test(
        "low intensities give about intensity × eventsPerUnitDay events per unit-day",
        arguments: [0.05, 0.2, 0.35, 0.5])
    func lowIntensityVolume(intensity: Double) {
        let generator = DemoGenerator(
            model: DemoGenerator.benchmarkModel(units: 50), seed: 2, days: 28, intensity: intensity)
        var count = 0
        generator.forEachEvent { _ in count += 1 }
        let target = intensity * DemoGenerator.eventsPerUnitDay * 50 * 28
        #expect(abs(Double(count) / target - 1) < 0.15, "\(count) events for a target of \(target)")
    }

    @Test("thinned runs of the demo model are deterministic and valid, across daylight-saving changes too")
    func lowIntensityDemo() {
        #expect(Self.shortRun(seed: 11, intensity: 0.1) == Self.shortRun(seed: 11, intensity: 0.1))
        let start = Timestamp(seconds: CivilDate.days(2026, 10, 19) * 86_400)
        for intensity in [0.05, 0.2] {
            let generator = DemoGenerator(model: Self.model, seed: 5, start: start, days: 21, intensity: intensity)
            let events = generator.events()
            #expect(!events.isEmpty)
            let problems = Self.problems(of: generator, events)
            #expect(problems.isEmpty, "intensity \(intensity): \(problems.prefix(5))")
        }
    }

    @Test("the KPIs stay plausible at low intensity", arguments: [0.05, 0.2])
    func lowIntensityKPIs(intensity: Double) throws {
        let model = DemoGenerator.benchmarkModel(units: 50)
        let generator = DemoGenerator(model: model, seed: 3, days: 28, intensity: intensity)
        let engine = KPIEngine(model: model, events: generator.events())
        let range = generator.range
        let result = try engine.result(
            KPIQuery(scope: EquipmentPath(model.enterprise), from: range.start, to: range.end))
        let effectiveness = try #require(result.kpi("effectiveness")?.number)
        let quality = try #require(result.kpi("qualityRatio")?.number)
        let availability = try #require(result.kpi("availability")?.number)
        let workers = try #require(result.kpi("workerEfficiency")?.number)
        #expect((0.8...0.95).contains(effectiveness))
        #expect((0.92...0.99).contains(quality))
        #expect((0.6...0.92).contains(availability))
        #expect((0.85...1).contains(workers))
    }

    @Test("the benchmark model has exactly the requested number of units and validates", arguments: [1, 7, 399, 2000])
    func benchmarkModel(units: Int) {
        let model = DemoEnterprise.benchmarkModel(units: units)
        #expect(model.resolvedWorkUnits.count == units)
        #expect(model.validationProblems().isEmpty)
        #expect(DemoGenerator.benchmarkModel(units: units) == model)
    }

    @Test("100 sites × 50 units: 5,000 units, 50 per site, 100 site ids in 10 time zones, and it validates")
    func hundredSites() {
        let model = DemoEnterprise.benchmarkModel(units: 5_000, sites: 100)
        #expect(model.sites.count == 100)
        #expect(Set(model.sites.map(\.id)).count == 100)
        #expect(model.sites.allSatisfy { site in site.areas.flatMap(\.workCenters).flatMap(\.workUnits).count == 50 })
        #expect(Set(model.sites.map(\.timeZone)).count == 10)
        #expect(model.validationProblems().isEmpty)
    }

    @Test("the 2000-unit benchmark model spreads over 10 sites and the generator's events fit it")
    func benchmarkEvents() {
        let model = DemoEnterprise.benchmarkModel(units: 2000)
        #expect(model.sites.count == 10)
        let generator = DemoGenerator(model: model, seed: 1, days: 1, intensity: 2)
        let validator = EventValidator(model: model)
        var count = 0
        var problems = 0
        var ids = Set<EventID>()
        let someUnits = Set(generator.unitPaths.prefix(40))
        for path in someUnits.sorted() {
            for e in generator.events(forUnit: path) ?? [] {
                count += 1
                if validator.problem(with: e) != nil { problems += 1 }
                ids.insert(e.id)
            }
        }
        #expect(count > 0)
        #expect(problems == 0)
        #expect(ids.count == count)
    }
}
