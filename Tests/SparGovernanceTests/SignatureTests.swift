import Foundation
import SparCore
import SparGovernance
import SparStorage
import Testing

@Suite("Electronic signatures (21 CFR Part 11)")
struct SignatureTests {
    @Test("two components first, the password alone within the session, both again after the timeout")
    func reauthentication() async throws {
        let f = try await GovernanceFixture()
        try await f.enroll("quinn", .quality, sites: .all, name: "Quinn Q. Quality")
        _ = try await f.event(site: "a", id: "e1")
        _ = try await f.event(site: "b", id: "e2")
        // No user id on the first signing of a session.
        do {
            _ = try await f.governance.sign(
                record: "e1", meaning: .reviewed, reason: nil, credentials: f.credentials(nil), session: nil, station: "t")
            Issue.record("signed without a user id")
        } catch let e as GovernanceError {
            #expect(e.field == "user")
        }
        let (first, session) = try await f.governance.sign(
            record: "e1", meaning: .reviewed, reason: "checked against the traveler", credentials: f.credentials("quinn"),
            session: nil, station: "t")
        #expect(first.components == .userIDAndPassword)
        #expect(first.printedName == "Quinn Q. Quality")
        #expect(first.signedAt == GovernanceFixture.start)
        #expect(first.description == "Signed by Quinn Q. Quality (quinn, quality) — reviewed — 2026-06-01T08:00:00Z UTC — checked against the traveler")
        f.clock.advance(seconds: 10 * 60)
        #expect(f.governance.requiredComponents(session: session) == .password)
        let (second, session2) = try await f.governance.sign(
            record: "e2", meaning: .verified, reason: nil, credentials: f.credentials(nil), session: session, station: "t")
        #expect(second.components == .password)
        #expect(second.signer == "quinn")
        f.clock.advance(seconds: 16 * 60)
        #expect(f.governance.requiredComponents(session: session2) == .userIDAndPassword)
        await #expect(throws: GovernanceError.self) {
            try await f.governance.sign(
                record: "e2", meaning: .approved, reason: nil, credentials: f.credentials(nil), session: session2,
                station: "t")
        }
        // Another person's user id in this session is refused: a signature is personal.
        try await f.enroll("sam", .supervisor, sites: .all)
        await #expect(throws: GovernanceError.self) {
            try await f.governance.sign(
                record: "e2", meaning: .approved, reason: nil, credentials: f.credentials("sam"), session: session2,
                station: "t")
        }
        #expect(try await f.governance.signatures(of: "e1").map(\.meaning) == [.reviewed])
        #expect(try await f.governance.signatures(of: "e2").map(\.meaning) == [.verified])
    }

    @Test("a wrong password does not sign, is recorded, and five lock the signer out")
    func failedSigning() async throws {
        let f = try await GovernanceFixture()
        try await f.enroll("quinn", .quality, sites: .all)
        _ = try await f.event(site: "a", id: "e1")
        for _ in 1...5 {
            await #expect(throws: GovernanceError.self) {
                try await f.governance.sign(
                    record: "e1", meaning: .approved, reason: nil, credentials: f.credentials("quinn", "not my password"),
                    session: nil, station: "t")
            }
        }
        #expect(try await f.governance.signatures(of: "e1").isEmpty)
        let identity = try await f.store.entries(kind: .identity)
        #expect(identity.filter { $0.entry.type == "auth.failed" && $0.entry.body.contains("signing") }.count == 5)
        #expect(try await f.governance.directory().users["quinn"]?.locked == true)
        do {
            _ = try await f.governance.sign(
                record: "e1", meaning: .approved, reason: nil, credentials: f.credentials("quinn"), session: nil, station: "t")
            Issue.record("a locked signer signed")
        } catch let e as GovernanceError {
            #expect(e.code == .locked)
        }
    }

    @Test("signing another site's record is denied")
    func siteScope() async throws {
        let f = try await GovernanceFixture()
        try await f.enroll("olga", .operator, sites: .sites(["a"]))
        _ = try await f.event(site: "b", id: "e-b")
        do {
            _ = try await f.governance.sign(
                record: "e-b", meaning: .authored, reason: nil, credentials: f.credentials("olga"), session: nil, station: "t")
            Issue.record("signed a foreign site's record")
        } catch let e as GovernanceError {
            #expect(e.code == .denied)
            #expect(e.message.contains("site b"))
        }
    }

    @Test("a signature moved to another record, or a signed record altered, is detected")
    func binding() async throws {
        let f = try await GovernanceFixture()
        try await f.enroll("quinn", .quality, sites: .all)
        _ = try await f.event(site: "a", id: "e1")
        _ = try await f.event(site: "b", id: "e2")
        let (m, _) = try await f.governance.sign(
            record: "e1", meaning: .approved, reason: nil, credentials: f.credentials("quinn"), session: nil, station: "t")
        #expect(try await f.governance.verifyBindings().isEmpty)
        let e1 = try #require(try await f.store.entry(id: "e1"))
        #expect(m.recordHash == e1.hash.hex)
        #expect(m.recordSeq == e1.seq)
        // Point the signature at e2 (what a copy to another record amounts to).
        try f.store.executeForTesting("DROP TRIGGER ledger_no_update")
        try f.store.executeForTesting(
            "UPDATE ledger SET body = replace(body, '\"record\":\"e1\"', '\"record\":\"e2\"') WHERE id = '\(m.signatureID)'")
        let moved = try await f.governance.verifyBindings()
        #expect(Set(moved.map(\.field)) == ["recordSeq", "recordHash", "unit"])
        #expect(moved.allSatisfy { $0.id == m.signatureID })
    }
}
