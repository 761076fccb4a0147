import Foundation
import SparTestSupport
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

    /// `Examples/` at the package root.
    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples").appendingPathComponent(name).path
    }

    @Test("map analyze writes the Markdown report and the gap and ownership CSVs; other commands refuse them")
    func exportFormats() throws {
        let inputs = ["--plant", Self.example("plant.yaml"), "--blueprint", Self.example("blueprint.yaml")]
        let json = try SparProcess.run(["map", "analyze"] + inputs + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let gaps = try #require(report["gaps"] as? [[String: Any]])
        #expect(!gaps.isEmpty)

        let csv = try SparProcess.run(["map", "analyze"] + inputs + ["--format", "csv-gaps"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.hasSuffix("\r\n") && !csv.stdout.hasSuffix("\r\n\n"))
        let rows = csv.stdout.components(separatedBy: "\r\n").dropLast()
        #expect(rows.first?.hasPrefix("rank,score,severity,site,kind,subject,") == true)
        #expect(rows.count == gaps.count + 1)
        // Rank and score are the first two fields, in the order and with the values of the JSON report.
        let leading = rows.dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
        #expect(leading == gaps.map { "\($0["rank"] as? Int ?? 0),\($0["score"] as? Int ?? 0)" })

        // Wichita, Toulouse and Nagoya × (15 standard objects + the custom fairReport).
        let ownership = try SparProcess.run(["map", "analyze"] + inputs + ["--format", "csv-ownership"])
        #expect(ownership.status == 0, "\(ownership.stderr)")
        let owned = ownership.stdout.components(separatedBy: "\r\n").dropLast()
        #expect(
            owned.first
                == "site,object,name,state,systemsOfRecord,creators,updaters,readers,nonOwnerUpdaters,unvalidatedOwners")
        #expect(owned.count == 1 + 3 * 16)

        let markdown = try SparProcess.run(["map", "analyze"] + inputs + ["--format", "markdown"])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.hasPrefix("# MOM blueprint analysis\n"))
        #expect(markdown.stdout.contains("\n## Ranked gaps (\(gaps.count))\n"))
        for site in ["wichita", "toulouse", "nagoya"] { #expect(markdown.stdout.contains("\n## Site \(site)\n")) }

        let text = try SparProcess.run(["map", "analyze"] + inputs)
        #expect(text.status == 0 && text.stdout.hasPrefix("MOM blueprint analysis — "))

        let refused = try SparProcess.run(["map", "kpis"] + inputs + ["--format", "csv-gaps"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("only for spar map analyze"))
    }
}
