import Foundation
import SparCore

/// Reads MQTT messages of the United Manufacturing Hub data model into Spar events, message by message: the
/// UMH v1 namespace (`umh/v1/<enterprise>/<site>/…/<workCell>[/<originID>]/_historian|_analytics/…`) and the older
/// v0 layout (`ia/<customerID>/<location>/<AssetID>/<message>`).
///
/// - A topic's asset (everything before the schema segment `_historian`/`_analytics`, or the v0 message name) is
///   mapped to a work unit by ``assets``; a topic of no mapped asset is rejected, never guessed.
/// - Payloads must be strict JSON objects (``StrictJSON``): a trailing comma is refused, not repaired. Times are
///   integer milliseconds since 1970; a value below 10^11 (before 1973-03-03) is read as seconds sent where
///   milliseconds are expected and refused, as is a time more than a day after the message was received.
/// - Event ids are `mqtt:<topic>:<milliseconds>:<kind>:<hash>`, the hash (FNV-1a, 64 bits) of the payload's
///   canonical JSON, so a redelivered message gives the same ids and the ledger keeps it once.
/// - State codes map through ``StateTable`` (the documented UMH ranges, overridable); counts are
///   `good = count − scrap`; orders start once their material, planned quantity and cycle time are known from an
///   earlier `addOrder`/`addProduct` (v0) or `work-order/create`/`product-type/create` (v1) message.
/// - Messages without a KPI meaning in Spar (shifts, which come from the plant calendar; process values; product
///   tags and genealogy; messages that rewrite earlier counts or states, which Spar does by correction) are
///   rejected with the reason.
public struct MQTTUMH: Sendable {
    /// One MQTT asset and its work unit.
    public struct Asset: Sendable, Hashable {
        /// The topic up to the schema: `umh/v1/acme/wichita/machining/line-3/cnc-07` or `ia/acme/wichita/cnc-07`.
        public var topic: String
        public var unit: EquipmentPath
        /// `_historian` tags read as a state code, a good count and a scrap count: the tag path after `_historian`
        /// and the payload key, joined by `.` (defaults `state`, `count`, `scrap`).
        public var stateTag: String
        public var countTag: String
        public var scrapTag: String

        public init(
            topic: String, unit: EquipmentPath, stateTag: String = "state", countTag: String = "count",
            scrapTag: String = "scrap"
        ) {
            self.topic = topic
            self.unit = unit
            self.stateTag = stateTag
            self.countTag = countTag
            self.scrapTag = scrapTag
        }
    }

    /// UMH state codes to Spar states, by range; the narrowest range holding a code decides.
    public struct StateTable: Sendable, Hashable {
        public struct Entry: Sendable, Hashable {
            public var codes: ClosedRange<Int>
            /// The UMH name of the range (`EquipmentFailureState`), or `override` for an engineer's entry.
            public var name: String
            public var state: StateChange
            public init(codes: ClosedRange<Int>, name: String, state: StateChange) {
                self.codes = codes
                self.name = name
                self.state = state
            }
        }

        public var entries: [Entry]

        public init(entries: [Entry] = StateTable.documented) { self.entries = entries }

        /// The UMH data model's state ranges (docs.umh.app, datamodel/states) with Spar's default state for each:
        /// producing (10000–29999, at full or lower speed) is production; UnknownState (30000–39999) is unknown;
        /// UnspecifiedStop (40000–49999) idle; microstops, material, operator and external interference delay;
        /// process stops (changeover, cleaning, emptying, setting up; 100000–139999) setup; no shift and preventive
        /// maintenance plannedDown; no order idle; equipment, external and other technical failures down.
        public static let documented: [Entry] = [
            Entry(codes: 10000...19999, name: "ProducingAtFullSpeedState", state: StateChange(category: .production)),
            Entry(codes: 20000...29999, name: "ProducingAtLowerThanFullSpeedState", state: StateChange(category: .production)),
            Entry(codes: 30000...39999, name: "UnknownState", state: StateChange()),
            Entry(codes: 40000...49999, name: "UnspecifiedStopState", state: StateChange(category: .idle)),
            Entry(codes: 50000...59999, name: "MicrostopState", state: StateChange(category: .delay)),
            Entry(codes: 60000...69999, name: "InletJamState", state: StateChange(category: .delay)),
            Entry(codes: 70000...79999, name: "OutletJamState", state: StateChange(category: .delay)),
            Entry(codes: 80000...89999, name: "CongestionBypassState", state: StateChange(category: .delay)),
            Entry(codes: 90000...99999, name: "MaterialIssueOtherState", state: StateChange(category: .delay)),
            Entry(codes: 100000...109999, name: "ChangeoverState", state: StateChange(category: .setup)),
            Entry(codes: 110000...119999, name: "CleaningState", state: StateChange(category: .setup)),
            Entry(codes: 120000...129999, name: "EmptyingState", state: StateChange(category: .setup)),
            Entry(codes: 130000...139999, name: "SettingUpState", state: StateChange(category: .setup)),
            Entry(codes: 140000...149999, name: "OperatorNotAtMachineState", state: StateChange(category: .delay)),
            Entry(codes: 150000...159999, name: "OperatorBreakState", state: StateChange(category: .delay)),
            Entry(codes: 160000...169999, name: "NoShiftState", state: StateChange(category: .plannedDown)),
            Entry(codes: 170000...179999, name: "NoOrderState", state: StateChange(category: .idle)),
            Entry(codes: 180000...189999, name: "EquipmentFailureState", state: StateChange(category: .down)),
            Entry(codes: 190000...199999, name: "ExternalFailureState", state: StateChange(category: .down)),
            Entry(codes: 200000...209999, name: "ExternalInterferenceState", state: StateChange(category: .delay)),
            Entry(codes: 210000...219999, name: "PreventiveMaintenanceStop", state: StateChange(category: .plannedDown)),
            Entry(codes: 220000...229999, name: "TechnicalOtherStop", state: StateChange(category: .down)),
        ]

        /// The entry deciding `code`: the narrowest range holding it (a later entry wins a tie).
        public func entry(for code: Int) -> Entry? {
            var best: Entry?
            for e in entries where e.codes.contains(code) {
                if let b = best, b.codes.count < e.codes.count { continue }
                best = e
            }
            return best
        }

        /// Maps `codes` to `state`, replacing an entry of the same range.
        public mutating func override(_ codes: ClosedRange<Int>, with state: StateChange) {
            entries.removeAll { $0.codes == codes && $0.name == "override" }
            if let i = entries.firstIndex(where: { $0.codes == codes }) {
                entries[i].state = state
            } else {
                entries.append(Entry(codes: codes, name: "override", state: state))
            }
        }
    }

    /// Why a message gave no events: its topic, the field at fault (nil for the topic or the whole payload) and
    /// the reason.
    public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
        public var topic: String
        public var field: String?
        public var reason: String
        public init(topic: String, field: String? = nil, reason: String) {
            self.topic = topic
            self.field = field
            self.reason = reason
        }
        public var description: String {
            "topic '\(topic)'" + (field.map { ", field '\($0)'" } ?? "") + ": \(reason)"
        }
    }

    struct PlannedOrder: Sendable, Hashable {
        var material: String
        var quantity: Double
        var cycleSeconds: Double?
    }

    /// The source system the events carry.
    public let source: String
    public let assets: [String: Asset]
    public let states: StateTable
    var orders: [String: PlannedOrder] = [:]
    var cycleTimes: [String: Double] = [:]

    /// Milliseconds below this are read as seconds sent where milliseconds are expected (10^11 ms is 1973-03-03).
    public static let smallestMilliseconds: Int64 = 100_000_000_000
    /// How far past its arrival a payload time may lie (one day).
    public static let futureAllowance: Int64 = 86_400_000

    public init(source: String, assets: [Asset], states: StateTable = StateTable()) {
        self.source = source
        self.assets = Dictionary(assets.map { ($0.topic, $0) }, uniquingKeysWith: { a, _ in a })
        self.states = states
    }

    /// The events of one message, or why it gives none. Messages that only announce an order or a product give no
    /// events and are remembered for the order's start.
    public mutating func read(topic: String, payload: [UInt8], receivedAt: Timestamp) -> Result<[Event], Rejection> {
        do {
            return .success(try events(topic: topic, payload: payload, receivedAt: receivedAt))
        } catch let r as Rejection {
            return .failure(r)
        } catch {
            return .failure(Rejection(topic: topic, reason: "\(error)"))
        }
    }

    mutating func events(topic: String, payload: [UInt8], receivedAt: Timestamp) throws -> [Event] {
        func reject(_ field: String?, _ reason: String) -> Rejection { Rejection(topic: topic, field: field, reason: reason) }
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let assetTopic: String
        let schema: [String]
        let v1: Bool
        if parts.count >= 2, parts[0] == "umh", parts[1] == "v1" {
            guard let s = parts.firstIndex(where: { $0.hasPrefix("_") }), s >= 3 else {
                throw reject(nil, "a UMH v1 topic needs an enterprise and a schema segment (_historian or _analytics)")
            }
            assetTopic = parts[..<s].joined(separator: "/")
            schema = Array(parts[s...])
            v1 = true
        } else if parts.first == "ia" {
            guard parts.count >= 5 else {
                throw reject(nil, "a UMH v0 topic is ia/<customerID>/<location>/<AssetID>/<message>")
            }
            assetTopic = parts[..<4].joined(separator: "/")
            schema = Array(parts[4...])
            v1 = false
        } else {
            throw reject(nil, "not a UMH topic (umh/v1/… or ia/…)")
        }
        guard let asset = assets[assetTopic] else {
            throw reject(nil, "no work unit is mapped to '\(assetTopic)' in the connectors file")
        }
        if let problem = StrictJSON.problem(payload) {
            throw reject(problem.path, "payload is not strict JSON: \(problem.reason) (byte \(problem.offset)); not repaired")
        }
        let root: [String: JSONValue]
        do {
            guard case .object(let o) = try JSONValue.parse(Data(payload)) else {
                throw reject(nil, "payload is not a JSON object")
            }
            root = o
        } catch let r as Rejection {
            throw r
        } catch {
            throw reject(nil, "payload is not JSON (\(error))")
        }
        let message = Message(topic: topic, root: root, receivedAt: receivedAt, asset: asset, source: source)
        if v1 {
            switch schema[0] {
            case "_historian": return try historian(message, tags: Array(schema.dropFirst()))
            case "_analytics": return try analytics(message, path: schema.dropFirst().joined(separator: "/"))
            default: throw reject(nil, "schema '\(schema[0])' is not read (only _historian and _analytics carry KPI data)")
            }
        }
        return try legacy(message, name: schema[0], rest: Array(schema.dropFirst()))
    }

    // MARK: - Payload fields

    struct Message {
        let topic: String
        let root: [String: JSONValue]
        let receivedAt: Timestamp
        let asset: Asset
        let source: String
        let hash: String

        init(topic: String, root: [String: JSONValue], receivedAt: Timestamp, asset: Asset, source: String) {
            self.topic = topic
            self.root = root
            self.receivedAt = receivedAt
            self.asset = asset
            self.source = source
            hash = MQTTUMH.fnv1a(JSONValue.object(root).canonical)
        }

        func reject(_ field: String?, _ reason: String) -> Rejection { Rejection(topic: topic, field: field, reason: reason) }

        func value(_ key: String, in object: [String: JSONValue]? = nil) -> JSONValue? { (object ?? root)[key] }

        func integer(_ key: String, in object: [String: JSONValue]? = nil, path: String? = nil) throws -> Int64? {
            guard let v = value(key, in: object) else { return nil }
            guard case .number(let n) = v else { throw reject(path ?? key, "expected a number, got \(Self.kind(v))") }
            guard n == n.rounded(), abs(n) <= 9_007_199_254_740_992 else {
                throw reject(path ?? key, "expected a whole number, got \(JSONValue.format(n))")
            }
            return Int64(n)
        }

        func quantity(_ key: String, in object: [String: JSONValue]? = nil, path: String? = nil) throws -> Double? {
            guard let n = try integer(key, in: object, path: path) else { return nil }
            guard n >= 0 else { throw reject(path ?? key, "a quantity cannot be negative (\(n))") }
            return Double(n)
        }

        func required<T>(_ key: String, path: String? = nil, _ read: (String) throws -> T?) throws -> T {
            guard let v = try read(key) else { throw reject(path ?? key, "missing") }
            return v
        }

        func string(_ key: String, in object: [String: JSONValue]? = nil, path: String? = nil) throws -> String? {
            guard let v = value(key, in: object) else { return nil }
            guard case .string(let s) = v, !s.isEmpty else {
                throw reject(path ?? key, "expected a non-empty string, got \(Self.kind(v))")
            }
            return s
        }

        /// A time in integer milliseconds since 1970, checked for seconds and for times beyond its arrival.
        func time(_ key: String) throws -> Timestamp? {
            guard let ms = try integer(key) else { return nil }
            if ms < MQTTUMH.smallestMilliseconds {
                let asSeconds = ms >= 0 && ms < 253_402_300_800 ? " (\(Timestamp(seconds: ms).rfc3339) if it were seconds)" : ""
                throw reject(
                    key,
                    "\(ms) is before 1973-03-03 as milliseconds: seconds where milliseconds are expected?\(asSeconds); not guessed")
            }
            let ts = Timestamp(milliseconds: ms)
            if ms > receivedAt.milliseconds + MQTTUMH.futureAllowance || !Timestamp.representable.contains(ts) {
                throw reject(
                    key, "\(ms) is more than a day after the message arrived (\(receivedAt.rfc3339)): microseconds, or a wrong clock?")
            }
            return ts
        }

        /// A v1 time: `<name>_unix_ms` in integer milliseconds, else `<name>` as RFC 3339 with an offset.
        func v1Time(_ name: String) throws -> Timestamp? {
            if let t = try time("\(name)_unix_ms") { return t }
            guard let text = try string(name) else { return nil }
            guard let t = Timestamp(rfc3339: text) else {
                throw reject(name, "'\(text)' is not an RFC 3339 time with an offset")
            }
            return t
        }

        func event(_ ts: Timestamp, _ kind: String, _ payload: EventPayload) -> Event {
            Event(
                id: EventID("mqtt:\(topic):\(ts.milliseconds):\(kind):\(hash)"), ts: ts, source: source, unit: asset.unit,
                payload: payload)
        }

        static func kind(_ v: JSONValue) -> String {
            switch v {
            case .null: "null"
            case .bool: "a boolean"
            case .number(let n): "the number \(JSONValue.format(n))"
            case .string(let s): "the string \"\(s.prefix(40))\""
            case .array: "an array"
            case .object: "an object"
            }
        }
    }

    static func fnv1a(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    func state(_ m: Message, code: Int64, field: String) throws -> StateChange {
        guard let e = states.entry(for: Int(code)) else {
            throw m.reject(field, "\(code) is not a UMH state code (documented ranges 10000 to 229999)")
        }
        return e.state
    }

    func count(_ m: Message, ts: Timestamp, total: Double, scrap: Double, totalField: String, scrapField: String) throws -> Event {
        guard scrap <= total else {
            throw m.reject(scrapField, "\(JSONValue.format(scrap)) scrap is more than the \(JSONValue.format(total)) counted in '\(totalField)'")
        }
        return m.event(ts, "count", .count(Count(good: total - scrap, scrap: scrap, rework: 0)))
    }

    func orderKey(_ m: Message, _ order: String) -> String { "\(m.asset.unit)|\(order)" }

    mutating func startOrder(_ m: Message, order: String, at ts: Timestamp, field: String) throws -> Event {
        guard let planned = orders[orderKey(m, order)] else {
            throw m.reject(
                field, "order '\(order)' starts, but no message announced its product and quantity (addOrder, work-order/create)")
        }
        guard let cycle = planned.cycleSeconds ?? cycleTimes["\(m.asset.unit)|\(planned.material)"] else {
            throw m.reject(
                field, "order '\(order)' starts, but the cycle time of product '\(planned.material)' is not known (addProduct, product-type/create)")
        }
        return m.event(
            ts, "order-start",
            .order(OrderAction(order: order, action: .start, material: planned.material, plannedRunTimePerUnit: cycle,
                               plannedQuantity: planned.quantity)))
    }

    // MARK: - v1

    mutating func historian(_ m: Message, tags: [String]) throws -> [Event] {
        guard let ts = try m.time("timestamp_ms") else { throw m.reject("timestamp_ms", "missing") }
        let prefix = tags.isEmpty ? "" : tags.joined(separator: ".") + "."
        let keyOf = { (tag: String) -> String? in
            tag.hasPrefix(prefix) ? String(tag.dropFirst(prefix.count)) : nil
        }
        var events: [Event] = []
        if let key = keyOf(m.asset.stateTag), let code = try m.integer(key, path: key) {
            events.append(m.event(ts, "state", .state(try state(m, code: code, field: key))))
        }
        let countKey = keyOf(m.asset.countTag)
        let scrapKey = keyOf(m.asset.scrapTag)
        let total = try countKey.flatMap { try m.quantity($0) }
        let scrap = try scrapKey.flatMap { try m.quantity($0) }
        if total != nil || scrap != nil {
            if let total {
                events.append(try count(m, ts: ts, total: total, scrap: scrap ?? 0, totalField: countKey ?? "", scrapField: scrapKey ?? ""))
            } else if let scrap {
                events.append(m.event(ts, "count", .count(Count(good: 0, scrap: scrap, rework: 0))))
            }
        }
        if events.isEmpty {
            let tags = [m.asset.stateTag, m.asset.countTag, m.asset.scrapTag].joined(separator: ", ")
            throw m.reject(nil, "no tag with a KPI meaning (\(tags)); the other historian values are not read")
        }
        return events
    }

    mutating func analytics(_ m: Message, path: String) throws -> [Event] {
        switch path {
        case "work-order/create":
            let order = try m.required("external_work_order_id") { try m.string($0) }
            guard case .object(let product)? = m.value("product") else {
                throw m.reject("product", "missing (an object with external_product_id)")
            }
            let material = try m.required("external_product_id", path: "product.external_product_id") {
                try m.string($0, in: product, path: "product.external_product_id")
            }
            let quantity = try m.required("quantity") { try m.quantity($0) }
            var cycle: Double?
            if let ms = try m.integer("cycle_time_ms", in: product, path: "product.cycle_time_ms") {
                guard ms > 0 else { throw m.reject("product.cycle_time_ms", "must be positive") }
                cycle = Double(ms) / 1000
            }
            orders[orderKey(m, order)] = PlannedOrder(material: material, quantity: quantity, cycleSeconds: cycle)
            var events: [Event] = []
            if let start = try m.v1Time("start_time") {
                events.append(try startOrder(m, order: order, at: start, field: "start_time_unix_ms"))
            }
            if let end = try m.v1Time("end_time") {
                events.append(m.event(end, "order-end", .order(OrderAction(order: order, action: .end))))
            }
            return events
        case "work-order/start":
            let order = try m.required("external_work_order_id") { try m.string($0) }
            guard let ts = try m.v1Time("start_time") else { throw m.reject("start_time_unix_ms", "missing") }
            return [try startOrder(m, order: order, at: ts, field: "external_work_order_id")]
        case "work-order/stop":
            let order = try m.required("external_work_order_id") { try m.string($0) }
            guard let ts = try m.v1Time("end_time") else { throw m.reject("end_time_unix_ms", "missing") }
            return [m.event(ts, "order-end", .order(OrderAction(order: order, action: .end)))]
        case "product-type/create":
            let product = try m.required("external_product_type_id") { try m.string($0) }
            let ms = try m.required("cycle_time_ms") { try m.integer($0) }
            guard ms > 0 else { throw m.reject("cycle_time_ms", "must be positive") }
            cycleTimes["\(m.asset.unit)|\(product)"] = Double(ms) / 1000
            return []
        case "product/add":
            guard let ts = try m.v1Time("end_time") else { throw m.reject("end_time_unix_ms", "missing") }
            let total = try m.required("quantity") { try m.quantity($0) }
            let bad = try m.quantity("bad_quantity") ?? 0
            return [try count(m, ts: ts, total: total, scrap: bad, totalField: "quantity", scrapField: "bad_quantity")]
        case "state/add":
            guard let ts = try m.v1Time("start_time") else { throw m.reject("start_time_unix_ms", "missing") }
            let code = try m.required("state") { try m.integer($0) }
            return [m.event(ts, "state", .state(try state(m, code: code, field: "state")))]
        case "product/setBadQuantity", "state/overwrite":
            throw m.reject(nil, "\(path) rewrites earlier records; Spar keeps every event and changes one by a correction")
        case "shift/add", "shift/delete":
            throw m.reject(nil, "\(path): shifts come from the plant model's calendars, not from machine messages")
        default:
            throw m.reject(nil, "_analytics/\(path) is not a UMH analytics message Spar reads")
        }
    }

    // MARK: - v0

    mutating func legacy(_ m: Message, name: String, rest: [String]) throws -> [Event] {
        func stamped() throws -> Timestamp {
            guard let ts = try m.time("timestamp_ms") else { throw m.reject("timestamp_ms", "missing") }
            return ts
        }
        if !rest.isEmpty, name != "processValue" {
            throw m.reject(nil, "v0 message '\(name)' takes no topic segments after its name")
        }
        switch name {
        case "state":
            let ts = try stamped()
            let code = try m.required("state") { try m.integer($0) }
            return [m.event(ts, "state", .state(try state(m, code: code, field: "state")))]
        case "activity":
            let ts = try stamped()
            guard case .bool(let active)? = m.value("activity") else {
                throw m.reject("activity", m.value("activity").map { "expected a boolean, got \(Message.kind($0))" } ?? "missing")
            }
            // UMH reads activity as ProducingAtFullSpeedState or UnspecifiedStopState.
            let code: Int64 = active ? 10000 : 40000
            return [m.event(ts, "state", .state(try state(m, code: code, field: "activity")))]
        case "count":
            let ts = try stamped()
            let total = try m.required("count") { try m.quantity($0) }
            let scrap = try m.quantity("scrap") ?? 0
            return [try count(m, ts: ts, total: total, scrap: scrap, totalField: "count", scrapField: "scrap")]
        case "uniqueProduct":
            guard let ts = try m.time("end_timestamp_ms") else { throw m.reject("end_timestamp_ms", "missing") }
            if let begin = try m.time("begin_timestamp_ms"), begin > ts {
                throw m.reject("begin_timestamp_ms", "is after end_timestamp_ms")
            }
            _ = try m.required("product_id") { try m.string($0) }
            guard case .bool(let scrap)? = m.value("isScrap") else {
                throw m.reject("isScrap", m.value("isScrap").map { "expected a boolean, got \(Message.kind($0))" } ?? "missing")
            }
            return [m.event(ts, "count", .count(Count(good: scrap ? 0 : 1, scrap: scrap ? 1 : 0, rework: 0)))]
        case "addOrder":
            let order = try m.required("order_id") { try m.string($0) }
            let product = try m.required("product_id") { try m.string($0) }
            let target = try m.required("target_units") { try m.quantity($0) }
            orders[orderKey(m, order)] = PlannedOrder(material: product, quantity: target, cycleSeconds: nil)
            return []
        case "addProduct":
            let product = try m.required("product_id") { try m.string($0) }
            guard let v = m.value("time_per_unit_in_seconds") else { throw m.reject("time_per_unit_in_seconds", "missing") }
            guard case .number(let seconds) = v else {
                throw m.reject("time_per_unit_in_seconds", "expected a number of seconds, got \(Message.kind(v))")
            }
            guard seconds > 0, seconds <= EventBounds.duration else {
                throw m.reject("time_per_unit_in_seconds", "must be a positive number of seconds")
            }
            cycleTimes["\(m.asset.unit)|\(product)"] = seconds
            return []
        case "startOrder":
            let ts = try stamped()
            let order = try m.required("order_id") { try m.string($0) }
            return [try startOrder(m, order: order, at: ts, field: "order_id")]
        case "endOrder":
            let ts = try stamped()
            let order = try m.required("order_id") { try m.string($0) }
            return [m.event(ts, "order-end", .order(OrderAction(order: order, action: .end)))]
        case "scrapCount":
            throw m.reject(
                nil, "scrapCount turns items already counted as good into scrap; Spar's counts only add, so the earlier counts need a correction")
        case "modifyProducedPieces", "modifyState":
            throw m.reject(nil, "\(name) rewrites earlier records; Spar keeps every event and changes one by a correction")
        case "addShift", "deleteShift":
            throw m.reject(nil, "\(name): shifts come from the plant model's calendars, not from machine messages")
        case "processValue", "processValueString":
            throw m.reject(nil, "\(name): process values have no KPI meaning in Spar")
        case "scrapUniqueProduct":
            throw m.reject(nil, "scrapUniqueProduct turns a product already counted into scrap; the earlier count needs a correction")
        case "productTag", "productTagString", "addParentToChild":
            throw m.reject(nil, "\(name): product tracking by product id has no KPI meaning in Spar")
        case "detectedAnomaly", "recommendation", "maintenanceActivity":
            throw m.reject(nil, "\(name) is advice or a maintenance record, not a machine state or count")
        default:
            throw m.reject(nil, "'\(name)' is not a UMH v0 message Spar reads")
        }
    }
}
