import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparSQLite
import SparStorage
import Testing

@Suite("Migration v2-chain")
struct ChainMigrationTests {
    /// The v1 schema, as migration "v1-ledger" created it.
    static let v1 = """
        CREATE TABLE ledger (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, ts INTEGER NOT NULL,
            unit TEXT NOT NULL, type TEXT NOT NULL, source TEXT NOT NULL, body TEXT NOT NULL,
            recorded_at INTEGER NOT NULL, recorded_by TEXT NOT NULL
        );
        CREATE INDEX ledger_unit_ts ON ledger(unit, ts);
        CREATE INDEX ledger_type ON ledger(type);
        CREATE INDEX ledger_kind ON ledger(kind, seq);
        CREATE UNIQUE INDEX ledger_state_instant ON ledger(unit, ts) WHERE kind = 'event' AND type = 'state';
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be updated'); END;
        CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be deleted'); END;
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        INSERT INTO grdb_migrations VALUES ('v1-ledger');
        """

    @Test("rows written before the chain get their hashes, and the next append seals them with a checkpoint")
    func backfill() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spar-v1-\(UUID().uuidString).sqlite").path
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: Self.v1)
            for i in 1...3 {
                try db.execute(
                    sql: "INSERT INTO ledger VALUES (?, ?, 'event', ?, 'e/s/a/w/u1', 'count', 'mes', ?, 1000, 'local:ann')",
                    arguments: [i, "v\(i)", i * 10, #"{"id":"v\#(i)"}"#])
            }
        }
        try queue.close()
        let store = try SQLiteLedgerStore(path: path)
        let rows = try await store.entries(afterSeq: 0, limit: 10)
        var previous = LedgerHash.genesis
        for r in rows {
            #expect(r.hash == r.chainHash(previous: previous))
            previous = r.hash
        }
        let key = try store.checkpointPublicKey()
        let before = try SQLiteLedgerAudit.run(path: path, publicKey: key)
        #expect(before.findings.map(\.check) == [.unsealed])
        _ = try await store.append(
            [PendingEntry(id: "new", kind: .event, ts: Timestamp(milliseconds: 99), unit: "e/s/a/w/u1", type: "count", source: "mes", body: "{}")],
            recordedAt: Timestamp(milliseconds: 2000), recordedBy: "local:ann")
        let after = try SQLiteLedgerAudit.run(path: path, publicKey: key)
        #expect(after.isIntact, "\(after.findings)")
        #expect(after.entries == 4)
        #expect(after.lastCheckpoint?.checkpoint.treeSize == 4)
        #expect(after.lastCheckpoint?.checkpoint.previousSize == 0)
    }
}
