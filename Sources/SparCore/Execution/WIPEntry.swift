/// Where a traveler's serial or lot stands.
public enum WIPStatus: Hashable, Sendable, CustomStringConvertible {
    /// A step is started and not completed.
    case working
    /// Ready for its next step.
    case waiting
    /// Held by NCRs awaiting disposition.
    case onHold(ncrs: [String])
    /// Stopped behind an unsigned hold point.
    case blocked(holdPoint: StepRef, kind: HoldPointKind)
    /// At an outside processor: a step of an outside-processed operation is started (shipped) and not yet
    /// completed (received back).
    case outside(processor: String)

    public var description: String {
        switch self {
        case .working: "working"
        case .waiting: "waiting"
        case .onHold(let ncrs): "on hold by \(ncrs.joined(separator: ", "))"
        case .blocked(let ref, let kind): "blocked by the \(kind.phrase) of step \(ref)"
        case .outside(let processor): "at outside processor \(processor)"
        }
    }
}

/// One serial or lot in work: its traveler, where it is, in what state, since when.
public struct WIPEntry: Hashable, Sendable {
    public var traveler: String
    public var workOrder: String
    public var partNumber: String
    public var item: TravelerItem
    /// The step being worked, or the next one (nil when every step is done and only a hold point remains).
    public var step: StepRef?
    public var workCenter: EquipmentPath?
    public var status: WIPStatus
    /// When it got into this state.
    public var since: Timestamp

    public init(
        traveler: String, workOrder: String, partNumber: String, item: TravelerItem, step: StepRef?,
        workCenter: EquipmentPath?, status: WIPStatus, since: Timestamp
    ) {
        self.traveler = traveler
        self.workOrder = workOrder
        self.partNumber = partNumber
        self.item = item
        self.step = step
        self.workCenter = workCenter
        self.status = status
        self.since = since
    }

    /// The operation it is at.
    public var operation: Int? { step?.operation }

    /// How long it has been in this state at `time` (ms).
    public func age(at time: Timestamp) -> Int64 { max(0, time.milliseconds - since.milliseconds) }
}

extension ExecutionState {
    /// Every active traveler's position, by traveler id.
    public var wip: [WIPEntry] {
        travelers.keys.sorted().compactMap { id in travelers[id].flatMap(wipEntry) }
    }

    /// The position of one traveler; nil once it is complete or scrapped.
    public func wipEntry(_ t: TravelerRecord) -> WIPEntry? {
        guard t.isActive else { return nil }
        let order = t.orderedSteps
        let working = order.first { t.steps[$0] != nil && t.steps[$0]?.isComplete == false }
        let next = order.first { t.steps[$0] == nil }
        let step = working ?? next
        var status: WIPStatus = working == nil ? .waiting : .working
        if let w = working, let processor = t.operation(w.operation)?.operation.outsideProcessor {
            status = .outside(processor: processor)
        }
        var since = working.flatMap { t.steps[$0]?.startedAt } ?? t.lastMovedAt
        let held = holds(on: t.item.node)
        if !held.isEmpty {
            status = .onHold(ncrs: held.map(\.id))
            since = held.map(\.openedAt).min() ?? since
        } else if working == nil {
            let blocker: (StepRef, HoldPointKind)? =
                if let next { Self.holdPointBlocker(t, next) } else {
                    order.lazy.compactMap { r in
                        t.step(r)?.holdPoint.flatMap { t.steps[r]?.holdPointSignature == nil ? (r, $0) : nil }
                    }.first
                }
            if let (ref, kind) = blocker {
                status = .blocked(holdPoint: ref, kind: kind)
                since = t.steps[ref]?.completedAt ?? since
            }
        }
        return WIPEntry(
            traveler: t.id, workOrder: t.workOrder, partNumber: t.partNumber, item: t.item, step: step,
            workCenter: step.flatMap { t.operation($0.operation)?.operation.workCenter }, status: status, since: since)
    }
}
