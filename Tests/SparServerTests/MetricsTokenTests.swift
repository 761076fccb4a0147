import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparGovernance
import SparInterchange
import Testing

@testable import SparServer

/// Monitoring without a browser session: a read-only metrics token for Prometheus, and `/health` for load balancers.
@Suite("Metrics tokens and the liveness probe")
struct MetricsTokenTests {
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    @Test("a metrics token reads GET /metrics and GET /health, and nothing else (403 forbidden)")
    func metricsToken() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        let token = try #require(fixture.tokens["metrics"])
        try await fixture.run { client in
            _ = try await client.post(
                ndjson: GovernedFixture.event("m1", unit: GovernedFixture.unitS), token: try #require(fixture.tokens["mes@s"]))
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: Self.bearer(token))
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(String(buffer: metrics.body).contains("spar_ingest_batches_total 1"))

            let health = try await client.execute(uri: "/health", method: .get, headers: Self.bearer(token))
            #expect(health.status == .ok)
            #expect(try health.json() == .object(["status": .string("ok")]))

            let refused: [(String, HTTPRequest.Method)] = [
                ("/api/kpis", .get), ("/api/kpi?scope=e/s&from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z", .get),
                ("/api/equipment", .get), ("/api/systems", .get), ("/api/stream", .get), ("/api/session", .get),
                ("/api/signatures?record=m1", .get), ("/api/blueprint/analysis", .get), ("/openapi.json", .get),
                ("/", .get), ("/ingest", .get), ("/login", .get), ("/metrics", .post), ("/api/events", .post),
                ("/api/session", .delete), ("/logout", .post),
            ]
            for (uri, method) in refused {
                var headers = Self.bearer(token)
                headers[.contentType] = "application/x-ndjson"
                let r = try await client.execute(
                    uri: uri, method: method, headers: headers,
                    body: method == .get ? nil : ByteBuffer(string: GovernedFixture.event("m2", unit: GovernedFixture.unitS)))
                #expect(r.status == .forbidden, "\(method) \(uri): \(r.status)")
                #expect(try r.json()["code"]?.string == "forbidden", "\(method) \(uri)")
            }
            // A source system's token still does not read the metrics.
            let source = try await client.execute(
                uri: "/metrics", method: .get, headers: Self.bearer(try #require(fixture.tokens["mes@*"])))
            #expect(source.status == .forbidden)
        }
        // The refused post stored nothing.
        let ids = try await fixture.governance().store.entries(kind: .event).map(\.entry.id)
        #expect(ids == ["m1"])
    }

    @Test("a revoked metrics token is refused at once (401)")
    func revoked() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        let token = try #require(fixture.tokens["metrics"])
        try await fixture.run { client in
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: Self.bearer(token)).status == .ok)
            let governance = try fixture.governance()
            let id = try #require(try await governance.directory().tokens.values.first { $0.kind == .metrics }?.id)
            try await governance.revokeToken(id: id, reason: "scraper retired", by: GovernedFixture.adminPrincipal)
            let r = try await client.execute(uri: "/metrics", method: .get, headers: Self.bearer(token))
            #expect(r.status == .unauthorized)
            #expect(r.headers[.wwwAuthenticate] == #"Bearer realm="spar", error="invalid_token""#)
        }
    }

    @Test("/health answers a caller without credentials with the status only; a signed-in reader also gets the counts")
    func health() async throws {
        let fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        try await fixture.run { client in
            _ = try await client.post(
                ndjson: GovernedFixture.event("h1", unit: GovernedFixture.unitS), token: try #require(fixture.tokens["mes@s"]))
            let anonymous = try await client.execute(uri: "/health", method: .get)
            #expect(anonymous.status == .ok)
            #expect(anonymous.headers[.contentType] == "application/json")
            #expect(try anonymous.json() == .object(["status": .string("ok")]))
            let session = try await client.signIn("aud-all")
            let reader = try await client.send("/health", session: session).json()
            #expect(reader["status"]?.string == "ok")
            #expect(reader["events"]?.number == 1)
            #expect(reader["plantModelVersion"]?.string?.isEmpty == false)
            // Other routes still need credentials.
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
        }
    }
}
