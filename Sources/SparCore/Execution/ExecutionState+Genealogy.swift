extension ExecutionState {
    @discardableResult
    mutating func addEdge(_ edge: GenealogyEdge) -> Int {
        let i = edges.count
        edges.append(edge)
        forward[edge.from, default: []].append(i)
        backward[edge.into, default: []].append(i)
        return i
    }

    func usable(_ node: GenealogyNode, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        if let n = holds(on: node).first {
            throw refusal(event, .onHold, "\(node) is on hold by \(n.id) (\(n.characteristic)) until its disposition")
        }
        if let n = ncrs(on: node).first(where: { $0.disposition == .scrap || $0.disposition == .returnToVendor }),
            node.isSerial || (lotQuantities[node.id] ?? 0) <= 0
        {
            throw refusal(event, .onHold, "\(node) was dispositioned \(n.disposition?.rawValue ?? "") by \(n.id)")
        }
    }

    func take(_ quantity: Double, of lot: String, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard quantity.isFinite, quantity > 0 else {
            throw refusal(event, .quantity, "a quantity of lot \(lot) must be positive, not \(quantity)")
        }
        if let left = lotQuantities[lot], quantity > left + 1e-9 {
            throw refusal(
                event, .quantity, "lot \(lot) has \(Self.show(left)) left; \(Self.show(quantity)) cannot be taken")
        }
    }

    static func show(_ q: Double) -> String { q == q.rounded() && abs(q) < 1e15 ? String(Int64(q)) : String(q) }

    mutating func consume(_ f: MaterialConsumed, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        let t = try activeTraveler(f.traveler, event)
        if let ref = f.step { _ = try routingStep(t, ref, event) }
        try usable(.lot(f.lot), event)
        try take(f.quantity, of: f.lot, event)
        if let left = lotQuantities[f.lot] { lotQuantities[f.lot] = left - f.quantity }
        knownLots.insert(f.lot)
        consumptionEdges[event.id] = addEdge(
            GenealogyEdge(
                from: .lot(f.lot), into: t.item.node, link: .consumed, quantity: f.quantity, event: event.id,
                time: event.time))
    }

    mutating func split(_ f: LotSplit, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard !f.into.isEmpty else { throw refusal(event, .genealogy, "a split of lot \(f.source) names no new lot") }
        try usable(.lot(f.source), event)
        var ids = Set<String>()
        for p in f.into {
            guard p.lot != f.source, ids.insert(p.lot).inserted, !knownLots.contains(p.lot) else {
                throw refusal(event, .genealogy, "lot \(p.lot) already exists: a split makes new lots")
            }
            guard p.quantity.isFinite, p.quantity > 0 else {
                throw refusal(event, .quantity, "a quantity of lot \(p.lot) must be positive, not \(p.quantity)")
            }
        }
        let total = f.into.reduce(0) { $0 + $1.quantity }
        if let left = lotQuantities[f.source] ?? f.sourceQuantity {
            guard total <= left + 1e-9 else {
                throw refusal(
                    event, .quantity,
                    "the split of lot \(f.source) takes \(Self.show(total)) but \(Self.show(left)) are left")
            }
            lotQuantities[f.source] = left - total
        }
        knownLots.insert(f.source)
        for p in f.into {
            knownLots.insert(p.lot)
            lotQuantities[p.lot] = p.quantity
            addEdge(
                GenealogyEdge(
                    from: .lot(f.source), into: .lot(p.lot), link: .split, quantity: p.quantity, event: event.id,
                    time: event.time))
        }
    }

    mutating func merge(_ f: LotsMerged, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard Set(f.sources.map(\.lot)).count == f.sources.count, f.sources.count >= 2 else {
            throw refusal(event, .genealogy, "a merge into lot \(f.into) needs two or more different lots")
        }
        guard !knownLots.contains(f.into), !f.sources.contains(where: { $0.lot == f.into }) else {
            throw refusal(event, .genealogy, "lot \(f.into) already exists: a merge makes a new lot")
        }
        for p in f.sources {
            try usable(.lot(p.lot), event)
            try take(p.quantity, of: p.lot, event)
        }
        for p in f.sources {
            if let left = lotQuantities[p.lot] { lotQuantities[p.lot] = left - p.quantity }
            knownLots.insert(p.lot)
            addEdge(
                GenealogyEdge(
                    from: .lot(p.lot), into: .lot(f.into), link: .merged, quantity: p.quantity, event: event.id,
                    time: event.time))
        }
        knownLots.insert(f.into)
        lotQuantities[f.into] = f.sources.reduce(0) { $0 + $1.quantity }
    }

    /// Whether `node` already went (through any live edge) into `target`.
    func reaches(_ node: GenealogyNode, _ target: GenealogyNode) -> Bool {
        var seen: Set<GenealogyNode> = [node]
        var queue = [node]
        var i = 0
        while i < queue.count {
            let n = queue[i]
            i += 1
            if n == target { return true }
            for e in forward[n] ?? [] where !voidedEdges.contains(e) && seen.insert(edges[e].into).inserted {
                queue.append(edges[e].into)
            }
        }
        return false
    }

    func checkComponent(_ node: GenealogyNode, parent: String, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard node != .serial(parent) else {
            throw refusal(event, .genealogy, "serial \(parent) cannot contain itself")
        }
        if node.isSerial, let p = assembledInto[node.id] {
            throw refusal(event, .genealogy, "\(node) is already assembled into serial \(p)")
        }
        try usable(node, event)
        if let t = traveler(of: node), t.isActive {
            let at = t.orderedSteps.first { t.steps[$0]?.isComplete != true }.map { " at step \($0)" } ?? ""
            throw refusal(event, .genealogy, "\(node) is not complete: its traveler \(t.id) is\(at)")
        }
        if reaches(.serial(parent), node) {
            throw refusal(event, .genealogy, "serial \(parent) is already inside \(node): the assembly would be a loop")
        }
    }

    mutating func assemble(_ f: SerialAssembled, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        try checkComponent(.serial(f.component), parent: f.parent, event)
        assembledInto[f.component] = f.parent
        addEdge(
            GenealogyEdge(
                from: .serial(f.component), into: .serial(f.parent), link: .assembled, event: event.id, time: event.time
            ))
    }

    mutating func substitute(_ f: ComponentSubstituted, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard !f.reason.isEmpty else { throw refusal(event, .genealogy, "a substitution needs a reason") }
        let s = f.approval
        guard s.meaning == .approved, s.capacity == .role(.engineer) || s.capacity == .role(.quality) else {
            throw refusal(
                event, .signature,
                "a substitution needs an approval (meaning 'approved') by engineering or quality, "
                    + "not \(s.capacity) '\(s.meaning.rawValue)'"
            )
        }
        try checkComponent(f.substitute, parent: f.parent, event)
        if f.substitute.isSerial {
            assembledInto[f.substitute.id] = f.parent
        } else {
            knownLots.insert(f.substitute.id)
        }
        substitutions.append(f)
        addEdge(
            GenealogyEdge(
                from: f.substitute, into: .serial(f.parent), link: .substituted, event: event.id, time: event.time))
    }

    mutating func correct(_ f: EntryCorrected, _ event: ExecutionEvent) throws(ExecutionRefusal)
        -> [ExecutionConsequence]
    {
        guard !f.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw refusal(event, .correction, "a correction needs a reason")
        }
        let s = f.signature
        guard s.meaning == .verified || s.meaning == .approved,
            s.capacity == .role(.quality) || s.capacity == .role(.supervisor)
        else {
            throw refusal(
                event, .correction,
                "a correction needs a signature by quality or supervisor meaning 'verified' or 'approved', "
                    + "not \(s.capacity) '\(s.meaning.rawValue)'"
            )
        }
        if let (travelerID, ref) = dataEvents[f.corrects], var t = travelers[travelerID], var e = t.steps[ref] {
            guard let i = e.data.firstIndex(where: { $0.event == f.corrects }) else {
                throw refusal(event, .correction, "entry \(f.corrects) is not a recorded value")
            }
            let old = e.data[i]
            guard old.isCurrent else {
                throw refusal(
                    event, .correction,
                    "entry \(f.corrects) was already corrected by \(old.supersededBy?.rawValue ?? "")")
            }
            var out: [ExecutionConsequence] = []
            e.data[i].supersededBy = event.id
            switch f.replacement {
            case .void:
                break
            case .value(let v):
                guard let item = t.step(ref)?.dataItems.first(where: { $0.id == old.item }) else {
                    throw refusal(event, .reference, "step \(ref) has no data item '\(old.item)'")
                }
                let problem = try Self.check(v, item, event)
                var entry = DataEntry(
                    event: event.id, item: old.item, value: v, time: event.time, recordedBy: event.actor,
                    withinLimits: problem == nil, correctionReason: f.reason, corrects: f.corrects)
                if let problem {
                    let ncr = try openValueNCR(t, ref, item, v, event)
                    entry.ncr = ncr
                    t.ncrs.append(ncr)
                    out.append(.ncrOpened(ncr: ncr, reason: problem))
                }
                e.data.append(entry)
                dataEvents[event.id] = (t.id, ref)
            case .consumption:
                throw refusal(
                    event, .correction, "entry \(f.corrects) is a recorded value: correct it with a value or void it")
            }
            t.steps[ref] = e
            travelers[t.id] = t
            corrections[event.id] = f
            return out
        }
        if let i = consumptionEdges[f.corrects] {
            guard !voidedEdges.contains(i) else {
                throw refusal(event, .correction, "entry \(f.corrects) was already corrected")
            }
            let old = edges[i]
            switch f.replacement {
            case .value:
                throw refusal(
                    event, .correction, "entry \(f.corrects) is a material consumption: correct its lot or void it")
            case .void:
                break
            case .consumption(let lot, let quantity):
                if lot != old.from.id { try usable(.lot(lot), event) }
                let back = lot == old.from.id ? (old.quantity ?? 0) : 0
                if let left = lotQuantities[lot], quantity > left + back + 1e-9 {
                    throw refusal(
                        event, .quantity,
                        "lot \(lot) has \(Self.show(left + back)) left; \(Self.show(quantity)) cannot be taken")
                }
                guard quantity.isFinite, quantity > 0 else {
                    throw refusal(event, .quantity, "a quantity of lot \(lot) must be positive, not \(quantity)")
                }
            }
            voidedEdges.insert(i)
            if let q = old.quantity, let left = lotQuantities[old.from.id] { lotQuantities[old.from.id] = left + q }
            if case .consumption(let lot, let quantity) = f.replacement {
                if let left = lotQuantities[lot] { lotQuantities[lot] = left - quantity }
                knownLots.insert(lot)
                consumptionEdges[event.id] = addEdge(
                    GenealogyEdge(
                        from: .lot(lot), into: old.into, link: .consumed, quantity: quantity, event: event.id,
                        time: event.time))
            }
            corrections[event.id] = f
            return []
        }
        throw refusal(
            event, .correction,
            "entry \(f.corrects) cannot be corrected: only a recorded value or a material consumption can "
                + "(others are recorded anew)"
        )
    }
}
