import Foundation
import SparTestSupport
import Testing

/// Every reference case (plant.yaml, events.jsonl, query.json, expected.json) through the real `spar kpi`.
@Suite("Reference KPI cases through spar kpi")
struct ReferenceCaseTests {
    static var casesRoot: URL? {
        Bundle.module.url(forResource: "kpi-cases", withExtension: nil, subdirectory: "Resources")
    }

    static var caseNames: [String] {
        guard let root = casesRoot,
            let names = try? FileManager.default.contentsOfDirectory(atPath: root.path)
        else { return [] }
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test("the reference cases are present") func present() {
        #expect(Self.caseNames.count >= 2)
    }

    @Test("spar kpi reproduces the expected values within 1e-9", arguments: caseNames)
    func referenceCase(name: String) throws {
        let dir = try #require(Self.casesRoot).appendingPathComponent(name)
        let query = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("query.json"))) as? [String: Any]
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as? [String: Any]
        let q = try #require(query)
        var args = [
            "kpi", "--plant", dir.appendingPathComponent("plant.yaml").path,
            "--events", dir.appendingPathComponent("events.jsonl").path,
            "--scope", try #require(q["scope"] as? String),
            "--from", try #require(q["from"] as? String), "--to", try #require(q["to"] as? String), "--format", "json",
        ]
        if let shift = q["shift"] as? String { args += ["--shift", shift] }
        if let definition = q["definition"] as? String { args += ["--definition", definition] }
        let run = try SparProcess.run(args)
        #expect(run.status == 0, "\(run.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for section in ["elements", "kpis"] {
            guard let want = try #require(expected)[section] as? [String: Any] else { continue }
            let got = try #require(output[section] as? [String: Any], "\(section) missing")
            for (key, value) in want {
                let actual = got[key]
                if value is NSNull {
                    #expect(actual is NSNull, "\(name) \(section).\(key): expected null, got \(String(describing: actual))")
                } else if let w = (value as? NSNumber)?.doubleValue {
                    let a = (actual as? NSNumber)?.doubleValue
                    #expect(a.map { abs($0 - w) <= 1e-9 } == true, "\(name) \(section).\(key): expected \(w), got \(String(describing: actual))")
                }
            }
        }
        let lineage = try #require(output["lineage"] as? [String: Any])
        #expect(lineage["formulaVersion"] as? String == "iso22400-2:2014")
        #expect(lineage["definitionVersion"] as? String == (q["definition"] as? String ?? "spar-kpi-2"))
        #expect((lineage["sources"] as? [String])?.isEmpty == false)
    }
}
