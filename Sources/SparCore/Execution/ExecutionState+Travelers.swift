extension ExecutionState {
    mutating func releaseRouting(_ f: RoutingReleased, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        let id = f.routing.id
        let problems = f.routing.validationProblems()
        guard problems.isEmpty else {
            throw refusal(
                event, .invalidRouting,
                "routing \(id) is invalid: " + problems.map(\.description).joined(separator: "; "))
        }
        guard routing(id) == nil else { throw refusal(event, .reference, "routing \(id) was already released") }
        for s in f.approvals {
            if let p = s.capacityProblem { throw refusal(event, .signature, p) }
            guard s.meaning == .approved else {
                throw refusal(
                    event, .routingApproval,
                    "a routing release needs signatures meaning 'approved', not '\(s.meaning.rawValue)'")
            }
        }
        let missing = Self.missingSignatories([.role(.engineer), .role(.quality)], in: f.approvals)
        guard missing.isEmpty else {
            throw refusal(
                event, .routingApproval,
                "routing \(id) needs engineering and quality approvals, each by a different person (missing "
                    + missing.map(Self.capacityName).joined(separator: ", ") + ")")
        }
        if let last = f.approvals.map(\.time).max(), f.effectiveFrom < last {
            throw refusal(
                event, .routingApproval,
                "routing \(id) cannot take effect at \(f.effectiveFrom) before its last approval at \(last)")
        }
        var r = f.routing
        r.status = .released
        r.effectiveFrom = f.effectiveFrom
        routings[r.partNumber, default: []].append(r)
    }

    mutating func releaseTraveler(_ f: TravelerReleased, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard !f.traveler.isEmpty, travelers[f.traveler] == nil else {
            throw refusal(event, .reference, "traveler '\(f.traveler)' already exists")
        }
        if let other = travelerByNode[f.item.node] {
            throw refusal(event, .reference, "\(f.item.node) already has traveler \(other)")
        }
        guard f.item.quantity > 0 else {
            throw refusal(event, .quantity, "a lot traveler needs a positive quantity, not \(f.item.quantity)")
        }
        guard let r = routing(inForceFor: f.partNumber, at: event.time) else {
            throw refusal(
                event, .routingNotInForce, "no routing revision of part \(f.partNumber) is in force at \(event.time)")
        }
        travelers[f.traveler] = TravelerRecord(released: f, routing: r, at: event.time, by: event.actor)
        travelerByNode[f.item.node] = f.traveler
    }

    func activeTraveler(_ id: String, _ event: ExecutionEvent) throws(ExecutionRefusal) -> TravelerRecord {
        guard let t = travelers[id] else { throw refusal(event, .reference, "unknown traveler '\(id)'") }
        switch t.status {
        case .active: return t
        case .complete(let at): throw refusal(event, .stepState, "traveler \(id) is complete since \(at)")
        case .scrapped(let at): throw refusal(event, .stepState, "traveler \(id) is scrapped since \(at)")
        }
    }

    func routingStep(_ t: TravelerRecord, _ ref: StepRef, _ event: ExecutionEvent) throws(ExecutionRefusal)
        -> RoutingStep
    {
        guard let s = t.step(ref) else {
            throw refusal(event, .reference, "traveler \(t.id) (routing \(t.routing)) has no step \(ref)")
        }
        return s
    }

    func notOnHold(_ t: TravelerRecord, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        let held = holds(on: t.item.node)
        guard held.isEmpty else {
            let names = held.map { "\($0.id) (\($0.characteristic))" }.joined(separator: ", ")
            throw refusal(event, .onHold, "traveler \(t.id) is on hold by \(names) until its disposition")
        }
    }

    /// The first step before `ref` that the sequence rule needs complete, if any is not.
    static func sequenceBlocker(_ t: TravelerRecord, _ ref: StepRef) -> StepRef? {
        guard let op = t.operation(ref.operation), !op.operation.allowOutOfSequence else { return nil }
        for earlier in t.orderedSteps {
            if earlier == ref { break }
            if t.steps[earlier]?.isComplete != true { return earlier }
        }
        return nil
    }

    /// The first unsigned hold point in an operation before `ref`'s, if any.
    static func holdPointBlocker(_ t: TravelerRecord, _ ref: StepRef) -> (StepRef, HoldPointKind)? {
        for op in t.operations where op.sequence < ref.operation {
            for s in op.operation.steps {
                guard let kind = s.holdPoint else { continue }
                let r = StepRef(op.sequence, s.sequence)
                if t.steps[r]?.holdPointSignature == nil { return (r, kind) }
            }
        }
        return nil
    }

    mutating func startStep(_ f: StepStarted, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        var t = try activeTraveler(f.traveler, event)
        let step = try routingStep(t, f.step, event)
        if let e = t.steps[f.step] {
            throw refusal(event, .stepState, "step \(f.step) of traveler \(t.id) was already started at \(e.startedAt)")
        }
        try notOnHold(t, event)
        if let blocker = Self.sequenceBlocker(t, f.step) {
            throw refusal(
                event, .sequence, "step \(f.step) before \(blocker): the routing does not allow out-of-sequence")
        }
        if let (hold, kind) = Self.holdPointBlocker(t, f.step) {
            throw refusal(
                event, .holdPoint,
                "operation \(f.step.operation) is blocked by the \(kind.phrase) of operation \(hold.operation) "
                    + "(step \(hold)) until an inspector signs")
        }
        for q in step.requiredQualifications where !f.qualifications.contains(q) {
            throw refusal(
                event, .qualification,
                "step \(f.step) needs qualification '\(q)', which \(event.actor)'s training record does not show")
        }
        for tool in step.requiredTools where !f.tools.contains(tool) {
            throw refusal(event, .qualification, "step \(f.step) needs tool '\(tool)' recorded as used")
        }
        t.steps[f.step] = StepExecution(
            startedAt: event.time, startedBy: event.actor, qualifications: f.qualifications, tools: f.tools)
        t.lastMovedAt = event.time
        travelers[t.id] = t
        if let op = t.operation(f.step.operation) {
            let unit = op.operation.workCenter.description, was = running[unit]
            running[unit, default: []].insert(
                RunningStep(traveler: t.id, step: f.step, workOrder: t.workOrder, setup: step.setup))
            noteRunning(unit, was: was, event)
        }
    }

    /// Checks a value against its item: the type (refused when wrong) and the limits (an NCR reason when outside).
    static func check(
        _ value: DataValue, _ item: DataCollectionItem, _ event: ExecutionEvent
    ) throws(ExecutionRefusal) -> String? {
        guard value.type == item.type else {
            throw refusal(
                event, .dataCollection, "'\(item.name)' takes a \(item.type.rawValue) value, not \(value.type.rawValue)"
            )
        }
        switch value {
        case .number(let v):
            guard v.isFinite else { throw refusal(event, .dataCollection, "'\(item.name)' must be a finite number") }
            if !item.isWithinLimits(v) {
                let u = item.unit.map { " \($0)" } ?? ""
                return "value \(item.show(v))\(u) of '\(item.name)' is outside \(item.requirement): NCR opened"
            }
        case .passFail(false):
            return "'\(item.name)' failed: NCR opened"
        default:
            break
        }
        return nil
    }

    mutating func recordData(_ f: DataRecorded, _ event: ExecutionEvent) throws(ExecutionRefusal)
        -> [ExecutionConsequence]
    {
        var t = try activeTraveler(f.traveler, event)
        let step = try routingStep(t, f.step, event)
        guard var e = t.steps[f.step], !e.isComplete else {
            let state = t.steps[f.step] == nil ? "not started" : "complete"
            throw refusal(
                event, .stepState, "data for step \(f.step) can be recorded only while it is started (it is \(state))")
        }
        guard let item = step.dataItems.first(where: { $0.id == f.item }) else {
            throw refusal(event, .reference, "step \(f.step) has no data item '\(f.item)'")
        }
        try notOnHold(t, event)
        if e.currentValue(f.item) != nil {
            throw refusal(
                event, .dataCollection,
                "'\(item.name)' of step \(f.step) is already recorded: correct it with a reason instead")
        }
        let problem = try Self.check(f.value, item, event)
        var entry = DataEntry(
            event: event.id, item: f.item, value: f.value, time: event.time, recordedBy: event.actor,
            withinLimits: problem == nil)
        var out: [ExecutionConsequence] = []
        if let problem {
            let ncr = try openValueNCR(t, f.step, item, f.value, event)
            entry.ncr = ncr
            out.append(.ncrOpened(ncr: ncr, reason: problem))
            t.ncrs.append(ncr)
        }
        e.data.append(entry)
        t.steps[f.step] = e
        travelers[t.id] = t
        dataEvents[event.id] = (t.id, f.step)
        return out
    }

    /// Opens the NCR an out-of-limit value raises; its id is `NCR-` and the event id.
    mutating func openValueNCR(
        _ t: TravelerRecord, _ ref: StepRef, _ item: DataCollectionItem, _ value: DataValue, _ event: ExecutionEvent
    ) throws(ExecutionRefusal) -> String {
        let id = "NCR-\(event.id)"
        let found: String
        if case .number(let v) = value {
            found = item.show(v) + (item.unit.map { " \($0)" } ?? "")
        } else {
            found = value.description
        }
        let opened = NCROpened(
            ncr: id, traveler: t.id, item: t.item.node, partNumber: t.partNumber, quantity: t.remainingQuantity,
            characteristic: item.name, foundValue: found, requirement: item.requirement, cause: "out-of-limits")
        guard ncrs[id] == nil else { throw refusal(event, .reference, "NCR \(id) already exists") }
        ncrs[id] = NCRRecord(opened: opened, step: ref, event: event)
        ncrsByNode[t.item.node, default: []].append(id)
        return id
    }

    mutating func completeStep(_ f: StepCompleted, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        var t = try activeTraveler(f.traveler, event)
        let step = try routingStep(t, f.step, event)
        guard var e = t.steps[f.step] else {
            throw refusal(event, .stepState, "step \(f.step) of traveler \(t.id) cannot complete: it is not started")
        }
        if let at = e.completedAt {
            throw refusal(event, .stepState, "step \(f.step) of traveler \(t.id) was already completed at \(at)")
        }
        guard event.time >= e.startedAt else {
            throw refusal(
                event, .time, "completion of step \(f.step) at \(event.time) is before its start at \(e.startedAt)")
        }
        try notOnHold(t, event)
        guard f.signature.meaning == .performed else {
            throw refusal(
                event, .signature,
                "a step completion needs signature meaning 'performed', not '\(f.signature.meaning.rawValue)'")
        }
        if let p = f.signature.capacityProblem { throw refusal(event, .signature, p) }
        try Self.ownSignature(f.signature, event)
        for item in step.dataItems where item.mandatory && e.currentValue(item.id) == nil {
            throw refusal(event, .dataCollection, "step \(f.step) cannot complete without '\(item.name)' (mandatory)")
        }
        e.completedAt = event.time
        e.completion = f.signature
        t.steps[f.step] = e
        t.lastMovedAt = event.time
        finishIfDone(&t, event.time)
        travelers[t.id] = t
        if let op = t.operation(f.step.operation) {
            let unit = op.operation.workCenter.description, was = running[unit]
            running[unit]?.remove(RunningStep(traveler: t.id, step: f.step, workOrder: t.workOrder, setup: step.setup))
            if running[unit]?.isEmpty == true { running[unit] = nil }
            noteRunning(unit, was: was, event)
        }
    }

    mutating func signHoldPoint(_ f: HoldPointSigned, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        var t = try activeTraveler(f.traveler, event)
        let step = try routingStep(t, f.step, event)
        guard let kind = step.holdPoint else {
            throw refusal(event, .reference, "step \(f.step) of traveler \(t.id) has no hold point")
        }
        guard var e = t.steps[f.step], let completion = e.completion else {
            throw refusal(
                event, .holdPoint, "the \(kind.phrase) of step \(f.step) cannot be signed before the step is completed")
        }
        if let s = e.holdPointSignature {
            throw refusal(event, .holdPoint, "the \(kind.phrase) of step \(f.step) was already signed by \(s.signer)")
        }
        try notOnHold(t, event)
        let s = f.signature
        guard s.meaning == .inspected || s.meaning == .approved else {
            throw refusal(
                event, .signature,
                "a hold point needs signature meaning 'inspected' or 'approved', not '\(s.meaning.rawValue)'")
        }
        if let p = s.capacityProblem { throw refusal(event, .signature, p) }
        try Self.ownSignature(s, event)
        let allowed = step.holdPointSignatories
        guard allowed.contains(s.capacity) else {
            throw refusal(
                event, .signature,
                "the \(kind.phrase) of step \(f.step) needs a signature by "
                    + allowed.map(Self.capacityName).joined(separator: " or ")
                    + ", not \(Self.capacityName(s.capacity))")
        }
        guard s.signer != completion.signer else {
            throw refusal(
                event, .signature, "the inspector must not be the operator who performed step \(f.step) (\(s.signer))")
        }
        e.holdPointSignature = s
        t.steps[f.step] = e
        t.lastMovedAt = event.time
        finishIfDone(&t, event.time)
        travelers[t.id] = t
    }

    /// A signature is unique to one person: only the signer records it.
    static func ownSignature(_ s: ExecutionSignature, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard s.signer == event.actor else {
            throw refusal(
                event, .signature,
                "\(event.actor) cannot record a signature of \(s.signer): each person signs for themselves")
        }
    }

    func finishIfDone(_ t: inout TravelerRecord, _ time: Timestamp) {
        guard t.isActive, t.isFinished, holds(on: t.item.node).isEmpty else { return }
        t.status = .complete(at: time)
    }

    /// Capacities of `required` not covered by `signatures`, each covered by a different signer.
    static func missingSignatories(_ required: [SignerCapacity], in signatures: [ExecutionSignature])
        -> [SignerCapacity]
    {
        var used = Set<String>()
        var missing: [SignerCapacity] = []
        for capacity in required {
            if let s = signatures.first(where: { $0.capacity == capacity && !used.contains($0.signer) }) {
                used.insert(s.signer)
            } else {
                missing.append(capacity)
            }
        }
        return missing
    }

    /// `quality`, `engineering`, `customer`.
    static func capacityName(_ c: SignerCapacity) -> String {
        c == .role(.engineer) ? "engineering" : c.description
    }
}
