import SparCore

/// Human-readable renderings of KPI results.
enum KPITable {
    static func number(_ v: Double, digits: Int = 4) -> String {
        if v == v.rounded(), abs(v) < 1e12 { return String(Int64(v)) }
        var s = String(format: v, digits: digits)
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
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

    static func render(_ r: KPIResult) -> String {
        var lines: [String] = []
        lines.append("scope   \(r.query.scope)")
        lines.append("window  [\(r.query.from), \(r.query.to))" + (r.query.shift.map { "  shift \($0)" } ?? ""))
        lines.append("")
        lines.append("elements (times in seconds)")
        let els = r.elementValues
        for row in stride(from: 0, to: els.count, by: 4) {
            lines.append(
                "  " + els[row..<min(row + 4, els.count)].map { pad($0.0, 6) + pad(number($0.1, digits: 3), 12, right: true) }
                    .joined(separator: "   "))
        }
        lines.append("")
        lines.append("KPIs")
        for (id, v) in r.kpis {
            let d = r.definition.kpi(id)
            lines.append("  " + pad(id, 36) + pad(value(v), 14, right: true) + "   " + (d?.formula ?? ""))
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

    static func explain(_ d: KPIDefinition, _ r: KPIResult) -> String {
        var lines = [
            "\(d.id): \(d.isoName) (ISO 22400-2)",
            "formula:   \(d.formula)",
            "unit:      \(d.unit); \(d.trend == .none ? "no preferred direction" : "\(d.trend.rawValue) is better")",
        ]
        if let i = d.interpretation { lines.append("reading:   \(i)") }
        lines.append("elements:")
        let els = Dictionary(r.elementValues, uniquingKeysWith: { a, _ in a })
        for e in d.elements {
            if e == "measurements" {
                for (c, ms) in r.elements.measurements.sorted(by: { $0.key < $1.key }) {
                    lines.append("  \(c): \(ms.count) measurements")
                }
            } else {
                lines.append("  " + pad(e, 8) + (els[e].map { number($0, digits: 6) } ?? "absent"))
            }
        }
        lines.append("value:     \(r.kpi(d.id).map(value) ?? "null")")
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
