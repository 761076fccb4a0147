import Foundation
import Hummingbird
import HummingbirdTesting
import SparCSV
import SparCore
import SparEngine
import SparSQLite
import SparStorage
import Testing

@testable import SparServer

@Suite("POST /api/import/csv")
struct CSVImportAPITests {
    static let map = """
        source: mes
        time: { column: ts, format: iso8601 }
        unit: { path: e/s/a/w/u1 }
        type: { column: kind, values: { S: state, C: count } }
        fields:
          state: { reason: code }
          count: { good: good, scrap: { column: scrap, default: 0 }, rework: { value: 0 } }
        reasons: { RUN: run, BLOCKED: stuck }
        """

    static let csv = """
        ts,kind,code,good,scrap
        2026-06-10T00:00:00Z,S,RUN,,
        2026-06-10T01:00:00Z,S,BLOCKED,,
        2026-06-10T01:30:00Z,C,,10,2
        2026-06-10T01:40:00Z,C,,-1,0

        """

    func post(_ client: any TestClientProtocol, _ body: String, map: String = "mes-log") async throws -> TestResponse {
        try await client.execute(
            uri: "/api/import/csv?map=\(map)&file=mes-log.csv", method: .post, headers: [.contentType: "text/csv"],
            body: ByteBuffer(string: body))
    }

    @Test("rows become events with their CSV line; the KPIs follow; a second post duplicates; both imports are recorded")
    func importAndReimport() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        var configuration = fixture.configuration
        configuration.csvMaps = ["mes-log": try CSVMap.decode(yaml: Self.map)]
        let app = try await buildApplication(configuration)
        try await app.test(.router) { client in
            let first = try await post(client, Self.csv)
            #expect(first.status == .ok, "\(first.text)")
            let r = try first.json()
            #expect(r["accepted"]?.number == 3 && r["duplicates"]?.number == 0 && r["rejected"]?.number == 1)
            let rejected = r["results"]?.array?.first { $0["status"]?.string == "rejected" }
            #expect(rejected?["line"]?.number == 5)
            #expect(rejected?["reason"]?.string?.contains("column 'good'") == true, "\(String(describing: rejected))")
            #expect(r["import"]?["rows"]?.number == 4 && r["import"]?["file"]?.string == "mes-log.csv")

            // 00:00–02:00 around the clock: run 1 h, stuck (down) 1 h: availability 0.5; the count of 10 good and
            // 2 scrap at 01:30: quality ratio 10/12.
            let kpi = try await client.get("/api/kpi?scope=e/s/a/w/u1&from=2026-06-10T00:00:00Z&to=2026-06-10T02:00:00Z")
            #expect(kpi.status == .ok, "\(kpi.text)")
            let k = try kpi.json()["kpis"]
            #expect(k?["availability"]?.number == 0.5)
            #expect(abs((k?["qualityRatio"]?.number ?? 0) - 10.0 / 12) < 1e-12)

            let again = try await post(client, Self.csv).json()
            #expect(again["accepted"]?.number == 0 && again["duplicates"]?.number == 3 && again["rejected"]?.number == 1)

            let unknown = try await post(client, Self.csv, map: "other")
            #expect(unknown.status == .badRequest)
            #expect(try unknown.json()["code"]?.string == "unknown-map")
            let empty = try await post(client, "")
            #expect(try empty.json()["code"]?.string == "empty-body")
        }
        // Two import records, each with the body's SHA-256 as sha256sum computes it.
        let body = fixture.folder.appendingPathComponent("body.csv")
        try Data(Self.csv.utf8).write(to: body)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [body.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let sum = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let store = try SQLiteLedgerStore(path: configuration.database)
        let records = try await store.entries(kind: .fileImport).compactMap {
            LedgerImportRecord.Summary.decode(body: $0.entry.body)
        }
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0.sha256 == String(sum.prefix(64)) && $0.file == "mes-log.csv" && $0.rows == 4 })
        #expect(records.map(\.accepted) == [3, 0] && records.map(\.duplicates) == [0, 3])
    }
}
