import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparStorage

/// Proposed content of a change request.
public enum ProposedChange: Sendable {
    case plantModel(PlantModel)
    case blueprint(Blueprint)
    /// Put another KPI definition version in force (an id of ``KPICatalogue/versions``).
    case kpiDefinition(String)
    /// A new routing revision; once approved it is released, effective from the requested time.
    case routing(Routing)

    public var subject: ChangeSubject {
        switch self {
        case .plantModel: .plantModel
        case .blueprint: .blueprint
        case .kpiDefinition: .kpiDefinition
        case .routing: .routing
        }
    }
}

/// A change request as read from the ledger, with its approvals and state.
public struct ChangeRequest: Sendable {
    public var id: String
    public var subject: ChangeSubject
    public var reason: String
    public var requestedEffectiveAt: Timestamp
    public var proposedBy: String
    public var proposedAt: Timestamp
    public var baseVersion: String?
    public var proposedVersion: String
    public var requiredApprovals: [Role]
    public var impact: ChangeImpact
    /// The proposed content as canonical JSON.
    public var content: String
    public var seq: Int64
    /// The enterprise the request belongs to.
    public var enterprise: String
    public var decisions: [ChangeDecision]
    /// Approval signatures, in order.
    public var signatures: [SignatureManifestation]
    public var state: ChangeState
}

extension Governance {
    /// Proposes a change of master data: validates the content, computes the diff and impact against the version in
    /// force at the requested effective time, and records the request. Nothing changes until it is approved.
    @discardableResult
    public func propose(
        _ change: ProposedChange, reason: String, effectiveAt: Timestamp, by actor: Principal
    ) async throws -> ChangeRequest {
        do { try actor.authorize(.proposeChange) } catch { throw GovernanceError.denied(error) }
        let why = try Self.reason(reason)
        let inForce = try await LedgerPlantModel.inForce(in: store, at: max(effectiveAt, clock()))
        guard let (plant, plantVersion) = inForce else {
            throw GovernanceError(.invalid, field: "plant", "the ledger holds no plant model yet; record one first")
        }
        let impact: ChangeImpact
        let version: String
        let base: String?
        let content: String
        switch change {
        case .plantModel(let model):
            do { try model.validate() } catch { throw GovernanceError(.invalid, field: "plant", error.description) }
            version = PlantModelFile.fingerprint(model)
            base = plantVersion
            guard version != plantVersion else {
                throw GovernanceError(.invalid, field: "plant", "plant model \(version) is already in force")
            }
            var i = ChangeImpact(from: plant, to: model)
            i.affectedEvents = try await countEvents(units: i.units, from: effectiveAt)
            impact = i
            content = PlantModelFile.canonicalJSON(model)
        case .blueprint(let blueprint):
            do { try blueprint.validate(plant: plant) } catch {
                throw GovernanceError(.invalid, field: "blueprint", "\(error)")
            }
            let current = try await LedgerBlueprint.asOf(max(effectiveAt, clock()), in: store)
            version = BlueprintFile.fingerprint(blueprint)
            base = current?.version
            guard version != base else {
                throw GovernanceError(.invalid, field: "blueprint", "blueprint \(version) is already in force")
            }
            impact = ChangeImpact(from: current?.blueprint, to: blueprint)
            content = BlueprintFile.canonicalJSON(blueprint)
        case .kpiDefinition(let id):
            guard let proposed = KPICatalogue.version(id) else {
                throw GovernanceError(
                    .invalid, field: "kpiDefinition",
                    "'\(id)' is not a KPI definition version (\(KPICatalogue.versions.map(\.id).joined(separator: ", ")))")
            }
            let current = try await LedgerKPIDefinition.inForce(in: store, at: max(effectiveAt, clock()))
            guard id != current else {
                throw GovernanceError(.invalid, field: "kpiDefinition", "KPI definition \(id) is already in force")
            }
            version = id
            base = current
            let old = KPICatalogue.version(current)
            let changed = old.map { proposed.kpisDiffering(from: $0) } ?? proposed.kpis.map(\.id)
            let elements = proposed.elements.filter { r in old?.element(r.name)?.formula != r.formula }.map(\.name)
            impact = ChangeImpact(
                changes: ["KPI definition \(current) → \(id)"]
                    + changed.map { k in "changed KPI \(k): \(old?.kpi(k)?.formula ?? "–") → \(proposed.kpi(k)!.formula)" }
                    + (elements.isEmpty ? [] : ["changed or new elements: \(elements.joined(separator: ", "))"]),
                sites: plant.sites.map(\.id), units: [], kpis: changed, affectedEvents: nil)
            content = JSONValue.object(["definition": .string(id)]).canonical
        case .routing(let routing):
            (version, base, impact, content) = try await routingProposal(routing, plant: plant, at: max(effectiveAt, clock()))
        }
        try authorize(actor, .proposeChange, sites: .sites(Set(impact.sites)))
        let existing = try await store.entries(kind: .changeRequest).count { $0.entry.type == "proposed" }
        var number = existing + 1
        var id = "CR-" + String(format: "%04d", number)
        // Ledgers written before id spaces were reserved may hold an event under a change request number.
        while try await store.entry(id: id) != nil {
            number += 1
            id = "CR-" + String(format: "%04d", number)
        }
        var body: [String: JSONValue] = [
            "changeRequest": .string(id), "subject": .string(change.subject.rawValue), "reason": .string(why),
            "effectiveAt": .number(Double(effectiveAt.milliseconds)), "proposedVersion": .string(version),
            "requiredApprovals": .array(change.subject.requiredApprovals.map { .string($0.rawValue) }),
            "impact": .object([
                "changes": .array(impact.changes.map(JSONValue.string)), "sites": .array(impact.sites.map(JSONValue.string)),
                "units": .array(impact.units.map(JSONValue.string)), "kpis": .array(impact.kpis.map(JSONValue.string)),
                "affectedEvents": impact.affectedEvents.map { .number(Double($0)) } ?? .null,
            ]),
            "content": try JSONValue.parse(Data(content.utf8)),
        ]
        if let base { body["baseVersion"] = .string(base) }
        let entry = PendingEntry(
            id: id, kind: .changeRequest, ts: effectiveAt, unit: plant.enterprise, type: "proposed", source: "spar",
            body: JSONValue.object(body).canonical)
        _ = try await appendOne(entry, by: actor)
        return try await changeRequest(id)!
    }

    /// Approves change request `id` with an electronic signature (meaning `approved`) counting for `role` (by default
    /// the first still-missing role the signer holds). The approval that completes the request appends the new
    /// version, effective at the requested time or now if that has passed, in the same atomic batch.
    @discardableResult
    public func approve(
        _ id: String, role: Role? = nil, reason: String? = nil, credentials: Credentials, session: SigningSession?,
        station: String
    ) async throws -> (ChangeRequest, SigningSession) {
        guard let cr = try await changeRequest(id) else { throw GovernanceError(.notFound, field: "changeRequest", "no change request \(id)") }
        guard case .proposed(let missing) = cr.state else {
            throw GovernanceError(.invalid, field: "changeRequest", "\(id) is \(cr.state); only a proposed change can be approved")
        }
        let dir = try await directory()
        let signerID = credentials.user.flatMap { $0.isEmpty ? nil : $0 } ?? session?.user ?? ""
        guard let account = dir.users[signerID] else {
            throw GovernanceError(.authenticationFailed, field: "user", "enter your user id and password")
        }
        guard "user:\(account.id)" != cr.proposedBy else {
            throw GovernanceError(.denied, field: "user", "\(account.id) proposed \(id) and cannot approve it")
        }
        guard !cr.decisions.contains(where: { $0.by == "user:\(account.id)" && $0.verdict == .approved }) else {
            throw GovernanceError(.denied, field: "user", "\(account.id) already approved \(id); each approval needs another person")
        }
        let counted: Role
        if let role {
            guard missing.contains(role) else {
                throw GovernanceError(.invalid, field: "role", "\(id) needs no further \(role.rawValue) approval (missing: \(missing.map(\.rawValue).joined(separator: ", ")))")
            }
            counted = role
        } else {
            guard let r = missing.first(where: account.roles.contains) else {
                throw GovernanceError(
                    .denied, field: "role",
                    "\(id) awaits approval by \(missing.map(\.rawValue).joined(separator: ", ")); \(account.id) holds \(account.roles.sorted().map(\.rawValue).joined(separator: ", "))")
            }
            counted = r
        }
        guard account.sites == .all || cr.impact.sites.allSatisfy(account.sites.contains) else {
            throw GovernanceError(.denied, field: "sites", "\(id) affects sites \(cr.impact.sites.joined(separator: ", ")); \(account.id) may act on \(account.sites)")
        }
        let completes = missing.count == 1
        try await refuseIfStale(cr, at: max(cr.requestedEffectiveAt, clock()))
        if cr.subject == .routing {
            let session = try await approveRouting(
                cr, role: counted, reason: reason, credentials: credentials, session: session, station: station,
                completes: completes)
            return (try await changeRequest(id)!, session)
        }
        let (_, session) = try await sign(
            record: id, meaning: .approved, reason: reason, credentials: credentials, session: session, station: station,
            role: counted, requiredPermission: .approveChange
        ) { _, signedAt in
            guard completes else { return [] }
            return [
                try Self.versionEntry(
                    cr, effectiveAt: max(cr.requestedEffectiveAt, signedAt), recordedAt: signedAt)
            ]
        }
        return (try await changeRequest(id)!, session)
    }

    /// Refuses to approve a request proposed against a version that is no longer the one in force when it would
    /// take effect: another change landed in between, and approving would silently undo it.
    func refuseIfStale(_ cr: ChangeRequest, at t: Timestamp) async throws {
        let current: String?
        switch cr.subject {
        case .plantModel: current = try await LedgerPlantModel.inForce(in: store, at: t)?.1
        case .blueprint: current = try await LedgerBlueprint.asOf(t, in: store)?.version
        case .kpiDefinition, .routing: return
        }
        guard let current, current != cr.baseVersion else { return }
        throw GovernanceError(
            .invalid, field: "changeRequest",
            "\(cr.id) was proposed against \(cr.subject.rawValue) \(cr.baseVersion ?? "none"), but \(current) is in force "
                + "at \(t.rfc3339) (another change took effect); approving would undo it: withdraw \(cr.id) and propose again")
    }

    /// Rejects or withdraws a proposed change request (with a reason). Rejection needs `approveChange`; withdrawal is
    /// for the proposer or an admin.
    public func close(_ id: String, verdict: ChangeDecision.Verdict, reason: String, by actor: Principal) async throws {
        guard verdict != .approved else { throw GovernanceError(.invalid, field: "verdict", "approvals are signatures: use approve") }
        guard let cr = try await changeRequest(id) else { throw GovernanceError(.notFound, field: "changeRequest", "no change request \(id)") }
        guard case .proposed = cr.state else {
            throw GovernanceError(.invalid, field: "changeRequest", "\(id) is \(cr.state); only a proposed change can be closed")
        }
        do {
            if verdict == .rejected {
                try actor.authorize(.approveChange)
            } else if actor.id != cr.proposedBy {
                try actor.authorize(.manageUsers)
            }
        } catch { throw GovernanceError.denied(error) }
        try await append(
            type: verdict.rawValue, subject: id,
            body: .object(["changeRequest": .string(id), "reason": .string(try Self.reason(reason))]), by: actor,
            kind: .changeRequest)
    }

    /// Every change request, oldest first, with its state now.
    public func changeRequests() async throws -> [ChangeRequest] {
        let entries = try await store.entries(kind: .changeRequest)
        let signatureEntries = try await store.entries(kind: .signature)
        let now = clock()
        var closes: [String: [ChangeDecision]] = [:]
        for e in entries where e.entry.type != "proposed" {
            closes[e.entry.unit, default: []].append(
                ChangeDecision(
                    verdict: ChangeDecision.Verdict(rawValue: e.entry.type) ?? .withdrawn, by: Self.principalID(e.recordedBy),
                    role: nil, at: e.recordedAt, seq: e.seq))
        }
        var approvals: [String: [(ChangeDecision, SignatureManifestation)]] = [:]
        for e in signatureEntries {
            guard let m = Self.manifestation(of: e), m.meaning == .approved, m.record.hasPrefix("CR-") else { continue }
            approvals[m.record, default: []].append(
                (ChangeDecision(verdict: .approved, by: "user:\(m.signer)", role: m.role, at: m.signedAt, seq: e.seq), m))
        }
        return try entries.filter { $0.entry.type == "proposed" }.map { e in
            try Self.decode(e, closes: closes[e.entry.id] ?? [], approvals: approvals[e.entry.id] ?? [], now: now)
        }
    }

    public func changeRequest(_ id: String) async throws -> ChangeRequest? {
        try await changeRequests().first { $0.id == id }
    }

    static func principalID(_ recordedBy: String) -> String {
        String(recordedBy.split(separator: " ").first ?? Substring(recordedBy))
    }

    static func decode(
        _ e: LedgerEntry, closes: [ChangeDecision], approvals: [(ChangeDecision, SignatureManifestation)], now: Timestamp
    ) throws -> ChangeRequest {
        let b = try JSONValue.parse(Data(e.entry.body.utf8))
        let subject = b["subject"]?.stringValue.flatMap(ChangeSubject.init(rawValue:)) ?? .plantModel
        let required = (b["requiredApprovals"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Role.init(rawValue:)) }
        let effectiveAt = Timestamp(milliseconds: Int64(b["effectiveAt"]?.numberValue ?? 0))
        let i = b["impact"]
        func strings(_ key: String) -> [String] { (i?[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        let impact = ChangeImpact(
            changes: strings("changes"), sites: strings("sites"), units: strings("units"), kpis: strings("kpis"),
            affectedEvents: i?["affectedEvents"]?.numberValue.map { Int($0) })
        let proposer = principalID(e.recordedBy)
        let decisions = (closes + approvals.map(\.0)).sorted { $0.seq < $1.seq }
        return ChangeRequest(
            id: e.entry.id, subject: subject, reason: b["reason"]?.stringValue ?? "", requestedEffectiveAt: effectiveAt,
            proposedBy: proposer, proposedAt: e.recordedAt, baseVersion: b["baseVersion"]?.stringValue,
            proposedVersion: b["proposedVersion"]?.stringValue ?? "", requiredApprovals: required, impact: impact,
            content: b["content"]?.canonical ?? "{}", seq: e.seq, enterprise: e.entry.unit, decisions: decisions, signatures: approvals.map(\.1),
            state: ChangeSequencing.state(
                required: required, proposedBy: proposer, requestedEffectiveAt: effectiveAt, decisions: decisions,
                now: now))
    }

    /// The version entry an approved request appends, effective at `effectiveAt`.
    static func versionEntry(_ cr: ChangeRequest, effectiveAt: Timestamp, recordedAt: Timestamp) throws -> PendingEntry {
        switch cr.subject {
        case .plantModel:
            let model = try PlantModelFile.decode(Data(cr.content.utf8), name: cr.id, json: true)
            return LedgerPlantModel.entry(model, effectiveAt: effectiveAt, changeRequest: cr.id, recordedAt: recordedAt)
        case .kpiDefinition:
            let body = try JSONValue.parse(Data(cr.content.utf8))
            guard let id = body["definition"]?.stringValue else {
                throw GovernanceError(.invalid, field: "content", "\(cr.id) names no KPI definition")
            }
            return LedgerKPIDefinition.entry(
                definition: id, enterprise: cr.enterprise, reason: cr.reason, effectiveAt: effectiveAt,
                changeRequest: cr.id, recordedAt: recordedAt)
        case .routing:
            throw GovernanceError(.invalid, field: "subject", "a routing revision is released by the execution record")
        case .blueprint:
            let blueprint = try BlueprintFile.decodeUnvalidated(Data(cr.content.utf8), name: cr.id, json: true)
            return try LedgerBlueprint.entry(
                blueprint, enterprise: cr.enterprise, reason: cr.reason, previous: cr.baseVersion,
                effectiveAt: effectiveAt, changeRequest: cr.id, recordedAt: recordedAt)
        }
    }

    func countEvents(units: [String], from: Timestamp) async throws -> Int {
        guard !units.isEmpty else { return 0 }
        var n = 0
        let set = Set(units)
        var after: Int64 = 0
        while true {
            let page = try await store.entries(afterSeq: after, limit: 20_000)
            guard let last = page.last else { break }
            after = last.seq
            n += page.count { $0.entry.kind == .event && $0.entry.ts >= from && set.contains($0.entry.unit) }
        }
        return n
    }
}

extension Governance {
    /// Checks that master data changed only under change control once users were enrolled: every later plant model
    /// or blueprint version names a change request that was fully approved before the version was recorded, and takes
    /// effect no earlier than that approval.
    public func verifyChangeControl() async throws -> [GovernanceFinding] {
        guard let firstIdentity = try await store.entries(kind: .identity).first?.seq else { return [] }
        let requests = Dictionary(try await changeRequests().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [GovernanceFinding] = []
        for kind in [LedgerEntryKind.plantModel, .blueprint, .kpiDefinition] {
            let versions = try await store.entries(kind: kind)
            for (i, e) in versions.enumerated() where e.seq > firstIdentity {
                func bad(_ field: String, _ detail: String) {
                    out.append(GovernanceFinding(seq: e.seq, id: e.entry.id, field: field, detail: detail))
                }
                guard e.entry.source.hasPrefix("change:") else {
                    if i > 0 { bad("source", "a \(kind.rawValue) version recorded outside change control") }
                    continue
                }
                let id = String(e.entry.source.dropFirst("change:".count))
                guard let cr = requests[id] else {
                    bad("source", "names change request \(id), which is not in the ledger")
                    continue
                }
                let approvedAt = ChangeSequencing.approvedAt(
                    required: cr.requiredApprovals, proposedBy: cr.proposedBy,
                    decisions: cr.decisions.filter { $0.seq < e.seq })
                guard let approvedAt else {
                    bad("source", "\(id) was not fully approved before this version was recorded")
                    continue
                }
                if e.entry.ts < approvedAt { bad("ts", "takes effect \(e.entry.ts.rfc3339), before \(id)'s approval at \(approvedAt.rfc3339)") }
                if e.entry.ts < cr.requestedEffectiveAt {
                    bad("ts", "takes effect \(e.entry.ts.rfc3339), before \(id)'s requested time \(cr.requestedEffectiveAt.rfc3339)")
                }
            }
        }
        return out
    }
}
