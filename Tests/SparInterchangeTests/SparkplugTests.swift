import Foundation
import SparCore
import Testing

@testable import SparInterchange

/// Sparkplug B messages encoded to protobuf through the generated types, read by the tracker: the specification's
/// own example payloads, and sequences written for the rules (seq gaps and wraps, deaths, aliases, redelivery, time
/// units, garbage).
@Suite("Sparkplug B decoding and tracking")
struct SparkplugTests {
    typealias PB = Org_Eclipse_Tahu_Protobuf_Payload

    // MARK: The specification's examples

    struct Example {
        var verb: String
        var topic: String
        var payload: [UInt8]
    }

    /// The examples of the specification's Payloads chapter, each JSON rendering encoded as the protobuf it stands for.
    static func examples() throws -> [Example] {
        let url = try #require(
            Bundle.module.url(
                forResource: "spec-payload-examples", withExtension: "jsonl", subdirectory: "Resources/sparkplug"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        return try lines.map { line in
            let row = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            // Two renderings are indented with no-break spaces (the file's contains_nbsp).
            let text = try #require(row["payload_json_rendering_text"] as? String).replacingOccurrences(
                of: "\u{A0}", with: " ")
            let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return Example(
                verb: try #require(row["verb"] as? String), topic: try #require(row["topic"] as? String),
                payload: try encode(json))
        }
    }

    static func encode(_ json: [String: Any]) throws -> [UInt8] {
        var p = PB()
        if let ts = json["timestamp"] as? NSNumber { p.timestamp = ts.uint64Value }
        if let seq = json["seq"] as? NSNumber { p.seq = seq.uint64Value }
        for m in json["metrics"] as? [[String: Any]] ?? [] {
            var metric = PB.Metric()
            if let name = m["name"] as? String { metric.name = name }
            if let ts = m["timestamp"] as? NSNumber { metric.timestamp = ts.uint64Value }
            let typeName = try #require(m["dataType"] as? String)
            let type = try #require(
                Org_Eclipse_Tahu_Protobuf_DataType.allCases.first { "\($0)".lowercased() == typeName.lowercased() })
            metric.datatype = UInt32(type.rawValue)
            let value = try #require(m["value"])
            switch type {
            case .int8, .int16, .int32:
                metric.intValue = UInt32(bitPattern: try #require(value as? NSNumber).int32Value)
            case .uint8, .uint16, .uint32: metric.intValue = try #require(value as? NSNumber).uint32Value
            case .int64: metric.longValue = UInt64(bitPattern: try #require(value as? NSNumber).int64Value)
            case .uint64, .dateTime: metric.longValue = try #require(value as? NSNumber).uint64Value
            case .float: metric.floatValue = try #require(value as? NSNumber).floatValue
            case .double: metric.doubleValue = try #require(value as? NSNumber).doubleValue
            case .boolean: metric.booleanValue = try #require(value as? NSNumber).boolValue
            case .string, .text, .uuid: metric.stringValue = try #require(value as? String)
            default: Issue.record("no example uses \(type)")
            }
            p.metrics.append(metric)
        }
        return try p.serializedBytes()
    }

    static let group = "Sparkplug B Devices"
    static let node = SparkplugEdgeNode(group: group, edgeNode: "Raspberry Pi")
    static let pibrella = EquipmentPath("acme/plant/assembly/line-1/pibrella")
    static let pibrellaMap = SparkplugDeviceMap(
        group: group, edgeNode: "Raspberry Pi", device: "Pibrella", unit: pibrella, source: "sparkplug-edge",
        stateMetric: "Inputs/A")
    static let pibrellaID = "sparkplug:Sparkplug B Devices/Raspberry Pi/Pibrella"

    static func describe(_ e: Event) -> String {
        switch e.payload {
        case .state(let s):
            "\(e.id) \(e.ts.rfc3339) \(e.unit.components.last ?? "") state \(s.isUnknown ? "unknown" : s.category?.rawValue ?? s.reason ?? "")"
        case .count(let c):
            "\(e.id) \(e.ts.rfc3339) \(e.unit.components.last ?? "") count good \(JSONValue.format(c.good)) scrap \(JSONValue.format(c.scrap))"
        default: "\(e.id) \(e.type)"
        }
    }

    /// When Spar received the deaths: eight seconds after the examples' 17:55:02.122.
    static let received = Timestamp(milliseconds: 1_486_144_510_000)

    @Test("the specification's examples as the document lists them: the DDATA's seq 0 after seq 2 makes the node stale")
    func specExamplesInDocumentOrder() throws {
        let examples = try Self.examples()
        #expect(examples.map(\.verb) == ["NBIRTH", "DBIRTH", "NDATA", "DDATA", "NCMD", "DCMD", "NDEATH", "DDEATH"])
        var tracker = SparkplugTracker(devices: [Self.pibrellaMap])
        let out = examples.map { tracker.read(topic: $0.topic, payload: $0.payload, receivedAt: Self.received) }

        // NBIRTH: seq 0, bdSeq 0 (Int64); no map reads the node's own metrics.
        #expect(out[0].disposition == .read && out[0].events.isEmpty && out[0].notices.isEmpty)
        // DBIRTH seq 1: Inputs/A false → idle (default) at the metric's 1486144502122 ms = 2017-02-03T17:55:02.122Z.
        #expect(out[1].disposition == .read && out[1].notices.isEmpty)
        #expect(
            out[1].events.map(Self.describe) == [
                "\(Self.pibrellaID):b0:s1:1486144502122:Inputs/A 2017-02-03T17:55:02.122Z pibrella state idle"
            ])
        // NDATA seq 2: Supply Voltage, not mapped.
        #expect(out[2].disposition == .read && out[2].events.isEmpty)
        // DDATA seq 0 where 3 was expected: refused, Pibrella unknown from just after the last message in sequence
        // (17:55:02.122 + 1 ms), a rebirth asked for.
        #expect(
            out[3].disposition
                == .rejected(
                    "DDATA Sparkplug B Devices/Raspberry Pi/Pibrella: seq 0 where 3 was expected: messages are missing or out of order; the edge node is stale until it is born again"
                ))
        #expect(
            out[3].events.map(Self.describe) == [
                "\(Self.pibrellaID):b0:s0:1486144502123:gap 2017-02-03T17:55:02.123Z pibrella state unknown"
            ])
        #expect(out[3].rebirth == Self.node)
        // NCMD, DCMD: the host's commands, ignored with a notice.
        for i in [4, 5] {
            guard case .ignored = out[i].disposition else {
                Issue.record("\(examples[i].verb): \(out[i].disposition)")
                continue
            }
            #expect(out[i].events.isEmpty && out[i].notices.count == 1)
        }
        #expect(
            out[4].notices == [
                "NCMD Sparkplug B Devices/Raspberry Pi: a command to the edge node, not machine data; ignored"
            ])
        // NDEATH bdSeq 0 (UInt64) matches the birth's: the node is dead; Pibrella is already unknown, so no event.
        #expect(out[6].disposition == .read && out[6].events.isEmpty)
        #expect(tracker.onlineNodes.isEmpty && tracker.staleNodes.isEmpty)
        // DDEATH seq 123 of a dead node: refused, a rebirth asked for.
        guard case .rejected(let why) = out[7].disposition else {
            Issue.record("DDEATH: \(out[7].disposition)")
            return
        }
        #expect(why.hasPrefix("DDEATH Sparkplug B Devices/Raspberry Pi/Pibrella: no NBIRTH of the edge node"))
        #expect(out[7].rebirth == Self.node && out[7].events.isEmpty)
    }

    /// The examples with the DDATA as seq 3 and the DDEATH as seq 4, the numbers they would have in one session.
    static func renumbered(_ examples: [Example], _ verb: String, seq: UInt64) throws -> Example {
        var e = try #require(examples.first { $0.verb == verb })
        var p = try PB(serializedBytes: e.payload)
        p.seq = seq
        e.payload = try p.serializedBytes()
        return e
    }

    @Test(
        "the examples as one session: idle, then Inputs/A true is production a millisecond later, then DDEATH is unknown"
    )
    func specExamplesAsOneSession() throws {
        let examples = try Self.examples()
        let session = [
            examples[0], examples[1], examples[2], try Self.renumbered(examples, "DDATA", seq: 3),
            try Self.renumbered(examples, "DDEATH", seq: 4), examples[6],
        ]
        var tracker = SparkplugTracker(devices: [Self.pibrellaMap])
        let out = session.map { tracker.read(topic: $0.topic, payload: $0.payload, receivedAt: Self.received) }
        #expect(out.map(\.disposition) == Array(repeating: .read, count: 6))
        #expect(out.allSatisfy { $0.notices.isEmpty && $0.rebirth == nil })
        // Every time is 17:55:02.122: each later state of the unit follows the previous by 1 ms.
        #expect(
            out.flatMap(\.events).map(Self.describe) == [
                "\(Self.pibrellaID):b0:s1:1486144502122:Inputs/A 2017-02-03T17:55:02.122Z pibrella state idle",
                "\(Self.pibrellaID):b0:s3:1486144502122:Inputs/A 2017-02-03T17:55:02.123Z pibrella state production",
                "\(Self.pibrellaID):b0:s4:1486144502122:ddeath 2017-02-03T17:55:02.124Z pibrella state unknown",
            ])
        #expect(tracker.onlineNodes.isEmpty)
    }

    @Test("NDEATH with the birth's bdSeq: the devices are unknown from when it was received; another bdSeq is ignored")
    func nodeDeath() throws {
        let examples = try Self.examples()
        var tracker = SparkplugTracker(devices: [Self.pibrellaMap])
        for e in [examples[0], examples[1], examples[2], try Self.renumbered(examples, "DDATA", seq: 3)] {
            #expect(tracker.read(topic: e.topic, payload: e.payload, receivedAt: Self.received).disposition == .read)
        }
        let ndeath = examples[6]
        // The will of an earlier session (bdSeq 255): ignored, the node stays online and Pibrella in production.
        let old = try Self.bytes(
            timestamp: 1_486_144_502_122, metrics: [Self.metric("bdSeq", .uint64, .longValue(255))])
        let ignored = tracker.read(topic: ndeath.topic, payload: old, receivedAt: Self.received)
        let why =
            "NDEATH Sparkplug B Devices/Raspberry Pi: bdSeq 255 is not the session's (bdSeq 0): the will of an earlier session; ignored"
        #expect(ignored.disposition == .ignored(why) && ignored.notices == [why] && ignored.events.isEmpty)
        #expect(tracker.onlineNodes == [Self.node])
        // bdSeq 0: unknown at 17:55:10 (received), not at the will's 17:55:02.122 (composed when the node connected).
        let death = tracker.read(topic: ndeath.topic, payload: ndeath.payload, receivedAt: Self.received)
        #expect(death.disposition == .read)
        #expect(
            death.events.map(Self.describe) == [
                "\(Self.pibrellaID):b0:ndeath:1486144510000 2017-02-03T17:55:10Z pibrella state unknown"
            ])
        #expect(tracker.onlineNodes.isEmpty)
        // The same NDEATH again: already ended.
        let again = tracker.read(topic: ndeath.topic, payload: ndeath.payload, receivedAt: Self.received)
        #expect(
            again.disposition == .ignored("NDEATH Sparkplug B Devices/Raspberry Pi: bdSeq 0 has already ended; ignored")
        )
        // DDATA after the death: refused until the node is born again.
        let late = tracker.read(topic: examples[3].topic, payload: examples[3].payload, receivedAt: Self.received)
        #expect(late.rebirth == Self.node && late.events.isEmpty)
        // An NDEATH without bdSeq cannot be matched.
        let bare = tracker.read(
            topic: ndeath.topic, payload: try Self.bytes(timestamp: 1_486_144_502_122), receivedAt: Self.received)
        #expect(
            bare.disposition
                == .rejected(
                    "NDEATH Sparkplug B Devices/Raspberry Pi: no bdSeq metric (an integer); an NDEATH cannot be matched to a birth without it"
                ))
    }

    // MARK: Sequences written for the rules

    /// 2025-12-04T16:00:00Z.
    static let t0: UInt64 = 1_764_864_000_000
    static let press = SparkplugEdgeNode(group: "plant-1", edgeNode: "gateway-7")
    static let pressUnit = EquipmentPath("acme/plant-1/stamping/line-2/press-3")
    static let pressMap = SparkplugDeviceMap(
        group: "plant-1", edgeNode: "gateway-7", device: "press-3", unit: pressUnit, source: "sparkplug-edge",
        stateMetric: "Status/State",
        stateValues: ["1": StateChange(category: .production), "-1": StateChange(category: .down)],
        partCountMetrics: ["Counts/Good"], scrapCountMetrics: ["Counts/Scrap"])
    static let nodeTopic = "spBv1.0/plant-1/NBIRTH/gateway-7"
    static let pressID = "sparkplug:plant-1/gateway-7/press-3"

    static func metric(
        _ name: String?, alias: UInt64? = nil, ts: UInt64? = nil, _ type: Org_Eclipse_Tahu_Protobuf_DataType? = nil,
        _ value: PB.Metric.OneOf_Value?
    ) -> PB.Metric {
        var m = PB.Metric()
        if let name { m.name = name }
        if let alias { m.alias = alias }
        if let ts { m.timestamp = ts }
        if let type { m.datatype = UInt32(type.rawValue) }
        m.value = value
        return m
    }

    static func bytes(timestamp: UInt64? = nil, seq: UInt64? = nil, metrics: [PB.Metric] = []) throws -> [UInt8] {
        var p = PB()
        if let timestamp { p.timestamp = timestamp }
        if let seq { p.seq = seq }
        p.metrics = metrics
        return try p.serializedBytes()
    }

    /// NBIRTH (bdSeq) and DBIRTH of press-3 with aliases: 1 state (Int32), 2 good (UInt64), 3 scrap (UInt64).
    static func births(bdSeq: UInt64 = 3, at t: UInt64 = t0, state: Int32 = 1, good: UInt64 = 100, scrap: UInt64 = 4)
        throws -> [(String, [UInt8])]
    {
        [
            (
                nodeTopic,
                try bytes(
                    timestamp: t, seq: 0,
                    metrics: [
                        metric("bdSeq", ts: t, .int64, .longValue(bdSeq)),
                        metric("Node Control/Rebirth", alias: 10, ts: t, .boolean, .booleanValue(false)),
                    ])
            ),
            (
                "spBv1.0/plant-1/DBIRTH/gateway-7/press-3",
                try bytes(
                    timestamp: t, seq: 1,
                    metrics: [
                        metric("Status/State", alias: 1, ts: t, .int32, .intValue(UInt32(bitPattern: state))),
                        metric("Counts/Good", alias: 2, ts: t, .uint64, .longValue(good)),
                        metric("Counts/Scrap", alias: 3, ts: t, .uint64, .longValue(scrap)),
                    ])
            ),
        ]
    }

    static let ddata = "spBv1.0/plant-1/DDATA/gateway-7/press-3"

    /// DDATA by alias only, without DataTypes (the birth gives them).
    static func data(seq: UInt64, at t: UInt64, _ metrics: [(UInt64, PB.Metric.OneOf_Value)]) throws -> [UInt8] {
        try bytes(timestamp: t, seq: seq, metrics: metrics.map { metric(nil, alias: $0.0, ts: t, nil, $0.1) })
    }

    @Test("alias-only DDATA resolved through the DBIRTH: signed Int32 codes, counter deltas, a reset, an unknown alias")
    func aliasOnlyData() throws {
        var tracker = SparkplugTracker(devices: [Self.pressMap])
        let now = Timestamp(milliseconds: Int64(Self.t0))
        let birth = try Self.births().map { tracker.read(topic: $0.0, payload: $0.1, receivedAt: now) }
        // DBIRTH: state 1 → production; the counters' 100 and 4 are baselines.
        #expect(
            birth.flatMap(\.events).map(Self.describe) == [
                "\(Self.pressID):b3:s1:1764864000000:Status/State 2025-12-04T16:00:00Z press-3 state production"
            ])
        let messages: [[UInt8]] = [
            // +1 s: good 100 → 103 (3 good), scrap 4 → 5 (1 scrap).
            try Self.data(seq: 2, at: Self.t0 + 1000, [(2, .longValue(103)), (3, .longValue(5))]),
            // +2 s: state -1 (two's complement in int_value, read as Int32 by the birth's DataType) → down.
            try Self.data(seq: 3, at: Self.t0 + 2000, [(1, .intValue(UInt32(bitPattern: -1)))]),
            // +3 s: the good counter went back to 2: a reset, counting 2; alias 9 is not in the birth.
            try Self.data(seq: 4, at: Self.t0 + 3000, [(2, .longValue(2)), (9, .longValue(1))]),
            // +4 s: state 7 has no entry in the map → unknown, with a notice.
            try Self.data(seq: 5, at: Self.t0 + 4000, [(1, .intValue(7))]),
        ]
        let out = messages.map { tracker.read(topic: Self.ddata, payload: $0, receivedAt: now) }
        #expect(
            out.flatMap(\.events).map(Self.describe) == [
                "\(Self.pressID):b3:s2:1764864001000:Counts/Good 2025-12-04T16:00:01Z press-3 count good 3 scrap 0",
                "\(Self.pressID):b3:s2:1764864001000:Counts/Scrap 2025-12-04T16:00:01Z press-3 count good 0 scrap 1",
                "\(Self.pressID):b3:s3:1764864002000:Status/State 2025-12-04T16:00:02Z press-3 state down",
                "\(Self.pressID):b3:s4:1764864003000:Counts/Good 2025-12-04T16:00:03Z press-3 count good 2 scrap 0",
                "\(Self.pressID):b3:s5:1764864004000:Status/State 2025-12-04T16:00:04Z press-3 state unknown",
            ])
        #expect(
            out[2].notices == [
                "DDATA plant-1/gateway-7/press-3: alias 9 is not in the birth; skipped (a rebirth would say what it is)"
            ])
        #expect(out[2].rebirth == Self.press && out[2].disposition == .read)
        #expect(
            out[3].notices == [
                "DDATA plant-1/gateway-7/press-3: 'Status/State' is '7', which the map gives no state: unknown state"
            ])
        #expect(out[0].rebirth == nil && out[1].rebirth == nil)
    }

    @Test("seq runs 0…255 and wraps to 0: 258 NDATA after the NBIRTH, no gap, every id distinct")
    func seqWrap() throws {
        let map = SparkplugDeviceMap(
            group: "plant-1", edgeNode: "gateway-7", unit: Self.pressUnit, source: "sparkplug-edge",
            partCountMetrics: ["Counts/Good"])
        var tracker = SparkplugTracker(devices: [map])
        let now = Timestamp(milliseconds: Int64(Self.t0))
        let birth = try Self.bytes(
            timestamp: Self.t0, seq: 0,
            metrics: [
                Self.metric("bdSeq", ts: Self.t0, .uint64, .longValue(255)),
                Self.metric("Counts/Good", alias: 5, ts: Self.t0, .uint32, .intValue(1000)),
            ])
        #expect(tracker.read(topic: Self.nodeTopic, payload: birth, receivedAt: now).disposition == .read)
        // Message k (1…258) has seq k mod 256 and the counter at 1000 + k, one second apart.
        var events: [Event] = []
        for k in UInt64(1)...258 {
            let p = try Self.bytes(
                timestamp: Self.t0 + k * 1000, seq: k % 256,
                metrics: [Self.metric(nil, alias: 5, ts: Self.t0 + k * 1000, nil, .intValue(UInt32(1000 + k)))])
            let out = tracker.read(topic: "spBv1.0/plant-1/NDATA/gateway-7", payload: p, receivedAt: now)
            #expect(out.disposition == .read && out.rebirth == nil, "seq \(k % 256)")
            events += out.events
        }
        // 258 increases of 1; the seq 0 after 255 is message 256, 256 s after the birth.
        #expect(events.count == 258)
        let good: [Double] = events.map { if case .count(let c) = $0.payload { c.good } else { 0 } }
        #expect(good == Array(repeating: 1, count: 258))
        #expect(Set(events.map(\.id)).count == 258)
        #expect(events[255].id == EventID("sparkplug:plant-1/gateway-7:b255:s0:1764864256000:Counts/Good"))
        #expect(tracker.staleNodes.isEmpty)
    }

    @Test("a seq gap: unknown from just after the last message in sequence, refused until the rebirth, counted from it")
    func seqGap() throws {
        var tracker = SparkplugTracker(devices: [Self.pressMap])
        let now = Timestamp(milliseconds: Int64(Self.t0))
        for (topic, p) in try Self.births() { _ = tracker.read(topic: topic, payload: p, receivedAt: now) }
        // seq 2 at +1 s: good 100 → 110.
        let ok = tracker.read(
            topic: Self.ddata, payload: try Self.data(seq: 2, at: Self.t0 + 1000, [(2, .longValue(110))]),
            receivedAt: now)
        #expect(ok.events.count == 1)
        // seq 4 at +5 s (seq 3 lost): refused; press-3 unknown from +1 s + 1 ms; the value 130 is not read.
        let gap = tracker.read(
            topic: Self.ddata, payload: try Self.data(seq: 4, at: Self.t0 + 5000, [(2, .longValue(130))]),
            receivedAt: now)
        #expect(
            gap.disposition
                == .rejected(
                    "DDATA plant-1/gateway-7/press-3: seq 4 where 3 was expected: messages are missing or out of order; the edge node is stale until it is born again"
                ))
        #expect(
            gap.events.map(Self.describe) == [
                "\(Self.pressID):b3:s4:1764864001001:gap 2025-12-04T16:00:01.001Z press-3 state unknown"
            ])
        #expect(gap.rebirth == Self.press && tracker.staleNodes == [Self.press])
        // seq 5: still stale, refused, the rebirth asked for again.
        let stale = tracker.read(
            topic: Self.ddata, payload: try Self.data(seq: 5, at: Self.t0 + 6000, [(2, .longValue(140))]),
            receivedAt: now)
        #expect(
            stale.disposition
                == .rejected(
                    "DDATA plant-1/gateway-7/press-3: the edge node is stale since a sequence gap; its messages are refused until it is born again"
                ))
        #expect(stale.rebirth == Self.press && stale.events.isEmpty)
        // The rebirth at +10 s (same bdSeq 3): production again; good 150 counts 150 − 110 = 40, made meanwhile.
        let again = try Self.births(at: Self.t0 + 10_000, good: 150).map {
            tracker.read(topic: $0.0, payload: $0.1, receivedAt: now)
        }
        #expect(
            again.flatMap(\.events).map(Self.describe) == [
                "\(Self.pressID):b3:s1:1764864010000:Status/State 2025-12-04T16:00:10Z press-3 state production",
                "\(Self.pressID):b3:s1:1764864010000:Counts/Good 2025-12-04T16:00:10Z press-3 count good 40 scrap 0",
            ])
        #expect(tracker.staleNodes.isEmpty && again.allSatisfy { $0.disposition == .read })
        // An out-of-order seq (2 after the DBIRTH's 1 is fine; 1 again is not).
        let back = tracker.read(
            topic: Self.ddata, payload: try Self.data(seq: 1, at: Self.t0 + 11_000, [(2, .longValue(151))]),
            receivedAt: now)
        #expect(back.rebirth == Self.press)
    }

    @Test("a message delivered twice gives the same events with the same ids; a second tracker gives the same ids too")
    func redelivery() throws {
        let now = Timestamp(milliseconds: Int64(Self.t0))
        let ddata = try Self.data(
            seq: 2, at: Self.t0 + 1000, [(2, .longValue(103)), (1, .intValue(UInt32(bitPattern: -1)))])
        let stream: [(String, [UInt8])] = try Self.births() + [(Self.ddata, ddata)]
        var tracker = SparkplugTracker(devices: [Self.pressMap])
        let first = stream.map { tracker.read(topic: $0.0, payload: $0.1, receivedAt: now) }
        let again = tracker.read(topic: stream[2].0, payload: stream[2].1, receivedAt: now)
        #expect(again.disposition == .redelivered)
        #expect(again.events == first[2].events && again.events.count == 2)
        #expect(again.notices == ["DDATA plant-1/gateway-7/press-3 seq 2: delivered again; the same events (same ids)"])
        // The next message in sequence is still seq 3.
        let next = tracker.read(
            topic: Self.ddata, payload: try Self.data(seq: 3, at: Self.t0 + 2000, [(2, .longValue(104))]),
            receivedAt: now)
        #expect(next.disposition == .read && next.events.count == 1)
        var other = SparkplugTracker(devices: [Self.pressMap])
        let replay = stream.map { other.read(topic: $0.0, payload: $0.1, receivedAt: Timestamp(milliseconds: 0)) }
        #expect(replay.flatMap(\.events) == first.flatMap(\.events))
    }

    @Test("times that are plausibly seconds (or microseconds) are refused with the reason")
    func secondsRefused() throws {
        var tracker = SparkplugTracker(devices: [Self.pressMap])
        let now = Timestamp(milliseconds: Int64(Self.t0))
        // An NBIRTH stamped 1764864000 (seconds): refused.
        let secondsBirth = try Self.bytes(
            timestamp: Self.t0 / 1000, seq: 0,
            metrics: [Self.metric("bdSeq", ts: Self.t0 / 1000, .int64, .longValue(0))])
        #expect(
            tracker.read(topic: Self.nodeTopic, payload: secondsBirth, receivedAt: now).disposition
                == .rejected(
                    "NBIRTH plant-1/gateway-7: payload timestamp 1764864000 is plausibly seconds (as seconds, 2025-12-04T16:00:00Z), not milliseconds since the epoch as Sparkplug B requires"
                ))
        #expect(tracker.onlineNodes.isEmpty)
        for (topic, p) in try Self.births() { _ = tracker.read(topic: topic, payload: p, receivedAt: now) }
        // A DDATA in milliseconds whose metric is stamped in seconds: the metric is skipped with the reason.
        let metricSeconds = try Self.bytes(
            timestamp: Self.t0 + 1000, seq: 2,
            metrics: [Self.metric(nil, alias: 2, ts: Self.t0 / 1000 + 1, nil, .longValue(120))])
        let out = tracker.read(topic: Self.ddata, payload: metricSeconds, receivedAt: now)
        #expect(out.disposition == .read && out.events.isEmpty)
        #expect(
            out.notices == [
                "DDATA plant-1/gateway-7/press-3: 'Counts/Good' timestamp 1764864001 is plausibly seconds (as seconds, 2025-12-04T16:00:01Z), not milliseconds since the epoch as Sparkplug B requires; skipped"
            ])
        // A DDATA stamped in seconds: refused (its seq 3 is in sequence, so the node is not stale).
        let payloadSeconds = try Self.data(seq: 3, at: Self.t0 / 1000 + 2, [(2, .longValue(121))])
        guard
            case .rejected(let why) = tracker.read(topic: Self.ddata, payload: payloadSeconds, receivedAt: now)
                .disposition
        else {
            Issue.record("a payload in seconds was read")
            return
        }
        #expect(why.contains("payload timestamp 1764864002 is plausibly seconds"))
        #expect(tracker.staleNodes.isEmpty)
        // Delivered again: nothing again, and still no gap.
        let twice = tracker.read(topic: Self.ddata, payload: payloadSeconds, receivedAt: now)
        #expect(twice.disposition == .redelivered && twice.events.isEmpty && tracker.staleNodes.isEmpty)
        // Microseconds: beyond the year 9999.
        let micro = try Self.data(seq: 4, at: Self.t0 * 1000, [(2, .longValue(122))])
        guard
            case .rejected(let whyMicro) = tracker.read(topic: Self.ddata, payload: micro, receivedAt: now).disposition
        else {
            Issue.record("a payload in microseconds was read")
            return
        }
        #expect(whyMicro.contains("beyond the year 9999"))
    }

    @Test("garbage bytes, JSON instead of protobuf, and topics outside the namespace are refused with the reason")
    func garbageRefused() throws {
        var tracker = SparkplugTracker(devices: [Self.pressMap])
        let now = Timestamp(milliseconds: Int64(Self.t0))
        let garbage = tracker.read(topic: Self.nodeTopic, payload: [0xFF, 0xFF, 0xFF, 0xFF], receivedAt: now)
        guard case .rejected(let why) = garbage.disposition else {
            Issue.record("garbage was read: \(garbage.disposition)")
            return
        }
        #expect(
            why.hasPrefix("NBIRTH plant-1/gateway-7: the payload (4 bytes) is not a Sparkplug B protobuf payload: "))
        let json = Array(#"{"timestamp": 1764864000000, "metrics": [], "seq": 0}"#.utf8)
        guard
            case .rejected(let whyJSON) = tracker.read(topic: Self.nodeTopic, payload: json, receivedAt: now)
                .disposition
        else {
            Issue.record("JSON was read as protobuf")
            return
        }
        #expect(whyJSON.contains("is not a Sparkplug B protobuf payload"))
        #expect(tracker.onlineNodes.isEmpty)

        let topics: [(String, String)] = [
            (
                "umh/v1/acme/plant-1/_historian",
                "topic 'umh/v1/acme/plant-1/_historian' is not in the Sparkplug B namespace (it must start with spBv1.0/)"
            ),
            (
                "spBv1.0/plant-1/NFOO/gateway-7",
                "topic 'spBv1.0/plant-1/NFOO/gateway-7': 'NFOO' is not a Sparkplug B message type (NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA, NCMD, DCMD, STATE)"
            ),
            (
                "spBv1.0/plant-1/DDATA/gateway-7",
                "topic 'spBv1.0/plant-1/DDATA/gateway-7': a DDATA topic is spBv1.0/<group_id>/DDATA/<edge_node_id>/<device_id>"
            ),
            (
                "spBv1.0/plant-1/NDATA",
                "topic 'spBv1.0/plant-1/NDATA' has 3 levels; Sparkplug B topics are spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]"
            ),
            ("spBv1.0//NDATA/gateway-7", "topic 'spBv1.0//NDATA/gateway-7': the group_id is empty"),
        ]
        for (topic, reason) in topics {
            #expect(tracker.read(topic: topic, payload: [], receivedAt: now).disposition == .rejected(reason))
        }
        // STATE: recognised, ignored with a notice (the payload is JSON, not protobuf).
        let state = tracker.read(
            topic: "spBv1.0/STATE/scada-1", payload: Array(#"{"online": true, "timestamp": 1764864000000}"#.utf8),
            receivedAt: now)
        let why2 = "STATE of host application 'scada-1': a host's online state, not machine data; ignored"
        #expect(state.disposition == .ignored(why2) && state.notices == [why2] && state.events.isEmpty)
        // Before Sparkplug 3.0 the STATE topic had no namespace, and its payload was ONLINE or OFFLINE.
        let legacy = tracker.read(topic: "STATE/scada-1", payload: Array("OFFLINE".utf8), receivedAt: now)
        #expect(legacy.disposition == .ignored(why2))
    }

    @Test("an NBIRTH must have seq 0 and a bdSeq; data before any birth is refused with a rebirth asked for")
    func birthRules() throws {
        var tracker = SparkplugTracker(devices: [Self.pressMap])
        let now = Timestamp(milliseconds: Int64(Self.t0))
        let seq5 = try Self.bytes(
            timestamp: Self.t0, seq: 5, metrics: [Self.metric("bdSeq", ts: Self.t0, .int64, .longValue(0))])
        let a = tracker.read(topic: Self.nodeTopic, payload: seq5, receivedAt: now)
        #expect(
            a.disposition == .rejected("NBIRTH plant-1/gateway-7: seq 5; an NBIRTH's seq must be 0")
                && a.rebirth == Self.press)
        let noBdSeq = try Self.bytes(timestamp: Self.t0, seq: 0)
        let b = tracker.read(topic: Self.nodeTopic, payload: noBdSeq, receivedAt: now)
        #expect(
            b.disposition
                == .rejected("NBIRTH plant-1/gateway-7: no bdSeq metric (an integer); an NBIRTH must name its session"))
        let c = tracker.read(
            topic: Self.ddata, payload: try Self.data(seq: 1, at: Self.t0, [(2, .longValue(1))]), receivedAt: now)
        #expect(c.rebirth == Self.press && c.events.isEmpty)
        #expect(tracker.onlineNodes.isEmpty)
    }

    @Test("an NBIRTH of a new bdSeq while the old session had no NDEATH: unknown from just after its last message")
    func sessionWithoutDeath() throws {
        var tracker = SparkplugTracker(devices: [Self.pressMap])
        let now = Timestamp(milliseconds: Int64(Self.t0))
        for (topic, p) in try Self.births() { _ = tracker.read(topic: topic, payload: p, receivedAt: now) }
        let data = try Self.data(seq: 2, at: Self.t0 + 1000, [(2, .longValue(103))])
        #expect(tracker.read(topic: Self.ddata, payload: data, receivedAt: now).events.count == 1)
        // bdSeq 4 at +60 s: session 3 ended unseen after its last message (+1 s); press-3 is unknown from +1.001 s,
        // then the DBIRTH says production again and good 110 counts 110 − 103 = 7.
        let out = try Self.births(bdSeq: 4, at: Self.t0 + 60_000, good: 110).map {
            tracker.read(topic: $0.0, payload: $0.1, receivedAt: now)
        }
        #expect(
            out[0].notices == [
                "NBIRTH plant-1/gateway-7: bdSeq 4 begins a session while session bdSeq 3 had no NDEATH; its units are unknown from just after its last message"
            ])
        #expect(
            out.flatMap(\.events).map(Self.describe) == [
                "\(Self.pressID):b3:1764864001001:ended 2025-12-04T16:00:01.001Z press-3 state unknown",
                "\(Self.pressID):b4:s1:1764864060000:Status/State 2025-12-04T16:01:00Z press-3 state production",
                "\(Self.pressID):b4:s1:1764864060000:Counts/Good 2025-12-04T16:01:00Z press-3 count good 7 scrap 0",
            ])
    }

    @Test("store and forward: a historical state is a state at its own time; historical counter values are not counted")
    func historicalValues() throws {
        var tracker = SparkplugTracker(devices: [Self.pressMap])
        let now = Timestamp(milliseconds: Int64(Self.t0))
        for (topic, p) in try Self.births() { _ = tracker.read(topic: topic, payload: p, receivedAt: now) }
        // seq 2 at +1 s carries what the node buffered: down at −30 s and good 102 at −20 s (historical), then the
        // current good 105.
        var down = Self.metric(nil, alias: 1, ts: Self.t0 - 30_000, nil, .intValue(UInt32(bitPattern: -1)))
        down.isHistorical = true
        var goodThen = Self.metric(nil, alias: 2, ts: Self.t0 - 20_000, nil, .longValue(102))
        goodThen.isHistorical = true
        let goodNow = Self.metric(nil, alias: 2, ts: Self.t0 + 1000, nil, .longValue(105))
        let p = try Self.bytes(timestamp: Self.t0 + 1000, seq: 2, metrics: [down, goodThen, goodNow])
        let out = tracker.read(topic: Self.ddata, payload: p, receivedAt: now)
        // The baseline 100 → 105 counts 5; the historical 102 adds nothing of its own.
        #expect(
            out.events.map(Self.describe) == [
                "\(Self.pressID):b3:s2:1764863970000:Status/State 2025-12-04T15:59:30Z press-3 state down",
                "\(Self.pressID):b3:s2:1764864001000:Counts/Good 2025-12-04T16:00:01Z press-3 count good 5 scrap 0",
            ])
        #expect(out.notices.isEmpty)
        // The current state is still production: state 1 again gives nothing.
        let same = tracker.read(
            topic: Self.ddata, payload: try Self.data(seq: 3, at: Self.t0 + 2000, [(1, .intValue(1))]), receivedAt: now)
        #expect(same.events.isEmpty)
    }

    @Test("the rebirth request is an NCMD setting Node Control/Rebirth to true")
    func rebirthRequest() throws {
        let request = try Self.press.rebirthRequest(at: Timestamp(milliseconds: Int64(Self.t0)))
        #expect(request.topic == "spBv1.0/plant-1/NCMD/gateway-7")
        let p = try SparkplugPayload(decoding: request.payload)
        #expect(p.timestamp == Self.t0 && p.seq == nil)
        #expect(
            p.metrics == [
                SparkplugMetric(name: "Node Control/Rebirth", timestamp: Self.t0, dataType: 11, value: .boolean(true))
            ])
    }
}
