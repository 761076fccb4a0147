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
        }
        return []
    }
}

func refusal(_ event: ExecutionEvent, _ rule: ExecutionRefusal.Rule, _ reason: String) -> ExecutionRefusal {
    ExecutionRefusal(event: event.id, rule: rule, reason: reason)
}
