import SparCore
import SparInterchange

/// The execution record's views as JSON: what `spar … --format json` prints and the HTTP API returns.
public enum ExecutionReportJSON {
    static func signature(_ s: ExecutionSignature?) -> JSONValue {
        guard let s else { return .null }
        var o: [String: JSONValue] = [
            "signer": .string(s.signer), "capacity": .string(s.capacity.description), "meaning": .string(s.meaning.rawValue),
            "time": .string(s.time.rfc3339),
        ]
        if let id = s.signatureID { o["signatureID"] = .string(id) }
        return .object(o)
    }

    static func item(_ i: TravelerItem) -> JSONValue {
        switch i {
        case .serial(let s): .object(["serial": .string(s), "quantity": .number(1)])
        case .lot(let l, let q): .object(["lot": .string(l), "quantity": .number(Double(q))])
        }
    }

    static func node(_ n: GenealogyNode) -> JSONValue {
        .object([n.isSerial ? "serial" : "lot": .string(n.id)])
    }

    static func value(_ v: DataValue) -> JSONValue {
        switch v {
        case .number(let n): .number(n)
        case .text(let t): .string(t)
        case .boolean(let b), .passFail(let b): .bool(b)
        }
    }

    static func status(_ s: TravelerRecord.Status) -> (String, JSONValue) {
        switch s {
        case .active: ("active", .null)
        case .complete(let at): ("complete", .string(at.rfc3339))
        case .scrapped(let at): ("scrapped", .string(at.rfc3339))
        }
    }

    /// One WIP row; `age` is in milliseconds at `time`.
    public static func wip(_ e: WIPEntry, at time: Timestamp) -> JSONValue {
        var status: [String: JSONValue] = [:]
        switch e.status {
        case .working: status = ["state": .string("working")]
        case .waiting: status = ["state": .string("waiting")]
        case .onHold(let ncrs): status = ["state": .string("onHold"), "ncrs": .array(ncrs.map(JSONValue.string))]
        case .blocked(let ref, let kind):
            status = ["state": .string("blocked"), "holdPoint": .string(ref.description), "kind": .string(kind.rawValue)]
        case .outside(let processor): status = ["state": .string("outside"), "processor": .string(processor)]
        }
        return .object([
            "traveler": .string(e.traveler), "workOrder": .string(e.workOrder), "partNumber": .string(e.partNumber),
            "item": item(e.item), "step": e.step.map { .string($0.description) } ?? .null,
            "workCenter": e.workCenter.map { .string($0.description) } ?? .null, "status": .object(status),
            "statusText": .string(e.status.description), "since": .string(e.since.rfc3339),
            "ageMs": .number(Double(e.age(at: time))),
        ])
    }

    /// A traveler with its operations, steps, values and signatures.
    public static func traveler(_ t: TravelerRecord) -> JSONValue {
        let (state, at) = status(t.status)
        let q = t.quantities
        var steps: [JSONValue] = []
        for ref in t.orderedSteps {
            guard let s = t.step(ref) else { continue }
            let e = t.steps[ref]
            var o: [String: JSONValue] = [
                "step": .string(ref.description), "instruction": .string(s.instruction),
                "holdPoint": s.holdPoint.map { .string($0.rawValue) } ?? .null,
                "state": .string(e == nil ? "notStarted" : e?.isComplete == true ? "complete" : "started"),
                "dataItems": .array(
                    s.dataItems.map { d in
                        .object([
                            "id": .string(d.id), "name": .string(d.name), "type": .string(d.type.rawValue),
                            "requirement": .string(d.requirement), "mandatory": .bool(d.mandatory),
                            "unit": d.unit.map(JSONValue.string) ?? .null,
                        ])
                    }),
            ]
            if let d = s.document { o["document"] = .string(d.description) }
            if let op = t.operation(ref.operation) {
                o["workCenter"] = .string(op.operation.workCenter.description)
                if let by = op.addedBy { o["addedBy"] = .string(by) }
            }
            if let e {
                o["startedAt"] = .string(e.startedAt.rfc3339)
                o["startedBy"] = .string(e.startedBy)
                o["completedAt"] = e.completedAt.map { .string($0.rfc3339) } ?? .null
                o["durationMs"] = e.duration.map { .number(Double($0)) } ?? .null
                o["completion"] = signature(e.completion)
                o["holdPointSignature"] = signature(e.holdPointSignature)
                o["data"] = .array(e.data.map(data))
            }
            steps.append(.object(o))
        }
        return .object([
            "traveler": .string(t.id), "workOrder": .string(t.workOrder), "partNumber": .string(t.partNumber),
            "item": item(t.item), "routing": .object(["partNumber": .string(t.routing.partNumber), "revision": .string(t.routing.revision)]),
            "releasedAt": .string(t.releasedAt.rfc3339), "releasedBy": .string(t.releasedBy), "status": .string(state),
            "statusAt": at, "steps": .array(steps), "ncrs": .array(t.ncrs.map(JSONValue.string)),
            "quantities": .object([
                "quantity": .number(Double(q.quantity)), "inspected": .number(Double(q.inspected)),
                "good": .number(Double(q.good)), "goodFirstPass": .number(Double(q.goodFirstPass)),
                "scrap": .number(Double(q.scrap)), "rework": .number(Double(q.rework)),
                "useAsIs": .number(Double(q.useAsIs)), "returnedToVendor": .number(Double(q.returnedToVendor)),
                "firstPassYield": q.firstPassYield.map(JSONValue.number) ?? .null,
            ]),
        ])
    }

    static func data(_ d: DataEntry) -> JSONValue {
        var o: [String: JSONValue] = [
            "event": .string(d.event.rawValue), "item": .string(d.item), "value": value(d.value),
            "time": .string(d.time.rfc3339), "recordedBy": .string(d.recordedBy), "withinLimits": .bool(d.withinLimits),
            "current": .bool(d.isCurrent),
        ]
        if let n = d.ncr { o["ncr"] = .string(n) }
        if let s = d.supersededBy { o["supersededBy"] = .string(s.rawValue) }
        if let r = d.correctionReason { o["correctionReason"] = .string(r) }
        if let c = d.corrects { o["corrects"] = .string(c.rawValue) }
        return .object(o)
    }

    /// An NCR; `ageMs` at `time`.
    public static func ncr(_ n: NCRRecord, at time: Timestamp) -> JSONValue {
        .object([
            "ncr": .string(n.id), "status": .string(n.status.rawValue), "traveler": n.traveler.map(JSONValue.string) ?? .null,
            "step": n.step.map { .string($0.description) } ?? .null, "item": node(n.item), "partNumber": .string(n.partNumber),
            "quantity": .number(Double(n.quantity)), "characteristic": .string(n.characteristic),
            "foundValue": .string(n.foundValue), "requirement": .string(n.requirement), "cause": .string(n.cause),
            "openedAt": .string(n.openedAt.rfc3339), "openedBy": .string(n.openedBy),
            "disposition": n.disposition.map { .string($0.rawValue) } ?? .null,
            "dispositionedAt": n.dispositionedAt.map { .string($0.rfc3339) } ?? .null,
            "dispositionSignatures": .array(n.dispositionSignatures.map { signature($0) }),
            "addedOperations": .array(n.addedOperations.map { .number(Double($0)) }),
            "closedAt": n.closedAt.map { .string($0.rfc3339) } ?? .null, "closure": signature(n.closure),
            "ageMs": .number(Double(n.age(at: time))),
        ])
    }

    static func edge(_ e: GenealogyEdge) -> JSONValue {
        .object([
            "from": node(e.from), "into": node(e.into), "link": .string(e.link.rawValue),
            "quantity": e.quantity.map(JSONValue.number) ?? .null, "event": .string(e.event.rawValue),
            "time": .string(e.time.rfc3339),
        ])
    }

    public static func forward(_ t: ForwardTrace) -> JSONValue {
        .object([
            "origin": node(t.origin), "serials": .array(t.serials.map(JSONValue.string)),
            "reached": .array(t.reached.map(node)), "edges": .array(t.edges.map(edge)),
        ])
    }

    public static func backward(_ t: BackwardTrace) -> JSONValue {
        .object([
            "origin": node(t.origin), "lots": .array(t.lots.map(JSONValue.string)),
            "serials": .array(t.serials.map(JSONValue.string)), "travelers": .array(t.travelers.map(JSONValue.string)),
            "people": .array(t.people.map(JSONValue.string)), "ncrs": .array(t.ncrs.map(JSONValue.string)),
            "edges": .array(t.edges.map(edge)),
            "steps": .array(
                t.steps.map { s in
                    .object([
                        "traveler": .string(s.traveler), "step": .string(s.step.description),
                        "workCenter": s.workCenter.map { .string($0.description) } ?? .null,
                        "startedBy": .string(s.startedBy), "startedAt": .string(s.startedAt.rfc3339),
                        "completion": signature(s.completion), "holdPointSignature": signature(s.holdPointSignature),
                    ])
                }),
            "measurements": .array(
                t.measurements.map { m in
                    .object([
                        "traveler": .string(m.traveler), "step": .string(m.step.description),
                        "characteristic": .string(m.characteristic), "entry": data(m.entry),
                    ])
                }),
        ])
    }

    /// The as-built record of a serial.
    public static func asBuilt(_ a: ExecutionAsBuilt, at time: Timestamp) -> JSONValue {
        .object([
            "serial": .string(a.traveler.item.id), "partNumber": .string(a.traveler.partNumber),
            "routing": a.routing.map { ExecutionRecordJSON.json($0) } ?? .null, "traveler": traveler(a.traveler),
            "genealogy": backward(a.trace), "travelers": .array(a.travelers.map(traveler)),
            "ncrs": .array(a.ncrs.map { ncr($0, at: time) }),
        ])
    }

    /// A routing revision with its status at `time`.
    public static func routing(_ r: Routing, status: Routing.Status?) -> JSONValue {
        guard case .object(var o) = ExecutionRecordJSON.json(r) else { return .null }
        o["status"] = .string(status?.rawValue ?? r.status.rawValue)
        o["effectiveFrom"] = r.effectiveFrom.map { .string($0.rfc3339) } ?? .null
        return .object(o)
    }
}

/// How the audit trail describes an execution entry.
enum ExecutionAuditText {
    static func action(body: String, id: String, type: String) -> String {
        guard let e = try? ExecutionRecordJSON.decode(body: body, record: id) else { return "recorded execution \(type)" }
        switch e.fact {
        case .routingReleased(let f): return "released routing \(f.routing.id), effective \(f.effectiveFrom.rfc3339)"
        case .travelerReleased(let f):
            return "released traveler \(f.traveler) (work order \(f.workOrder), \(f.item)) of part \(f.partNumber)"
        case .stepStarted(let f): return "started step \(f.step) of traveler \(f.traveler)"
        case .dataRecorded(let f): return "recorded \(f.item) = \(f.value) at step \(f.step) of traveler \(f.traveler)"
        case .stepCompleted(let f): return "completed step \(f.step) of traveler \(f.traveler): \(f.signature)"
        case .holdPointSigned(let f): return "signed the hold point of step \(f.step) of traveler \(f.traveler): \(f.signature)"
        case .ncrOpened(let f): return "opened \(f.ncr) on \(f.item): \(f.characteristic) \(f.foundValue), requirement \(f.requirement)"
        case .ncrDispositioned(let f): return "dispositioned \(f.ncr) \(f.disposition.rawValue): \(f.rationale)"
        case .ncrClosed(let f): return "closed \(f.ncr): \(f.signature)"
        case .materialConsumed(let f): return "consumed \(f.quantity) of lot \(f.lot) into traveler \(f.traveler)"
        case .lotSplit(let f): return "split lot \(f.source) into \(f.into.map(\.lot).joined(separator: ", "))"
        case .lotsMerged(let f): return "merged \(f.sources.map(\.lot).joined(separator: ", ")) into lot \(f.into)"
        case .serialAssembled(let f): return "assembled serial \(f.component) into \(f.parent)"
        case .componentSubstituted(let f): return "substituted \(f.substitute) for \(f.planned) in \(f.parent): \(f.reason)"
        case .entryCorrected(let f): return "corrected \(ExecutionLedger.entryID(f.corrects)): \(f.reason)"
        case .asBuiltSigned(let f): return "signed the as-built record of \(f.serial) (SHA-256 \(f.sha256)): \(f.signature)"
        }
    }
}
