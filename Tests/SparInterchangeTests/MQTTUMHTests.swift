import Foundation
import SparCore
import SparInterchange
import Testing

/// UMH messages (v1 namespace and the v0 `ia/` layout) read into events, with the real documented v0 messages.
@Suite("MQTT: the UMH data model")
struct MQTTUMHTests {
    static let unit = EquipmentPath("aerostar/wichita/machining/5axis-line/cnc-01")
    static let v0 = "ia/aerostar/wichita/cnc-01"
    static let v1 = "umh/v1/aerostar/wichita/machining/5axis-line/cnc-01"
    static let received = Timestamp(rfc3339: "2026-12-04T12:00:00Z")!

    static func reader(states: MQTTUMH.StateTable = MQTTUMH.StateTable()) -> MQTTUMH {
        MQTTUMH(
            source: "umh-wichita",
            assets: [
                MQTTUMH.Asset(topic: v0, unit: unit),
                MQTTUMH.Asset(topic: v1, unit: unit, countTag: "counter.good", scrapTag: "counter.bad"),
            ], states: states)
    }

    static func describe(_ e: Event) -> String {
        switch e.payload {
        case .state(let s):
            "\(e.ts.rfc3339) state \(s.isUnknown ? "unknown" : s.category?.rawValue ?? "")\(s.reason.map { " reason \($0)" } ?? "")"
        case .count(let c): "\(e.ts.rfc3339) count good \(JSONValue.format(c.good)) scrap \(JSONValue.format(c.scrap))"
        case .order(let o):
            "\(e.ts.rfc3339) order \(o.order) \(o.action.rawValue)"
                + (o.action == .start
                    ? " material \(o.material ?? "") PRU \(JSONValue.format(o.plannedRunTimePerUnit ?? 0)) PQ \(JSONValue.format(o.plannedQuantity ?? 0))"
                    : "")
        default: "\(e.ts.rfc3339) \(e.type)"
        }
    }

    /// What one message gave: its events described, or `rejected <field>: <reason>`.
    static func outcome(_ r: Result<[Event], MQTTUMH.Rejection>) -> [String] {
        switch r {
        case .success(let events): events.map(describe)
        case .failure(let x): ["rejected \(x.field ?? "-"): \(x.reason)"]
        }
    }

    struct Line: Decodable {
        var message: String
        var topic_template: String
        var payload_text: String
        var strict_json_valid: Bool
    }

    static func interop() throws -> [Line] {
        let url = try #require(
            Bundle.module.url(forResource: "v0-legacy-ia-messages", withExtension: "jsonl", subdirectory: "Resources/mqtt"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    @Test("every documented v0 message: the states, counts and orders worked out from the UMH documents, the rest refused with the reason")
    func legacyDocuments() throws {
        let lines = try Self.interop()
        #expect(lines.count == 24)
        var reader = Self.reader()
        var got: [String] = []
        for line in lines {
            let topic = line.topic_template.replacingOccurrences(of: "ia/<customerID>/<location>/<AssetID>", with: Self.v0)
            let r = reader.read(topic: topic, payload: Array(line.payload_text.utf8), receivedAt: Self.received)
            if !line.strict_json_valid {
                // The documents' own flag: a trailing comma. Refused, never repaired.
                guard case .failure(let x) = r else {
                    Issue.record("\(line.message) is not strict JSON but was read")
                    continue
                }
                #expect(x.reason.hasPrefix("payload is not strict JSON"), "\(line.message): \(x)")
                #expect(x.topic == topic)
            }
            got.append("\(line.message): " + Self.outcome(r).joined(separator: " | "))
        }
        let notStrict = "payload is not strict JSON"
        func starts(_ i: Int, _ prefix: String) {
            #expect(got[i].hasPrefix(prefix), "line \(i + 1): \(got[i])")
        }
        starts(0, "activity: rejected -: \(notStrict)")
        // addOrder has no time: it is remembered for the order's start and gives no event.
        #expect(got[1] == "addOrder: ")
        starts(2, "addParentToChild: rejected -: addParentToChild: product tracking")
        // The document sends the cycle time as the string "0.2": refused rather than read as 0.2 s.
        #expect(got[3] == "addProduct: rejected time_per_unit_in_seconds: expected a number of seconds, got the string \"0.2\"")
        starts(4, "addShift: rejected -: addShift: shifts come from the plant model's calendars")
        starts(5, "addShift: rejected -: addShift: shifts come from the plant model's calendars")
        // 1589788888888 ms = 2020-05-18T08:01:28.888Z; count 1 scrap 0 → good 1; count 10 scrap 5 → good 10 − 5 = 5.
        #expect(got[6] == "count: 2020-05-18T08:01:28.888Z count good 1 scrap 0")
        #expect(got[7] == "count: 2020-05-18T08:01:28.888Z count good 5 scrap 5")
        starts(8, "deleteShift: rejected -: deleteShift: shifts come")
        starts(9, "detectedAnomaly: rejected -: \(notStrict)")
        #expect(got[10] == "endOrder: 2020-05-18T08:01:28.888Z order test_order end")
        starts(11, "maintenanceActivity: rejected -: maintenanceActivity is advice or a maintenance record")
        starts(12, "modifyProducedPieces: rejected -: modifyProducedPieces rewrites earlier records")
        starts(13, "modifyState: rejected -: modifyState rewrites earlier records")
        starts(14, "processValue: rejected -: processValue: process values have no KPI meaning")
        starts(15, "processValueString: rejected -: processValueString: process values have no KPI meaning")
        starts(16, "productTag: rejected -: productTag: product tracking")
        starts(17, "productTagString: rejected -: productTagString: product tracking")
        starts(18, "recommendation: rejected -: \(notStrict)")
        starts(19, "scrapCount: rejected -: scrapCount turns items already counted as good into scrap")
        starts(20, "scrapUniqueProduct: rejected -: \(notStrict)")
        // addOrder gave product "test" and 100 units, but no addProduct gave test's cycle time.
        #expect(got[21] == "startOrder: rejected order_id: order 'test_order' starts, but the cycle time of product 'test' is not known (addProduct, product-type/create)")
        // State 10000 is ProducingAtFullSpeedState.
        #expect(got[22] == "state: 2020-05-18T08:01:28.888Z state production")
        // A unique product marked isScrap: one scrap part when it ended, 1589788893729 ms = 08:01:33.729Z.
        #expect(got[23] == "uniqueProduct: 2020-05-18T08:01:33.729Z count good 0 scrap 1")
    }

    @Test("the v0 order flow: addOrder and addProduct give the order start its material, quantity and cycle time")
    func legacyOrder() throws {
        var reader = Self.reader()
        for (name, payload) in [
            ("addProduct", #"{"product_id":"test","time_per_unit_in_seconds":0.2}"#),
            ("addOrder", #"{"product_id":"test","order_id":"test_order","target_units":100}"#),
        ] {
            #expect(Self.outcome(reader.read(topic: "\(Self.v0)/\(name)", payload: Array(payload.utf8), receivedAt: Self.received)) == [])
        }
        let start = reader.read(
            topic: "\(Self.v0)/startOrder", payload: Array(#"{"order_id":"test_order","timestamp_ms":1589788888888}"#.utf8),
            receivedAt: Self.received)
        #expect(Self.outcome(start) == ["2020-05-18T08:01:28.888Z order test_order start material test PRU 0.2 PQ 100"])
    }

    @Test("UMH state codes by their documented ranges, and an engineer's overrides by code or range")
    func stateRanges() throws {
        var table = MQTTUMH.StateTable()
        table.override(180000...189999, with: StateChange(reason: "spindle-fail"))
        table.override(180003...180003, with: StateChange(reason: "drive-fault"))
        var reader = Self.reader(states: table)
        func state(_ code: Int) -> [String] {
            let p = #"{"timestamp_ms":1764662400000,"state":\#(code)}"#
            return Self.outcome(reader.read(topic: "\(Self.v1)/_historian", payload: Array(p.utf8), receivedAt: Self.received))
        }
        let t = "2025-12-02T08:00:00Z state "
        #expect(state(10000) == [t + "production"])
        #expect(state(20000) == [t + "production"])  // producing at lower than full speed: a speed loss, still APT
        #expect(state(30000) == [t + "unknown"])
        #expect(state(40000) == [t + "idle"])
        #expect(state(40100) == [t + "idle"])  // IdleState lies in the UnspecifiedStop range
        #expect(state(50000) == [t + "delay"])
        #expect(state(60000) == [t + "delay"])
        #expect(state(100010) == [t + "setup"])  // ChangeoverPreparationState
        #expect(state(130000) == [t + "setup"])
        #expect(state(150000) == [t + "delay"])  // operator break: not a planned stop
        #expect(state(160000) == [t + "plannedDown"])
        #expect(state(170000) == [t + "idle"])
        #expect(state(180000) == [t + " reason spindle-fail"])
        #expect(state(180003) == [t + " reason drive-fault"])  // the narrower override wins
        #expect(state(190000) == [t + "down"])
        #expect(state(210000) == [t + "plannedDown"])
        #expect(state(229999) == [t + "down"])
        #expect(state(9999) == ["rejected state: 9999 is not a UMH state code (documented ranges 10000 to 229999)"])
        #expect(state(230000) == ["rejected state: 230000 is not a UMH state code (documented ranges 10000 to 229999)"])
        #expect(state(0) == ["rejected state: 0 is not a UMH state code (documented ranges 10000 to 229999)"])
    }

    @Test("the v1 analytics flow: product type, work order, start, products with bad quantity, stop, state")
    func analytics() throws {
        var reader = Self.reader()
        func read(_ path: String, _ payload: String) -> [String] {
            Self.outcome(reader.read(topic: "\(Self.v1)/_analytics/\(path)", payload: Array(payload.utf8), receivedAt: Self.received))
        }
        #expect(read("product-type/create", #"{"external_product_type_id":"bracket","cycle_time_ms":45000}"#) == [])
        #expect(read("work-order/create", #"{"external_work_order_id":"WO-1","product":{"external_product_id":"bracket"},"quantity":100,"status":0}"#) == [])
        // 1764662400000 ms = 2025-12-02T08:00:00Z; cycle 45000 ms = 45 s.
        #expect(read("work-order/start", #"{"external_work_order_id":"WO-1","start_time_unix_ms":1764662400000}"#)
            == ["2025-12-02T08:00:00Z order WO-1 start material bracket PRU 45 PQ 100"])
        // quantity 10 with bad_quantity 2: good 10 − 2 = 8.
        #expect(read("product/add", #"{"external_product_id":"bracket","end_time_unix_ms":1764664200000,"quantity":10,"bad_quantity":2}"#)
            == ["2025-12-02T08:30:00Z count good 8 scrap 2"])
        #expect(read("state/add", #"{"state":180000,"start_time_unix_ms":1764666000000}"#) == ["2025-12-02T09:00:00Z state down"])
        #expect(read("work-order/stop", #"{"external_work_order_id":"WO-1","end_time_unix_ms":1764669600000}"#)
            == ["2025-12-02T10:00:00Z order WO-1 end"])
        #expect(read("work-order/start", #"{"external_work_order_id":"WO-2","start_time_unix_ms":1764669600000}"#)
            == ["rejected external_work_order_id: order 'WO-2' starts, but no message announced its product and quantity (addOrder, work-order/create)"])
        #expect(read("state/overwrite", #"{"state":10000,"start_time_unix_ms":1764662400000,"end_time_unix_ms":1764666000000}"#)
            == ["rejected -: state/overwrite rewrites earlier records; Spar keeps every event and changes one by a correction"])
        #expect(read("shift/add", #"{"start_time_unix_ms":1764662400000,"end_time_unix_ms":1764691200000}"#)
            == ["rejected -: shift/add: shifts come from the plant model's calendars, not from machine messages"])
        #expect(read("product/add", #"{"external_product_id":"bracket","end_time_unix_ms":1764664200000,"quantity":2,"bad_quantity":3}"#)
            == ["rejected bad_quantity: 3 scrap is more than the 2 counted in 'quantity'"])
        #expect(read("work-order/destroy", "{}") == ["rejected -: _analytics/work-order/destroy is not a UMH analytics message Spar reads"])
    }

    @Test("historian tags: a tag group in the topic, state and counts in one message, other values refused when alone")
    func historianTags() throws {
        var reader = Self.reader()
        func read(_ suffix: String, _ payload: String) -> [String] {
            Self.outcome(reader.read(topic: "\(Self.v1)/_historian\(suffix)", payload: Array(payload.utf8), receivedAt: Self.received))
        }
        #expect(read("/counter", #"{"timestamp_ms":1764662400000,"good":5,"bad":1}"#) == ["2025-12-02T08:00:00Z count good 4 scrap 1"])
        #expect(read("", #"{"timestamp_ms":1764662400000,"state":10000,"counter.good":3}"#)
            == ["2025-12-02T08:00:00Z state production", "2025-12-02T08:00:00Z count good 3 scrap 0"])
        #expect(read("", #"{"timestamp_ms":1764662400000,"temperature_c":154.1}"#)
            == ["rejected -: no tag with a KPI meaning (state, counter.good, counter.bad); the other historian values are not read"])
        #expect(read("/counter", #"{"timestamp_ms":1764662400000,"good":"5"}"#) == ["rejected good: expected a number, got the string \"5\""])
        #expect(read("/counter", #"{"timestamp_ms":1764662400000,"good":-5}"#) == ["rejected good: a quantity cannot be negative (-5)"])
        #expect(read("/counter", #"{"timestamp_ms":1764662400000,"good":1.5}"#) == ["rejected good: expected a whole number, got 1.5"])
    }

    @Test("hostile messages: seconds for milliseconds, microseconds, unknown topics, not strict JSON, not an object")
    func hostile() throws {
        var reader = Self.reader()
        func read(_ topic: String, _ payload: [UInt8]) -> MQTTUMH.Rejection? {
            if case .failure(let r) = reader.read(topic: topic, payload: payload, receivedAt: Self.received) { return r }
            return nil
        }
        let historian = "\(Self.v1)/_historian"
        // The UMH documentation's own historian example sends 1702286893: seconds (2023-12-11T09:28:13Z).
        let seconds = try #require(read(historian, Array(#"{"timestamp_ms":1702286893,"state":10000}"#.utf8)))
        #expect(seconds.field == "timestamp_ms")
        #expect(seconds.reason.contains("seconds where milliseconds are expected?"))
        #expect(seconds.reason.contains("2023-12-11T09:28:13Z if it were seconds"))
        // The v0 recommendation example's 15888796894 (a digit short) is refused the same way once strict.
        #expect(read("\(Self.v0)/state", Array(#"{"timestamp_ms":15888796894,"state":10000}"#.utf8))?.field == "timestamp_ms")
        let micro = try #require(read(historian, Array(#"{"timestamp_ms":1589788888888000,"state":10000}"#.utf8)))
        #expect(micro.reason.contains("more than a day after the message arrived"))
        #expect(read(historian, Array(#"{"state":10000}"#.utf8))?.field == "timestamp_ms")
        #expect(read(historian, Array(#"{"timestamp_ms":"1764662400000","state":10000}"#.utf8))?.field == "timestamp_ms")

        let unknown = try #require(read("umh/v1/aerostar/wichita/machining/5axis-line/cnc-99/_historian", Array(#"{"timestamp_ms":1764662400000,"state":10000}"#.utf8)))
        #expect(unknown.description == "topic 'umh/v1/aerostar/wichita/machining/5axis-line/cnc-99/_historian': no work unit is mapped to 'umh/v1/aerostar/wichita/machining/5axis-line/cnc-99' in the connectors file")
        #expect(read("spBv1.0/aerostar/NDATA/edge-1", Array("{}".utf8))?.reason == "not a UMH topic (umh/v1/… or ia/…)")
        #expect(read("umh/v1/aerostar", Array("{}".utf8))?.reason.contains("schema segment") == true)
        #expect(read("ia/aerostar/wichita", Array("{}".utf8))?.reason.contains("ia/<customerID>/<location>/<AssetID>/<message>") == true)
        #expect(read("\(Self.v1)/_local/x", Array(#"{"timestamp_ms":1764662400000}"#.utf8))?.reason.contains("'_local' is not read") == true)
        #expect(read("\(Self.v0)/barcode", Array(#"{"timestamp_ms":1764662400000}"#.utf8))?.reason == "'barcode' is not a UMH v0 message Spar reads")

        // A repeated member name (a decoder would keep one), invalid UTF-8, an array, an empty payload.
        #expect(read(historian, Array(#"{"timestamp_ms":1764662400000,"state":10000,"state":40000}"#.utf8))?.reason.hasPrefix("payload is not strict JSON") == true)
        #expect(read(historian, [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])?.reason.hasPrefix("payload is not strict JSON") == true)
        #expect(read(historian, Array(#"[{"timestamp_ms":1764662400000}]"#.utf8))?.reason == "payload is not a JSON object")
        #expect(read(historian, [])?.reason.hasPrefix("payload is not strict JSON") == true)
        #expect(read("\(Self.v0)/count", Array(#"{"timestamp_ms":1764662400000,"count":true}"#.utf8))?.reason == "expected a number, got a boolean")
        #expect(read("\(Self.v0)/activity", Array(#"{"timestamp_ms":1764662400000,"activity":1}"#.utf8))?.reason == "expected a boolean, got the number 1")
    }

    @Test("ids come from topic, payload time and content: a redelivery gives the same ids, other content other ids")
    func deterministicIDs() throws {
        var reader = Self.reader()
        func ids(_ topic: String, _ payload: String) throws -> [String] {
            try reader.read(topic: topic, payload: Array(payload.utf8), receivedAt: Self.received).get().map(\.id.rawValue)
        }
        let topic = "\(Self.v0)/count"
        let first = try ids(topic, #"{"timestamp_ms":1589788888888,"count":10,"scrap":5}"#)
        #expect(first.count == 1)
        #expect(first[0].hasPrefix("mqtt:ia/aerostar/wichita/cnc-01/count:1589788888888:count:"))
        // Redelivered, and the same content with other spacing and key order: the same id.
        #expect(try ids(topic, #"{"timestamp_ms":1589788888888,"count":10,"scrap":5}"#) == first)
        #expect(try ids(topic, "{ \"scrap\": 5,\n  \"count\": 10, \"timestamp_ms\": 1589788888888 }") == first)
        // Another count at the same instant, or the same count a millisecond later: other ids.
        #expect(try ids(topic, #"{"timestamp_ms":1589788888888,"count":1,"scrap":0}"#) != first)
        #expect(try ids("\(Self.v0)/count", #"{"timestamp_ms":1589788888889,"count":10,"scrap":5}"#) != first)
        let events = try reader.read(topic: topic, payload: Array(#"{"timestamp_ms":1589788888888,"count":10,"scrap":5}"#.utf8), receivedAt: Self.received).get()
        #expect(events.first?.source == "umh-wichita")
        #expect(events.first?.unit == Self.unit)
    }
}
