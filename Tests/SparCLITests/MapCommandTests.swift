import Foundation
import Testing

@Suite("spar map and blueprint lineage, end to end")
struct MapCommandTests {
    @Test("the demo ledger's blueprint analysis ranks gaps and kpi lineage names the blueprint version")
    func demoAnalysis() throws {
        let dir = try SparProcess.temporaryDirectory()
        let db = dir.appendingPathComponent("demo.sqlite").path
        let demo = try SparProcess.run(["demo", "--db", db, "--days", "2"])
        #expect(demo.status == 0, "\(demo.stderr)")

        let auditor = ["SPAR_USER": "auditor", "SPAR_PASSWORD": "demo-auditor-pass"]
        let analyze = try SparProcess.run(["map", "analyze", "--db", db, "--format", "json"], environment: auditor)
        #expect(analyze.status == 0, "\(analyze.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(analyze.stdout.utf8)) as? [String: Any])
        let gaps = try #require(report["gaps"] as? [[String: Any]])
        #expect(!gaps.isEmpty)
        let ranks = gaps.compactMap { $0["rank"] as? Int }
        #expect(ranks == Array(1...gaps.count))
        let totals = gaps.compactMap { ($0["exposure"] as? [String: Any])?["total"] as? Int }
        #expect(totals.count == gaps.count)
        // The unvalidated rework spreadsheet feeds toulouse's quality data collection: it must be reported.
        #expect(gaps.contains { ($0["recommendation"] as? String)?.contains("rework-xls") == true })
        let versions = try #require(report["versions"] as? [String: Any])
        let blueprint = try #require(versions["blueprint"] as? String)

        let kpi = try SparProcess.run([
            "kpi", "--db", db, "--scope", "aerostar", "--from", "2026-09-07T00:00:00Z", "--to", "2026-09-08T00:00:00Z",
            "--format", "json",
        ], environment: auditor)
        #expect(kpi.status == 0, "\(kpi.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(kpi.stdout.utf8)) as? [String: Any])
        let lineage = try #require(json["lineage"] as? [String: Any])
        #expect(lineage["blueprintVersion"] as? String == blueprint)
        #expect(lineage["definitionVersion"] as? String == "spar-kpi-2")

        // The demo's governance: users per role, two approved changes in force (a reason code, spar-kpi-2), one awaiting approval.
        let changes = try SparProcess.run(["change", "list", "--db", db, "--format", "json"], environment: auditor)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(changes.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["state"] as? String } == ["effective", "effective", "proposed"])
        #expect((list.first?["signatures"] as? [[String: Any]])?.map { $0["signer"] as? String } == ["engineer", "quality"])
        #expect(try SparProcess.run(["verify", "--db", db], environment: auditor).status == 0)
        let operatorEnv = ["SPAR_USER": "operator", "SPAR_PASSWORD": "demo-operator-pass"]
        let denied = try SparProcess.run(["map", "analyze", "--db", db], environment: operatorEnv)
        #expect(denied.status != 0)
        #expect(denied.stderr.contains("may not read site"))
        let users = try SparProcess.run(["user", "list", "--db", db, "--format", "json"], environment: auditor)
        let directory = try #require(try JSONSerialization.jsonObject(with: Data(users.stdout.utf8)) as? [String: Any])
        #expect((directory["users"] as? [Any])?.count == 7)
        #expect((directory["tokens"] as? [Any])?.count == 7)
    }
}
