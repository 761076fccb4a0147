import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SparCore
import SparGovernance
import SparInterchange
import SparSQLite
import Testing

@testable import SparServer

@Suite("Authentication (compliance.md A3, A4)")
struct AuthenticationTests {
    @Test("without a session or token every route of the OpenAPI document but /health is refused: pages redirect, the API says 401")
    func everyRouteNeedsAuthentication() async throws {
        let doc = try JSONValue.parse(Data(PackageResources.openapi_json))
        guard case .object(let paths)? = doc["paths"] else {
            Issue.record("no paths")
            return
        }
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            var checked = 0
            for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
                guard case .object(let operations) = item else { continue }
                for method in operations.keys.sorted() {
                    let uri = path.replacingOccurrences(of: "{path}", with: "e/s")
                        .replacingOccurrences(of: "{id}", with: "oee")
                    let m = HTTPRequest.Method(rawValue: method.uppercased())!
                    let r = try await client.execute(
                        uri: uri, method: m, headers: [.accept: "text/html", .origin: GovernedFixture.origin],
                        body: m == .get ? nil : ByteBuffer(string: "{}"))
                    switch (m, uri) {
                    case (.get, "/login"):
                        #expect(r.status == .ok)
                        #expect(String(buffer: r.body).contains(#"<form class="login" method="post" action="/login">"#))
                    case (.post, "/login"):
                        #expect(r.status == .unsupportedMediaType)  // not a form: refused before any sign-in
                    case (.post, "/api/session"):
                        #expect(r.status == .badRequest)  // no user id
                    case (.get, "/health"):
                        // The liveness probe answers anyone, with the status and nothing about the ledger.
                        #expect(r.status == .ok)
                        #expect(try JSONValue.parse(Data(buffer: r.body)) == .object(["status": .string("ok")]))
                    case (.get, _) where uri.hasPrefix("/assets/"):
                        #expect(r.status == .ok)
                    case (.get, _) where AuthenticationMiddleware.isPage(uri):
                        #expect(r.status == .seeOther, "\(method) \(uri)")
                        #expect(
                            r.headers[.location] == "/login?next=" + AuthenticationMiddleware.formEncode(uri),
                            "\(method) \(uri)")
                    case (_, _) where AuthenticationMiddleware.isPage(uri):  // POST /logout: a 401 page
                        #expect(r.status == .unauthorized, "\(method) \(uri): \(r.status)")
                        #expect(r.headers[.contentType] == "text/html; charset=utf-8", "\(method) \(uri)")
                        #expect(String(buffer: r.body).contains("<code>unauthenticated</code>"))
                    default:
                        #expect(r.status == .unauthorized, "\(method) \(uri): \(r.status)")
                        #expect(r.headers[.wwwAuthenticate] == #"Bearer realm="spar""#, "\(method) \(uri)")
                        #expect(r.headers[.contentType] == "application/problem+json", "\(method) \(uri)")
                        #expect(try JSONValue.parse(Data(buffer: r.body))["code"]?.string == "unauthenticated")
                    }
                    checked += 1
                }
            }
            #expect(checked >= 24)
            // Unknown routes do not reveal themselves either.
            #expect(try await client.get("/api/nothing").status == .unauthorized)
            #expect(try await client.get("/nothing").headers[.location] == "/login?next=/nothing")
            // The query is kept for after the sign-in.
            #expect(
                try await client.get("/scope/e/s?window=7d").headers[.location]
                    == "/login?next=/scope/e/s%3Fwindow%3D7d")
        }
    }

    @Test("signing in sets a __Host- cookie (Secure, HttpOnly, SameSite=Strict) with a new 256-bit id each time")
    func signInCookie() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let r = try await client.execute(
                uri: "/api/session", method: .post,
                headers: [.contentType: "application/json", .origin: GovernedFixture.origin],
                body: ByteBuffer(string: #"{"user":"op-s","password":"\#(GovernedFixture.password("op-s"))"}"#))
            #expect(r.status == .ok)
            let id = try #require(r.sessionCookie)
            #expect(r.headers[.setCookie] == "__Host-spar-session=\(id); Path=/; Secure; HttpOnly; SameSite=Strict")
            #expect(id.count == 43)
            #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            let me = try JSONValue.parse(Data(buffer: r.body))
            #expect(me["user"]?.string == "op-s")
            #expect(me["name"]?.string == "Printed op-s")
            #expect(me["roles"]?.array?.map(\.string) == ["operator"])
            #expect(me["sites"]?.string == "s")
            #expect(me["station"]?.string == "http unknown")
            #expect(me["expiresAt"]?.string == "2026-06-11T00:30:00Z")  // 30 minutes idle

            // Signing in again (here as someone else) with the old cookie rotates the id and ends the old session.
            let again = try await client.execute(
                uri: "/api/session", method: .post,
                headers: [
                    .contentType: "application/json", .origin: GovernedFixture.origin,
                    .cookie: "__Host-spar-session=\(id)",
                ],
                body: ByteBuffer(string: #"{"user":"aud-s","password":"\#(GovernedFixture.password("aud-s"))"}"#))
            let second = try #require(again.sessionCookie)
            #expect(second != id)
            #expect(try await client.send("/api/session", session: id).status == .unauthorized)
            let who = try await client.send("/api/session", session: second)
            #expect(who.status == .ok)
            #expect(try who.json()["user"]?.string == "aud-s")

            // The login form: a redirect to the page asked for, only on this site.
            for (next, location) in [
                ("/scope/e/s?window=7d", "/scope/e/s?window=7d"), ("//evil.example/x", "/"),
                ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("/login", "/"),
            ] {
                let form = "user=op-s&password=\(GovernedFixture.password("op-s"))&next="
                    + AuthenticationMiddleware.formEncode(next).replacingOccurrences(of: "/", with: "%2F")
                let page = try await client.execute(
                    uri: "/login", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .origin: GovernedFixture.origin],
                    body: ByteBuffer(string: form))
                #expect(page.status == .seeOther)
                #expect(page.headers[.location] == location, "next=\(next)")
                #expect(page.sessionCookie != nil)
            }
            let wrong = try await client.execute(
                uri: "/login", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: GovernedFixture.origin],
                body: ByteBuffer(string: "user=op-s&password=wrong-password-123&next=%2F"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.sessionCookie == nil)
            #expect(String(buffer: wrong.body).contains(#"<p class="error" role="alert" id="login-error">unknown user or wrong password</p>"#))
        }
    }

    @Test("signing out ends the session on the server (JSON API and the page's form)")
    func signOut() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let a = try await client.signIn("op-s")
            #expect(try await client.send("/api/session", session: a).status == .ok)
            let out = try await client.send("/api/session", method: .delete, session: a)
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie] == "__Host-spar-session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
            #expect(try await client.send("/api/session", session: a).status == .unauthorized)
            #expect(try await client.send("/", session: a).status == .seeOther)

            let b = try await client.signIn("op-s")
            let form = try await client.send("/logout", method: .post, session: b)
            #expect(form.status == .seeOther)
            #expect(form.headers[.location] == "/login")
            #expect(form.headers[.setCookie]?.hasSuffix("Max-Age=0") == true)
            let after = try await client.send("/scope/e/s", session: b)
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/login?next=/scope/e/s")
        }
    }

    @Test("every wrong password is recorded; five in a row lock the account, end its sessions and refuse the right one")
    func lockout() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let session = try await client.signIn("op-s")
            for i in 1...5 {
                let r = try await client.send(
                    "/api/session", method: .post, session: nil, body: #"{"user":"op-s","password":"wrong-password-\#(i)"}"#)
                // The fifth failure locks the account at once.
                #expect(r.status.code == (i < 5 ? 401 : 423), "attempt \(i)")
                #expect(try r.json()["code"]?.string == (i < 5 ? "authentication-failed" : "account-locked"))
            }
            let right = try await client.send(
                "/api/session", method: .post, session: nil,
                body: #"{"user":"op-s","password":"\#(GovernedFixture.password("op-s"))"}"#)
            #expect(right.status.code == 423)
            #expect(try right.json()["code"]?.string == "account-locked")
            #expect(right.sessionCookie == nil)
            // The session opened before the lock is gone.
            #expect(try await client.send("/api/session", session: session).status == .unauthorized)
            // The form says so too.
            let form = try await client.execute(
                uri: "/login", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: GovernedFixture.origin],
                body: ByteBuffer(string: "user=op-s&password=\(GovernedFixture.password("op-s"))"))
            #expect(form.status.code == 423)
            #expect(String(buffer: form.body).contains("the account is locked after repeated failed sign-ins"))
        }
        // The ledger holds the five failures and the lock (Governance wrote them, with the station).
        let entries = try await SQLiteLedgerStore(path: fixture.configuration.database).entries(kind: .identity)
        let failures = entries.filter { $0.entry.type == "auth.failed" && $0.entry.unit == "op-s" }
        #expect(failures.count == 5)
        #expect(failures.allSatisfy { $0.recordedBy == "user:op-s (operator; sites s) http unknown" })
        #expect(entries.contains { $0.entry.type == "account.locked" && $0.entry.unit == "op-s" })
        #expect(try await GovernedFixture.governanceOver(fixture).directory().users["op-s"]?.locked == true)
    }

    @Test("sign-in attempts are rate-limited per address and user id before the password is checked (429)")
    func rateLimit() async throws {
        let fixture = try await GovernedFixture.make(loginAttemptsPerMinute: 3, loginAttemptsPerAddressPerMinute: 8)
        defer { fixture.remove() }
        try await fixture.run { client in
            for i in 1...3 {
                let r = try await client.send(
                    "/api/session", method: .post, session: nil, body: #"{"user":"op-s","password":"wrong-password-\#(i)"}"#)
                #expect(r.status == .unauthorized)
            }
            // The fourth attempt, with the right password, is not even checked.
            let limited = try await client.send(
                "/api/session", method: .post, session: nil,
                body: #"{"user":"op-s","password":"\#(GovernedFixture.password("op-s"))"}"#)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "60")
            #expect(try limited.json()["code"]?.string == "too-many-requests")
            // The form answers 429 as well.
            let form = try await client.execute(
                uri: "/login", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: GovernedFixture.origin],
                body: ByteBuffer(string: "user=op-s&password=x"))
            #expect(form.status == .tooManyRequests)
            #expect(form.headers[.retryAfter] == "60")
            // Another user from the same address is still admitted, until the address's own limit.
            #expect(try await client.signIn("aud-s").isEmpty == false)
            for i in 1...4 {
                let r = try await client.send(
                    "/api/session", method: .post, session: nil, body: #"{"user":"nobody-\#(i)","password":"whatever-123456"}"#)
                #expect(r.status == .unauthorized)
            }
            let address = try await client.send(
                "/api/session", method: .post, session: nil, body: #"{"user":"nobody-9","password":"whatever-123456"}"#)
            #expect(address.status == .tooManyRequests)
            // A minute later the user may try again, and the right password works.
            fixture.clock.advance(minutes: 1)
            #expect(try await client.signIn("op-s").isEmpty == false)
        }
        // Three failures were checked and recorded, the limited attempt never reached the password hash.
        let dir = try await GovernedFixture.governanceOver(fixture).directory()
        let failed = try await SQLiteLedgerStore(path: fixture.configuration.database).entries(kind: .identity)
            .filter { $0.entry.type == "auth.failed" }
        #expect(failed.count == 3)
        #expect(dir.users["op-s"]?.locked == false)
    }

    @Test("sessions end after 30 idle minutes, and 12 hours after sign-in however busy")
    func sessionTimeouts() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let idle = try await client.signIn("op-s")
            fixture.clock.advance(minutes: 29)
            #expect(try await client.send("/api/kpis", session: idle).status == .ok)
            fixture.clock.advance(minutes: 29)  // 29 minutes since the last request
            #expect(try await client.send("/api/kpis", session: idle).status == .ok)
            fixture.clock.advance(minutes: 30)
            #expect(try await client.send("/api/kpis", session: idle).status == .unauthorized)

            let busy = try await client.signIn("aud-s")
            for _ in 0..<35 {  // every 20 minutes for 11 h 40 min
                fixture.clock.advance(minutes: 20)
                #expect(try await client.send("/api/kpis", session: busy).status == .ok)
            }
            fixture.clock.advance(minutes: 20)  // 12 hours after sign-in
            #expect(try await client.send("/api/kpis", session: busy).status == .unauthorized)
        }
    }

    @Test("a state change signed in by cookie must come from Spar's own pages (Origin or Sec-Fetch-Site)")
    func crossSiteRequests() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let session = try await client.signIn("op-s")
            let line = GovernedFixture.event("csrf-1", unit: GovernedFixture.unitS, ts: GovernedFixture.time(60))
            let secFetchSite = SameOrigin.secFetchSite
            let refused: [HTTPFields] = [
                [:],  // neither header
                [.origin: "http://evil.example"],
                [.origin: "http://localhost:8080"],  // another port is another origin
                [.origin: "null"],
                [secFetchSite: "cross-site"],
                [secFetchSite: "same-site"],
                [secFetchSite: "cross-site", .origin: GovernedFixture.origin],
            ]
            for headers in refused {
                let r = try await client.send(
                    "/api/events", method: .post, session: session, origin: nil, headers: headers, body: "[\(line)]")
                #expect(r.status == .forbidden, "\(headers)")
                #expect(try r.json()["code"]?.string == "cross-site-request")
            }
            for method in [HTTPRequest.Method.delete] {
                let r = try await client.send("/api/session", method: method, session: session, origin: nil)
                #expect(r.status == .forbidden)
            }
            let form = try await client.send("/logout", method: .post, session: session, origin: "http://evil.example")
            #expect(form.status == .forbidden)
            // Nothing was stored and the session lives.
            #expect(try await client.send("/health", session: session).json()["events"]?.number == 0)

            let accepted: [HTTPFields] = [
                [.origin: GovernedFixture.origin], [secFetchSite: "same-origin"], [secFetchSite: "none"],
            ]
            for (i, headers) in accepted.enumerated() {
                let r = try await client.send(
                    "/api/events", method: .post, session: session, origin: nil, headers: headers,
                    body: "[\(GovernedFixture.event("csrf-ok-\(i)", unit: GovernedFixture.unitS, ts: GovernedFixture.time(i * 60)))]")
                #expect(r.status == .ok, "\(headers)")
                #expect(try r.json()["accepted"]?.number == 1)
            }
            // A cross-site sign-in (login CSRF) is refused too; a bearer token needs no Origin.
            let login = try await client.execute(
                uri: "/api/session", method: .post,
                headers: [.contentType: "application/json", .origin: "http://evil.example"],
                body: ByteBuffer(string: #"{"user":"op-s","password":"\#(GovernedFixture.password("op-s"))"}"#))
            #expect(login.status == .forbidden)
            let token = try await client.post(
                ndjson: GovernedFixture.event("csrf-token", unit: GovernedFixture.unitS, ts: GovernedFixture.time(600)),
                token: fixture.tokens["mes@s"]!)
            #expect(token.status == .ok)
            // A GET changes nothing, whatever it carries.
            #expect(try await client.send("/api/events", session: session).status == .notFound)
        }
    }

    @Test("a source system's token posts its own source on its sites; other sources and sites are rejected per event")
    func tokens() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let token = fixture.tokens["mes@s"]!
            let body = [
                GovernedFixture.event("k1", unit: GovernedFixture.unitS),
                GovernedFixture.event("k2", unit: GovernedFixture.unitS, source: "erp"),
                GovernedFixture.event("k3", unit: GovernedFixture.unitT),
            ].joined(separator: "\n")
            let r = try await client.post(ndjson: body, token: token)
            #expect(r.status == .ok)
            let results = try #require(try r.json()["results"]?.array)
            #expect(results.map { $0["status"]?.string } == ["accepted", "rejected", "rejected"])
            #expect(results[1]["field"]?.string == "source")
            #expect(results[1]["reason"]?.string?.contains("the token authenticates system 'mes'") == true)
            #expect(results[2]["field"]?.string == "unit")
            #expect(results[2]["reason"]?.string?.contains("may not write site t") == true)
            // The other token, for erp on site t.
            let erp = try await client.post(
                ndjson: GovernedFixture.event("k4", unit: GovernedFixture.unitT, source: "erp"), token: fixture.tokens["erp@t"]!)
            #expect(try erp.json()["accepted"]?.number == 1)

            // A token reads nothing.
            for uri in ["/api/kpis", "/api/kpi?scope=e/s&from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z", "/", "/metrics", "/api/stream"] {
                let read = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(read.status == .forbidden, "\(uri)")
                #expect(try JSONValue.parse(Data(buffer: read.body))["code"]?.string == "forbidden")
            }
            // Unknown, malformed, other schemes.
            for header in ["Bearer spar_nope_nope", "Bearer \(token)x", "Basic b3AtczpwdzE=", "Bearer"] {
                let bad = try await client.execute(
                    uri: "/api/events", method: .post, headers: [.authorization: header, .contentType: "application/json"],
                    body: ByteBuffer(string: "[]"))
                #expect(bad.status == .unauthorized, "\(header)")
                #expect(bad.headers[.wwwAuthenticate]?.hasPrefix(#"Bearer realm="spar""#) == true)
            }
            // A revoked token stops at once (the server re-reads the directory when identity entries change).
            let governance = try GovernedFixture.governanceOver(fixture)
            let id = try #require(try await governance.directory().tokens.values.first { $0.system == "mes" && $0.sites == .sites(["s"]) }?.id)
            try await governance.revokeToken(id: id, reason: "rotated", by: GovernedFixture.adminPrincipal)
            let revoked = try await client.post(
                ndjson: GovernedFixture.event("k5", unit: GovernedFixture.unitS), token: token)
            #expect(revoked.status == .unauthorized)
        }
        // The ledger records the system, its token and sites, and where the request came from.
        let events = try await SQLiteLedgerStore(path: fixture.configuration.database).entries(kind: .event)
        let k1 = try #require(events.first { $0.entry.id == "k1" })
        #expect(k1.recordedBy.hasPrefix("system:mes (token "))
        #expect(k1.recordedBy.hasSuffix("; sites s) http unknown"))
    }

    @Test("an open event stream ends when its session ends")
    func streamEndsWithSession() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        let registry = fixture.configuration.metrics
        try await fixture.run { client in
            let session = try await client.signIn("aud-s")
            let token = fixture.tokens["mes@s"]!
            func post(_ n: Int) async throws {
                _ = try await client.post(
                    ndjson: GovernedFixture.event("live-\(n)", unit: GovernedFixture.unitS, ts: GovernedFixture.time(n)),
                    token: token)
            }
            let text = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask { String(buffer: try await client.send("/api/stream?max=100", session: session).body) }
                group.addTask {
                    // Wait (bounded) until the stream has subscribed, post a batch, sign out, post another.
                    var waited = 0
                    while !registry.emitToString().contains("spar_stream_subscribers 1"), waited < 10_000 {
                        try await Task.sleep(for: .milliseconds(1))
                        waited += 1
                    }
                    try await post(1)
                    _ = try await client.send("/api/session", method: .delete, session: session)
                    try await post(2)
                    // A stream that outlived its session would wait for 100 batches: end it, so the test fails
                    // below instead of hanging.
                    try await Task.sleep(for: .seconds(5))
                    for n in 3...102 { try await post(n) }
                    return nil
                }
                while let result = try await group.next() {
                    if let text = result {
                        group.cancelAll()
                        return text
                    }
                }
                return ""
            }
            // The stream asked for 100 batches but ended at the first one after the sign-out (never sending it).
            #expect(text.hasPrefix("retry: 1000\nevent: hello\n"))
            #expect(text.components(separatedBy: "event: batch").count - 1 <= 1)
        }
    }

    @Test("who may post: roles without ingest or correct get 403; users' events carry role, sites and station")
    func writePermissions() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            for (i, user) in GovernedFixture.siteUsers.enumerated() {
                let session = try await client.signIn(user.id)
                let r = try await client.send(
                    "/api/events", method: .post, session: session,
                    body: "[\(GovernedFixture.event("w-\(user.id)", unit: GovernedFixture.unitS, ts: GovernedFixture.time(i * 60)))]")
                switch user.role {
                case .operator, .supervisor:
                    #expect(r.status == .ok)
                    #expect(try r.json()["accepted"]?.number == 1, "\(user.id)")
                case .quality:  // corrects, does not ingest: the event is rejected, not the request
                    #expect(r.status == .ok)
                    let line = try #require(try r.json()["results"]?.array?.first)
                    #expect(line["field"]?.string == "type")
                case .auditor, .engineer, .admin, .customer:
                    #expect(r.status == .forbidden, "\(user.id)")
                    #expect(try r.json()["code"]?.string == "forbidden")
                }
            }
        }
        let events = try await SQLiteLedgerStore(path: fixture.configuration.database).entries(kind: .event)
        #expect(events.first { $0.entry.id == "w-op-s" }?.recordedBy == "user:op-s (operator; sites s) http unknown")
        #expect(events.first { $0.entry.id == "w-sup-s" }?.recordedBy == "user:sup-s (supervisor; sites s) http unknown")
        #expect(events.count == 2)
    }

    @Test("security headers are on every response: pages, API, assets, redirects, 401, 403, 404, 429")
    func securityHeaders() async throws {
        let fixture = try await GovernedFixture.make(loginAttemptsPerMinute: 1)
        defer { fixture.remove() }
        try await fixture.run { client in
            let session = try await client.signIn("op-s")
            var responses: [(String, TestResponse)] = []
            responses.append(("page", try await client.send("/", session: session)))
            responses.append(("api", try await client.send("/api/kpis", session: session)))
            responses.append(("asset", try await client.get("/assets/style.css")))
            responses.append(("login", try await client.get("/login")))
            responses.append(("redirect", try await client.get("/")))
            responses.append(("401", try await client.get("/api/kpis")))
            responses.append(("403", try await client.send("/scope/e/t", session: session, headers: [.accept: "text/html"])))
            responses.append(("404", try await client.send("/api/nothing", session: session)))
            responses.append(("400", try await client.send("/api/kpi", session: session)))
            responses.append(("429", try await client.send("/api/session", method: .post, session: nil, body: #"{"user":"op-s","password":"x"}"#)))
            #expect(responses.map { $0.1.status.code } == [200, 200, 200, 200, 303, 401, 403, 404, 400, 429])
            for (name, r) in responses {
                #expect(
                    r.headers[.contentSecurityPolicy]
                        == "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
                    "\(name)")
                #expect(r.headers[.xContentTypeOptions] == "nosniff", "\(name)")
                #expect(r.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(name)")
                #expect(r.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(name)")
                #expect(r.headers[.cacheControl] == (name == "asset" ? "no-cache" : "no-store"), "\(name)")
            }
            // The 403 page is HTML for a browser.
            #expect(responses[6].1.headers[.contentType] == "text/html; charset=utf-8")
        }
        // Open mode too.
        try await ServerFixture().run { client in
            let r = try await client.get("/api/nothing")
            #expect(r.status == .notFound)
            #expect(r.headers[.xContentTypeOptions] == "nosniff")
            #expect(r.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
        }
    }

    @Test("the page header shows who is signed in and a sign-out button")
    func pageHeader() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            let session = try await client.signIn("sup-s")
            let page = String(buffer: try await client.send("/kpis", session: session).body)
            #expect(page.contains(#"<b id="who-name">Printed sup-s</b> · <span id="who-roles">supervisor</span> · <span id="who-sites">sites s</span>"#))
            #expect(page.contains(#"<form class="logout" method="post" action="/logout"><button type="submit" id="logout">Sign out</button></form>"#))
        }
        try await ServerFixture().run { client in
            let page = try await client.get("/kpis").text
            #expect(page.contains("open mode: no users enrolled"))
        }
    }

    @Test("a ledger without users is served only on loopback; with users on any address")
    func openModeOnlyOnLoopback() async throws {
        let open = try ServerFixture()
        defer { open.remove() }
        var configuration = open.configuration
        configuration.host = "0.0.0.0"
        do {
            _ = try await buildApplication(configuration)
            Issue.record("a ledger without users was served on 0.0.0.0")
        } catch let error as ServerStartError {
            #expect(error.description.contains("has no enrolled users, so Spar would serve it to anyone without sign-in"))
            #expect(error.description.contains("spar user add --db \(configuration.database)"))
        }
        for host in ["127.0.0.1", "localhost", "::1"] {
            configuration.host = host
            _ = try await buildApplication(configuration)
        }

        let governed = try await GovernedFixture.make(host: "0.0.0.0")
        defer { governed.remove() }
        _ = try await buildApplication(governed.configuration)
    }
}

extension GovernedFixture {
    static func governanceOver(_ fixture: GovernedFixture) throws -> Governance { try fixture.governance() }
}
