import Foundation
import SparCore
import SparEngine
import SparLedgerIntegrity
import SparPostgres
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

/// `spar migrate`: an SQLite ledger copied to PostgreSQL keeps every chain hash, its root, its credentials and its
/// KPI projection; an interrupted copy resumes; a target holding another ledger is refused.
@Suite("Ledger migration SQLite → PostgreSQL")
struct LedgerMigrationTests {
    @Test("the copy holds the same entries, root, credentials and projection; a second run copies only what is new")
    func copyAndResume() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try SQLiteLedgerStore(path: dir.appendingPathComponent("plant.sqlite").path)
        let (batches, _) = PersistedProjectionTests.scenario(seed: 11)
        _ = try await PersistedProjectionTests.ingest(Array(batches.prefix(6)), into: source)
        let identity = try await source.append(
            [PendingEntry(id: "identity:ann:1", kind: .identity, ts: Timestamp(milliseconds: 5), unit: "", type: "userEnrolled",
                source: "spar", body: #"{"user":"ann"}"#)],
            recordedAt: Timestamp(milliseconds: 5), recordedBy: "admin")
        guard case .accepted(let seq) = identity.first else { throw StorageError("identity entry refused: \(identity)") }
        try await source.storeCredential(user: "ann", phc: "$pbkdf2-sha512$test", seq: seq)

        let target = try await StoreBackend.postgres(signingKeyPath: source.signingKeyPath)
        let first = try await LedgerMigration.copy(from: source, to: target, batch: 500)
        let size = try await source.ledgerSize()
        #expect(first.copied == Int(size) && first.alreadyThere == 0 && first.credentials == 1)
        #expect(try await target.entries(afterSeq: 0, limit: 100_000) == (try await source.entries(afterSeq: 0, limit: 100_000)))
        #expect(first.root == (try await source.latestCheckpoint())?.checkpoint.root)
        #expect(try await target.credential(user: "ann")?.phc == "$pbkdf2-sha512$test")
        #expect(first.records > 500)

        // More appends at the source, then the copy again: only the new entries move.
        _ = try await PersistedProjectionTests.ingest(Array(batches.dropFirst(6).prefix(3)), into: source)
        let grown = try await source.ledgerSize()
        let second = try await LedgerMigration.copy(from: source, to: target, batch: 500)
        #expect(second.alreadyThere == Int(size) && second.copied == Int(grown - size) && second.credentials == 0)
        #expect(second.root == (try await source.latestCheckpoint())?.checkpoint.root)
        #expect(try await target.allKPIRecords() == (try await source.allKPIRecords()))
        let report = try await target.audit(publicKey: try source.checkpointPublicKey())
        #expect(report.isIntact, "\(report.findings.prefix(3))")
        #expect(report.entries == grown)

        // A target that holds another ledger is refused, and nothing is written to it.
        let other = try SQLiteLedgerStore(path: dir.appendingPathComponent("other.sqlite").path)
        _ = try await other.append(
            [PendingEntry(id: "x", kind: .event, ts: Timestamp(milliseconds: 1), unit: "e/s/a/w/u1", type: "count",
                source: "mes", body: #"{"id":"x"}"#)],
            recordedAt: Timestamp(milliseconds: 1), recordedBy: "t")
        await #expect(throws: StorageError.self) { try await LedgerMigration.copy(from: source, to: other, batch: 500) }
        #expect(try await other.ledgerSize() == 1)
    }
}
