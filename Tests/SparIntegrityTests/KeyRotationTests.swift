import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparQualification
import SparSQLite
import SparStorage
import Testing

@Suite("Checkpoint key rotation")
struct KeyRotationTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-rotation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Writes a private key file as Spar does (mode 0600).
    static func write(_ key: CheckpointSigningKey, to path: String) {
        _ = FileManager.default.createFile(
            atPath: path, contents: Data(key.fileContents.utf8), attributes: [.posixPermissions: 0o600])
    }

    static func batch(_ from: Int, _ count: Int) -> [PendingEntry] {
        (from..<(from + count)).map { i in
            PendingEntry(
                id: "e\(i)", kind: .event, ts: Timestamp(milliseconds: 1_780_000_000_000 + Int64(i) * 1000),
                unit: "e/s/a/w/u1", type: "count", source: "mes", body: #"{"id":"e\#(i)","good":\#(i)}"#)
        }
    }

    /// 3 + 2 entries under the first key, the rotation (entry 6), then 4 entries under the second key.
    static func rotatedLedger(_ dir: URL) async throws -> (path: String, old: CheckpointSigningKey, new: CheckpointSigningKey) {
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let oldKey = CheckpointSigningKey()
        Self.write(oldKey, to: path + ".key")
        let store = try SQLiteLedgerStore(path: path)
        let at = Timestamp(milliseconds: 1_790_000_000_000)
        _ = try await store.append(batch(1, 3), recordedAt: at, recordedBy: "local:test")
        _ = try await store.append(batch(4, 2), recordedAt: at, recordedBy: "local:test")
        let newKey = CheckpointSigningKey()
        let rotation = try await store.rotateCheckpointKey(
            to: newKey, reason: "annual rotation", recordedAt: at, recordedBy: "local:test")
        #expect(rotation.seq == 6)
        let outcomes = try await store.append(batch(7, 4), recordedAt: at, recordedBy: "local:test")
        #expect(outcomes == (7...10).map { .accepted(seq: Int64($0)) })
        return (path, oldKey, newKey)
    }

    @Test("after a rotation the ledger verifies with the new key and with the old one, across both")
    func verifiesAcrossKeys() async throws {
        let dir = try Self.folder()
        let (path, old, new) = try await Self.rotatedLedger(dir)
        let withNew = try SQLiteLedgerAudit.run(path: path, publicKey: new.publicKey)
        #expect(withNew.findings == [])
        // Checkpoints: sizes 3 and 5 (old key), 6 sealing the rotation (old key), 10 (new key).
        #expect(withNew.checkpoints == 4)
        #expect(withNew.entries == 10)
        #expect(try SQLiteLedgerAudit.run(path: path, publicKey: old.publicKey).findings == [])
        // A key the ledger never named is not trusted.
        let stranger = try SQLiteLedgerAudit.run(path: path, publicKey: CheckpointSigningKey().publicKey)
        #expect(stranger.findings.map(\.check) == [.checkpointKey])
    }

    @Test("after a rotation only the new key appends; the old key is refused")
    func oldKeyRefused() async throws {
        let dir = try Self.folder()
        let (path, old, new) = try await Self.rotatedLedger(dir)
        let oldFile = dir.appendingPathComponent("old.key").path
        Self.write(old, to: oldFile)
        let withOld = try SQLiteLedgerStore(path: path, signingKeyPath: oldFile)
        await #expect(throws: StorageError.self) {
            _ = try await withOld.append(Self.batch(11, 1), recordedAt: .init(milliseconds: 1_790_000_000_000), recordedBy: "x")
        }
        let newFile = dir.appendingPathComponent("new.key").path
        Self.write(new, to: newFile)
        let withNew = try SQLiteLedgerStore(path: path, signingKeyPath: newFile)
        let outcome = try await withNew.append(
            Self.batch(11, 1), recordedAt: .init(milliseconds: 1_790_000_000_000), recordedBy: "x")
        #expect(outcome == [.accepted(seq: 11)])
        #expect(try SQLiteLedgerAudit.run(path: path, publicKey: new.publicKey).findings == [])
    }

    @Test("a leaked old key cannot re-sign a checkpoint after the rotation, and an edited rotation is caught")
    func leakedKeyAndEditedRotation() async throws {
        let dir = try Self.folder()
        let (path, old, new) = try await Self.rotatedLedger(dir)
        // The holder of the leaked old key re-signs the size-10 checkpoint with it.
        let forged = dir.appendingPathComponent("forged.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: forged)
        let row = try DatabaseQueue(path: forged).read { db in
            try Row.fetchOne(db, sql: "SELECT root, signed_at, previous_size FROM ledger_checkpoint WHERE tree_size = 10")
        }
        let fields = try #require(row)
        let root = try #require(LedgerHash(bytes: Array(fields["root"] as Data)))
        let resigned = try old.sign(
            Checkpoint(treeSize: 10, root: root, signedAt: Timestamp(milliseconds: fields["signed_at"]), previousSize: fields["previous_size"]))
        try RawSQLite.withoutTriggers(forged) { db in
            try db.execute(
                sql: "UPDATE ledger_checkpoint SET key_id = ?, signature = ? WHERE tree_size = 10",
                arguments: [resigned.keyID, Data(resigned.signature)])
        }
        let report = try SQLiteLedgerAudit.run(path: forged, publicKey: new.publicKey)
        #expect(report.findings.map(\.check) == [.checkpointKey, .checkpointSignature])
        #expect(report.findings.first?.checkpointSize == 10)

        // The rotation's reason edited (and its chain hash left): the row is named.
        let edited = dir.appendingPathComponent("edited.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: edited)
        try RawSQLite.withoutTriggers(edited) { db in
            try db.execute(sql: "UPDATE ledger SET body = replace(body, 'annual rotation', 'nothing to see') WHERE seq = 6")
        }
        let second = try SQLiteLedgerAudit.run(path: edited, publicKey: new.publicKey)
        #expect(second.findings.first?.seq == 6)
        #expect(second.findings.contains { $0.check == .chainHash && $0.seq == 6 })
        // The edited statement no longer carries valid signatures of either key.
        #expect(second.findings.contains { $0.check == .checkpointKey && $0.detail.contains("handover signature") })
    }

    @Test("spar checkpoint rotate-key installs the new key and spar verify passes with either key")
    func command() throws {
        let dir = try Self.folder()
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try VerifyCommandTests.plant.write(toFile: file("plant.yaml"), atomically: true, encoding: .utf8)
        try VerifyCommandTests.events(1...6).write(toFile: file("a.jsonl"), atomically: true, encoding: .utf8)
        try VerifyCommandTests.events(7...9).write(toFile: file("b.jsonl"), atomically: true, encoding: .utf8)
        let db = file("ledger.sqlite")
        #expect(try Spar.run(["ingest", "--db", db, "--plant", file("plant.yaml"), file("a.jsonl")]).status == 0)
        let oldPub = try Spar.run(["checkpoint", "public-key", "--db", db, "--out", file("old.pub")])
        #expect(oldPub.status == 0, "\(oldPub.stderr)")
        let missing = try Spar.run(["checkpoint", "rotate-key", "--db", db, "--reason", " "])
        #expect(missing.status != 0)
        let rotate = try Spar.run(["checkpoint", "rotate-key", "--db", db, "--reason", "key file copied to a laptop"])
        #expect(rotate.status == 0, "\(rotate.stderr)")
        #expect(rotate.stdout.contains("checkpoint key rotated at seq 8"), "\(rotate.stdout)")
        let retired = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("ledger.sqlite.key.retired-") }
        #expect(retired.count == 1)
        #expect(!FileManager.default.fileExists(atPath: db + ".key.next"))
        #expect(try Spar.run(["ingest", "--db", db, file("b.jsonl")]).status == 0)
        let verify = try Spar.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // 1 plant model + 6 events, the rotation, 3 events.
        #expect(verify.stdout.contains("11 entries"), "\(verify.stdout)")
        let withOld = try Spar.run(["verify", "--db", db, "--public-key", file("old.pub")])
        #expect(withOld.status == 0, "\(withOld.stdout)\(withOld.stderr)")
        let audit = try Spar.run(["audit", "--db", db])
        #expect(audit.stdout.contains("rotated the checkpoint signing key: key file copied to a laptop"), "\(audit.stdout)")
    }
}
