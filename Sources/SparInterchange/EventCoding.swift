import Foundation
import SparCore

/// Reads and writes events in the contract's JSON form (events.md §2).
public enum EventCoding {
    /// Decodes one JSON Lines record. The rejection names the line, the id (when readable) and the field.
    public static func decode(line text: Substring, lineNumber: Int?) -> Result<Event, EventRejection> {
        decode(data: Data(text.utf8), lineNumber: lineNumber)
    }

    /// Decodes one JSON event object. The text must be I-JSON (``StrictJSON``): UTF-8, no repeated member, numbers
    /// a binary64 holds. `strict: false` skips that check, for bodies the ledger stored in canonical form.
    public static func decode(
        data: Data, lineNumber: Int?, using decoder: JSONDecoder = JSONDecoder(), strict: Bool = true
    ) -> Result<Event, EventRejection> {
        decode(data: data, lineNumber: lineNumber, using: decoder, strict: strict, fast: true)
    }

    /// ``decode(data:lineNumber:using:strict:)``, with `fast: false` decoding with `JSONDecoder` alone (the
    /// reference the scanner is tested against).
    static func decode(
        data: Data, lineNumber: Int?, using decoder: JSONDecoder, strict: Bool, fast: Bool
    ) -> Result<Event, EventRejection> {
        if strict {
            if let p = StrictJSON.problem(data) {
                return .failure(
                    EventRejection(
                        line: lineNumber, id: readableID(data), field: p.path,
                        reason: p.isSyntax ? "malformed JSON: \(p.reason)" : p.reason))
            }
            if let first = data.first(where: { !StrictJSON.isSpace($0) }), first != UInt8(ascii: "{") {
                let kind: String
                switch first {
                case UInt8(ascii: "["): kind = "an array"
                case UInt8(ascii: "\""): kind = "a string"
                case UInt8(ascii: "n"): kind = "null"
                case UInt8(ascii: "t"), UInt8(ascii: "f"): kind = "a boolean"
                default: kind = "a number"
                }
                return .failure(
                    EventRejection(line: lineNumber, reason: "an event must be a JSON object, not \(kind)"))
            }
        }
        let wire: EventWire
        do {
            wire = try (fast ? EventWireScanner.scan(data) : nil) ?? decoder.decode(EventWire.self, from: data)
        } catch let e as DecodingError {
            return .failure(rejection(e, lineNumber: lineNumber, data: data))
        } catch {
            return .failure(EventRejection(line: lineNumber, reason: "malformed JSON: \(error)"))
        }
        do {
            guard let idText = wire.id else { throw FieldError("id", "missing") }
            guard !idText.isEmpty else { throw FieldError("id", "must not be empty") }
            return .success(try decodeBody(wire, id: EventID(idText), prefix: ""))
        } catch let e as FieldError {
            return .failure(EventRejection(line: lineNumber, id: wire.id, field: e.field, reason: e.reason))
        } catch {
            return .failure(EventRejection(line: lineNumber, id: wire.id, reason: "\(error)"))
        }
    }

    /// Decodes one event given as a parsed JSON value (an element of a JSON array, say).
    public static func decode(_ value: JSONValue, lineNumber: Int?) -> Result<Event, EventRejection> {
        decode(data: Data(value.canonical.utf8), lineNumber: lineNumber)
    }

    static func rejection(_ e: DecodingError, lineNumber: Int?, data: Data) -> EventRejection {
        func field(_ path: [any CodingKey]) -> String? {
            path.isEmpty ? nil : path.map(\.stringValue).joined(separator: ".")
        }
        let id = readableID(data)
        switch e {
        case .typeMismatch(let type, let c):
            guard let f = field(c.codingPath) else {
                return EventRejection(line: lineNumber, id: id, reason: "an event must be a JSON object")
            }
            let expected: String
            switch type {
            case is Double.Type: expected = "a number"
            case is Bool.Type: expected = "true or false"
            case is String.Type: expected = "a string"
            default: expected = "an object"
            }
            return EventRejection(line: lineNumber, id: id, field: f, reason: "must be \(expected)")
        case .valueNotFound(_, let c):
            return EventRejection(line: lineNumber, id: id, field: field(c.codingPath), reason: "missing")
        case .keyNotFound(let k, let c):
            return EventRejection(line: lineNumber, id: id, field: field(c.codingPath + [k]), reason: "missing")
        case .dataCorrupted(let c):
            if let f = field(c.codingPath) {
                return EventRejection(line: lineNumber, id: id, field: f, reason: c.debugDescription)
            }
            let detail = c.underlyingError.map { "\($0.localizedDescription)" } ?? c.debugDescription
            return EventRejection(line: lineNumber, reason: "malformed JSON: \(detail)")
        @unknown default:
            return EventRejection(line: lineNumber, id: id, reason: "malformed JSON: \(e)")
        }
    }

    struct IDOnly: Decodable { var id: String? }

    /// The record's id for a report, when the object is readable and its id is valid text.
    static func readableID(_ data: Data) -> String? {
        (try? JSONDecoder().decode(IDOnly.self, from: data))?.id.flatMap { $0.contains("\u{FFFD}") ? nil : $0 }
    }

    /// The contract's fields, all optional: presence and ranges are checked after decoding, field by field.
    final class EventWire: Decodable {
        var id, ts, source, unit, type: String?
        var state, reason, order, action, material: String?
        var plannedRunTimePerUnit, plannedQuantity, plannedSetupTime, plannedScrapQuantity: Double?
        var good, scrap, rework: Double?
        var worker, kind, characteristic, flow, corrects: String?
        var value, lsl, usl, quantity, kwh: Double?
        var operation: Double?
        var subgroup, grade, serial, result: String?
        var void: Bool?
        var replacement: EventWire?
        var hasReplacement = false

        /// An empty wire value (every field absent), for ``EventWireScanner`` to fill.
        init() {}

        enum CodingKeys: String, CodingKey {
            case id, ts, source, unit, type, state, reason, order, action, material, plannedRunTimePerUnit,
                plannedQuantity, plannedSetupTime, plannedScrapQuantity, good, scrap, rework, worker, kind,
                characteristic, flow, corrects, value, lsl, usl, quantity, kwh, void, replacement, operation, subgroup,
                grade, serial, result
        }

        required init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(String.self, forKey: .id)
            ts = try c.decodeIfPresent(String.self, forKey: .ts)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            unit = try c.decodeIfPresent(String.self, forKey: .unit)
            type = try c.decodeIfPresent(String.self, forKey: .type)
            state = try c.decodeIfPresent(String.self, forKey: .state)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            order = try c.decodeIfPresent(String.self, forKey: .order)
            action = try c.decodeIfPresent(String.self, forKey: .action)
            material = try c.decodeIfPresent(String.self, forKey: .material)
            plannedRunTimePerUnit = try c.decodeIfPresent(Double.self, forKey: .plannedRunTimePerUnit)
            plannedQuantity = try c.decodeIfPresent(Double.self, forKey: .plannedQuantity)
            plannedSetupTime = try c.decodeIfPresent(Double.self, forKey: .plannedSetupTime)
            plannedScrapQuantity = try c.decodeIfPresent(Double.self, forKey: .plannedScrapQuantity)
            good = try c.decodeIfPresent(Double.self, forKey: .good)
            scrap = try c.decodeIfPresent(Double.self, forKey: .scrap)
            rework = try c.decodeIfPresent(Double.self, forKey: .rework)
            worker = try c.decodeIfPresent(String.self, forKey: .worker)
            kind = try c.decodeIfPresent(String.self, forKey: .kind)
            characteristic = try c.decodeIfPresent(String.self, forKey: .characteristic)
            flow = try c.decodeIfPresent(String.self, forKey: .flow)
            corrects = try c.decodeIfPresent(String.self, forKey: .corrects)
            value = try c.decodeIfPresent(Double.self, forKey: .value)
            lsl = try c.decodeIfPresent(Double.self, forKey: .lsl)
            usl = try c.decodeIfPresent(Double.self, forKey: .usl)
            quantity = try c.decodeIfPresent(Double.self, forKey: .quantity)
            kwh = try c.decodeIfPresent(Double.self, forKey: .kwh)
            void = try c.decodeIfPresent(Bool.self, forKey: .void)
            operation = try c.decodeIfPresent(Double.self, forKey: .operation)
            subgroup = try c.decodeIfPresent(String.self, forKey: .subgroup)
            grade = try c.decodeIfPresent(String.self, forKey: .grade)
            serial = try c.decodeIfPresent(String.self, forKey: .serial)
            result = try c.decodeIfPresent(String.self, forKey: .result)
            replacement = try c.decodeIfPresent(EventWire.self, forKey: .replacement)
            hasReplacement = replacement != nil
        }
    }

    struct FieldError: Error {
        var field: String
        var reason: String
        init(_ field: String, _ reason: String) {
            self.field = field
            self.reason = reason
        }
    }

    struct Fields {
        let prefix: String

        func string(_ k: String, _ v: String?) throws -> String {
            guard let s = v else { throw FieldError(prefix + k, "missing") }
            guard !s.isEmpty else { throw FieldError(prefix + k, "must not be empty") }
            return s
        }
        func optionalString(_ k: String, _ v: String?) throws -> String? {
            guard let v else { return nil }
            return try string(k, v)
        }
        func number(_ k: String, _ v: Double?, nonNegative: Bool = true) throws -> Double {
            guard let n = v else { throw FieldError(prefix + k, "missing") }
            guard n.isFinite else { throw FieldError(prefix + k, "must be a number") }
            if nonNegative, n < 0 { throw FieldError(prefix + k, "must not be negative (got \(JSONValue.format(n)))") }
            return n
        }
        func optionalNumber(_ k: String, _ v: Double?) throws -> Double? {
            guard v != nil else { return nil }
            return try number(k, v)
        }
        func choice<T: RawRepresentable & CaseIterable>(_ k: String, _ v: String?, _: T.Type) throws -> T
        where T.RawValue == String {
            let s = try string(k, v)
            guard let value = T(rawValue: s) else {
                throw FieldError(prefix + k, "'\(s)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
    }

    static func decodeBody(_ w: EventWire, id: EventID, prefix: String) throws -> Event {
        let f = Fields(prefix: prefix)
        let tsText = try f.string("ts", w.ts)
        guard let ts = Timestamp(rfc3339: tsText) else {
            throw FieldError(prefix + "ts", "'\(tsText)' is not an RFC 3339 time with an offset (e.g. 2026-03-02T06:00:00Z)")
        }
        guard Timestamp.representable.contains(ts) else {
            throw FieldError(prefix + "ts", "'\(tsText)' is outside 0001-01-01 to 9999-12-31 in UTC")
        }
        let source = try f.string("source", w.source)
        let unit = EquipmentPath(try f.string("unit", w.unit))
        let type = try f.string("type", w.type)
        let payload: EventPayload
        switch type {
        case "state":
            let reason = try f.optionalString("reason", w.reason)
            if w.state == StateChange.unknownName {
                // The source cannot tell (MTConnect UNAVAILABLE, a connector gap): no category until the next state.
                if reason != nil {
                    throw FieldError(prefix + "reason", "an unknown state takes no reason (the reason would give it a category)")
                }
                payload = .state(StateChange())
                break
            }
            let category = try w.state.map { text in
                guard let c = TimeCategory(rawValue: text) else {
                    throw FieldError(
                        prefix + "state",
                        "'\(text)' is not one of \((TimeCategory.allCases.map(\.rawValue) + [StateChange.unknownName]).joined(separator: ", "))")
                }
                return c
            }
            if category == nil, reason == nil {
                throw FieldError(prefix + "state", "missing (give state, reason or both; or state unknown)")
            }
            payload = .state(StateChange(category: category, reason: reason))
        case "order":
            let action = try f.choice("action", w.action, StartEnd.self)
            let order = try f.string("order", w.order)
            if action == .start {
                let pru = try f.number("plannedRunTimePerUnit", w.plannedRunTimePerUnit)
                if pru == 0 { throw FieldError(prefix + "plannedRunTimePerUnit", "must be positive") }
                var operation: Int?
                if let op = w.operation {
                    guard op.isFinite, op == op.rounded(), op >= 1, op <= 100_000 else {
                        throw FieldError(prefix + "operation", "must be a whole number from 1 to 100000 (got \(JSONValue.format(op)))")
                    }
                    operation = Int(op)
                }
                payload = .order(
                    OrderAction(
                        order: order, action: action, material: try f.string("material", w.material),
                        plannedRunTimePerUnit: pru, plannedQuantity: try f.number("plannedQuantity", w.plannedQuantity),
                        plannedSetupTime: try f.optionalNumber("plannedSetupTime", w.plannedSetupTime),
                        plannedScrapQuantity: try f.optionalNumber("plannedScrapQuantity", w.plannedScrapQuantity),
                        operation: operation))
            } else {
                if w.operation != nil { throw FieldError(prefix + "operation", "belongs on an order start, not an end") }
                payload = .order(OrderAction(order: order, action: action))
            }
        case "count":
            payload = .count(
                Count(good: try f.number("good", w.good), scrap: try f.number("scrap", w.scrap),
                      rework: try f.number("rework", w.rework), order: try f.optionalString("order", w.order)))
        case "labor":
            payload = .labor(
                LaborAction(worker: try f.string("worker", w.worker),
                            action: try f.choice("action", w.action, LaborAction.Action.self),
                            order: try f.optionalString("order", w.order)))
        case "maintenance":
            payload = .maintenance(
                MaintenanceAction(kind: try f.choice("kind", w.kind, MaintenanceAction.Kind.self),
                                  action: try f.choice("action", w.action, StartEnd.self)))
        case "measurement":
            let lsl = try f.number("lsl", w.lsl, nonNegative: false)
            let usl = try f.number("usl", w.usl, nonNegative: false)
            if usl <= lsl { throw FieldError(prefix + "usl", "must be greater than lsl (\(JSONValue.format(lsl)))") }
            payload = .measurement(
                Measurement(characteristic: try f.string("characteristic", w.characteristic),
                            value: try f.number("value", w.value, nonNegative: false), lsl: lsl, usl: usl,
                            subgroup: try f.optionalString("subgroup", w.subgroup)))
        case "material":
            payload = .material(
                MaterialMovement(flow: try f.choice("flow", w.flow, MaterialMovement.Flow.self),
                                 material: try f.string("material", w.material),
                                 quantity: try f.number("quantity", w.quantity),
                                 grade: try f.optionalString("grade", w.grade)))
        case "energy":
            payload = .energy(kwh: try f.number("kwh", w.kwh))
        case "inspection":
            payload = .inspection(
                Inspection(serial: try f.string("serial", w.serial),
                           result: try f.choice("result", w.result, Inspection.Result.self),
                           order: try f.optionalString("order", w.order),
                           characteristic: try f.optionalString("characteristic", w.characteristic)))
        case "correction":
            guard prefix.isEmpty else { throw FieldError(prefix + "type", "a replacement cannot be a correction") }
            let corrects = EventID(try f.string("corrects", w.corrects))
            if corrects == id { throw FieldError("corrects", "an event cannot correct itself") }
            switch (w.replacement, w.void ?? false) {
            case (nil, false):
                throw FieldError("replacement", "missing (give a replacement event or void: true)")
            case (_?, true):
                throw FieldError("void", "give either a replacement or void: true, not both")
            case (nil, true):
                payload = .correction(Correction(corrects: corrects, replacement: nil, reason: w.reason))
            case (let r?, false):
                if r.id != nil { throw FieldError("replacement.id", "a replacement has no id of its own") }
                payload = .correction(
                    Correction(
                        corrects: corrects, replacement: try decodeBody(r, id: id, prefix: "replacement."), reason: w.reason))
            }
        default:
            throw FieldError(
                prefix + "type",
                "'\(type)' is not an event type (state, order, count, labor, maintenance, measurement, material, energy, inspection, correction)")
        }
        return Event(id: id, ts: ts, source: source, unit: unit, payload: payload)
    }

    /// The event as a JSON object (with `id` unless `includeID` is false).
    public static func jsonValue(_ e: Event, includeID: Bool = true) -> JSONValue {
        var o: [String: JSONValue] = [
            "ts": .string(e.ts.rfc3339), "source": .string(e.source), "unit": .string(e.unit.description),
            "type": .string(e.type),
        ]
        if includeID { o["id"] = .string(e.id.rawValue) }
        func put(_ k: String, _ v: String?) { if let v { o[k] = .string(v) } }
        func put(_ k: String, _ v: Double?) { if let v { o[k] = .number(v) } }
        switch e.payload {
        case .state(let s):
            put("state", s.category?.rawValue ?? (s.isUnknown ? StateChange.unknownName : nil))
            put("reason", s.reason)
        case .order(let x):
            put("order", x.order)
            put("action", x.action.rawValue)
            put("material", x.material)
            put("plannedRunTimePerUnit", x.plannedRunTimePerUnit)
            put("plannedQuantity", x.plannedQuantity)
            put("plannedSetupTime", x.plannedSetupTime)
            put("plannedScrapQuantity", x.plannedScrapQuantity)
            put("operation", x.operation.map(Double.init))
        case .count(let c):
            put("good", c.good)
            put("scrap", c.scrap)
            put("rework", c.rework)
            put("order", c.order)
        case .labor(let l):
            put("worker", l.worker)
            put("action", l.action.rawValue)
            put("order", l.order)
        case .maintenance(let m):
            put("kind", m.kind.rawValue)
            put("action", m.action.rawValue)
        case .measurement(let m):
            put("characteristic", m.characteristic)
            put("value", m.value)
            put("lsl", m.lsl)
            put("usl", m.usl)
            put("subgroup", m.subgroup)
        case .material(let m):
            put("flow", m.flow.rawValue)
            put("material", m.material)
            put("quantity", m.quantity)
            put("grade", m.grade)
        case .energy(let kwh):
            put("kwh", kwh)
        case .inspection(let i):
            put("serial", i.serial)
            put("result", i.result.rawValue)
            put("order", i.order)
            put("characteristic", i.characteristic)
        case .correction(let c):
            put("corrects", c.corrects.rawValue)
            if let why = c.reason { put("reason", why) }
            if let r = c.replacement { o["replacement"] = jsonValue(r, includeID: false) } else { o["void"] = .bool(true) }
        }
        return .object(o)
    }

    /// The event's canonical bytes: what idempotency compares and what the ledger stores.
    public static func canonical(_ e: Event) -> String { jsonValue(e).canonical }
}
