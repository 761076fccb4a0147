import Foundation
import SparCore

/// Reads and writes events in the contract's JSON form (events.md §2).
public enum EventCoding {
    /// Decodes one JSON Lines record. The rejection names the line, the id (when readable) and the field.
    public static func decode(line text: Substring, lineNumber: Int?) -> Result<Event, EventRejection> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(Data(text.utf8))
        } catch {
            return .failure(EventRejection(line: lineNumber, reason: "malformed JSON: \(describe(error))"))
        }
        return decode(value, lineNumber: lineNumber)
    }

    /// Decodes one event object.
    public static func decode(_ value: JSONValue, lineNumber: Int?) -> Result<Event, EventRejection> {
        guard case .object(let o) = value else {
            return .failure(EventRejection(line: lineNumber, reason: "an event must be a JSON object"))
        }
        var id: String?
        if case .string(let s)? = o["id"] { id = s }
        do {
            guard let idText = id else {
                if o["id"] == nil { throw FieldError("id", "missing") }
                throw FieldError("id", "must be a string")
            }
            guard !idText.isEmpty else { throw FieldError("id", "must not be empty") }
            return .success(try decodeBody(o, id: EventID(idText), prefix: ""))
        } catch let e as FieldError {
            return .failure(EventRejection(line: lineNumber, id: id, field: e.field, reason: e.reason))
        } catch {
            return .failure(EventRejection(line: lineNumber, id: id, reason: "\(error)"))
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
        let o: [String: JSONValue]
        let prefix: String

        func string(_ k: String) throws -> String {
            guard let v = o[k] else { throw FieldError(prefix + k, "missing") }
            guard case .string(let s) = v else { throw FieldError(prefix + k, "must be a string") }
            guard !s.isEmpty else { throw FieldError(prefix + k, "must not be empty") }
            return s
        }
        func optionalString(_ k: String) throws -> String? {
            guard let v = o[k], v != .null else { return nil }
            return try string(k)
        }
        func number(_ k: String, nonNegative: Bool = true) throws -> Double {
            guard let v = o[k] else { throw FieldError(prefix + k, "missing") }
            guard case .number(let n) = v, n.isFinite else { throw FieldError(prefix + k, "must be a number") }
            if nonNegative, n < 0 { throw FieldError(prefix + k, "must not be negative (got \(JSONValue.format(n)))") }
            return n
        }
        func optionalNumber(_ k: String) throws -> Double? {
            guard let v = o[k], v != .null else { return nil }
            return try number(k)
        }
        func choice<T: RawRepresentable & CaseIterable>(_ k: String, _: T.Type) throws -> T where T.RawValue == String {
            let s = try string(k)
            guard let v = T(rawValue: s) else {
                throw FieldError(prefix + k, "'\(s)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return v
        }
    }

    static func decodeBody(_ o: [String: JSONValue], id: EventID, prefix: String) throws -> Event {
        let f = Fields(o: o, prefix: prefix)
        let tsText = try f.string("ts")
        guard let ts = Timestamp(rfc3339: tsText) else {
            throw FieldError(prefix + "ts", "'\(tsText)' is not an RFC 3339 time with an offset (e.g. 2026-03-02T06:00:00Z)")
        }
        let source = try f.string("source")
        let unit = EquipmentPath(try f.string("unit"))
        let type = try f.string("type")
        let payload: EventPayload
        switch type {
        case "state":
            var category: TimeCategory?
            if o["state"] != nil { category = try f.choice("state", TimeCategory.self) }
            let reason = try f.optionalString("reason")
            if category == nil, reason == nil { throw FieldError(prefix + "state", "missing (give state, reason or both)") }
            payload = .state(StateChange(category: category, reason: reason))
        case "order":
            let action = try f.choice("action", StartEnd.self)
            let order = try f.string("order")
            if action == .start {
                let pru = try f.number("plannedRunTimePerUnit")
                if pru == 0 { throw FieldError(prefix + "plannedRunTimePerUnit", "must be positive") }
                payload = .order(
                    OrderAction(
                        order: order, action: action, material: try f.string("material"), plannedRunTimePerUnit: pru,
                        plannedQuantity: try f.number("plannedQuantity"),
                        plannedSetupTime: try f.optionalNumber("plannedSetupTime"),
                        plannedScrapQuantity: try f.optionalNumber("plannedScrapQuantity")))
            } else {
                payload = .order(OrderAction(order: order, action: action))
            }
        case "count":
            payload = .count(
                Count(good: try f.number("good"), scrap: try f.number("scrap"), rework: try f.number("rework"),
                      order: try f.optionalString("order")))
        case "labor":
            payload = .labor(
                LaborAction(worker: try f.string("worker"), action: try f.choice("action", LaborAction.Action.self),
                            order: try f.optionalString("order")))
        case "maintenance":
            payload = .maintenance(
                MaintenanceAction(kind: try f.choice("kind", MaintenanceAction.Kind.self),
                                  action: try f.choice("action", StartEnd.self)))
        case "measurement":
            let lsl = try f.number("lsl", nonNegative: false)
            let usl = try f.number("usl", nonNegative: false)
            if usl <= lsl { throw FieldError(prefix + "usl", "must be greater than lsl (\(JSONValue.format(lsl)))") }
            payload = .measurement(
                Measurement(characteristic: try f.string("characteristic"), value: try f.number("value", nonNegative: false),
                            lsl: lsl, usl: usl))
        case "material":
            payload = .material(
                MaterialMovement(flow: try f.choice("flow", MaterialMovement.Flow.self), material: try f.string("material"),
                                 quantity: try f.number("quantity")))
        case "energy":
            payload = .energy(kwh: try f.number("kwh"))
        case "correction":
            guard prefix.isEmpty else { throw FieldError(prefix + "type", "a replacement cannot be a correction") }
            let corrects = EventID(try f.string("corrects"))
            if corrects == id { throw FieldError("corrects", "an event cannot correct itself") }
            let isVoid: Bool
            switch o["void"] {
            case nil, .null?: isVoid = false
            case .bool(let b)?: isVoid = b
            default: throw FieldError("void", "must be true or false")
            }
            switch (o["replacement"], isVoid) {
            case (nil, false), (.null?, false):
                throw FieldError("replacement", "missing (give a replacement event or void: true)")
            case (.some(let r), true) where r != .null:
                throw FieldError("void", "give either a replacement or void: true, not both")
            case (nil, true), (.null?, true):
                payload = .correction(Correction(corrects: corrects, replacement: nil))
            case (.object(let r)?, false):
                if r["id"] != nil { throw FieldError("replacement.id", "a replacement has no id of its own") }
                let replacement = try decodeBody(r, id: id, prefix: "replacement.")
                payload = .correction(Correction(corrects: corrects, replacement: replacement))
            default:
                throw FieldError("replacement", "must be an event object")
            }
        default:
            throw FieldError(
                prefix + "type",
                "'\(type)' is not an event type (state, order, count, labor, maintenance, measurement, material, energy, correction)")
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
            put("state", s.category?.rawValue)
            put("reason", s.reason)
        case .order(let x):
            put("order", x.order)
            put("action", x.action.rawValue)
            put("material", x.material)
            put("plannedRunTimePerUnit", x.plannedRunTimePerUnit)
            put("plannedQuantity", x.plannedQuantity)
            put("plannedSetupTime", x.plannedSetupTime)
            put("plannedScrapQuantity", x.plannedScrapQuantity)
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
        case .material(let m):
            put("flow", m.flow.rawValue)
            put("material", m.material)
            put("quantity", m.quantity)
        case .energy(let kwh):
            put("kwh", kwh)
        case .correction(let c):
            put("corrects", c.corrects.rawValue)
            if let r = c.replacement { o["replacement"] = jsonValue(r, includeID: false) } else { o["void"] = .bool(true) }
        }
        return .object(o)
    }

    /// The event's canonical bytes: what idempotency compares and what the ledger stores.
    public static func canonical(_ e: Event) -> String { jsonValue(e).canonical }

    static func describe(_ error: any Error) -> String {
        if let d = error as? DecodingError {
            switch d {
            case .dataCorrupted(let c): return c.underlyingError.map { "\($0.localizedDescription)" } ?? c.debugDescription
            default: return "\(d)"
            }
        }
        return "\(error)"
    }
}
