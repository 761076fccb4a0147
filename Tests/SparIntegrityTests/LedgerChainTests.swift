import Crypto
import Foundation
import SparCore
import SparLedgerIntegrity
import Testing

@Suite("Hash chain, checkpoints and keys")
struct LedgerChainTests {
    static func be64(_ v: Int64) -> [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (8 * UInt64($0))) } }
    static func text(_ s: String) -> [UInt8] {
        let b = Array(s.utf8)
        let n = UInt32(b.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + b
    }

    @Test("an entry's hash is SHA-256 over the tag, the previous hash and every column, as laid out by hand")
    func canonicalBytes() {
        // seq 1 after the genesis (32 zero bytes); then seq 2 after it.
        let first: [UInt8] =
            Array("spar.ledger.entry.v1".utf8) + [UInt8](repeating: 0, count: 32) + Self.be64(1) + Self.text("e1")
            + Self.text("event") + Self.be64(1_700_000_000_000) + Self.text("e/s/a/w/u1") + Self.text("count")
            + Self.text("mes") + Self.text(#"{"good":1}"#) + Self.be64(1_700_000_000_500) + Self.text("local:ann")
        let h1 = sha(first)
        let got1 = LedgerChain.entryHash(
            previous: .genesis, seq: 1, id: "e1", kind: "event", ts: 1_700_000_000_000, unit: "e/s/a/w/u1", type: "count",
            source: "mes", body: #"{"good":1}"#, recordedAt: 1_700_000_000_500, recordedBy: "local:ann")
        #expect(got1.bytes == h1)
        let second: [UInt8] =
            Array("spar.ledger.entry.v1".utf8) + h1 + Self.be64(2) + Self.text("é2") + Self.text("event")
            + Self.be64(-5) + Self.text("") + Self.text("state") + Self.text("mes") + Self.text("{}")
            + Self.be64(0) + Self.text("x")
        let got2 = LedgerChain.entryHash(
            previous: got1,
            columns: EntryColumns(
                seq: 2, id: "é2", kind: "event", ts: -5, unit: "", type: "state", source: "mes", body: "{}", recordedAt: 0,
                recordedBy: "x"))
        #expect(got2.bytes == sha(second))
    }

    @Test("moving bytes between adjacent text columns changes the hash (length prefixes)")
    func lengthPrefixes() {
        let a = LedgerChain.entryHash(
            previous: .genesis, seq: 1, id: "ab", kind: "c", ts: 0, unit: "", type: "", source: "", body: "", recordedAt: 0,
            recordedBy: "")
        let b = LedgerChain.entryHash(
            previous: .genesis, seq: 1, id: "a", kind: "bc", ts: 0, unit: "", type: "", source: "", body: "", recordedAt: 0,
            recordedBy: "")
        #expect(a != b)
    }

    @Test("a checkpoint signature verifies with its key and fails for any other field value or key")
    func checkpointSignatures() throws {
        let key = CheckpointSigningKey()
        let c = Checkpoint(treeSize: 5, root: h(sha([1])), signedAt: Timestamp(milliseconds: 1000), previousSize: 2)
        let signed = try key.sign(c)
        #expect(signed.keyID == key.publicKey.keyID)
        #expect(signed.signature.count == 64)
        #expect(key.publicKey.isValidSignature(signed))
        // Signing twice verifies twice; the bytes are never compared (Ed25519 may be randomised on Apple platforms).
        #expect(key.publicKey.isValidSignature(try key.sign(c)))
        var changed = signed
        changed.checkpoint.treeSize = 6
        #expect(!key.publicKey.isValidSignature(changed))
        changed = signed
        changed.checkpoint.root = h(sha([2]))
        #expect(!key.publicKey.isValidSignature(changed))
        changed = signed
        changed.checkpoint.signedAt = Timestamp(milliseconds: 1001)
        #expect(!key.publicKey.isValidSignature(changed))
        changed = signed
        changed.checkpoint.previousSize = 3
        #expect(!key.publicKey.isValidSignature(changed))
        changed = signed
        changed.signature[10] ^= 1
        #expect(!key.publicKey.isValidSignature(changed))
        #expect(!CheckpointSigningKey().publicKey.isValidSignature(signed))
        // The signed message is tag ‖ size ‖ root ‖ time ‖ previous size.
        #expect(c.signedMessage == Array("spar.checkpoint.v1".utf8) + Self.be64(5) + sha([1]) + Self.be64(1000) + Self.be64(2))
    }

    @Test("the key file is created with mode 0600, read back, and refused when others can read it")
    func keyFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-key-\(UUID().uuidString)")
        let path = dir.appendingPathComponent("ledger.sqlite.key").path
        let created = try CheckpointSigningKey.loadOrCreate(path: path)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600)
        let again = try CheckpointSigningKey.loadOrCreate(path: path)
        #expect(again.publicKey == created.publicKey)
        #expect(try CheckpointPublicKey.load(path: path) == created.publicKey)
        let pub = dir.appendingPathComponent("ledger.pub").path
        try created.publicKey.fileContents.write(toFile: pub, atomically: true, encoding: .utf8)
        #expect(try CheckpointPublicKey.load(path: pub) == created.publicKey)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: KeyFileError.self) { try CheckpointSigningKey.load(path: path) }
        try "not a key\n".write(toFile: pub, atomically: true, encoding: .utf8)
        #expect(throws: KeyFileError.self) { try CheckpointPublicKey.load(path: pub) }
    }
}
