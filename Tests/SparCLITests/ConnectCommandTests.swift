import Foundation
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

    @Test("every problem of a connectors file is listed with its place, and nothing is printed as a mapping")
    func problems() throws {
        let dir = try SparProcess.temporaryDirectory()
        let file = dir.appendingPathComponent("connectors.yaml")
        try """
        connectors:
          - id: x
            kind: mqtt
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
            "connectors[x].kind: 'mqtt' is not a connector kind Spar has",
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
}
