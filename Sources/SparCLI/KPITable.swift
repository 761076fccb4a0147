import SparCore
import SparInterchange

/// Human-readable renderings of KPI results.
enum KPITable {
    static func number(_ v: Double, digits: Int = 4) -> String {
        if v == v.rounded(), abs(v) < 1e12 { return String(Int64(v)) }
        var s = String(format: v, digits: digits)
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    static func value(_ v: KPIValue) -> String {
        switch v {
        case .number(let n): return number(n)
        case .null: return "null"
        case .byCharacteristic(let d):
            return d.keys.sorted().map { "\($0)=\(d[$0]!.map { number($0) } ?? "null")" }.joined(separator: " ")
        }
    }

    static func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
        let n = s.count
        guard n < w else { return s }
        let fill = String(repeating: " ", count: w - n)
        return right ? fill + s : s + fill
    }

    /// Elements that are times (shown in hours in tables; seconds in JSON).
    static let timeElements: Set<String> = [
        "POT", "PDOT", "PBT", "APT", "AUST", "ADET", "ADOT", "AUBT", "AUPT", "PRUxPQ", "AOET", "PWT", "APAT", "APWT",
        "TBF", "TTF", "TTR", "CMT", "PMT",
    ]

    /// An element in display units: hours for times, the value otherwise.
    static func display(element name: String, _ v: Double) -> Double { timeElements.contains(name) ? v / 3600 : v }

    /// A KPI in display units: hours for times (s), per hour for rates (units per second).
    static func display(_ v: KPIValue, unit: String) -> KPIValue {
        let factor: Double = unit == "s" ? 1.0 / 3600 : unit == "units per second" ? 3600 : 1
        guard factor != 1 else { return v }
        switch v {
        case .number(let n): return .number(n * factor)
        case .null: return .null
        case .byCharacteristic(let d): return .byCharacteristic(d.mapValues { $0.map { $0 * factor } })
        }
    }

    static func displayUnit(_ unit: String) -> String {
        unit == "s" ? "h" : unit == "units per second" ? "units per hour" : unit
    }

    static func render(_ r: KPIResult) -> String {
        var lines: [String] = []
        lines.append("scope       \(r.query.scope)")
        lines.append("window      [\(r.query.from), \(r.query.to))" + (r.query.shift.map { "  shift \($0)" } ?? ""))
        lines.append("definition  \(r.definition.id): \(r.definition.title)")
        lines.append("")
        lines.append("elements (times in hours, quantities in units; --format json gives seconds)")
        let els = r.elementValues
        for row in stride(from: 0, to: els.count, by: 4) {
            lines.append(
                "  " + els[row..<min(row + 4, els.count)].map {
                    pad($0.0, 6) + pad(number(display(element: $0.0, $0.1), digits: 3), 12, right: true)
                }.joined(separator: "   "))
        }
        lines.append("")
        lines.append("KPIs (ratios as fractions; MTBF, MTTF, MTTR in hours; throughput rate per hour)")
        for (id, v) in r.kpis {
            let d = r.definition.kpi(id)
            let unit = d?.unit ?? ""
            let shown = value(display(v, unit: unit))
            let suffix = unit == "s" || unit == "units per second" ? " [\(displayUnit(unit))]" : ""
            lines.append("  " + pad(id, 36) + pad(shown, 14, right: true) + "   " + (d?.formula ?? "") + suffix)
        }
        if !r.warnings.isEmpty {
            lines.append("")
            lines.append("warnings")
            for w in r.warnings { lines.append("  - \(w)") }
        }
        lines.append("")
        lines.append(
            "lineage  sources: \(r.lineage.sources.joined(separator: ", ")); events: \(r.lineage.events); units: \(r.lineage.units); "
                + "formula \(r.lineage.formulaVersion) / \(r.lineage.definitionVersion)"
                + (r.lineage.plantModelVersion.map { "; plant model \($0)" } ?? "")
                + (r.lineage.blueprintVersion.map { "; blueprint \($0)" } ?? ""))
        return lines.joined(separator: "\n")
    }

    /// Several definitions side by side: every element and KPI, with the differences marked.
    static func comparison(_ rs: [KPIResult]) -> String {
        guard let first = rs.first else { return "" }
        let ids = rs.map(\.definition.id)
        var lines: [String] = []
        lines.append("scope   \(first.query.scope)")
        lines.append("window  [\(first.query.from), \(first.query.to))" + (first.query.shift.map { "  shift \($0)" } ?? ""))
        lines.append("")
        lines.append("elements (times in hours)      " + ids.map { pad($0, 14, right: true) }.joined(separator: " ") + "   differs")
        var names: [String] = []
        for r in rs { for (k, _) in r.elementValues where !names.contains(k) { names.append(k) } }
        for name in names {
            let vs = rs.map { r in r.element(name).map { display(element: name, $0) } }
            let differs = Set(vs.map { $0.map { number($0, digits: 6) } ?? "absent" }).count > 1
            lines.append(
                "  " + pad(name, 28) + vs.map { pad($0.map { number($0, digits: 3) } ?? "–", 14, right: true) }.joined(separator: " ")
                    + (differs ? "   *" : ""))
        }
        lines.append("")
        lines.append("KPIs                           " + ids.map { pad($0, 14, right: true) }.joined(separator: " ") + "   difference")
        var differing = 0
        func delta(_ a: Double?, _ b: Double?) -> String {
            guard let a, let b else { return "   *" }
            return "   Δ \(number(b - a, digits: 4))" + (a != 0 ? " (\(number((b - a) / abs(a) * 100, digits: 1)) %)" : "")
        }
        for (id, _) in first.kpis {
            let unit = first.definition.kpi(id)?.unit ?? ""
            let vs = rs.map { display($0.kpi(id) ?? .null, unit: unit) }
            let differs = Set(vs.map(value)).count > 1
            if differs { differing += 1 }
            let perCharacteristic = vs.compactMap { v -> [String: Double?]? in
                if case .byCharacteristic(let d) = v { d } else { nil }
            }
            guard !perCharacteristic.isEmpty else {
                lines.append(
                    "  " + pad(id, 29) + vs.map { pad(value($0), 14, right: true) }.joined(separator: " ")
                        + (differs ? delta(vs.first?.number, vs.last?.number) : ""))
                continue
            }
            lines.append("  " + id + (differs ? "   *" : ""))
            let characteristics = Set(perCharacteristic.flatMap(\.keys)).sorted()
            for c in characteristics {
                let cs: [Double?] = vs.map { v in
                    switch v {
                    case .byCharacteristic(let d): return d[c] ?? nil
                    case .number(let n): return characteristics.count == 1 ? n : nil
                    case .null: return nil
                    }
                }
                let shown = cs.map { $0.map { number($0) } ?? "null" }
                lines.append(
                    "    " + pad(c, 27) + shown.map { pad($0, 14, right: true) }.joined(separator: " ")
                        + (Set(shown).count > 1 ? delta(cs.first ?? nil, cs.last ?? nil) : ""))
            }
        }
        lines.append("")
        lines.append("\(differing) of \(first.kpis.count) KPIs differ between \(ids.joined(separator: " and ")); Δ is \(ids.last!) − \(ids.first!).")
        for r in rs where !r.warnings.isEmpty {
            lines.append("")
            lines.append("warnings under \(r.definition.id)")
            for w in r.warnings { lines.append("  - \(w)") }
        }
        return lines.joined(separator: "\n")
    }

    /// `--compare --format json`: each definition's result object and the KPIs whose values differ.
    static func comparisonJSON(_ rs: [KPIResult]) -> String {
        guard let first = rs.first else { return "{}" }
        var differences: [String: JSONValue] = [:]
        for (id, _) in first.kpis {
            let vs = rs.map { $0.kpi(id) ?? .null }
            guard Set(vs).count > 1 else { continue }
            var o: [String: JSONValue] = [:]
            for (r, v) in zip(rs, vs) { o[r.definition.id] = v.number.map(JSONValue.number) ?? .null }
            differences[id] = .object(o)
        }
        let o: JSONValue = .object([
            "scope": .string(first.query.scope.description), "from": .string(first.query.from.rfc3339),
            "to": .string(first.query.to.rfc3339), "definitions": .array(rs.map { .string($0.definition.id) }),
            "results": .object(Dictionary(uniqueKeysWithValues: rs.map { ($0.definition.id, KPIResultJSON.value($0)) })),
            "differences": .object(differences),
        ])
        var out = ""
        KPIResultJSON.pretty(o, indent: 0, into: &out)
        return out
    }

    static func explain(_ d: KPIDefinition, _ r: KPIResult) -> String {
        var lines = [
            "\(d.id): \(d.isoName) (ISO 22400-2), definition \(r.definition.id)",
            "formula:   \(d.formula)",
            "unit:      \(d.unit); \(d.trend == .none ? "no preferred direction" : "\(d.trend.rawValue) is better")",
        ]
        if let i = d.interpretation { lines.append("reading:   \(i)") }
        if let e = d.evidence { lines.append("evidence:  \(e)") }
        lines.append("elements (seconds for times):")
        let els = Dictionary(r.elementValues, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        func show(_ e: String, depth: Int) {
            guard seen.insert(e).inserted else { return }
            if e == "measurements" {
                for (c, series) in r.elements.measurementSeries.sorted(by: { $0.key < $1.key }) {
                    let n = series.reduce(0) { $0 + $1.count }
                    let subgrouped = series.joined().filter { $0.subgroup != nil }.count
                    lines.append("  \(c): \(n) measurements over \(series.count) unit(s), \(subgrouped) in subgroups")
                }
                return
            }
            let reading = r.definition.element(e)
            lines.append(
                "  " + String(repeating: "  ", count: depth) + pad(e, 8) + pad(els[e].map { number($0, digits: 6) } ?? "absent", 14)
                    + (reading.map { "  \($0.reading)" } ?? ""))
        }
        for e in d.elements { show(e, depth: 0) }
        lines.append("value:     \(r.kpi(d.id).map(value) ?? "null")")
        if !r.warnings.isEmpty { lines.append("warnings:  " + r.warnings.joined(separator: "; ")) }
        lines.append("scope:     \(r.query.scope)  [\(r.query.from), \(r.query.to))" + (r.query.shift.map { " shift \($0)" } ?? ""))
        lines.append(
            "lineage:   \(r.lineage.sources.joined(separator: ", ")); \(r.lineage.events) events; \(r.lineage.formulaVersion) / \(r.lineage.definitionVersion)")
        return lines.joined(separator: "\n")
    }
}

extension String {
    init(format value: Double, digits: Int) {
        let scale = (0..<digits).reduce(1.0) { acc, _ in acc * 10 }
        let rounded = (value * scale).rounded() / scale
        self = "\(rounded)"
        if contains("e") { self = "\(value)" }
    }
}
