import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparGovernance
import Testing

@testable import SparServer

/// Part PN-1 rev A at site s: operation 10 bores at e/s/a/w/u1 following WI-100 rev C (a first-article hold point),
/// operation 20 deburrs at e/s/a/w.
let pageRouting = Routing(
    partNumber: "PN-1", revision: "A",
    operations: [
        RoutingOperation(
            sequence: 10, title: "Bore", workCenter: EquipmentPath("e/s/a/w/u1"),
            steps: [
                RoutingStep(
                    sequence: 10, instruction: "Bore the main hole to size",
                    document: DocumentReference(id: "WI-100", revision: "C"),
                    dataItems: [
                        DataCollectionItem(
                            id: "bore", name: "bore diameter", type: .number, unit: "mm", lowerLimit: 12.00,
                            upperLimit: 12.50, decimals: 2)
                    ], holdPoint: .firstArticle)
            ]),
        RoutingOperation(
            sequence: 20, title: "Deburr", workCenter: EquipmentPath("e/s/a/w"),
            steps: [RoutingStep(sequence: 10, instruction: "Deburr all edges")]),
    ])

/// Part PN-T rev A, worked at site t only.
let otherSiteRouting = Routing(
    partNumber: "PN-T", revision: "A",
    operations: [
        RoutingOperation(
            sequence: 10, title: "Mill", workCenter: EquipmentPath("e/t/a/w/u1"),
            steps: [RoutingStep(sequence: 10, instruction: "Mill the flange")])
    ])

@Suite("The operator pages of the execution record")
struct ExecutionPagesTests {
    /// Releases `routing` through change control: proposed by the admin, approved by the engineer and quality given.
    static func release(_ routing: Routing, _ fixture: GovernedFixture, approvers: [String] = ["eng-s", "qa-s"])
        async throws
    {
        let g = try fixture.governance()
        let cr = try await g.propose(
            .routing(routing), reason: "first release", effectiveAt: ServerFixture.clock,
            by: GovernedFixture.adminPrincipal)
        for user in approvers {
            _ = try await g.approve(
                cr.id, credentials: Credentials(user: user, password: GovernedFixture.password(user)), session: nil,
                station: "test")
        }
    }

    /// `application/x-www-form-urlencoded` of `fields`, in order.
    static func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { k, v in
            "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v)"
        }.joined(separator: "&")
    }

    @Test("a traveler through its pages: the step's instructions and limits, start, record, refusals naming the rule, NCR, hold point, trace")
    func travelerPages() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await Self.release(pageRouting, fixture)
        try await fixture.run { client in
            let op = try await client.signIn("op-s")
            let qa = try await client.signIn("qa-s")
            let opPW = GovernedFixture.password("op-s")
            let qaPW = GovernedFixture.password("qa-s")
            func page(_ uri: String, _ session: String) async throws -> (HTTPResponse.Status, String) {
                let r = try await client.send(uri, session: session, headers: [.accept: "text/html"])
                return (r.status, String(buffer: r.body))
            }
            func post(_ uri: String, _ session: String, _ fields: [(String, String)]) async throws -> TestResponse {
                try await client.send(
                    uri, method: .post, session: session,
                    headers: [.contentType: "application/x-www-form-urlencoded", .accept: "text/html"],
                    body: Self.form(fields))
            }
            // Event 1 is the routing release, 2 the traveler, 3 the heat consumed into SN-1.
            let release = try await client.send(
                "/api/travelers", method: .post, session: op,
                body: #"{"traveler":"T-1","workOrder":"WO-1","partNumber":"PN-1","serial":"SN-1"}"#)
            #expect(release.status == .created)
            let consumed = try await client.send(
                "/api/travelers/T-1/consumptions", method: .post, session: op,
                body: #"{"lot":"HEAT-7","material":"Ti-6Al-4V","quantity":1}"#)
            #expect(consumed.status == .created)

            let (listStatus, list) = try await page("/travelers", op)
            #expect(listStatus == .ok)
            #expect(list.contains(#"<li class="traveler-card st-released" data-traveler="T-1">"#))
            #expect(list.contains(#"<a href="/serials/SN-1">serial SN-1</a>"#))
            #expect(list.contains("<dd>WO-1</dd>") && list.contains("<dd>10 Bore</dd>"))
            #expect(list.contains("<dd>10.10 Bore the main hole to size</dd>"))
            #expect(list.contains(#"<a href="/travelers">Travelers</a>"#), "the shared navigation")

            let (_, fresh) = try await page("/travelers/T-1", op)
            #expect(fresh.contains(#"<p class="instruction" id="step-instruction">Bore the main hole to size</p>"#))
            #expect(fresh.contains("Work instruction <b>WI-100</b> rev <b>C</b>"))
            #expect(fresh.contains(#"limits <span class="limits" data-limits="bore">12.00 – 12.50</span> <span class="unit">mm</span>"#))
            #expect(fresh.contains(#"<dd id="traveler-routing">PN-1 rev A</dd>"#))
            #expect(fresh.contains(#"action="/travelers/T-1/steps/10.10/start""#))
            #expect(!fresh.contains("Record value"), "values only once the step is started")

            // Out of sequence: refused, the page names the rule; nothing recorded.
            let jump = try await post("/travelers/T-1/steps/20.10/start", op, [])
            #expect(jump.status == .conflict)
            let jumpPage = String(buffer: jump.body)
            #expect(jumpPage.contains(#"Refused — rule <b id="refusal-rule">sequence</b>"#))
            #expect(jumpPage.contains("step 20.10 before 10.10: the routing does not allow out-of-sequence"))

            let start = try await post("/travelers/T-1/steps/10.10/start", op, [])
            #expect(start.status == .seeOther)
            #expect(start.headers[.location] == "/travelers/T-1")
            let (_, started) = try await page("/travelers/T-1", op)
            #expect(started.contains(#"id="record-bore">Record value</button>"#))
            #expect(started.contains("Complete step 10.10"))
            #expect(started.contains(#"id="traveler-state">in progress</span>"#))

            // A value that is not a number is refused by the record (dataCollection) and the form shows it.
            let text = try await post("/travelers/T-1/steps/10.10/data", op, [("item", "bore"), ("value", "twelve")])
            #expect(text.status == .conflict)
            #expect(String(buffer: text.body).contains(#"rule <b id="refusal-rule">dataCollection</b>"#))
            // Out of limits: recorded as event 5, which opens NCR-5 and holds the traveler.
            let out = try await post("/travelers/T-1/steps/10.10/data", op, [("item", "bore"), ("value", "12.7")])
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/travelers/T-1?opened=NCR-5")
            let (_, opened) = try await page("/travelers/T-1?opened=NCR-5", op)
            #expect(opened.contains(#"id="ncr-opened">Out of limits: bore diameter 12.70 mm is outside 12.00–12.50 mm."#))
            #expect(opened.contains(#"recorded <b>12.70 mm</b> by op-s — out of limits, <a href="/ncrs/NCR-5">NCR-5</a>"#))
            let held = try await post("/travelers/T-1/steps/10.10/complete", op, [("user", "op-s"), ("password", opPW)])
            #expect(held.status == .conflict)
            let heldPage = String(buffer: held.body)
            #expect(heldPage.contains(#"rule <b id="refusal-rule">onHold</b>"#))
            #expect(heldPage.contains("traveler T-1 is on hold by NCR-5 (bore diameter) until its disposition"))

            let (_, wip) = try await page("/wip", qa)
            #expect(wip.contains(#"<tr data-traveler="T-1" class="st-hold">"#))
            #expect(wip.contains("<td>on hold by NCR-5</td>"))
            #expect(wip.contains(#"NCR disposition <a href="/ncrs/NCR-5">NCR-5</a>"#))
            let (_, queue) = try await page("/ncrs", qa)
            #expect(queue.contains(#"<tr data-ncr="NCR-5">"#))
            #expect(queue.contains("<td>bore diameter</td><td class=\"bad\">12.70 mm</td><td>12.00–12.50 mm</td><td>out-of-limits</td>"))
            #expect(queue.contains("<tr><td>out-of-limits</td><td class=\"num\">1</td>"), "aging: one open")

            // The MRB: quality alone is refused; quality and engineering sign use-as-is.
            let (_, ncrPage) = try await page("/ncrs/NCR-5", qa)
            #expect(ncrPage.contains(#"id="disposition-useAsIs""#))
            let alone = try await post(
                "/ncrs/NCR-5/disposition", qa,
                [("disposition", "useAsIs"), ("rationale", "fit checked"), ("user1", "qa-s"), ("password1", qaPW),
                    ("role1", "quality")])
            #expect(alone.status == .conflict)
            #expect(String(buffer: alone.body).contains(#"rule <b id="refusal-rule">disposition</b>"#))
            #expect(String(buffer: alone.body).contains("disposition useAsIs needs quality and engineering signatures"))
            let mrb = try await post(
                "/ncrs/NCR-5/disposition", qa,
                [("disposition", "useAsIs"), ("rationale", "fit checked"), ("user1", "qa-s"), ("password1", qaPW),
                    ("role1", "quality"), ("user2", "eng-s"), ("password2", GovernedFixture.password("eng-s")),
                    ("role2", "engineer")])
            #expect(mrb.status == .seeOther)
            #expect(mrb.headers[.location] == "/ncrs/NCR-5")
            let (_, decided) = try await page("/ncrs/NCR-5", qa)
            #expect(decided.contains("<h2>Disposition: use as is</h2>"))
            #expect(decided.contains(#"id="close-form""#))

            // Completing the step (the session's first signing: user id and password); the page shows the next step.
            let (_, toComplete) = try await page("/travelers/T-1", op)
            #expect(toComplete.contains(#"id="complete-user""#))
            let wrong = try await post("/travelers/T-1/steps/10.10/complete", op, [("user", "op-s"), ("password", "nope")])
            #expect(wrong.status == .forbidden)
            #expect(String(buffer: wrong.body).contains("wrong password: the record was not signed"))
            let done = try await post("/travelers/T-1/steps/10.10/complete", op, [("user", "op-s"), ("password", opPW)])
            #expect(done.status == .seeOther)
            let (_, next) = try await page("/travelers/T-1", op)
            #expect(next.contains(#"<section class="current-step" id="current-step" data-step="20.10">"#))
            #expect(next.contains(#"id="step-instruction">Deburr all edges</p>"#))
            #expect(next.contains(#"<section class="hold-point" data-hold-point="10.10">"#))
            #expect(next.contains(#"id="traveler-state">waiting for inspection</span>"#))
            let blocked = try await post("/travelers/T-1/steps/20.10/start", op, [])
            #expect(String(buffer: blocked.body).contains(#"rule <b id="refusal-rule">holdPoint</b>"#))
            // The operator may not inspect their own work; quality signs (its session's first signing).
            let own = try await post("/travelers/T-1/steps/10.10/hold-point", op, [("password", opPW)])
            #expect(own.status == .conflict)
            #expect(String(buffer: own.body).contains(#"rule <b id="refusal-rule">signature</b>"#))
            let signed = try await post(
                "/travelers/T-1/steps/10.10/hold-point", qa,
                [("user", "qa-s"), ("password", qaPW), ("meaning", "inspected")])
            #expect(signed.status == .seeOther)
            #expect(try await post("/travelers/T-1/steps/20.10/start", op, []).status == .seeOther)
            #expect(try await post("/travelers/T-1/steps/20.10/complete", op, [("password", opPW)]).status == .seeOther)
            let (_, complete) = try await page("/travelers/T-1", op)
            #expect(complete.contains(#"id="traveler-state">complete</span>"#))
            #expect(!complete.contains(#"id="current-step""#))
            #expect(!(try await page("/travelers", op).1).contains(#"data-traveler="T-1""#))
            #expect(try await post("/ncrs/NCR-5/close", qa, [("password", qaPW)]).status == .seeOther)
            let (_, closed) = try await page("/ncrs", qa)
            #expect(closed.contains(#"id="no-ncrs""#))
            #expect(closed.contains(#"<ul id="ncr-closed"><li><a href="/ncrs/NCR-5">NCR-5</a>"#))

            // The serial's genealogy: the heat consumed, the people, the measurement and its NCR; the lot's recall.
            let (traceStatus, trace) = try await page("/serials/SN-1", qa)
            #expect(traceStatus == .ok)
            #expect(trace.contains(#"<ul id="trace-lots"><li><a href="/lots/HEAT-7">HEAT-7</a></li></ul>"#))
            #expect(trace.contains(#"<span class="edge">consumed</span>"#))
            #expect(trace.contains(#"<p id="trace-people">eng-s, op-s, qa-s</p>"#))
            #expect(trace.contains("<td>bore diameter</td><td class=\"num bad\">12.70 mm</td>"))
            #expect(trace.contains(#"<a class="touch button secondary" href="/api/serials/SN-1/as-built" id="as-built">"#))
            // Quality signs the as-built record on the page; an operator's signature is refused, naming the rule.
            #expect(trace.contains(#"<form class="touch-form sign" method="post" action="/serials/SN-1/as-built" id="as-built-form">"#))
            let byOperator = try await post("/serials/SN-1/as-built", op, [("password", opPW)])
            #expect(byOperator.status == .conflict)
            #expect(String(buffer: byOperator.body).contains(#"rule <b id="refusal-rule">asBuilt</b>"#))
            let asBuilt = try await post("/serials/SN-1/as-built", qa, [("password", qaPW)])
            #expect(asBuilt.status == .seeOther)
            #expect(asBuilt.headers[.location] == "/serials/SN-1")
            let (_, signedTrace) = try await page("/serials/SN-1", qa)
            #expect(signedTrace.contains(#"<table id="signed-as-built">"#))
            #expect(signedTrace.contains("<td>qa-s</td><td>approved</td>"))
            let docs = try await client.send("/api/serials/SN-1/as-built/signatures", session: qa).json()
            #expect(docs["documents"]?.array?.count == 1)
            let (_, lot) = try await page("/lots/HEAT-7", qa)
            #expect(lot.contains(#"<ul id="trace-serials"><li><a href="/serials/SN-1">SN-1</a></li></ul>"#))
        }
    }

    @Test("a rework disposition on the NCR page adds the operation that measures the characteristic again")
    func rework() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await Self.release(pageRouting, fixture)
        try await fixture.run { client in
            let op = try await client.signIn("op-s")
            let qa = try await client.signIn("qa-s")
            func post(_ uri: String, _ session: String, _ fields: [(String, String)]) async throws -> TestResponse {
                try await client.send(
                    uri, method: .post, session: session,
                    headers: [.contentType: "application/x-www-form-urlencoded", .accept: "text/html"],
                    body: Self.form(fields))
            }
            _ = try await client.send(
                "/api/travelers", method: .post, session: op,
                body: #"{"traveler":"T-1","workOrder":"WO-1","partNumber":"PN-1","serial":"SN-1"}"#)
            #expect(try await post("/travelers/T-1/steps/10.10/start", op, []).status == .seeOther)
            // Event 1 the routing, 2 the traveler, 3 the start, 4 the value: NCR-4.
            let out = try await post("/travelers/T-1/steps/10.10/data", op, [("item", "bore"), ("value", "12.61")])
            #expect(out.headers[.location] == "/travelers/T-1?opened=NCR-4")
            // The form suggests operation 15 (halfway to 20) at the NCR's work unit.
            let form = String(buffer: try await client.send("/ncrs/NCR-4", session: qa).body)
            #expect(form.contains(#"name="opSequence" inputmode="numeric" value="15""#))
            #expect(form.contains(#"name="opWorkCenter" value="e/s/a/w/u1""#))
            let mrb = try await post(
                "/ncrs/NCR-4/disposition", qa,
                [("disposition", "rework"), ("rationale", "re-bore to size"), ("opSequence", "15"),
                    ("opTitle", "Re-bore"), ("opWorkCenter", "e/s/a/w/u1"), ("opInstruction", "Re-bore to 12.40"),
                    ("remeasure", "on"), ("user1", "qa-s"), ("password1", GovernedFixture.password("qa-s")),
                    ("role1", "quality"), ("user2", "eng-s"), ("password2", GovernedFixture.password("eng-s")),
                    ("role2", "engineer")])
            #expect(mrb.status == .seeOther)
            let page = String(buffer: try await client.send("/travelers/T-1", session: op).body)
            #expect(page.contains(#"15 Re-bore <span class="muted small">at e/s/a/w/u1 · added by <a href="/ncrs/NCR-4">NCR-4</a>"#))
            #expect(page.contains(#"<tr data-step="15.10"><td>15.10</td><td>Re-bore to 12.40</td>"#))
            let t = try await client.send("/api/travelers/T-1", session: op).json()
            let added = t["steps"]?.array?.first { $0["step"]?.string == "15.10" }
            #expect(added?["addedBy"]?.string == "NCR-4")
            #expect(added?["dataItems"]?.array?.first?["requirement"]?.string == "12.00–12.50 mm")
        }
    }

    @Test("a traveler of another site is 403 for a site's operator, on its page and its forms, and absent from the lists")
    func otherSite() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        let g = try fixture.governance()
        for (user, role) in [("eng-t", Role.engineer), ("qa-t", .quality)] {
            try await g.enroll(
                user: user, printedName: "Printed \(user)", roles: [role], sites: .sites(["t"]),
                password: GovernedFixture.password(user), by: GovernedFixture.adminPrincipal)
        }
        try await Self.release(otherSiteRouting, fixture, approvers: ["eng-t", "qa-t"])
        try await fixture.run { client in
            let sup = try await client.signIn("sup-all")
            let op = try await client.signIn("op-s")
            let release = try await client.send(
                "/api/travelers", method: .post, session: sup,
                body: #"{"traveler":"T-9","workOrder":"WO-9","partNumber":"PN-T","serial":"SN-9"}"#)
            #expect(release.status == .created)
            #expect(
                String(buffer: try await client.send("/travelers", session: sup).body).contains(#"data-traveler="T-9""#))

            let foreign = try await client.send("/travelers/T-9", session: op, headers: [.accept: "text/html"])
            #expect(foreign.status == .forbidden)
            #expect(String(buffer: foreign.body).contains("403 · Not one of your sites"))
            let start = try await client.send(
                "/travelers/T-9/steps/10.10/start", method: .post, session: op,
                headers: [.contentType: "application/x-www-form-urlencoded"], body: "")
            #expect(start.status == .forbidden)
            #expect(try start.json()["code"]?.string == "forbidden-site")
            #expect(try await client.send("/serials/SN-9", session: op).status == .forbidden)
            for uri in ["/travelers", "/wip"] {
                let r = try await client.send(uri, session: op, headers: [.accept: "text/html"])
                #expect(r.status == .ok)
                #expect(!String(buffer: r.body).contains("T-9"), "\(uri)")
            }
            // A form posted from another site's page is refused before it reaches the traveler.
            let crossSite = try await client.send(
                "/travelers/T-9/steps/10.10/start", method: .post, session: sup, origin: "https://evil.example",
                headers: [.contentType: "application/x-www-form-urlencoded"], body: "")
            #expect(crossSite.status == .forbidden)
            #expect(try crossSite.json()["code"]?.string == "cross-site-request")
            #expect(try await client.send("/api/travelers/T-9", session: sup).json()["steps"]?.array?.first?["state"]?.string == "notStarted")
        }
    }
}
