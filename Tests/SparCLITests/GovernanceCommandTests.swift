import Foundation
import SparTestSupport
import Testing

/// A two-site ledger (sites `a` and `b`) with an admin and site-a users, driven through the real `spar` binary.
struct GovernedLedgerFixture {
    static let password = "correct horse battery"
    static let plant = """
        enterprise: e
        sites:
          - id: a
            timeZone: UTC
            areas: [{ id: x, workCenters: [{ id: w, kind: productionLine, workUnits: [{ id: u1 }] }] }]
          - id: b
            timeZone: UTC
            areas: [{ id: x, workCenters: [{ id: w, kind: productionLine, workUnits: [{ id: u1 }] }] }]
        reasons:
          - { code: run, category: production }
          - { code: jam, category: delay }
        systems:
          - { id: mes, kind: MES, validated: true }
        """

    let dir: URL
    let db: String
    let plantPath: String

    static func event(_ id: String, site: String, minute: Int = 0) -> String {
        let mm = minute < 10 ? "0\(minute)" : "\(minute)"
        return #"{"id":"\#(id)","ts":"2026-06-01T06:\#(mm):00Z","source":"mes","unit":"e/\#(site)/x/w/u1","type":"state","reason":"run"}"#
    }

    init(users: [(String, String, String)]) throws {
        dir = try SparProcess.temporaryDirectory()
        db = dir.appendingPathComponent("ledger.sqlite").path
        plantPath = dir.appendingPathComponent("plant.yaml").path
        try Self.plant.write(toFile: plantPath, atomically: true, encoding: .utf8)
        let events = [Self.event("a1", site: "a"), Self.event("b1", site: "b")].joined(separator: "\n")
        let ingest = try SparProcess.run(["ingest", "--db", db, "--plant", plantPath, "-"], stdin: events)
        precondition(ingest.status == 0, ingest.stderr)
        let admin = try SparProcess.run(
            ["user", "add", "--db", db, "--user", "admin", "--name", "Ada Admin", "--role", "admin", "--sites", "*"],
            environment: ["SPAR_NEW_PASSWORD": Self.password])
        precondition(admin.status == 0, admin.stderr)
        for (user, role, sites) in users {
            let r = try run(
                "admin", ["user", "add", "--user", user, "--name", user.capitalized, "--role", role, "--sites", sites],
                extra: ["SPAR_NEW_PASSWORD": Self.password])
            precondition(r.status == 0, r.stderr)
        }
    }

    /// Runs `spar` as `user` against the fixture's ledger (`--db` appended).
    func run(_ user: String, _ arguments: [String], stdin: String? = nil, password: String = password, extra: [String: String] = [:]) throws -> SparProcess.Output {
        try SparProcess.run(
            arguments + ["--db", db], stdin: stdin,
            environment: ["SPAR_USER": user, "SPAR_PASSWORD": password].merging(extra) { _, n in n })
    }
}

@Suite("Identities, signatures and change control through the spar binary")
struct GovernanceCommandTests {
    @Test("a user of site a can neither read nor write site b through any command")
    func crossSiteDenial() throws {
        let f = try GovernedLedgerFixture(users: [
            ("olga", "operator", "a"), ("erin", "engineer", "a"), ("avery", "auditor", "a"), ("sam", "supervisor", "a"),
        ])
        let window = ["--from", "2026-06-01T00:00:00Z", "--to", "2026-06-02T00:00:00Z"]
        // (user, arguments, stdin) that each touch site b or every site: all must be refused.
        let denied: [(String, [String], String?)] = [
            ("olga", ["ingest", "-"], GovernedLedgerFixture.event("b2", site: "b", minute: 5)),
            ("sam", ["ingest", "-"], GovernedLedgerFixture.event("b3", site: "b", minute: 6)),
            ("olga", ["kpi", "--scope", "e/b"] + window, nil),
            ("olga", ["kpi", "--scope", "e"] + window, nil),
            ("avery", ["kpi", "--scope", "e/b/x/w/u1"] + window, nil),
            ("avery", ["audit", "--site", "b"], nil),
            ("olga", ["rebuild"], nil),
            ("avery", ["map", "history"], nil),
            ("avery", ["verify"], nil),
            ("olga", ["verify"], nil),
            ("avery", ["checkpoint", "export"], nil),
            ("avery", ["proof", "inclusion", "--seq", "1"], nil),
            ("sam", ["sign", "--record", "b1", "--meaning", "reviewed"], nil),
            ("erin", ["change", "propose", "--plant", f.plantPath + ".b", "--reason", "b calendar"], nil),
            ("olga", ["user", "list"], nil),
            ("olga", ["user", "add", "--user", "x", "--name", "X", "--role", "operator", "--sites", "a"], nil),
        ]
        let changed = GovernedLedgerFixture.plant.replacingOccurrences(
            of: "  - id: b\n    timeZone: UTC", with: "  - id: b\n    timeZone: Europe/Paris")
        try changed.write(toFile: f.plantPath + ".b", atomically: true, encoding: .utf8)
        for (user, args, stdin) in denied {
            let r = try f.run(user, args, stdin: stdin, extra: ["SPAR_NEW_PASSWORD": GovernedLedgerFixture.password])
            #expect(r.status != 0, "\(user) \(args.joined(separator: " ")) was allowed:\n\(r.stdout)")
            #expect(
                (r.stderr + r.stdout).contains("access denied") || (r.stderr + r.stdout).contains("may not"),
                "\(user) \(args.joined(separator: " ")): \(r.stderr)")
        }
        // Nothing of site b was written.
        let all = try f.run("admin", ["audit", "--format", "json", "--limit", "0"])
        #expect(!all.stdout.contains("\"b2\"") && !all.stdout.contains("\"b3\""))
        // The same users on their own site.
        #expect(try f.run("olga", ["ingest", "-"], stdin: GovernedLedgerFixture.event("a2", site: "a", minute: 5)).status == 0)
        let kpi = try f.run("avery", ["kpi", "--scope", "e/a", "--format", "json"] + window)
        #expect(kpi.status == 0, "\(kpi.stderr)")
        let audit = try f.run("avery", ["audit", "--format", "json", "--limit", "0"])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("\"a1\"") && !audit.stdout.contains("\"b1\""), "site b's events stay hidden")
        let recorded = try f.run("admin", ["audit", "--record", "a2", "--format", "json"])
        #expect(recorded.stdout.contains("user:olga (operator; sites a) cli@"))
    }

    @Test("sign: both components, manifestation shown, wrong password recorded, five lock the account")
    func signing() throws {
        let f = try GovernedLedgerFixture(users: [("quinn", "quality", "*")])
        let ok = try f.run("quinn", ["sign", "--record", "a1", "--meaning", "verified", "--reason", "matches traveler"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("Signed by Quinn (quinn, quality) — verified — "))
        #expect(ok.stdout.contains("UTC — matches traveler"))
        let list = try f.run("quinn", ["sign", "list", "--record", "a1", "--format", "json"])
        let sigs = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(sigs.count == 1)
        #expect(sigs.first?["printedName"] as? String == "Quinn")
        #expect(sigs.first?["meaning"] as? String == "verified")
        #expect(sigs.first?["components"] as? String == "user-id+password")
        let trail = try f.run("admin", ["audit", "--record", "a1"])
        #expect(trail.stdout.contains("signed a1: Quinn (quinn) — verified — "), "\(trail.stdout)")
        for i in 1...5 {
            let bad = try f.run("quinn", ["sign", "--record", "a1", "--meaning", "approved"], password: "not the password")
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("the account is now locked") == (i == 5))
        }
        let locked = try f.run("quinn", ["sign", "--record", "a1", "--meaning", "approved"])
        #expect(locked.status != 0)
        #expect(locked.stderr.contains("locked"))
        let users = try f.run("admin", ["user", "list"])
        #expect(users.stdout.contains("ALERT: quinn was locked"))
        let unlock = try f.run("admin", ["user", "status", "--user", "quinn", "--action", "unlock", "--reason", "verified in person"])
        #expect(unlock.status == 0, "\(unlock.stderr)")
        #expect(try f.run("quinn", ["sign", "--record", "a1", "--meaning", "approved"]).status == 0)
        let verify = try f.run("admin", ["verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("signatures bound to the entries they sign"))
    }

    @Test("change control: propose, approvals by role with signatures, effective time, and KPIs as of a definition")
    func changeControl() throws {
        let f = try GovernedLedgerFixture(users: [("erin", "engineer", "*"), ("quinn", "quality", "*"), ("ed", "engineer", "*")])
        // Site b gets a calendar: one shift 06:00–10:00 UTC, so its planned busy time on 2026-06-01 drops from 24 h to 4 h.
        let changed = GovernedLedgerFixture.plant.replacingOccurrences(
            of: "  - id: b\n    timeZone: UTC", with: "  - id: b\n    timeZone: UTC\n    calendar: short")
            + "\ncalendars:\n  - id: short\n    shifts: [{ name: A, days: [mon, tue, wed, thu, fri], start: \"06:00\", end: \"10:00\" }]\n"
        let next = f.dir.appendingPathComponent("next.yaml").path
        try changed.write(toFile: next, atomically: true, encoding: .utf8)
        let direct = try f.run("admin", ["ingest", "--plant", next, "--update-plant", "-"], stdin: "")
        #expect(direct.status != 0)
        #expect(direct.stderr.contains("spar change propose"))
        let propose = try f.run("erin", ["change", "propose", "--plant", next, "--reason", "b works one short shift"])
        #expect(propose.status == 0, "\(propose.stderr)")
        #expect(propose.stdout.contains("CR-0001 proposed"))
        #expect(propose.stdout.contains("changed unit e/b/x/w/u1: calendar none → short"))
        let window = ["--scope", "e/b", "--from", "2026-06-01T00:00:00Z", "--to", "2026-06-02T00:00:00Z", "--format", "json"]
        func pbt(_ extra: [String] = []) throws -> Double? {
            let r = try f.run("admin", ["kpi"] + window + extra)
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            return (json?["elements"] as? [String: Any])?["PBT"] as? Double
        }
        #expect(try pbt() == 86_400, "not approved yet: the old model applies")
        #expect(try f.run("erin", ["change", "approve", "CR-0001"]).status != 0, "the proposer cannot approve")
        let q = try f.run("quinn", ["change", "approve", "CR-0001", "--reason", "quality impact reviewed"])
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout.contains("Signed by Quinn (quinn, quality) — approved"))
        #expect(q.stdout.contains("awaiting engineer"))
        #expect(try pbt() == 86_400)
        let e = try f.run("ed", ["change", "approve", "CR-0001"])
        #expect(e.stdout.contains("effective since"), "\(e.stdout)\(e.stderr)")
        #expect(try pbt() == 4 * 3_600)
        let before = try f.run("admin", ["change", "show", "CR-0001", "--format", "json"])
        let cr = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any])
        #expect(cr["state"] as? String == "effective")
        #expect((cr["signatures"] as? [[String: Any]])?.map { $0["signer"] as? String } == ["quinn", "ed"])
        let proposedAt = try #require(cr["proposedAt"] as? String)
        #expect(try pbt(["--definitions-as-of", proposedAt]) == 86_400, "as of the proposal, the old definition")
        let verify = try f.run("admin", ["verify"])
        #expect(verify.status == 0, "\(verify.stdout)")

        // A second request, rejected: it never applies.
        #expect(try f.run("erin", ["change", "propose", "--plant", f.plantPath, "--reason", "back to around the clock"]).status == 0)
        let reject = try f.run("quinn", ["change", "reject", "CR-0002", "--reason", "b keeps its shift"])
        #expect(reject.stdout.contains("CR-0002: rejected"), "\(reject.stderr)")
        #expect(try f.run("ed", ["change", "approve", "CR-0002"]).status != 0)
        #expect(try pbt() == 4 * 3_600)
    }
}

@Suite("spar oq through the binary")
struct OQCommandTests {
    @Test("spar oq writes a signed report that verify-report accepts, and a changed byte is caught")
    func report() throws {
        let dir = try SparProcess.temporaryDirectory()
        let out = dir.appendingPathComponent("oq").path
        let run = try SparProcess.run(["oq", "--out", out, "--key", dir.appendingPathComponent("oq.key").path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("PASS: 10/10 checks passed, 0 failed"), "\(run.stdout)")
        for file in ["report.json", "report.md", "report.html", "report.sig", "report.pub"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
        }
        let verified = try SparProcess.run(["oq", "verify-report", out])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let md = out + "/report.md"
        var text = try String(contentsOfFile: md, encoding: .utf8)
        text = text.replacingOccurrences(of: "PASS", with: "PAS5", options: [], range: text.range(of: "PASS"))
        try text.write(toFile: md, atomically: true, encoding: .utf8)
        let altered = try SparProcess.run(["oq", "verify-report", out])
        #expect(altered.status == 1, "\(altered.stdout)\(altered.stderr)")
    }

    @Test("spar audit shows a site's user the identity entries of its site's users and tokens and of '*' holders only")
    func auditIdentities() throws {
        let f = try GovernedLedgerFixture(users: [("olga", "operator", "a"), ("bob", "operator", "b"), ("avery", "auditor", "a")])
        for (system, sites) in [("mes", "a"), ("mes", "b")] {
            let issued = try f.run("admin", ["user", "token", "issue", "--system", system, "--sites", sites])
            #expect(issued.status == 0, "\(issued.stderr)")
        }
        let metrics = try f.run("admin", ["user", "token", "issue", "--metrics", "--system", "prometheus"])
        #expect(metrics.status == 0, "\(metrics.stderr)")
        #expect(metrics.stdout.hasPrefix("spar_"))
        // A failed sign-in of bob (site b) and one of olga (site a), recorded as identity entries about them.
        #expect(try f.run("bob", ["audit"], password: "wrong password").status != 0)
        #expect(try f.run("olga", ["audit"], password: "wrong password").status != 0)

        func identities(_ user: String) throws -> [[String: Any]] {
            let r = try f.run(user, ["audit", "--format", "json", "--limit", "0"])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
            return lines.filter { $0["kind"] as? String == "identity" }
        }
        func summary(_ lines: [[String: Any]]) -> [String] {
            lines.map { l in
                let value = l["newValue"] as? String ?? ""
                let sites = value.components(separatedBy: #""sites":""#).dropFirst().first?.prefix { $0 != "\"" } ?? ""
                return "\(l["type"] as? String ?? "?") \(l["unit"] as? String ?? "?")" + (sites.isEmpty ? "" : " \(sites)")
            }
        }
        // The admin sees every identity entry: 4 enrolments, 3 tokens, 2 failed sign-ins.
        let all = summary(try identities("admin"))
        #expect(all.filter { $0.hasPrefix("user.enrolled") } == [
            "user.enrolled admin *", "user.enrolled olga a", "user.enrolled bob b", "user.enrolled avery a",
        ])
        #expect(all.filter { $0.hasPrefix("token.issued") } == [
            "token.issued mes a", "token.issued mes b", "token.issued prometheus *",
        ])
        #expect(all.filter { $0.hasPrefix("auth.failed") } == ["auth.failed bob", "auth.failed olga"])
        // The auditor of site a: nothing about bob or the site-b token; the '*' admin and metrics token are shown.
        let scoped = summary(try identities("avery"))
        #expect(scoped.filter { $0.hasPrefix("user.enrolled") } == [
            "user.enrolled admin *", "user.enrolled olga a", "user.enrolled avery a",
        ])
        #expect(scoped.filter { $0.hasPrefix("token.issued") } == ["token.issued mes a", "token.issued prometheus *"])
        #expect(scoped.filter { $0.hasPrefix("auth.failed") } == ["auth.failed olga"])
        #expect(!scoped.contains { $0.contains("bob") })
        let list = try f.run("admin", ["user", "list"])
        #expect(list.stdout.contains("\tmetrics prometheus\tsites *\tactive"), "\(list.stdout)")
    }
}
