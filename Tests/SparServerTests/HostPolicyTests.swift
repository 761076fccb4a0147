import Foundation
import Hummingbird
import HummingbirdTesting
import SparInterchange
import Testing

@testable import SparServer

/// DNS rebinding and cross-site writes: the `Host` and `Origin` a request may carry.
@Suite("Allowed hosts and origins")
struct HostPolicyTests {
    static let configured = try? AllowedHosts(
        configured: ["spar.example.com", "ops.example.com:8443", "[fd00::7]"], listeningOn: "10.1.2.3")

    @Test(
        "Host values the server answers for: loopback names on any port, the listening address, configured names",
        arguments: [
            "localhost", "localhost:8080", "LOCALHOST:8080", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:8080",
            "10.1.2.3:8080", "spar.example.com", "spar.example.com:1234", "ops.example.com:8443", "[fd00::7]:80",
        ])
    func allowedAuthority(_ host: String) throws {
        let allowed = try #require(Self.configured)
        #expect(allowed.allows(authority: host))
    }

    @Test(
        "Host values refused: other names (a rebinding attacker's), other loopback addresses, wrong ports, malformed",
        arguments: [
            "evil.example", "evil.example:8080", "localhost.evil.example", "spar.example.com.evil.example",
            "127.0.0.2", "[::2]:8080", "::1", "ops.example.com", "ops.example.com:8444", "localhost:0",
            "localhost:http", "localhost:99999", "", " ", "local host", "localhost:80:80", "[::1", "user@localhost",
        ])
    func refusedAuthority(_ host: String) throws {
        let allowed = try #require(Self.configured)
        #expect(!allowed.allows(authority: host))
    }

    @Test(
        "Origin of a write: http(s) and an allowed host on any port; anything else is refused",
        arguments: [
            ("http://localhost:5173", true), ("http://127.0.0.1:8080", true), ("http://[::1]:8080", true),
            ("https://spar.example.com", true), ("https://ops.example.com:8443", true),
            ("https://ops.example.com", false), ("http://evil.example", false), ("null", false),
            ("file://localhost", false), ("http://localhost/path", false), ("http://user@localhost", false),
            ("ftp://localhost", false), ("http://localhost.evil.example", false),
        ])
    func origin(_ origin: String, allowed expected: Bool) throws {
        let allowed = try #require(Self.configured)
        #expect(allowed.allows(origin: origin) == expected)
    }

    @Test("a wildcard listening address adds no host; loopback names are always there")
    func wildcard() throws {
        let allowed = try AllowedHosts(configured: [], listeningOn: "0.0.0.0")
        #expect(allowed.descriptions == ["localhost", "127.0.0.1", "[::1]"])
        #expect(!allowed.allows(authority: "0.0.0.0:8080"))
    }

    @Test(
        "a configured value that is not a host name or address is refused at start, naming the value",
        arguments: ["*", "http://spar.example.com", "spar.example.com/", "a b", "spar.example.com:99999", "0.0.0.0", "[::]"])
    func invalidConfiguration(_ value: String) throws {
        let error = try #require(throws: ServerStartError.self) {
            try AllowedHosts(configured: [value], listeningOn: "127.0.0.1")
        }
        #expect(error.description.contains("'\(value)'"))
    }

    @Test("over TCP: a foreign Host gets 421 misdirected-request in open mode; loopback names and configured names pass")
    func openModeHosts() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        var configuration = fixture.configuration
        configuration.allowedHosts = ["spar.example.com"]
        let app = try await buildApplication(configuration)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            func get(_ path: String, host: String?) async throws -> RawHTTP.Answer {
                let hostLine = host.map { "Host: \($0)\r\n" } ?? ""
                let version = host == nil ? "HTTP/1.0" : "HTTP/1.1"
                return try #require(
                    try await RawHTTP.exchange(
                        port: port, "GET \(path) \(version)\r\n\(hostLine)Connection: close\r\n\r\n", ending: .halfClose))
            }
            for host in ["evil.example", "evil.example:\(port)", "127.0.0.2:\(port)"] {
                for path in ["/api/kpis", "/", "/health", "/metrics"] {
                    let refused = try await get(path, host: host)
                    #expect(refused.status == 421, "\(host) \(path): \(refused.head)")
                    #expect(refused.header("Content-Type") == "application/problem+json", "\(host) \(path)")
                    let problem = try JSONValue.parse(Data(refused.body.utf8))
                    #expect(problem["code"]?.string == "misdirected-request")
                    #expect(problem["status"]?.number == 421)
                    #expect(problem["title"]?.string == "Not a host this server answers for")
                }
            }
            for host in ["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)", "spar.example.com", nil] {
                let answered = try await get("/api/kpis", host: host)
                #expect(answered.status == 200, "\(host ?? "no Host"): \(answered.head)")
            }
        }
    }

    @Test("signed-in mode: a foreign Host is refused before authentication, on the login page too")
    func governedHosts() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        let app = try await buildApplication(fixture.configuration)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            for path in ["/login", "/api/kpis", "/health"] {
                let refused = try #require(
                    try await RawHTTP.exchange(
                        port: port, "GET \(path) HTTP/1.1\r\nHost: rebind.evil.example:\(port)\r\nConnection: close\r\n\r\n",
                        ending: .halfClose))
                #expect(refused.status == 421, "\(path)")
            }
            let login = try #require(
                try await RawHTTP.exchange(
                    port: port, "GET /login HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n",
                    ending: .halfClose))
            #expect(login.status == 200)
        }
    }

    @Test("open mode: a write whose Origin names another host is refused with 403 and stores nothing")
    func openModeOrigin() async throws {
        try await ServerFixture().run { client in
            for origin in ["http://evil.example", "null", "http://localhost.evil.example"] {
                let r = try await client.execute(
                    uri: "/api/events", method: .post, headers: [.contentType: "application/x-ndjson", .origin: origin],
                    body: ByteBuffer(string: ServerFixture.day[0]))
                #expect(r.status == .forbidden, "\(origin)")
                #expect(try r.json()["code"]?.string == "cross-site-request", "\(origin)")
            }
            #expect(try await client.get("/health").json()["events"]?.number == 0)
            // A form posted from Spar's own page with Referrer-Policy no-referrer: Origin null, Sec-Fetch-Site
            // same-origin (the browser vouches for it); null with any other Sec-Fetch-Site is refused.
            let secFetchSite = SameOrigin.secFetchSite
            for (site, stored) in [("cross-site", false), ("same-site", false), ("same-origin", true)] {
                let r = try await client.execute(
                    uri: "/api/events", method: .post,
                    headers: [.contentType: "application/x-ndjson", .origin: "null", secFetchSite: site],
                    body: ByteBuffer(string: ServerFixture.day[0]))
                #expect(r.status == (stored ? .ok : .forbidden), "null + \(site)")
            }
            #expect(try await client.get("/health").json()["events"]?.number == 1)
            // Without Origin (a script) a post is stored.
            let script = try await client.post(ndjson: ServerFixture.day[1])
            #expect(try script.json()["accepted"]?.number == 1)
        }
    }

    @Test("token clients send no Origin and keep working; a token write with a foreign Origin is refused")
    func tokenOrigin() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        let token = try #require(fixture.tokens["mes@s"])
        try await fixture.run { client in
            let plain = try await client.post(ndjson: GovernedFixture.event("o1", unit: GovernedFixture.unitS), token: token)
            #expect(plain.status == .ok)
            #expect(try plain.json()["accepted"]?.number == 1)
            let foreign = try await client.execute(
                uri: "/api/events", method: .post,
                headers: [
                    .contentType: "application/x-ndjson", .authorization: "Bearer \(token)", .origin: "https://evil.example",
                ],
                body: ByteBuffer(string: GovernedFixture.event("o2", unit: GovernedFixture.unitS, ts: GovernedFixture.time(60))))
            #expect(foreign.status == .forbidden)
            #expect(try foreign.json()["code"]?.string == "cross-site-request")
            // An allowed host on another port passes the host check (the token needs no same-origin proof).
            let local = try await client.execute(
                uri: "/api/events", method: .post,
                headers: [
                    .contentType: "application/x-ndjson", .authorization: "Bearer \(token)", .origin: "http://localhost:3000",
                ],
                body: ByteBuffer(string: GovernedFixture.event("o3", unit: GovernedFixture.unitS, ts: GovernedFixture.time(120))))
            #expect(try local.json()["accepted"]?.number == 1)
        }
        let ids = try await fixture.governance().store.entries(kind: .event).map(\.entry.id)
        #expect(ids.sorted() == ["o1", "o3"])
    }
}
