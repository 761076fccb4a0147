import Foundation
import Hummingbird
import SparCore
import SparEngine
import SparGovernance
import SparInterchange

/// The operator pages of the execution record, for a tablet at the machine: my travelers, one traveler with its
/// current step (start, record values, complete, hold-point sign-off), the WIP board, a serial's genealogy and a lot's
/// forward trace, the NCR queue and one NCR with its MRB disposition and closure.
///
/// Every form posts to a page route that calls the same use case as the API (``ExecutionController``), so the
/// sequence, limits, holds and signatures are enforced by the execution record; a success redirects (303) back to the
/// page, a refusal re-renders it with the rule and the reason (409 for a refusal, 422 for a value the form could not
/// carry, 403 for a failed re-authentication). Cookie-authenticated posts pass ``AuthenticationMiddleware``'s
/// same-origin check like every other form.
extension PageController {
    func registerExecution(on router: Router<SparRequestContext>) {
        router.get("/travelers") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            return try render(started, "travelers", try await travelersPage(context.caller), caller: context.caller)
        }
        router.get("/travelers/:traveler") { request, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let id = context.parameters.get("traveler")?.removingPercentEncoding ?? ""
            let model = try await travelerPage(
                id, context: context, opened: QueryParameters(request).string("opened"), refusal: nil)
            return try render(started, "traveler", model, caller: context.caller)
        }
        router.post("/travelers/:traveler/steps/:step/start") { request, context in
            try await travelerAction(request, context) { form, id, ref in
                try await live.execution.startStep(
                    traveler: id, step: ref, qualifications: form.all("qualification"), tools: form.all("tool"),
                    by: try executionAPI.principal(context))
            }
        }
        router.post("/travelers/:traveler/steps/:step/data") { request, context in
            try await travelerAction(request, context) { form, id, ref in
                let item = form["item"] ?? ""
                let type = try await live.execution.current().travelers[id]?.step(ref)?.dataItems.first {
                    $0.id == item
                }?.type
                return try await live.execution.recordValue(
                    traveler: id, step: ref, item: item, value: Self.value(form["value"] ?? "", type: type),
                    by: try executionAPI.principal(context))
            }
        }
        router.post("/travelers/:traveler/steps/:step/complete") { request, context in
            try await travelerAction(request, context) { form, id, ref in
                let (signer, session) = try await executionAPI.sessionSigner(
                    context, user: form["user"], password: try form.required("password"), role: nil)
                let s = try await executionAPI.governance.completeStep(
                    traveler: id, step: ref, signer: signer, station: context.station, in: live.execution)
                await executionAPI.noteSigning(s, session: session)
                return s.receipt
            }
        }
        router.post("/travelers/:traveler/steps/:step/hold-point") { request, context in
            try await travelerAction(request, context) { form, id, ref in
                let (signer, session) = try await executionAPI.sessionSigner(
                    context, user: form["user"], password: try form.required("password"), role: nil)
                let meaning = form["meaning"].flatMap(ExecutionSignatureMeaning.init(rawValue:)) ?? .inspected
                let s = try await executionAPI.governance.signHoldPoint(
                    traveler: id, step: ref, meaning: meaning, signer: signer, reason: form["reason"],
                    station: context.station, in: live.execution)
                await executionAPI.noteSigning(s, session: session)
                return s.receipt
            }
        }
        router.get("/wip") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            return try render(started, "wip", try await wipPage(context.caller), caller: context.caller)
        }
        router.get("/serials/:serial") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let serial = context.parameters.get("serial")?.removingPercentEncoding ?? ""
            return try render(
                started, "trace", try await serialPage(serial, caller: context.caller, session: context.caller.session),
                caller: context.caller)
        }
        router.post("/serials/:serial/as-built") { request, context in
            let started = ContinuousClock.now
            let serial = context.parameters.get("serial")?.removingPercentEncoding ?? ""
            let form = try await PageForm.read(request)
            do {
                _ = try await executionAPI.run {
                    let (signer, session) = try await executionAPI.sessionSigner(
                        context, user: form["user"], password: try form.required("password"), role: nil)
                    guard let a = try await live.execution.asBuilt(serial: serial), executionAPI.visible(a.traveler, context.caller)
                    else { throw ProblemDetails.notFound("not-found", "serial \(serial) has no traveler") }
                    let d = try await executionAPI.governance.signAsBuilt(
                        serial: serial, signer: signer, station: context.station, in: live.execution)
                    await executionAPI.noteSigning(d.receipt, session: session)
                }
                return AuthenticationMiddleware.redirect(to: "/serials/" + Self.pathComponent(serial))
            } catch let p as ProblemDetails where Self.showsOnPage(p) {
                var model = try await serialPage(serial, caller: context.caller, session: context.caller.session)
                model["refusal"] = Self.refusalModel(p)
                return Self.refused(try render(started, "trace", model, caller: context.caller), p)
            }
        }
        router.get("/lots/:lot") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let lot = context.parameters.get("lot")?.removingPercentEncoding ?? ""
            return try render(started, "trace", try await lotPage(lot, caller: context.caller), caller: context.caller)
        }
        router.get("/ncrs") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            return try render(started, "ncrs", try await ncrsPage(context.caller), caller: context.caller)
        }
        router.get("/ncrs/:ncr") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let id = context.parameters.get("ncr")?.removingPercentEncoding ?? ""
            return try render(started, "ncr", try await ncrPage(id, context: context, refusal: nil), caller: context.caller)
        }
        router.post("/ncrs/:ncr/disposition") { request, context in
            try await ncrAction(request, context) { form, id in
                _ = try executionAPI.session(context)
                guard let d = form["disposition"].flatMap(Disposition.init(rawValue:)) else {
                    throw ProblemDetails.badRequest(
                        "missing-parameter",
                        "choose a disposition: \(Disposition.allCases.map(\.rawValue).joined(separator: ", "))",
                        field: "disposition")
                }
                var signers: [ExecutionSigner] = []
                for i in 1...3 {
                    guard let user = form["user\(i)"], let password = form["password\(i)"], !password.isEmpty else {
                        continue
                    }
                    try await executionAPI.admitSigning(context, user: user)
                    signers.append(
                        ExecutionSigner(
                            credentials: Credentials(user: user, password: password),
                            role: form["role\(i)"].flatMap(Role.init(rawValue:))))
                }
                guard !signers.isEmpty else {
                    throw ProblemDetails.badRequest(
                        "missing-parameter", "the MRB signs: enter each member's user id and password",
                        field: "signatures")
                }
                let added = d.addsOperations ? [try await Self.addedOperation(form, ncr: id, live.execution)] : []
                return try await executionAPI.governance.disposition(
                    ncr: id, d, addedOperations: added, rationale: try form.required("rationale"), signers: signers,
                    station: context.station, in: live.execution
                ).receipt
            }
        }
        router.post("/ncrs/:ncr/close") { request, context in
            try await ncrAction(request, context) { form, id in
                let (signer, session) = try await executionAPI.sessionSigner(
                    context, user: form["user"], password: try form.required("password"), role: nil)
                let s = try await executionAPI.governance.closeNCR(
                    ncr: id, signer: signer, reason: form["reason"], station: context.station, in: live.execution)
                await executionAPI.noteSigning(s, session: session)
                return s.receipt
            }
        }
    }

    // MARK: Forms

    /// Runs a traveler form's use case; redirects to the traveler page, or re-renders it with the refusal.
    func travelerAction(
        _ request: Request, _ context: SparRequestContext,
        _ use: (PageForm, String, StepRef) async throws -> ExecutionReceipt
    ) async throws -> Response {
        let started = ContinuousClock.now
        let id = context.parameters.get("traveler")?.removingPercentEncoding ?? ""
        _ = try await visibleTraveler(id, caller: context.caller)
        let form = try await PageForm.read(request)
        let text = context.parameters.get("step") ?? ""
        do {
            guard let ref = ExecutionRecordJSON.stepRef(text) else {
                throw ProblemDetails.badRequest("invalid-parameter", "step '\(text)' must be like 10.20", field: "step")
            }
            let receipt = try await executionAPI.run { try await use(form, id, ref) }
            var location = "/travelers/" + Self.pathComponent(id)
            if case .ncrOpened(let ncr, _)? = receipt.consequences.first {
                location += "?opened=" + Self.pathComponent(ncr)
            }
            return AuthenticationMiddleware.redirect(to: location)
        } catch let p as ProblemDetails where Self.showsOnPage(p) {
            let model = try await travelerPage(id, context: context, opened: nil, refusal: p)
            return Self.refused(try render(started, "traveler", model, caller: context.caller), p)
        }
    }

    /// Runs an NCR form's use case; redirects to the NCR page, or re-renders it with the refusal.
    func ncrAction(
        _ request: Request, _ context: SparRequestContext, _ use: (PageForm, String) async throws -> ExecutionReceipt
    ) async throws -> Response {
        let started = ContinuousClock.now
        let id = context.parameters.get("ncr")?.removingPercentEncoding ?? ""
        _ = try await visibleNCR(id, caller: context.caller)
        let form = try await PageForm.read(request)
        do {
            _ = try await executionAPI.run { try await use(form, id) }
            return AuthenticationMiddleware.redirect(to: "/ncrs/" + Self.pathComponent(id))
        } catch let p as ProblemDetails where Self.showsOnPage(p) {
            var model = try await ncrPage(id, context: context, refusal: p)
            model["rationale"] = form["rationale"] ?? ""
            return Self.refused(try render(started, "ncr", model, caller: context.caller), p)
        }
    }

    /// Refusals and input problems are shown on the page; a foreign site, the rate limit and server errors are not.
    static func showsOnPage(_ p: ProblemDetails) -> Bool {
        p.status.code < 500 && p.code != "forbidden-site" && p.code != "too-many-requests"
            && p.code != "unauthenticated" && p.code != "cross-site-request"
    }

    /// The re-rendered page with the problem's status: 409 for a refusal, 422 for a form value it could not use.
    static func refused(_ page: HTMLPage, _ p: ProblemDetails) -> Response {
        var response = page.response
        response.status = p.status == .badRequest ? .unprocessableContent : p.status
        return response
    }

    static func refusalModel(_ p: ProblemDetails) -> [String: Any] {
        var out: [String: Any] = ["detail": p.detail, "code": p.code, "title": p.title]
        if case .string(let rule)? = p.members["rule"] { out["rule"] = rule }
        return out
    }

    /// A form value as the data item's type takes it; a value that is not of that type goes to the record as text,
    /// which refuses it (rule `dataCollection`).
    static func value(_ text: String, type: DataItemType?) -> DataValue {
        let s = text.trimmingCharacters(in: .whitespaces)
        switch type {
        case .number?:
            if let n = Double(s.replacingOccurrences(of: ",", with: ".")), n.isFinite { return .number(n) }
        case .passFail?:
            if s == "pass" || s == "fail" { return .passFail(s == "pass") }
        case .boolean?:
            if s == "true" || s == "false" { return .boolean(s == "true") }
        case .text?, nil:
            break
        }
        return .text(s)
    }

    /// The operation a rework or repair disposition adds: from the form's sequence, title, work center and
    /// instruction, collecting again the characteristic of the step that opened the NCR when asked.
    static func addedOperation(_ form: PageForm, ncr: String, _ execution: ExecutionLedger) async throws
        -> RoutingOperation
    {
        let state = try await execution.current()
        let n = state.ncrs[ncr]
        let origin = n.flatMap { n in n.step.flatMap { ref in n.traveler.flatMap { state.travelers[$0]?.step(ref) } } }
        guard let sequence = Int(form["opSequence"] ?? "") else {
            throw ProblemDetails.badRequest(
                "invalid-parameter", "rework and repair add an operation: give its sequence number", field: "opSequence")
        }
        let items = form["remeasure"] == "on" ? (origin?.dataItems.filter { $0.name == n?.characteristic } ?? []) : []
        return RoutingOperation(
            sequence: sequence, title: form["opTitle"] ?? "", workCenter: EquipmentPath(form["opWorkCenter"] ?? ""),
            steps: [RoutingStep(sequence: 10, instruction: form["opInstruction"] ?? "", dataItems: items)])
    }

    static func pathComponent(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    // MARK: Scoping

    /// The traveler, if the caller may read it: another site's is 403, an unknown one 404.
    func visibleTraveler(_ id: String, caller: Caller) async throws -> TravelerRecord {
        guard let t = try await live.execution.current().travelers[id] else {
            throw ProblemDetails.notFound("not-found", "no traveler \(id); see /travelers")
        }
        guard executionAPI.visible(t, caller) else {
            let sites = Set(t.operations.compactMap(\.operation.workCenter.siteID)).sorted().joined(separator: ", ")
            throw ProblemDetails.forbiddenSite(
                "traveler \(id) is worked at site \(sites), which is not one of yours (\(caller.sites))")
        }
        return t
    }

    /// The NCR, if the caller may read it: its traveler's sites decide; one without a traveler needs every site.
    func visibleNCR(_ id: String, caller: Caller) async throws -> NCRRecord {
        let state = try await live.execution.current()
        guard let n = state.ncrs[id] else { throw ProblemDetails.notFound("not-found", "no NCR \(id); see /ncrs") }
        if let t = n.traveler.flatMap({ state.travelers[$0] }) {
            _ = try await visibleTraveler(t.id, caller: caller)
        } else if !caller.readsEverySite {
            throw ProblemDetails.forbiddenSite("NCR \(id) is on no traveler: reading it needs every site")
        }
        return n
    }

    func mayRead(_ n: NCRRecord, _ state: ExecutionState, _ caller: Caller) -> Bool {
        n.traveler.flatMap { state.travelers[$0] }.map { executionAPI.visible($0, caller) } ?? caller.readsEverySite
    }

    /// The zone of the traveler's site (its first operation's), for times on its pages.
    func zone(of t: TravelerRecord) -> LocalTime {
        t.operations.first.map { zone(of: $0.operation.workCenter) } ?? LocalTime(identifier: "UTC")!
    }

    /// The header's status line, from the caller's sites only.
    func pageNavigation(_ caller: Caller) async -> [String: Any] {
        let s = await live.snapshot().scoped(to: caller.sites)
        return navigation(s, asOf: PageWindow.asOf(s))
    }

    // MARK: My travelers and the WIP board

    static func itemText(_ item: TravelerItem) -> String {
        switch item {
        case .serial(let s): "serial \(s)"
        case .lot(let l, let q): "lot \(l) × \(q)"
        }
    }

    static func itemHref(_ item: TravelerItem) -> String {
        switch item {
        case .serial(let s): "/serials/" + pathComponent(s)
        case .lot(let l, _): "/lots/" + pathComponent(l)
        }
    }

    /// `released`, `in progress`, `on hold`, `waiting for inspection`, `complete` or `scrapped`.
    static func stateText(_ t: TravelerRecord, _ wip: WIPEntry?) -> (text: String, css: String) {
        switch t.status {
        case .complete: return ("complete", "st-complete")
        case .scrapped: return ("scrapped", "st-scrapped")
        case .active: break
        }
        switch wip?.status {
        case .onHold?: return ("on hold", "st-hold")
        case .blocked?: return ("waiting for inspection", "st-blocked")
        case .working?: return ("in progress", "st-working")
        case .outside(let processor)?: return ("at \(processor)", "st-outside")
        default: return t.steps.isEmpty ? ("released", "st-released") : ("in progress", "st-waiting")
        }
    }

    func wipRow(_ e: WIPEntry, _ t: TravelerRecord, at now: Timestamp) -> [String: Any] {
        let step = e.step.flatMap { t.step($0) }
        let op = e.step.flatMap { t.operation($0.operation) }
        let state = Self.stateText(t, e)
        var blocks = ""
        var ncrs: [[String: Any]] = []
        switch e.status {
        case .onHold(let ids):
            blocks = "NCR disposition"
            ncrs = ids.map { ["id": $0, "href": "/ncrs/" + Self.pathComponent($0)] }
        case .blocked(let ref, let kind): blocks = "\(kind.phrase) of step \(ref) (unsigned)"
        case .outside(let processor): blocks = "return from \(processor)"
        case .working: blocks = ""
        case .waiting: blocks = ""
        }
        return [
            "traveler": t.id, "href": "/travelers/" + Self.pathComponent(t.id), "part": t.partNumber,
            "item": Self.itemText(t.item), "itemHref": Self.itemHref(t.item), "workOrder": t.workOrder,
            "operation": op.map { "\($0.sequence) \($0.operation.title)" } ?? "–",
            "step": e.step.map { "\($0)" } ?? "–", "instruction": step?.instruction ?? "",
            "workCenter": e.workCenter?.description ?? "–", "state": state.text, "css": state.css,
            "status": e.status.description, "since": Format.time(e.since, zone: zone(of: t)),
            "age": Format.duration(milliseconds: e.age(at: now)), "blocks": blocks, "hasBlocks": !blocks.isEmpty,
            "ncrs": ncrs,
        ]
    }

    func travelersPage(_ caller: Caller) async throws -> [String: Any] {
        let state = try await live.execution.current()
        let now = live.now()
        let rows: [[String: Any]] = state.wip.compactMap { e in
            guard let t = state.travelers[e.traveler], executionAPI.visible(t, caller) else { return nil }
            return wipRow(e, t, at: now)
        }
        return [
            "title": "My travelers", "nav": await pageNavigation(caller), "rows": rows, "hasRows": !rows.isEmpty,
            "sites": caller.readsEverySite ? "all sites" : "sites \(caller.sites)",
        ]
    }

    func wipPage(_ caller: Caller) async throws -> [String: Any] {
        let state = try await live.execution.current()
        let now = live.now()
        let rows: [[String: Any]] = state.wip.compactMap { e in
            guard let t = state.travelers[e.traveler], executionAPI.visible(t, caller) else { return nil }
            return wipRow(e, t, at: now)
        }
        var counts: [String: Int] = [:]
        for r in rows { counts[r["state"] as? String ?? "", default: 0] += 1 }
        let summary: [[String: Any]] = counts.keys.sorted().map { ["state": $0, "count": counts[$0] ?? 0] }
        return [
            "title": "WIP board", "nav": await pageNavigation(caller), "rows": rows, "hasRows": !rows.isEmpty,
            "summary": summary, "asOf": Format.time(now, zone: nil),
        ]
    }

    // MARK: One traveler

    static func dataItemModel(_ d: DataCollectionItem, _ e: StepExecution?, canRecord: Bool) -> [String: Any] {
        var limits = "–"
        switch (d.lowerLimit, d.upperLimit) {
        case (let lo?, let hi?): limits = "\(d.show(lo)) – \(d.show(hi))"
        case (let lo?, nil): limits = "≥ \(d.show(lo))"
        case (nil, let hi?): limits = "≤ \(d.show(hi))"
        default: limits = d.type == .passFail ? "pass" : "–"
        }
        var out: [String: Any] = [
            "id": d.id, "name": d.name, "type": d.type.rawValue, "unit": d.unit ?? "", "hasUnit": d.unit != nil,
            "limits": limits, "requirement": d.requirement, "mandatory": d.mandatory,
            "isNumber": d.type == .number, "isText": d.type == .text, "isPassFail": d.type == .passFail,
            "isBoolean": d.type == .boolean,
        ]
        if let v = e?.currentValue(d.id) {
            let shown: String =
                if case .number(let n) = v.value { d.show(n) + (d.unit.map { " \($0)" } ?? "") } else {
                    v.value.description
                }
            out["recorded"] = ["value": shown, "by": v.recordedBy, "ok": v.withinLimits, "ncr": v.ncr ?? "",
                "hasNCR": v.ncr != nil, "ncrHref": "/ncrs/" + pathComponent(v.ncr ?? "")]
        } else {
            out["canRecord"] = canRecord
        }
        return out
    }

    func travelerPage(_ id: String, context: SparRequestContext, opened: String?, refusal: ProblemDetails?)
        async throws -> [String: Any]
    {
        let t = try await visibleTraveler(id, caller: context.caller)
        let state = try await live.execution.current()
        let zone = self.zone(of: t)
        let wip = state.wipEntry(t)
        let held = !state.holds(on: t.item.node).isEmpty
        let current = wip?.step
        let base = "/travelers/" + Self.pathComponent(t.id) + "/steps/"
        let user = context.caller.principal?.name ?? ""
        let needsUserID: Bool
        if let session = context.caller.session {
            needsUserID = try await executionAPI.authenticator.requiredComponents(session: session) == .userIDAndPassword
        } else {
            needsUserID = true
        }

        var holdForms: [[String: Any]] = []
        let operations: [[String: Any]] = t.operations.map { op in
            let steps: [[String: Any]] = op.operation.steps.map { s in
                let ref = StepRef(op.sequence, s.sequence)
                let e = t.steps[ref]
                var text = "not started"
                var css = "st-released"
                if let e {
                    if let c = e.completion {
                        text = "complete · \(c.signer) \(Format.time(c.time, zone: zone))"
                        css = "st-complete"
                    } else {
                        text = "started · \(e.startedBy) \(Format.time(e.startedAt, zone: zone))"
                        css = "st-working"
                    }
                }
                var hold = ""
                if let kind = s.holdPoint {
                    if let h = e?.holdPointSignature {
                        hold = "\(kind.phrase): \(h.meaning.rawValue) by \(h.signer) (\(h.capacity))"
                    } else {
                        hold = "\(kind.phrase): awaiting "
                            + s.holdPointSignatories.map(\.description).joined(separator: " or ")
                        if e?.isComplete == true {
                            holdForms.append([
                                "step": ref.description, "action": base + ref.description + "/hold-point",
                                "phrase": kind.phrase, "instruction": s.instruction,
                                "signatories": s.holdPointSignatories.map(\.description).joined(separator: " or "),
                                "performedBy": e?.completion?.signer ?? "",
                            ])
                        }
                    }
                }
                return [
                    "ref": ref.description, "instruction": s.instruction, "state": text, "css": css,
                    "hold": hold, "hasHold": !hold.isEmpty, "current": ref == current,
                    "document": s.document?.description ?? "", "hasDocument": s.document != nil,
                ]
            }
            return [
                "sequence": op.sequence, "title": op.operation.title, "workCenter": op.operation.workCenter.description,
                "addedBy": op.addedBy ?? "", "wasAdded": op.addedBy != nil, "steps": steps,
                "addedHref": "/ncrs/" + Self.pathComponent(op.addedBy ?? ""),
            ]
        }

        let shown = Self.stateText(t, wip)
        var model: [String: Any] = [
            "title": "Traveler \(t.id)", "nav": await pageNavigation(context.caller), "id": t.id, "part": t.partNumber,
            "item": Self.itemText(t.item), "itemHref": Self.itemHref(t.item), "workOrder": t.workOrder,
            "routing": t.routing.description, "released": Format.time(t.releasedAt, zone: zone),
            "releasedBy": t.releasedBy, "state": shown.text, "stateCss": shown.css,
            "wip": wip?.status.description ?? "", "operations": operations, "holdForms": holdForms,
            "hasHoldForms": !holdForms.isEmpty, "needsUserID": needsUserID, "user": user,
            "asBuiltHref": t.item.node.isSerial ? "/api/serials/\(Self.pathComponent(t.item.id))/as-built" : "",
            "isSerial": t.item.node.isSerial,
        ]
        let ncrs: [[String: Any]] = t.ncrs.compactMap { state.ncrs[$0] }.map { n in
            [
                "id": n.id, "href": "/ncrs/" + Self.pathComponent(n.id), "status": n.status.rawValue,
                "characteristic": n.characteristic, "found": n.foundValue, "requirement": n.requirement,
            ]
        }
        model["ncrs"] = ncrs
        model["hasNCRs"] = !ncrs.isEmpty
        if let opened, let n = state.ncrs[opened], n.traveler == t.id {
            model["opened"] = [
                "id": n.id, "href": "/ncrs/" + Self.pathComponent(n.id),
                "text": "\(n.characteristic) \(n.foundValue) is outside \(n.requirement)",
            ]
        }
        if let refusal { model["refusal"] = Self.refusalModel(refusal) }
        if let ref = current, let s = t.step(ref), let op = t.operation(ref.operation), t.isActive {
            let e = t.steps[ref]
            let started = e != nil && e?.isComplete == false
            model["current"] = [
                "ref": ref.description, "operation": "\(op.sequence) \(op.operation.title)",
                "workCenter": op.operation.workCenter.description, "instruction": s.instruction,
                "documentID": s.document?.id ?? "", "documentRevision": s.document?.revision ?? "",
                "hasDocument": s.document != nil,
                "items": s.dataItems.map { Self.dataItemModel($0, e, canRecord: started) },
                "hasItems": !s.dataItems.isEmpty, "started": started, "notStarted": e == nil,
                "startedBy": e?.startedBy ?? "", "startedAt": e.map { Format.time($0.startedAt, zone: zone) } ?? "",
                "qualifications": s.requiredQualifications, "tools": s.requiredTools,
                "needsQualifications": !s.requiredQualifications.isEmpty, "needsTools": !s.requiredTools.isEmpty,
                "startAction": base + ref.description + "/start", "dataAction": base + ref.description + "/data",
                "completeAction": base + ref.description + "/complete", "held": held,
            ]
        }
        return model
    }

    // MARK: Genealogy

    func edgeRows(_ edges: [GenealogyEdge]) -> [[String: Any]] {
        edges.map { e in
            [
                "from": e.from.description, "fromHref": Self.nodeHref(e.from), "into": e.into.description,
                "intoHref": Self.nodeHref(e.into), "link": e.link.rawValue,
                "quantity": e.quantity.map { Format.quantity($0) } ?? "", "time": Format.time(e.time, zone: nil),
            ]
        }
    }

    static func nodeHref(_ n: GenealogyNode) -> String {
        switch n {
        case .serial(let s): "/serials/" + pathComponent(s)
        case .lot(let l): "/lots/" + pathComponent(l)
        }
    }

    func serialPage(_ serial: String, caller: Caller, session: String?) async throws -> [String: Any] {
        let state = try await live.execution.current()
        let traveler = state.traveler(of: .serial(serial))
        if let traveler { _ = try await visibleTraveler(traveler.id, caller: caller) }
        let trace = try await live.execution.traceBackward(.serial(serial))
        guard traveler != nil || !trace.ancestors.isEmpty || !state.traceForward(.serial(serial)).reached.isEmpty else {
            throw ProblemDetails.notFound("not-found", "serial \(serial) has no traveler and no genealogy")
        }
        let steps: [[String: Any]] = trace.steps.map { s in
            let op = state.travelers[s.traveler]?.operation(s.step.operation)
            return [
                "traveler": s.traveler, "travelerHref": "/travelers/" + Self.pathComponent(s.traveler),
                "step": s.step.description, "operation": op?.operation.title ?? "",
                "workCenter": s.workCenter?.description ?? "", "startedBy": s.startedBy,
                "startedAt": Format.time(s.startedAt, zone: s.workCenter.map { zone(of: $0) }),
                "performedBy": s.completion?.signer ?? "–",
                "inspectedBy": s.holdPointSignature.map { "\($0.signer) (\($0.meaning.rawValue))" } ?? "",
            ]
        }
        let measurements: [[String: Any]] = trace.measurements.map { m in
            let item = state.travelers[m.traveler]?.step(m.step)?.dataItems.first { $0.id == m.entry.item }
            let shown: String =
                if case .number(let n) = m.entry.value, let item {
                    item.show(n) + (item.unit.map { " \($0)" } ?? "")
                } else { m.entry.value.description }
            return [
                "traveler": m.traveler, "step": m.step.description, "characteristic": m.characteristic,
                "value": shown, "limits": item?.requirement ?? "", "ok": m.entry.withinLimits,
                "by": m.entry.recordedBy, "ncr": m.entry.ncr ?? "", "hasNCR": m.entry.ncr != nil,
                "ncrHref": "/ncrs/" + Self.pathComponent(m.entry.ncr ?? ""), "superseded": !m.entry.isCurrent,
            ]
        }
        let signedAsBuilt: [[String: Any]] = (state.asBuiltSignatures[serial] ?? []).map { s in
            [
                "time": Format.time(s.time, zone: traveler.map { zone(of: $0) }), "signer": s.signature.signer,
                "meaning": s.signature.meaning.rawValue, "sha256": s.sha256,
                "entry": ExecutionLedger.entryID(s.event),
                "entryHref": "/audit/entries/" + Self.pathComponent(ExecutionLedger.entryID(s.event)),
            ]
        }
        var needsUserID = true
        if let session {
            needsUserID = try await executionAPI.authenticator.requiredComponents(session: session) == .userIDAndPassword
        }
        let ncrs: [[String: Any]] = trace.ncrs.compactMap { state.ncrs[$0] }.map { n in
            [
                "id": n.id, "href": "/ncrs/" + Self.pathComponent(n.id), "status": n.status.rawValue,
                "characteristic": n.characteristic, "disposition": n.disposition?.rawValue ?? "–",
            ]
        }
        return [
            "title": "Serial \(serial)", "nav": await pageNavigation(caller), "backward": true, "node": "serial \(serial)",
            "travelerID": traveler?.id ?? "", "travelerHref": "/travelers/" + Self.pathComponent(traveler?.id ?? ""),
            "part": traveler?.partNumber ?? "", "routing": traveler?.routing.description ?? "",
            "workOrder": traveler?.workOrder ?? "", "hasTraveler": traveler != nil,
            "asBuiltHref": "/api/serials/\(Self.pathComponent(serial))/as-built",
            "lots": trace.lots.map { ["id": $0, "href": "/lots/" + Self.pathComponent($0)] },
            "serials": trace.serials.map { ["id": $0, "href": "/serials/" + Self.pathComponent($0)] },
            "hasLots": !trace.lots.isEmpty, "hasSerials": !trace.serials.isEmpty,
            "edges": edgeRows(trace.edges), "hasEdges": !trace.edges.isEmpty,
            "steps": steps, "hasSteps": !steps.isEmpty, "measurements": measurements,
            "hasMeasurements": !measurements.isEmpty, "people": trace.people.joined(separator: ", "),
            "ncrs": ncrs, "hasNCRs": !ncrs.isEmpty,
            "signedAsBuilt": signedAsBuilt, "hasSignedAsBuilt": !signedAsBuilt.isEmpty,
            "canSignAsBuilt": traveler.map { if case .complete = $0.status { true } else { false } } ?? false,
            "signAction": "/serials/\(Self.pathComponent(serial))/as-built",
            "signedAsBuiltHref": "/api/serials/\(Self.pathComponent(serial))/as-built/signatures",
            "needsUserID": needsUserID,
        ]
    }

    func lotPage(_ lot: String, caller: Caller) async throws -> [String: Any] {
        let state = try await live.execution.current()
        let trace = try await live.execution.traceForward(.lot(lot))
        let back = state.traceBackward(.lot(lot))
        guard !trace.reached.isEmpty || !back.ancestors.isEmpty || state.traveler(of: .lot(lot)) != nil else {
            throw ProblemDetails.notFound("not-found", "lot \(lot) went into nothing recorded and has no traveler")
        }
        // A site's reader sees the serials and lots only as far as the travelers of its sites reach.
        let reached = trace.reached.filter { n in
            state.traveler(of: n).map { executionAPI.visible($0, caller) } ?? true
        }
        let shown = Set(reached + [.lot(lot)])
        let edges = trace.edges.filter { shown.contains($0.from) && shown.contains($0.into) }
        let serials = reached.filter(\.isSerial).map(\.id).sorted()
        return [
            "title": "Lot \(lot)", "nav": await pageNavigation(caller), "forward": true, "node": "lot \(lot)",
            "serials": serials.map { ["id": $0, "href": "/serials/" + Self.pathComponent($0)] },
            "hasSerials": !serials.isEmpty,
            "lots": reached.filter { !$0.isSerial }.map { ["id": $0.id, "href": "/lots/" + Self.pathComponent($0.id)] },
            "hasLots": reached.contains { !$0.isSerial },
            "edges": edgeRows(edges), "hasEdges": !edges.isEmpty,
            "sources": back.lots.map { ["id": $0, "href": "/lots/" + Self.pathComponent($0)] },
            "hasSources": !back.lots.isEmpty,
        ]
    }

    // MARK: NCRs

    func ncrRow(_ n: NCRRecord, _ state: ExecutionState, at now: Timestamp) -> [String: Any] {
        [
            "id": n.id, "href": "/ncrs/" + Self.pathComponent(n.id), "status": n.status.rawValue,
            "traveler": n.traveler ?? "–", "travelerHref": n.traveler.map { "/travelers/" + Self.pathComponent($0) } ?? "",
            "hasTraveler": n.traveler != nil, "item": n.item.description, "itemHref": Self.nodeHref(n.item),
            "part": n.partNumber, "quantity": n.quantity, "characteristic": n.characteristic, "found": n.foundValue,
            "requirement": n.requirement, "cause": n.cause, "opened": Format.time(n.openedAt, zone: nil),
            "openedBy": n.openedBy, "age": Format.duration(milliseconds: n.age(at: now)),
            "disposition": n.disposition?.rawValue ?? "–", "isOpen": n.status == .open,
        ]
    }

    func ncrsPage(_ caller: Caller) async throws -> [String: Any] {
        let state = try await live.execution.current()
        let now = live.now()
        let all = state.ncrs.values.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }.filter {
            mayRead($0, state, caller)
        }
        let rows = all.filter { $0.status != .closed }.map { ncrRow($0, state, at: now) }
        let closed = all.filter { $0.status == .closed }.map { ncrRow($0, state, at: now) }
        let agingRows: [[String: Any]] = NCRAging.byCause(all, at: now).map { a in
            [
                "cause": a.cause, "open": a.open, "closed": a.closed,
                "oldest": a.oldestOpenAge.map { Format.duration(milliseconds: $0) } ?? "–",
                "meanOpen": a.meanOpenAge.map { Format.duration(milliseconds: $0) } ?? "–",
                "meanClose": a.meanTimeToClose.map { Format.duration(milliseconds: $0) } ?? "–",
            ]
        }
        return [
            "title": "NCR queue", "nav": await pageNavigation(caller), "rows": rows, "hasRows": !rows.isEmpty,
            "closed": closed, "hasClosed": !closed.isEmpty, "aging": agingRows, "hasAging": !agingRows.isEmpty,
        ]
    }

    func ncrPage(_ id: String, context: SparRequestContext, refusal: ProblemDetails?) async throws -> [String: Any] {
        let n = try await visibleNCR(id, caller: context.caller)
        let state = try await live.execution.current()
        let now = live.now()
        let traveler = n.traveler.flatMap { state.travelers[$0] }
        let customer = traveler?.customerApprovalRequired ?? false
        let origin = n.step.flatMap { ref in traveler?.operation(ref.operation) }
        var model: [String: Any] = [
            "title": "NCR \(n.id)", "nav": await pageNavigation(context.caller), "ncr": ncrRow(n, state, at: now),
            "action": "/ncrs/" + Self.pathComponent(n.id), "isOpen": n.status == .open,
            "isDispositioned": n.status == .dispositioned, "isClosed": n.status == .closed,
            "step": n.step?.description ?? "", "hasStep": n.step != nil, "customerRequired": customer,
            "user": context.caller.principal?.name ?? "", "rationale": "",
        ]
        model["dispositions"] = Disposition.allCases.map { d in
            [
                "value": d.rawValue, "label": Self.dispositionLabel(d), "addsOperations": d.addsOperations,
                "signatories": d.requiredSignatories(customerApprovalRequired: customer).map(Self.capacityLabel)
                    .joined(separator: ", "),
            ]
        }
        // One signature row per MRB member the dispositions need (the customer where the part requires it).
        var rows: [[String: Any]] = [
            ["index": 1, "label": "quality", "role": "quality"], ["index": 2, "label": "engineering", "role": "engineer"],
        ]
        if customer { rows.append(["index": 3, "label": "customer (use as is and repair)", "role": ""]) }
        model["signatureRows"] = rows
        // The added operation's suggested place: halfway to the operation after the NCR's, else after the last.
        let at = n.step?.operation ?? 0
        let after = traveler?.operations.map(\.sequence).filter { $0 > at }.min()
        model["opSequence"] = after.map { (at + $0) / 2 } ?? ((traveler?.operations.last?.sequence ?? at) + 10)
        model["opWorkCenter"] = origin?.operation.workCenter.description ?? ""
        model["opTitle"] = origin.map { "Rework: \($0.operation.title)" } ?? "Rework"
        if let s = n.disposition {
            model["dispositioned"] = [
                "disposition": Self.dispositionLabel(s),
                "at": n.dispositionedAt.map { Format.time($0, zone: nil) } ?? "",
                "signatures": n.dispositionSignatures.map(\.description),
                "added": n.addedOperations.map(String.init).joined(separator: ", "),
                "hasAdded": !n.addedOperations.isEmpty,
            ]
        }
        if let c = n.closure { model["closure"] = c.description }
        if let session = context.caller.session {
            model["needsUserID"] = try await executionAPI.authenticator.requiredComponents(session: session) == .userIDAndPassword
        } else {
            model["needsUserID"] = true
        }
        if let refusal { model["refusal"] = Self.refusalModel(refusal) }
        return model
    }

    static func dispositionLabel(_ d: Disposition) -> String {
        switch d {
        case .useAsIs: "use as is"
        case .rework: "rework"
        case .repair: "repair"
        case .scrap: "scrap"
        case .returnToVendor: "return to vendor"
        }
    }

    static func capacityLabel(_ c: SignerCapacity) -> String { c == .role(.engineer) ? "engineering" : c.description }
}

/// An `application/x-www-form-urlencoded` body, every value of a repeated name kept in order.
struct PageForm: Sendable {
    var pairs: [(String, String)]

    static func read(_ request: Request) async throws -> PageForm {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw ProblemDetails(
                .unsupportedMediaType, code: "unsupported-media-type",
                title: ProblemDetails.title("unsupported-media-type"),
                detail: "the operator pages post forms (application/x-www-form-urlencoded); scripts use /api/…")
        }
        var request = request
        let body = try await request.collectBody(upTo: AuthController.maxFormBytes)
        return PageForm(String(buffer: body))
    }

    init(_ body: String) {
        pairs = body.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }

    /// The last non-empty value of `name`.
    subscript(_ name: String) -> String? {
        pairs.last { $0.0 == name && !$0.1.trimmingCharacters(in: .whitespaces).isEmpty }?.1
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name && !$0.1.isEmpty }.map(\.1) }

    func required(_ name: String) throws -> String {
        guard let v = self[name] else {
            throw ProblemDetails.badRequest("missing-parameter", "\(name) is required", field: name)
        }
        return v
    }
}
