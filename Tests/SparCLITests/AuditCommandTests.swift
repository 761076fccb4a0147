import Foundation
import SparTestSupport
import Testing

@Suite("spar audit")
struct AuditCommandTests {
    @Test("an entry and its corrections are listed with old and new values; filters combine")
    func correctionTrail() throws {
        let dir = try SparProcess.temporaryDirectory()
        let root = try #require(IngestCommandTests.pressCase)
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let first = try SparProcess.run([
            "ingest", "--db", db, "--plant", root.appendingPathComponent("plant.yaml").path,
            root.appendingPathComponent("events.jsonl").path,
        ])
        #expect(first.status == 0, "\(first.stderr)")
        let unit = IngestCommandTests.unit
        let corrections = [
            #"{"id":"c1","ts":"2026-06-10T05:00:00+02:00","source":"scada","unit":"\#(unit)","type":"correction","corrects":"p9","replacement":{"ts":"2026-06-10T02:30:00+02:00","source":"scada","unit":"\#(unit)","type":"count","good":150,"scrap":10,"rework":0,"order":"A1"}}"#,
            #"{"id":"c2","ts":"2026-06-10T05:00:00+02:00","source":"scada","unit":"\#(unit)","type":"correction","corrects":"p10","void":true}"#,
        ].joined(separator: "\n")
        let second = try SparProcess.run(["ingest", "--db", db, "-"], stdin: corrections)
        #expect(second.status == 0, "\(second.stderr)")

        let trail = try SparProcess.run(["audit", "--db", db, "--record", "p9", "--format", "json"])
        #expect(trail.status == 0, "\(trail.stderr)")
        let lines = try #require(try JSONSerialization.jsonObject(with: Data(trail.stdout.utf8)) as? [[String: Any]])
        #expect(lines.map { $0["id"] as? String } == ["p9", "c1"])
        #expect(lines[1]["action"] as? String == "corrected p9")
        #expect((lines[1]["oldValue"] as? String)?.contains(#""scrap":4"#) == true)
        #expect((lines[1]["newValue"] as? String)?.contains(#""scrap":10"#) == true)
        #expect((lines[0]["recordedBy"] as? String)?.hasPrefix("local:") == true)

        let void = try SparProcess.run(["audit", "--db", db, "--record", "p10", "--format", "json"])
        let voidLines = try #require(try JSONSerialization.jsonObject(with: Data(void.stdout.utf8)) as? [[String: Any]])
        #expect(voidLines.last?["newValue"] as? String == "void")

        // 1 plant model + 10 events + 2 corrections; another site keeps only the enterprise-wide plant model entry.
        let all = try SparProcess.run(["audit", "--db", db, "--format", "json", "--limit", "0"])
        #expect((try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [Any])?.count == 13)
        let other = try SparProcess.run(["audit", "--db", db, "--site", "elsewhere", "--format", "json"])
        let otherLines = try #require(try JSONSerialization.jsonObject(with: Data(other.stdout.utf8)) as? [[String: Any]])
        #expect(otherLines.map { $0["kind"] as? String } == ["plantModel"])
        let nobody = try SparProcess.run(["audit", "--db", db, "--user", "local:nobody", "--format", "json"])
        #expect(nobody.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }
}
