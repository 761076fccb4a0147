import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparSQLite
import SparStorage

/// One way of altering a stored ledger behind Spar's back.
public enum TamperKind: String, CaseIterable, Sendable {
    case editEntryColumn, editCheckpointColumn, deleteEntry, deleteCheckpoint, swapEntries, insertForgedEntryAtEnd,
        insertForgedEntryInMiddle, insertForgedCheckpoint, truncateEntries, truncateEntriesAndCheckpoints,
        editAndRechain, resignWithOwnKey
}

/// A scratch ledger written through `SQLiteLedgerStore`, copied for each tampering.
struct PristineLedger {
    var path: String
    var publicKey: CheckpointPublicKey
    var kept: SignedCheckpoint
    var entries: Int
    var checkpointSizes: [Int64]

    static func build(in context: OQContext, seed: UInt64, batches: Int) async throws -> PristineLedger {
        let live = context.path("pristine-live.sqlite")
        let path = context.path("pristine.sqlite")
        var rng = SeededGenerator(seed)
        var n = 0
        let store = try SQLiteLedgerStore(path: live)
        for b in 0..<batches {
            var batch: [PendingEntry] = []
            for _ in 0..<rng.int(2...9) {
                n += 1
                let type = rng.pick(["count", "state", "order", "measurement"])
                let kind: LedgerEntryKind = rng.int(0...20) == 0 ? .plantModel : .event
                batch.append(
                    PendingEntry(
                        id: kind == .plantModel ? "plant-model:ev-\(n)" : "ev-\(n)", kind: kind,
                        ts: Timestamp(milliseconds: 1_780_000_000_000 + Int64(rng.int(0...10_000_000)) * 1000),
                        unit: "oq/s1/a/w/u\(rng.int(1...4))", type: type, source: rng.pick(["mes", "scada", "erp"]),
                        body: #"{"id":"ev-\#(n)","type":"\#(type)","value":\#(rng.int(0...99999))}"#))
            }
            if b > 0 { batch.append(batch[0]) }
            _ = try await store.append(
                batch, recordedAt: Timestamp(milliseconds: 1_790_000_000_000 + Int64(b) * 60_000),
                recordedBy: rng.pick([
                    "user:ann (operator; sites s1) oq", "user:bo (supervisor; sites s1) oq", "system:mes (token 1; sites s1) oq",
                ]))
        }
        guard let kept = try await store.latestCheckpoint() else { throw StorageError("no checkpoint was written") }
        let publicKey = try store.checkpointPublicKey()
        try RawSQLite.snapshot(live, to: path)
        let (entries, sizes) = try RawSQLite.write(path) { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger") ?? 0,
             try Int64.fetchAll(db, sql: "SELECT tree_size FROM ledger_checkpoint ORDER BY tree_size"))
        }
        return PristineLedger(path: path, publicKey: publicKey, kept: kept, entries: entries, checkpointSizes: sizes)
    }
}

/// One tampering applied to a ledger file.
public struct Tampering: Sendable, CustomStringConvertible {
    public var kind: TamperKind
    public var detail: String
    /// The entry whose own row changed in place (one column of one row), which verify must name first.
    public var editedSeq: Int64?
    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// Seeded tamperings of a stored ledger, as an attacker with write access to the database file (not the key) can.
/// The OQ applies them, and `SparIntegrityTests` applies 1,200 of them.
public enum Tamperer {
    static func mutate(_ text: String, _ rng: inout SeededGenerator) -> String {
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

    static func flip(_ data: Data, _ rng: inout SeededGenerator) -> Data {
        var bytes = Array(data)
        guard !bytes.isEmpty else { return Data([1]) }
        let i = rng.int(0...(bytes.count - 1))
        bytes[i] ^= UInt8(1 << rng.int(0...7))
        return Data(bytes)
    }

    /// Applies tampering number `seed` to the copy at `path` of a ledger of `entries` rows whose checkpoints have
    /// tree sizes `checkpointSizes` (ascending).
    public static func apply(seed: UInt64, to path: String, entries: Int, checkpointSizes: [Int64]) throws -> Tampering {
        var rng = SeededGenerator(seed)
        let kind = TamperKind.allCases[Int(seed % UInt64(TamperKind.allCases.count))]
        let n = Int64(entries)
        var detail = ""
        var editedSeq: Int64?
        try RawSQLite.withoutTriggers(path) { db in
            switch kind {
            case .editEntryColumn:
                let seq = Int64(rng.int(1...Int(n)))
                let column = rng.pick([
                    "seq", "id", "kind", "ts", "unit", "type", "source", "body", "recorded_at", "recorded_by", "hash",
                ])
                detail = "seq \(seq), column \(column)"
                switch column {
                case "seq":
                    let target = rng.pick([n + Int64(rng.int(1...5)), 0, -seq])
                    try db.execute(sql: "UPDATE ledger SET seq = ? WHERE seq = ?", arguments: [target, seq])
                    detail += " → \(target)"
                case "ts", "recorded_at":
                    let delta = Int64(rng.pick([1, -1, 1000, -3_600_000]))
                    try db.execute(sql: "UPDATE ledger SET \(column) = \(column) + ? WHERE seq = ?", arguments: [delta, seq])
                    editedSeq = seq
                case "hash":
                    let old = try Data.fetchOne(db, sql: "SELECT hash FROM ledger WHERE seq = ?", arguments: [seq]) ?? Data()
                    let value: DatabaseValue =
                        rng.int(0...3) == 0
                        ? (LedgerHash(bytes: old)?.hex ?? "").databaseValue : flip(old, &rng).databaseValue
                    try db.execute(sql: "UPDATE ledger SET hash = ? WHERE seq = ?", arguments: [value, seq])
                    editedSeq = seq
                default:
                    let old = try String.fetchOne(db, sql: "SELECT \(column) FROM ledger WHERE seq = ?", arguments: [seq]) ?? ""
                    let new = column == "id" ? old + "-forged" : mutate(old, &rng)
                    try db.execute(sql: "UPDATE ledger SET \(column) = ? WHERE seq = ?", arguments: [new, seq])
                    editedSeq = seq
                }
            case .editCheckpointColumn:
                let size = rng.pick(checkpointSizes)
                let column = rng.pick(["tree_size", "root", "signed_at", "previous_size", "key_id", "signature", "frontier"])
                detail = "checkpoint \(size), column \(column)"
                switch column {
                case "tree_size":
                    var target = rng.pick([size + 1, size - 1, size + 100])
                    if checkpointSizes.contains(target) { target = size + 1000 }
                    try db.execute(
                        sql: "UPDATE ledger_checkpoint SET tree_size = ? WHERE tree_size = ?", arguments: [target, size])
                case "signed_at", "previous_size":
                    try db.execute(
                        sql: "UPDATE ledger_checkpoint SET \(column) = \(column) + ? WHERE tree_size = ?",
                        arguments: [rng.pick([1, -1, 60_000]), size])
                case "key_id":
                    let old =
                        try String.fetchOne(db, sql: "SELECT key_id FROM ledger_checkpoint WHERE tree_size = ?", arguments: [size]) ?? ""
                    try db.execute(
                        sql: "UPDATE ledger_checkpoint SET key_id = ? WHERE tree_size = ?", arguments: [mutate(old, &rng), size])
                default:
                    let old =
                        try Data.fetchOne(db, sql: "SELECT \(column) FROM ledger_checkpoint WHERE tree_size = ?", arguments: [size])
                        ?? Data()
                    try db.execute(
                        sql: "UPDATE ledger_checkpoint SET \(column) = ? WHERE tree_size = ?", arguments: [flip(old, &rng), size])
                }
            case .deleteEntry:
                let seq = Int64(rng.int(1...Int(n)))
                detail = "seq \(seq) deleted"
                try db.execute(sql: "DELETE FROM ledger WHERE seq = ?", arguments: [seq])
            case .deleteCheckpoint:
                let size = rng.pick(checkpointSizes)
                detail = "checkpoint \(size) deleted"
                try db.execute(sql: "DELETE FROM ledger_checkpoint WHERE tree_size = ?", arguments: [size])
            case .swapEntries:
                let a = Int64(rng.int(1...Int(n - 1)))
                let b = Int64(rng.int(Int(a + 1)...Int(n)))
                detail = "seq \(a) ↔ \(b)"
                try db.execute(sql: "UPDATE ledger SET seq = -1 WHERE seq = ?", arguments: [a])
                try db.execute(sql: "UPDATE ledger SET seq = ? WHERE seq = ?", arguments: [a, b])
                try db.execute(sql: "UPDATE ledger SET seq = ? WHERE seq = -1", arguments: [b])
            case .insertForgedEntryAtEnd, .insertForgedEntryInMiddle:
                let seq = kind == .insertForgedEntryAtEnd ? n + 1 : Int64(rng.int(1...Int(n)))
                detail = "forged entry at seq \(seq) with a correct chain hash"
                if seq <= n {
                    try db.execute(sql: "UPDATE ledger SET seq = -seq WHERE seq >= ?", arguments: [seq])
                    try db.execute(sql: "UPDATE ledger SET seq = -seq + 1 WHERE seq < 0")
                }
                let recordedAt = try Int64.fetchOne(db, sql: "SELECT MAX(recorded_at) FROM ledger") ?? 0
                try db.execute(
                    sql: """
                        INSERT INTO ledger (seq, id, kind, ts, unit, type, source, body, recorded_at, recorded_by, hash)
                        VALUES (?, 'forged', 'event', 1780000000000, 'oq/s1/a/w/u1', 'count', 'mes',
                                '{"id":"forged","good":1000}', ?, 'user:ann (operator; sites s1) oq', zeroblob(32))
                        """,
                    arguments: [seq, recordedAt])
                try RawSQLite.rechain(db, from: seq)
            case .insertForgedCheckpoint:
                let size = rng.pick([n + 1, n + 5]) + Int64(rng.int(0...3))
                let copyFrom = rng.pick(checkpointSizes)
                detail = "forged checkpoint \(size) with the signature of checkpoint \(copyFrom)"
                try db.execute(
                    sql: """
                        INSERT INTO ledger_checkpoint
                        SELECT ?, root, signed_at + 1, ?, key_id, signature, frontier FROM ledger_checkpoint WHERE tree_size = ?
                        """,
                    arguments: [size, checkpointSizes.last ?? 0, copyFrom])
            case .truncateEntries:
                let keep = Int64(rng.int(0...Int(n - 1)))
                detail = "entries after seq \(keep) deleted, checkpoints kept"
                try db.execute(sql: "DELETE FROM ledger WHERE seq > ?", arguments: [keep])
            case .truncateEntriesAndCheckpoints:
                let keep = rng.pick(Array(checkpointSizes.dropLast()) + [0])
                detail = "entries and checkpoints after \(keep) deleted (self-consistent; needs the kept checkpoint)"
                try db.execute(sql: "DELETE FROM ledger WHERE seq > ?", arguments: [keep])
                try db.execute(sql: "DELETE FROM ledger_checkpoint WHERE tree_size > ?", arguments: [keep])
            case .editAndRechain:
                let seq = Int64(rng.int(1...Int(n)))
                let old = try String.fetchOne(db, sql: "SELECT body FROM ledger WHERE seq = ?", arguments: [seq]) ?? ""
                detail = "seq \(seq) body edited, chain recomputed from there"
                try db.execute(sql: "UPDATE ledger SET body = ? WHERE seq = ?", arguments: [mutate(old, &rng), seq])
                try RawSQLite.rechain(db, from: seq)
            case .resignWithOwnKey:
                let seq = Int64(rng.int(1...Int(n)))
                let old = try String.fetchOne(db, sql: "SELECT body FROM ledger WHERE seq = ?", arguments: [seq]) ?? ""
                detail = "seq \(seq) edited, chain recomputed, every checkpoint re-signed with another key"
                try db.execute(sql: "UPDATE ledger SET body = ? WHERE seq = ?", arguments: [mutate(old, &rng), seq])
                try RawSQLite.rechain(db, from: seq)
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
        return Tampering(kind: kind, detail: detail, editedSeq: editedSeq)
    }
}

extension OQCatalogue {
    /// OQ-03: seeded tamperings of a real SQLite ledger file, each checked with `spar verify`'s audit.
    public static func tamperEvidence(tamperings: Int = 120, seed: UInt64 = 2026) -> OQCheck {
        OQCheck(
            id: "OQ-03", title: "Ledger tamper evidence (spar verify)",
            requirements: ["R1", "R3", "R3a"],
            procedure: [
                "Write a scratch ledger through the ledger store in 8 signed batches (with duplicates) and keep its "
                    + "last checkpoint, as an auditor keeps it outside the database.",
                "Verify the untouched ledger with the kept checkpoint.",
                "Try to UPDATE and DELETE a ledger row and a checkpoint row through SQLite with the schema in place.",
                "Apply \(tamperings) seeded tamperings (seed \(seed)), \(tamperings / TamperKind.allCases.count) of each of "
                    + "\(TamperKind.allCases.count) kinds, each to a fresh copy with the append-only triggers dropped and "
                    + "restored word for word: single-column edits of entries and checkpoints, deleted rows, swapped rows, "
                    + "forged entries with correct chain hashes, forged checkpoints, truncation, edits with the chain "
                    + "recomputed, and checkpoints re-signed with another key.",
                "Run the verify audit on each copy with the kept checkpoint.",
            ],
            expected: "The untouched ledger verifies intact; SQLite refuses the updates and deletes; every tampering is "
                + "detected by a data check (not merely by the schema check)."
        ) { context in
            var ev = OQEvidence()
            let ledger = try await PristineLedger.build(in: context, seed: seed, batches: 8)
            ev.note(
                "scratch ledger: \(ledger.entries) entries, \(ledger.checkpointSizes.count) checkpoints (tree sizes "
                    + "\(ledger.checkpointSizes.map(String.init).joined(separator: ", "))), key \(ledger.publicKey.keyID)")
            let intact = try SQLiteLedgerAudit.run(path: ledger.path, publicKey: ledger.publicKey, kept: [ledger.kept])
            ev.expect(
                intact.isIntact && intact.entries == Int64(ledger.entries),
                "untouched ledger: intact = \(intact.isIntact), \(intact.entries) entries, \(intact.checkpoints) checkpoints, "
                    + "kept checkpoint of tree size \(ledger.kept.checkpoint.treeSize) matches")

            let guarded = context.path("guarded.sqlite")
            try RawSQLite.copy(ledger.path, to: guarded)
            let direct = [
                ("UPDATE ledger", "UPDATE ledger SET body = '{}' WHERE seq = 1"),
                ("DELETE FROM ledger", "DELETE FROM ledger WHERE seq = 1"),
                ("UPDATE ledger_checkpoint", "UPDATE ledger_checkpoint SET signed_at = 0"),
                ("DELETE FROM ledger_checkpoint", "DELETE FROM ledger_checkpoint"),
            ]
            var refused = 0
            for (label, sql) in direct {
                var refusal = "accepted"
                do { try RawSQLite.write(guarded) { db in try db.execute(sql: sql) } } catch let e as DatabaseError {
                    refusal = e.message ?? "\(e)"
                }
                if refusal.contains("append-only") { refused += 1 }
                ev.expect(refusal.contains("append-only"), "\(label) through SQLite: \(refusal)")
            }

            var byKind: [TamperKind: (tried: Int, detected: Int)] = [:]
            var missed: [String] = []
            for s in 0..<tamperings {
                let copy = context.path("tampered-\(s % 4).sqlite")
                try RawSQLite.copy(ledger.path, to: copy)
                let number = UInt64(s) &+ seed &* 7919
                let tampering = try Tamperer.apply(
                    seed: number, to: copy, entries: ledger.entries, checkpointSizes: ledger.checkpointSizes)
                let (kind, detail) = (tampering.kind, tampering.detail)
                let report = try SQLiteLedgerAudit.run(path: copy, publicKey: ledger.publicKey, kept: [ledger.kept])
                let caught = !report.isIntact && !report.findings.contains { $0.check == .schema }
                byKind[kind, default: (0, 0)].tried += 1
                if caught {
                    byKind[kind, default: (0, 0)].detected += 1
                } else {
                    missed.append("#\(number) \(kind.rawValue): \(detail)")
                }
                if s < TamperKind.allCases.count {
                    ev.note("example #\(number) \(kind.rawValue) (\(detail)) → \(report.findings.first.map { "\($0)" } ?? "no finding")")
                }
            }
            let tried = byKind.values.reduce(0) { $0 + $1.tried }
            let detected = byKind.values.reduce(0) { $0 + $1.detected }
            for kind in TamperKind.allCases {
                let k = byKind[kind] ?? (0, 0)
                ev.expect(k.tried > 0 && k.detected == k.tried, "\(kind.rawValue): \(k.detected)/\(k.tried) detected")
            }
            for m in missed.prefix(10) { ev.note("not detected: \(m)") }
            ev.expect(detected == tried && tried == tamperings, "tamperings tried \(tried), detected \(detected)")
            ev.observed = "\(tried) tamperings of \(TamperKind.allCases.count) kinds tried, \(detected) detected; untouched "
                + "ledger intact; \(refused)/\(direct.count) direct UPDATE/DELETE refused"
            return ev
        }
    }
}
