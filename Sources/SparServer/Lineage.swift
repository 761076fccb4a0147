import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparStorage

/// "Where does this value come from": a KPI value of a scope and window with its elements, formula, definition
/// version and sources, and one page of the ledger events behind it. Shared by `GET /api/kpi/lineage`, its CSV form
/// and the lineage page.
struct LineageView {
    var scope: EquipmentPath
    var window: Interval
    /// The KPI asked for; nil lists the events behind every KPI of the scope.
    var kpi: KPIDefinition?
    var result: KPIResult
    var query: KPILineageEvents.Query
    var page: KPILineageEvents.Page
    var zone: LocalTime

    /// Reads the request: `scope`, `from`, `to` (required), `kpi`, `source` and `type` (comma-separated), `after`
    /// (the previous page's `next`), `limit` (1…1000, default 100), `definition`.
    static func read(
        _ q: QueryParameters, caller: Caller, live: LiveLedger, zone: (EquipmentPath) -> LocalTime, pageLimit: Int? = nil
    ) async throws -> LineageView {
        let scopeText = try q.require("scope")
        try caller.authorizeRead(scope: scopeText, model: live.model)
        let scope = EquipmentPath(scopeText)
        let from = try q.requireTime("from")
        let to = try q.requireTime("to")
        guard from < to else { throw ProblemDetails.badRequest("empty-window", "to must be after from", field: "to") }
        let snapshot = await live.snapshot()
        var result = try await APIController.result(
            snapshot.kpi, KPIQuery(scope: scope, from: from, to: to), definitions: snapshot.definitions,
            requested: q.string("definition"))
        result.lineage.blueprintVersion = snapshot.blueprintVersion
        var kpi: KPIDefinition?
        if let id = q.string("kpi") {
            guard let d = result.definition.kpi(id) else {
                throw ProblemDetails.badRequest(
                    "unknown-kpi", "'\(id)' is not a KPI of definition \(result.definition.id); see /api/kpis", field: "kpi")
            }
            kpi = d
        }
        let units = snapshot.kpi.engine.units(in: scope).map(\.path.description)
        guard !units.isEmpty else {
            throw ProblemDetails.notFound(
                "unknown-scope", "'\(scopeText)' is not in the plant model (no work unit under it); see /api/equipment")
        }
        var types = kpi.map { KPILineageEvents.Query.types(forElements: $0.elements) }
        if let asked = q.list("type") {
            let known = Set(EventPayloadTypes.all)
            if let bad = asked.first(where: { !known.contains($0) }) {
                throw ProblemDetails.badRequest(
                    "invalid-parameter",
                    "type '\(bad)' is not an event type (\(EventPayloadTypes.all.joined(separator: ", ")))", field: "type")
            }
            types = types.map { t in t.filter(asked.contains) } ?? asked
        }
        var after: LedgerEventPosition?
        if let text = q.string("after") {
            guard let p = LedgerEventPosition(text) else {
                throw ProblemDetails.badRequest(
                    "invalid-parameter", "after '\(text)' is not a cursor (the 'next' of the previous page)", field: "after")
            }
            after = p
        }
        let limit = try pageLimit ?? q.int("limit", range: 1...1000) ?? 100
        let query = KPILineageEvents.Query(
            units: units, window: Interval(from, to), types: types, sources: q.list("source"), after: after, limit: limit)
        let page = try await KPILineageEvents(store: live.store).page(query)
        var view = LineageView(
            scope: scope, window: Interval(from, to), kpi: kpi, result: result, query: query, page: page,
            zone: zone(scope))
        view.typeFilter = q.list("type")
        return view
    }

    /// The KPI's elements with the values the definition read, in its order (every element when no KPI is named).
    var elements: [(String, Double?)] { KPILineageReport.elements(result, kpi: kpi) }

    /// The query string of this view with `after` replaced (nil drops it) and `extra` added.
    func href(_ path: String, after: LedgerEventPosition?, extra: [String: String] = [:]) -> String {
        var items: [(String, String)] = [
            ("scope", scope.description), ("from", window.start.rfc3339), ("to", window.end.rfc3339),
        ]
        if let kpi { items.append(("kpi", kpi.id)) }
        if let s = query.sources { items.append(("source", s.joined(separator: ","))) }
        if let t = typeFilterText { items.append(("type", t)) }
        if let after { items.append(("after", after.description)) }
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { items.append((k, v)) }
        return path + "?" + items.map { "\($0)=\(Self.encode($1))" }.joined(separator: "&")
    }

    /// The `type` filter as asked (not the KPI's own types), for links.
    var typeFilterText: String? { typeFilter?.joined(separator: ",") }
    var typeFilter: [String]? = nil

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "+&=#,")
        allowed.insert(",")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func edgeText(_ edge: KPILineageEvents.Edge?) -> String? { KPILineageReport.edgeText(edge) }

    var json: JSONValue {
        KPILineageReport.json(scope: scope, window: window, result: result, kpi: kpi, query: query, page: page)
    }
}

/// The event types of the event format.
enum EventPayloadTypes {
    static let all = [
        "state", "order", "count", "labor", "maintenance", "measurement", "material", "energy", "inspection", "correction",
    ]
}

extension QueryParameters {
    /// A comma-separated list; nil when absent or empty.
    func list(_ name: String) -> [String]? {
        guard let s = string(name) else { return nil }
        let items = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }
}
