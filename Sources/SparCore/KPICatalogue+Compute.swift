/// The definition-neutral quantities the engine derives for one scope and window, by name: what every
/// definition version's element readings read (``KPIFormula/base(_:)``). Times are milliseconds.
public enum KPIBaseQuantities {
    /// A base quantity's value: a time (integer milliseconds) or a number.
    public enum Value: Sendable, Hashable {
        case time(Int64)
        case number(Double)

        /// Seconds for a time, the value for a number.
        public var double: Double {
            switch self {
            case .time(let ms): Double(ms) / 1000
            case .number(let x): x
            }
        }
    }

    /// Every base quantity of `e`; absent optional quantities are nil.
    public static func values(_ e: TimeModelElements) -> [String: Value?] {
        func t(_ ms: Int64) -> Value? { .time(ms) }
        func o(_ ms: Int64?) -> Value? { ms.map(Value.time) }
        func n(_ x: Double?) -> Value? { x.map(Value.number) }
        let order = e.whileOrderRuns
        var firstOperationQuantity: Double?
        var firstOperationOrderScrap: Double?
        for key in e.orderFlows.keys.sorted() {
            let f = e.orderFlows[key]!
            guard f.hasFirstOperationCount else { continue }
            firstOperationQuantity = (firstOperationQuantity ?? 0) + f.firstOperationQuantity
            firstOperationOrderScrap = (firstOperationOrderScrap ?? 0) + f.scrap
        }
        let inspected = e.inspectedSerials
        var v: [String: Value?] = [:]
        v["POT"] = t(e.pot)
        v["PDOT"] = t(e.pdot)
        v["PBT"] = t(e.pbt)
        v["APT"] = t(e.apt)
        v["AUST"] = t(e.aust)
        v["delay"] = t(e.adet)
        v["down"] = t(e.adot)
        v["idle"] = t(e.idle)
        v["delay.order"] = t(order[.delay] ?? 0)
        v["down.order"] = t(order[.down] ?? 0)
        v["idle.order"] = t(order[.idle] ?? 0)
        v["PQ"] = .number(e.pq)
        v["GQ"] = .number(e.gq)
        v["SQ"] = .number(e.sq)
        v["RQ"] = .number(e.rq)
        v["PRUxPQ"] = e.pq > 0 ? .number(e.plannedTimeForProduced) : nil
        v["PRUxPQ.complete"] = e.quantityWithoutPRU > 0 ? nil : .number(e.plannedTimeForProduced)
        v["AOET"] = o(e.aoet)
        v["PSQ"] = n(e.psq)
        v["PWT"] = o(e.pwt)
        v["APWT"] = o(e.apwt)
        v["APAT"] = o(e.apat)
        v["FE"] = .number(Double(e.fe))
        v["TTF.production"] = t(e.ttf)
        v["TTF.operating"] = t(e.operatingBeforeFailure)
        v["TTR"] = t(e.ttr)
        v["CMT"] = o(e.cmt)
        v["PMT"] = o(e.pmt)
        v["CM"] = n(e.cm)
        v["PL"] = n(e.pl)
        v["STL"] = n(e.stl)
        v["OL"] = n(e.ol)
        v["produced"] = n(e.fgq)
        v["AI"] = n(e.ai)
        v["EC"] = n(e.ec)
        v["EPC"] = e.unitsWithoutRatedRate > 0 ? nil : n(e.epc)
        v["IP"] = inspected.isEmpty ? nil : .number(Double(inspected.count))
        v["GP"] = inspected.isEmpty ? nil : .number(Double(inspected.subtracting(e.failedSerials).count))
        v["PQ1"] = n(firstOperationQuantity)
        v["SQO"] = n(firstOperationOrderScrap)
        return v
    }
}

extension KPICatalogue {
    /// Computes every KPI of `definition` from summed elements, in catalogue order, with its elements and warnings.
    ///
    /// - Parameter singleUnit: whether the scope is one work unit (machine capability needs one).
    public static func compute(
        _ e: TimeModelElements, singleUnit: Bool, definition: KPIDefinitionVersion = KPICatalogue.latest
    ) -> (kpis: [(String, KPIValue)], elements: [(String, Double)], warnings: [String]) {
        var evaluator = KPIEvaluator(definition: definition, base: KPIBaseQuantities.values(e), elements: e, singleUnit: singleUnit)
        var out: [(String, KPIValue)] = []
        for d in definition.kpis { out.append((d.id, evaluator.kpi(d.id))) }
        var elementValues: [(String, Double)] = []
        for r in definition.elements {
            if let v = evaluator.element(r.name) { elementValues.append((r.name, v.double)) }
        }
        var warnings: [String] = []
        func s(_ ms: Int64) -> Double { Double(ms) / 1000 }
        if e.apt > 0, e.quantityWithoutPRU > 0 {
            warnings.append(
                "effectiveness is null: \(format(e.quantityWithoutPRU)) produced units have no planned run time per unit (no order with plannedRunTimePerUnit)")
        }
        if let eff = out.first(where: { $0.0 == "effectiveness" })?.1.number, eff > 1 {
            warnings.append(
                "effectiveness \(format(eff)) is above 1: the planned run time per unit is pessimistic for what was produced")
        }
        warnings += evaluator.capabilityWarnings
        let reads = definition.baseQuantitiesRead
        if reads.contains("delay.order") {
            let without = (e.apt - (e.whileOrderRuns[.production] ?? 0)) + (e.aust - (e.whileOrderRuns[.setup] ?? 0))
            if without > 0 {
                warnings.append("\(format(s(without))) s of production or setup ran with no order on the unit (still APT or AUST)")
            }
        }
        if reads.contains("EPC"), e.unitsWithoutRatedRate > 0, e.pot > 0 {
            warnings.append("EPC is null: \(e.unitsWithoutRatedRate) work unit(s) with planned operation time have no ratedRate")
        }
        if reads.contains("PQ1") {
            let left = e.orderFlows.filter { !$0.value.hasFirstOperationCount }.keys.sorted()
            if !left.isEmpty, e.orderFlows.contains(where: { $0.value.hasFirstOperationCount }) {
                warnings.append(
                    "fallOffRatio leaves out \(left.count) order(s) with no first-operation count in the scope and window (\(left.prefix(5).joined(separator: ", "))\(left.count > 5 ? ", …" : ""))")
            }
        }
        if e.unknown > 0 {
            warnings.append("\(format(s(e.unknown))) s of planned busy time have no known state (before a unit's first state event)")
        }
        if e.unscheduledQuantity > 0 {
            warnings.append("\(format(e.unscheduledQuantity)) units were counted outside planned operation time and are not in PQ")
        }
        if e.unplannedWork > 0 {
            warnings.append("\(format(s(e.unplannedWork))) s of production were reported during planned down time (unplanned work, not APT)")
        }
        if evaluator.overflowed {
            warnings.append(
                "some KPIs are null: an element sum is not a finite number (quantities beyond EventBounds, accepted before they were bounded)")
        }
        return (out, elementValues, warnings)
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}

extension KPIDefinitionVersion {
    /// The elements a KPI reads, directly or through the elements and KPIs its formula reads.
    public func elementsRead(by id: String) -> Set<String> {
        var out = Set<String>()
        var seenKPIs = Set<String>()
        func walk(_ f: KPIFormula) {
            switch f {
            case .element(let n):
                guard out.insert(n).inserted, let r = element(n) else { return }
                walk(r.formula)
            case .kpi(let k):
                guard seenKPIs.insert(k).inserted, let d = kpi(k) else { return }
                walk(d.expression)
            case .base, .constant, .capability: break
            case .sum(let xs), .product(let xs): xs.forEach(walk)
            case .difference(let a, let b), .ratio(let a, let b):
                walk(a)
                walk(b)
            }
        }
        if let d = kpi(id) { walk(d.expression) }
        return out
    }

    /// The KPIs whose value can differ from `other`'s: a different formula, or an element read differently.
    public func kpisDiffering(from other: KPIDefinitionVersion) -> [String] {
        let changedElements = Set(
            elements.filter { r in other.element(r.name)?.formula != r.formula }.map(\.name)
                + other.elements.filter { element($0.name) == nil }.map(\.name))
        return kpis.filter { d in
            guard let o = other.kpi(d.id) else { return true }
            return o.expression != d.expression || !elementsRead(by: d.id).isDisjoint(with: changedElements)
        }.map(\.id)
    }

    /// Names of the base quantities the version's elements and KPIs read.
    public var baseQuantitiesRead: Set<String> {
        var out = Set<String>()
        func walk(_ f: KPIFormula) {
            switch f {
            case .base(let n): out.insert(n)
            case .element, .kpi, .constant, .capability: break
            case .sum(let xs), .product(let xs): xs.forEach(walk)
            case .difference(let a, let b), .ratio(let a, let b):
                walk(a)
                walk(b)
            }
        }
        elements.forEach { walk($0.formula) }
        kpis.forEach { walk($0.expression) }
        return out
    }
}

/// Evaluates one definition version's formulas over one scope's base quantities, each element and KPI once.
struct KPIEvaluator {
    let definition: KPIDefinitionVersion
    let base: [String: KPIBaseQuantities.Value?]
    let elements: TimeModelElements
    let singleUnit: Bool
    var elementCache: [String: KPIBaseQuantities.Value?] = [:]
    var kpiCache: [String: KPIValue] = [:]
    var capabilityCache: [CapabilityIndex.Sigma: (potential: KPIValue, critical: KPIValue)] = [:]
    var capabilityWarnings: [String] = []
    var overflowed = false

    init(definition: KPIDefinitionVersion, base: [String: KPIBaseQuantities.Value?], elements: TimeModelElements, singleUnit: Bool) {
        self.definition = definition
        self.base = base
        self.elements = elements
        self.singleUnit = singleUnit
    }

    mutating func element(_ name: String) -> KPIBaseQuantities.Value? {
        if let v = elementCache[name] { return v }
        elementCache[name] = .some(nil)
        let v = definition.element(name).flatMap { evaluate($0.formula) }
        elementCache[name] = .some(v)
        return v
    }

    mutating func kpi(_ id: String) -> KPIValue {
        if let v = kpiCache[id] { return v }
        kpiCache[id] = .null
        guard let d = definition.kpi(id) else { return .null }
        let v: KPIValue
        if case .capability(let c) = d.expression {
            v = capability(c)
        } else {
            let x = evaluate(d.expression)?.double
            if let x, !x.isFinite { overflowed = true }
            v = x.flatMap { $0.isFinite ? KPIValue.number($0) : nil } ?? .null
        }
        kpiCache[id] = v
        return v
    }

    mutating func evaluate(_ f: KPIFormula) -> KPIBaseQuantities.Value? {
        switch f {
        case .base(let n): return base[n] ?? nil
        case .element(let n): return element(n)
        case .kpi(let id): return kpi(id).number.map(KPIBaseQuantities.Value.number)
        case .constant(let x): return .number(x)
        case .capability(let c): return capability(c).number.map(KPIBaseQuantities.Value.number)
        case .sum(let xs):
            var values: [KPIBaseQuantities.Value] = []
            for x in xs {
                guard let v = evaluate(x) else { return nil }
                values.append(v)
            }
            if values.allSatisfy({ if case .time = $0 { true } else { false } }) {
                return .time(values.reduce(0) { acc, v in if case .time(let ms) = v { acc + ms } else { acc } })
            }
            var total = values[0].double
            for v in values.dropFirst() { total += v.double }
            return .number(total)
        case .difference(let a, let b):
            guard let x = evaluate(a), let y = evaluate(b) else { return nil }
            if case .time(let p) = x, case .time(let q) = y { return .time(p - q) }
            return .number(x.double - y.double)
        case .ratio(let a, let b):
            guard let n = evaluate(a)?.double, let d = evaluate(b)?.double, d != 0 else { return nil }
            guard n.isFinite, d.isFinite else {
                overflowed = true
                return nil
            }
            return .number(n / d)
        case .product(let xs):
            var p = 1.0
            for x in xs {
                guard let v = evaluate(x)?.double else { return nil }
                p *= v
            }
            return .number(p)
        }
    }

    mutating func capability(_ c: CapabilityIndex) -> KPIValue {
        if c.reach == .machine, !singleUnit { return .null }
        let values: (potential: KPIValue, critical: KPIValue)
        if let cached = capabilityCache[c.sigma] {
            values = cached
        } else {
            var warnings: [String] = []
            values = Capability.compute(elements.measurementSeries, sigma: c.sigma, warnings: &warnings)
            for w in warnings where !capabilityWarnings.contains(w) { capabilityWarnings.append(w) }
            capabilityCache[c.sigma] = values
        }
        return c.kind == .potential ? values.potential : values.critical
    }
}

/// Capability indices per characteristic: (USL − LSL)/(6σ) and min(USL − centre, centre − LSL)/(3σ).
enum Capability {
    /// d2 for subgroups of two (moving ranges), as tabulated.
    static let d2 = 1.128

    /// c4(n) = √(2/(n − 1)) · Γ(n/2) / Γ((n − 1)/2), by the recurrence Γ(x + 1) = x Γ(x) from Γ(1) and Γ(½) = √π.
    static func c4(_ n: Int) -> Double {
        precondition(n >= 2)
        var ratio = n % 2 == 0 ? 1 / Double.pi.squareRoot() : Double.pi.squareRoot() / 2
        var k = n % 2 == 0 ? 2 : 3
        while k < n {
            ratio *= Double(k) / Double(k - 1)
            k += 2
        }
        return (2 / Double(n - 1)).squareRoot() * ratio
    }

    static func compute(
        _ data: [String: [[Measurement]]], sigma method: CapabilityIndex.Sigma, warnings: inout [String]
    ) -> (potential: KPIValue, critical: KPIValue) {
        var potential: [String: Double?] = [:]
        var critical: [String: Double?] = [:]
        for name in data.keys.sorted() {
            let series = data[name]!
            let ms = series.flatMap { $0 }
            func null(_ why: String) {
                potential[name] = .some(nil)
                critical[name] = .some(nil)
                warnings.append(why)
            }
            guard ms.count >= 2 else {
                null("capability of '\(name)' needs at least 2 measurements, has \(ms.count)")
                continue
            }
            let lsl = ms[0].lsl
            let usl = ms[0].usl
            guard ms.allSatisfy({ $0.lsl == lsl && $0.usl == usl }) else {
                null("capability of '\(name)' is null: specification limits change within the window")
                continue
            }
            let estimate: (sigma: Double, centre: Double)?
            switch method {
            case .overallSample: estimate = overall(ms)
            case .withinSubgroup: estimate = within(series, name: name, warnings: &warnings)
            }
            guard let (sigma, centre) = estimate else { continue }
            guard sigma > 0 else {
                null("capability of '\(name)' is null: all measurements are equal (σ = 0)")
                continue
            }
            potential[name] = (usl - lsl) / (6 * sigma)
            critical[name] = min(usl - centre, centre - lsl) / (3 * sigma)
        }
        func shape(_ d: [String: Double?]) -> KPIValue {
            if d.isEmpty { return .null }
            if d.count == 1, let only = d.values.first { return only.map(KPIValue.number) ?? .null }
            return .byCharacteristic(d)
        }
        return (shape(potential), shape(critical))
    }

    /// The sample standard deviation (n − 1) and the mean.
    static func overall(_ ms: [Measurement]) -> (Double, Double) {
        let n = Double(ms.count)
        let mean = ms.reduce(0) { $0 + $1.value } / n
        let variance = ms.reduce(0) { $0 + ($1.value - mean) * ($1.value - mean) } / (n - 1)
        return (variance.squareRoot(), mean)
    }

    /// Within-subgroup σ̂ and the centre (kpis-v2.md, "Capability constants"); nil (with a warning) when the
    /// values cannot give one.
    static func within(_ series: [[Measurement]], name: String, warnings: inout [String]) -> (Double, Double)? {
        let subgrouped = series.contains { $0.contains { $0.subgroup != nil } }
        if !subgrouped {
            var ranges = 0.0
            var count = 0
            var total = 0.0
            var n = 0
            for unit in series {
                for (i, m) in unit.enumerated() {
                    total += m.value
                    n += 1
                    if i > 0 {
                        ranges += abs(m.value - unit[i - 1].value)
                        count += 1
                    }
                }
            }
            guard count > 0 else {
                warnings.append("capability of '\(name)' is null: no unit has two consecutive values for a moving range")
                return nil
            }
            return ((ranges / Double(count)) / d2, total / Double(n))
        }
        var groups: [[Double]] = []
        for unit in series {
            var order: [String] = []
            var byID: [String: [Double]] = [:]
            for m in unit {
                guard let id = m.subgroup else { continue }
                if byID[id] == nil { order.append(id) }
                byID[id, default: []].append(m.value)
            }
            groups += order.map { byID[$0]! }
        }
        let means = groups.map { g in g.reduce(0, +) / Double(g.count) }
        let centre = means.reduce(0, +) / Double(means.count)
        func variance(_ g: [Double], _ mean: Double) -> Double {
            g.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(g.count - 1)
        }
        let sizes = Set(groups.map(\.count))
        if sizes.count == 1, let n = sizes.first, (2...25).contains(n) {
            let sBar = zip(groups, means).reduce(0) { $0 + variance($1.0, $1.1).squareRoot() } / Double(groups.count)
            return (sBar / c4(n), centre)
        }
        var weighted = 0.0
        var degrees = 0
        for (g, mean) in zip(groups, means) where g.count > 1 {
            weighted += Double(g.count - 1) * variance(g, mean)
            degrees += g.count - 1
        }
        guard degrees > 0 else {
            warnings.append("capability of '\(name)' is null: every subgroup holds a single value")
            return nil
        }
        return ((weighted / Double(degrees)).squareRoot(), centre)
    }
}
