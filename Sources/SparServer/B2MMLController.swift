import Foundation
import Hummingbird
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

/// B2MML over HTTP: `POST /api/import/b2mml` and the `GET /api/export/b2mml/…` documents.
struct B2MMLController {
    let live: LiveLedger

    func register(on router: Router<SparRequestContext>) {
        router.post("/api/import/b2mml", use: importB2MML)
        router.get("/api/export/b2mml/equipment", use: equipment)
        router.get("/api/export/b2mml/performance", use: performance)
    }

    /// `POST /api/import/b2mml?source=SYSTEM[&file=NAME][&reason=TEXT]`: the body is one B2MML message. Its events
    /// are ingested as one batch (the same checks as `POST /api/events`), its master data becomes a plant model
    /// change request, and the import is recorded in the ledger.
    @Sendable func importB2MML(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeWrite()
        let q = QueryParameters(request)
        let principal = context.caller.principal
        let source: String
        if let s = q.string("source") {
            source = s
        } else if let p = principal, p.kind == .system {
            source = p.id
        } else {
            throw ProblemDetails.badRequest(
                "missing-parameter", "query parameter 'source' (the system that sent the message) is required",
                field: "source")
        }
        var request = request
        let data = Data(buffer: try await request.collectBody(upTo: context.maxUploadSize))
        guard !data.isEmpty else { throw ProblemDetails.badRequest("empty-body", "the body holds no B2MML message") }
        let file = q.string("file") ?? "(http upload)"
        let reading: B2MML.Reading
        do {
            reading = try B2MML.read(data, model: live.model, source: source)
        } catch {
            let code = error.problem.reason.hasPrefix("not a B2MML document") ? "not-b2mml" : "malformed-xml"
            throw ProblemDetails.badRequest(code, error.description, field: "body")
        }
        // Numbered by position (the live projection keys a batch by line); answered with each event's XML line.
        let decoded = reading.events.enumerated().map {
            (line: $0.offset + 1, result: Result<Event, EventRejection>.success($0.element.event))
        }
        let outcome = try await live.post(decoded, contentType: "application/xml", principal: principal)
        let actor = principal ?? .local(live.recordedBy, station: "http")
        let (cr, open, problem) = try await ImportB2MML.proposeMasterData(
            reading, file: file, governance: Governance(store: live.store, clock: live.now), principal: actor,
            reason: q.string("reason"), effectiveAt: live.now())
        let refused = reading.problems.count + outcome.rejected + (problem == nil ? 0 : 1)
        let summary = LedgerImportRecord.Summary(
            format: "b2mml", file: file, data: data, rows: reading.records.values.reduce(0, +),
            accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: refused, changeRequest: cr?.id)
        try await live.recordImport(summary, principal: principal)
        func located(_ p: XMLTree.Problem) -> JSONValue {
            var o: [String: JSONValue] = ["reason": .string(p.reason)]
            if let l = p.line { o["line"] = .number(Double(l)) }
            if let path = p.path { o["path"] = .string(path) }
            return .object(o)
        }
        var masterData: [String: JSONValue] = ["changes": .array(reading.masterDataChanges.map(JSONValue.string))]
        if let cr { masterData["changeRequest"] = .string(cr.id) }
        if let open { masterData["alreadyProposed"] = .string(open) }
        if let problem { masterData["problem"] = .string(problem) }
        var json = APIController.json(outcome)
        if case .object(var o) = json, case .array(let results)? = o["results"] {
            o["results"] = .array(
                results.map { r in
                    guard case .object(var item) = r, let n = r["line"]?.numberValue.map({ Int($0) - 1 }),
                        reading.events.indices.contains(n)
                    else { return r }
                    item["line"] = .number(Double(reading.events[n].line))
                    item["path"] = .string(reading.events[n].path)
                    return .object(item)
                })
            o["import"] = .object([
                "format": .string("b2mml"), "version": .string(reading.version), "root": .string(reading.root),
                "file": .string(file), "sha256": .string(summary.sha256),
                "records": .object(reading.records.mapValues { .number(Double($0)) }),
                "refused": .array(reading.problems.map(located)), "notKept": .array(reading.notKept.map(located)),
                "masterData": .object(masterData),
            ])
            json = .object(o)
        }
        return JSONText(json)
    }

    /// `GET /api/export/b2mml/equipment`: the hierarchy of the caller's sites as B2MML V0700 `EquipmentInformation`.
    @Sendable func equipment(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let model = live.model
        let sites = Set(model.sites.map(\.id).filter { context.caller.mayRead(site: $0) })
        return Self.xml(ExportB2MML.equipment(model: model, sites: sites))
    }

    /// `GET /api/export/b2mml/performance?scope=&from=&to=`: orders' performance as B2MML V0700
    /// `OperationsPerformance`.
    @Sendable func performance(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        let q = QueryParameters(request)
        let scope = try q.require("scope")
        try context.caller.authorizeRead(scope: scope, model: live.model)
        let from = try q.requireTime("from")
        let to = try q.requireTime("to")
        guard from < to else { throw ProblemDetails.badRequest("empty-window", "from must be before to", field: "to") }
        let path = EquipmentPath(scope)
        let model = live.model
        guard path.components.first == model.enterprise,
            path.isWorkUnit ? model.resolvedWorkUnits.contains(where: { $0.path == path })
                : model.resolvedWorkUnits.contains(where: { path.isPrefix(of: $0.path) })
        else {
            throw ProblemDetails.badRequest("unknown-scope", "'\(scope)' is not equipment of the plant model", field: "scope")
        }
        let data = try await ExportB2MML.performance(
            store: live.store, model: model, scope: path, window: Interval(from, to))
        return Self.xml(data)
    }

    static func xml(_ data: Data) -> JSONText {
        JSONText(String(decoding: data, as: UTF8.self), contentType: "application/xml; charset=utf-8")
    }
}
