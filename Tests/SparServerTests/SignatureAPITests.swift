import Foundation
import Hummingbird
import HummingbirdTesting
import SparCore
import SparGovernance
import SparStorage
import Testing

@testable import SparServer

@Suite("Electronic signatures over HTTP (21 CFR 11.200)")
struct SignatureAPITests {
    static func json(_ r: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
    }

    @Test("first signing of the session needs user id and password, later ones the password, both again after 15 minutes")
    func sessionRules() async throws {
        var fixture = try await GovernedFixture.make()
        defer { fixture.remove() }
        let clock = fixture.clock
        fixture = GovernedFixture(
            folder: fixture.folder,
            configuration: { var c = fixture.configuration; c.now = clock.function; return c }(),
            tokens: fixture.tokens, clock: clock)
        let tokens = fixture.tokens
        try await fixture.run { client in
            let s1 = GovernedFixture.event("sig-s1", unit: GovernedFixture.unitS)
            let t1 = GovernedFixture.event("sig-t1", unit: GovernedFixture.unitT, source: "erp")
            #expect(try await client.post(ndjson: s1, token: tokens["mes@s"]!).status == .ok)
            #expect(try await client.post(ndjson: t1, token: tokens["erp@t"]!).status == .ok)
            let qa = try await client.signIn("qa-s")
            let pw = GovernedFixture.password("qa-s")
            func sign(_ record: String, _ meaning: String, user: String?, password: String, session: String? = qa, origin: String? = GovernedFixture.origin) async throws -> TestResponse {
                let userField = user.map { #","user":"\#($0)""# } ?? ""
                return try await client.send(
                    "/api/signatures", method: .post, session: session, origin: origin,
                    body: #"{"record":"\#(record)","meaning":"\#(meaning)","password":"\#(password)"\#(userField)}"#)
            }
            let noUser = try await sign("sig-s1", "reviewed", user: nil, password: pw)
            #expect(noUser.status == .forbidden)
            #expect(try Self.json(noUser)["code"] as? String == "signing-failed")
            #expect(try Self.json(noUser)["field"] as? String == "user")

            let first = try await sign("sig-s1", "reviewed", user: "qa-s", password: pw)
            #expect(first.status == .created)
            let m1 = try Self.json(first)
            #expect(m1["components"] as? String == "user-id+password")
            #expect(m1["nextSigningNeeds"] as? String == "password")
            #expect(m1["printedName"] as? String == "Printed qa-s")
            #expect((m1["manifestation"] as? String)?.hasPrefix("Signed by Printed qa-s (qa-s, quality) — reviewed — ") == true)

            clock.advance(minutes: 10)
            let second = try await sign("sig-s1", "approved", user: nil, password: pw)
            #expect(second.status == .created)
            #expect(try Self.json(second)["components"] as? String == "password")

            let wrong = try await sign("sig-s1", "verified", user: nil, password: "not-it")
            #expect(wrong.status == .forbidden)
            #expect(try Self.json(wrong)["field"] as? String == "password")

            clock.advance(minutes: 16)
            let late = try await sign("sig-s1", "verified", user: nil, password: pw)
            #expect(late.status == .forbidden, "the signing session timed out: both components again")
            #expect(try await sign("sig-s1", "verified", user: "qa-s", password: pw).status == .created)

            // Another person's id in this session, a foreign site's record, a token, no Origin: all refused.
            #expect(try await sign("sig-s1", "verified", user: "sup-s", password: GovernedFixture.password("sup-s")).status == .forbidden)
            // A foreign site's record is answered as an unknown id (SiteScopeTests.signatureOracle).
            let foreign = try await sign("sig-t1", "reviewed", user: "qa-s", password: pw)
            #expect(foreign.status == .notFound)
            #expect(try Self.json(foreign)["detail"] as? String == "no ledger entry sig-t1")
            let byToken = try await client.execute(
                uri: "/api/signatures", method: .post,
                headers: [.authorization: "Bearer \(tokens["mes@s"]!)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"record":"sig-s1","meaning":"reviewed","password":"x"}"#))
            #expect(byToken.status == .forbidden)
            let crossSite = try await sign("sig-s1", "reviewed", user: "qa-s", password: pw, origin: nil)
            #expect(crossSite.status == .forbidden)
            #expect(try Self.json(crossSite)["code"] as? String == "cross-site-request")
            let auditor = try await client.signIn("aud-s")
            let audit = try await sign("sig-s1", "reviewed", user: "aud-s", password: GovernedFixture.password("aud-s"), session: auditor)
            #expect(audit.status == .forbidden)

            // The record's signatures as manifestations; a foreign record is not found.
            let list = try await client.send("/api/signatures?record=sig-s1", session: qa)
            #expect(list.status == .ok)
            let signatures = try #require(try Self.json(list)["signatures"] as? [[String: Any]])
            #expect(signatures.map { $0["meaning"] as? String } == ["reviewed", "approved", "verified"])
            #expect(signatures.map { $0["components"] as? String } == ["user-id+password", "password", "user-id+password"])
            #expect(try await client.send("/api/signatures?record=sig-t1", session: qa).status == .notFound)
        }
        let store = try fixture.governance().store
        let failures = try await store.entries(kind: .identity).filter {
            $0.entry.type == "auth.failed" && $0.entry.body.contains("signing")
        }
        #expect(failures.count == 1, "only the wrong password is a failed authentication; a missing user id checks nothing")
        #expect(try await fixture.governance().verifyBindings().isEmpty)
    }
}
