import Foundation
import SparInterchange
import SparTestSupport
import Testing

@Suite("bench/load.py")
struct LoadScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(
        "three nodes under load through a SIGKILL, a restart and a late start: every acknowledged event is in the ledger, no request failed on every node, the nodes agree and spar verify passes"
    )
    func faults() throws {
        try Self.run(database: nil)
    }

    @Test(
        "the same on three nodes over one PostgreSQL database, which is also restarted mid-run: every acknowledged event is in the ledger once, no request failed on every node, the nodes agree and spar verify passes"
    )
    func faultsOnPostgres() throws {
        // A cluster of its own: the restart must not reach the other suites' databases.
        let server = try PostgresServer.privateCluster()
        defer { server.stop() }
        try Self.run(database: (try server.freshDatabase(), server.restartCommand))
    }

    /// With `database`, the nodes serve that PostgreSQL database (and `restart`, when given, restarts it mid-run).
    static func run(database: (url: String, restart: String?)?) throws {
        let spar = try #require(SparProcess.executable)
        let dir = try SparProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [
            Self.root.appendingPathComponent("bench/load.py").path, "--spar", spar.path, "--dir", dir.path,
            "--sites", "2", "--units-per-site", "40", "--days", "2", "--events", "2000", "--nodes", "3",
            "--clients", "3", "--duration", database == nil ? "12" : "20", "--faults",
        ]
        if let database {
            p.arguments! += ["--database", database.url]
            if let restart = database.restart { p.arguments! += ["--pg-restart", restart] }
        }
        let log = dir.appendingPathComponent("load.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: log)
        p.standardError = p.standardOutput
        try p.run()
        p.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(p.terminationStatus == 0, "\(output)")

        let report = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("load-report.json")))
        let acknowledged = try #require(report["eventsAcknowledged"]?.numberValue)
        #expect(acknowledged >= 1_000, "\(output)")
        #expect(report["eventsFound"]?.numberValue == acknowledged)
        #expect(report["acknowledgedMissing"]?.numberValue == 0)
        for kind in ["page", "kpi", "post"] {
            #expect(report["kinds"]?[kind]?["errors"]?.numberValue == 0, "\(kind): \(output)")
        }
        #expect(report["verify"] == .bool(true))
        guard case .array(let counts)? = report["nodeEventCounts"] else {
            Issue.record("no node event counts: \(output)")
            return
        }
        #expect(counts.count == 3)
        #expect(Set(counts.compactMap(\.numberValue)).count == 1, "the nodes disagree: \(counts)")
        guard case .array(let faults)? = report["faults"] else {
            Issue.record("no faults: \(output)")
            return
        }
        #expect(faults.count == 3 + (database?.restart == nil ? 0 : 1), "\(faults)")

    }
}
