import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparQualification
import SparSQLite
import SparStorage
import Testing

/// A ledger built through `SQLiteLedgerStore`, then copied for each tampering.
struct PristineLedger {
    var directory: URL
    var path: String
    var publicKey: CheckpointPublicKey
    var kept: SignedCheckpoint
    var entries: Int
    var checkpointSizes: [Int64]

    static func build(seed: UInt64, batches: Int = 8) async throws -> PristineLedger {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-tamper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("ledger.sqlite").path
        var rng = SeededGenerator(seed)
        var n = 0
        do {
            let store = try SQLiteLedgerStore(path: path)
            for b in 0..<batches {
                var batch: [PendingEntry] = []
                for _ in 0..<rng.int(1...9) {
                    n += 1
                    let unit = "acme/s1/a/w/u\(rng.int(1...4))"
                    let type = rng.pick(["count", "state", "order", "measurement"])
                    let kind: LedgerEntryKind = rng.int(0...20) == 0 ? .plantModel : .event
                    batch.append(
                        PendingEntry(
                            id: kind == .plantModel ? "plant-model:ev-\(n)" : "ev-\(n)", kind: kind,
                            ts: Timestamp(milliseconds: 1_780_000_000_000 + Int64(rng.int(0...10_000_000)) * 1000),
                            unit: unit, type: type, source: rng.pick(["mes", "scada", "erp"]),
                            body: #"{"id":"ev-\#(n)","type":"\#(type)","value":\#(rng.int(0...99999))}"#))
                }
                if b > 0 { batch.append(batch[0]) }  // a duplicate, acknowledged without a new row
                _ = try await store.append(
                    batch, recordedAt: Timestamp(milliseconds: 1_790_000_000_000 + Int64(b) * 60_000),
                    recordedBy: rng.pick(["local:ann", "local:bo", "token:mes"]))
            }
            try store.executeForTesting("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        let publicKey = try CheckpointPublicKey.load(path: SQLiteLedgerStore.defaultKeyPath(ledger: path))
        let queue = try DatabaseQueue(path: path)
        let (entries, sizes) = try await queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger") ?? 0,
             try Int64.fetchAll(db, sql: "SELECT tree_size FROM ledger_checkpoint ORDER BY tree_size"))
        }
        try queue.close()
        let store = try SQLiteLedgerStore(path: path)
        guard let kept = try await store.latestCheckpoint() else { throw StorageError("no checkpoint was written") }
        try store.executeForTesting("PRAGMA wal_checkpoint(TRUNCATE)")
        return PristineLedger(
            directory: dir, path: path, publicKey: publicKey, kept: kept, entries: entries, checkpointSizes: sizes)
    }

    /// A fresh copy of the ledger file.
    func copy(_ name: String) throws -> String {
        let target = directory.appendingPathComponent("\(name).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
        try FileManager.default.copyItem(atPath: path, toPath: target)
        return target
    }
}

@Suite("Tamper detection on a real SQLite ledger")
struct LedgerTamperTests {
    @Test("an untouched ledger verifies intact, with and without its kept checkpoint")
    func intact() async throws {
        let ledger = try await PristineLedger.build(seed: 7)
        #expect(ledger.checkpointSizes.count == 8)
        #expect(ledger.checkpointSizes.last == Int64(ledger.entries))
        let report = try SQLiteLedgerAudit.run(path: try ledger.copy("intact"), publicKey: ledger.publicKey, kept: [ledger.kept])
        #expect(report.isIntact, "\(report.findings)")
        #expect(report.entries == Int64(ledger.entries))
        #expect(report.checkpoints == 8)
        // With another key nothing verifies.
        let other = try SQLiteLedgerAudit.run(path: ledger.path, publicKey: CheckpointSigningKey().publicKey)
        #expect(other.findings.first?.check == .checkpointKey)
    }

    /// 1,200 seeded random tamperings, 100 of each kind: verify must detect every one with the kept checkpoint,
    /// and every one except a self-consistent truncation without it.
    @Test("every random single-row edit, deletion, swap, forged insertion and truncation is detected")
    func randomTamperings() async throws {
        let ledger = try await PristineLedger.build(seed: 42)
        var tried = 0
        var detected = 0
        var detectedWithoutKept = 0
        var byKind: [TamperKind: (tried: Int, detected: Int)] = [:]
        for seed in UInt64(0)..<1200 {
            let copy = try ledger.copy("t\(seed % 8)")
            let tampering = try Tamperer.apply(
                seed: seed, to: copy, entries: ledger.entries, checkpointSizes: ledger.checkpointSizes)
            tried += 1
            let report = try SQLiteLedgerAudit.run(path: copy, publicKey: ledger.publicKey, kept: [ledger.kept])
            let caught = !report.isIntact && report.findings.first?.check != .schema
            if caught { detected += 1 }
            byKind[tampering.kind, default: (0, 0)].tried += 1
            byKind[tampering.kind, default: (0, 0)].detected += caught ? 1 : 0
            #expect(caught, "seed \(seed), \(tampering): not detected")
            #expect(
                !report.findings.contains { $0.check == .schema }, "seed \(seed), \(tampering): the schema check fired")
            if let seq = tampering.editedSeq {
                // One column of one row changed in place: that row is named first.
                #expect(report.findings.first?.seq == seq, "seed \(seed), \(tampering): first finding \(report.findings.first.map { "\($0)" } ?? "none")")
            }
            let alone = try SQLiteLedgerAudit.run(path: copy, publicKey: ledger.publicKey)
            if !alone.isIntact { detectedWithoutKept += 1 }
            if tampering.kind != .truncateEntriesAndCheckpoints {
                #expect(!alone.isIntact, "seed \(seed), \(tampering): needs the kept checkpoint")
            }
        }
        let table = TamperKind.allCases.map { k in "\(k.rawValue) \(byKind[k]?.detected ?? 0)/\(byKind[k]?.tried ?? 0)" }
        print("tamperings tried: \(tried), detected: \(detected) (without the kept checkpoint: \(detectedWithoutKept)); "
            + table.joined(separator: ", "))
        #expect(tried == 1200)
        #expect(detected == tried)
    }

    @Test("a deleted row is reported at the row after it; a swap at the first of the two rows")
    func precisePositions() async throws {
        let ledger = try await PristineLedger.build(seed: 3)
        let deleted = try ledger.copy("deleted")
        try RawSQLite.withoutTriggers(deleted) { db in try db.execute(sql: "DELETE FROM ledger WHERE seq = 4") }
        let r1 = try SQLiteLedgerAudit.run(path: deleted, publicKey: ledger.publicKey)
        #expect(r1.findings.first?.check == .sequence)
        #expect(r1.findings.first?.seq == 5)
        #expect(r1.findings.first?.id == "ev-5")
        let swapped = try ledger.copy("swapped")
        try RawSQLite.withoutTriggers(swapped) { db in
            try db.execute(sql: "UPDATE ledger SET seq = -1 WHERE seq = 3")
            try db.execute(sql: "UPDATE ledger SET seq = 3 WHERE seq = 6")
            try db.execute(sql: "UPDATE ledger SET seq = 6 WHERE seq = -1")
        }
        let r2 = try SQLiteLedgerAudit.run(path: swapped, publicKey: ledger.publicKey)
        #expect(r2.findings.first?.check == .chainHash)
        #expect(r2.findings.first?.seq == 3)
        let rechained = try ledger.copy("rechained")
        try RawSQLite.withoutTriggers(rechained) { db in
            try db.execute(sql: "UPDATE ledger SET body = '{}' WHERE seq = 2")
            try RawSQLite.rechain(db, from: 2)
        }
        let r3 = try SQLiteLedgerAudit.run(path: rechained, publicKey: ledger.publicKey)
        // The chain itself is consistent again; the first checkpoint covering seq 2 names the range.
        #expect(r3.findings.first?.check == .checkpointRoot)
        #expect(r3.findings.first?.position ?? 0 <= 2)
    }

    @Test("a dropped or replaced append-only trigger is reported")
    func triggers() async throws {
        let ledger = try await PristineLedger.build(seed: 5, batches: 2)
        let copy = try ledger.copy("triggers")
        let queue = try DatabaseQueue(path: copy)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER ledger_no_delete")
            try db.execute(sql: "DROP TRIGGER ledger_checkpoint_no_update")
            try db.execute(sql: "CREATE TRIGGER ledger_checkpoint_no_update BEFORE UPDATE ON ledger_checkpoint BEGIN SELECT 1; END")
        }
        try queue.close()
        let report = try SQLiteLedgerAudit.run(path: copy, publicKey: ledger.publicKey)
        #expect(report.findings.count == 2)
        #expect(report.findings.allSatisfy { $0.check == .schema })
        #expect(report.findings.contains { $0.detail.contains("ledger_no_delete is missing") })
        #expect(report.findings.contains { $0.detail.contains("ledger_checkpoint_no_update was replaced") })
    }

    @Test("appending refuses to seal rows added outside Spar, and refuses another signing key")
    func appendRefusesTamperedTip() async throws {
        let ledger = try await PristineLedger.build(seed: 9, batches: 2)
        let forged = try ledger.copy("forged")
        try FileManager.default.copyItem(
            atPath: SQLiteLedgerStore.defaultKeyPath(ledger: ledger.path), toPath: SQLiteLedgerStore.defaultKeyPath(ledger: forged))
        try RawSQLite.withoutTriggers(forged) { db in
            try db.execute(
                sql: """
                    INSERT INTO ledger (seq, id, kind, ts, unit, type, source, body, recorded_at, recorded_by, hash)
                    VALUES (?, 'forged', 'event', 1, 'u', 'count', 'mes', '{}', 1, 'x', zeroblob(32))
                    """, arguments: [ledger.entries + 1])
            try RawSQLite.rechain(db, from: Int64(ledger.entries + 1))
        }
        let store = try SQLiteLedgerStore(path: forged)
        let entry = PendingEntry(id: "next", kind: .event, ts: Timestamp(milliseconds: 5), unit: "u", type: "count", source: "mes", body: "{}")
        await #expect(throws: StorageError.self) {
            _ = try await store.append([entry], recordedAt: Timestamp(milliseconds: 9), recordedBy: "t")
        }
        let otherKey = FileManager.default.temporaryDirectory.appendingPathComponent("spar-other-\(UUID().uuidString).key").path
        let wrongKey = try SQLiteLedgerStore(path: try ledger.copy("wrong-key"), signingKeyPath: otherKey)
        await #expect(throws: StorageError.self) {
            _ = try await wrongKey.append([entry], recordedAt: Timestamp(milliseconds: 9), recordedBy: "t")
        }
    }
}
