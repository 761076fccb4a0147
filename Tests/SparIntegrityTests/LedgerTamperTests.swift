import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparSQLite
import SparStorage
import Testing

/// A seeded generator (SplitMix64) so every tampering is reproducible from its number.
struct Seeded: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9e37_79b9_7f4a_7c15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

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
        var rng = Seeded(seed)
        var n = 0
        do {
            let store = try SQLiteLedgerStore(path: path)
            for b in 0..<batches {
                var batch: [PendingEntry] = []
                for _ in 0..<rng.int(1...9) {
                    n += 1
                    let unit = "acme/s1/a/w/u\(rng.int(1...4))"
                    let type = rng.pick(["count", "state", "order", "measurement"])
                    batch.append(
                        PendingEntry(
                            id: "ev-\(n)", kind: rng.int(0...20) == 0 ? .plantModel : .event,
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

/// One way of altering the stored rows, directly with SQLite.
struct Tampering: CustomStringConvertible {
    enum Kind: String, CaseIterable {
        case editEntryColumn, editCheckpointColumn, deleteEntry, deleteCheckpoint, swapEntries, insertForgedEntryAtEnd,
            insertForgedEntryInMiddle, insertForgedCheckpoint, truncateEntries, truncateEntriesAndCheckpoints,
            editAndRechain, resignWithOwnKey
    }
    var kind: Kind
    var detail: String
    /// The entry that was altered, when one entry's own row changed in place.
    var editedSeq: Int64?
    var description: String { "\(kind.rawValue): \(detail)" }
}

enum Tamperer {
    static let triggerNames = [
        "ledger_no_update", "ledger_no_delete", "ledger_checkpoint_no_update",
        "ledger_checkpoint_no_delete",
    ]

    /// Runs `change` with the append-only triggers dropped, then puts them back word for word, so that only the
    /// data checks can notice what happened.
    static func withoutTriggers(_ path: String, _ change: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            let saved = try triggerNames.map { name in
                (name, try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [name]) ?? "")
            }
            try db.inTransaction {
                for (name, _) in saved { try db.execute(sql: "DROP TRIGGER \(name)") }
                try change(db)
                for (_, sql) in saved { try db.execute(sql: sql) }
                return .commit
            }
        }
        try queue.close()
    }

    static func mutate(_ text: String, _ rng: inout Seeded) -> String {
        switch rng.int(0...3) {
        case 0: return text + "x"
        case 1: return text.isEmpty ? "y" : String(text.dropLast())
        case 2:
            var chars = Array(text)
            guard !chars.isEmpty else { return "z" }
            let i = rng.int(0...(chars.count - 1))
            chars[i] = chars[i] == "7" ? "8" : "7"
            return String(chars)
        default: return text.uppercased() == text ? text + " " : text.uppercased()
        }
    }

    static func flip(_ data: Data, _ rng: inout Seeded) -> Data {
        var bytes = Array(data)
        guard !bytes.isEmpty else { return Data([1]) }
        let i = rng.int(0...(bytes.count - 1))
        bytes[i] ^= UInt8(1 << rng.int(0...7))
        return Data(bytes)
    }

    /// Recomputes the chain hashes of rows from `seq` on, as an attacker without the signing key can.
    static func rechain(_ db: Database, from seq: Int64) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE seq >= ? ORDER BY seq", arguments: [seq])
        var previous =
            try Data.fetchOne(db, sql: "SELECT hash FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT 1", arguments: [seq])
            .flatMap { LedgerHash(bytes: $0) } ?? .genesis
        for row in rows {
            let s: Int64 = row["seq"]
            let hash = LedgerChain.entryHash(
                previous: previous, seq: s, id: row["id"], kind: row["kind"], ts: row["ts"], unit: row["unit"],
                type: row["type"], source: row["source"], body: row["body"], recordedAt: row["recorded_at"],
                recordedBy: row["recorded_by"])
            try db.execute(sql: "UPDATE ledger SET hash = ? WHERE seq = ?", arguments: [Data(hash.bytes), s])
            previous = hash
        }
    }

    /// Applies tampering number `seed` to the ledger copy at `path`.
    static func apply(seed: UInt64, to path: String, ledger: PristineLedger) throws -> Tampering {
        var rng = Seeded(seed)
        let kind = Tampering.Kind.allCases[Int(seed % UInt64(Tampering.Kind.allCases.count))]
        let n = Int64(ledger.entries)
        var result = Tampering(kind: kind, detail: "")
        try withoutTriggers(path) { db in
            switch kind {
            case .editEntryColumn:
                let seq = Int64(rng.int(1...Int(n)))
                let column = rng.pick([
                    "seq", "id", "kind", "ts", "unit", "type", "source", "body", "recorded_at", "recorded_by", "hash",
                ])
                result.detail = "seq \(seq), column \(column)"
                switch column {
                case "seq":
                    let target = rng.pick([n + Int64(rng.int(1...5)), 0, -seq])
                    try db.execute(sql: "UPDATE ledger SET seq = ? WHERE seq = ?", arguments: [target, seq])
                    result.detail += " → \(target)"
                case "ts", "recorded_at":
                    let delta = Int64(rng.pick([1, -1, 1000, -3_600_000]))
                    try db.execute(sql: "UPDATE ledger SET \(column) = \(column) + ? WHERE seq = ?", arguments: [delta, seq])
                    result.editedSeq = seq
                case "hash":
                    let old = try Data.fetchOne(db, sql: "SELECT hash FROM ledger WHERE seq = ?", arguments: [seq]) ?? Data()
                    let value: DatabaseValue = rng.int(0...3) == 0
                        ? (LedgerHash(bytes: old)?.hex ?? "").databaseValue : flip(old, &rng).databaseValue
                    try db.execute(sql: "UPDATE ledger SET hash = ? WHERE seq = ?", arguments: [value, seq])
                    result.editedSeq = seq
                default:
                    let old = try String.fetchOne(db, sql: "SELECT \(column) FROM ledger WHERE seq = ?", arguments: [seq]) ?? ""
                    var new = mutate(old, &rng)
                    if column == "id" { new = old + "-forged" }
                    try db.execute(sql: "UPDATE ledger SET \(column) = ? WHERE seq = ?", arguments: [new, seq])
                    result.editedSeq = seq
                }
            case .editCheckpointColumn:
                let size = rng.pick(ledger.checkpointSizes)
                let column = rng.pick(["tree_size", "root", "signed_at", "previous_size", "key_id", "signature", "frontier"])
                result.detail = "checkpoint \(size), column \(column)"
                switch column {
                case "tree_size":
                    let target = rng.pick([size + 1, size - 1, size + 100])
                    guard !ledger.checkpointSizes.contains(target) else {
                        try db.execute(sql: "UPDATE ledger_checkpoint SET tree_size = ? WHERE tree_size = ?", arguments: [size + 1000, size])
                        return
                    }
                    try db.execute(sql: "UPDATE ledger_checkpoint SET tree_size = ? WHERE tree_size = ?", arguments: [target, size])
                case "signed_at", "previous_size":
                    try db.execute(
                        sql: "UPDATE ledger_checkpoint SET \(column) = \(column) + ? WHERE tree_size = ?",
                        arguments: [rng.pick([1, -1, 60_000]), size])
                case "key_id":
                    let old = try String.fetchOne(db, sql: "SELECT key_id FROM ledger_checkpoint WHERE tree_size = ?", arguments: [size]) ?? ""
                    try db.execute(sql: "UPDATE ledger_checkpoint SET key_id = ? WHERE tree_size = ?", arguments: [mutate(old, &rng), size])
                default:
                    let old = try Data.fetchOne(db, sql: "SELECT \(column) FROM ledger_checkpoint WHERE tree_size = ?", arguments: [size]) ?? Data()
                    try db.execute(sql: "UPDATE ledger_checkpoint SET \(column) = ? WHERE tree_size = ?", arguments: [flip(old, &rng), size])
                }
            case .deleteEntry:
                let seq = Int64(rng.int(1...Int(n)))
                result.detail = "seq \(seq)"
                try db.execute(sql: "DELETE FROM ledger WHERE seq = ?", arguments: [seq])
            case .deleteCheckpoint:
                let size = rng.pick(ledger.checkpointSizes)
                result.detail = "checkpoint \(size)"
                try db.execute(sql: "DELETE FROM ledger_checkpoint WHERE tree_size = ?", arguments: [size])
            case .swapEntries:
                let a = Int64(rng.int(1...Int(n - 1)))
                let b = Int64(rng.int(Int(a + 1)...Int(n)))
                result.detail = "seq \(a) ↔ \(b)"
                try db.execute(sql: "UPDATE ledger SET seq = -1 WHERE seq = ?", arguments: [a])
                try db.execute(sql: "UPDATE ledger SET seq = ? WHERE seq = ?", arguments: [a, b])
                try db.execute(sql: "UPDATE ledger SET seq = ? WHERE seq = -1", arguments: [b])
            case .insertForgedEntryAtEnd, .insertForgedEntryInMiddle:
                let seq = kind == .insertForgedEntryAtEnd ? n + 1 : Int64(rng.int(1...Int(n)))
                result.detail = "forged seq \(seq) with a correct chain hash"
                if seq <= n {
                    try db.execute(sql: "UPDATE ledger SET seq = -seq WHERE seq >= ?", arguments: [seq])
                    try db.execute(sql: "UPDATE ledger SET seq = -seq + 1 WHERE seq < 0")
                }
                let recordedAt = try Int64.fetchOne(db, sql: "SELECT MAX(recorded_at) FROM ledger") ?? 0
                try db.execute(
                    sql: """
                        INSERT INTO ledger (seq, id, kind, ts, unit, type, source, body, recorded_at, recorded_by, hash)
                        VALUES (?, 'forged', 'event', 1780000000000, 'acme/s1/a/w/u1', 'count', 'mes',
                                '{"id":"forged","good":1000}', ?, 'local:ann', zeroblob(32))
                        """,
                    arguments: [seq, recordedAt])
                try rechain(db, from: seq)
            case .insertForgedCheckpoint:
                let size = rng.pick([n + 1, n + 5]) + Int64(rng.int(0...3))
                let copyFrom = rng.pick(ledger.checkpointSizes)
                result.detail = "checkpoint \(size) copying the signature of \(copyFrom)"
                try db.execute(
                    sql: """
                        INSERT INTO ledger_checkpoint
                        SELECT ?, root, signed_at + 1, ?, key_id, signature, frontier FROM ledger_checkpoint WHERE tree_size = ?
                        """,
                    arguments: [size, ledger.checkpointSizes.last ?? 0, copyFrom])
            case .truncateEntries:
                let keep = Int64(rng.int(0...Int(n - 1)))
                result.detail = "entries after \(keep) deleted, checkpoints kept"
                try db.execute(sql: "DELETE FROM ledger WHERE seq > ?", arguments: [keep])
            case .truncateEntriesAndCheckpoints:
                let keep = rng.pick(Array(ledger.checkpointSizes.dropLast()) + [0])
                result.detail = "entries and checkpoints after \(keep) deleted (self-consistent)"
                try db.execute(sql: "DELETE FROM ledger WHERE seq > ?", arguments: [keep])
                try db.execute(sql: "DELETE FROM ledger_checkpoint WHERE tree_size > ?", arguments: [keep])
            case .editAndRechain:
                let seq = Int64(rng.int(1...Int(n)))
                let old = try String.fetchOne(db, sql: "SELECT body FROM ledger WHERE seq = ?", arguments: [seq]) ?? ""
                result.detail = "seq \(seq) body edited, chain recomputed from there"
                try db.execute(sql: "UPDATE ledger SET body = ? WHERE seq = ?", arguments: [mutate(old, &rng), seq])
                try rechain(db, from: seq)
            case .resignWithOwnKey:
                let seq = Int64(rng.int(1...Int(n)))
                let old = try String.fetchOne(db, sql: "SELECT body FROM ledger WHERE seq = ?", arguments: [seq]) ?? ""
                result.detail = "seq \(seq) edited, chain recomputed, every checkpoint re-signed with another key"
                try db.execute(sql: "UPDATE ledger SET body = ? WHERE seq = ?", arguments: [mutate(old, &rng), seq])
                try rechain(db, from: seq)
                let hashes = try Data.fetchAll(db, sql: "SELECT hash FROM ledger ORDER BY seq").compactMap { LedgerHash(bytes: $0) }
                let attacker = CheckpointSigningKey()
                let rows = try Row.fetchAll(db, sql: "SELECT tree_size, signed_at, previous_size FROM ledger_checkpoint")
                try db.execute(sql: "DELETE FROM ledger_checkpoint")
                for row in rows {
                    let size: Int64 = row["tree_size"]
                    let frontier = MerkleFrontier(leafHashes: hashes.prefix(Int(size)).map { MerkleTree.leafHash($0.bytes) })
                    let signed = try attacker.sign(
                        Checkpoint(
                            treeSize: size, root: frontier.root, signedAt: Timestamp(milliseconds: row["signed_at"]),
                            previousSize: row["previous_size"]))
                    try db.execute(
                        sql: "INSERT INTO ledger_checkpoint VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            size, Data(frontier.root.bytes), signed.checkpoint.signedAt.milliseconds,
                            signed.checkpoint.previousSize, signed.keyID, Data(signed.signature), Data(frontier.bytes),
                        ])
                }
            }
        }
        return result
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
        var byKind: [Tampering.Kind: (tried: Int, detected: Int)] = [:]
        for seed in UInt64(0)..<1200 {
            let copy = try ledger.copy("t\(seed % 8)")
            let tampering = try Tamperer.apply(seed: seed, to: copy, ledger: ledger)
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
        let table = Tampering.Kind.allCases.map { k in "\(k.rawValue) \(byKind[k]?.detected ?? 0)/\(byKind[k]?.tried ?? 0)" }
        print("tamperings tried: \(tried), detected: \(detected) (without the kept checkpoint: \(detectedWithoutKept)); "
            + table.joined(separator: ", "))
        #expect(tried == 1200)
        #expect(detected == tried)
    }

    @Test("a deleted row is reported at the row after it; a swap at the first of the two rows")
    func precisePositions() async throws {
        let ledger = try await PristineLedger.build(seed: 3)
        let deleted = try ledger.copy("deleted")
        try Tamperer.withoutTriggers(deleted) { db in try db.execute(sql: "DELETE FROM ledger WHERE seq = 4") }
        let r1 = try SQLiteLedgerAudit.run(path: deleted, publicKey: ledger.publicKey)
        #expect(r1.findings.first?.check == .sequence)
        #expect(r1.findings.first?.seq == 5)
        #expect(r1.findings.first?.id == "ev-5")
        let swapped = try ledger.copy("swapped")
        try Tamperer.withoutTriggers(swapped) { db in
            try db.execute(sql: "UPDATE ledger SET seq = -1 WHERE seq = 3")
            try db.execute(sql: "UPDATE ledger SET seq = 3 WHERE seq = 6")
            try db.execute(sql: "UPDATE ledger SET seq = 6 WHERE seq = -1")
        }
        let r2 = try SQLiteLedgerAudit.run(path: swapped, publicKey: ledger.publicKey)
        #expect(r2.findings.first?.check == .chainHash)
        #expect(r2.findings.first?.seq == 3)
        let rechained = try ledger.copy("rechained")
        try Tamperer.withoutTriggers(rechained) { db in
            try db.execute(sql: "UPDATE ledger SET body = '{}' WHERE seq = 2")
            try Tamperer.rechain(db, from: 2)
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
        try Tamperer.withoutTriggers(forged) { db in
            try db.execute(
                sql: """
                    INSERT INTO ledger (seq, id, kind, ts, unit, type, source, body, recorded_at, recorded_by, hash)
                    VALUES (?, 'forged', 'event', 1, 'u', 'count', 'mes', '{}', 1, 'x', zeroblob(32))
                    """, arguments: [ledger.entries + 1])
            try Tamperer.rechain(db, from: Int64(ledger.entries + 1))
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
