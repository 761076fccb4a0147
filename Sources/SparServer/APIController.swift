import Foundation
import Hummingbird
import ServiceLifecycle
import SparCSV
import SparCore
import SparEngine
import SparInterchange
import SparPostgres

/// The HTTP API (`/api/…`), as specified in `Resources/openapi.json`.
struct APIController {
    let live: LiveLedger
    let staleAfterSeconds: Int64
    /// Ends event streams whose session ended (nil: none to check).
    var authenticator: Authenticator? = nil
    /// Column maps for CSV imports, by name.
    var csvMaps: [String: CSVMap] = [:]

    func register(on router: Router<SparRequestContext>) {
        router.post("/api/events", use: postEvents)
        router.post("/api/import/csv", use: importCSV)
        router.get("/api/kpi", use: kpi)
        router.get("/api/kpi/lineage", use: lineage)
        router.get("/api/kpis") { _, context in
            try context.caller.authorizeRead()
            return JSONText(APIController.catalogue)
        }
        router.get("/api/equipment") { _, context in
            try context.caller.authorizeRead()
            return JSONText(APIController.equipment(live.model, sites: context.caller.sites))
        }
        router.get("/api/reasons") { _, context in
            try context.caller.authorizeRead()
            return JSONText(APIController.reasons(live.model))
        }
        router.get("/api/systems", use: systems)
        router.get("/api/blueprint/analysis", use: blueprintAnalysis)
        router.get("/api/stream", use: stream)
        router.get("/health") { _, context in
            var health: [String: JSONValue] = ["status": .string("ok")]
            if context.caller.mayRead {
                let s = await live.snapshot().scoped(to: context.caller.sites)
                health["events"] = .number(Double(s.eventCount))
                health["plantModelVersion"] = .string(live.modelVersion)
                if let pg = live.store as? PostgresLedgerStore {
                    let c = pg.chainLockStatistics
                    health["chainLock"] = .object([
                        "appends": .number(Double(c.appends)), "waitSeconds": .number(c.waitSeconds),
                        "maxWaitSeconds": .number(c.maxWaitSeconds), "heldSeconds": .number(c.heldSeconds),
                    ])
                }
            }
            return JSONText(.object(health))
        }
    }

    // MARK: events

    @Sendable func postEvents(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeWrite()
        guard let format = EventBatchDecoder.Format(contentType: request.headers[.contentType]) else {
            throw ProblemDetails(
                .unsupportedMediaType, code: "unsupported-media-type", title: ProblemDetails.title("unsupported-media-type"),
                detail:
                    "Content-Type '\(request.headers[.contentType] ?? "none")' is not supported; send application/json (an array of events) or application/x-ndjson (one event per line)"
            )
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let decoded = try EventBatchDecoder.decode(Data(buffer: body), format: format)
        let outcome = try await live.post(decoded, contentType: format.rawValue, principal: context.caller.principal)
        return JSONText(APIController.json(outcome))
    }

    /// `POST /api/import/csv?map=NAME[&file=NAME.csv]`: the body is a CSV export read with a map the server was
    /// started with; rows become events and are ingested as a batch of `POST /api/events`, and the import is
    /// recorded in the ledger (file name, SHA-256, counts).
    @Sendable func importCSV(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeWrite()
        let q = QueryParameters(request)
        let name = try q.require("map")
        guard let map = csvMaps[name] else {
            let known = csvMaps.keys.sorted().joined(separator: ", ")
            throw ProblemDetails.badRequest(
                "unknown-map", "no CSV map named '\(name)' (the server has: \(known.isEmpty ? "none" : known))",
                field: "map")
        }
        var request = request
        let data = Data(buffer: try await request.collectBody(upTo: context.maxUploadSize))
        guard !data.isEmpty else { throw ProblemDetails.badRequest("empty-body", "the body holds no CSV file") }
        let importer = CSVImport(map: map, model: live.model)
        let rows: CSVRowReader
        do {
            rows = try importer.reader(data)
        } catch {
            throw ProblemDetails.badRequest(
                "malformed-csv", error.problems.map(\.description).joined(separator: "; "), field: "body")
        }
        var decoded: [(line: Int, result: Result<Event, EventRejection>)] = []
        while let row = rows.next() {
            switch row {
            case .event(let e):
                decoded.append((e.line, .success(e.event)))
            case .rejected(let line, let problems):
                let first = problems.first
                decoded.append(
                    (line, .failure(EventRejection(
                        line: line, id: nil, field: first?.column ?? first?.field ?? "",
                        reason: problems.map(\.description).joined(separator: "; ")))))
            }
        }
        let outcome = try await live.post(decoded, contentType: "text/csv", principal: context.caller.principal)
        let summary = LedgerImportRecord.Summary(
            format: "csv", file: q.string("file") ?? "(http upload)", data: data, rows: rows.rows,
            accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected)
        try await live.recordImport(summary, principal: context.caller.principal)
        var json = APIController.json(outcome)
        if case .object(var o) = json {
            o["import"] = .object([
                "map": .string(name), "file": .string(summary.file), "sha256": .string(summary.sha256),
                "rows": .number(Double(summary.rows)),
            ])
            json = .object(o)
        }
        return JSONText(json)
    }

    static func json(_ o: BatchOutcome) -> JSONValue {
        .object([
            "batch": .number(Double(o.batch)),
            "lines": .number(Double(o.lines.count)),
            "accepted": .number(Double(o.accepted)),
            "duplicates": .number(Double(o.duplicates)),
            "rejected": .number(Double(o.rejected)),
            "results": .array(
                o.lines.map { l in
                    var r: [String: JSONValue] = ["line": .number(Double(l.line)), "status": .string(l.status.rawValue)]
                    if let id = l.id { r["id"] = .string(id) }
                    if let reason = l.reason { r["reason"] = .string(reason) }
                    if let field = l.field { r["field"] = .string(field) }
                    return .object(r)
                }),
        ])
    }

    // MARK: KPIs

    @Sendable func kpi(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        let q = QueryParameters(request)
        let scope = try q.require("scope")
        try context.caller.authorizeRead(scope: scope, model: live.model)
        let from = try q.requireTime("from")
        let to = try q.requireTime("to")
        let snapshot = await live.snapshot()
        var result = try await APIController.result(
            snapshot.kpi, KPIQuery(scope: EquipmentPath(scope), from: from, to: to, shift: q.string("shift")),
            definitions: snapshot.definitions, requested: q.string("definition"))
        result.lineage.blueprintVersion = snapshot.blueprintVersion
        return JSONText(KPIResultJSON.text(result) + "\n")
    }

    /// The most events one lineage CSV holds.
    static let lineageCSVCap = 200_000

    /// `GET /api/kpi/lineage`: a KPI value's elements, formula, definition and sources, and one page of the ledger
    /// events behind it (``LineageView``).
    @Sendable func lineage(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        let q = QueryParameters(request)
        let view = try await LineageView.read(
            q, caller: context.caller, live: live, zone: { _ in LocalTime(identifier: "UTC")! })
        switch q.string("format") {
        case nil, "json": return JSONText(view.json)
        case "csv":
            var all = view.query
            all.after = nil
            let items = try await KPILineageEvents(store: live.store).all(all, cap: Self.lineageCSVCap + 1)
            guard items.count <= Self.lineageCSVCap else {
                throw ProblemDetails.badRequest(
                    "too-many-events",
                    "more than \(Self.lineageCSVCap) events lie behind this value: narrow the window or the scope, or filter by source or type (or page through the JSON)",
                    field: "format")
            }
            let name = "lineage-\(view.kpi?.id ?? "all")-\(view.scope.components.last ?? "scope").csv"
            return JSONText(KPILineageReport.csv(items), contentType: "text/csv; charset=utf-8", attachment: name)
        case let other?:
            throw ProblemDetails.badRequest("invalid-parameter", "format '\(other)' must be json or csv", field: "format")
        }
    }

    /// The projection's answer, its query errors as problem details.
    static func result(
        _ kpi: ProjectedKPI, _ query: KPIQuery, definitions: KPIDefinitionPolicy, requested: String? = nil
    ) async throws -> KPIResult {
        do {
            return try await kpi.result(query, definition: try definitions.definition(for: query.scope, requested: requested))
        } catch let error as KPIQueryError {
            switch error.kind {
            case .cancelled: throw CancellationError()
            default: throw ProblemDetails.badRequest(error.kind.rawValue, error.reason, field: error.field)
            }
        }
    }

    static let catalogue: JSONValue = .object([
        "formulaVersion": .string(KPICatalogue.formulaVersion),
        "definitionVersion": .string(KPICatalogue.defaultVersion),
        "kpis": .array(
            KPICatalogue.all.map { d in
                .object([
                    "id": .string(d.id), "isoName": .string(d.isoName), "formula": .string(d.formula),
                    "unit": .string(d.unit), "trend": .string(d.trend.rawValue),
                    "elements": .array(d.elements.map(JSONValue.string)),
                    "interpretation": d.interpretation.map(JSONValue.string) ?? .null,
                ])
            }),
    ])

    // MARK: plant model

    /// The plant hierarchy, with the sites of `sites` only.
    static func equipment(_ m: PlantModel, sites scope: SiteScope = .all) -> JSONValue {
        let units = Dictionary(m.resolvedWorkUnits.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        return .object([
            "enterprise": .string(m.enterprise),
            "path": .string(m.enterprise),
            "sites": .array(
                m.sites.filter { scope.contains($0.id) }.map { site in
                    let sp = EquipmentPath(components: [m.enterprise, site.id])
                    return .object([
                        "id": .string(site.id), "path": .string(sp.description), "timeZone": .string(site.timeZone),
                        "calendar": opt(site.calendar),
                        "areas": .array(
                            site.areas.map { area in
                                let ap = sp.appending(area.id)
                                return .object([
                                    "id": .string(area.id), "path": .string(ap.description), "calendar": opt(area.calendar),
                                    "workCenters": .array(
                                        area.workCenters.map { wc in
                                            let wp = ap.appending(wc.id)
                                            return .object([
                                                "id": .string(wc.id), "path": .string(wp.description),
                                                "kind": .string(wc.kind.rawValue), "calendar": opt(wc.calendar),
                                                "workUnits": .array(
                                                    wc.workUnits.map { u in
                                                        let up = wp.appending(u.id)
                                                        return .object([
                                                            "id": .string(u.id), "path": .string(up.description),
                                                            "calendar": opt(u.calendar),
                                                            "effectiveCalendar": opt(units[up]?.calendarID),
                                                            "timeZone": .string(site.timeZone),
                                                        ])
                                                    }),
                                            ])
                                        }),
                                ])
                            }),
                    ])
                }),
        ])
    }

    static func reasons(_ m: PlantModel) -> JSONValue {
        .object([
            "reasons": .array(
                m.reasons.map { r in
                    .object([
                        "code": .string(r.code), "category": .string(r.category.rawValue),
                        "failure": .bool(r.failure ?? false),
                    ])
                })
        ])
    }

    /// Source systems with the event counts and times of the caller's sites.
    @Sendable func systems(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let s = await live.snapshot().scoped(to: context.caller.sites)
        return JSONText(APIController.systems(live.model, snapshot: s, staleAfterSeconds: staleAfterSeconds))
    }

    static func systems(_ m: PlantModel, snapshot s: LiveSnapshot, staleAfterSeconds: Int64) -> JSONValue {
        var known = Set<String>()
        var rows: [JSONValue] = []
        func row(_ id: String, _ system: SourceSystem?) -> JSONValue {
            let a = s.sources[id] ?? SourceActivity()
            var o: [String: JSONValue] = [
                "id": .string(id), "events": .number(Double(a.events)),
                "lastEventTime": a.lastEventTime.map { .string($0.rfc3339) } ?? .null,
                "stale": .bool(isStale(a, latest: s.latestEventTime, staleAfterSeconds: staleAfterSeconds)),
                "inPlantModel": .bool(system != nil),
            ]
            if let system {
                o["kind"] = .string(system.kind.rawValue)
                o["validated"] = .bool(system.validated)
                if let owner = system.owner { o["owner"] = .string(owner) }
                if let version = system.version { o["version"] = .string(version) }
            }
            return .object(o)
        }
        for system in m.systems {
            known.insert(system.id)
            rows.append(row(system.id, system))
        }
        for id in s.sources.keys.sorted() where !known.contains(id) { rows.append(row(id, nil)) }
        return .object([
            "latestEventTime": s.latestEventTime.map { .string($0.rfc3339) } ?? .null,
            "staleAfterSeconds": .number(Double(staleAfterSeconds)),
            "systems": .array(rows),
        ])
    }

    /// A source is stale when its last event is more than `staleAfterSeconds` behind the latest event of any source
    /// (or it never sent one while others did).
    static func isStale(_ a: SourceActivity, latest: Timestamp?, staleAfterSeconds: Int64) -> Bool {
        guard let latest else { return false }
        guard let last = a.lastEventTime else { return true }
        return latest.milliseconds - last.milliseconds > staleAfterSeconds * 1000
    }

    // MARK: blueprint

    /// The analysis with the caller's sites only: their findings and gaps, recommendations that name no other site
    /// (built for the caller's sites), and the ledger-wide event count only for readers of every site.
    @Sendable func blueprintAnalysis(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        var hintSites: Set<String>?
        if case .sites(let sites) = context.caller.sites { hintSites = sites }
        var analysis: BlueprintAnalysis
        if let asOf = try QueryParameters(request).time("asOf") {
            guard let (a, _) = try await live.blueprintAnalysis(asOf: asOf, hintSites: hintSites) else {
                throw ProblemDetails.notFound("blueprint-not-recorded", "no MOM blueprint was in force at \(asOf.rfc3339)")
            }
            analysis = a
        } else {
            guard let a = try await live.blueprintAnalysis(hintSites: hintSites) else {
                throw ProblemDetails.notFound(
                    "blueprint-not-recorded",
                    "the ledger holds no MOM blueprint; record one with spar map record --db FILE --blueprint blueprint.yaml --reason TEXT")
            }
            analysis = a
        }
        if case .sites(let sites) = context.caller.sites {
            analysis.sites = analysis.sites.filter { sites.contains($0.site) }
            analysis.gaps = analysis.gaps.filter { sites.contains($0.site) }
            analysis.sitesWithoutBlueprint = analysis.sitesWithoutBlueprint.filter { sites.contains($0) }
            analysis.observedEvents = nil
        }
        return JSONText(BlueprintReportJSON.text(BlueprintReportJSON.analysis(analysis)))
    }

    // MARK: live updates

    /// Server-sent events: `event: batch` with the batch summary after every posted batch the caller may see, and
    /// `?max=N` ends the stream after N batches (for scripts and tests).
    ///
    /// Batches are numbered per stream: `batch` (and the SSE `id`) is 1 for the first batch this stream sends, 2 for
    /// the next, and `hello` has 0. The server-wide batch counter and projection generation count every site's
    /// posts, so the stream carries neither: a reader of some sites cannot count the batches of the others.
    @Sendable func stream(_ request: Request, context: SparRequestContext) async throws -> Response {
        try context.caller.authorizeRead()
        let max = try QueryParameters(request).int("max", range: 1...1_000_000)
        let sites = context.caller.sites
        let model = live.model
        let session = context.caller.session
        let authenticator = self.authenticator
        let (updates, continuation) = await live.subscribe()
        let snapshot = await live.snapshot().scoped(to: sites)
        let hello = LiveUpdate(
            batch: 0, accepted: 0, duplicates: 0, rejected: 0, latestEventTime: snapshot.latestEventTime, units: [])
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\nevent: hello\ndata: \(hello.json.canonical)\n\n"))
                var sent = 0
                // The stream ends on graceful shutdown, so that the server can drain its connections.
                try await withGracefulShutdownHandler {
                    for await all in updates {
                        // A reader of some sites sees only the batches that touched them, counted for them.
                        guard var update = all.scoped(to: sites, model: model) else { continue }
                        // The stream ends with its session (sign-out, timeout, a disabled or locked user).
                        if let session, let authenticator, await !authenticator.isLive(session: session) { break }
                        update.batch = sent + 1
                        try await writer.write(
                            ByteBuffer(string: "id: \(update.batch)\nevent: batch\ndata: \(update.json.canonical)\n\n"))
                        sent += 1
                        if let max, sent >= max { break }
                    }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                continuation.finish()
                try await writer.finish(nil)
            })
    }
}
