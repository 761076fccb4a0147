import Foundation
import Hummingbird
import SparCore
import SparEngine
import SparGovernance
import SparInterchange
import SparStorage

/// The execution record over HTTP: routings (proposed under change control), travelers and their steps, data values,
/// hold points, NCRs and their MRB dispositions, WIP, genealogy traces and the as-built record of a serial. Every write
/// is one use case of ``ExecutionLedger`` (signed ones through ``Governance``), so the server enforces the sequence,
/// the limits, the holds and the signatures; a refusal is 409 `execution-refused` naming the rule.
struct ExecutionController {
    let execution: ExecutionLedger
    let authenticator: Authenticator
    let recordedBy: String
    let now: @Sendable () -> Timestamp
    /// Called after every use case that succeeds: the live ledger tells SSE subscribers about derived events.
    var appended: @Sendable () async -> Void = {}

    var governance: Governance { authenticator.governance }

    func register(on router: Router<SparRequestContext>) {
        router.get("/api/routings", use: routings)
        router.post("/api/routings", use: proposeRouting)
        router.get("/api/travelers", use: travelers)
        router.post("/api/travelers", use: releaseTraveler)
        router.get("/api/travelers/:traveler", use: traveler)
        router.post("/api/travelers/:traveler/steps/:step/start", use: startStep)
        router.post("/api/travelers/:traveler/steps/:step/data", use: recordData)
        router.post("/api/travelers/:traveler/steps/:step/complete", use: completeStep)
        router.post("/api/travelers/:traveler/steps/:step/hold-point", use: signHoldPoint)
        router.post("/api/travelers/:traveler/consumptions", use: consume)
        router.post("/api/assemblies", use: assemble)
        router.post("/api/lots/splits", use: split)
        router.post("/api/lots/merges", use: merge)
        router.get("/api/wip", use: wip)
        router.get("/api/trace/forward", use: traceForward)
        router.get("/api/trace/backward", use: traceBackward)
        router.get("/api/serials/:serial/as-built", use: asBuilt)
        router.post("/api/serials/:serial/as-built/signatures", use: signAsBuilt)
        router.get("/api/serials/:serial/as-built/signatures", use: signedAsBuilt)
        router.get("/api/ncrs", use: ncrs)
        router.post("/api/ncrs", use: openNCR)
        router.get("/api/ncrs/:ncr", use: ncr)
        router.post("/api/ncrs/:ncr/disposition", use: disposition)
        router.post("/api/ncrs/:ncr/close", use: closeNCR)
        router.post("/api/execution/corrections", use: correct)
    }

    // MARK: Request helpers

    /// A JSON object body.
    struct Body {
        var o: [String: JSONValue]

        func string(_ key: String) throws -> String {
            guard let s = o[key]?.stringValue, !s.isEmpty else {
                throw ProblemDetails.badRequest("missing-parameter", "\(key) is required", field: key)
            }
            return s
        }

        func optionalString(_ key: String) -> String? { o[key]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }

        func number(_ key: String) throws -> Double {
            guard let n = o[key]?.numberValue, n.isFinite else {
                throw ProblemDetails.badRequest("invalid-parameter", "\(key) must be a number", field: key)
            }
            return n
        }

        func strings(_ key: String) -> [String] { (o[key]?.arrayValue ?? []).compactMap(\.stringValue) }

        func time(_ key: String) throws -> Timestamp? {
            guard let s = optionalString(key) else { return nil }
            guard let t = Timestamp(rfc3339: s) else {
                throw ProblemDetails.badRequest(
                    "invalid-time", "\(key) '\(s)' is not an RFC 3339 time with an offset", field: key)
            }
            return t
        }
    }

    func body(_ request: Request) async throws -> Body {
        var request = request
        let bytes = try await request.collectBody(upTo: 1 << 20)
        let data = Data(buffer: bytes)
        if let p = StrictJSON.problem(data) { throw ProblemDetails.badRequest("malformed-json", p.description) }
        guard let json = try? JSONValue.parse(data), case .object(let o) = json else {
            throw ProblemDetails.badRequest("malformed-json", "send a JSON object")
        }
        return Body(o: o)
    }

    /// Who records an unsigned fact: the signed-in user or token holder, or in open mode the server's principal.
    func principal(_ context: SparRequestContext) throws -> Principal {
        switch context.caller {
        case .open: return .local(recordedBy, station: context.station)
        case .principal(let p, _, _): return p
        case .anonymous: throw AuthenticationMiddleware.unauthenticated("sign in first")
        case .metrics(let p):
            throw ProblemDetails.forbidden("\(p.id) holds a metrics token, which reads /metrics and /health only")
        }
    }

    /// The signed-in user's session; tokens and open mode cannot sign.
    func session(_ context: SparRequestContext) throws -> (Principal, String) {
        guard case .principal(let p, _, let session?) = context.caller, p.kind == .user else {
            throw ProblemDetails.forbidden("only a signed-in user can sign; sign in with your user id and password first")
        }
        return (p, session)
    }

    func step(_ context: SparRequestContext) throws -> StepRef {
        let text = context.parameters.get("step") ?? ""
        guard let ref = ExecutionRecordJSON.stepRef(text) else {
            throw ProblemDetails.badRequest("invalid-parameter", "step '\(text)' must be like 10.20", field: "step")
        }
        return ref
    }

    /// Runs a use case, rendering its refusals as problem details.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let out = try await body()
            await appended()
            return out
        } catch let e as ExecutionError {
            throw Self.problem(e)
        } catch let e as GovernanceError {
            throw SignatureController.problem(e)
        } catch let e as ExecutionRecordProblem {
            throw ProblemDetails.badRequest("invalid-parameter", e.description, field: e.field)
        }
    }

    static func problem(_ e: ExecutionError) -> ProblemDetails {
        switch e {
        case .refused(let r):
            var p = ProblemDetails(
                .conflict, code: "execution-refused", title: ProblemDetails.title("execution-refused"), detail: r.reason)
            p.members = ["rule": .string(r.rule.rawValue), "event": .string(r.event.rawValue)]
            return p
        case .denied(let d):
            return d.site == nil ? .forbidden(d.description) : .forbiddenSite(d.description)
        case .invalid(let field, let reason):
            return .badRequest("invalid-parameter", reason, field: field)
        case .conflict(_, let reason):
            return ProblemDetails(.conflict, code: "conflict", title: ProblemDetails.title("conflict"), detail: reason)
        }
    }

    func created(_ r: ExecutionReceipt, signatures: [SignatureManifestation] = [], next: SignatureComponents? = nil)
        -> Response
    {
        var o: [String: JSONValue] = [
            "entry": .string(r.entryID), "seq": .number(Double(r.seq)), "event": ExecutionRecordJSON.json(r.event),
            "consequences": .array(
                r.consequences.map { c in
                    switch c {
                    case .ncrOpened(let ncr, let reason): .object(["ncrOpened": .string(ncr), "reason": .string(reason)])
                    }
                }),
        ]
        if !signatures.isEmpty { o["signatures"] = .array(signatures.map(Governance.json)) }
        if !r.derivedRejections.isEmpty { o["kpiWarnings"] = .array(r.derivedRejections.map(JSONValue.string)) }
        if let next { o["nextSigningNeeds"] = .string(next.rawValue) }
        var response = JSONText(.object(o)).response
        response.status = .created
        return response
    }

    /// Signs with the session's user: the password (and the user id at the first signing of the session).
    func signed(
        _ request: Request, _ context: SparRequestContext,
        _ use: (Body, ExecutionSigner) async throws -> SignedExecutionReceipt
    ) async throws -> Response {
        let b = try await body(request)
        let (signer, session) = try await sessionSigner(
            context, user: b.optionalString("user"), password: try b.string("password"),
            role: b.optionalString("role").flatMap(Role.init(rawValue:)))
        let s = try await run { try await use(b, signer) }
        await noteSigning(s, session: session)
        return created(s.receipt, signatures: s.signatures, next: governance.requiredComponents(session: s.sessions.first))
    }

    /// The signer for the session's user, admitted by the signing rate limit; `user` is needed at the session's first
    /// signing. Returns the session id to note the signing in (``noteSigning(_:session:)``).
    func sessionSigner(_ context: SparRequestContext, user: String?, password: String, role: Role?) async throws
        -> (ExecutionSigner, String)
    {
        let (principal, session) = try session(context)
        try await admitSigning(context, user: principal.name)
        let signing = try await authenticator.signingSession(session)
        return (ExecutionSigner(credentials: Credentials(user: user, password: password), role: role, session: signing), session)
    }

    /// Keeps the signer's updated signing session, so that the next signing needs the password only.
    func noteSigning(_ s: SignedExecutionReceipt, session: String) async {
        if let updated = s.sessions.first { try? await authenticator.noteSigning(session, updated) }
    }

    /// Refuses a signing attempt beyond the rate limit (as sign-ins are limited), with `Retry-After`.
    func admitSigning(_ context: SparRequestContext, user: String) async throws {
        if let wait = await authenticator.admitSigning(address: context.clientAddress, user: user) {
            var p = ProblemDetails(
                .tooManyRequests, code: "too-many-requests", title: ProblemDetails.title("too-many-requests"),
                detail: "too many signing attempts for \(user); try again in \(wait) s")
            p.headers[.retryAfter] = String(wait)
            throw p
        }
    }

    func visible(_ t: TravelerRecord, _ caller: Caller) -> Bool {
        guard case .sites = caller.sites else { return true }
        let sites = Set(t.operations.compactMap(\.operation.workCenter.siteID))
        return sites.isEmpty || sites.contains(where: caller.mayRead(site:))
    }

    // MARK: Routings

    @Sendable func routings(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let state = try await execution.current()
        let t = now()
        let all = state.routings.keys.sorted().flatMap { state.routings[$0] ?? [] }
        return JSONText(
            .object(["routings": .array(all.map { ExecutionReportJSON.routing($0, status: state.status(of: $0.id, at: t)) })]))
    }

    @Sendable func proposeRouting(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        guard let r = b.o["routing"] else {
            throw ProblemDetails.badRequest("missing-parameter", "routing is required", field: "routing")
        }
        let cr = try await run {
            let routing = try ExecutionRecordJSON.routing(r, record: "routing")
            return try await governance.propose(
                .routing(routing), reason: try b.string("reason"), effectiveAt: try b.time("effectiveAt") ?? now(), by: p)
        }
        var response = JSONText(
            .object([
                "changeRequest": .string(cr.id), "proposedVersion": .string(cr.proposedVersion),
                "baseVersion": cr.baseVersion.map(JSONValue.string) ?? .null, "state": .string(cr.state.label),
            ])
        ).response
        response.status = .created
        return response
    }

    // MARK: Travelers

    @Sendable func travelers(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let state = try await execution.current()
        let all = state.travelers.keys.sorted().compactMap { state.travelers[$0] }.filter { visible($0, context.caller) }
        return JSONText(.object(["travelers": .array(all.map(ExecutionReportJSON.traveler))]))
    }

    @Sendable func traveler(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let id = context.parameters.get("traveler") ?? ""
        guard let t = try await execution.current().travelers[id], visible(t, context.caller) else {
            throw ProblemDetails.notFound("not-found", "no traveler \(id)")
        }
        return JSONText(ExecutionReportJSON.traveler(t))
    }

    @Sendable func releaseTraveler(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        let item: TravelerItem
        if let serial = b.optionalString("serial") {
            item = .serial(serial)
        } else if let lot = b.optionalString("lot") {
            item = .lot(lot, quantity: Int(try b.number("quantity")))
        } else {
            throw ProblemDetails.badRequest("missing-parameter", "give serial, or lot and quantity", field: "serial")
        }
        let r = try await run {
            try await execution.releaseTraveler(
                try b.string("traveler"), workOrder: try b.string("workOrder"), partNumber: try b.string("partNumber"),
                item: item, by: p, at: try b.time("at"))
        }
        return created(r)
    }

    @Sendable func startStep(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        let ref = try step(context)
        let r = try await run {
            try await execution.startStep(
                traveler: context.parameters.get("traveler") ?? "", step: ref, qualifications: b.strings("qualifications"),
                tools: b.strings("tools"), by: p, at: try b.time("at"))
        }
        return created(r)
    }

    @Sendable func recordData(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        let ref = try step(context)
        let id = context.parameters.get("traveler") ?? ""
        let item = try b.string("item")
        let value: DataValue
        switch b.o["value"] {
        case .number(let n)?: value = .number(n)
        case .bool(let v)?:
            let type = try await execution.current().travelers[id]?.step(ref)?.dataItems.first { $0.id == item }?.type
            value = type == .passFail ? .passFail(v) : .boolean(v)
        case .string(let s)?:
            let type = try await execution.current().travelers[id]?.step(ref)?.dataItems.first { $0.id == item }?.type
            switch (type, s) {
            case (.passFail?, "pass"): value = .passFail(true)
            case (.passFail?, "fail"): value = .passFail(false)
            case (.number?, _):
                guard let n = Double(s), n.isFinite else {
                    throw ProblemDetails.badRequest("invalid-parameter", "'\(s)' is not a number", field: "value")
                }
                value = .number(n)
            default: value = .text(s)
            }
        default:
            throw ProblemDetails.badRequest(
                "missing-parameter", "value is required (a number, a string, true/false, \"pass\"/\"fail\")", field: "value")
        }
        let r = try await run {
            try await execution.recordValue(traveler: id, step: ref, item: item, value: value, by: p, at: try b.time("at"))
        }
        return created(r)
    }

    @Sendable func completeStep(_ request: Request, context: SparRequestContext) async throws -> Response {
        let ref = try step(context)
        let id = context.parameters.get("traveler") ?? ""
        return try await signed(request, context) { _, signer in
            try await governance.completeStep(
                traveler: id, step: ref, signer: signer, station: context.station, in: execution)
        }
    }

    @Sendable func signHoldPoint(_ request: Request, context: SparRequestContext) async throws -> Response {
        let ref = try step(context)
        let id = context.parameters.get("traveler") ?? ""
        return try await signed(request, context) { b, signer in
            let meaning = b.optionalString("meaning").flatMap(ExecutionSignatureMeaning.init(rawValue:)) ?? .inspected
            return try await governance.signHoldPoint(
                traveler: id, step: ref, meaning: meaning, signer: signer, reason: b.optionalString("reason"),
                station: context.station, in: execution)
        }
    }

    @Sendable func consume(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        let ref = try b.optionalString("step").map { s in
            guard let r = ExecutionRecordJSON.stepRef(s) else {
                throw ProblemDetails.badRequest("invalid-parameter", "step '\(s)' must be like 10.20", field: "step")
            }
            return r
        }
        let r = try await run {
            try await execution.consume(
                MaterialConsumed(
                    traveler: context.parameters.get("traveler") ?? "", step: ref, lot: try b.string("lot"),
                    material: try b.string("material"), quantity: try b.number("quantity")), by: p, at: try b.time("at"))
        }
        return created(r)
    }

    @Sendable func assemble(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        let r = try await run {
            try await execution.assemble(
                SerialAssembled(
                    parent: try b.string("parent"), component: try b.string("component"),
                    position: b.optionalString("position")), by: p, at: try b.time("at"))
        }
        return created(r)
    }

    func portions(_ b: Body, _ key: String) throws -> [LotPortion] {
        try (b.o[key]?.arrayValue ?? []).map { v in
            guard let lot = v["lot"]?.stringValue, let q = v["quantity"]?.numberValue else {
                throw ProblemDetails.badRequest("invalid-parameter", "\(key) takes [{lot, quantity}]", field: key)
            }
            return LotPortion(lot: lot, quantity: q)
        }
    }

    @Sendable func split(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        let into = try portions(b, "into")
        let r = try await run {
            try await execution.split(
                LotSplit(source: try b.string("source"), sourceQuantity: b.o["sourceQuantity"]?.numberValue, into: into),
                by: p, at: try b.time("at"))
        }
        return created(r)
    }

    @Sendable func merge(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        let sources = try portions(b, "sources")
        let r = try await run {
            try await execution.merge(LotsMerged(sources: sources, into: try b.string("into")), by: p, at: try b.time("at"))
        }
        return created(r)
    }

    // MARK: WIP and genealogy

    @Sendable func wip(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let state = try await execution.current()
        let t = now()
        let rows = state.wip.filter { e in state.travelers[e.traveler].map { visible($0, context.caller) } ?? false }
        return JSONText(.object(["wip": .array(rows.map { ExecutionReportJSON.wip($0, at: t) })]))
    }

    func node(_ request: Request) throws -> GenealogyNode {
        let q = QueryParameters(request)
        switch (q.string("serial"), q.string("lot")) {
        case (let s?, nil): return .serial(s)
        case (nil, let l?): return .lot(l)
        default: throw ProblemDetails.badRequest("missing-parameter", "give serial or lot", field: "serial")
        }
    }

    @Sendable func traceForward(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        return JSONText(ExecutionReportJSON.forward(try await execution.traceForward(try node(request))))
    }

    @Sendable func traceBackward(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        return JSONText(ExecutionReportJSON.backward(try await execution.traceBackward(try node(request))))
    }

    @Sendable func asBuilt(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let serial = context.parameters.get("serial") ?? ""
        guard let a = try await execution.asBuilt(serial: serial), visible(a.traveler, context.caller) else {
            throw ProblemDetails.notFound("not-found", "serial \(serial) has no traveler")
        }
        return JSONText(ExecutionReportJSON.asBuilt(a, at: now()))
    }

    /// Signs the serial's as-built record as quality and answers the signed `spar-as-built-1` document (201).
    @Sendable func signAsBuilt(_ request: Request, context: SparRequestContext) async throws -> Response {
        let serial = context.parameters.get("serial") ?? ""
        guard let a = try await execution.asBuilt(serial: serial), visible(a.traveler, context.caller) else {
            throw ProblemDetails.notFound("not-found", "serial \(serial) has no traveler")
        }
        let b = try await body(request)
        let (signer, session) = try await sessionSigner(
            context, user: b.optionalString("user"), password: try b.string("password"),
            role: b.optionalString("role").flatMap(Role.init(rawValue:)))
        let meaning = b.optionalString("meaning").flatMap(ExecutionSignatureMeaning.init(rawValue:)) ?? .approved
        let d = try await run {
            try await governance.signAsBuilt(
                serial: serial, meaning: meaning, signer: signer, station: context.station, in: execution)
        }
        await noteSigning(d.receipt, session: session)
        var response = JSONText(d.json).response
        response.status = .created
        return response
    }

    /// The serial's signed as-built documents, oldest first, produced again from the ledger.
    @Sendable func signedAsBuilt(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let serial = context.parameters.get("serial") ?? ""
        guard let a = try await execution.asBuilt(serial: serial), visible(a.traveler, context.caller) else {
            throw ProblemDetails.notFound("not-found", "serial \(serial) has no traveler")
        }
        return JSONText(.object(["documents": .array(try await governance.signedAsBuilt(serial: serial, in: execution))]))
    }

    // MARK: NCRs

    @Sendable func ncrs(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let state = try await execution.current()
        let t = now()
        let all = state.ncrs.values.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }.filter { n in
            n.traveler.flatMap { state.travelers[$0] }.map { visible($0, context.caller) } ?? context.caller.readsEverySite
        }
        return JSONText(.object(["ncrs": .array(all.map { ExecutionReportJSON.ncr($0, at: t) })]))
    }

    @Sendable func ncr(_ request: Request, context: SparRequestContext) async throws -> JSONText {
        try context.caller.authorizeRead()
        let id = context.parameters.get("ncr") ?? ""
        let state = try await execution.current()
        guard let n = state.ncrs[id],
            n.traveler.flatMap({ state.travelers[$0] }).map({ visible($0, context.caller) })
                ?? context.caller.readsEverySite
        else {
            throw ProblemDetails.notFound("not-found", "no NCR \(id)")
        }
        return JSONText(ExecutionReportJSON.ncr(n, at: now()))
    }

    @Sendable func openNCR(_ request: Request, context: SparRequestContext) async throws -> Response {
        let p = try principal(context)
        let b = try await body(request)
        let state = try await execution.current()
        let traveler = b.optionalString("traveler")
        let item: GenealogyNode
        var part = b.optionalString("partNumber")
        if let traveler {
            guard let t = state.travelers[traveler] else {
                throw ProblemDetails.notFound("not-found", "no traveler \(traveler)")
            }
            item = t.item.node
            part = part ?? t.partNumber
        } else if let s = b.optionalString("serial") {
            item = .serial(s)
        } else if let l = b.optionalString("lot") {
            item = .lot(l)
        } else {
            throw ProblemDetails.badRequest("missing-parameter", "give traveler, serial or lot", field: "traveler")
        }
        let r = try await run {
            try await execution.openNCR(
                NCROpened(
                    ncr: try b.string("ncr"), traveler: traveler, item: item, partNumber: try part ?? b.string("partNumber"),
                    quantity: Int(b.o["quantity"]?.numberValue ?? 1), characteristic: try b.string("characteristic"),
                    foundValue: try b.string("foundValue"), requirement: try b.string("requirement"),
                    cause: try b.string("cause")), by: p, at: try b.time("at"))
        }
        return created(r)
    }

    /// The MRB disposition: each member in `signatures` (`user`, `password`, optional `role`) re-authenticates.
    @Sendable func disposition(_ request: Request, context: SparRequestContext) async throws -> Response {
        _ = try session(context)
        let id = context.parameters.get("ncr") ?? ""
        let b = try await body(request)
        let text = try b.string("disposition")
        guard let d = Disposition(rawValue: text) else {
            throw ProblemDetails.badRequest(
                "invalid-parameter",
                "disposition must be one of \(Disposition.allCases.map(\.rawValue).joined(separator: ", "))",
                field: "disposition")
        }
        var signers: [ExecutionSigner] = []
        for (i, s) in (b.o["signatures"]?.arrayValue ?? []).enumerated() {
            guard let user = s["user"]?.stringValue, let password = s["password"]?.stringValue else {
                throw ProblemDetails.badRequest(
                    "missing-parameter", "signatures[\(i)] needs user and password", field: "signatures")
            }
            try await admitSigning(context, user: user)
            signers.append(
                ExecutionSigner(
                    credentials: Credentials(user: user, password: password),
                    role: s["role"]?.stringValue.flatMap(Role.init(rawValue:))))
        }
        guard !signers.isEmpty else {
            throw ProblemDetails.badRequest("missing-parameter", "signatures are required", field: "signatures")
        }
        let s = try await run {
            let ops = try (b.o["addedOperations"]?.arrayValue ?? []).map { v in
                try ExecutionRecordJSON.routing(
                    .object(["partNumber": .string("-"), "revision": .string("-"), "operations": .array([v])]),
                    record: "addedOperations"
                ).operations[0]
            }
            return try await governance.disposition(
                ncr: id, d, addedOperations: ops, rationale: try b.string("rationale"), signers: signers,
                station: context.station, in: execution)
        }
        return created(s.receipt, signatures: s.signatures)
    }

    @Sendable func closeNCR(_ request: Request, context: SparRequestContext) async throws -> Response {
        let id = context.parameters.get("ncr") ?? ""
        return try await signed(request, context) { b, signer in
            try await governance.closeNCR(
                ncr: id, signer: signer, reason: b.optionalString("reason"), station: context.station, in: execution)
        }
    }

    @Sendable func correct(_ request: Request, context: SparRequestContext) async throws -> Response {
        try await signed(request, context) { b, signer in
            let target = try b.string("corrects")
            let id = EventID(target.hasPrefix("execution:") ? String(target.dropFirst("execution:".count)) : target)
            let replacement: EntryCorrected.Replacement
            if b.o["void"] == .bool(true) {
                replacement = .void
            } else if let lot = b.optionalString("lot") {
                replacement = .consumption(lot: lot, quantity: try b.number("quantity"))
            } else {
                switch b.o["value"] {
                case .number(let n)?: replacement = .value(.number(n))
                case .string(let s)? where s == "pass" || s == "fail": replacement = .value(.passFail(s == "pass"))
                case .string(let s)?: replacement = .value(.text(s))
                case .bool(let v)?: replacement = .value(.boolean(v))
                default:
                    throw ProblemDetails.badRequest(
                        "missing-parameter", "give value, lot and quantity, or void: true", field: "value")
                }
            }
            return try await governance.correctExecutionEntry(
                id, replacement: replacement, reason: try b.string("reason"), signer: signer, station: context.station,
                in: execution)
        }
    }
}
