import Foundation
import SparConnectors
import SparTestSupport
import Testing

@Suite("spar connect check")
struct ConnectCommandTests {
    @Test("the example connectors file: every device's mapping, defaults and overrides, printed without connecting")
    func example() throws {
        let r = try SparProcess.run([
            "connect", "check", MapCommandTests.example("connectors.yaml"), "--plant", MapCommandTests.example("plant.yaml"),
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "wichita-5axis: MTConnect agent http://10.20.0.5:5000, site wichita, source mes-opcenter, every 1 s")
        #expect(lines.contains("  device VMC-1 → aerostar/wichita/machining/5axis-line/cnc-01"))
        // Overridden: FEED_HOLD with its reason, INTERRUPTED by reason alone, the fault code's reason.
        #expect(lines.contains("    Execution FEED_HOLD → delay, reason minor-stop"))
        #expect(lines.contains("    Execution INTERRUPTED → reason no-material"))
        #expect(lines.contains("    Fault condition → down (MOT-OVR → reason spindle-fail)"))
        #expect(lines.contains("    PartCount: items pc (the first value is a baseline; BAD or REJECT subType counts as scrap); counts carry the order in PartId"))
        // Defaults where nothing is overridden (VMC-2 keeps INTERRUPTED as delay, changes MANUAL only).
        let vmc2 = lines.drop { !$0.hasPrefix("  device VMC-2") }
        #expect(vmc2.contains("    Execution INTERRUPTED → delay"))
        #expect(vmc2.contains("    ControllerMode MANUAL (when not ACTIVE) → reason changeover"))
        #expect(vmc2.contains("    ControllerMode EDIT (when not ACTIVE) → setup"))
        #expect(vmc2.contains("    Availability UNAVAILABLE, or no Execution available → unknown"))
    }

    @Test("the example's MQTT connector: broker, client id, subscriptions, topics to units, the UMH state table with its overrides")
    func exampleMQTT() throws {
        let r = try SparProcess.run([
            "connect", "check", MapCommandTests.example("connectors.yaml"), "--plant", MapCommandTests.example("plant.yaml"),
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init).drop { !$0.hasPrefix("wichita-umh:") }
        for expected in [
            "wichita-umh: MQTT broker 10.20.0.7:1883, client id spar-wichita-umh (persistent session, QoS 1), site wichita, source mes-opcenter",
            "  subscribe umh/v1/aerostar/wichita/#, ia/aerostar/wichita/#",
            "  topic umh/v1/aerostar/wichita/machining/5axis-line/cnc-03/… → aerostar/wichita/machining/5axis-line/cnc-03",
            "    _historian tags: state state, count count, scrap scrap",
            "    _historian tags: state state, count counter.good, scrap counter.bad",
            "  topic ia/aerostar/wichita/lathe-01/… → aerostar/wichita/machining/turning-cell/lathe-01",
            // Documented defaults, and the two overrides of the file.
            "    10000-19999 ProducingAtFullSpeedState → production",
            "    20000-29999 ProducingAtLowerThanFullSpeedState → production",
            "    30000-39999 UnknownState → unknown",
            "    40000-49999 UnspecifiedStopState → delay",
            "    100000-109999 ChangeoverState → setup",
            "    160000-169999 NoShiftState → plannedDown",
            "    180000-189999 EquipmentFailureState → reason spindle-fail",
            "    210000-219999 PreventiveMaintenanceStop → plannedDown",
            "    220000-229999 TechnicalOtherStop → down",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)\n\(lines.joined(separator: "\n"))")
        }
    }

    @Test("every problem of an MQTT connector is located: broker, client id, filters, topics, units, state codes")
    func mqttProblems() throws {
        let dir = try SparProcess.temporaryDirectory()
        let file = dir.appendingPathComponent("connectors.yaml")
        try """
        connectors:
          - id: m
            kind: mqtt
            site: wichita
            source: mes-opcenter
            broker: { host: 10.0.0.1, port: 70000 }
            clientId: "a/b"
            agent: http://x
            subscribe: ["umh/#/x"]
            topics:
              - { topic: umh/v1/aerostar/wichita/_historian, unit: aerostar/wichita/machining/5axis-line/cnc-01 }
              - { topic: ia/aerostar/wichita, unit: aerostar/nagoya/machining/5axis-line/cnc-01 }
              - { topic: mqtt/foo, unit: nope }
            states: { "abc": { state: production }, "180000": { reason: bogus }, "50000-40000": { state: delay } }
          - id: m2
            kind: mqtt
            site: wichita
            source: mes-opcenter
            clientId: same
            topics: []
          - id: m3
            kind: mqtt
            site: wichita
            source: mes-opcenter
            broker: { host: h }
            clientId: same
            subscribe: [umh/v1/#]
            topics:
              - { topic: ia/a/b/c, unit: aerostar/wichita/machining/5axis-line/cnc-02 }
              - { topic: ia/a/b/c, unit: aerostar/wichita/machining/5axis-line/cnc-02 }
        """.write(to: file, atomically: true, encoding: .utf8)
        let r = try SparProcess.run(["connect", "check", file.path, "--plant", MapCommandTests.example("plant.yaml")])
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        for expected in [
            "connectors[m].broker.port: expected a port from 1 to 65535",
            "connectors[m].clientId: 'a/b' may not contain +, # or /",
            "connectors[0].agent: unknown field (known: id, kind, site, source, broker, clientId, subscribe, topics, states, sparkplug)",
            "connectors[m].subscribe[0]: 'umh/#/x': # must be the whole last level",
            "connectors[m].topics[umh/v1/aerostar/wichita/_historian].topic: 'umh/v1/aerostar/wichita/_historian' must end before the schema",
            "connectors[m].topics[ia/aerostar/wichita].topic: 'ia/aerostar/wichita' must be ia/<customerID>/<location>/<AssetID>",
            "connectors[m].topics[ia/aerostar/wichita].unit: 'aerostar/nagoya/machining/5axis-line/cnc-01' is not at site wichita",
            "connectors[m].topics[mqtt/foo].topic: 'mqtt/foo' is not a UMH topic",
            "connectors[m].topics[mqtt/foo].unit: unknown work unit 'nope'",
            "connectors[m].states.abc: expected a UMH state code (180000) or a range of codes (180000-189999)",
            "connectors[m].states.180000.reason: unknown reason code 'bogus'",
            "connectors[m].states.50000-40000: expected a UMH state code",
            "connectors[m2].broker: missing",
            "connectors[m2].topics: expected a non-empty list of topics",
            "connectors[m3].clientId: client id 'same' is already used by connector m2",
            "connectors[m3].topics[ia/a/b/c].topic: topic 'ia/a/b/c' is already mapped by connector m3",
            "connectors[m3].subscribe: no filter receives the messages of topic 'ia/a/b/c'",
        ] {
            #expect(r.stderr.contains(expected), "missing: \(expected)\n\(r.stderr)")
        }
    }

    @Test("every problem of a connectors file is listed with its place, and nothing is printed as a mapping")
    func problems() throws {
        let dir = try SparProcess.temporaryDirectory()
        let file = dir.appendingPathComponent("connectors.yaml")
        try """
        connectors:
          - id: x
            kind: opcua
            site: witchita
            source: nope
            agent: ftp://a
            devices:
              - device: D
                unit: aerostar/toulouse/composites/nope
                execution: { ACTIVE: { state: running } }
                faultReasons: { E1: bogus }
              - device: D
                unit: aerostar/nagoya/machining/5axis-line/cnc-01
                color: red
          - id: x
            kind: mtconnect
            site: wichita
            source: mes-opcenter
            agent: http://agent:5000
            devices: []
        """.write(to: file, atomically: true, encoding: .utf8)
        let r = try SparProcess.run(["connect", "check", file.path, "--plant", MapCommandTests.example("plant.yaml")])
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        for expected in [
            "connectors[x].kind: 'opcua' is not a connector kind Spar has (mtconnect, mqtt)",
            "connectors[x].site: unknown site 'witchita'",
            "connectors[x].source: unknown system 'nope'",
            "connectors[x].agent: 'ftp://a' is not an http or https URL",
            "connectors[x].devices[D].unit: unknown work unit 'aerostar/toulouse/composites/nope'",
            "connectors[x].devices[D].execution.ACTIVE.state: 'running' is not one of production, setup, delay, down, plannedDown, idle, unknown",
            "connectors[x].devices[D].faultReasons.E1: 'bogus' is not a reason code of the plant model",
            "connectors[x].devices[1].color: unknown field",
            "connectors[x].devices[D].unit: 'aerostar/nagoya/machining/5axis-line/cnc-01' is not at site witchita",
            "connectors[x].devices[D].device: device 'D' is already mapped by connector x",
            "connectors[x].id: duplicate connector id",
            "connectors[x].devices: expected a non-empty list of devices",
        ] {
            #expect(r.stderr.contains(expected), "missing: \(expected)\n\(r.stderr)")
        }
    }

    @Test("spar connect mqtt against a real broker: the retained messages read into the ledger, a refused one counted and shown")
    func mqttRun() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let publisher = try MosquittoClient(
            options: MosquittoClient.Options(
                host: "127.0.0.1", port: broker.port, clientID: "cli-pub-\(UUID().uuidString.prefix(8))", cleanSession: true))
        try await publisher.start()
        defer { publisher.stop() }
        #expect(try await eventually(seconds: 10) { publisher.isConnected })
        let t = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        let asset = "ia/aerostar/wichita/cnc-01"
        var mids: [Int32] = []
        for (message, payload) in [
            ("state", #"{"timestamp_ms":\#(t),"state":10000}"#),
            ("count", #"{"timestamp_ms":\#(t + 1),"count":5,"scrap":1}"#),
            ("scrapCount", #"{"timestamp_ms":\#(t + 2),"scrap":1}"#),
        ] {
            // Retained, so the connector gets them when it subscribes.
            mids.append(try publisher.publish(topic: "\(asset)/\(message)", payload: Array(payload.utf8), qos: 1, retain: true))
        }
        #expect(try await eventually(seconds: 10) { mids.allSatisfy(publisher.isAcknowledged) })
        let dir = try SparProcess.temporaryDirectory()
        let config = dir.appendingPathComponent("connectors.yaml")
        try """
        connectors:
          - id: cli-umh
            kind: mqtt
            site: wichita
            source: mes-opcenter
            broker: { host: 127.0.0.1, port: \(broker.port) }
            clientId: spar-cli-\(UUID().uuidString.prefix(8))
            topics:
              - { topic: \(asset), unit: aerostar/wichita/machining/5axis-line/cnc-01 }
        """.write(to: config, atomically: true, encoding: .utf8)
        let r = try SparProcess.run([
            "connect", "mqtt", "--config", config.path, "--db", dir.appendingPathComponent("ledger.sqlite").path,
            "--plant", MapCommandTests.example("plant.yaml"), "--duration", "3",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("cli-umh: subscribing to \(asset)/# on mqtt://127.0.0.1:\(broker.port)") == true, "\(r.stdout)")
        // The state and the count (good 5 − 1 = 4, scrap 1) are accepted; scrapCount is refused with its reason.
        #expect(lines.contains { $0.hasPrefix("cli-umh: 3 messages, 2 events accepted, 0 duplicates, 1 rejected in ") }, "\(r.stdout)")
        #expect(lines.contains { $0.contains("rejected: topic '\(asset)/scrapCount': scrapCount turns items already counted as good into scrap") })
    }

    @Test("Sparkplug B devices of an MQTT connector: the example's mapping, and every problem located")
    func sparkplug() throws {
        let r = try SparProcess.run([
            "connect", "check", MapCommandTests.example("connectors.yaml"), "--plant", MapCommandTests.example("plant.yaml"),
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  subscribe spBv1.0/heat-treat/#"))
        #expect(lines.contains("  Sparkplug B heat-treat/furnace-gw/furnace-01 → aerostar/wichita/special-processes/heat-treat/furnace-01"))
        #expect(lines.contains(
            "    state metric Status/Mode: 1 → production, 2 → idle, 3 → setup, 4 → reason minor-stop, 9 → down; any other value, null, offline → unknown"))
        #expect(lines.contains("    scrap counters Counts/Rejected (the first value is a baseline)"))
        let dir = try SparProcess.temporaryDirectory()
        let file = dir.appendingPathComponent("connectors.yaml")
        try """
        connectors:
          - id: spb
            kind: mqtt
            site: wichita
            source: mes-opcenter
            broker: { host: 127.0.0.1 }
            clientId: spar-spb
            subscribe: [umh/#]
            sparkplug:
              - { group: g, edgeNode: n, unit: aerostar/toulouse/composites/layup/ply-cutter-01, stateMetric: S }
              - { group: g, edgeNode: n, unit: aerostar/wichita/machining/5axis-line/cnc-01, stateMetric: S }
              - { group: g, edgeNode: m, unit: aerostar/wichita/machining/5axis-line/cnc-02 }
              - { group: "g/x", edgeNode: n, device: d, unit: aerostar/wichita/machining/5axis-line/cnc-03, partCountMetrics: [P], stateValues: { "1": running } }
        """.write(to: file, atomically: true, encoding: .utf8)
        let bad = try SparProcess.run(["connect", "check", file.path, "--plant", MapCommandTests.example("plant.yaml")])
        #expect(bad.status != 0)
        for expected in [
            "connectors[spb].sparkplug[g/n].unit: 'aerostar/toulouse/composites/layup/ply-cutter-01' is not at site wichita",
            "connectors[spb].sparkplug[g/n]: g/n is mapped twice",
            "connectors[spb].sparkplug[g/m]: maps nothing: give stateMetric, partCountMetrics or scrapCountMetrics",
            "connectors[spb].sparkplug[3].group: 'g/x' may not contain +, # or /",
            "connectors[spb].sparkplug[g/x/n/d].stateValues.1.state: 'running' is not one of",
            "connectors[spb].subscribe: no filter receives the Sparkplug messages of g/n",
        ] {
            #expect(bad.stderr.contains(expected), "missing: \(expected)\n\(bad.stderr)")
        }
    }
}
