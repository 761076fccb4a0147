import Foundation
import SparCore
import SparInterchange
import SparStorage

/// The lineage of a KPI value as JSON (`GET /api/kpi/lineage`, `spar kpi --lineage-events --format json`), CSV
/// and text.
public enum KPILineageReport {
    /// How an event sits against the window, in words.
    public static func edgeText(_ edge: KPILineageEvents.Edge?) -> String? {
        switch edge {
        case .inForceAtStart?: "began before the window, in force at its start"
        case .openAtStart?: "open at the window start"
        case .runsPastEnd?: "still in force at the window end"
        case nil: nil
        }
    }

    /// The elements a KPI reads with their values (every element of the result when `kpi` is nil).
    public static func elements(_ result: KPIResult, kpi: KPIDefinition?) -> [(String, Double?)] {
        guard let kpi else { return result.elementValues.map { ($0.0, $0.1) } }
        let values = Dictionary(result.elementValues, uniquingKeysWith: { a, _ in a })
        return kpi.elements.map { ($0, values[$0]) }
    }

    /// One listed event.
    public static func json(_ item: KPILineageEvents.Item, auditPath: String = "/audit/entries/") -> JSONValue {
        let e = item.entry
        var o: [String: JSONValue] = [
            "seq": .number(Double(e.seq)), "id": .string(e.entry.id), "type": .string(e.entry.type),
            "unit": .string(e.entry.unit), "source": .string(e.entry.source), "ts": .string(e.entry.ts.rfc3339),
            "recordedAt": .string(e.recordedAt.rfc3339), "recordedBy": .string(e.recordedBy),
            "hash": .string(e.hash.hex),
            "audit": .string(auditPath + (e.entry.id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? e.entry.id)),
            "correctedBy": .array(item.correctedBy.map(JSONValue.string)), "voided": .bool(item.voided),
            "edge": item.edge.map { .string($0.rawValue) } ?? .null,
        ]
        if let c = item.counted {
            o["counted"] = .object([
                "from": .string(c.start.rfc3339), "to": .string(c.end.rfc3339),
                "seconds": .number(Double(c.end.milliseconds - c.start.milliseconds) / 1000),
            ])
        }
        o["body"] = (try? JSONValue.parse(Data(e.entry.body.utf8))) ?? .string(e.entry.body)
        return .object(o)
    }

    /// A page: the value, its elements, formula, versions and sources, the events and the cursor of the next page.
    public static func json(
        scope: EquipmentPath, window: Interval, result: KPIResult, kpi: KPIDefinition?, query: KPILineageEvents.Query,
        page: KPILineageEvents.Page
    ) -> JSONValue {
        var o: [String: JSONValue] = [
            "scope": .string(scope.description), "from": .string(window.start.rfc3339),
            "to": .string(window.end.rfc3339),
            "definitionVersion": .string(result.lineage.definitionVersion),
            "formulaVersion": .string(result.lineage.formulaVersion),
            "plantModelVersion": result.lineage.plantModelVersion.map(JSONValue.string) ?? .null,
            "blueprintVersion": result.lineage.blueprintVersion.map(JSONValue.string) ?? .null,
            "sources": .array(result.lineage.sources.map(JSONValue.string)),
            "ledgerEvents": .number(Double(result.lineage.events)),
            "elements": .object(
                Dictionary(
                    elements(result, kpi: kpi).map { ($0.0, $0.1.map(JSONValue.number) ?? .null) },
                    uniquingKeysWith: { a, _ in a })),
            "types": query.types.map { .array($0.map(JSONValue.string)) } ?? .null,
            "sourcesListed": query.sources.map { .array($0.map(JSONValue.string)) } ?? .null,
            "events": .array(page.items.map { json($0) }),
            "next": page.next.map { .string($0.description) } ?? .null,
        ]
        if let kpi {
            o["kpi"] = .object([
                "id": .string(kpi.id), "isoName": .string(kpi.isoName), "formula": .string(kpi.formula),
                "unit": .string(kpi.unit), "value": result.kpi(kpi.id)?.number.map(JSONValue.number) ?? .null,
            ])
        }
        return .object(o)
    }

    /// The CSV header of ``csv(_:)``.
    public static let csvColumns = [
        "seq", "id", "type", "unit", "source", "ts", "recordedAt", "recordedBy", "edge", "countedFrom", "countedTo",
        "countedSeconds", "correctedBy", "voided", "hash", "body",
    ]

    /// The events as CSV (``CSVText``: RFC 4180, CRLF, formula-guarded fields), one row per event.
    public static func csv(_ items: [KPILineageEvents.Item]) -> String {
        var rows = [csvColumns]
        for item in items {
            let e = item.entry
            rows.append([
                String(e.seq), e.entry.id, e.entry.type, e.entry.unit, e.entry.source, e.entry.ts.rfc3339,
                e.recordedAt.rfc3339, e.recordedBy, item.edge?.rawValue ?? "", item.counted?.start.rfc3339 ?? "",
                item.counted?.end.rfc3339 ?? "",
                item.counted.map { JSONValue.format(Double($0.end.milliseconds - $0.start.milliseconds) / 1000) } ?? "",
                item.correctedBy.joined(separator: ";"), item.voided ? "true" : "false", e.hash.hex, e.entry.body,
            ])
        }
        return CSVText.table(rows, numeric: [0, 11])
    }

    /// A readable table for the terminal.
    public static func text(
        scope: EquipmentPath, window: Interval, result: KPIResult, kpi: KPIDefinition?, page: KPILineageEvents.Page
    ) -> String {
        var lines: [String] = []
        let name = kpi.map { "\($0.isoName) (\($0.id))" } ?? "every KPI"
        lines.append("\(name) of \(scope) from \(window.start.rfc3339) to \(window.end.rfc3339)")
        if let kpi {
            let v = result.kpi(kpi.id)?.number.map { String(format: "%.4f", $0) } ?? "–"
            lines.append("  value \(v) = \(kpi.formula)")
        }
        lines.append(
            "  definition \(result.lineage.definitionVersion), formulas \(result.lineage.formulaVersion), sources \(result.lineage.sources.joined(separator: ", "))")
        lines.append(
            "  elements " + elements(result, kpi: kpi).map { "\($0.0) = \($0.1.map { String(format: "%g", $0) } ?? "–")" }.joined(separator: ", "))
        lines.append("")
        for item in page.items {
            let e = item.entry
            var line = "\(String(e.seq).leftPad(8))  \(e.entry.ts.rfc3339)  \(e.entry.type.rightPad(11)) \(e.entry.source.rightPad(16)) \(e.entry.unit)  \(e.entry.id)"
            if let c = item.counted {
                line += "  counted \((c.end.milliseconds - c.start.milliseconds) / 1000) s"
            }
            if let t = edgeText(item.edge) { line += "  [\(t)]" }
            if !item.correctedBy.isEmpty {
                line += "  \(item.voided ? "voided" : "corrected") by \(item.correctedBy.joined(separator: ", "))"
            }
            lines.append(line)
        }
        if let next = page.next { lines.append("more: --after \(next)") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    fileprivate func rightPad(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
