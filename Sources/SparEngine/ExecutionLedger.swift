import Foundation
import SparCore
import SparInterchange
import SparStorage

/// Why an execution use case recorded nothing: the record refused the fact (naming its rule), the principal may not
/// do it, or the ledger refused the entry.
public enum ExecutionError: Error, Sendable, CustomStringConvertible {
    /// The execution record refuses the fact; nothing was appended.
    case refused(ExecutionRefusal)
    /// The principal lacks a permission.
    case denied(AccessDenied)
    /// A traveler, NCR or entry that does not exist, or a request the use case cannot read.
    case invalid(field: String, reason: String)
    /// The ledger refused the entry (another writer took the same execution id: try again).
    case conflict(field: String, reason: String)

    public var description: String {
        switch self {
        case .refused(let r): r.description
        case .denied(let d): d.description
        case .invalid(let field, let reason): "\(field): \(reason)"
        case .conflict(let field, let reason): "\(field): \(reason)"
        }
    }
}

/// What recording one fact did.
public struct ExecutionReceipt: Sendable, Hashable {
    public var event: ExecutionEvent
    /// The ledger entry id (`execution:<event id>`) and its sequence number.
    public var entryID: String
    public var seq: Int64
    /// What the fold did beyond recording the fact (an out-of-limit value opening an NCR).
    public var consequences: [ExecutionConsequence]
    /// Derived shop-floor events the store refused (a state of another source at the same instant on the unit),
    /// each with its reason: the fact stands, and its KPI input lacks them.
    public var derivedRejections: [String] = []
}

/// An execution entry that did not fold on replay (written concurrently by another process, or not decodable).
public struct ExecutionReplayProblem: Sendable, Hashable, CustomStringConvertible {
    public var seq: Int64
    public var entryID: String
    public var reason: String

    public var description: String { "#\(seq) \(entryID): \(reason)" }
}

/// The execution record kept in the ledger: every fact is an `execution` entry, and the state is the fold of those
/// entries (``ExecutionState``), read incrementally by sequence number.
///
/// Each use case rebuilds what is new, validates the fact with the fold before appending (a refusal names its rule and
/// appends nothing), and appends the fact with any signature entries in one ledger transaction. Execution event ids
/// are consecutive numbers, so a second writer that raced to the same number is refused by the store.
public actor ExecutionLedger {
    public let store: any LedgerStore
    let clock: @Sendable () -> Timestamp
    var state = ExecutionState()
    var lastSeq: Int64 = 0
    var entryCount = 0
    var problems: [ExecutionReplayProblem] = []
    /// Ledger id of the latest entry of each traveler (`traveler:T`) and NCR (`ncr:N`): what a signature binds to.
    var latestEntry: [String: String] = [:]
    /// The work unit or center each traveler's entries are recorded at (its first operation's).
    var travelerUnit: [String: String] = [:]

    public init(store: any LedgerStore, clock: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.clock = clock
    }

    /// The ledger id of an execution event.
    public static func entryID(_ event: EventID) -> String { "execution:\(event.rawValue)" }

    /// The execution record now, with what was appended since the last read.
    public func current() async throws -> ExecutionState {
        try await refresh()
        return state
    }

    /// Entries that did not fold on replay, in sequence order (none when every writer went through the use cases).
    public func replayProblems() async throws -> [ExecutionReplayProblem] {
        try await refresh()
        return problems
    }

    /// The record as of `time` (event time), replayed from the ledger.
    public func state(asOf time: Timestamp) async throws -> ExecutionState {
        var s = ExecutionState()
        for e in try await store.entries(kind: .execution) where e.entry.ts <= time {
            guard let event = try? ExecutionRecordJSON.decode(body: e.entry.body, record: e.entry.id) else { continue }
            _ = try? s.apply(event)
        }
        return s
    }

    /// The record as the execution entries before sequence `seq` left it.
    public func state(beforeSeq seq: Int64) async throws -> ExecutionState {
        var s = ExecutionState()
        for e in try await store.entries(kind: .execution) where e.seq < seq {
            guard let event = try? ExecutionRecordJSON.decode(body: e.entry.body, record: e.entry.id) else { continue }
            _ = try? s.apply(event)
        }
        return s
    }

    /// The ledger id of the latest entry of a traveler, what its operator's or inspector's signature binds to.
    public func latestEntry(traveler: String) async throws -> String? {
        try await refresh()
        return latestEntry["traveler:\(traveler)"]
    }

    /// The ledger id of the latest entry of an NCR (its opening, or its disposition), what MRB signatures bind to.
    public func latestEntry(ncr: String) async throws -> String? {
        try await refresh()
        return latestEntry["ncr:\(ncr)"]
    }

    func refresh() async throws {
        let new = try await store.entries(kind: .execution, afterSeq: lastSeq)
        for e in new {
            lastSeq = e.seq
            entryCount += 1
            do {
                let event = try ExecutionRecordJSON.decode(body: e.entry.body, record: e.entry.id)
                let consequences = try state.apply(event)
                index(event, consequences, entryID: e.entry.id, unit: e.entry.unit)
            } catch let p as ExecutionRecordProblem {
                problems.append(ExecutionReplayProblem(seq: e.seq, entryID: e.entry.id, reason: p.description))
            } catch {
                problems.append(ExecutionReplayProblem(seq: e.seq, entryID: e.entry.id, reason: "\(error)"))
            }
        }
    }

    func index(_ event: ExecutionEvent, _ consequences: [ExecutionConsequence], entryID: String, unit: String) {
        for t in Self.travelers(of: event.fact, in: state) { latestEntry["traveler:\(t)"] = entryID }
        if case .travelerReleased(let f) = event.fact { travelerUnit[f.traveler] = unit }
        for n in Self.ncrs(of: event.fact) { latestEntry["ncr:\(n)"] = entryID }
        for case .ncrOpened(let ncr, _) in consequences { latestEntry["ncr:\(ncr)"] = entryID }
    }

    static func travelers(of fact: ExecutionFact, in state: ExecutionState) -> [String] {
        switch fact {
        case .travelerReleased(let f): [f.traveler]
        case .stepStarted(let f): [f.traveler]
        case .dataRecorded(let f): [f.traveler]
        case .stepCompleted(let f): [f.traveler]
        case .holdPointSigned(let f): [f.traveler]
        case .materialConsumed(let f): [f.traveler]
        case .ncrOpened(let f): f.traveler.map { [$0] } ?? []
        case .ncrDispositioned(let f): state.ncrs[f.ncr]?.traveler.map { [$0] } ?? []
        case .serialAssembled(let f): state.traveler(of: .serial(f.parent)).map { [$0.id] } ?? []
        case .componentSubstituted(let f): state.traveler(of: .serial(f.parent)).map { [$0.id] } ?? []
        case .asBuiltSigned(let f): state.traveler(of: .serial(f.serial)).map { [$0.id] } ?? []
        case .routingReleased, .ncrClosed, .lotSplit, .lotsMerged, .entryCorrected: []
        }
    }

    static func ncrs(of fact: ExecutionFact) -> [String] {
        switch fact {
        case .ncrOpened(let f): [f.ncr]
        case .ncrDispositioned(let f): [f.ncr]
        case .ncrClosed(let f): [f.ncr]
        default: []
        }
    }

    /// The signatures a fact carries (each must come with its signature entry).
    static func signatures(of fact: ExecutionFact) -> [ExecutionSignature] {
        switch fact {
        case .routingReleased(let f): f.approvals
        case .stepCompleted(let f): [f.signature]
        case .holdPointSigned(let f): [f.signature]
        case .ncrDispositioned(let f): f.signatures
        case .ncrClosed(let f): [f.signature]
        case .componentSubstituted(let f): [f.approval]
        case .entryCorrected(let f): [f.signature]
        case .asBuiltSigned(let f): [f.signature]
        default: []
        }
    }

    /// The work unit or center a fact is recorded at (its site decides who may record it); empty for lots on their
    /// own.
    func unit(of fact: ExecutionFact) -> String {
        func step(_ traveler: String, _ ref: StepRef?) -> String {
            guard let t = state.travelers[traveler] else { return "" }
            if let ref, let op = t.operation(ref.operation) { return op.operation.workCenter.description }
            return travelerUnit[traveler] ?? t.operations.first?.operation.workCenter.description ?? ""
        }
        switch fact {
        case .routingReleased(let f): return f.routing.operations.first?.workCenter.description ?? ""
        case .travelerReleased(let f):
            let r = state.routing(inForceFor: f.partNumber, at: clock())
            return r?.operations.first?.workCenter.description ?? ""
        case .stepStarted(let f): return step(f.traveler, f.step)
        case .dataRecorded(let f): return step(f.traveler, f.step)
        case .stepCompleted(let f): return step(f.traveler, f.step)
        case .holdPointSigned(let f): return step(f.traveler, f.step)
        case .materialConsumed(let f): return step(f.traveler, f.step)
        case .ncrOpened(let f): return f.traveler.map { step($0, nil) } ?? ""
        case .ncrDispositioned(let f): return state.ncrs[f.ncr]?.traveler.map { step($0, nil) } ?? ""
        case .ncrClosed(let f): return state.ncrs[f.ncr]?.traveler.map { step($0, nil) } ?? ""
        case .serialAssembled(let f): return state.traveler(of: .serial(f.parent)).map { step($0.id, nil) } ?? ""
        case .componentSubstituted(let f):
            return state.traveler(of: .serial(f.parent)).map { step($0.id, nil) } ?? ""
        case .asBuiltSigned(let f): return state.traveler(of: .serial(f.serial)).map { step($0.id, nil) } ?? ""
        case .entryCorrected(let f):
            if let t = state.travelers.values.first(where: { t in
                t.steps.values.contains { $0.data.contains { $0.event == f.corrects } }
            }) {
                return step(t.id, nil)
            }
            return ""
        case .lotSplit, .lotsMerged: return ""
        }
    }

    /// Validates `fact` with the fold and appends it, after `extra` entries (its signatures), in one transaction.
    ///
    /// A fact carrying signatures is accepted only with the signature entry each names (a re-authenticated Part 11
    /// signature), so a signature cannot be claimed without signing. `time` is the shop-floor time (default: now; at
    /// most five minutes ahead of the clock).
    @discardableResult
    public func record(
        _ fact: ExecutionFact, by principal: Principal, permission: Permission = .ingest, at time: Timestamp? = nil,
        source: String = "spar", extra: [PendingEntry] = []
    ) async throws -> ExecutionReceipt {
        try await refresh()
        let now = clock()
        let t = time ?? now
        guard t.milliseconds <= now.milliseconds + 300_000 else {
            throw ExecutionError.invalid(
                field: "at", reason: "\(t.rfc3339) is more than five minutes ahead of the server clock (\(now.rfc3339))")
        }
        let unit = unit(of: fact)
        do {
            try principal.authorize(permission, sites: EquipmentPath(unit).siteID.map { [$0] } ?? [])
        } catch {
            throw ExecutionError.denied(error)
        }
        let event = ExecutionEvent(id: EventID(String(entryCount + 1)), time: t, actor: principal.name, fact: fact)
        let signatureIDs = Set(extra.filter { $0.kind == .signature }.map(\.id))
        for s in Self.signatures(of: fact) {
            if let id = s.signatureID, signatureIDs.contains(id) { continue }
            if let id = s.signatureID, let stored = try await store.entry(id: id), stored.entry.kind == .signature,
                (try? JSONValue.parse(Data(stored.entry.body.utf8)))?["signer"]?.stringValue == s.signer
            {
                continue
            }
            throw ExecutionError.refused(
                ExecutionRefusal(
                    event: event.id, rule: .signature,
                    reason: "the signature of \(s.signer) (\(s.meaning.rawValue)) needs re-authentication: sign with "
                        + "user id and password"))
        }
        var trial = state
        let consequences: [ExecutionConsequence]
        do { consequences = try trial.apply(event) } catch { throw ExecutionError.refused(error) }
        let entry = PendingEntry(
            id: Self.entryID(event.id), kind: .execution, ts: t, unit: unit, type: fact.name, source: source,
            body: ExecutionRecordJSON.body(event))
        let derived = ExecutionShopFloor.events(
            for: event, entryID: entry.id, before: state, after: trial, consequences: consequences
        ).map(Self.pending)
        let batch = extra + [entry] + derived
        let outcomes = try await store.append(batch, recordedAt: now, recordedBy: principal.recordedBy)
        var derivedRejections: [String] = []
        for (i, (e, o)) in zip(batch, outcomes).enumerated() {
            guard case .rejected(let reason, let field) = o else { continue }
            if i >= batch.count - derived.count {
                derivedRejections.append("\(e.id): \(reason)")
                continue
            }
            throw ExecutionError.conflict(field: field, reason: "\(e.id): \(reason)")
        }
        guard case .accepted(let seq)? = outcomes.dropLast(derived.count).last else {
            throw ExecutionError.conflict(field: "id", reason: "\(entry.id) was already recorded")
        }
        try await refresh()
        return ExecutionReceipt(
            event: event, entryID: entry.id, seq: seq, consequences: consequences, derivedRejections: derivedRejections)
    }

    /// A derived shop-floor event as a ledger entry, with its change to the KPI projection.
    static func pending(_ e: Event) -> PendingEntry {
        let body = EventCoding.canonical(e)
        var corrects: String?
        if case .correction(let c) = e.payload { corrects = c.corrects.rawValue }
        return PendingEntry(
            id: e.id.rawValue, kind: .event, ts: e.ts, unit: e.unit.description, type: e.type, source: e.source,
            body: body, corrects: corrects, kpi: LedgerProjection.change(for: e, body: body))
    }
}
