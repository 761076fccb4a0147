import Foundation
import SparCore
import SparEngine
import SparInterchange
import SparStorage

/// A person signing an execution record: the credentials they re-authenticate with and, optionally, the role their
/// signature counts for.
public struct ExecutionSigner: Sendable {
    public var credentials: Credentials
    public var role: Role?
    public var session: SigningSession?

    public init(credentials: Credentials, role: Role? = nil, session: SigningSession? = nil) {
        self.credentials = credentials
        self.role = role
        self.session = session
    }
}

/// What a signed execution use case recorded, with each signer's session (for the next signing without the user id).
public struct SignedExecutionReceipt: Sendable {
    public var receipt: ExecutionReceipt
    public var signatures: [SignatureManifestation]
    public var sessions: [SigningSession]
}

extension Governance {
    // MARK: Routings under change control

    /// The version, base revision, impact and content of a proposed routing revision.
    func routingProposal(_ routing: Routing, plant: PlantModel, at time: Timestamp) async throws
        -> (String, String?, ChangeImpact, String)
    {
        let problems = routing.validationProblems()
        guard problems.isEmpty else {
            throw GovernanceError(
                .invalid, field: "routing",
                "routing \(routing.id) is invalid: " + problems.map(\.description).joined(separator: "; "))
        }
        let units = Set(plant.allPaths.filter { $0.components.count >= 4 }.map(\.description))
        for op in routing.operations where !units.contains(op.workCenter.description) {
            throw GovernanceError(
                .invalid, field: "routing",
                "operations[\(op.sequence)].workCenter: \(op.workCenter) is not a work center or unit of the plant model")
        }
        let state = try await ExecutionLedger(store: store, clock: clock).current()
        guard state.routing(routing.id) == nil else {
            throw GovernanceError(.invalid, field: "routing", "routing \(routing.id) was already released")
        }
        let pending = try await changeRequests().contains { cr in
            cr.subject == .routing && cr.proposedVersion == routing.id.description && cr.state.label == "proposed"
        }
        guard !pending else {
            throw GovernanceError(.conflict, field: "routing", "routing \(routing.id) is already proposed")
        }
        let current = state.routing(inForceFor: routing.partNumber, at: time)
        let changes =
            ["routing \(routing.partNumber): rev \(current?.revision ?? "none") → rev \(routing.revision)"]
            + routing.operations.map { op in
                "operation \(op.sequence) \(op.title) at \(op.workCenter): \(op.steps.count) step"
                    + (op.steps.count == 1 ? "" : "s")
                    + (op.steps.contains { $0.holdPoint != nil } ? ", hold point" : "")
            }
        let workCenters = routing.operations.map(\.workCenter)
        let impact = ChangeImpact(
            changes: changes, sites: Array(Set(workCenters.compactMap(\.siteID))).sorted(),
            units: Array(Set(workCenters.map(\.description))).sorted(), kpis: [])
        return (
            routing.id.description, current.map { $0.id.description }, impact,
            ExecutionRecordJSON.json(routing).canonical
        )
    }

    /// Approves a routing change request; the approval that completes it releases the revision in the execution
    /// record, effective at the requested time (or now, when that has passed), in the same batch as the signature.
    func approveRouting(
        _ cr: ChangeRequest, role: Role, reason: String?, credentials: Credentials, session: SigningSession?,
        station: String, completes: Bool
    ) async throws -> SigningSession {
        let prepared = try await prepareSignature(
            record: cr.id, meaning: .approved, reason: reason, credentials: credentials, session: session,
            station: station, roles: [role], requireRole: true, requiredPermission: .approveChange)
        let m = prepared.manifestation
        guard completes else {
            try await appendAll(prepared.entries, prepared)
            return prepared.session
        }
        let routing: Routing
        do {
            routing = try ExecutionRecordJSON.routing(JSONValue.parse(Data(cr.content.utf8)), record: cr.id)
        } catch let p as ExecutionRecordProblem {
            throw GovernanceError(.invalid, field: "content", p.description)
        }
        let approvals = (cr.signatures + [m]).map { s in
            ExecutionSignature(
                signer: s.signer, capacity: .role(s.role ?? .engineer), meaning: .approved, time: s.signedAt,
                signatureID: s.signatureID)
        }
        let fact = ExecutionFact.routingReleased(
            RoutingReleased(routing: routing, effectiveFrom: max(cr.requestedEffectiveAt, m.signedAt), approvals: approvals))
        do {
            try await ExecutionLedger(store: store, clock: clock).record(
                fact, by: prepared.signer, permission: .approveChange, at: m.signedAt, source: "change:\(cr.id)",
                extra: prepared.entries)
        } catch let e as ExecutionError {
            throw GovernanceError(.invalid, field: "routing", e.description)
        }
        return prepared.session
    }

    func appendAll(_ batch: [PendingEntry], _ prepared: PreparedSignature) async throws {
        let outcomes = try await store.append(
            batch, recordedAt: prepared.manifestation.signedAt, recordedBy: prepared.signer.recordedBy)
        for (entry, outcome) in zip(batch, outcomes) {
            if case .rejected(let reason, let field) = outcome {
                throw GovernanceError(.conflict, field: field, "\(entry.id): \(reason)")
            }
        }
    }

    // MARK: Signed execution records

    /// Re-authenticates each signer and signs `record` with `meaning`; returns the signatures as the execution
    /// record carries them, with the entries to append.
    func executionSignatures(
        record: String, meaning: ExecutionSignatureMeaning, signers: [ExecutionSigner], reason: String?,
        station: String
    ) async throws -> (signatures: [ExecutionSignature], prepared: [PreparedSignature]) {
        guard let governed = SignatureMeaning(rawValue: meaning.rawValue) else {
            throw GovernanceError(.invalid, field: "meaning", "'\(meaning.rawValue)' is not a signature meaning")
        }
        let preferred = meaning.allowedCapacities.map { c -> Role in
            if case .role(let r) = c { r } else { .customer }
        }
        var signatures: [ExecutionSignature] = []
        var prepared: [PreparedSignature] = []
        for s in signers {
            let p = try await prepareSignature(
                record: record, meaning: governed, reason: reason, credentials: s.credentials, session: s.session,
                station: station, roles: s.role.map { [$0] } ?? preferred, requireRole: s.role != nil)
            guard let role = p.manifestation.role else {
                throw GovernanceError(.denied, field: "role", "\(p.account.id) holds no role to sign in")
            }
            signatures.append(
                ExecutionSignature(
                    signer: p.account.id, capacity: role == .customer ? .customer : .role(role), meaning: meaning,
                    time: p.manifestation.signedAt,
                    signatureID: p.manifestation.signatureID))
            prepared.append(p)
        }
        return (signatures, prepared)
    }

    func recordSigned(
        _ fact: ExecutionFact, prepared: [PreparedSignature], permission: Permission, in execution: ExecutionLedger
    ) async throws -> SignedExecutionReceipt {
        guard let first = prepared.first else {
            throw GovernanceError(.invalid, field: "signers", "a signature is required")
        }
        let time = prepared.map(\.manifestation.signedAt).max() ?? clock()
        let receipt = try await execution.record(
            fact, by: first.signer, permission: permission, at: time, extra: prepared.flatMap(\.entries))
        return SignedExecutionReceipt(
            receipt: receipt, signatures: prepared.map(\.manifestation), sessions: prepared.map(\.session))
    }

    func travelerRecord(_ traveler: String, in execution: ExecutionLedger) async throws -> String {
        guard let id = try await execution.latestEntry(traveler: traveler) else {
            throw ExecutionError.invalid(field: "traveler", reason: "no traveler '\(traveler)'")
        }
        return id
    }

    /// Completes a step with the operator's signature (meaning `performed`, after re-authentication), bound to the
    /// traveler's latest entry; the fold checks the sequence, holds and mandatory values first.
    public func completeStep(
        traveler: String, step: StepRef, signer: ExecutionSigner, station: String, in execution: ExecutionLedger
    ) async throws -> SignedExecutionReceipt {
        let record = try await travelerRecord(traveler, in: execution)
        let (signatures, prepared) = try await executionSignatures(
            record: record, meaning: .performed, signers: [signer], reason: nil, station: station)
        return try await recordSigned(
            .stepCompleted(StepCompleted(traveler: traveler, step: step, signature: signatures[0])),
            prepared: prepared, permission: .ingest, in: execution)
    }

    /// Signs a hold point (meaning `inspected` or `approved`) as an inspector, bound to the traveler's latest entry.
    public func signHoldPoint(
        traveler: String, step: StepRef, meaning: ExecutionSignatureMeaning = .inspected, signer: ExecutionSigner,
        reason: String? = nil, station: String, in execution: ExecutionLedger
    ) async throws -> SignedExecutionReceipt {
        let record = try await travelerRecord(traveler, in: execution)
        let (signatures, prepared) = try await executionSignatures(
            record: record, meaning: meaning, signers: [signer], reason: reason, station: station)
        return try await recordSigned(
            .holdPointSigned(HoldPointSigned(traveler: traveler, step: step, signature: signatures[0])),
            prepared: prepared, permission: .sign, in: execution)
    }

    /// Records the MRB's disposition of an NCR with each member's signature (meaning `approved`), bound to the NCR's
    /// latest entry; the fold checks that the signatures the disposition needs are there, each by another person.
    public func disposition(
        ncr: String, _ disposition: Disposition, addedOperations: [RoutingOperation] = [], rationale: String,
        signers: [ExecutionSigner], station: String, in execution: ExecutionLedger
    ) async throws -> SignedExecutionReceipt {
        guard let record = try await execution.latestEntry(ncr: ncr) else {
            throw ExecutionError.invalid(field: "ncr", reason: "no NCR '\(ncr)'")
        }
        let (signatures, prepared) = try await executionSignatures(
            record: record, meaning: .approved, signers: signers, reason: rationale, station: station)
        return try await recordSigned(
            .ncrDispositioned(
                NCRDispositioned(
                    ncr: ncr, disposition: disposition, addedOperations: addedOperations, signatures: signatures,
                    rationale: rationale)),
            prepared: prepared, permission: .sign, in: execution)
    }

    /// Closes an NCR with a quality signature (meaning `verified`).
    public func closeNCR(
        ncr: String, signer: ExecutionSigner, reason: String? = nil, station: String, in execution: ExecutionLedger
    ) async throws -> SignedExecutionReceipt {
        guard let record = try await execution.latestEntry(ncr: ncr) else {
            throw ExecutionError.invalid(field: "ncr", reason: "no NCR '\(ncr)'")
        }
        let (signatures, prepared) = try await executionSignatures(
            record: record, meaning: .verified, signers: [signer], reason: reason, station: station)
        return try await recordSigned(
            .ncrClosed(NCRClosed(ncr: ncr, signature: signatures[0])), prepared: prepared, permission: .sign,
            in: execution)
    }

    /// Corrects a recorded value or consumption with a reason, signed by quality or a supervisor (meaning
    /// `verified`) and bound to the corrected entry; the original stays, marked superseded.
    public func correctExecutionEntry(
        _ corrects: EventID, replacement: EntryCorrected.Replacement, reason: String, signer: ExecutionSigner,
        station: String, in execution: ExecutionLedger
    ) async throws -> SignedExecutionReceipt {
        let (signatures, prepared) = try await executionSignatures(
            record: ExecutionLedger.entryID(corrects), meaning: .verified, signers: [signer], reason: reason,
            station: station)
        return try await recordSigned(
            .entryCorrected(
                EntryCorrected(corrects: corrects, replacement: replacement, reason: reason, signature: signatures[0])),
            prepared: prepared, permission: .correct, in: execution)
    }

    /// Records a component substitution with its engineering or quality approval (meaning `approved`), bound to the
    /// parent's traveler's latest entry.
    public func substitute(
        parent: String, planned: String, substitute: GenealogyNode, reason: String, signer: ExecutionSigner,
        station: String, in execution: ExecutionLedger
    ) async throws -> SignedExecutionReceipt {
        let state = try await execution.current()
        guard let t = state.traveler(of: .serial(parent)) else {
            throw ExecutionError.invalid(field: "parent", reason: "serial \(parent) has no traveler")
        }
        let record = try await travelerRecord(t.id, in: execution)
        let (signatures, prepared) = try await executionSignatures(
            record: record, meaning: .approved, signers: [signer], reason: reason, station: station)
        return try await recordSigned(
            .componentSubstituted(
                ComponentSubstituted(
                    parent: parent, planned: planned, substitute: substitute, reason: reason,
                    approval: signatures[0])),
            prepared: prepared, permission: .sign, in: execution)
    }
}
