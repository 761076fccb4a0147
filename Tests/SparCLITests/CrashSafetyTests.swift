import Foundation
import SparTestSupport
import Testing

@Suite("Durability of acknowledged events")
struct CrashSafetyTests {
    @Test("events acknowledged before a SIGKILL are in the ledger with their KPI projection; re-ingesting completes the file")
    func killDuringIngest() throws {
        let dir = try SparProcess.temporaryDirectory()
        let export = dir.appendingPathComponent("demo")
        let demo = try SparProcess.run([
            "demo", "--db", dir.appendingPathComponent("demo.sqlite").path, "--days", "7", "--export", export.path,
        ])
        #expect(demo.status == 0, "\(demo.stderr)")
        let events = export.appendingPathComponent("events.jsonl").path
        let total = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n").count
        #expect(total > 10_000)

        let db = dir.appendingPathComponent("ledger.sqlite").path
        let p = Process()
        guard let exe = SparProcess.executable else {
            Issue.record("the spar executable was not found beside the tests")
            return
        }
        p.executableURL = exe
        p.arguments = ["ingest", "--db", db, "--plant", export.appendingPathComponent("plant.json").path, "--batch-size", "250", events]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Wait for the first progress line (printed after its batches committed), then kill without warning.
        var text = ""
        var acknowledged = 0
        while p.isRunning {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("…") }) {
                acknowledged = Int(line.split(separator: " ")[3]) ?? 0
                kill(p.processIdentifier, SIGKILL)
                break
            }
        }
        p.waitUntilExit()

        // The projection is written in each batch's transaction: after the kill it is at the ledger's head, and a
        // rebuild from the ledger finds it equal.
        func projectionIsWhole(_ when: String) throws {
            let verify = try SparProcess.run(["verify", "--db", db])
            #expect(verify.status == 0, "\(when): \(verify.stdout)\(verify.stderr)")
            #expect(verify.stdout.contains("KPI projection at the ledger's head"), "\(when): \(verify.stdout)")
            let rebuild = try SparProcess.run(["rebuild", "--db", db])
            #expect(rebuild.status == 0, "\(when): \(rebuild.stdout)\(rebuild.stderr)")
            #expect(rebuild.stdout.contains("the stored projection was equal to the rebuilt one"), "\(when): \(rebuild.stdout)")
        }
        try projectionIsWhole("after the kill")

        let again = try SparProcess.run(["ingest", "--db", db, events])
        #expect(again.status == 0, "\(again.stderr)")
        let summary = again.stdout.split(separator: " ")
        // "<lines> lines: <accepted> accepted, <duplicate> duplicate, 0 rejected"
        let accepted = Int(summary[2]) ?? -1
        let duplicates = Int(summary[4]) ?? -1
        #expect(accepted + duplicates == total)
        #expect(acknowledged > 0, "the ingest should have been killed after its first progress line")
        #expect(duplicates >= acknowledged, "acknowledged \(acknowledged), found \(duplicates) already stored")
        try projectionIsWhole("after the re-ingest")
    }
}
