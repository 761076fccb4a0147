/// What a lot went into: every serial and lot that contains it, through splits, merges, consumption, assemblies and
/// substitutions.
public struct ForwardTrace: Hashable, Sendable {
    public var origin: GenealogyNode
    /// Every node reached, nearest first (breadth-first), the origin excluded.
    public var reached: [GenealogyNode]
    /// The edges followed.
    public var edges: [GenealogyEdge]

    /// Every serial that contains the origin, sorted.
    public var serials: [String] { reached.filter(\.isSerial).map(\.id).sorted() }
}

/// One step performed on a traveler behind a traced serial.
public struct TracedStep: Hashable, Sendable {
    public var traveler: String
    public var step: StepRef
    public var workCenter: EquipmentPath?
    public var startedBy: String
    public var startedAt: Timestamp
    public var completion: ExecutionSignature?
    public var holdPointSignature: ExecutionSignature?
}

/// One value measured behind a traced serial.
public struct TracedMeasurement: Hashable, Sendable {
    public var traveler: String
    public var step: StepRef
    public var characteristic: String
    public var entry: DataEntry
}

/// Everything behind a serial: the lots and serials in it, the operations performed on it and on them, the people,
/// the measurements (corrected ones included) and the NCRs.
public struct BackwardTrace: Hashable, Sendable {
    public var origin: GenealogyNode
    /// Every node behind the origin, nearest first (breadth-first), the origin excluded.
    public var ancestors: [GenealogyNode]
    public var edges: [GenealogyEdge]
    /// Travelers of the origin and its ancestors, in trace order.
    public var travelers: [String]
    public var steps: [TracedStep]
    public var measurements: [TracedMeasurement]
    /// Everyone who started, performed, inspected, dispositioned or corrected something, sorted.
    public var people: [String]
    /// NCRs on the origin and its ancestors, in trace order.
    public var ncrs: [String]

    /// The lots behind the origin, sorted.
    public var lots: [String] { ancestors.filter { !$0.isSerial }.map(\.id).sorted() }
    /// The serials behind the origin, sorted.
    public var serials: [String] { ancestors.filter(\.isSerial).map(\.id).sorted() }
}

extension ExecutionState {
    /// Breadth-first walk over live edges, in time linear in the nodes and edges reached.
    func walk(from origin: GenealogyNode, _ adjacency: [GenealogyNode: [Int]], next: (GenealogyEdge) -> GenealogyNode)
        -> (nodes: [GenealogyNode], edges: [GenealogyEdge])
    {
        var seen: Set<GenealogyNode> = [origin]
        var queue = [origin]
        var followed: [GenealogyEdge] = []
        var i = 0
        while i < queue.count {
            let n = queue[i]
            i += 1
            for e in adjacency[n] ?? [] where !voidedEdges.contains(e) {
                let edge = edges[e]
                followed.append(edge)
                if seen.insert(next(edge)).inserted { queue.append(next(edge)) }
            }
        }
        return (Array(queue.dropFirst()), followed)
    }

    /// Which serials and lots contain `node` (a lot, for a recall, or a serial).
    public func traceForward(_ node: GenealogyNode) -> ForwardTrace {
        let (nodes, followed) = walk(from: node, forward) { $0.into }
        return ForwardTrace(origin: node, reached: nodes, edges: followed)
    }

    /// Everything behind `node`.
    public func traceBackward(_ node: GenealogyNode) -> BackwardTrace {
        let (nodes, followed) = walk(from: node, backward) { $0.from }
        var travelerIDs: [String] = []
        var steps: [TracedStep] = []
        var measurements: [TracedMeasurement] = []
        var people = Set<String>()
        var ncrIDs: [String] = []
        for n in [node] + nodes {
            for ncr in ncrs(on: n) {
                ncrIDs.append(ncr.id)
                people.insert(ncr.openedBy)
                for s in ncr.dispositionSignatures { people.insert(s.signer) }
                if let c = ncr.closure { people.insert(c.signer) }
            }
            guard let t = traveler(of: n) else { continue }
            travelerIDs.append(t.id)
            people.insert(t.releasedBy)
            for ref in t.orderedSteps {
                guard let e = t.steps[ref] else { continue }
                steps.append(
                    TracedStep(
                        traveler: t.id, step: ref, workCenter: t.operation(ref.operation)?.operation.workCenter,
                        startedBy: e.startedBy, startedAt: e.startedAt, completion: e.completion,
                        holdPointSignature: e.holdPointSignature))
                people.insert(e.startedBy)
                if let s = e.completion { people.insert(s.signer) }
                if let s = e.holdPointSignature { people.insert(s.signer) }
                let items = t.step(ref)?.dataItems ?? []
                for d in e.data {
                    people.insert(d.recordedBy)
                    let name = items.first { $0.id == d.item }?.name ?? d.item
                    measurements.append(TracedMeasurement(traveler: t.id, step: ref, characteristic: name, entry: d))
                }
            }
        }
        for edge in followed {
            if let c = corrections[edge.event] { people.insert(c.signature.signer) }
        }
        let behind = Set(nodes)
        for s in substitutions where behind.contains(s.substitute) {
            people.insert(s.approval.signer)
        }
        return BackwardTrace(
            origin: node, ancestors: nodes, edges: followed, travelers: travelerIDs, steps: steps,
            measurements: measurements, people: people.sorted(), ncrs: ncrIDs)
    }
}
