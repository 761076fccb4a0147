import Foundation
import SparCore
import SparInterchange
import Testing

/// MTConnect streams read from real agents' documents, and the events they give, worked out by reading them.
@Suite("MTConnect streams and events")
struct MTConnectTests {
    static func document(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "xml", subdirectory: "Resources/mtconnect"))
        return try Data(contentsOf: url)
    }

    static let unit = EquipmentPath("aerostar/wichita/machining/5axis-line/cnc-01")

    static func describe(_ e: Event) -> String {
        switch e.payload {
        case .state(let s): "\(e.id) \(e.ts.rfc3339) state \(s.category?.rawValue ?? (s.isUnknown ? "unknown" : "")) \(s.reason ?? "")"
        case .count(let c): "\(e.id) \(e.ts.rfc3339) count good \(JSONValue.format(c.good)) scrap \(JSONValue.format(c.scrap))"
        default: "\(e.id) \(e.type)"
        }
    }

    @Test("the standard's SimpleCnc 1.4 and 1.5 streams: header and observations in sequence order")
    func simpleCnc() throws {
        for name in ["streams-1.4", "streams-1.5"] {
            let doc = try MTConnectStreams.parse(Self.document(name))
            #expect(doc.header.version == (name == "streams-1.4" ? "1.4" : "1.5"))
            #expect(doc.header.instanceId == "1541045065")
            #expect(doc.header.firstSequence == 1 && doc.header.lastSequence == 44221 && doc.header.nextSequence == 43124)
            #expect(doc.header.creationTime == Timestamp(rfc3339: "2018-10-31T21:00:01Z"))
            // 1.5 adds four VoltAmpereTimeSeries samples (1122–1125, ten values each).
            let extra: [Int64] = name == "streams-1.5" ? [1122, 1123, 1124, 1125] : []
            #expect(doc.observations.map(\.sequence) == [131, 201, 255, 430, 503, 630, 652, 794] + extra)
            if name == "streams-1.5" {
                #expect(doc.observations.last?.value.split(separator: " ").count == 10)
                #expect(doc.observations.last?.element == "VoltAmpereTimeSeries")
            }
            let xpos = doc.observations[0]
            #expect(xpos.element == "Position" && xpos.category == .sample && xpos.isUnavailable && xpos.name == "Xpos")
            let fault = doc.observations[6]
            #expect(fault.category == .condition && fault.element == "Fault" && fault.nativeCode == "MOT-OVR")
            #expect(fault.conditionType == "AMPERAGE" && fault.value == "Spindle Motor Overload")
            // 20:49:19.9981 is kept to the millisecond.
            #expect(fault.timestamp == Timestamp(rfc3339: "2018-10-31T20:49:19.998Z"))
        }
    }

    @Test("SimpleCnc: no Execution reported, so unknown; then the spindle overload fault is down; the part count is a baseline")
    func simpleCncEvents() throws {
        let doc = try MTConnectStreams.parse(Self.document("streams-1.4"))
        var tracker = MTConnectTracker(devices: [
            MTConnectDeviceMap(device: "SimpleCnc", unit: Self.unit, source: "mtc-agent", faultReasons: ["MOT-OVR": "spindle-fail"])
        ])
        let out = tracker.read(doc)
        #expect(out.events.map(Self.describe) == [
            "mtconnect:1541045065:201 2018-10-31T20:34:19.998Z state unknown ",
            "mtconnect:1541045065:652 2018-10-31T20:49:19.998Z state  spindle-fail",
        ])
        #expect(out.notices.isEmpty)
        #expect(out.nextSequence == 43124)
        // Reading the same document again gives nothing new (its sequences were read).
        #expect(tracker.read(doc).events.isEmpty)
    }

    @Test("the Mazak /current (1.3): path 1 READY is idle; path 2 UNAVAILABLE does not count; part counts are baselines")
    func mazak() throws {
        let doc = try MTConnectStreams.parse(Self.document("mazak-current-1.3"))
        #expect(doc.header.version == "1.3" && doc.header.instanceId == "1666332811" && doc.header.nextSequence == 2869)
        #expect(doc.observations.first { $0.dataItemId == "exec" }?.value == "READY")
        #expect(doc.observations.first { $0.dataItemId == "exec" }?.timestamp == Timestamp(rfc3339: "2022-10-21T06:51:52.237Z"))
        var tracker = MTConnectTracker(devices: [MTConnectDeviceMap(device: "Mazak", unit: Self.unit, source: "mtc-agent")])
        let out = tracker.read(doc)
        // exec2 UNAVAILABLE (seq 37) is the first state item: unknown; avail, estop ARMED and mode AUTOMATIC change
        // nothing while no Execution is available; exec READY (seq 850) is idle.
        #expect(out.events.map(Self.describe) == [
            "mtconnect:1666332811:37 2022-10-21T06:13:31.979Z state unknown ",
            "mtconnect:1666332811:850 2022-10-21T06:51:52.237Z state idle ",
        ])
    }

    /// A `/sample` document written for the test in the shape agents send.
    static func sample(instance: String, first: Int64, next: Int64, _ observations: [(Int64, String, String, String)]) -> Data {
        let items = observations.map { seq, time, element, value in
            element == "Fault" || element == "Normal"
                ? #"<Condition><\#(element) dataItemId="cond" sequence="\#(seq)" timestamp="\#(time)" type="SYSTEM" nativeCode="\#(value)"/></Condition>"#
                : #"<Events><\#(element) dataItemId="\#(element.lowercased())" sequence="\#(seq)" timestamp="\#(time)">\#(value)</\#(element)></Events>"#
        }.joined()
        return Data(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:2.0">
            <Header creationTime="2026-03-02T07:00:00Z" sender="agent" instanceId="\(instance)" version="2.0.0.1" bufferSize="1024" nextSequence="\(next)" firstSequence="\(first)" lastSequence="\(next - 1)"/>
            <Streams><DeviceStream name="VMC-1" uuid="vmc-1"><ComponentStream component="Controller" name="controller" componentId="c1">\(items)</ComponentStream></DeviceStream></Streams>
            </MTConnectStreams>
            """.utf8)
    }

    @Test("samples in order: active is production, feed hold a delay, a fault down until normal; counts by difference and reset; a restart and an overrun are gaps of unknown state")
    func sequenceOfSamples() throws {
        var tracker = MTConnectTracker(devices: [MTConnectDeviceMap(device: "vmc-1", unit: Self.unit, source: "mtc-agent")])
        // Zone-less time stamps are UTC.
        let one = try MTConnectStreams.parse(
            Self.sample(instance: "100", first: 1, next: 8, [
                (1, "2026-03-02T06:00:00", "Availability", "AVAILABLE"),
                (2, "2026-03-02T06:00:00.5", "Execution", "ACTIVE"),
                (3, "2026-03-02T06:00:01Z", "PartCount", "10"),
                (4, "2026-03-02T06:10:00Z", "PartCount", "14"),
                (5, "2026-03-02T06:11:00Z", "Execution", "FEED_HOLD"),
                (6, "2026-03-02T06:12:00Z", "Fault", "E-101"),
                (7, "2026-03-02T06:20:00Z", "Normal", "E-101"),
            ]))
        let a = tracker.read(one)
        #expect(a.events.map(Self.describe) == [
            "mtconnect:100:1 2026-03-02T06:00:00Z state unknown ",
            "mtconnect:100:2 2026-03-02T06:00:00.500Z state production ",
            "mtconnect:100:4 2026-03-02T06:10:00Z count good 4 scrap 0",
            "mtconnect:100:5 2026-03-02T06:11:00Z state delay ",
            "mtconnect:100:6 2026-03-02T06:12:00Z state down ",
            "mtconnect:100:7 2026-03-02T06:20:00Z state delay ",
        ])
        // A counter reset (3 after 14) counts 3; the agent then restarts (new instanceId): unknown from just after
        // the last observation, until it reports again.
        let two = try MTConnectStreams.parse(
            Self.sample(instance: "100", first: 1, next: 10, [
                (8, "2026-03-02T06:30:00Z", "PartCount", "3"), (9, "2026-03-02T06:31:00Z", "Execution", "ACTIVE"),
            ]))
        #expect(tracker.read(two).events.map(Self.describe) == [
            "mtconnect:100:8 2026-03-02T06:30:00Z count good 3 scrap 0",
            "mtconnect:100:9 2026-03-02T06:31:00Z state production ",
        ])
        let restarted = try MTConnectStreams.parse(
            Self.sample(instance: "200", first: 1, next: 3, [
                (1, "2026-03-02T07:00:00Z", "Availability", "AVAILABLE"), (2, "2026-03-02T07:00:05Z", "Execution", "ACTIVE"),
            ]))
        let r = tracker.read(restarted)
        #expect(r.notices == ["agent restarted: instanceId 100 → 200; sequences start again"])
        #expect(r.events.map(Self.describe) == [
            "mtconnect:100:10:gap:vmc-1 2026-03-02T06:31:00.001Z state unknown ",
            "mtconnect:200:2 2026-03-02T07:00:05Z state production ",
        ])
        // The agent's buffer overran: we asked from 3, it now starts at 50.
        let overrun = try MTConnectStreams.parse(
            Self.sample(instance: "200", first: 50, next: 52, [(50, "2026-03-02T09:00:00Z", "Execution", "READY"), (51, "2026-03-02T09:00:01Z", "Execution", "ACTIVE")]))
        let o = tracker.read(overrun)
        #expect(o.notices == ["buffer overrun: sequences 3 to 49 were dropped by the agent before they were read"])
        #expect(o.events.map(Self.describe) == [
            "mtconnect:200:3:gap:vmc-1 2026-03-02T07:00:05.001Z state unknown ",
            "mtconnect:200:50 2026-03-02T09:00:00Z state idle ",
            "mtconnect:200:51 2026-03-02T09:00:01Z state production ",
        ])
        #expect(tracker.nextSequence == 52)
    }

    @Test("orderFrom PartId: each count carries the part id current when it was made; UNAVAILABLE leaves the order out; the snapshot resumes it")
    func orderContext() throws {
        let map = MTConnectDeviceMap(device: "VMC-1", unit: Self.unit, source: "mtc-agent", orderFrom: "PartId")
        var tracker = MTConnectTracker(devices: [map])
        let doc = try MTConnectStreams.parse(
            Self.sample(instance: "9", first: 1, next: 7, [
                (1, "2026-03-02T06:00:00Z", "PartId", "P-7731"),
                (2, "2026-03-02T06:00:01Z", "PartCount", "4"),
                (3, "2026-03-02T06:10:00Z", "PartCount", "6"),
                (4, "2026-03-02T06:20:00Z", "PartId", "UNAVAILABLE"),
                (5, "2026-03-02T06:30:00Z", "PartCount", "7"),
                (6, "2026-03-02T06:40:00Z", "PartId", "P-8000"),
            ]))
        let out = tracker.read(doc)
        #expect(out.events.map { e -> String in
            guard case .count(let c) = e.payload else { return "\(e.id) \(e.type)" }
            return "\(e.id) good \(JSONValue.format(c.good)) order \(c.order ?? "none")"
        } == ["mtconnect:9:3 good 2 order P-7731", "mtconnect:9:5 good 1 order none"])
        // A tracker resumed from the snapshot still knows P-8000 and the counter's 7.
        var resumed = try MTConnectTracker(devices: [map], resuming: tracker.snapshot)
        let next = try MTConnectStreams.parse(Self.sample(instance: "9", first: 1, next: 8, [(7, "2026-03-02T06:50:00Z", "PartCount", "10")]))
        let counts = resumed.read(next).events.compactMap { e -> String? in
            guard case .count(let c) = e.payload else { return nil }
            return "\(JSONValue.format(c.good)) \(c.order ?? "none")"
        }
        #expect(counts == ["3 P-8000"])
        // The snapshot survives JSON, as the connector's state file keeps it.
        let json = try JSONEncoder().encode(resumed.snapshot)
        #expect(try JSONDecoder().decode(MTConnectTracker.Snapshot.self, from: json) == resumed.snapshot)
        #expect(resumed.nextSequence == 8)
    }

    @Test("not MTConnectStreams, an agent error, a missing sequence: refused with the line and element")
    func refusals() {
        func problem(_ text: String) -> String {
            do {
                _ = try MTConnectStreams.parse(Data(text.utf8))
                return "accepted"
            } catch { return error.description }
        }
        #expect(problem(#"<MTConnectDevices xmlns="urn:mtconnect.org:MTConnectDevices:1.3"/>"#).contains("expected MTConnectStreams, found MTConnectDevices"))
        #expect(problem(#"<MTConnectError xmlns="urn:mtconnect.org:MTConnectError:1.3"><Errors><Error errorCode="OUT_OF_RANGE">'from' must be greater than 0</Error></Errors></MTConnectError>"#).contains("OUT_OF_RANGE: 'from' must be greater than 0"))
        let noSequence = #"<MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:1.3"><Header creationTime="2026-03-02T07:00:00Z" instanceId="1" nextSequence="2" firstSequence="1" lastSequence="1"/><Streams><DeviceStream name="d"><ComponentStream component="Controller" name="c"><Events><Execution dataItemId="e" timestamp="2026-03-02T07:00:00Z">ACTIVE</Execution></Events></ComponentStream></DeviceStream></Streams></MTConnectStreams>"#
        let p = problem(noSequence)
        #expect(p.contains("line 1") && p.contains("Execution/@sequence") && p.contains("'missing' is not a non-negative whole number"), "\(p)")
    }
}
