import Foundation
import Hummingbird
import SparCore
import SparInterchange

/// `GET /api/export/kpi-ml/…`: MESA KPI-ML V01 documents of the KPI definitions and of a scope's KPI values.
struct KPIMLController {
    let live: LiveLedger
    /// The server clock (each document's `CreationDateTime`).
    let now: @Sendable () -> Timestamp

    func register(on router: Router<SparRequestContext>) {
        router.get("/api/export/kpi-ml/definitions", use: definitions)
        router.get("/api/export/kpi-ml/values", use: values)
    }

    /// The 34 KPIs of `?definition=` (default: the ledger's version in force) as a `SyncKPIDefinition`.
    @Sendable func definitions(_ request: Request, context: SparRequestContext) async throws -> XMLBody {
        try context.caller.authorizeRead()
        let q = QueryParameters(request)
        let snapshot = await live.snapshot()
        let id = q.string("definition") ?? snapshot.definitions.inForce
        guard let version = KPICatalogue.version(id) else {
            throw ProblemDetails.badRequest(
                "unknown-definition",
                "'\(id)' is not a KPI definition version; known: \(KPICatalogue.versions.map(\.id).joined(separator: ", "))",
                field: "definition")
        }
        return XMLBody(KPIML.definitionsDocument(version, createdAt: now()))
    }

    /// The KPI values of `GET /api/kpi` for the same query (same parameters, same site scoping) as a `SyncKPIValue`.
    @Sendable func values(_ request: Request, context: SparRequestContext) async throws -> XMLBody {
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
        return XMLBody(KPIML.valuesDocument(result, createdAt: now()))
    }
}

/// An XML document as a response (`application/xml`).
struct XMLBody: ResponseGenerator {
    var data: Data

    init(_ data: Data) { self.data = data }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let buffer = ByteBuffer(bytes: data)
        return Response(
            status: .ok,
            headers: [.contentType: "application/xml", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer))
    }
}
