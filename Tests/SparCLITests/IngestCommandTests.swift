import Foundation
import SparTestSupport
import Testing

@Suite("spar ingest and spar kpi --db, end to end")
struct IngestCommandTests {
    static var pressCase: URL? {
        Bundle.module.url(forResource: "kpi-cases", withExtension: nil, subdirectory: "Resources")?
            .appendingPathComponent("p01-press-four-hours")
    }

    static let unit = "demo/plant/fab/line/press"

    static func line(_ id: String, _ ts: String, _ rest: String, unit: String = unit, source: String = "scada") -> String {
        #"{"id":"\#(id)","ts":"\#(ts)","source":"\#(source)","unit":"\#(unit)",\#(rest)}"#
    }

    @Test("bad lines are rejected with line, id and field; valid lines are kept; exit status 1")
    func rejectsAndKeeps() throws {
        let dir = try SparProcess.temporaryDirectory()
        let plant = try #require(Self.pressCase).appendingPathComponent("plant.yaml").path
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let lines = [
            Self.line("p1", "2026-06-10T00:00:00+02:00", #""type":"order","order":"A1","action":"start","material":"bracket","plannedRunTimePerUnit":30,"plannedQuantity":1000"#),
            #"{"id":"broken", "ts": "#,
            Self.line("p2", "2026-06-10T00:00:00+02:00", #""type":"state","reason":"run""#),
            Self.line("x4", "2026-06-10T00:50:00+02:00", #""type":"state","reason":"run""#, unit: "demo/plant/fab/line/nope"),
            Self.line("x5", "2026-06-10T00:50:00+02:00", #""type":"state","reason":"run""#, source: "sap"),
            Self.line("x6", "2026-06-10T00:50:00+02:00", #""type":"state","reason":"coffee""#),
            Self.line("x7", "2026-06-10T01:00:00+02:00", #""type":"count","good":-5,"scrap":0,"rework":0"#),
            Self.line("x8", "2026-06-10 25:00", #""type":"count","good":5,"scrap":0,"rework":0"#),
            Self.line("x9", "2026-06-10T01:00:00+02:00", #""type":"count","good":5,"rework":0"#),
            Self.line("x10", "2026-06-10T00:00:00+02:00", #""type":"state","reason":"jam""#),
            Self.line("x11", "2036-06-10T00:00:00+02:00", #""type":"state","reason":"jam""#),
            Self.line("p2", "2026-06-10T00:00:00+02:00", #""type":"state","reason":"run""#),
            Self.line("p2", "2026-06-10T00:00:00+02:00", #""type":"state","reason":"jam""#),
            Self.line("p8", "2026-06-10T01:00:00+02:00", #""type":"count","good":100,"scrap":2,"rework":0,"order":"A1""#),
        ]
        let file = dir.appendingPathComponent("events.jsonl")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let run = try SparProcess.run(["ingest", "--db", db, "--plant", plant, file.path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("14 lines: 3 accepted, 1 duplicate, 10 rejected"), "\(run.stdout)")
        let expected = [
            "line 2, field 'ts': malformed JSON: the text ends where a value is expected",
            "line 4, id 'x4', field 'unit': unknown work unit 'demo/plant/fab/line/nope'",
            "line 5, id 'x5', field 'source': unknown source system 'sap'",
            "line 6, id 'x6', field 'reason': unknown reason code 'coffee'",
            "line 7, id 'x7', field 'good': must not be negative (got -5)",
            "line 8, id 'x8', field 'ts': '2026-06-10 25:00' is not an RFC 3339 time",
            "line 9, id 'x9', field 'scrap': missing",
            "line 10, id 'x10', field 'ts': the unit already has a state event at 2026-06-09T22:00:00Z (id 'p2')",
            "line 11, id 'x11', field 'ts':",
            "line 13, id 'p2', field 'id': id 'p2' was already accepted with different content",
        ]
        for e in expected { #expect(run.stderr.contains(e), "missing '\(e)' in:\n\(run.stderr)") }

        // What was kept answers a KPI query: 90 min of run from 00:00 local, 102 produced at PRU 30.
        let kpi = try SparProcess.run([
            "kpi", "--db", db, "--scope", Self.unit, "--from", "2026-06-09T22:00:00Z", "--to", "2026-06-09T23:30:00Z",
            "--format", "json",
        ])
        #expect(kpi.status == 0, "\(kpi.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(kpi.stdout.utf8)) as? [String: Any])
        let kpis = try #require(json["kpis"] as? [String: Any])
        #expect((kpis["availability"] as? NSNumber)?.doubleValue == 1)
        #expect(abs(((kpis["effectiveness"] as? NSNumber)?.doubleValue ?? 0) - 30.0 * 102 / 5400) < 1e-12)
        #expect(abs(((kpis["qualityRatio"] as? NSNumber)?.doubleValue ?? 0) - 100.0 / 102) < 1e-12)
        let lineage = try #require(json["lineage"] as? [String: Any])
        #expect((lineage["plantModelVersion"] as? String)?.hasPrefix("fnv1a64:") == true)
    }

    @Test("ingesting the same file twice is idempotent, and standard input works")
    func idempotentAndStdin() throws {
        let dir = try SparProcess.temporaryDirectory()
        let root = try #require(Self.pressCase)
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let events = root.appendingPathComponent("events.jsonl").path
        let first = try SparProcess.run(["ingest", "--db", db, "--plant", root.appendingPathComponent("plant.yaml").path, events])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("10 lines: 10 accepted, 0 duplicate, 0 rejected"), "\(first.stdout)")
        let again = try SparProcess.run(["ingest", "--db", db, "-"], stdin: try String(contentsOfFile: events, encoding: .utf8))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("10 lines: 0 accepted, 10 duplicate, 0 rejected"), "\(again.stdout)")
        // Same answer from the ledger as from the file (p01's expected availability 2/3, OEE 0.5791666…).
        let kpi = try SparProcess.run([
            "kpi", "--db", db, "--scope", "demo", "--from", "2026-06-09T22:00:00Z", "--to", "2026-06-10T02:00:00Z",
            "--format", "json",
        ])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(kpi.stdout.utf8)) as? [String: Any])
        let kpis = try #require(json["kpis"] as? [String: Any])
        #expect(abs(((kpis["oee"] as? NSNumber)?.doubleValue ?? 0) - 0.5791666666666666) < 1e-12)
    }

    @Test("a different plant model needs --update-plant")
    func plantModelMismatch() throws {
        let dir = try SparProcess.temporaryDirectory()
        let root = try #require(Self.pressCase)
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let plant = root.appendingPathComponent("plant.yaml").path
        #expect(try SparProcess.run(["ingest", "--db", db, "--plant", plant], stdin: "").status == 0)
        let changed = dir.appendingPathComponent("plant.yaml")
        try (try String(contentsOfFile: plant, encoding: .utf8)).replacingOccurrences(of: "validated: true", with: "validated: false")
            .write(to: changed, atomically: true, encoding: .utf8)
        let refused = try SparProcess.run(["ingest", "--db", db, "--plant", changed.path], stdin: "")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--update-plant"))
        #expect(try SparProcess.run(["ingest", "--db", db, "--plant", changed.path, "--update-plant"], stdin: "").status == 0)
    }

    @Test("kpi --explain prints the formula and its elements; the table is the default")
    func explainAndTable() throws {
        let root = try #require(Self.pressCase)
        let base = [
            "kpi", "--plant", root.appendingPathComponent("plant.yaml").path, "--events",
            root.appendingPathComponent("events.jsonl").path, "--scope", Self.unit, "--from", "2026-06-09T22:00:00Z",
            "--to", "2026-06-10T02:00:00Z",
        ]
        let explain = try SparProcess.run(base + ["--explain", "availability"])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("formula:   APT / PBT"))
        #expect(explain.stdout.contains("APT     9600"))
        #expect(explain.stdout.contains("PBT     14400"))
        let table = try SparProcess.run(base)
        #expect(table.stdout.contains("availability"))
        #expect(table.stdout.contains("0.6667"))
        let bad = try SparProcess.run(base + ["--explain", "happiness"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown KPI 'happiness'"))
    }
}
