import Foundation
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparStorage

/// The lineage page (a KPI value back to its ledger events) and the audit-trail page of one ledger entry.
extension PageController {
    func lineagePage(_ v: LineageView) -> [String: Any] {
        let zone = v.zone
        let name = v.kpi?.isoName ?? "every KPI"
        let value = v.kpi.map { Format.kpi(v.result.kpi($0.id), unit: $0.unit) }
        let elements: [[String: Any]] = v.elements.map { e, value in
            [
                "name": e, "meaning": Self.derivedMeanings[e] ?? BlueprintElementMap.meaning(of: e),
                "value": value.map { Self.elementText(e, $0) } ?? "–",
                "fromCalendar": e == "POT" || e == "PBT",
            ]
        }
        let events: [[String: Any]] = v.page.items.map { item in
            let e = item.entry
            var row: [String: Any] = [
                "seq": e.seq, "id": e.entry.id, "type": e.entry.type, "source": e.entry.source,
                "unit": e.entry.unit.hasPrefix(v.scope.description + "/")
                    ? String(e.entry.unit.dropFirst(v.scope.description.count + 1)) : e.entry.unit.split(separator: "/").last.map(String.init) ?? e.entry.unit,
                "ts": Self.seconds(e.entry.ts, zone: zone), "recordedAt": Self.seconds(e.recordedAt, zone: nil),
                "recordedBy": e.recordedBy, "summary": Self.summary(e.entry.body),
                "audit": "/audit/entries/" + LineageView.encode(e.entry.id),
                "corrected": !item.correctedBy.isEmpty, "voided": item.voided,
                "corrections": item.correctedBy.map { ["id": $0, "href": "/audit/entries/" + LineageView.encode($0)] },
            ]
            if let text = LineageView.edgeText(item.edge) {
                row["edge"] = text
                row["edgeKind"] = item.edge?.rawValue ?? ""
            }
            if let c = item.counted {
                row["counted"] = Format.duration(milliseconds: c.end.milliseconds - c.start.milliseconds)
            }
            return row
        }
        let sources = v.result.lineage.sources
        let filterSources: [[String: Any]] = sources.map { s in
            ["id": s, "selected": v.query.sources?.contains(s) == true]
        }
        let types = v.kpi.map { KPILineageEvents.Query.types(forElements: $0.elements) } ?? EventPayloadTypes.all
        let filterTypes: [[String: Any]] = types.map { t in ["id": t, "selected": v.typeFilter?.contains(t) == true] }
        let scopeHref = Self.href(v.scope) + "?from=\(LineageView.encode(v.window.start.rfc3339))&to=\(LineageView.encode(v.window.end.rfc3339))"
        var model: [String: Any] = [
            "title": "Lineage · \(name) · \(v.scope.components.last ?? "")", "name": name,
            "scope": v.scope.description, "scopeHref": scopeHref,
            "from": Format.time(v.window.start, zone: zone), "to": Format.time(v.window.end, zone: zone),
            "fromRaw": v.window.start.rfc3339, "toRaw": v.window.end.rfc3339,
            "timeZone": zoneName(of: v.scope),
            "definitionVersion": v.result.lineage.definitionVersion, "formulaVersion": v.result.lineage.formulaVersion,
            "plantModelVersion": v.result.lineage.plantModelVersion ?? "–",
            "blueprintVersion": v.result.lineage.blueprintVersion ?? "none recorded",
            "sources": sources.joined(separator: ", "), "ledgerEvents": Format.grouped(Double(v.result.lineage.events)),
            "units": v.result.lineage.units,
            "elements": elements, "events": events, "hasEvents": !events.isEmpty,
            "filterSources": filterSources, "filterTypes": filterTypes,
            "kpiId": v.kpi?.id ?? "", "hasKPI": v.kpi != nil,
            "typesText": v.query.types?.joined(separator: ", ") ?? "every type",
            "jsonHref": v.href("/api/kpi/lineage", after: v.query.after),
            "csvHref": v.href("/api/kpi/lineage", after: nil, extra: ["format": "csv"]),
            "firstHref": v.query.after == nil ? "" : v.href("/lineage", after: nil),
        ]
        if let kpi = v.kpi {
            model["formula"] = kpi.formula
            model["value"] = value ?? "–"
            model["unit"] = kpi.unit
        }
        if let next = v.page.next { model["nextHref"] = v.href("/lineage", after: next) }
        return model
    }

    /// Plain words for the derived elements a KPI reads (the base ones come from ``BlueprintElementMap``).
    static let derivedMeanings: [String: String] = [
        "PBT": "planned busy time (POT − PDOT)", "AUBT": "actual unit busy time (APT + AUST + ADET)",
        "AUPT": "actual unit processing time (APT + AUST)", "PRUxPQ": "Σ planned run time per unit × produced quantity",
        "TH": "produced material quantity, every grade", "EPC": "rated capacity × POT (units' ratedRate)",
        "PQ1": "produced quantity at orders' first operation", "SQO": "scrap quantity at orders' first operation",
    ]

    /// An element's value as the scope page shows it: quantities as numbers, times in hours.
    static func elementText(_ e: String, _ v: Double) -> String {
        ["PQ", "GQ", "SQ", "RQ", "FE", "CM", "PL", "STL", "OL", "FGQ", "IGQ", "AI", "EC", "PSQ", "IP", "GP"].contains(e)
            ? Format.quantity(v) : Format.hours(v / 3600)
    }

    /// `2026-03-02 06:00:05 +01:00` (seconds kept: events are instants).
    static func seconds(_ t: Timestamp, zone: LocalTime?) -> String {
        let offset = Int(zone?.offsetSeconds(at: t) ?? 0)
        let text = t.rfc3339(offsetSeconds: offset)
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(8)) \(Format.offsetLabel(offset))"
    }

    /// The payload members of an event body, without those the table shows in columns.
    static func summary(_ body: String) -> String {
        guard case .object(let o)? = try? JSONValue.parse(Data(body.utf8)) else { return body }
        let skip: Set<String> = ["id", "ts", "unit", "source", "type"]
        return o.keys.sorted().filter { !skip.contains($0) }.map { k in
            let v = o[k]!
            if case .string(let s) = v { return "\(k) \(s)" }
            return "\(k) \(v.canonical)"
        }.joined(separator: " · ")
    }

    func entryPage(id: String, caller: Caller) async throws -> [String: Any] {
        guard let e = try await live.store.entry(id: id) else {
            throw ProblemDetails.notFound("unknown-entry", "no ledger entry has id '\(id)'")
        }
        if e.entry.kind == .event {
            try caller.authorizeRead(scope: e.entry.unit, model: live.model)
        } else {
            try caller.authorizeAllSites("ledger entry \(id) (\(e.entry.kind.rawValue))")
        }
        let unit = EquipmentPath(e.entry.unit)
        let zone = e.entry.kind == .event ? self.zone(of: unit) : nil
        let corrections = try await live.store.corrections(of: [e.entry.id])
        var target: LedgerEntry?
        if e.entry.type == "correction", case .object(let o)? = try? JSONValue.parse(Data(e.entry.body.utf8)),
            let t = o["corrects"]?.stringValue
        {
            target = try await live.store.entry(id: t)
        }
        let signatures = try await live.store.entries(kind: .signature).compactMap(Governance.manifestation(of:))
            .filter { $0.record == e.entry.id }
        let pretty = (try? JSONSerialization.data(
            withJSONObject: JSONSerialization.jsonObject(with: Data(e.entry.body.utf8)),
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? e.entry.body
        var model: [String: Any] = [
            "title": "Ledger entry \(e.seq)", "seq": e.seq, "id": e.entry.id, "kind": e.entry.kind.rawValue,
            "type": e.entry.type, "unit": e.entry.unit, "source": e.entry.source,
            "ts": Self.seconds(e.entry.ts, zone: zone), "tsUTC": e.entry.ts.rfc3339,
            "recordedAt": Self.seconds(e.recordedAt, zone: nil), "recordedBy": e.recordedBy, "hash": e.hash.hex,
            "body": pretty,
            "corrections": corrections.map { c in
                [
                    "id": c.entry.id, "href": "/audit/entries/" + LineageView.encode(c.entry.id),
                    "recordedAt": Self.seconds(c.recordedAt, zone: nil), "recordedBy": c.recordedBy,
                    "summary": Self.summary(c.entry.body),
                ] as [String: Any]
            },
            "corrected": !corrections.isEmpty,
            "signatures": signatures.map { ["text": $0.description] },
            "signed": !signatures.isEmpty,
            "isEvent": e.entry.kind == .event,
        ]
        if let target {
            model["target"] = ["id": target.entry.id, "href": "/audit/entries/" + LineageView.encode(target.entry.id)]
        }
        if e.entry.kind == .event, unit.depth >= 2 {
            model["unitHref"] = Self.href(unit)
        }
        return model
    }
}
