import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparDemo
import SparEngine
import SparGovernance
import SparInterchange
import SparSQLite
import Testing

@testable import SparServer

/// compliance.md A1 and the acceptance figure "0 cross-site reads or writes over every endpoint × role × foreign
/// site": users of site `s`, one per role, against site `t`.
@Suite("Site scoping (compliance.md A1)")
struct SiteScopeTests {
    static let window = "from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z"

    /// Events on both sites (through the enterprise-wide mes token): one accepted and one rejected line each.
    static func seed(_ client: any TestClientProtocol, _ fixture: GovernedFixture) async throws {
        let body = [
            GovernedFixture.event("s1", unit: GovernedFixture.unitS),
            GovernedFixture.event("t1", unit: GovernedFixture.unitT),
            GovernedFixture.event("t2", unit: GovernedFixture.unitT, ts: "2026-06-10T01:00:00Z"),
            ServerFixture.state("rs", "2026-06-10T00:30:00Z", "down", reason: "no-such-reason", unit: GovernedFixture.unitS),
            ServerFixture.state("rt", "2026-06-10T00:30:00Z", "down", reason: "no-such-reason", unit: GovernedFixture.unitT),
        ].joined(separator: "\n")
        let r = try await client.post(ndjson: body, token: fixture.tokens["mes@*"]!)
        #expect(try r.json()["accepted"]?.number == 3)
    }

    @Test("every read endpoint and page × every role × the foreign site: 403 or absent; the own site: 200")
    func readMatrix() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            try await Self.seed(client, fixture)
            for user in GovernedFixture.siteUsers {
                let session = try await client.signIn(user.id)
                func get(_ uri: String) async throws -> TestResponse {
                    try await client.send(uri, session: session, headers: [.accept: "text/html"])
                }
                // Foreign site, its units, and the enterprise: refused.
                for uri in [
                    "/api/kpi?scope=e/t&\(Self.window)", "/api/kpi?scope=e/t/a/w/u1&\(Self.window)",
                    "/api/kpi?scope=e&\(Self.window)", "/api/kpi?scope=e/t/a&\(Self.window)&shift=A",
                    "/scope/e/t", "/scope/e/t/a", "/scope/e/t/a/w", "/scope/e/t/a/w/u1?window=7d", "/scope/e", "/metrics",
                    "/api/kpi/lineage?scope=e/t&\(Self.window)", "/api/kpi/lineage?scope=e&\(Self.window)&kpi=oee",
                    "/lineage?scope=e/t/a/w/u1&\(Self.window)&kpi=oee", "/audit/entries/t1", "/blueprint/sites/t",
                ] {
                    let r = try await client.send(uri, session: session)
                    #expect(r.status == .forbidden, "\(user.id) \(uri): \(r.status)")
                    #expect(try r.json()["code"]?.string == "forbidden-site", "\(user.id) \(uri)")
                    let page = try await get(uri)
                    if AuthenticationMiddleware.isPage(uri.components(separatedBy: "?")[0]) {
                        #expect(page.status == .forbidden)
                        #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                        #expect(String(buffer: page.body).contains("403 · Not one of your sites"))
                    }
                }
                // Own site: answered.
                for uri in [
                    "/api/kpi?scope=e/s&\(Self.window)", "/api/kpi?scope=e/s/a/w/u1&\(Self.window)", "/scope/e/s",
                    "/scope/e/s/a/w/u1?window=today", "/api/kpis", "/api/reasons", "/openapi.json", "/kpis",
                    "/lineage?scope=e/s&\(Self.window)&kpi=oee", "/audit/entries/s1",
                ] {
                    #expect(try await get(uri).status == .ok, "\(user.id) \(uri)")
                }
                // The events behind the own site's value are the own site's only.
                let lineage = try await client.send("/api/kpi/lineage?scope=e/s&\(Self.window)", session: session).json()
                #expect(lineage["events"]?.array?.map { $0["id"]?.string } == ["s1"], "\(user.id)")
                // Lists show the own site only.
                let overview = String(buffer: try await get("/").body)
                #expect(overview.contains(#"<a href="/scope/e/s">s</a>"#), "\(user.id)")
                #expect(!overview.contains("/scope/e/t"), "\(user.id)")
                #expect(!overview.contains(#"href="/scope/e""#), "\(user.id): the enterprise row")
                #expect(!overview.contains(#"data-live-scope="e""#), "\(user.id)")
                let kpi = String(buffer: try await get("/kpis/oee").body)
                #expect(kpi.contains(#"href="/scope/e/s""#))
                #expect(!kpi.contains("/scope/e/t") && !kpi.contains(#"href="/scope/e""#), "\(user.id)")
                let equipment = try await client.send("/api/equipment", session: session).json()
                #expect(equipment["sites"]?.array?.map { $0["id"]?.string } == ["s"], "\(user.id)")
                let systems = try await client.send("/api/systems", session: session).json()
                let mes = systems["systems"]?.array?.first { $0["id"]?.string == "mes" }
                #expect(mes?["events"]?.number == 1, "\(user.id): site s has one mes event")
                #expect(mes?["lastEventTime"]?.string == "2026-06-10T00:00:00Z", "\(user.id)")
                #expect(systems["latestEventTime"]?.string == "2026-06-10T00:00:00Z", "\(user.id): t's 01:00 is not shown")
                #expect(try await client.send("/health", session: session).json()["events"]?.number == 1)
                let ingest = String(buffer: try await get("/ingest").body)
                #expect(ingest.contains("<td>rs</td>") && !ingest.contains("<td>rt</td>"), "\(user.id)")
                #expect(ingest.contains("The ledger holds 1 events"), "\(user.id)")
                // The as-of time of pages follows the own site's latest event (00:00 → 00:01), not t's 01:00.
                #expect(overview.contains("up to 2026-06-10 00:01 UTC"), "\(user.id)")
            }

            // A reader of every site sees both, and the enterprise.
            let all = try await client.signIn("aud-all")
            for uri in ["/scope/e/t", "/scope/e", "/api/kpi?scope=e&\(Self.window)", "/metrics"] {
                #expect(try await client.send(uri, session: all).status == .ok, "\(uri)")
            }
            let overview = String(buffer: try await client.send("/", session: all).body)
            #expect(overview.contains(#"href="/scope/e""#) && overview.contains("/scope/e/t"))
            #expect(try await client.send("/health", session: all).json()["events"]?.number == 3)
            let ingest = String(buffer: try await client.send("/ingest", session: all).body)
            #expect(ingest.contains("<td>rs</td>") && ingest.contains("<td>rt</td>"))
        }
    }

    @Test("every role × the foreign site: no event is written there, nor corrected or replaced into it")
    func writeMatrix() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            try await Self.seed(client, fixture)
            for user in GovernedFixture.siteUsers {
                let session = try await client.signIn(user.id)
                let u = GovernedFixture.unitS
                let body = [
                    GovernedFixture.event("x-\(user.id)", unit: GovernedFixture.unitT),
                    // A correction on the own unit of the foreign site's event, and one that moves an own event there.
                    #"{"id":"c1-\#(user.id)","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"t1","void":true}"#,
                    #"{"id":"c2-\#(user.id)","ts":"2026-06-10T01:00:00Z","source":"mes","unit":"\#(u)","type":"correction","corrects":"s1","replacement":{"ts":"2026-06-10T00:00:00Z","source":"mes","unit":"\#(GovernedFixture.unitT)","type":"state","state":"down","reason":"stuck"}}"#,
                ].joined(separator: "\n")
                let r = try await client.send(
                    "/api/events", method: .post, session: session, headers: [.contentType: "application/x-ndjson"],
                    body: body)
                switch user.role {
                case .auditor, .engineer, .admin:
                    #expect(r.status == .forbidden, "\(user.id)")
                default:
                    #expect(r.status == .ok, "\(user.id)")
                    let o = try r.json()
                    #expect(o["accepted"]?.number == 0, "\(user.id)")
                    let fields = o["results"]?.array?.map { $0["field"]?.string }
                    let expected: [String?] =
                        switch user.role {
                        case .operator: ["unit", "type", "type"]  // no correct permission at all
                        case .quality: ["type", "corrects", "replacement.unit"]
                        default: ["unit", "corrects", "replacement.unit"]
                        }
                    #expect(fields == expected, "\(user.id)")
                }
            }
        }
        let events = try await SQLiteLedgerStore(path: fixture.configuration.database).entries(kind: .event)
        #expect(events.map(\.entry.id).sorted() == ["s1", "t1", "t2"])
    }

    @Test("the event stream sends a reader only the batches of its sites, counted for them")
    func stream() async throws {
        enum Outcome: Sendable {
            case stream(String)
            case poster
        }
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let session = try await client.signIn("aud-s")
            let token = fixture.tokens["mes@*"]!
            let streamed = try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask { .stream(String(buffer: try await client.send("/api/stream?max=1", session: session).body)) }
                group.addTask {
                    var posts = 0
                    while !Task.isCancelled, posts < 5_000 {
                        // A batch of site t only (never sent to aud-s), then one with a line of each site.
                        _ = try await client.post(ndjson: GovernedFixture.event("st-\(posts)", unit: GovernedFixture.unitT), token: token)
                        _ = try await client.post(
                            ndjson: GovernedFixture.event("ss-\(posts)", unit: GovernedFixture.unitS, ts: GovernedFixture.time(posts)) + "\n"
                                + GovernedFixture.event("sx-\(posts)", unit: GovernedFixture.unitT, ts: "2026-06-10T03:00:00Z"),
                            token: token)
                        posts += 1
                        await Task.yield()
                    }
                    return .poster
                }
                while let outcome = try await group.next() {
                    if case .stream(let text) = outcome {
                        group.cancelAll()
                        return text
                    }
                }
                return ""
            }
            #expect(streamed.contains("event: hello"))
            let batch = try #require(streamed.components(separatedBy: "event: batch\ndata: ").last?.components(separatedBy: "\n").first)
            let update = try JSONValue.parse(Data(batch.utf8))
            #expect(update["accepted"]?.number == 1)  // the site-s line only
            // Numbered for this stream: its first batch is 1 (the server had counted at least one site-t batch before
            // it), with the same SSE id; no projection generation, which counts every site's batches.
            #expect(update["batch"]?.number == 1)
            #expect(streamed.contains("id: 1\nevent: batch\n"))
            #expect(update["generation"] == nil)
            #expect(!streamed.contains("generation"))
            #expect(update["units"]?.array?.map(\.string) == [GovernedFixture.unitS])
            let latest = try #require(update["latestEventTime"]?.string)
            #expect(latest.hasPrefix("2026-06-10T0") && latest < "2026-06-10T02:00:00Z", "\(latest): not t's 03:00")
            #expect(!streamed.contains("e/t/"))
        }
    }

    @Test("a record of another site and an unknown id get the same 404, listing and signing")
    func signatureOracle() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            try await Self.seed(client, fixture)
            let session = try await client.signIn("qa-s")
            func problem(_ r: TestResponse, _ record: String) throws -> JSONValue {
                // The id is the only difference allowed: the detail names the id asked for, whatever it is.
                guard case .object(var o) = try r.json() else { return .null }
                o["detail"] = o["detail"]?.string.map { .string($0.replacingOccurrences(of: record, with: "ID")) }
                return .object(o)
            }
            let foreign = try await client.send("/api/signatures?record=t1", session: session)
            let unknown = try await client.send("/api/signatures?record=no-such-1", session: session)
            #expect(foreign.status == .notFound)
            #expect(unknown.status == .notFound)
            #expect(try problem(foreign, "t1") == problem(unknown, "no-such-1"))
            #expect(try foreign.json()["detail"]?.string == "no ledger entry t1")
            #expect(try foreign.json()["code"]?.string == "not-found")
            #expect(foreign.headers[.contentType] == unknown.headers[.contentType])
            // Signing them: the same 404 again, before any password is checked.
            func sign(_ record: String) async throws -> TestResponse {
                try await client.send(
                    "/api/signatures", method: .post, session: session,
                    body: #"{"record":"\#(record)","meaning":"reviewed","user":"qa-s","password":"\#(GovernedFixture.password("qa-s"))"}"#)
            }
            let signForeign = try await sign("t1")
            let signUnknown = try await sign("no-such-2")
            #expect(signForeign.status == .notFound)
            #expect(signUnknown.status == .notFound)
            #expect(try problem(signForeign, "t1") == problem(signUnknown, "no-such-2"))
            // The own site's record answers.
            let own = try await client.send("/api/signatures?record=s1", session: session)
            #expect(own.status == .ok)
            #expect(try own.json()["signatures"]?.array?.count == 0)
        }
        // Nothing was signed at site t.
        let signatures = try await fixture.governance().store.entries(kind: .signature)
        #expect(signatures.isEmpty)
    }

    @Test("the blueprint analysis shows a site's reader only that site's findings and gaps, in texts that name no other site")
    func blueprint() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-bp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let plant = DemoEnterprise.plantModel()
        let siteIDs = plant.sites.map(\.id)
        func others(_ site: String) -> [String] { siteIDs.filter { $0 != site } }
        func naming(_ sites: [String], in text: String) -> [String] { sites.filter { text.contains($0) } }
        // A site whose recommendations, built for every site, point to what covers an activity elsewhere.
        let full = DemoBlueprint.blueprint().analyze(plant: plant)
        let site = try #require(
            siteIDs.first { s in full.gaps(site: s).contains { !naming(others(s), in: $0.recommendation).isEmpty } },
            "the demo blueprint has a recommendation naming another site")
        try await Self.demoBlueprintLedger(path: path, siteUser: "w", site: site)
        let configuration = ServerConfiguration(port: 0, database: path, now: { ServerFixture.clock })
        let (scoped, everything) = try await serve(configuration) { client in
            let w = try await client.signIn("w")
            let admin = try await client.signIn("admin")
            let a = try await client.send("/api/blueprint/analysis", session: w).json()
            let b = try await client.send("/api/blueprint/analysis", session: admin).json()
            return (a, b)
        }
        #expect(scoped["sites"]?.array?.map { $0["site"]?.string } == [site])
        let gapSites = Set(scoped["gaps"]?.array?.compactMap { $0["site"]?.string } ?? [])
        #expect(gapSites == [site])
        #expect(scoped["observedEvents"] == .null)
        #expect((everything["sites"]?.array?.count ?? 0) == plant.sites.count)
        #expect(Set(everything["gaps"]?.array?.compactMap { $0["site"]?.string } ?? []).count == plant.sites.count)

        // No text of the scoped analysis names another site; the same gaps for every-site readers still do.
        let scopedGaps = scoped["gaps"]?.array ?? []
        #expect(!scopedGaps.isEmpty)
        for gap in scopedGaps {
            let text = gap["recommendation"]?.string ?? ""
            #expect(naming(others(site), in: text).isEmpty, "\(text)")
        }
        #expect(naming(others(site), in: scoped.canonical).isEmpty, "the whole scoped document")
        let fullTexts = (everything["gaps"]?.array ?? []).filter { $0["site"]?.string == site }
            .compactMap { $0["recommendation"]?.string }
        #expect(fullTexts.contains { !naming(others(site), in: $0).isEmpty })
        // The scoped texts are the full ones with the other sites' hints left out: the same gaps, in the same order.
        #expect(scopedGaps.map { $0["subject"]?.string } == (everything["gaps"]?.array ?? []).filter { $0["site"]?.string == site }.map { $0["subject"]?.string })
    }
}

extension SiteScopeTests {
    /// A ledger at `path` with the demo plant model and blueprint recorded at the fixture clock, an admin of every
    /// site and `siteUser`, an auditor of `site` only.
    static func demoBlueprintLedger(path: String, siteUser: String, site: String) async throws {
        let plant = DemoEnterprise.plantModel()
        let store = try SQLiteLedgerStore(path: path)
        _ = try await LedgerPlantModel.record(
            plant, in: store, allowNewVersion: false, recordedAt: ServerFixture.clock, recordedBy: "test")
        _ = try await LedgerBlueprint.record(
            DemoBlueprint.blueprint(), plant: plant, reason: "test", in: store, recordedAt: ServerFixture.clock,
            recordedBy: "test")
        let governance = Governance(store: store, clock: { ServerFixture.clock })
        try await governance.enroll(
            user: "admin", printedName: "Admin", roles: [.admin], sites: .all, password: GovernedFixture.password("admin"),
            by: .local("test", station: "test"))
        try await governance.enroll(
            user: siteUser, printedName: "Site Auditor", roles: [.auditor], sites: .sites([site]),
            password: GovernedFixture.password(siteUser), by: GovernedFixture.adminPrincipal)
    }
}

/// Runs `test` against `buildApplication(configuration)` in process.
func serve<Value: Sendable>(
    _ configuration: ServerConfiguration, _ test: @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    let app = try await buildApplication(configuration)
    return try await app.test(.router) { client in try await test(client) }
}
