import Foundation
import SparCore
import SparGovernance
import SparStorage
import Testing

@Suite("Passwords, users, tokens and lockout")
struct IdentityTests {
    @Test("PHC strings: PBKDF2-SHA512 with 210,000 rounds, salted, verified; long input refused, never truncated")
    func phc() throws {
        let a = try PasswordHash.make("correct horse battery")
        let b = try PasswordHash.make("correct horse battery")
        #expect(a.hasPrefix("$pbkdf2-sha512$i=210000,l=64$"))
        #expect(a.split(separator: "$").count == 4)
        #expect(a != b, "each hash has its own salt")
        #expect(PasswordHash.verify("correct horse battery", phc: a))
        #expect(!PasswordHash.verify("correct horse batterY", phc: a))
        #expect(!PasswordHash.verify("correct horse battery", phc: a.replacingOccurrences(of: "i=210000", with: "i=1000")))
        let long = String(repeating: "x", count: 1025)
        #expect(throws: PasswordHash.Rejected.self) { try PasswordHash.checkPolicy(long, user: "u") }
        #expect(!PasswordHash.verify(long, phc: a))
        #expect(throws: PasswordHash.Rejected.self) { try PasswordHash.checkPolicy("short", user: "u") }
        #expect(throws: PasswordHash.Rejected.self) { try PasswordHash.checkPolicy("alice-the-user", user: "alice-the-user") }
        // Two passwords sharing the first 72 bytes (where bcrypt wrappers truncate) are told apart.
        let prefix = String(repeating: "p", count: 72)
        let h = try PasswordHash.make(prefix + "one")
        #expect(!PasswordHash.verify(prefix + "two", phc: h))
    }

    @Test("the first user must be an admin of every site enrolled locally; ids are never reused; only admins enrol")
    func enrolment() async throws {
        let f = try await GovernanceFixture()
        let op = try await f.enroll("olga", .operator, sites: .sites(["a"]))
        await #expect(throws: GovernanceError.self) {
            try await f.governance.enroll(
                user: "olga", printedName: "Other Olga", roles: [.operator], sites: .sites(["a"]),
                password: GovernanceFixture.password, by: f.admin)
        }
        await #expect(throws: GovernanceError.self) {
            try await f.governance.enroll(
                user: "pete", printedName: "Pete", roles: [.operator], sites: .sites(["a"]),
                password: GovernanceFixture.password, by: op)
        }
        let dir = try await f.governance.directory()
        #expect(dir.users.keys.sorted() == ["admin", "olga"])
        #expect(dir.users["olga"]?.sites == .sites(["a"]))
        #expect(op.recordedBy == "user:olga (operator; sites a) test")
    }

    @Test("every failed sign-in is recorded; the fifth in a row locks the account until an admin unlocks it")
    func lockout() async throws {
        let f = try await GovernanceFixture()
        try await f.enroll("olga", .operator, sites: .sites(["a"]))
        for i in 1...4 {
            await #expect(throws: GovernanceError.self) {
                try await f.governance.authenticate(f.credentials("olga", "wrong password \(i)"), station: "t")
            }
        }
        #expect(try await f.governance.directory().users["olga"]?.consecutiveFailures == 4)
        // A success resets the count.
        _ = try await f.governance.authenticate(f.credentials("olga"), station: "t")
        #expect(try await f.governance.directory().users["olga"]?.consecutiveFailures == 0)
        for i in 1...5 {
            await #expect(throws: GovernanceError.self) {
                try await f.governance.authenticate(f.credentials("olga", "wrong password \(i)"), station: "t")
            }
        }
        let dir = try await f.governance.directory()
        #expect(dir.users["olga"]?.locked == true)
        #expect(dir.lockouts.map(\.user) == ["olga"])
        do {
            _ = try await f.governance.authenticate(f.credentials("olga"), station: "t")
            Issue.record("a locked account signed in")
        } catch let e as GovernanceError {
            #expect(e.code == .locked)
        }
        let failures = try await f.store.entries(kind: .identity).filter { $0.entry.type == "auth.failed" }
        #expect(failures.count == 9)
        #expect(failures.allSatisfy { !$0.entry.body.contains("wrong password ") }, "attempted passwords are never stored")
        try await f.governance.setStatus(user: "olga", .unlock, reason: "identity confirmed by phone", by: f.admin)
        _ = try await f.governance.authenticate(f.credentials("olga"), station: "t")
    }

    @Test("a password hash swapped in the credential table never authenticates and verify reports it")
    func credentialSwap() async throws {
        let f = try await GovernanceFixture()
        try await f.enroll("olga", .operator, sites: .sites(["a"]))
        #expect(try await f.governance.verifyBindings().isEmpty)
        let known = try PasswordHash.make("attacker chosen password")
        let seq = try #require(try await f.governance.directory().users["olga"]?.credentialSeq)
        try f.store.executeForTesting("DROP TRIGGER credential_no_update")
        try f.store.executeForTesting("UPDATE credential SET phc = '\(known)' WHERE user = 'olga' AND seq = \(seq)")
        await #expect(throws: GovernanceError.self) {
            try await f.governance.authenticate(f.credentials("olga", "attacker chosen password"), station: "t")
        }
        let findings = try await f.governance.verifyBindings()
        #expect(findings.map(\.field) == ["credential"])
        #expect(findings.first?.id == "user olga")
    }

    @Test("a token proves its system: own source and sites accepted, another source or site rejected, revoked refused")
    func tokens() async throws {
        let f = try await GovernanceFixture()
        let (id, token) = try await f.governance.issueToken(system: "mes", sites: .sites(["a"]), by: f.admin)
        #expect(token.hasPrefix("spar_\(id)_"))
        let mes = try await f.governance.authenticate(token: token, station: "t")
        #expect(mes.id == "system:mes")
        let ok = try await f.event(site: "a", id: "e1", by: mes)
        #expect(ok.accepted == 1)
        let otherSource = try await f.event(site: "a", id: "e2", by: mes, source: "erp")
        #expect(otherSource.rejections.map(\.field) == ["source"])
        let otherSite = try await f.event(site: "b", id: "e3", by: mes)
        #expect(otherSite.rejections.map(\.field) == ["unit"])
        #expect(otherSite.rejections.first?.reason.contains("may not write site b") == true)
        await #expect(throws: GovernanceError.self) {
            try await f.governance.authenticate(token: token.dropLast(2) + "xx", station: "t")
        }
        try await f.governance.revokeToken(id: id, reason: "connector replaced", by: f.admin)
        await #expect(throws: GovernanceError.self) { try await f.governance.authenticate(token: token, station: "t") }
        let stored = try await f.store.entries(kind: .identity).map(\.entry.body).joined()
        #expect(!stored.contains(token), "the token text is never stored")
        let recorded = try #require(try await f.store.entry(id: "e1"))
        #expect(recorded.recordedBy.hasPrefix("system:mes (token \(id); sites a)"))
    }

    @Test("a metrics token is recorded with its kind, issued only by an admin of every site, never a source token, revocable")
    func metricsToken() async throws {
        let f = try await GovernanceFixture()
        let siteAdmin = try await f.enroll("adam", .admin, sites: .sites(["a"]))
        await #expect(throws: GovernanceError.self) {
            try await f.governance.issueMetricsToken(name: "prometheus", by: siteAdmin)
        }
        await #expect(throws: GovernanceError.self) {
            try await f.governance.issueMetricsToken(name: "Prometheus Server", by: f.admin)
        }
        let (id, token) = try await f.governance.issueMetricsToken(name: "prometheus", by: f.admin)
        #expect(token.hasPrefix("spar_\(id)_"))

        let issued = try #require(try await f.governance.directory().tokens[id])
        #expect(issued.kind == .metrics)
        #expect(issued.system == "prometheus")
        #expect(issued.sites == .all)
        let entry = try #require(try await f.store.entries(kind: .identity).last)
        #expect(entry.entry.type == "token.issued")
        #expect(entry.entry.body.contains(#""kind":"metrics""#))
        #expect(!entry.entry.body.contains(token), "the token text is never stored")

        let (holder, kind) = try await f.governance.authenticate(anyToken: token, station: "scraper")
        #expect(kind == .metrics)
        #expect(holder.id == "system:prometheus")
        #expect(holder.roles.isEmpty)
        // As a source system's token it is refused like an unknown one, so it can post no event.
        await #expect(throws: GovernanceError.self) { try await f.governance.authenticate(token: token, station: "t") }

        // Source-system tokens keep their kind (their entries carry none).
        let (sourceID, sourceToken) = try await f.governance.issueToken(system: "mes", sites: .sites(["a"]), by: f.admin)
        #expect(try await f.governance.directory().tokens[sourceID]?.kind == .source)
        #expect(try await f.governance.authenticate(anyToken: sourceToken, station: "t").1 == .source)

        try await f.governance.revokeToken(id: id, reason: "scraper moved", by: f.admin)
        #expect(try await f.governance.directory().tokens[id]?.revoked == true)
        await #expect(throws: GovernanceError.self) {
            try await f.governance.authenticate(anyToken: token, station: "scraper")
        }
    }
}
