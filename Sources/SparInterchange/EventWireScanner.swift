import Foundation

/// Reads the common shape of an event record straight from its bytes into an `EventWire`: one JSON object whose
/// members are strings, numbers, booleans or null, and at most one nested object (`replacement`) of the same kind.
///
/// It is the ingest fast path measured by `spar bench`: Foundation's `JSONDecoder` was the largest single cost of
/// `spar ingest` in the profile. It gives up (nil) on anything else — a type that does not fit the field, an array,
/// deeper nesting, text it does not expect — and the caller then decodes with `JSONDecoder`, whose errors name the
/// field; so for every input the outcome is the one `JSONDecoder` gives (checked over the demo's events and
/// mutated ones by `EventWireScannerTests`). Input must already have passed ``StrictJSON`` (valid UTF-8, no
/// repeated member).
enum EventWireScanner {
    static func scan(_ data: Data) -> EventCoding.EventWire? {
        data.withUnsafeBytes { raw -> EventCoding.EventWire? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var s = Cursor(p: base, end: raw.count)
            guard let wire = s.object(depth: 0) else { return nil }
            s.skipSpace()
            return s.i == s.end ? wire : nil
        }
    }

    struct Cursor {
        let p: UnsafePointer<UInt8>
        let end: Int
        var i = 0

        init(p: UnsafePointer<UInt8>, end: Int) {
            self.p = p
            self.end = end
        }

        mutating func skipSpace() {
            while i < end, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        }

        mutating func expect(_ b: UInt8) -> Bool {
            skipSpace()
            guard i < end, p[i] == b else { return false }
            i += 1
            return true
        }

        enum Value {
            case string(String)
            case number(Double)
            case bool(Bool)
            case null
            case object(EventCoding.EventWire)
        }

        mutating func object(depth: Int) -> EventCoding.EventWire? {
            guard expect(0x7B) else { return nil }
            let wire = EventCoding.EventWire()
            skipSpace()
            if i < end, p[i] == 0x7D {
                i += 1
                return wire
            }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                guard expect(0x3A) else { return nil }
                skipSpace()
                guard let value = value(depth: depth) else { return nil }
                guard Self.assign(key, value, to: wire) else { return nil }
                skipSpace()
                guard i < end else { return nil }
                if p[i] == 0x2C {
                    i += 1
                    continue
                }
                guard p[i] == 0x7D else { return nil }
                i += 1
                return wire
            }
        }

        mutating func value(depth: Int) -> Value? {
            guard i < end else { return nil }
            switch p[i] {
            case 0x22: return string().map(Value.string)
            case 0x7B:
                guard depth == 0 else { return nil }
                return object(depth: 1).map(Value.object)
            case 0x74: return literal([0x74, 0x72, 0x75, 0x65]) ? .bool(true) : nil
            case 0x66: return literal([0x66, 0x61, 0x6C, 0x73, 0x65]) ? .bool(false) : nil
            case 0x6E: return literal([0x6E, 0x75, 0x6C, 0x6C]) ? .null : nil
            case 0x2D, 0x30...0x39: return number().map(Value.number)
            default: return nil
            }
        }

        mutating func literal(_ word: [UInt8]) -> Bool {
            guard i + word.count <= end else { return false }
            for k in 0..<word.count where p[i + k] != word[k] { return false }
            i += word.count
            return true
        }

        /// A JSON number as `Double(_:)` reads its text (correctly rounded, as `JSONDecoder`).
        mutating func number() -> Double? {
            let start = i
            while i < end {
                let c = p[i]
                guard (0x30...0x39).contains(c) || c == 0x2D || c == 0x2B || c == 0x2E || c == 0x65 || c == 0x45 else {
                    break
                }
                i += 1
            }
            let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
            guard let v = Double(text), v.isFinite else { return nil }
            return v
        }

        /// A JSON string; escapes other than the two-character ones and `\u` are refused (the caller falls back).
        mutating func string() -> String? {
            guard i < end, p[i] == 0x22 else { return nil }
            i += 1
            let start = i
            var plain = true
            while i < end, p[i] != 0x22 {
                if p[i] == 0x5C {
                    plain = false
                    i += 2
                    continue
                }
                if p[i] < 0x20 { return nil }
                i += 1
            }
            guard i < end else { return nil }
            let bytes = UnsafeBufferPointer(start: p + start, count: i - start)
            i += 1
            if plain { return String(decoding: bytes, as: UTF8.self) }
            return Self.unescape(bytes)
        }

        static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var k = 0
            func hex4(_ at: Int) -> UInt32? {
                guard at + 4 <= bytes.count else { return nil }
                var v: UInt32 = 0
                for j in at..<(at + 4) {
                    let c = bytes[j]
                    let d: UInt32
                    switch c {
                    case 0x30...0x39: d = UInt32(c - 0x30)
                    case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                    case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                    default: return nil
                    }
                    v = v * 16 + d
                }
                return v
            }
            while k < bytes.count {
                let c = bytes[k]
                guard c == 0x5C else {
                    out.append(c)
                    k += 1
                    continue
                }
                guard k + 1 < bytes.count else { return nil }
                let e = bytes[k + 1]
                k += 2
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    guard var scalar = hex4(k) else { return nil }
                    k += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard k + 6 <= bytes.count, bytes[k] == 0x5C, bytes[k + 1] == 0x75, let low = hex4(k + 2),
                            (0xDC00...0xDFFF).contains(low)
                        else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        k += 6
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    return nil
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// Stores `value` in the wire field `key`; false when the type does not fit (the slow path then names it).
        static func assign(_ key: String, _ value: Value, to w: EventCoding.EventWire) -> Bool {
            func text(_ set: (String?) -> Void) -> Bool {
                switch value {
                case .string(let s): set(s)
                case .null: set(nil)
                default: return false
                }
                return true
            }
            func number(_ set: (Double?) -> Void) -> Bool {
                switch value {
                case .number(let n): set(n)
                case .null: set(nil)
                default: return false
                }
                return true
            }
            switch key {
            case "id": return text { w.id = $0 }
            case "ts": return text { w.ts = $0 }
            case "source": return text { w.source = $0 }
            case "unit": return text { w.unit = $0 }
            case "type": return text { w.type = $0 }
            case "state": return text { w.state = $0 }
            case "reason": return text { w.reason = $0 }
            case "order": return text { w.order = $0 }
            case "action": return text { w.action = $0 }
            case "material": return text { w.material = $0 }
            case "worker": return text { w.worker = $0 }
            case "kind": return text { w.kind = $0 }
            case "characteristic": return text { w.characteristic = $0 }
            case "flow": return text { w.flow = $0 }
            case "corrects": return text { w.corrects = $0 }
            case "subgroup": return text { w.subgroup = $0 }
            case "grade": return text { w.grade = $0 }
            case "serial": return text { w.serial = $0 }
            case "result": return text { w.result = $0 }
            case "plannedRunTimePerUnit": return number { w.plannedRunTimePerUnit = $0 }
            case "plannedQuantity": return number { w.plannedQuantity = $0 }
            case "plannedSetupTime": return number { w.plannedSetupTime = $0 }
            case "plannedScrapQuantity": return number { w.plannedScrapQuantity = $0 }
            case "good": return number { w.good = $0 }
            case "scrap": return number { w.scrap = $0 }
            case "rework": return number { w.rework = $0 }
            case "value": return number { w.value = $0 }
            case "lsl": return number { w.lsl = $0 }
            case "usl": return number { w.usl = $0 }
            case "quantity": return number { w.quantity = $0 }
            case "kwh": return number { w.kwh = $0 }
            case "operation": return number { w.operation = $0 }
            case "void":
                switch value {
                case .bool(let b): w.void = b
                case .null: w.void = nil
                default: return false
                }
                return true
            case "replacement":
                switch value {
                case .object(let r):
                    w.replacement = r
                    w.hasReplacement = true
                case .null:
                    w.replacement = nil
                    w.hasReplacement = false
                default: return false
                }
                return true
            default:
                // JSONDecoder ignores members the wire does not list; so does the scanner, whatever their value.
                return true
            }
        }
    }
}
