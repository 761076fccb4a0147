import Foundation
import SparTestSupport
import Testing

/// `spar kpi --definition spar-kpi-1` against the JSON that `spar kpi --format json` printed for the same reference
/// cases before KPI definitions became data (commit fa50436, kept in Resources/kpi-v1-snapshots).
///
/// No reference case has a count, energy reading or material flow stamped exactly at its window's or shift's
/// edges, so the boundary fix (start < ts ≤ end) changes none of them: every element, KPI, warning and
/// outside-plan figure must be bit-identical.
@Suite("KPI definitions: spar-kpi-1 reproduces the old engine's output")
struct KPIDefinitionSnapshotTests {
    static var snapshotsRoot: URL? {
        Bundle.module.url(forResource: "kpi-v1-snapshots", withExtension: nil, subdirectory: "Resources")
    }

    static var snapshotNames: [String] {
        guard let root = snapshotsRoot,
            let names = try? FileManager.default.contentsOfDirectory(atPath: root.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func json(_ url: URL) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        return try #require(object as? [String: Any], "\(url.lastPathComponent) is not a JSON object")
    }

    /// The reference cases computed under spar-kpi-1 (`"definition": "spar-kpi-1"` in query.json).
    static func sparKPI1Cases() throws -> [String] {
        let root = try #require(ReferenceCaseTests.casesRoot)
        return try ReferenceCaseTests.caseNames.filter { name in
            let query = try json(root.appendingPathComponent(name).appendingPathComponent("query.json"))
            return query["definition"] as? String == "spar-kpi-1"
        }
    }

    /// Where two decoded JSON values differ (numbers by their bit patterns), or nil when they are the same.
    static func difference(_ a: Any?, _ b: Any?, at path: String) -> String? {
        switch (a, b) {
        case (nil, nil): return nil
        case (is NSNull, is NSNull): return nil
        case (let x as String, let y as String): return x == y ? nil : "\(path): \(x) ≠ \(y)"
        case (let x as NSNumber, let y as NSNumber):
            return x.doubleValue.bitPattern == y.doubleValue.bitPattern ? nil : "\(path): \(x) ≠ \(y)"
        case (let x as [Any], let y as [Any]):
            guard x.count == y.count else { return "\(path): \(x.count) items ≠ \(y.count)" }
            return zip(x, y).enumerated().lazy.compactMap { difference($1.0, $1.1, at: "\(path)[\($0)]") }.first
        case (let x as [String: Any], let y as [String: Any]):
            guard Set(x.keys) == Set(y.keys) else {
                return "\(path): keys \(Set(x.keys).symmetricDifference(y.keys).sorted()) in only one"
            }
            return x.keys.sorted().lazy.compactMap { difference(x[$0], y[$0], at: "\(path).\($0)") }.first
        default: return "\(path): \(String(describing: a)) ≠ \(String(describing: b))"
        }
    }

    @Test("the comparison of decoded values can tell numbers apart by one ulp")
    func comparisonIsStrict() {
        let x = 0.1 + 0.2
        #expect(Self.difference(["v": x], ["v": 0.3], at: "") != nil)
        #expect(Self.difference(["v": x], ["v": 0.1 + 0.2], at: "") == nil)
        #expect(Self.difference(["v": NSNull()], ["v": 0], at: "") != nil)
        #expect(Self.difference(["a": 1], ["b": 1], at: "") != nil)
    }

    @Test("every spar-kpi-1 reference case has a snapshot, and every snapshot a case")
    func snapshotsCoverTheCases() throws {
        #expect(
            Self.snapshotNames == [
                "p01-press-four-hours", "p02-nulls-and-mttr", "s01-dst-night-shift", "s02-rollup-one-shift",
            ])
        #expect(try Self.sparKPI1Cases() == Self.snapshotNames)
    }

    @Test("spar-kpi-1 elements, KPIs, warnings and lineage are bit-identical to the old engine's", arguments: snapshotNames)
    func snapshot(name: String) throws {
        let dir = try #require(ReferenceCaseTests.casesRoot).appendingPathComponent(name)
        let q = try Self.json(dir.appendingPathComponent("query.json"))
        let old = try Self.json(try #require(Self.snapshotsRoot).appendingPathComponent("\(name).json"))
        var args = [
            "kpi", "--plant", dir.appendingPathComponent("plant.yaml").path,
            "--events", dir.appendingPathComponent("events.jsonl").path,
            "--scope", try #require(q["scope"] as? String),
            "--from", try #require(q["from"] as? String), "--to", try #require(q["to"] as? String),
            "--format", "json", "--definition", "spar-kpi-1",
        ]
        if let shift = q["shift"] as? String { args += ["--shift", shift] }
        let run = try SparProcess.run(args)
        #expect(run.status == 0, "\(run.stderr)")
        let now = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for section in ["scope", "from", "to", "elements", "kpis", "warnings", "outsidePlan"] {
            #expect(old[section] != nil, "\(name): the snapshot has no \(section)")
            let diff = Self.difference(old[section], now[section], at: section)
            #expect(diff == nil, "\(name): \(diff ?? "")")
        }
        let lineage = try #require(now["lineage"] as? [String: Any])
        let oldLineage = try #require(old["lineage"] as? [String: Any])
        #expect(lineage["definitionVersion"] as? String == "spar-kpi-1")
        for key in ["definitionVersion", "events", "formulaVersion", "plantModelVersion", "sources", "units"] {
            let diff = Self.difference(oldLineage[key], lineage[key], at: "lineage.\(key)")
            #expect(diff == nil, "\(name): \(diff ?? "")")
        }
    }
}
