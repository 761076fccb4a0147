/// The execution record as of the last applied event: routings, travelers, NCRs, lots and the genealogy.
///
/// ``apply(_:)`` is the fold: it enforces every execution rule and refuses an event that breaks one, naming the rule.
/// Replaying the same events gives the same state; replaying those up to a time gives the record as of that time.
public struct ExecutionState: Sendable {
    /// Released routing revisions, by part number, in release order.
    public internal(set) var routings: [String: [Routing]] = [:]
    public internal(set) var travelers: [String: TravelerRecord] = [:]
    public internal(set) var ncrs: [String: NCRRecord] = [:]
    /// Genealogy edges in record order; voided ones stay, listed in ``voidedEdges``.
    public internal(set) var edges: [GenealogyEdge] = []
    /// Indexes into ``edges`` of edges a correction voided.
    public internal(set) var voidedEdges: Set<Int> = []
    /// Substitutions, in record order.
    public internal(set) var substitutions: [ComponentSubstituted] = []
    /// Corrections, in record order.
    public internal(set) var corrections: [EventID: EntryCorrected] = [:]
    /// Remaining quantity of lots whose quantity a split, merge or consumption made known.
    public internal(set) var lotQuantities: [String: Double] = [:]
    /// Steps started and not yet complete, by the work unit or center of their operation.
    public internal(set) var running: [String: Set<RunningStep>] = [:]
    /// The latest change of each unit's derived state (``ExecutionShopFloor``): its time and the execution event whose
    /// state event stands for it (the first at that instant; later changes at the same instant correct it).
    public internal(set) var unitStates: [String: UnitStateChange] = [:]
    /// Signed as-built records by serial, oldest first.
    public internal(set) var asBuiltSignatures: [String: [AsBuiltSignedRecord]] = [:]

    var seen: Set<EventID> = []
    var forward: [GenealogyNode: [Int]] = [:]
    var backward: [GenealogyNode: [Int]] = [:]
    var travelerByNode: [GenealogyNode: String] = [:]
    var ncrsByNode: [GenealogyNode: [String]] = [:]
    var dataEvents: [EventID: (traveler: String, step: StepRef)] = [:]
    var consumptionEdges: [EventID: Int] = [:]
    var knownLots: Set<String> = []
    var assembledInto: [String: String] = [:]

    public init() {}

    /// The state after `events`, in order, keeping those at or before `asOf` when given.
    public static func replay(
        _ events: some Sequence<ExecutionEvent>, asOf: Timestamp? = nil
    ) throws(ExecutionRefusal) -> ExecutionState {
        var state = ExecutionState()
        for event in events where asOf.map({ event.time <= $0 }) ?? true { try state.apply(event) }
        return state
    }

    /// The routing revision of `partNumber` in force at `time`: the one with the latest effective time not after it
    /// (the later release on a tie).
    public func routing(inForceFor partNumber: String, at time: Timestamp) -> Routing? {
        var best: Routing?
        for r in routings[partNumber] ?? [] {
            guard let from = r.effectiveFrom, from <= time else { continue }
            if let b = best, let bf = b.effectiveFrom, bf > from { continue }
            best = r
        }
        return best
    }

    /// Where a released revision stands at `time`: `released` until a later revision takes effect, `obsolete` after;
    /// nil for a revision never released.
    public func status(of id: RoutingID, at time: Timestamp) -> Routing.Status? {
        guard let r = routing(id), let from = r.effectiveFrom else { return nil }
        guard let current = routing(inForceFor: id.partNumber, at: time), current.revision != id.revision,
            let currentFrom = current.effectiveFrom, currentFrom >= from
        else { return .released }
        return .obsolete
    }

    /// A released routing revision.
    public func routing(_ id: RoutingID) -> Routing? {
        routings[id.partNumber]?.first { $0.revision == id.revision }
    }

    /// The traveler of a serial or lot.
    public func traveler(of node: GenealogyNode) -> TravelerRecord? {
        travelerByNode[node].flatMap { travelers[$0] }
    }

    /// NCRs raised against a serial or lot, in the order opened.
    public func ncrs(on node: GenealogyNode) -> [NCRRecord] {
        (ncrsByNode[node] ?? []).compactMap { ncrs[$0] }
    }

    /// NCRs holding a serial or lot: opened and not yet dispositioned.
    public func holds(on node: GenealogyNode) -> [NCRRecord] {
        ncrs(on: node).filter { $0.status == .open }
    }

    /// Applies one event, or refuses it and leaves the state unchanged (every rule is checked before anything is
    /// written, so a refusal costs no copy of the state).
    /// - Returns: what the fold did beyond recording the fact (an out-of-limit value opening an NCR).
    @discardableResult
    public mutating func apply(_ event: ExecutionEvent) throws(ExecutionRefusal) -> [ExecutionConsequence] {
        let consequences = try fold(event)
        seen.insert(event.id)
        return consequences
    }

    mutating func fold(_ event: ExecutionEvent) throws(ExecutionRefusal) -> [ExecutionConsequence] {
        guard !seen.contains(event.id) else {
            throw refusal(event, .duplicateEvent, "event id \(event.id) was already recorded")
        }
        switch event.fact {
        case .routingReleased(let f): try releaseRouting(f, event)
        case .travelerReleased(let f): try releaseTraveler(f, event)
        case .stepStarted(let f): try startStep(f, event)
        case .dataRecorded(let f): return try recordData(f, event)
        case .stepCompleted(let f): try completeStep(f, event)
        case .holdPointSigned(let f): try signHoldPoint(f, event)
        case .ncrOpened(let f): try openNCR(f, step: nil, event)
        case .ncrDispositioned(let f): try disposition(f, event)
        case .ncrClosed(let f): try closeNCR(f, event)
        case .materialConsumed(let f): try consume(f, event)
        case .lotSplit(let f): try split(f, event)
        case .lotsMerged(let f): try merge(f, event)
        case .serialAssembled(let f): try assemble(f, event)
        case .componentSubstituted(let f): try substitute(f, event)
        case .entryCorrected(let f): return try correct(f, event)
        case .asBuiltSigned(let f): try signAsBuilt(f, event)
        }
        return []
    }
}

func refusal(_ event: ExecutionEvent, _ rule: ExecutionRefusal.Rule, _ reason: String) -> ExecutionRefusal {
    ExecutionRefusal(event: event.id, rule: rule, reason: reason)
}

/// A step in progress at a work unit or center.
public struct RunningStep: Hashable, Sendable {
    public var traveler: String
    public var step: StepRef
    public var workOrder: String
    /// The step is setup (``RoutingStep/setup``).
    public var setup: Bool
}

/// A signed as-built document of a serial.
public struct AsBuiltSignedRecord: Hashable, Sendable {
    public var event: EventID
    public var time: Timestamp
    public var sha256: String
    public var signature: ExecutionSignature
}

extension ExecutionState {
    mutating func signAsBuilt(_ f: AsBuiltSigned, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard let name = travelerByNode[.serial(f.serial)], let t = travelers[name] else {
            throw refusal(event, .reference, "no traveler of serial '\(f.serial)'")
        }
        guard case .complete = t.status else {
            throw refusal(event, .asBuilt, "the as-built record of \(f.serial) is signed once traveler \(t.id) is complete")
        }
        let open = (ncrsByNode[.serial(f.serial)] ?? []).filter { ncrs[$0]?.closedAt == nil }
        guard open.isEmpty else {
            throw refusal(
                event, .asBuilt,
                "the as-built record of \(f.serial) cannot be signed while \(open.joined(separator: ", ")) is open")
        }
        let digits = f.sha256.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        guard f.sha256.utf8.count == 64, digits else {
            throw refusal(event, .asBuilt, "'\(f.sha256)' is not a SHA-256 in lower-case hex")
        }
        let s = f.signature
        guard s.meaning == .approved || s.meaning == .verified, s.capacity == .role(.quality) else {
            throw refusal(
                event, .asBuilt,
                "the as-built record needs a quality signature meaning 'approved' or 'verified', not \(s.capacity) "
                    + "'\(s.meaning.rawValue)'")
        }
        asBuiltSignatures[f.serial, default: []].append(
            AsBuiltSignedRecord(event: event.id, time: event.time, sha256: f.sha256, signature: s))
    }
}

/// When a unit's derived state last changed, and the execution event whose state event records it.
public struct UnitStateChange: Hashable, Sendable {
    public var time: Timestamp
    public var root: EventID
}

extension ExecutionState {
    /// Notes a change of `unit`'s running steps from `was` at `event`'s time, where it changes the unit's state.
    mutating func noteRunning(_ unit: String, was: Set<RunningStep>?, _ event: ExecutionEvent) {
        guard ExecutionShopFloor.category(was) != ExecutionShopFloor.category(running[unit]) else { return }
        if let prev = unitStates[unit], prev.time == event.time { return }
        unitStates[unit] = UnitStateChange(time: event.time, root: event.id)
    }
}
