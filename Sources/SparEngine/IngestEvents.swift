import Foundation
import SparCore
import SparInterchange
import SparStorage

/// What an ingest run did.
public struct IngestReport: Sendable {
    public var lines = 0
    public var accepted = 0
    public var duplicates = 0
    public var rejections: [EventRejection] = []
    /// The lines the ledger stored or already held, in input order: line number (0 when none was given), event id
    /// and whether it was a duplicate.
    public var acknowledged: [Acknowledgement] = []

    /// One line the ledger acknowledged.
    public struct Acknowledgement: Sendable, Hashable {
        public var line: Int
        public var id: String
        public var duplicate: Bool
    }

    public init() {}

    public mutating func add(_ other: IngestReport) {
        lines += other.lines
        accepted += other.accepted
        duplicates += other.duplicates
        rejections += other.rejections
        acknowledged += other.acknowledged
    }
}

/// Validates events against the plant model and appends the valid ones to the ledger, idempotently.
///
/// Each batch is one ledger transaction: what a batch's report acknowledges is durable.
public struct IngestEvents: Sendable {
    public let model: PlantModel
    public let store: any LedgerStore
    public let recordedBy: String
    /// Who is appending: events outside its sites, corrections without the `correct` permission and, for a source
    /// system's token, events claiming another source are rejected. Nil: no access control (a ledger without users).
    public let principal: Principal?
    /// Events more than this far ahead of the server clock are refused (clock skew), milliseconds.
    public let maxFutureSkew: Int64
    let validator: EventValidator
    let now: @Sendable () -> Timestamp

    public init(
        model: PlantModel, store: any LedgerStore, recordedBy: String, principal: Principal? = nil,
        maxFutureSkew: Int64 = 300_000, now: @escaping @Sendable () -> Timestamp
    ) {
        self.model = model
        self.store = store
        self.recordedBy = principal?.recordedBy ?? recordedBy
        self.principal = principal
        self.maxFutureSkew = maxFutureSkew
        self.now = now
        validator = EventValidator(model: model)
    }

    /// Ingests numbered JSON Lines records (blank lines are skipped).
    public func ingest(lines: [(Int, Substring)]) async throws -> IngestReport {
        var decoded: [(Int, Result<Event, EventRejection>)] = []
        decoded.reserveCapacity(lines.count)
        var report = IngestReport()
        for (n, text) in lines where !text.allSatisfy(\.isWhitespace) {
            report.lines += 1
            decoded.append((n, EventCoding.decode(line: text, lineNumber: n)))
        }
        report.add(try await ingest(decoded: decoded))
        report.lines = decoded.count
        return report
    }

    /// Ingests numbered JSON Lines records given as the bytes read (blank lines are skipped). Bytes that are not
    /// UTF-8 reject their line, naming the field; they are never replaced.
    public func ingest(records: [(Int, Data)]) async throws -> IngestReport {
        var decoded: [(Int, Result<Event, EventRejection>)] = []
        decoded.reserveCapacity(records.count)
        let decoder = JSONDecoder()
        for (n, bytes) in records where !bytes.allSatisfy(StrictJSON.isSpace) {
            decoded.append((n, EventCoding.decode(data: bytes, lineNumber: n, using: decoder)))
        }
        var report = try await ingest(decoded: decoded)
        report.lines = decoded.count
        return report
    }

    /// Ingests already decoded events (`line` numbers are for the report).
    public func ingest(events: [(line: Int?, event: Event)]) async throws -> IngestReport {
        var report = try await ingest(decoded: events.map { ($0.line ?? 0, .success($0.event)) })
        report.lines = events.count
        return report
    }

    func ingest(decoded: [(Int, Result<Event, EventRejection>)]) async throws -> IngestReport {
        try await commit(prepare(decoded: decoded))
    }

    /// A batch validated against the plant model, the writer's access and the clock, with each event's canonical
    /// body and KPI record computed: the part of ingest that needs no ledger, so that the next batch can be prepared
    /// while the previous one is appended.
    public struct PreparedBatch: Sendable {
        var lines = 0
        var rejections: [EventRejection] = []
        var pending: [(line: Int, event: Event, entry: PendingEntry)] = []
        var batchIDs: [String: Event] = [:]
        var targets: [String] = []
    }

    /// Decodes, validates and encodes numbered JSON Lines records (blank lines are skipped) without touching the
    /// ledger; ``commit(_:)`` appends them.
    public func prepare(records: [(Int, Data)]) -> PreparedBatch {
        var decoded: [(Int, Result<Event, EventRejection>)] = []
        decoded.reserveCapacity(records.count)
        let decoder = JSONDecoder()
        for (n, bytes) in records where !bytes.allSatisfy(StrictJSON.isSpace) {
            decoded.append((n, EventCoding.decode(data: bytes, lineNumber: n, using: decoder)))
        }
        var batch = prepare(decoded: decoded)
        batch.lines = decoded.count
        return batch
    }

    func prepare(decoded: [(Int, Result<Event, EventRejection>)]) -> PreparedBatch {
        var batch = PreparedBatch()
        batch.lines = decoded.count
        batch.pending.reserveCapacity(decoded.count)
        let clock = now()
        for (n, result) in decoded {
            switch result {
            case .failure(let r):
                batch.rejections.append(r)
            case .success(let e):
                if let problem = validator.problem(with: e, line: n) {
                    batch.rejections.append(problem)
                    continue
                }
                if let problem = Self.derivedProblem(with: e, line: n) {
                    batch.rejections.append(problem)
                    continue
                }
                if let denial = accessProblem(with: e, line: n) {
                    batch.rejections.append(denial)
                    continue
                }
                if e.ts.milliseconds > clock.milliseconds + maxFutureSkew {
                    batch.rejections.append(
                        EventRejection(line: n, id: e.id.rawValue, field: "ts",
                            reason: "\(e.ts) is in the future (server time \(clock)); check the source's clock"))
                    continue
                }
                var corrects: String?
                if case .correction(let c) = e.payload {
                    corrects = c.corrects.rawValue
                    batch.targets.append(c.corrects.rawValue)
                }
                if batch.batchIDs[e.id.rawValue] == nil { batch.batchIDs[e.id.rawValue] = e }
                let body = EventCoding.canonical(e)
                batch.pending.append((n, e, PendingEntry(
                    id: e.id.rawValue, kind: .event, ts: e.ts, unit: e.unit.description, type: e.type, source: e.source,
                    body: body, corrects: corrects, kpi: LedgerProjection.change(for: e, body: body))))
            }
        }
        return batch
    }

    /// Appends a prepared batch in one ledger transaction: corrections are checked against their targets (in the
    /// batch or stored before it), then the store reports each event as accepted, duplicate or rejected.
    public func commit(_ prepared: PreparedBatch) async throws -> IngestReport {
        var report = IngestReport()
        report.lines = prepared.lines
        report.rejections = prepared.rejections
        let pending = prepared.pending
        let batchIDs = prepared.batchIDs
        let targets = prepared.targets
        let clock = now()
        var stored: [String: LedgerEntry] = [:]
        for id in Set(targets) where batchIDs[id] == nil {
            if let entry = try await store.entry(id: id) { stored[id] = entry }
        }
        var batch: [PendingEntry] = []
        var lines: [Int] = []
        for p in pending {
            if case .correction(let c) = p.event.payload,
                let rejection = correctionProblem(c, of: p.event, line: p.line, batch: batchIDs, stored: stored)
            {
                report.rejections.append(rejection)
                continue
            }
            batch.append(p.entry)
            lines.append(p.line)
        }
        // Corrections go after every event of the batch, so one may name an event sent later in the same batch; the
        // store accepts a correction only if its target was stored before it.
        let order = batch.indices.sorted { (batch[$0].corrects != nil ? 1 : 0, $0) < (batch[$1].corrects != nil ? 1 : 0, $1) }
        let outcomes = try await store.append(order.map { batch[$0] }, recordedAt: clock, recordedBy: recordedBy)
        var byInput = [AppendOutcome?](repeating: nil, count: batch.count)
        for (k, i) in order.enumerated() { byInput[i] = outcomes[k] }
        for (i, outcome) in byInput.enumerated() {
            switch outcome {
            case .accepted?:
                report.accepted += 1
                report.acknowledged.append(.init(line: lines[i], id: batch[i].id, duplicate: false))
            case .duplicate?:
                report.duplicates += 1
                report.acknowledged.append(.init(line: lines[i], id: batch[i].id, duplicate: true))
            case .rejected(let reason, let field)?:
                report.rejections.append(EventRejection(line: lines[i], id: batch[i].id, field: field, reason: reason))
            case nil:
                throw StorageError("the ledger answered \(outcomes.count) outcomes for a batch of \(batch.count)")
            }
        }
        report.rejections.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        return report
    }

    /// Why correction `c` (event `e`) may not be appended by this writer, judged before the store checks that its
    /// target was accepted: the target must be an event (in this batch or stored), of a site the writer may write,
    /// and a person must give a reason.
    func correctionProblem(
        _ c: Correction, of e: Event, line: Int, batch: [String: Event], stored: [String: LedgerEntry]
    ) -> EventRejection? {
        func reject(_ field: String, _ reason: String) -> EventRejection {
            EventRejection(line: line, id: e.id.rawValue, field: field, reason: reason)
        }
        let target = c.corrects.rawValue
        let targetUnit: String
        if let b = batch[target], b.id != e.id {
            if case .correction = b.payload {
                return reject("corrects", "'\(target)' is itself a correction; correct the original event instead")
            }
            targetUnit = b.unit.description
        } else if let entry = stored[target] {
            guard entry.entry.kind == .event else {
                return reject(
                    "corrects",
                    "'\(target)' is a \(entry.entry.kind.rawValue) entry, not an event; only events can be corrected")
            }
            targetUnit = entry.entry.unit
        } else {
            return reject("corrects", "no accepted event has id '\(target)'")
        }
        if let principal, principal.sites != .all {
            guard let site = model.site(ofScope: targetUnit), principal.sites.contains(site) else {
                let site = model.site(ofScope: targetUnit) ?? "of no site in the plant model (\(targetUnit))"
                return reject(
                    "corrects", "access denied: \(principal.id) may not write site \(site) (sites: \(principal.sites))")
            }
        }
        if principal?.kind == .user, (c.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            return reject("reason", "a correction made by a person needs a reason (why the record is changed or voided)")
        }
        return nil
    }

    /// Why `e` may not come through ingest: the events derived from the traveler record are written with their
    /// execution entry only, and corrected only through an execution correction.
    static func derivedProblem(with e: Event, line: Int) -> EventRejection? {
        if e.source == ExecutionShopFloor.source {
            return EventRejection(
                line: line, id: e.id.rawValue, field: "source",
                reason: "source '\(e.source)' is reserved for the events Spar derives from the traveler record")
        }
        if case .correction(let c) = e.payload, LedgerEntryKind.isDerivedExecutionEvent(c.corrects.rawValue) {
            return EventRejection(
                line: line, id: e.id.rawValue, field: "corrects",
                reason: "'\(c.corrects)' is derived from the traveler record; correct the execution entry it came from "
                    + "(spar traveler correct) instead")
        }
        return nil
    }

    /// Why `principal` may not append `e`, if it may not.
    func accessProblem(with e: Event, line: Int) -> EventRejection? {
        guard let principal else { return nil }
        let id = e.id.rawValue
        let isCorrection: Bool
        if case .correction = e.payload { isCorrection = true } else { isCorrection = false }
        let permission: Permission = isCorrection ? .correct : .ingest
        guard principal.may(permission) else {
            return EventRejection(
                line: line, id: id, field: "type",
                reason: "access denied: \(principal.id) does not hold the '\(permission.rawValue)' permission")
        }
        if let site = model.site(ofScope: e.unit.description), !principal.sites.contains(site) {
            return EventRejection(
                line: line, id: id, field: "unit",
                reason: "access denied: \(principal.id) may not write site \(site) (sites: \(principal.sites))")
        }
        if case .correction(let c) = e.payload, let r = c.replacement,
            let site = model.site(ofScope: r.unit.description), !principal.sites.contains(site)
        {
            return EventRejection(
                line: line, id: id, field: "replacement.unit",
                reason: "access denied: \(principal.id) may not write site \(site) (sites: \(principal.sites))")
        }
        if principal.kind == .system, e.source != principal.name {
            return EventRejection(
                line: line, id: id, field: "source",
                reason: "the token authenticates system '\(principal.name)'; it cannot send events of source '\(e.source)'")
        }
        return nil
    }
}
