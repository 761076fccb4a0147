import Foundation
import SparTestSupport
import Testing

@testable import SparCLI

@Suite("spar import csv, end to end")
struct ImportCommandTests {
    /// `Examples/` at the package root.
    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples").appendingPathComponent(name).path
    }

    static let plant = example("plant.yaml")
    static let csv = example("csv/toulouse-layup.csv")
    static let map = example("csv/toulouse-layup.map.yaml")
    static let unit = "aerostar/toulouse/composites/layup/layup-cell-01"

    static func kpis(_ db: String) throws -> (kpis: [String: Any], events: Int) {
        // 05:00–09:00 in Toulouse on Tuesday 2026-09-15 (CEST, +02:00).
        let run = try SparProcess.run([
            "kpi", "--db", db, "--scope", unit, "--from", "2026-09-15T03:00:00Z", "--to", "2026-09-15T07:00:00Z",
            "--format", "json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let lineage = try #require(json["lineage"] as? [String: Any])
        return (try #require(json["kpis"] as? [String: Any]), (lineage["events"] as? NSNumber)?.intValue ?? -1)
    }

    @Test("the example imports, re-imports as all duplicates, previews without storing, and answers a KPI query")
    func importReimportPreview() throws {
        let dir = try SparProcess.temporaryDirectory()
        let db = dir.appendingPathComponent("ledger.sqlite").path

        // Preview on a ledger that does not exist yet: events on stdout, nothing created.
        let preview = try SparProcess.run([
            "import", "csv", Self.csv, "--map", Self.map, "--preview", "3", "--db", db, "--plant", Self.plant,
        ])
        #expect(preview.status == 0, "\(preview.stderr)")
        let lines = preview.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.contains(#""reason":"changeover""#) == true)
        #expect(lines.first?.contains(#""ts":"2026-09-15T03:00:00Z""#) == true)
        #expect(preview.stderr.contains("preview: 11 rows: 11 mapped, 0 rejected; nothing stored"), "\(preview.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db))

        let first = try SparProcess.run([
            "import", "csv", Self.csv, "--map", Self.map, "--db", db, "--plant", Self.plant,
        ])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("11 rows: 11 accepted, 0 duplicate, 0 rejected"), "\(first.stdout)")
        // No terminal on stderr: no progress bar.
        #expect(!first.stderr.contains("rows/s"))

        let again = try SparProcess.run(["import", "csv", Self.csv, "--map", Self.map, "--db", db])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("11 rows: 0 accepted, 11 duplicate, 0 rejected"), "\(again.stdout)")

        // States 05:00 changeover, 05:30 running, 07:10 vacuum-leak, 07:40 running (until past 09:00); the break is at
        // 09:00, outside the window, so PBT = 4 h = 14400 s and APT = 100 min + 80 min = 10800 s: availability 0.75.
        // Counts 2+0+0, 1+1+0, 2+0+1: PQ = 7, GQ = 5: quality ratio 5/7.
        let (kpis, events) = try Self.kpis(db)
        #expect((kpis["availability"] as? NSNumber)?.doubleValue == 0.75)
        #expect(abs(((kpis["qualityRatio"] as? NSNumber)?.doubleValue ?? 0) - 5.0 / 7) < 1e-12)

        // A preview against the ledger stores nothing: the KPI query sees the same events.
        let again2 = try SparProcess.run(["import", "csv", Self.csv, "--map", Self.map, "--preview", "0", "--db", db])
        #expect(again2.status == 0, "\(again2.stderr)")
        #expect(again2.stdout.isEmpty)
        #expect(try Self.kpis(db).events == events)

        // Both imports are in the audit trail with the file's SHA-256 (from sha256sum) and their counts; the
        // preview is not.
        let sum = try SparProcess.runTool("/usr/bin/sha256sum", [Self.csv])
        let sha = String(sum.split(separator: " ").first ?? "")
        #expect(sha.count == 64)
        let audit = try SparProcess.run(["audit", "--db", db])
        #expect(audit.status == 0, "\(audit.stderr)")
        let imports = audit.stdout.split(separator: "\n").filter { $0.contains("imported toulouse-layup.csv") }
        #expect(imports.count == 2, "\(audit.stdout)")
        #expect(imports.first?.contains("(csv, SHA-256 \(sha)): 11 rows, 11 accepted, 0 duplicate, 0 rejected") == true)
        #expect(imports.last?.contains("(csv, SHA-256 \(sha)): 11 rows, 0 accepted, 11 duplicate, 0 rejected") == true)
    }

    @Test("bad rows are reported with line, column and why; good rows are kept; exit status 1")
    func badRows() throws {
        let dir = try SparProcess.temporaryDirectory()
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let file = dir.appendingPathComponent("bad.csv")
        let rows = [
            "Horodatage;Poste;Type;Code;Bons;Rebuts;Retouches;OF;Valeur;Commentaire",
            "16/09/2026 05:00:00;layup-cell-01;ETAT;P01;;;;;;",
            "16/09/2026 25:00:00;layup-cell-01;ETAT;P01;;;;;;",
            "16/09/2026 06:00:00;layup-cell-09;ETAT;P01;;;;;;",
            "16/09/2026 06:10:00;layup-cell-01;PROD;;-2;0;0;OF-1;;",
            "16/09/2026 06:20:00;layup-cell-01;ETAT;X99;;;;;;",
            "16/09/2026 06:30:00;layup-cell-01;PROD;;3;0;0;OF-1;;",
            "16/09/2026 06:40:00;layup-cell-01;ETAT;P01;;;;;;",
            "16/09/2026 06:40:00;layup-cell-01;ETAT;R10;;;;;;",
        ]
        try rows.joined(separator: "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let run = try SparProcess.run([
            "import", "csv", file.path, "--map", Self.map, "--db", db, "--plant", Self.plant,
        ])
        #expect(run.status == 1)
        #expect(run.stdout.contains("8 rows: 3 accepted, 0 duplicate, 5 rejected"), "\(run.stdout)")
        let expected = [
            "rejected: line 3, column 'Horodatage' (ts): '16/09/2026 25:00:00' is not a time of the form dd/MM/yyyy HH:mm:ss",
            "rejected: line 4, column 'Poste' (unit): unknown work unit 'aerostar/toulouse/composites/layup/layup-cell-09'",
            "rejected: line 5, column 'Bons' (good): must not be negative (got -2)",
            "rejected: line 6, column 'Code' (reason): local reason code 'X99' is not in the map's reasons table",
            "rejected: line 9, column 'Horodatage' (ts): the unit already has a state event at 2026-09-16T04:40:00Z",
        ]
        for e in expected { #expect(run.stderr.contains(e), "missing '\(e)' in:\n\(run.stderr)") }
    }

    @Test("standard input previews too; a preview lists every problem and exits 1")
    func stdinPreview() throws {
        let csv = [
            "Horodatage;Poste;Type;Code;Bons;Rebuts;Retouches;OF;Valeur;Commentaire",
            "17/09/2026 05:00:00;layup-cell-01;ETAT;P01;;;;;;",
            "17/09/2026 05:10:00;layup-cell-01;PROD;;2,5;0;0;OF-1;;",
            "17/09/2026 05:20:00;layup-cell-01;MESURE;epaisseur-pli;;;;;0.25;",
        ].joined(separator: "\r\n")
        let run = try SparProcess.run(
            ["import", "csv", "-", "--map", Self.map, "--plant", Self.plant, "--preview", "10"], stdin: csv)
        #expect(run.status == 1)
        #expect(run.stdout.split(separator: "\n").count == 2, "\(run.stdout)")
        #expect(run.stdout.contains(#""good":2.5"#))
        #expect(
            run.stderr.contains(
                "problem: line 4, column 'Valeur' (value): '0.25' is not a number with the decimal mark ','"),
            "\(run.stderr)")
        #expect(run.stderr.contains("preview: 3 rows: 2 mapped, 1 rejected; nothing stored"), "\(run.stderr)")
    }

    @Test("a map error and a missing column stop the import before anything is stored")
    func fileErrors() throws {
        let dir = try SparProcess.temporaryDirectory()
        let db = dir.appendingPathComponent("ledger.sqlite").path
        let file = dir.appendingPathComponent("short.csv")
        try "Horodatage;Poste;Type;Code\n15/09/2026 05:00:00;layup-cell-01;ETAT;P01\n".write(
            to: file, atomically: true, encoding: .utf8)
        let run = try SparProcess.run([
            "import", "csv", file.path, "--map", Self.map, "--plant", Self.plant, "--preview", "5",
        ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("error: line 1, column 'Bons': missing from the header"), "\(run.stderr)")
        let stored = try SparProcess.run(["import", "csv", file.path, "--map", Self.map, "--plant", Self.plant, "--db", db])
        #expect(stored.status == 2)
        #expect(stored.stderr.contains("error: line 1, column 'Valeur': missing from the header"), "\(stored.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db))
        let map = dir.appendingPathComponent("map.yaml")
        try "source: mes-opcenter\ntime: { column: Horodatage, format: \"dd/MM/yyyy HH:mm\" }\n".write(
            to: map, atomically: true, encoding: .utf8)
        let bad = try SparProcess.run([
            "import", "csv", file.path, "--map", map.path, "--db", db, "--plant", Self.plant,
        ])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("map.yaml:2: time.timeZone: missing"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test("the progress line shows the share done, rows, rows per second and the time left")
    func progressLine() {
        // 300 of 1200 lines after 2 s with 298 rows: 25 %, 149 rows/s, 6 s left (2 s × 0.75 / 0.25).
        #expect(
            ProgressBar.render(done: 300, total: 1200, rows: 298, elapsed: 2, width: 8)
                == "[==>     ]  25%  298 rows  149 rows/s  ETA 0:06")
        #expect(
            ProgressBar.render(done: 0, total: 10, rows: 0, elapsed: 0, width: 4)
                == "[>   ]   0%  0 rows  0 rows/s  ETA --:--")
    }
}
