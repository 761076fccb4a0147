import Foundation
import SparCore
import SparEngine
import SparInterchange

/// Imports one B2MML message: its order starts, counts and order ends go to the ledger through the same checks as
/// any ingest (idempotent by their derived ids); its equipment, materials and lots become a plant model change
/// request (never a silent edit); and the import itself is recorded in the audit trail.
public struct ImportB2MML: Sendable {
    public var ingest: IngestEvents
    public var governance: Governance
    public var principal: Principal

    /// The use case for `principal` appending through `ingest`.
    public init(ingest: IngestEvents, governance: Governance, principal: Principal) {
        self.ingest = ingest
        self.governance = governance
        self.principal = principal
    }

    /// What one message gave.
    public struct Outcome: Sendable {
        public var file: String
        public var reading: B2MML.Reading
        public var accepted = 0
        public var duplicates = 0
        /// Events the ledger refused, with the element each came from.
        public var rejections: [(rejection: EventRejection, path: String, line: Int)] = []
        /// The change request proposed for the message's master data.
        public var changeRequest: ChangeRequest?
        /// A request already open for the same plant model version (nothing new proposed).
        public var alreadyProposed: String?
        /// Why the master data could not be proposed (no right to propose, an invalid model).
        public var proposalProblem: String?

        /// Everything refused: elements the reader could not map, events the ledger refused, a failed proposal.
        public var refused: Int { reading.problems.count + rejections.count + (proposalProblem == nil ? 0 : 1) }

        /// One line: `FILE (B2MML V0600 ProcessOperationsSchedule): 4 order: 3 events accepted, …`.
        public var summary: String {
            let records = reading.records.sorted { $0.key < $1.key }.map { B2MML.Reading.counted($0.value, $0.key) }.joined(separator: ", ")
            var s = "\(file) (B2MML \(reading.version) \(reading.root)): \(records.isEmpty ? "no records" : records); "
            s += "events: \(accepted) accepted, \(duplicates) duplicate, \(rejections.count) rejected"
            s += "; \(reading.problems.count) element\(reading.problems.count == 1 ? "" : "s") refused"
            if !reading.notKept.isEmpty { s += ", \(reading.notKept.count) not kept" }
            if let cr = changeRequest {
                s += "; master data: \(cr.id) proposed (\(reading.masterDataChanges.count) change\(reading.masterDataChanges.count == 1 ? "" : "s"))"
            } else if let id = alreadyProposed {
                s += "; master data: already proposed as \(id)"
            } else if reading.proposedModel != nil, proposalProblem == nil {
                s += "; master data: \(reading.masterDataChanges.count) change\(reading.masterDataChanges.count == 1 ? "" : "s") (proposed below)"
            } else if reading.records.keys.contains(where: { ["equipment", "material", "lot"].contains($0) }),
                proposalProblem == nil
            {
                s += "; master data: already in the plant model"
            }
            return s
        }
    }

    /// Proposes the plant model a reading's master data gives, unless a request for that same version is already
    /// open. Returns the new request, or the open one's id, or why nothing could be proposed.
    public static func proposeMasterData(
        _ reading: B2MML.Reading, file: String, governance: Governance, principal: Principal, reason: String?,
        effectiveAt: Timestamp
    ) async throws -> (ChangeRequest?, String?, String?) {
        guard let model = reading.proposedModel else { return (nil, nil, nil) }
        let version = PlantModelFile.fingerprint(model)
        let open = try await governance.changeRequests().first { cr in
            cr.subject == .plantModel && cr.proposedVersion == version
                && (cr.state.label == "proposed" || cr.state.label == "approved")
        }
        if let open { return (nil, open.id, nil) }
        let why = reason ?? "B2MML import of \(file): \(reading.masterDataChanges.joined(separator: "; "))"
        do {
            let cr = try await governance.propose(.plantModel(model), reason: why, effectiveAt: effectiveAt, by: principal)
            return (cr, nil, nil)
        } catch let e as GovernanceError {
            return (nil, nil, e.description)
        }
    }

    /// Reads, ingests and proposes one message named `file` from `source`. `readAgainst` is the plant model units and
    /// master data are resolved in (default: the ingest's); with `propose` false the master data is only read (the
    /// caller proposes several files' master data as one change).
    public func run(
        _ data: Data, file: String, source: String, reason: String?, effectiveAt: Timestamp?, recordedAt: Timestamp,
        readAgainst: PlantModel? = nil, propose: Bool = true
    ) async throws -> Outcome {
        let reading = try B2MML.read(data, model: readAgainst ?? ingest.model, source: source)
        var outcome = Outcome(file: file, reading: reading)
        if !reading.events.isEmpty {
            let report = try await ingest.ingest(
                events: reading.events.enumerated().map { (line: $0.offset + 1, event: $0.element.event) })
            outcome.accepted = report.accepted
            outcome.duplicates = report.duplicates
            for r in report.rejections {
                let at = (r.line ?? 0) - 1
                let located = reading.events.indices.contains(at) ? reading.events[at] : nil
                var rejection = r
                rejection.line = located?.line
                outcome.rejections.append((rejection, located?.path ?? "", located?.line ?? 0))
            }
        }
        if propose {
            (outcome.changeRequest, outcome.alreadyProposed, outcome.proposalProblem) = try await Self.proposeMasterData(
                reading, file: file, governance: governance, principal: principal, reason: reason,
                effectiveAt: effectiveAt ?? recordedAt)
        }
        let rows = reading.records.values.reduce(0, +)
        try await LedgerImportRecord.record(
            .init(
                format: "b2mml", file: file, data: data, rows: rows, accepted: outcome.accepted,
                duplicates: outcome.duplicates, rejected: outcome.refused, changeRequest: outcome.changeRequest?.id),
            enterprise: ingest.model.enterprise, in: ingest.store, recordedAt: recordedAt,
            recordedBy: ingest.recordedBy)
        return outcome
    }
}
