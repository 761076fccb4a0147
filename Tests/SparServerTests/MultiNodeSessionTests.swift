import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import SparCore
import SparEngine
import SparGovernance
import SparPostgres
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

@testable import SparServer

/// Two nodes serving one PostgreSQL copy of the governed fixture's ledger, with one manual session clock.
struct TwoNodes {
    let a: ServerConfiguration
    let b: ServerConfiguration
    let clock: ManualClock
    let database: String
    let folder: URL

    static func make(loginAttemptsPerMinute: Int = 10, loginAttemptsPerAddressPerMinute: Int = 60) async throws -> TwoNodes {
        let single = try await GovernedFixture.make()
        defer { single.remove() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-two-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = folder.appendingPathComponent("ledger.key").path
        try FileManager.default.copyItem(atPath: single.configuration.database + ".key", toPath: key)
        let database = try PostgresServer.start().freshDatabase()
        let source = try SQLiteLedgerStore(path: single.configuration.database)
        let target = try await PostgresLedgerStore(url: database, signingKeyPath: key)
        _ = try await LedgerMigration.copy(from: source, to: target, batch: 500)
        let clock = ManualClock(t("2026-06-11T00:00:00Z"))
        func node() -> ServerConfiguration {
            var logger = Logger(label: "spar.server.test")
            logger.logLevel = .warning
            return ServerConfiguration(
                port: 0, database: database, signingKeyPath: key, recordedBy: "test",
                metrics: PrometheusCollectorRegistry(), now: { ServerFixture.clock }, logger: logger,
                authentication: AuthenticationSettings(
                    loginAttemptsPerMinute: loginAttemptsPerMinute,
                    loginAttemptsPerAddressPerMinute: loginAttemptsPerAddressPerMinute, clock: clock.function))
        }
        return TwoNodes(a: node(), b: node(), clock: clock, database: database, folder: folder)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Runs `test` with a client of each node.
    func run(_ test: @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void) async throws {
        let appA = try await buildApplication(a)
        let appB = try await buildApplication(b)
        try await appA.test(.router) { a in
            try await appB.test(.router) { b in try await test(a, b) }
        }
    }
}

@Suite("Sessions, rate limits and lockouts across nodes on one PostgreSQL ledger")
struct MultiNodeSessionTests {
    static func login(_ client: any TestClientProtocol, _ user: String, _ password: String) async throws -> TestResponse {
        try await client.send(
            "/api/session", method: .post, session: nil, body: #"{"user":"\#(user)","password":"\#(password)"}"#)
    }

    @Test("a session signed in on one node is valid on the other, follows its idle timeout there, and ends on both at sign-out")
    func sharedSession() async throws {
        let nodes = try await TwoNodes.make()
        defer { nodes.remove() }
        try await nodes.run { a, b in
            let session = try await a.signIn("op-s")
            // The database holds the digest of the id, never the id a browser presents.
            let store = try await PostgresLedgerStore(url: nodes.database, signingKeyPath: "")
            #expect(try await store.session(key: SessionStore.key(session))?.user == "op-s")
            #expect(try await store.session(key: session) == nil)
            #expect(SessionStore.key(session).count == 64)
            let onB = try await b.send("/api/session", session: session)
            #expect(onB.status == .ok)
            #expect(try onB.json()["user"]?.string == "op-s")
            #expect(try onB.json()["roles"] == .array([.string("operator")]))
            #expect(try await b.send("/api/kpi?scope=e/s&from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z", session: session).status == .ok)
            // Used on b 29 minutes later, it lives on a 29 minutes after that (idle 30 minutes, from the last use anywhere).
            nodes.clock.advance(minutes: 29)
            #expect(try await b.send("/api/session", session: session).status == .ok)
            nodes.clock.advance(minutes: 29)
            #expect(try await a.send("/api/session", session: session).status == .ok)
            // Signed out on b, it is gone on a.
            #expect(try await b.send("/api/session", method: .delete, session: session).status == .noContent)
            #expect(try await a.send("/api/session", session: session).status == .unauthorized)
            // A session idle for 30 minutes ends on every node.
            let second = try await b.signIn("aud-s")
            nodes.clock.advance(minutes: 30)
            #expect(try await a.send("/api/session", session: second).status == .unauthorized)
            #expect(try await b.send("/api/session", session: second).status == .unauthorized)
        }
        // Signed out and timed out sessions are gone from the table (the second ended at its use after the timeout).
        let store = try await PostgresLedgerStore(url: nodes.database, signingKeyPath: "")
        #expect(try await store.sessionCount() == 0)
    }

    @Test("sign-in attempts count on every node: the limit is reached by attempts split over two nodes (429)")
    func sharedRateLimit() async throws {
        let nodes = try await TwoNodes.make(loginAttemptsPerMinute: 3, loginAttemptsPerAddressPerMinute: 60)
        defer { nodes.remove() }
        try await nodes.run { a, b in
            #expect(try await Self.login(a, "op-s", "wrong-password-1").status == .unauthorized)
            #expect(try await Self.login(b, "op-s", "wrong-password-2").status == .unauthorized)
            #expect(try await Self.login(a, "op-s", "wrong-password-3").status == .unauthorized)
            // The fourth, on b with the right password, is not even checked.
            let limited = try await Self.login(b, "op-s", GovernedFixture.password("op-s"))
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "60")
            #expect(try await Self.login(a, "op-s", GovernedFixture.password("op-s")).status == .tooManyRequests)
            nodes.clock.advance(minutes: 1)
            #expect(try await b.signIn("op-s").isEmpty == false)
        }
    }

    @Test("failures on two nodes lock the account on both, and end the session it held on either")
    func sharedLockout() async throws {
        let nodes = try await TwoNodes.make()
        defer { nodes.remove() }
        try await nodes.run { a, b in
            let session = try await b.signIn("op-s")
            for i in 1...5 {
                let r = try await Self.login(i % 2 == 0 ? b : a, "op-s", "wrong-password-\(i)")
                #expect(r.status.code == (i < 5 ? 401 : 423), "attempt \(i)")
            }
            for node in [a, b] {
                let right = try await Self.login(node, "op-s", GovernedFixture.password("op-s"))
                #expect(right.status.code == 423)
                #expect(try right.json()["code"]?.string == "account-locked")
                #expect(try await node.send("/api/session", session: session).status == .unauthorized)
            }
        }
        let store = try await PostgresLedgerStore(url: nodes.database, signingKeyPath: "")
        let identity = try await store.entries(kind: .identity)
        #expect(identity.filter { $0.entry.type == "auth.failed" && $0.entry.unit == "op-s" }.count == 5)
        #expect(identity.filter { $0.entry.type == "account.locked" && $0.entry.unit == "op-s" }.count == 1)
    }
}
