import Foundation
import SparTestSupport
import Testing

@Suite("spar import b2mml and spar export b2mml, end to end")
struct ImportB2MMLCommandTests {
    static let schedule = ImportCommandTests.example("b2mml/wichita-schedule-v0600.xml")

    @Test("the example schedule imports three order starts, re-imports as duplicates, exports, and is in the audit trail")
    func importExportAudit() throws {
        let dir = try SparProcess.temporaryDirectory()
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let first = try SparProcess.run([
            "import", "b2mml", Self.schedule, "--source", "erp-sap", "--db", db, "--plant", ImportCommandTests.plant,
        ])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stdout.contains(
                "wichita-schedule-v0600.xml (B2MML V0600 ProcessOperationsSchedule): 3 orders; events: 3 accepted, 0 duplicate, 0 rejected; 0 elements refused, 1 not kept"),
            "\(first.stdout)")
        #expect(first.stderr.contains("MaterialRequirement[2]: order 4500012345: material used as 'Consumed' is not kept"))

        let again = try SparProcess.run(["import", "b2mml", Self.schedule, "--source", "erp-sap", "--db", db, "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("events: 0 accepted, 3 duplicate, 0 rejected"), "\(again.stdout)")
        #expect(again.stderr.isEmpty)

        // 06:00 Wichita time (CDT, −05:00) is 11:00Z; the furnace order: 6 h for 240 = 90 s a unit.
        let export = try SparProcess.run([
            "export", "b2mml", "performance", "--db", db, "--scope", "aerostar/wichita", "--from",
            "2026-09-15T00:00:00Z", "--to", "2026-09-17T00:00:00Z",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        for order in ["4500012345", "4500012346", "4500012347"] {
            #expect(export.stdout.contains("<OperationsRequestID>\(order)</OperationsRequestID>"))
        }
        #expect(export.stdout.contains("<ActualStartTime>2026-09-15T11:00:00Z</ActualStartTime>"))

        let audit = try SparProcess.run(["audit", "--db", db, "--format", "json", "--limit", "0"])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.components(separatedBy: "imported wichita-schedule-v0600.xml (b2mml").count == 3)

        let equipment = try SparProcess.run(["export", "b2mml", "equipment", "--db", db])
        #expect(equipment.status == 0)
        #expect(equipment.stdout.contains("<ValueString>America/Chicago</ValueString>"))
    }

    @Test("a file that is not B2MML is an error naming it; a preview stores nothing")
    func notB2MMLAndPreview() throws {
        let dir = try SparProcess.temporaryDirectory()
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let bad = dir.appendingPathComponent("notes.xml")
        try Data("<notes><n>hello</n></notes>".utf8).write(to: bad)
        let run = try SparProcess.run([
            "import", "b2mml", bad.path, "--source", "erp-sap", "--db", db, "--plant", ImportCommandTests.plant,
        ])
        #expect(run.status == 1)
        #expect(run.stderr.contains("notes.xml: error: line 1, /notes: not a B2MML document (no namespace)"), "\(run.stderr)")
        let preview = try SparProcess.run([
            "import", "b2mml", Self.schedule, "--source", "erp-sap", "--preview", "--plant", ImportCommandTests.plant,
            "--db", dir.appendingPathComponent("none.sqlite").path,
        ])
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.split(separator: "\n").count == 3)
        #expect(preview.stderr.contains("3 events, 0 master data changes, 0 refused; nothing stored"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("none.sqlite").path))
    }
}
