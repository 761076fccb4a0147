extension ExecutionState {
    mutating func openNCR(_ f: NCROpened, step: StepRef?, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard !f.ncr.isEmpty, ncrs[f.ncr] == nil else {
            throw refusal(event, .reference, "NCR '\(f.ncr)' already exists")
        }
        guard f.quantity > 0 else {
            throw refusal(event, .quantity, "an NCR needs a positive quantity, not \(f.quantity)")
        }
        for (field, value) in [
            ("characteristic", f.characteristic), ("requirement", f.requirement), ("cause", f.cause),
        ]
        where value.isEmpty {
            throw refusal(event, .reference, "an NCR needs its \(field)")
        }
        if let id = f.traveler {
            var t = try activeTraveler(id, event)
            guard t.item.node == f.item else {
                throw refusal(
                    event, .reference, "NCR \(f.ncr) names \(f.item), but traveler \(id) makes \(t.item.node)")
            }
            guard f.quantity <= t.remainingQuantity else {
                throw refusal(
                    event, .quantity, "NCR \(f.ncr) holds \(f.quantity) but traveler \(id) has \(t.remainingQuantity)")
            }
            t.ncrs.append(f.ncr)
            travelers[id] = t
        } else if let q = lotQuantities[f.item.id], !f.item.isSerial, Double(f.quantity) > q {
            throw refusal(event, .quantity, "NCR \(f.ncr) holds \(f.quantity) of \(f.item), which has \(q) left")
        }
        ncrs[f.ncr] = NCRRecord(opened: f, step: step, event: event)
        ncrsByNode[f.item, default: []].append(f.ncr)
    }

    mutating func disposition(_ f: NCRDispositioned, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard var n = ncrs[f.ncr] else { throw refusal(event, .reference, "unknown NCR '\(f.ncr)'") }
        if let d = n.disposition {
            throw refusal(event, .disposition, "NCR \(n.id) is already dispositioned (\(d.rawValue))")
        }
        guard event.time >= n.openedAt else {
            throw refusal(
                event, .time, "disposition of NCR \(n.id) at \(event.time) is before it opened at \(n.openedAt)")
        }
        var traveler = n.traveler.flatMap { travelers[$0] }
        for s in f.signatures {
            guard s.meaning == .approved else {
                throw refusal(
                    event, .signature, "a disposition needs signatures meaning 'approved', not '\(s.meaning.rawValue)'")
            }
            if let p = s.capacityProblem { throw refusal(event, .signature, p) }
        }
        let customer = traveler?.customerApprovalRequired ?? routingRequiresCustomer(n.partNumber, at: event.time)
        let required = f.disposition.requiredSignatories(customerApprovalRequired: customer)
        let missing = Self.missingSignatories(required, in: f.signatures)
        guard missing.isEmpty else {
            let names = required.map(Self.capacityName)
            let list =
                names.count == 2
                ? "\(names[0]) and \(names[1])" : names.dropLast().joined(separator: ", ") + " and \(names.last ?? "")"
            throw refusal(
                event, .disposition,
                "disposition \(f.disposition.rawValue) needs \(list) signatures, each by a different person (missing "
                    + missing.map(Self.capacityName).joined(separator: ", ") + ")")
        }
        if f.disposition.addsOperations {
            guard f.addedOperations.isEmpty == false else {
                throw refusal(
                    event, .disposition,
                    "disposition \(f.disposition.rawValue) adds operations to the traveler: it names none")
            }
            guard var t = traveler, t.isActive else {
                throw refusal(
                    event, .disposition,
                    "disposition \(f.disposition.rawValue) of NCR \(n.id) needs an active traveler to add operations to"
                )
            }
            var sequences = Set(t.operations.map(\.sequence))
            for (i, op) in f.addedOperations.enumerated() {
                guard sequences.insert(op.sequence).inserted else {
                    throw refusal(
                        event, .disposition,
                        "added operation \(op.sequence) clashes with an operation of traveler \(t.id)")
                }
                let problems = Routing.operationProblems(op, location: "addedOperations[\(i)]")
                if let p = problems.first { throw refusal(event, .disposition, p.description) }
            }
            t.operations += f.addedOperations.map { TravelerOperation(operation: $0, addedBy: n.id) }
            t.operations.sort { $0.sequence < $1.sequence }
            n.addedOperations = f.addedOperations.map(\.sequence).sorted()
            traveler = t
        } else if !f.addedOperations.isEmpty {
            throw refusal(event, .disposition, "disposition \(f.disposition.rawValue) adds no operations")
        }
        n.disposition = f.disposition
        n.dispositionedAt = event.time
        n.dispositionSignatures = f.signatures
        ncrs[n.id] = n
        if var t = traveler {
            switch f.disposition {
            case .scrap: t.scrap += n.quantity
            case .returnToVendor: t.returned += n.quantity
            case .rework, .repair: t.rework += n.quantity
            case .useAsIs: t.useAsIs += n.quantity
            }
            t.lastMovedAt = event.time
            if t.remainingQuantity == 0 {
                t.status = .scrapped(at: event.time)
            } else {
                finishIfDone(&t, event.time)
            }
            travelers[t.id] = t
        } else if !n.item.isSerial, f.disposition == .scrap || f.disposition == .returnToVendor,
            let q = lotQuantities[n.item.id]
        {
            lotQuantities[n.item.id] = max(0, q - Double(n.quantity))
        }
    }

    func routingRequiresCustomer(_ partNumber: String, at time: Timestamp) -> Bool {
        routing(inForceFor: partNumber, at: time)?.customerApprovalRequired ?? false
    }

    mutating func closeNCR(_ f: NCRClosed, _ event: ExecutionEvent) throws(ExecutionRefusal) {
        guard var n = ncrs[f.ncr] else { throw refusal(event, .reference, "unknown NCR '\(f.ncr)'") }
        if let at = n.closedAt { throw refusal(event, .closure, "NCR \(n.id) was already closed at \(at)") }
        guard let d = n.disposition else {
            throw refusal(event, .closure, "NCR \(n.id) cannot close before its disposition")
        }
        if d.addsOperations, let id = n.traveler, let t = travelers[id] {
            for seq in n.addedOperations {
                let open = t.orderedSteps.filter { $0.operation == seq && t.steps[$0]?.isComplete != true }
                if !open.isEmpty {
                    throw refusal(
                        event, .closure,
                        "NCR \(n.id) cannot close: added operation \(seq) of traveler \(id) is not complete")
                }
            }
        }
        let s = f.signature
        guard s.meaning == .approved || s.meaning == .verified, s.capacity == .role(.quality) else {
            throw refusal(
                event, .closure,
                "closing NCR \(n.id) needs a quality signature meaning 'approved' or 'verified', "
                    + "not \(s.capacity) '\(s.meaning.rawValue)'"
            )
        }
        n.closedAt = event.time
        n.closure = s
        ncrs[n.id] = n
    }

    /// NCR aging by cause at `time`, causes in alphabetical order.
    public func ncrAging(at time: Timestamp) -> [NCRAging] { NCRAging.byCause(ncrs.values, at: time) }

    /// Quantities of the travelers matching `filter` (all by default), summed.
    public func quantities(where filter: (TravelerRecord) -> Bool = { _ in true }) -> TravelerQuantities {
        travelers.values.filter(filter).reduce(TravelerQuantities()) { $0 + $1.quantities }
    }
}
