import Foundation
import SparTestSupport
import Testing

/// Part PN-1 at site a: operation 10 bores (a first-article hold point), operation 20 deburrs.
let boreRoutingYAML = """
    partNumber: PN-1
    revision: A
    operations:
      - sequence: 10
        title: Bore
        workCenter: e/a/x/w/u1
        steps:
          - sequence: 10
            instruction: Bore to size
            dataItems:
              - { id: bore, name: bore diameter, type: number, unit: mm, lowerLimit: 12.00, upperLimit: 12.50, decimals: 2 }
            holdPoint: firstArticle
      - sequence: 20
        title: Deburr
        workCenter: e/a/x/w
        steps:
          - { sequence: 10, instruction: Deburr }
    """

let reworkYAML = """
    - sequence: 15
      title: Re-bore
      workCenter: e/a/x/w/u1
      steps:
        - sequence: 10
          instruction: Re-bore
          dataItems:
            - { id: bore, name: bore diameter, type: number, unit: mm, lowerLimit: 12.00, upperLimit: 12.50, decimals: 2 }
    """

@Suite("spar routing, traveler, wip, trace and ncr through the spar binary")
struct ExecutionCommandTests {
    /// Runs `spar` as `user`; fails the test when the exit status is not `status`.
    func spar(_ f: GovernedLedgerFixture, _ user: String, _ args: [String], status: Int32 = 0) throws -> SparProcess.Output {
        let r = try f.run(user, args)
        #expect(r.status == status, "spar \(args.joined(separator: " ")): \(r.stderr)")
        return r
    }

    @Test("a routing through change control, a traveler with a hold point, an out-of-limit value, rework, traces")
    func travelerEndToEnd() throws {
        let f = try GovernedLedgerFixture(users: [
            ("erin", "engineer", "a"), ("eli", "engineer", "a"), ("quinn", "quality", "a"), ("olga", "operator", "a"),
        ])
        let routing = f.dir.appendingPathComponent("pn-1.yaml").path
        let rework = f.dir.appendingPathComponent("rework.yaml").path
        try boreRoutingYAML.write(toFile: routing, atomically: true, encoding: .utf8)
        try reworkYAML.write(toFile: rework, atomically: true, encoding: .utf8)

        // Before the routing is approved, no traveler can be released.
        let propose = try spar(f, "erin", ["routing", "propose", routing, "--reason", "first release"])
        #expect(propose.stdout.hasPrefix("CR-0001 proposed: routing none → PN-1 rev A\n"))
        let early = try spar(
            f, "olga", ["traveler", "release", "T-1", "--work-order", "WO-1", "--part", "PN-1", "--serial", "SN-1"],
            status: 2)
        #expect(early.stderr.hasPrefix("error: event 1 refused (routingNotInForce): no routing revision of part PN-1"))
        _ = try spar(f, "eli", ["change", "approve", "CR-0001"])
        _ = try spar(f, "quinn", ["change", "approve", "CR-0001"])
        #expect(try spar(f, "olga", ["routing", "list"]).stdout.hasPrefix("PN-1 rev A\treleased\t"))

        // Genealogy: heat HEAT-7 (5) is split; 3 go to HEAT-7A, 1 of which is consumed into SN-1.
        _ = try spar(f, "olga", ["traveler", "split-lot", "HEAT-7", "--source-quantity", "5", "--into", "HEAT-7A=3"])
        let release = try spar(
            f, "olga", ["traveler", "release", "T-1", "--work-order", "WO-1", "--part", "PN-1", "--serial", "SN-1"])
        #expect(release.stdout == "T-1 released: work order WO-1, serial SN-1, routing PN-1 rev A (execution:3)\n")
        _ = try spar(f, "olga", ["traveler", "consume", "T-1", "--lot", "HEAT-7A", "--material", "Ti", "--quantity", "1"])
        // Operation 20 cannot start before 10.10.
        let jump = try spar(f, "olga", ["traveler", "start", "T-1", "20.10"], status: 2)
        #expect(jump.stderr == "error: event 5 refused (sequence): step 20.10 before 10.10: the routing does not allow out-of-sequence\n")
        _ = try spar(f, "olga", ["traveler", "start", "T-1", "10.10"])
        let value = try spar(f, "olga", ["traveler", "record", "T-1", "10.10", "bore", "12.62"])
        #expect(
            value.stdout == """
                T-1 step 10.10 bore = 12.62 mm: outside 12.00–12.50 mm (execution:6)
                NCR-6 opened: value 12.62 mm of 'bore diameter' is outside 12.00–12.50 mm: NCR opened

                """)
        let held = try spar(f, "olga", ["traveler", "complete", "T-1", "10.10"], status: 2)
        #expect(held.stderr == "error: event 7 refused (onHold): traveler T-1 is on hold by NCR-6 (bore diameter) until its disposition\n")
        let wip = try spar(f, "olga", ["wip"])
        #expect(wip.stdout.hasPrefix("T-1\tserial SN-1\tstep 10.10\te/a/x/w/u1\ton hold by NCR-6\tsince "))

        // The MRB: one signature is refused, quality and engineering together add operation 15.
        let alone = try spar(
            f, "quinn", ["ncr", "disposition", "NCR-6", "--disposition", "rework", "--rationale", "re-bore",
                "--signer", "quinn", "--operations", rework], status: 2)
        #expect(alone.stderr.contains("(disposition): disposition rework needs quality and engineering signatures"))
        let mrb = try spar(
            f, "quinn", ["ncr", "disposition", "NCR-6", "--disposition", "rework", "--rationale", "re-bore",
                "--signer", "quinn", "--signer", "eli", "--operations", rework])
        #expect(mrb.stdout.hasPrefix("NCR-6 dispositioned rework (execution:7)\n  added operations 15\n"))
        #expect(mrb.stdout.contains("Signed by Quinn (quinn, quality) — approved — "))
        #expect(mrb.stdout.contains("Signed by Eli (eli, engineer) — approved — "))
        let complete = try spar(f, "olga", ["traveler", "complete", "T-1", "10.10"])
        #expect(complete.stdout.hasPrefix("T-1 step 10.10 completed (execution:8)\n  Signed by Olga (olga, operator) — performed — "))
        // The hold point: the operator may not sign it; quality does.
        let own = try spar(f, "olga", ["traveler", "sign", "T-1", "10.10"], status: 2)
        #expect(own.stderr == "error: event 9 refused (signature): signature meaning 'inspected' needs role quality, not operator\n")
        let blocked = try spar(f, "olga", ["traveler", "start", "T-1", "15.10"], status: 2)
        #expect(blocked.stderr.contains("(holdPoint): operation 15 is blocked by the first-article hold point of operation 10"))
        _ = try spar(f, "quinn", ["traveler", "sign", "T-1", "10.10"])
        _ = try spar(f, "olga", ["traveler", "start", "T-1", "15.10"])
        _ = try spar(f, "olga", ["traveler", "record", "T-1", "15.10", "bore", "12.41"])
        _ = try spar(f, "olga", ["traveler", "complete", "T-1", "15.10"])
        let close = try spar(f, "quinn", ["ncr", "close", "NCR-6"])
        #expect(close.stdout.hasPrefix("NCR-6 closed (execution:13)\n"))
        _ = try spar(f, "olga", ["traveler", "start", "T-1", "20.10"])
        let last = try spar(f, "olga", ["traveler", "complete", "T-1", "20.10"])
        #expect(last.stdout.hasPrefix("T-1 step 20.10 completed (execution:15); traveler T-1 is complete\n"))
        #expect(try spar(f, "olga", ["wip"]).stdout == "")

        // SN-1 goes into assembly P-1. Hand-drawn: HEAT-7 →split(3)→ HEAT-7A →consumed(1)→ SN-1 →assembled→ P-1.
        _ = try spar(f, "olga", ["traveler", "assemble", "P-1", "SN-1", "--position", "find 3"])
        let forward = try spar(f, "olga", ["trace", "forward", "--lot", "HEAT-7"])
        #expect(
            forward.stdout == """
                lot HEAT-7 went into 3 serials and lots
                  lot HEAT-7 split into lot HEAT-7A (3)
                  lot HEAT-7A consumed into serial SN-1 (1)
                  serial SN-1 assembled into serial P-1
                serials: P-1, SN-1

                """)
        let backward = try spar(f, "olga", ["trace", "backward", "--serial", "P-1"])
        #expect(
            backward.stdout == """
                behind serial P-1: 3 serials and lots
                  serial SN-1 assembled into serial P-1
                  lot HEAT-7A consumed into serial SN-1 (1)
                  lot HEAT-7 split into lot HEAT-7A (3)
                lots: HEAT-7, HEAT-7A
                serials: SN-1
                travelers: T-1
                  T-1 10.10 at e/a/x/w/u1: started by olga, performed by olga, inspected by quinn
                  T-1 15.10 at e/a/x/w/u1: started by olga, performed by olga
                  T-1 20.10 at e/a/x/w: started by olga, performed by olga
                  T-1 10.10 bore diameter = 12.62 (out of limits)
                  T-1 15.10 bore diameter = 12.41
                people: eli, olga, quinn
                NCRs: NCR-6

                """)
        // The as-built record of SN-1 and the audit trail; every signature still matches the entry it signs.
        let asBuilt = try spar(f, "olga", ["traveler", "as-built", "SN-1"]).stdout
        #expect(asBuilt.contains(#""quantities":{"firstPassYield":0,"good":1,"goodFirstPass":0,"inspected":1,"#))
        #expect(try spar(f, "admin", ["verify"]).status == 0)
        let audit = try spar(f, "admin", ["audit", "--site", "a"]).stdout
        #expect(audit.contains("dispositioned NCR-6 rework: re-bore"))
        // The signed as-built document: an operator may not sign it for quality; quality does, and it verifies
        // against the ledger; a changed copy does not.
        let doc = f.dir.appendingPathComponent("sn-1.as-built.json").path
        let refused = try spar(f, "olga", ["traveler", "as-built", "SN-1", "--sign"], status: 2)
        #expect(refused.stderr.contains("asBuilt"), "\(refused.stderr)")
        let signed = try spar(f, "quinn", ["traveler", "as-built", "SN-1", "--sign", "--out", doc]).stdout
        #expect(signed.contains("wrote \(doc)"))
        let verified = try spar(f, "olga", ["traveler", "verify-as-built", doc]).stdout
        #expect(verified.contains("the as-built record of SN-1 is the one signed in execution:"))
        let text = try String(contentsOfFile: doc, encoding: .utf8)
        try text.replacingOccurrences(of: "12.41", with: "12.40").write(toFile: doc, atomically: true, encoding: .utf8)
        let tampered = try spar(f, "olga", ["traveler", "verify-as-built", doc], status: 2)
        #expect(tampered.stderr.contains("sha256: the record's SHA-256 is"), "\(tampered.stderr)")
    }
}
