import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparGovernance
import SparInterchange
import Testing

@testable import SparServer

/// Part PN-1 at site s: operation 10 bores at e/s/a/w/u1 (a first-article hold point), operation 20 deburrs at e/s/a/w.
let apiRouting = Routing(
    partNumber: "PN-1", revision: "A",
    operations: [
        RoutingOperation(
            sequence: 10, title: "Bore", workCenter: EquipmentPath("e/s/a/w/u1"),
            steps: [
                RoutingStep(
                    sequence: 10, instruction: "Bore to size",
                    dataItems: [
                        DataCollectionItem(
                            id: "bore", name: "bore diameter", type: .number, unit: "mm", lowerLimit: 12.00,
                            upperLimit: 12.50, decimals: 2)
                    ], holdPoint: .firstArticle)
            ]),
        RoutingOperation(
            sequence: 20, title: "Deburr", workCenter: EquipmentPath("e/s/a/w"),
            steps: [RoutingStep(sequence: 10, instruction: "Deburr")]),
    ])

@Suite("The execution record over HTTP: travelers, hold points, NCRs, WIP and traces")
struct ExecutionAPITests {
    /// Releases PN-1 rev A through change control: proposed by the admin, approved by eng-s and qa-s.
    static func releaseRouting(_ fixture: GovernedFixture) async throws {
        let g = try fixture.governance()
        let cr = try await g.propose(
            .routing(apiRouting), reason: "first release", effectiveAt: ServerFixture.clock,
            by: GovernedFixture.adminPrincipal)
        for user in ["eng-s", "qa-s"] {
            _ = try await g.approve(
                cr.id, credentials: Credentials(user: user, password: GovernedFixture.password(user)), session: nil,
                station: "test")
        }
    }

    @Test("a traveler from release to completion: the server refuses out-of-hold work, wrong signers, and names the rule")
    func travelerOverHTTP() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await Self.releaseRouting(fixture)
        try await fixture.run { client in
            let op = try await client.signIn("op-s")
            let qa = try await client.signIn("qa-s")
            let opPW = GovernedFixture.password("op-s")
            let qaPW = GovernedFixture.password("qa-s")
            let engPW = GovernedFixture.password("eng-s")
            func post(_ uri: String, _ session: String, _ body: String) async throws -> TestResponse {
                try await client.send(uri, method: .post, session: session, body: body)
            }
            let steps = "/api/travelers/T-1/steps"
            let release = try await post(
                "/api/travelers", op, #"{"traveler":"T-1","workOrder":"WO-1","partNumber":"PN-1","serial":"SN-1"}"#)
            #expect(release.status == .created)
            // Event 1 is the routing release, 2 the traveler.
            #expect(try release.json()["entry"]?.string == "execution:2")
            #expect(try await post("\(steps)/10.10/start", op, "{}").status == .created)
            let value = try await post("\(steps)/10.10/data", op, #"{"item":"bore","value":12.7}"#)
            #expect(value.status == .created)
            #expect(try value.json()["consequences"]?.array?.first?["ncrOpened"]?.string == "NCR-4")

            let held = try await post("\(steps)/10.10/complete", op, #"{"user":"op-s","password":"\#(opPW)"}"#)
            #expect(held.status == .conflict)
            #expect(try held.json()["code"]?.string == "execution-refused")
            #expect(try held.json()["rule"]?.string == "onHold")
            #expect(try held.json()["detail"]?.string == "traveler T-1 is on hold by NCR-4 (bore diameter) until its disposition")

            let wip = try await client.send("/api/wip", session: qa)
            #expect(try wip.json()["wip"]?.array?.first?["status"]?["state"]?.string == "onHold")

            let rework = #"{"sequence":15,"title":"Re-bore","workCenter":"e/s/a/w/u1","steps":[{"sequence":10,"instruction":"Re-bore","dataItems":[{"id":"bore","name":"bore diameter","type":"number","unit":"mm","lowerLimit":12,"upperLimit":12.5}]}]}"#
            let mrb = try await post(
                "/api/ncrs/NCR-4/disposition", qa,
                #"{"disposition":"rework","rationale":"re-bore","addedOperations":[\#(rework)],"signatures":[{"user":"qa-s","password":"\#(qaPW)"},{"user":"eng-s","password":"\#(engPW)"}]}"#
            )
            #expect(mrb.status == .created)
            #expect(try mrb.json()["signatures"]?.array?.count == 2)

            let done = try await post("\(steps)/10.10/complete", op, #"{"user":"op-s","password":"\#(opPW)"}"#)
            #expect(done.status == .created)
            #expect(try done.json()["nextSigningNeeds"]?.string == "password")
            let own = try await post("\(steps)/10.10/hold-point", op, #"{"password":"\#(opPW)"}"#)
            #expect(own.status == .conflict)
            #expect(try own.json()["rule"]?.string == "signature")
            let blocked = try await post("\(steps)/15.10/start", op, "{}")
            #expect(try blocked.json()["rule"]?.string == "holdPoint")
            #expect(try await post("\(steps)/10.10/hold-point", qa, #"{"user":"qa-s","password":"\#(qaPW)"}"#).status == .created)
            #expect(try await post("\(steps)/15.10/start", op, "{}").status == .created)
            #expect(try await post("\(steps)/15.10/data", op, #"{"item":"bore","value":"12.41"}"#).status == .created)
            #expect(try await post("\(steps)/15.10/complete", op, #"{"password":"\#(opPW)"}"#).status == .created)
            #expect(try await post("/api/ncrs/NCR-4/close", qa, #"{"password":"\#(qaPW)"}"#).status == .created)
            #expect(try await post("\(steps)/20.10/start", op, "{}").status == .created)
            #expect(try await post("\(steps)/20.10/complete", op, #"{"password":"\#(opPW)"}"#).status == .created)

            let t = try await client.send("/api/travelers/T-1", session: qa).json()
            #expect(t["status"]?.string == "complete")
            #expect(t["steps"]?.array?.map { $0["step"]?.string ?? "" } == ["10.10", "15.10", "20.10"])
            // One serial, reworked once: inspected 1, good 1, first-pass good 0.
            #expect(t["quantities"]?["rework"]?.number == 1)
            #expect(t["quantities"]?["goodFirstPass"]?.number == 0)
            #expect(try await client.send("/api/wip", session: qa).json()["wip"]?.array?.isEmpty == true)
            let ncrs = try await client.send("/api/ncrs", session: qa).json()["ncrs"]?.array
            #expect(ncrs?.map { $0["status"]?.string ?? "" } == ["closed"])
            let back = try await client.send("/api/trace/backward?serial=SN-1", session: qa).json()
            #expect(back["people"]?.array?.compactMap(\.string) == ["eng-s", "op-s", "qa-s"])
            #expect(back["ncrs"]?.array?.compactMap(\.string) == ["NCR-4"])
            let missing = try await client.send("/api/trace/forward", session: qa)
            #expect(missing.status == .badRequest)
            // An auditor reads but may not write.
            let aud = try await client.signIn("aud-s")
            let denied = try await post(
                "/api/travelers", aud, #"{"traveler":"T-2","workOrder":"WO-2","partNumber":"PN-1","serial":"SN-2"}"#)
            #expect(denied.status == .forbidden)
            #expect(try await client.send("/api/serials/SN-1/as-built", session: aud).status == .ok)
            // Quality signs the as-built record: the signed document carries the record's digest and the signature.
            let signedDoc = try await post("/api/serials/SN-1/as-built/signatures", qa, #"{"password":"\#(qaPW)"}"#)
            #expect(signedDoc.status == .created)
            let doc = try JSONValue.parse(Data(buffer: signedDoc.body))
            if case .object(let o) = doc, let record = o["asBuilt"] {
                #expect(o["format"]?.stringValue == "spar-as-built-1")
                #expect(o["sha256"]?.stringValue == Governance.sha256(record))
                #expect(try await fixture.governance().verifyAsBuilt(doc).isEmpty)
            } else {
                Issue.record("not a signed document: \(String(buffer: signedDoc.body))")
            }
            let byAuditor = try await post("/api/serials/SN-1/as-built/signatures", aud, #"{"password":"x"}"#)
            #expect(byAuditor.status == .forbidden || byAuditor.status == .conflict)
        }
    }
}
