import SparCore

/// The `spar kpi --format json` object (events.md §3).
public enum KPIResultJSON {
    public static func value(_ r: KPIResult) -> JSONValue {
        var elements: [String: JSONValue] = [:]
        for (k, v) in r.elementValues { elements[k] = .number(v) }
        var kpis: [String: JSONValue] = [:]
        for (k, v) in r.kpis {
            switch v {
            case .number(let n): kpis[k] = n.isFinite ? .number(n) : .null
            case .null: kpis[k] = .null
            case .byCharacteristic(let d):
                kpis[k] = .object(d.mapValues { $0.map(JSONValue.number) ?? .null })
            }
        }
        var lineage: [String: JSONValue] = [
            "sources": .array(r.lineage.sources.map(JSONValue.string)),
            "events": .number(Double(r.lineage.events)),
            "units": .number(Double(r.lineage.units)),
            "formulaVersion": .string(r.lineage.formulaVersion),
            "definitionVersion": .string(r.lineage.definitionVersion),
        ]
        if let v = r.lineage.plantModelVersion { lineage["plantModelVersion"] = .string(v) }
        if let v = r.lineage.blueprintVersion { lineage["blueprintVersion"] = .string(v) }
        var unscheduled: [String: JSONValue] = [:]
        for (k, v) in r.elements.unscheduled { unscheduled[k.rawValue] = .number(Double(v) / 1000) }
        var o: [String: JSONValue] = [
            "scope": .string(r.query.scope.description),
            "from": .string(r.query.from.rfc3339),
            "to": .string(r.query.to.rfc3339),
            "elements": .object(elements),
            "kpis": .object(kpis),
            "warnings": .array(r.warnings.map(JSONValue.string)),
            "lineage": .object(lineage),
            "outsidePlan": .object([
                "unscheduledStateSeconds": .object(unscheduled),
                "unscheduledQuantity": .number(r.elements.unscheduledQuantity),
                "unplannedWorkSeconds": .number(Double(r.elements.unplannedWork) / 1000),
                "unknownStateSeconds": .number(Double(r.elements.unknown) / 1000),
                "idleSeconds": .number(Double(r.elements.idle) / 1000),
            ]),
        ]
        if let s = r.query.shift { o["shift"] = .string(s) }
        return .object(o)
    }

    /// Pretty-printed JSON with the contract's keys, in a stable order.
    public static func text(_ r: KPIResult) -> String {
        var out = ""
        pretty(value(r), indent: 0, into: &out, order: ["scope", "from", "to", "shift", "elements", "kpis", "warnings", "lineage"])
        return out
    }

    public static func pretty(_ v: JSONValue, indent: Int, into out: inout String, order: [String] = []) {
        let pad = String(repeating: "  ", count: indent + 1)
        switch v {
        case .object(let o):
            let keys = order.filter { o[$0] != nil } + o.keys.filter { !order.contains($0) }.sorted()
            if keys.isEmpty {
                out += "{}"
                return
            }
            out += "{\n"
            for (i, k) in keys.enumerated() {
                out += pad
                JSONValue.writeString(k, to: &out)
                out += ": "
                pretty(o[k]!, indent: indent + 1, into: &out)
                out += i == keys.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        case .array(let a) where !a.isEmpty:
            out += "[\n"
            for (i, x) in a.enumerated() {
                out += pad
                pretty(x, indent: indent + 1, into: &out)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        default:
            v.write(to: &out)
        }
    }
}
