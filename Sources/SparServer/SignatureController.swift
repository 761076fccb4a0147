import Foundation
import Hummingbird
import SparCore
import SparGovernance
import SparInterchange
import SparStorage

/// Electronic signatures over HTTP (21 CFR 11.50, 11.70, 11.200): `POST /api/signatures` signs a ledger entry for the
/// signed-in user, who re-enters the password — with the user id at the first signing of the session or after the
/// signing timeout — and `GET /api/signatures?record=` lists a record's signatures as manifestations.
///
/// An entry of another site's work unit (an event, or a signature of one) is answered exactly as an id the ledger does
/// not hold — 404 `not-found`, "no ledger entry ID" — on both routes, so that the answers tell a site-scoped caller
/// nothing about which ids exist at other sites.
struct SignatureController {
    let authenticator: Authenticator

    func register(on router: Router<SparRequestContext>) {
        router.post("/api/signatures", use: sign)
        router.get("/api/signatures", use: list)
    }

    /// The signed-in user and their session id; tokens and open mode cannot sign.
    func signer(_ context: SparRequestContext) throws -> (Principal, String) {
        guard case .principal(let p, _, let session?) = context.caller, p.kind == .user else {
            throw ProblemDetails.forbidden("only a signed-in user can sign; sign in with your user id and password first")
        }
        return (p, session)
    }

    @Sendable func sign(_ request: Request, context: SparRequestContext) async throws -> Response {
        let (principal, session) = try signer(context)
        var request = request
        let body = try await request.collectBody(upTo: AuthController.maxFormBytes)
        guard let json = try? JSONValue.parse(Data(buffer: body)), case .object(let o) = json else {
            throw ProblemDetails.badRequest(
                "malformed-json", #"send {"record": "…", "meaning": "approved", "password": "…"} (and "user" at the first signing)"#)
        }
        func text(_ key: String) -> String? { o[key]?.stringValue }
        guard let record = text("record"), !record.isEmpty else {
            throw ProblemDetails.badRequest("missing-parameter", "the record (a ledger entry id) is required", field: "record")
        }
        guard let meaningText = text("meaning"), let meaning = SignatureMeaning(rawValue: meaningText) else {
            throw ProblemDetails.badRequest(
                "invalid-parameter",
                "meaning must be one of \(SignatureMeaning.allCases.map(\.rawValue).joined(separator: ", "))",
                field: "meaning")
        }
        guard let password = text("password"), !password.isEmpty else {
            throw ProblemDetails.badRequest("missing-parameter", "re-enter your password to sign", field: "password")
        }
        if let wait = await authenticator.admitSigning(address: context.clientAddress, user: principal.name) {
            var p = ProblemDetails(
                .tooManyRequests, code: "too-many-requests", title: ProblemDetails.title("too-many-requests"),
                detail: "too many signing attempts for \(principal.name); try again in \(wait) s")
            p.headers[.retryAfter] = String(wait)
            throw p
        }
        try await visibleEntry(record, caller: context.caller)
        do {
            let (m, next) = try await authenticator.sign(
                record: record, meaning: meaning, reason: text("reason"),
                credentials: Credentials(user: text("user"), password: password), session: session,
                station: context.station)
            guard case .object(var out) = Governance.json(m) else { throw ProblemDetails.forbidden("no signature") }
            out["nextSigningNeeds"] = .string(next.rawValue)
            var response = JSONText(.object(out)).response
            response.status = .created
            return response
        } catch let e as GovernanceError {
            throw Self.problem(e)
        }
    }

    @Sendable func list(_ request: Request, context: SparRequestContext) async throws -> Response {
        try context.caller.authorizeRead()
        guard let record = QueryParameters(request).string("record"), !record.isEmpty else {
            throw ProblemDetails.badRequest("missing-parameter", "record (a ledger entry id) is required", field: "record")
        }
        let governance = authenticator.governance
        try await visibleEntry(record, caller: context.caller)
        let signatures = try await governance.signatures(of: record).map(Governance.json)
        var out: [String: JSONValue] = ["record": .string(record), "signatures": .array(signatures)]
        if let session = context.caller.session {
            out["nextSigningNeeds"] = .string(try await authenticator.requiredComponents(session: session).rawValue)
        }
        return JSONText(.object(out)).response
    }

    /// The ledger entry `record` when the caller may see it; else the same 404 as for an id the ledger does not hold.
    @discardableResult
    func visibleEntry(_ record: String, caller: Caller) async throws -> LedgerEntry {
        guard let entry = try await authenticator.governance.store.entry(id: record),
            (entry.entry.kind != .event && entry.entry.kind != .signature)
                || (EquipmentPath(entry.entry.unit).siteID.map(caller.sites.contains) ?? true)
        else {
            throw Self.unknownRecord(record)
        }
        return entry
    }

    /// 404 `not-found` for a record id that the caller cannot see, whether or not the ledger holds it.
    static func unknownRecord(_ record: String) -> ProblemDetails {
        ProblemDetails.notFound("not-found", "no ledger entry \(record)")
    }

    static func problem(_ e: GovernanceError) -> ProblemDetails {
        switch e.code {
        case .authenticationFailed:
            return ProblemDetails(
                .forbidden, code: "signing-failed", title: ProblemDetails.title("signing-failed"), detail: e.message,
                field: e.field)
        case .notFound:
            return ProblemDetails.notFound("not-found", e.message)
        case .invalid:
            return ProblemDetails.badRequest("invalid-parameter", e.message, field: e.field)
        case .denied:
            return ProblemDetails.forbidden(e.message)
        case .locked, .disabled, .conflict:
            return AuthController.problem(e)
        }
    }
}
