import Foundation
import SparCore
import Yams

/// Why an execution record (a ledger body or a routing file) could not be read: the record, the field and why.
public struct ExecutionRecordProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// The record's id (the execution event id, or the routing file's name).
    public var record: String
    /// Where in the record (`operations[0].steps[1].dataItems[0].lowerLimit`).
    public var field: String
    public var reason: String

    public init(record: String, field: String, reason: String) {
        self.record = record
        self.field = field
        self.reason = reason
    }

    /// `record 41, field 'step': must be <operation>.<step>, like 10.20`.
    public var description: String { "record \(record), field '\(field)': \(reason)" }
}

/// The canonical JSON of execution events as the ledger stores them (`execution` entries), and of routings.
///
/// A body is one object: `id`, `time` (RFC 3339, UTC), `actor`, `fact` (the fact's name) and the fact's fields.
/// Steps are written `10.20`; signatures as `{signer, capacity, meaning, time, signatureID}`; items as
/// `{serial}` or `{lot, quantity}`; values as `{number}`, `{text}`, `{boolean}` or `{passFail: "pass"|"fail"}`.
/// Decoding names the record and the field of the first problem.
public enum ExecutionRecordJSON {
    // MARK: Encoding

    /// The canonical body of an event.
    public static func body(_ event: ExecutionEvent) -> String { json(event).canonical }

    /// An event as a JSON object.
    public static func json(_ event: ExecutionEvent) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(event.id.rawValue), "time": .string(event.time.rfc3339), "actor": .string(event.actor),
            "fact": .string(event.fact.name),
        ]
        for (k, v) in fields(event.fact) { o[k] = v }
        return .object(o)
    }

    static func fields(_ fact: ExecutionFact) -> [String: JSONValue] {
        switch fact {
        case .routingReleased(let f):
            return [
                "routing": json(f.routing), "effectiveFrom": .string(f.effectiveFrom.rfc3339),
                "approvals": .array(f.approvals.map(json)),
            ]
        case .travelerReleased(let f):
            return [
                "traveler": .string(f.traveler), "workOrder": .string(f.workOrder), "partNumber": .string(f.partNumber),
                "item": json(f.item),
            ]
        case .stepStarted(let f):
            return [
                "traveler": .string(f.traveler), "step": .string(f.step.description),
                "qualifications": strings(f.qualifications), "tools": strings(f.tools),
            ]
        case .dataRecorded(let f):
            return [
                "traveler": .string(f.traveler), "step": .string(f.step.description), "item": .string(f.item),
                "value": json(f.value),
            ]
        case .stepCompleted(let f):
            return ["traveler": .string(f.traveler), "step": .string(f.step.description), "signature": json(f.signature)]
        case .holdPointSigned(let f):
            return ["traveler": .string(f.traveler), "step": .string(f.step.description), "signature": json(f.signature)]
        case .ncrOpened(let f):
            var o: [String: JSONValue] = [
                "ncr": .string(f.ncr), "item": json(f.item), "partNumber": .string(f.partNumber),
                "quantity": .number(Double(f.quantity)), "characteristic": .string(f.characteristic),
                "foundValue": .string(f.foundValue), "requirement": .string(f.requirement), "cause": .string(f.cause),
            ]
            if let t = f.traveler { o["traveler"] = .string(t) }
            return o
        case .ncrDispositioned(let f):
            return [
                "ncr": .string(f.ncr), "disposition": .string(f.disposition.rawValue),
                "addedOperations": .array(f.addedOperations.map(json)), "signatures": .array(f.signatures.map(json)),
                "rationale": .string(f.rationale),
            ]
        case .ncrClosed(let f):
            return ["ncr": .string(f.ncr), "signature": json(f.signature)]
        case .asBuiltSigned(let f):
            return [
                "serial": .string(f.serial), "sha256": .string(f.sha256), "asOf": .string(f.asOf.rfc3339),
                "signature": json(f.signature),
            ]
        case .materialConsumed(let f):
            var o: [String: JSONValue] = [
                "traveler": .string(f.traveler), "lot": .string(f.lot), "material": .string(f.material),
                "quantity": .number(f.quantity),
            ]
            if let s = f.step { o["step"] = .string(s.description) }
            return o
        case .lotSplit(let f):
            var o: [String: JSONValue] = ["source": .string(f.source), "into": .array(f.into.map(json))]
            if let q = f.sourceQuantity { o["sourceQuantity"] = .number(q) }
            return o
        case .lotsMerged(let f):
            return ["sources": .array(f.sources.map(json)), "into": .string(f.into)]
        case .serialAssembled(let f):
            var o: [String: JSONValue] = ["parent": .string(f.parent), "component": .string(f.component)]
            if let p = f.position { o["position"] = .string(p) }
            return o
        case .componentSubstituted(let f):
            return [
                "parent": .string(f.parent), "planned": .string(f.planned), "substitute": json(f.substitute),
                "reason": .string(f.reason), "approval": json(f.approval),
            ]
        case .entryCorrected(let f):
            let replacement: JSONValue =
                switch f.replacement {
                case .value(let v): .object(["value": json(v)])
                case .consumption(let lot, let q):
                    .object(["consumption": .object(["lot": .string(lot), "quantity": .number(q)])])
                case .void: .object(["void": .bool(true)])
                }
            return [
                "corrects": .string(f.corrects.rawValue), "replacement": replacement, "reason": .string(f.reason),
                "signature": json(f.signature),
            ]
        }
    }

    static func strings(_ s: [String]) -> JSONValue { .array(s.map(JSONValue.string)) }

    /// A routing as JSON (what a routing file holds and a change request proposes).
    public static func json(_ r: Routing) -> JSONValue {
        .object([
            "partNumber": .string(r.partNumber), "revision": .string(r.revision),
            "customerApprovalRequired": .bool(r.customerApprovalRequired), "operations": .array(r.operations.map(json)),
        ])
    }

    static func json(_ op: RoutingOperation) -> JSONValue {
        var o: [String: JSONValue] = [
            "sequence": .number(Double(op.sequence)), "title": .string(op.title),
            "workCenter": .string(op.workCenter.description), "allowOutOfSequence": .bool(op.allowOutOfSequence),
            "steps": .array(op.steps.map(json)),
        ]
        if let v = op.runTimePerUnit { o["runTimePerUnit"] = .number(v) }
        if let v = op.setupTime { o["setupTime"] = .number(v) }
        if let v = op.outsideProcessor { o["outsideProcessor"] = .string(v) }
        return .object(o)
    }

    static func json(_ s: RoutingStep) -> JSONValue {
        var o: [String: JSONValue] = [
            "sequence": .number(Double(s.sequence)), "instruction": .string(s.instruction),
            "dataItems": .array(s.dataItems.map(json)), "requiredQualifications": strings(s.requiredQualifications),
            "requiredTools": strings(s.requiredTools), "signOffRoles": strings(s.signOffRoles.map(\.description)),
        ]
        if let d = s.document { o["document"] = .object(["id": .string(d.id), "revision": .string(d.revision)]) }
        if let h = s.holdPoint { o["holdPoint"] = .string(h.rawValue) }
        if s.setup { o["setup"] = .bool(true) }
        return .object(o)
    }

    static func json(_ d: DataCollectionItem) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(d.id), "name": .string(d.name), "type": .string(d.type.rawValue), "mandatory": .bool(d.mandatory),
        ]
        if let u = d.unit { o["unit"] = .string(u) }
        if let v = d.lowerLimit { o["lowerLimit"] = .number(v) }
        if let v = d.upperLimit { o["upperLimit"] = .number(v) }
        if let v = d.decimals { o["decimals"] = .number(Double(v)) }
        return .object(o)
    }

    static func json(_ s: ExecutionSignature) -> JSONValue {
        var o: [String: JSONValue] = [
            "signer": .string(s.signer), "capacity": .string(s.capacity.description), "meaning": .string(s.meaning.rawValue),
            "time": .string(s.time.rfc3339),
        ]
        if let id = s.signatureID { o["signatureID"] = .string(id) }
        return .object(o)
    }

    static func json(_ i: TravelerItem) -> JSONValue {
        switch i {
        case .serial(let s): .object(["serial": .string(s)])
        case .lot(let l, let q): .object(["lot": .string(l), "quantity": .number(Double(q))])
        }
    }

    static func json(_ n: GenealogyNode) -> JSONValue {
        switch n {
        case .serial(let s): .object(["serial": .string(s)])
        case .lot(let l): .object(["lot": .string(l)])
        }
    }

    static func json(_ v: DataValue) -> JSONValue {
        switch v {
        case .number(let n): .object(["number": .number(n)])
        case .text(let t): .object(["text": .string(t)])
        case .boolean(let b): .object(["boolean": .bool(b)])
        case .passFail(let p): .object(["passFail": .string(p ? "pass" : "fail")])
        }
    }

    static func json(_ p: LotPortion) -> JSONValue { .object(["lot": .string(p.lot), "quantity": .number(p.quantity)]) }

    // MARK: Decoding

    /// Decodes a ledger body.
    public static func decode(body: String, record: String) throws(ExecutionRecordProblem) -> ExecutionEvent {
        let value: JSONValue
        do { value = try JSONValue.parse(Data(body.utf8)) } catch {
            throw ExecutionRecordProblem(record: record, field: "", reason: "not a JSON object")
        }
        return try decode(value, record: record)
    }

    /// Decodes an event object.
    public static func decode(_ value: JSONValue, record: String) throws(ExecutionRecordProblem) -> ExecutionEvent {
        let r = Reader(value: value, record: record, path: "")
        try r.requireObject()
        let id = try r.string("id")
        let rec = Reader(value: value, record: id.isEmpty ? record : id, path: "")
        let fact = try rec.string("fact")
        return ExecutionEvent(
            id: EventID(id), time: try rec.time("time"), actor: try rec.string("actor"), fact: try decodeFact(fact, rec))
    }

    static func decodeFact(_ name: String, _ r: Reader) throws(ExecutionRecordProblem) -> ExecutionFact {
        switch name {
        case "routingReleased":
            return .routingReleased(
                RoutingReleased(
                    routing: try routing(r.object("routing")), effectiveFrom: try r.time("effectiveFrom"),
                    approvals: try r.array("approvals").map(signature)))
        case "travelerReleased":
            return .travelerReleased(
                TravelerReleased(
                    traveler: try r.string("traveler"), workOrder: try r.string("workOrder"),
                    partNumber: try r.string("partNumber"), item: try travelerItem(r.object("item"))))
        case "stepStarted":
            return .stepStarted(
                StepStarted(
                    traveler: try r.string("traveler"), step: try r.step("step"),
                    qualifications: try r.optionalStrings("qualifications"), tools: try r.optionalStrings("tools")))
        case "dataRecorded":
            return .dataRecorded(
                DataRecorded(
                    traveler: try r.string("traveler"), step: try r.step("step"), item: try r.string("item"),
                    value: try dataValue(r.object("value"))))
        case "stepCompleted":
            return .stepCompleted(
                StepCompleted(
                    traveler: try r.string("traveler"), step: try r.step("step"),
                    signature: try signature(r.object("signature"))))
        case "holdPointSigned":
            return .holdPointSigned(
                HoldPointSigned(
                    traveler: try r.string("traveler"), step: try r.step("step"),
                    signature: try signature(r.object("signature"))))
        case "ncrOpened":
            return .ncrOpened(
                NCROpened(
                    ncr: try r.string("ncr"), traveler: try r.optionalString("traveler"), item: try node(r.object("item")),
                    partNumber: try r.string("partNumber"), quantity: try r.int("quantity"),
                    characteristic: try r.string("characteristic"), foundValue: try r.string("foundValue"),
                    requirement: try r.string("requirement"), cause: try r.string("cause")))
        case "ncrDispositioned":
            let d = try r.string("disposition")
            guard let disposition = Disposition(rawValue: d) else {
                throw r.problem(
                    "disposition", "'\(d)' is not one of \(Disposition.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return .ncrDispositioned(
                NCRDispositioned(
                    ncr: try r.string("ncr"), disposition: disposition,
                    addedOperations: try r.optionalArray("addedOperations").map(operation),
                    signatures: try r.array("signatures").map(signature), rationale: try r.optionalString("rationale") ?? ""))
        case "ncrClosed":
            return .ncrClosed(NCRClosed(ncr: try r.string("ncr"), signature: try signature(r.object("signature"))))
        case "asBuiltSigned":
            return .asBuiltSigned(
                AsBuiltSigned(
                    serial: try r.string("serial"), sha256: try r.string("sha256"), asOf: try r.time("asOf"),
                    signature: try signature(r.object("signature"))))
        case "materialConsumed":
            return .materialConsumed(
                MaterialConsumed(
                    traveler: try r.string("traveler"), step: try r.has("step") ? r.step("step") : nil,
                    lot: try r.string("lot"), material: try r.string("material"), quantity: try r.number("quantity")))
        case "lotSplit":
            return .lotSplit(
                LotSplit(
                    source: try r.string("source"), sourceQuantity: try r.optionalNumber("sourceQuantity"),
                    into: try r.array("into").map(portion)))
        case "lotsMerged":
            return .lotsMerged(LotsMerged(sources: try r.array("sources").map(portion), into: try r.string("into")))
        case "serialAssembled":
            return .serialAssembled(
                SerialAssembled(
                    parent: try r.string("parent"), component: try r.string("component"),
                    position: try r.optionalString("position")))
        case "componentSubstituted":
            return .componentSubstituted(
                ComponentSubstituted(
                    parent: try r.string("parent"), planned: try r.string("planned"),
                    substitute: try node(r.object("substitute")), reason: try r.string("reason"),
                    approval: try signature(r.object("approval"))))
        case "entryCorrected":
            let rep = try r.object("replacement")
            let replacement: EntryCorrected.Replacement
            if rep.has("value") {
                replacement = .value(try dataValue(rep.object("value")))
            } else if rep.has("consumption") {
                let c = try rep.object("consumption")
                replacement = .consumption(lot: try c.string("lot"), quantity: try c.number("quantity"))
            } else if try rep.optionalBool("void") == true {
                replacement = .void
            } else {
                throw rep.problem("", "give one of value, consumption or void: true")
            }
            return .entryCorrected(
                EntryCorrected(
                    corrects: EventID(try r.string("corrects")), replacement: replacement, reason: try r.string("reason"),
                    signature: try signature(r.object("signature"))))
        default:
            throw r.problem("fact", "'\(name)' is not an execution fact")
        }
    }

    /// Decodes a routing object.
    public static func routing(_ value: JSONValue, record: String) throws(ExecutionRecordProblem) -> Routing {
        let r = Reader(value: value, record: record, path: "")
        try r.requireObject()
        return try routing(r)
    }

    /// Reads a routing file: JSON (strict) or YAML, the shape ``json(_:)-(Routing)`` writes.
    public static func routing(file data: Data, name: String) throws(ExecutionRecordProblem) -> Routing {
        let value: JSONValue
        let trimmed = data.drop { StrictJSON.isSpace($0) }
        if trimmed.first == UInt8(ascii: "{") {
            if let p = StrictJSON.problem(data) {
                throw ExecutionRecordProblem(record: name, field: "", reason: p.description)
            }
            do { value = try JSONValue.parse(data) } catch {
                throw ExecutionRecordProblem(record: name, field: "", reason: "not a JSON object")
            }
        } else {
            guard let text = String(data: data, encoding: .utf8) else {
                throw ExecutionRecordProblem(record: name, field: "", reason: "not UTF-8 text")
            }
            if let p = YAMLExpansion.problem(text) { throw ExecutionRecordProblem(record: name, field: "", reason: p) }
            do { value = try YAMLDecoder().decode(JSONValue.self, from: text) } catch {
                throw ExecutionRecordProblem(record: name, field: "", reason: "not YAML: \(error)")
            }
        }
        return try routing(value, record: name)
    }

    static func routing(_ r: Reader) throws(ExecutionRecordProblem) -> Routing {
        Routing(
            partNumber: try r.string("partNumber"), revision: try r.string("revision"),
            customerApprovalRequired: try r.optionalBool("customerApprovalRequired") ?? false,
            operations: try r.array("operations").map(operation))
    }

    static func operation(_ r: Reader) throws(ExecutionRecordProblem) -> RoutingOperation {
        RoutingOperation(
            sequence: try r.int("sequence"), title: try r.optionalString("title") ?? "",
            workCenter: EquipmentPath(try r.string("workCenter")),
            allowOutOfSequence: try r.optionalBool("allowOutOfSequence") ?? false, steps: try r.array("steps").map(step),
            runTimePerUnit: try r.optionalNumber("runTimePerUnit"), setupTime: try r.optionalNumber("setupTime"),
            outsideProcessor: try r.optionalString("outsideProcessor"))
    }

    static func step(_ r: Reader) throws(ExecutionRecordProblem) -> RoutingStep {
        var document: DocumentReference?
        if r.has("document") {
            let d = try r.object("document")
            document = DocumentReference(id: try d.string("id"), revision: try d.string("revision"))
        }
        var hold: HoldPointKind?
        if let h = try r.optionalString("holdPoint") {
            guard let k = HoldPointKind(rawValue: h) else {
                throw r.problem(
                    "holdPoint", "'\(h)' is not one of \(HoldPointKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            hold = k
        }
        var roles: [SignerCapacity] = []
        for (i, name) in try r.optionalStrings("signOffRoles").enumerated() {
            guard let c = capacity(name) else { throw r.problem("signOffRoles[\(i)]", "'\(name)' is not a role") }
            roles.append(c)
        }
        return RoutingStep(
            sequence: try r.int("sequence"), instruction: try r.string("instruction"), document: document,
            dataItems: try r.optionalArray("dataItems").map(dataItem),
            requiredQualifications: try r.optionalStrings("requiredQualifications"),
            requiredTools: try r.optionalStrings("requiredTools"), holdPoint: hold, signOffRoles: roles,
            setup: try r.optionalBool("setup") ?? false)
    }

    static func dataItem(_ r: Reader) throws(ExecutionRecordProblem) -> DataCollectionItem {
        let t = try r.string("type")
        guard let type = DataItemType(rawValue: t) else {
            throw r.problem("type", "'\(t)' is not one of \(DataItemType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return DataCollectionItem(
            id: try r.string("id"), name: try r.string("name"), type: type, unit: try r.optionalString("unit"),
            lowerLimit: try r.optionalNumber("lowerLimit"), upperLimit: try r.optionalNumber("upperLimit"),
            mandatory: try r.optionalBool("mandatory") ?? true, decimals: try r.optionalNumber("decimals").map { Int($0) })
    }

    static func capacity(_ name: String) -> SignerCapacity? {
        name == "customer" ? .customer : Role(rawValue: name).map(SignerCapacity.role)
    }

    static func signature(_ r: Reader) throws(ExecutionRecordProblem) -> ExecutionSignature {
        let c = try r.string("capacity")
        guard let capacity = capacity(c) else { throw r.problem("capacity", "'\(c)' is not a role or customer") }
        let m = try r.string("meaning")
        guard let meaning = ExecutionSignatureMeaning(rawValue: m) else {
            throw r.problem(
                "meaning",
                "'\(m)' is not one of \(ExecutionSignatureMeaning.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return ExecutionSignature(
            signer: try r.string("signer"), capacity: capacity, meaning: meaning, time: try r.time("time"),
            signatureID: try r.optionalString("signatureID"))
    }

    static func travelerItem(_ r: Reader) throws(ExecutionRecordProblem) -> TravelerItem {
        if r.has("serial") { return .serial(try r.string("serial")) }
        guard r.has("lot") else { throw r.problem("", "give serial, or lot and quantity") }
        return .lot(try r.string("lot"), quantity: try r.int("quantity"))
    }

    static func node(_ r: Reader) throws(ExecutionRecordProblem) -> GenealogyNode {
        if r.has("serial") { return .serial(try r.string("serial")) }
        guard r.has("lot") else { throw r.problem("", "give serial or lot") }
        return .lot(try r.string("lot"))
    }

    static func portion(_ r: Reader) throws(ExecutionRecordProblem) -> LotPortion {
        LotPortion(lot: try r.string("lot"), quantity: try r.number("quantity"))
    }

    static func dataValue(_ r: Reader) throws(ExecutionRecordProblem) -> DataValue {
        if r.has("number") { return .number(try r.number("number")) }
        if r.has("text") { return .text(try r.string("text")) }
        if r.has("boolean") { return .boolean(try r.bool("boolean")) }
        if r.has("passFail") {
            switch try r.string("passFail") {
            case "pass": return .passFail(true)
            case "fail": return .passFail(false)
            default: throw r.problem("passFail", "must be pass or fail")
            }
        }
        throw r.problem("", "give one of number, text, boolean or passFail")
    }

    /// Parses a step reference `10.20`.
    public static func stepRef(_ text: String) -> StepRef? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let o = Int(parts[0]), let s = Int(parts[1]) else { return nil }
        return StepRef(o, s)
    }

    /// A located reader over one JSON object.
    struct Reader {
        var value: JSONValue
        var record: String
        var path: String

        func field(_ key: String) -> String { path.isEmpty ? key : key.isEmpty ? path : "\(path).\(key)" }

        func problem(_ key: String, _ reason: String) -> ExecutionRecordProblem {
            ExecutionRecordProblem(record: record, field: field(key), reason: reason)
        }

        func requireObject() throws(ExecutionRecordProblem) {
            guard case .object = value else { throw problem("", "must be an object") }
        }

        func has(_ key: String) -> Bool {
            if let v = value[key], v != .null { return true }
            return false
        }

        func raw(_ key: String) throws(ExecutionRecordProblem) -> JSONValue {
            guard let v = value[key], v != .null else { throw problem(key, "is required") }
            return v
        }

        func string(_ key: String) throws(ExecutionRecordProblem) -> String {
            guard let s = try raw(key).stringValue else { throw problem(key, "must be a string") }
            return s
        }

        func optionalString(_ key: String) throws(ExecutionRecordProblem) -> String? {
            has(key) ? try string(key) : nil
        }

        func number(_ key: String) throws(ExecutionRecordProblem) -> Double {
            guard let n = try raw(key).numberValue, n.isFinite else { throw problem(key, "must be a number") }
            return n
        }

        func optionalNumber(_ key: String) throws(ExecutionRecordProblem) -> Double? {
            has(key) ? try number(key) : nil
        }

        func int(_ key: String) throws(ExecutionRecordProblem) -> Int {
            let n = try number(key)
            guard n == n.rounded(), abs(n) < 1e15 else { throw problem(key, "must be a whole number") }
            return Int(n)
        }

        func bool(_ key: String) throws(ExecutionRecordProblem) -> Bool {
            guard case .bool(let b) = try raw(key) else { throw problem(key, "must be true or false") }
            return b
        }

        func optionalBool(_ key: String) throws(ExecutionRecordProblem) -> Bool? { has(key) ? try bool(key) : nil }

        func time(_ key: String) throws(ExecutionRecordProblem) -> Timestamp {
            let s = try string(key)
            guard let t = Timestamp(rfc3339: s) else { throw problem(key, "'\(s)' is not an RFC 3339 time with an offset") }
            return t
        }

        func step(_ key: String) throws(ExecutionRecordProblem) -> StepRef {
            let s = try string(key)
            guard let r = ExecutionRecordJSON.stepRef(s) else {
                throw problem(key, "'\(s)' must be <operation>.<step>, like 10.20")
            }
            return r
        }

        func object(_ key: String) throws(ExecutionRecordProblem) -> Reader {
            let v = try raw(key)
            guard case .object = v else { throw problem(key, "must be an object") }
            return Reader(value: v, record: record, path: field(key))
        }

        func array(_ key: String) throws(ExecutionRecordProblem) -> [Reader] {
            guard let a = try raw(key).arrayValue else { throw problem(key, "must be an array") }
            var out: [Reader] = []
            for (i, v) in a.enumerated() {
                let r = Reader(value: v, record: record, path: "\(field(key))[\(i)]")
                try r.requireObject()
                out.append(r)
            }
            return out
        }

        func optionalArray(_ key: String) throws(ExecutionRecordProblem) -> [Reader] { has(key) ? try array(key) : [] }

        func optionalStrings(_ key: String) throws(ExecutionRecordProblem) -> [String] {
            guard has(key) else { return [] }
            guard let a = try raw(key).arrayValue else { throw problem(key, "must be an array of strings") }
            var out: [String] = []
            for (i, v) in a.enumerated() {
                guard let s = v.stringValue else { throw problem("\(key)[\(i)]", "must be a string") }
                out.append(s)
            }
            return out
        }
    }
}
