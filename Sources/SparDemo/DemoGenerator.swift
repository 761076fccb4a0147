import SparCore

/// A deterministic generator of realistic shop-floor events for a plant model.
///
/// Every work unit runs a seeded state machine over `days` days from `start`: changeovers at order starts,
/// production with counts (good, scrap ~1–3 %, rework ~1–4 %) consistent with production time, planned run time
/// per unit (PRU) and a performance factor of about 0.8–0.95, minor delays, failures of 10 min – 3 h with
/// corrective maintenance, occasional preventive maintenance and calibration, breaks and off-shift idle time from
/// the unit's calendar, labor clock-in/out per shift and start/stop on orders, hourly energy, material movements
/// with daily inventory snapshots and quality measurements on units that have a measured characteristic.
///
/// The same model, seed, start, days and intensity always give the same events, with the same ids
/// (`wichita-cnc-01-000123`: the unit's site and id, then a sequence in time order). Each unit draws from its
/// own random stream, named by its path, so adding a unit does not change the others' events. No clock is read
/// and nothing global is touched. Every event satisfies the interchange contract (events.md §2) for the model;
/// all timestamps lie in `[start, start + days)` and no two state events of a unit share a timestamp.
///
/// Sources (by kind, from the model): the site's MES reports states, counts and labor (the first MES every site
/// but the last, which a second MES feeds when there is one); orders come from the ERP at the first site and from
/// the MES elsewhere; materials from the ERP; maintenance from the CMMS; measurements from the LIMS; energy from
/// the historian. At the second site, rework is reported by the spreadsheet system as separate counts
/// (good 0, scrap 0, rework n) at the end of each shift and order.
///
/// Volume: at intensity 1.0 a work unit yields about 122 events per calendar day (``eventsPerUnitDay``, measured on the
/// benchmark model's mix): roughly 95 on a two-shift calendar, 140 on three shifts and 200 around the clock. The demo
/// defaults (37 units, 28 days) give about 126 000 events, generated in about 0.3 s in a debug build. `intensity`
/// multiplies that volume: a unit yields about `intensity × eventsPerUnitDay` events per day for intensities 0.05…40,
/// within about 5 % on benchmark models of 50 units or more and 10 % on smaller or other models (0.05 is about 6 events
/// per unit-day; below about 0.03 the volume stops falling). Down to intensity 0.38 (about 46 events per unit-day),
/// only counts (with their measurements and backflush) and energy readings are sampled more or less often, while
/// states, orders, labor, maintenance and inventory keep their realistic rate. Below 0.38 those are thinned too, the
/// more so the lower the intensity: fewer, longer orders; fewer but longer minor delays and waits for demand; rarer
/// preventive maintenance and calibration; only some units report their breaks as states and only some shifts end with
/// a count or report labor (clock-in/out and start/stop on the orders); fewer lab samples; an inventory snapshot every
/// few days (at least weekly). Energy then comes every 50 h and periodic counts every 12–38 production hours. KPIs stay
/// plausible at any intensity: quality, effectiveness, failures and energy per part about the same; below 0.38 setup
/// time shrinks with the number of orders, so availability rises from about 0.8 to 0.88 at 0.05, and units that do not
/// report their breaks show production during planned down time (a KPI warning; that time is not counted as
/// production).
public struct DemoGenerator: Sendable {
    /// 2026-09-07T00:00:00Z, a Monday.
    public static let defaultStart = Timestamp(seconds: CivilDate.days(2026, 9, 7) * 86_400)
    /// Four weeks.
    public static let defaultDays = 28
    /// Events per work unit per calendar day at intensity 1.0, averaged over the benchmark model's mix of
    /// two- and three-shift units (the demo model's rate is about the same).
    public static let eventsPerUnitDay = fixedEventsPerUnitDay + sampledEventsPerUnitDay
    /// The part of ``eventsPerUnitDay`` that does not depend on the sampling rate (states, orders, labor,
    /// maintenance, inventory), measured on the benchmark model.
    static let fixedEventsPerUnitDay = 55.0
    /// The part of ``eventsPerUnitDay`` that is proportional to the sampling rate (counts with their measurements
    /// and backflush, energy readings), measured on the benchmark model.
    static let sampledEventsPerUnitDay = 67.0
    /// The lowest sampling multiplier: energy every 50 h, a periodic count every 12–38 production hours. There
    /// the volume is about 52 events per unit-day; below that, ``thinning(forIntensity:)`` takes over.
    static let minimumSampling = 0.02
    /// Events per unit-day at sampling multipliers up to 1, measured on the benchmark model: below intensity 1
    /// the volume is not linear in the sampling (periodic counts take the place of shift-end ones).
    static let samplingCurve: [(sampling: Double, eventsPerUnitDay: Double)] = [
        (minimumSampling, 52.1), (0.1, 54.8), (0.15, 58.2), (0.3, 69.7), (0.5, 84.5), (0.7, 99.0), (1.0, 120.4),
    ]
    /// Below this many events per unit-day (intensity ≈ 0.38) the otherwise realistic-rate streams are thinned.
    static let thinningThreshold = 46.0
    /// With thinning, the events per unit-day that do not depend on it (shift starts and ends, failures, energy,
    /// periodic counts), measured on the benchmark model.
    static let unthinnedEventsPerUnitDay = 3.2
    /// With thinning, the events per unit-day proportional to it, measured on the benchmark model.
    static let thinnedEventsPerUnitDay = 43.4

    /// The plant model the events are generated for.
    public let model: PlantModel
    /// The random seed; the same seed always gives the same events.
    public let seed: UInt64
    /// The first instant of the generated range.
    public let start: Timestamp
    /// How many 24-hour days are generated.
    public let days: Int
    /// Multiplies the event volume (about `intensity × eventsPerUnitDay` events per unit per day) by sampling
    /// counts, measurements and energy readings more or less often and, below 0.38, by thinning the other streams;
    /// 1.0 is the realistic rate.
    public let intensity: Double

    let plans: [UnitPlan]
    let reasons: ReasonPlan
    /// The rate multiplier of counts and energy readings that makes the volume about `intensity` times the base.
    private(set) var sampling: Double
    /// Below 1 (low intensities only), how much the otherwise realistic-rate streams are thinned.
    private(set) var thinning: Double

    /// Prepares a generator; events are produced lazily by ``events()`` or ``forEachEvent(_:)``.
    ///
    /// - Parameters:
    ///   - model: any plant model (for example ``DemoEnterprise/plantModel()``); units of a site with an unknown
    ///     time zone, or of a model without any source system, get no events.
    ///   - seed: the random seed; the same seed always gives the same events.
    ///   - start: the first instant generated.
    ///   - days: how many 24-hour days to generate (negative counts as 0).
    ///   - intensity: multiplies the event volume, see ``intensity`` (clamped to 0.01…100; 1.0 is realistic).
    public init(
        model: PlantModel, seed: UInt64, start: Timestamp = DemoGenerator.defaultStart,
        days: Int = DemoGenerator.defaultDays, intensity: Double = 1.0
    ) {
        self.model = model
        self.seed = seed
        self.start = start
        self.days = max(0, days)
        self.intensity = intensity.isFinite ? min(100, max(0.01, intensity)) : 1.0
        reasons = ReasonPlan(model: model)
        plans = DemoGenerator.plan(model)
        sampling = DemoGenerator.sampling(forIntensity: self.intensity)
        thinning = DemoGenerator.thinning(forIntensity: self.intensity)
    }

    /// A generator with an explicit sampling multiplier and thinning (for calibrating the volume model).
    init(model: PlantModel, seed: UInt64, start: Timestamp, days: Int, sampling: Double, thinning: Double = 1) {
        self.init(model: model, seed: seed, start: start, days: days)
        self.sampling = sampling
        self.thinning = thinning
    }

    static func sampling(forIntensity intensity: Double) -> Double {
        guard intensity < 1 else {
            let rate = (intensity * eventsPerUnitDay - fixedEventsPerUnitDay) / sampledEventsPerUnitDay
            return max(minimumSampling, rate)
        }
        // Below 1 the volume is not linear in the sampling: interpolate the measured curve.
        let target = intensity * eventsPerUnitDay
        var lower = samplingCurve[0]
        guard target > lower.eventsPerUnitDay else { return lower.sampling }
        for upper in samplingCurve.dropFirst() {
            if target <= upper.eventsPerUnitDay || upper.sampling >= 1 {
                let slope = (upper.sampling - lower.sampling) / (upper.eventsPerUnitDay - lower.eventsPerUnitDay)
                return lower.sampling + (target - lower.eventsPerUnitDay) * slope
            }
            lower = upper
        }
        return 1
    }

    /// 1 (no thinning) unless `intensity` asks for fewer events than the lowest sampling gives; then the
    /// thinning, below 1, that makes the volume about `intensity × eventsPerUnitDay` (no lower than 0.01).
    static func thinning(forIntensity intensity: Double) -> Double {
        let target = intensity * eventsPerUnitDay
        guard target < thinningThreshold else { return 1 }
        return min(0.99, max(0.01, (target - unthinnedEventsPerUnitDay) / thinnedEventsPerUnitDay))
    }

    /// The generated time range, `[start, start + days)`.
    public var range: Interval { Interval(start, start.adding(seconds: Int64(days) * 86_400)) }

    /// The work units that get events, in model order.
    public var unitPaths: [EquipmentPath] { plans.map(\.unit.path) }

    /// Every event, unit by unit, each unit's events in time order.
    public func events() -> [Event] {
        var all: [Event] = []
        forEachEvent { all.append($0) }
        return all
    }

    /// Calls `body` with every event, unit by unit (each unit's events in time order), holding only one unit's
    /// events in memory at a time: suitable for runs of many millions of events.
    public func forEachEvent(_ body: (Event) throws -> Void) rethrows {
        for plan in plans {
            for event in simulate(plan) { try body(event) }
        }
    }

    /// The events of one work unit, in time order (nil when the unit gets no events). Units are independent, so
    /// callers may generate them in parallel.
    public func events(forUnit path: EquipmentPath) -> [Event]? {
        plans.first { $0.unit.path == path }.map(simulate)
    }

    /// A synthetic enterprise with exactly `units` work units over at most `sites` sites; see
    /// ``DemoEnterprise/benchmarkModel(units:sites:)``.
    public static func benchmarkModel(units: Int, sites: Int = DemoEnterprise.benchmarkSites) -> PlantModel {
        DemoEnterprise.benchmarkModel(units: units, sites: sites)
    }

    func simulate(_ plan: UnitPlan) -> [Event] {
        var simulation = UnitSimulation(
            plan: plan, reasons: reasons, seed: seed, range: range, sampling: sampling, thinning: thinning)
        return simulation.run()
    }

    static func plan(_ model: PlantModel) -> [UnitPlan] {
        let index = PlantModel.Index(model)
        let resolved = model.resolvedWorkUnits
        // Event ids start with `site-unit`; fall back to the whole path when that is ambiguous.
        func prefixes(_ make: (ResolvedWorkUnit) -> String) -> [String]? {
            let p = resolved.map(make)
            return Set(p).count == p.count ? p : nil
        }
        let idPrefixes =
            prefixes { "\($0.siteID)-\($0.path.components[4])" }
            ?? prefixes { $0.path.components.dropFirst().joined(separator: "-") }
            ?? resolved.enumerated().map { "\($1.path.components.dropFirst().joined(separator: "-"))-\($0 + 1)" }
        var sourcePlans: [String: SourcePlan] = [:]
        var zones: [String: LocalTime] = [:]
        for (i, site) in model.sites.enumerated() where sourcePlans[site.id] == nil {
            sourcePlans[site.id] = SourcePlan(model: model, siteIndex: i)
            zones[site.id] = LocalTime(identifier: site.timeZone)
        }
        var ordinals: [String: Int] = [:]
        var plans: [UnitPlan] = []
        let lines = Self.linePairs(model)
        var prefixOfPath: [EquipmentPath: String] = [:]
        for (unit, prefix) in zip(resolved, idPrefixes) { prefixOfPath[unit.path] = prefix }
        for (unit, prefix) in zip(resolved, idPrefixes) {
            ordinals[unit.siteID, default: 0] += 1
            guard let sources = sourcePlans[unit.siteID], let zone = zones[unit.siteID] else { continue }
            var plan = UnitPlan(
                unit: unit, idPrefix: prefix, ordinalInSite: ordinals[unit.siteID] ?? 1,
                profile: ProcessProfile.forUnit(id: unit.path.components[4]), sources: sources,
                calendar: unit.calendarID.flatMap { index.calendars[$0] }, zone: zone)
            if let upstream = lines.downstream[unit.path], let upstreamPrefix = prefixOfPath[upstream] {
                plan.operation = 2
                plan.upstreamPrefix = upstreamPrefix
            } else if lines.upstream.contains(unit.path) {
                plan.operation = 1
            }
            plans.append(plan)
        }
        return plans
    }

    /// The first two units of every production line with the same process profile: the second runs the first's
    /// orders as their operation 2 (so fall off ratio's PQ₁ and scrap come from different units).
    static func linePairs(_ model: PlantModel) -> (upstream: Set<EquipmentPath>, downstream: [EquipmentPath: EquipmentPath]) {
        var upstream = Set<EquipmentPath>()
        var downstream: [EquipmentPath: EquipmentPath] = [:]
        for site in model.sites {
            for area in site.areas {
                for center in area.workCenters where center.kind == .productionLine && center.workUnits.count >= 2 {
                    let first = center.workUnits[0].id
                    let second = center.workUnits[1].id
                    guard ProcessProfile.forUnit(id: first).kind == ProcessProfile.forUnit(id: second).kind else { continue }
                    let base = [model.enterprise, site.id, area.id, center.id]
                    let a = EquipmentPath(components: base + [first])
                    let b = EquipmentPath(components: base + [second])
                    upstream.insert(a)
                    downstream[b] = a
                }
            }
        }
        return (upstream, downstream)
    }
}
