import Foundation
import GRDB
import Testing

/// Runs the built `spar` executable, as an auditor would.
enum Spar {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL,
        ]
        return candidates.map { $0.appendingPathComponent("spar") }.first {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        guard let exe = executable else { throw CocoaError(.fileNoSuchFile) }
        let p = Process()
        p.executableURL = exe
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["SPAR_LEDGER_KEY"] = nil
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

@Suite("spar verify, spar checkpoint and spar proof, end to end")
struct VerifyCommandTests {
    static let plant = """
        enterprise: demo
        sites:
          - id: plant
            timeZone: UTC
            areas:
              - id: fab
                workCenters:
                  - id: line
                    kind: productionLine
                    workUnits:
                      - id: press
        reasons:
          - { code: run, category: production }
          - { code: jam, category: delay }
        systems:
          - { id: scada, kind: SCADA, validated: true }
        """

    static func events(_ range: ClosedRange<Int>) -> String {
        range.map { i in
            #"{"id":"e\#(i)","ts":"2026-06-10T\#(String(format: "%02d", i % 24)):\#(String(format: "%02d", i / 24)):00Z","source":"scada","unit":"demo/plant/fab/line/press","type":"count","good":\#(i),"scrap":0,"rework":0}"#
        }.joined(separator: "\n")
    }

    @Test("ingest, verify, export a checkpoint, prove inclusion and consistency, then catch an edit and a truncation")
    func endToEnd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try Self.plant.write(toFile: file("plant.yaml"), atomically: true, encoding: .utf8)
        try Self.events(1...12).write(toFile: file("a.jsonl"), atomically: true, encoding: .utf8)
        try Self.events(13...30).write(toFile: file("b.jsonl"), atomically: true, encoding: .utf8)
        let db = file("ledger.sqlite")
        let key = file("keys/ledger.key")

        let first = try Spar.run(["ingest", "--db", db, "--plant", file("plant.yaml"), "--key", key, "--batch-size", "5", file("a.jsonl")])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db + ".key"), "the key went to --key, not beside the ledger")
        let export = try Spar.run(["checkpoint", "export", "--db", db, "--out", file("kept.json")])
        #expect(export.status == 0, "\(export.stderr)")
        let pub = try Spar.run(["checkpoint", "public-key", "--db", db, "--key", key, "--out", file("ledger.pub")])
        #expect(pub.status == 0, "\(pub.stderr)")
        // The environment variable names the same key for the next ingest.
        let second = try Spar.run(["ingest", "--db", db, "--batch-size", "7", file("b.jsonl")], environment: ["SPAR_LEDGER_KEY": key])
        #expect(second.status == 0, "\(second.stderr)")

        // 1 plant model + 12 events in batches of 5 (3 batches, the model in the first) + 18 in batches of 7.
        let verify = try Spar.run(["verify", "--db", db, "--public-key", file("ledger.pub"), "--checkpoint", file("kept.json")])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("31 entries, 7 checkpoints"), "\(verify.stdout)")
        #expect(verify.stdout.contains("intact"), "\(verify.stdout)")
        let json = try Spar.run(["verify", "--db", db, "--key", key, "--format", "json"])
        #expect(json.status == 0)
        #expect(json.stdout.contains(#""intact" : true"#), "\(json.stdout)")

        let inclusion = try Spar.run(["proof", "inclusion", "--db", db, "--seq", "9", "--out", file("inclusion.json")])
        #expect(inclusion.status == 0, "\(inclusion.stderr)")
        let checked = try Spar.run(["proof", "verify-inclusion", "--proof", file("inclusion.json"), "--public-key", file("ledger.pub")])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.contains("verified: entry seq 9 (id 'e8')"), "\(checked.stdout)")
        #expect(checked.stdout.contains("signature by key"), "\(checked.stdout)")
        // A proof whose entry was edited, or whose tree size was changed, is refused.
        let proofText = try String(contentsOfFile: file("inclusion.json"), encoding: .utf8)
        try proofText.replacingOccurrences(of: #"\"good\":8"#, with: #"\"good\":80"#)
            .write(toFile: file("edited.json"), atomically: true, encoding: .utf8)
        let edited = try Spar.run(["proof", "verify-inclusion", "--proof", file("edited.json"), "--public-key", file("ledger.pub")])
        #expect(edited.status == 1, "\(edited.stdout)")
        #expect(edited.stdout.contains("is not the hash of the entry's columns"), "\(edited.stdout)")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(proofText.utf8)) as? [String: Any])
        #expect((object["treeSize"] as? NSNumber)?.intValue == 31)
        object["treeSize"] = 32
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file("resized.json")))
        let resized = try Spar.run(["proof", "verify-inclusion", "--proof", file("resized.json"), "--public-key", file("ledger.pub")])
        #expect(resized.status == 1, "\(resized.stdout)")

        let keptSize = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file("kept.json")))) as? [String: Any])["treeSize"]
        #expect((keptSize as? NSNumber)?.intValue == 13)
        let consistency = try Spar.run(["proof", "consistency", "--db", db, "--from", "13", "--out", file("consistency.json")])
        #expect(consistency.status == 0, "\(consistency.stderr)")
        let consistent = try Spar.run([
            "proof", "verify-consistency", "--proof", file("consistency.json"), "--old", file("kept.json"), "--public-key",
            file("ledger.pub"),
        ])
        #expect(consistent.status == 0, "\(consistent.stdout)\(consistent.stderr)")
        #expect(consistent.stdout.contains("is a prefix of the tree of 31 entries"), "\(consistent.stdout)")

        // Tampering directly in SQLite: one count edited (triggers dropped and restored).
        let queue = try DatabaseQueue(path: db)
        try queue.writeWithoutTransaction { db in
            let trigger = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'ledger_no_update'") ?? ""
            try db.execute(sql: "DROP TRIGGER ledger_no_update")
            try db.execute(sql: #"UPDATE ledger SET body = replace(body, '"good":20', '"good":2') WHERE id = 'e20'"#)
            try db.execute(sql: trigger)
        }
        let tampered = try Spar.run(["verify", "--db", db, "--key", key])
        #expect(tampered.status == 1, "\(tampered.stdout)\(tampered.stderr)")
        #expect(tampered.stdout.contains("TAMPERED: seq 21, id 'e20': chain hash check failed"), "\(tampered.stdout)")

        // A self-consistent truncation (entries and checkpoints after 11, a batch boundary, removed) is caught by the
        // kept checkpoint of 13 entries.
        try FileManager.default.copyItem(atPath: file("ledger.sqlite"), toPath: file("truncated.sqlite"))
        try queue.close()
        let truncatedQueue = try DatabaseQueue(path: file("truncated.sqlite"))
        try truncatedQueue.writeWithoutTransaction { db in
            let triggers = try String.fetchAll(
                db, sql: "SELECT sql FROM sqlite_master WHERE name IN ('ledger_no_delete', 'ledger_checkpoint_no_delete')")
            try db.execute(sql: "DROP TRIGGER ledger_no_delete; DROP TRIGGER ledger_checkpoint_no_delete")
            try db.execute(sql: "DELETE FROM ledger WHERE seq > 11; DELETE FROM ledger_checkpoint WHERE tree_size > 11")
            for t in triggers { try db.execute(sql: t) }
        }
        let cut = try Spar.run(["verify", "--db", file("truncated.sqlite"), "--key", key])
        #expect(cut.status == 1, "the KPI projection's head still says how long the ledger was: \(cut.stdout)")
        #expect(cut.stdout.contains("KPI PROJECTION: at entry 31, past the ledger's 11 entries"), "\(cut.stdout)")
        try truncatedQueue.writeWithoutTransaction { db in try db.execute(sql: "UPDATE kpi_projection SET head = 11") }
        try truncatedQueue.close()
        let alone = try Spar.run(["verify", "--db", file("truncated.sqlite"), "--key", key])
        #expect(alone.status == 0, "without a kept checkpoint a clean cut that also rewinds the projection is invisible: \(alone.stdout)")
        let withKept = try Spar.run(["verify", "--db", file("truncated.sqlite"), "--key", key, "--checkpoint", file("kept.json")])
        #expect(withKept.status == 1, "\(withKept.stdout)")
        #expect(withKept.stdout.contains("covers 13 entries but the ledger holds 11"), "\(withKept.stdout)")

        let noKey = try Spar.run(["verify", "--db", file("truncated.sqlite")])
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("--public-key"), "\(noKey.stderr)")
    }
}
