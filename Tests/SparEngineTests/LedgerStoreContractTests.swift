import Foundation
import SparCore
import SparLedgerIntegrity
import SparPostgres
import SparSQLite
import SparStorage
import SparTestSupport
import Testing

/// The storage contract every backend honours.
@Suite("Ledger store contract")
struct LedgerStoreContractTests {
    typealias Backend = StoreBackend

    static func make(_ backend: Backend) async throws -> any LedgerStore { try await backend.make() }

    static func entry(_ id: String, _ ts: Int64, type: String = "count", unit: String = "e/s/a/w/u1", body: String? = nil)
        -> PendingEntry
    {
        PendingEntry(id: id, kind: .event, ts: Timestamp(milliseconds: ts), unit: unit, type: type, source: "mes",
            body: body ?? #"{"id":"\#(id)"}"#)
    }

    @Test("append answers accepted, duplicate or rejected per entry, in batch order", arguments: Backend.allCases)
    func appendOutcomes(backend: Backend) async throws {
        let store = try await Self.make(backend)
        let now = Timestamp(milliseconds: 1)
        let first = try await store.append([Self.entry("a", 10), Self.entry("b", 20)], recordedAt: now, recordedBy: "t")
        #expect(first == [.accepted(seq: 1), .accepted(seq: 2)])
        let second = try await store.append(
            [Self.entry("a", 10), Self.entry("b", 20, body: "{}"), Self.entry("c", 30), Self.entry("c", 30)],
            recordedAt: now, recordedBy: "t")
        #expect(second[0] == .duplicate(seq: 1))
        #expect(second[1] == .rejected(reason: "id 'b' was already accepted with different content", field: "id"))
        #expect(second[2] == .accepted(seq: 3))
        #expect(second[3] == .duplicate(seq: 3))
        #expect(try await store.count(kind: .event) == 3)
        #expect(try await store.bodies(ids: ["a", "zz"]) == ["a": #"{"id":"a"}"#])
    }

    @Test("a unit has at most one state event per instant", arguments: Backend.allCases)
    func oneStatePerInstant(backend: Backend) async throws {
        let store = try await Self.make(backend)
        let now = Timestamp(milliseconds: 1)
        let out = try await store.append(
            [Self.entry("s1", 10, type: "state"), Self.entry("s2", 10, type: "state"),
             Self.entry("s3", 10, type: "state", unit: "e/s/a/w/u2")],
            recordedAt: now, recordedBy: "t")
        #expect(out[0] == .accepted(seq: 1))
        guard case .rejected(_, let field) = out[1] else {
            Issue.record("second state at the same instant should be rejected")
            return
        }
        #expect(field == "ts")
        #expect(out[2] == .accepted(seq: 2))
    }

    @Test("event bodies filter by unit prefix and always include corrections and order events", arguments: Backend.allCases)
    func eventBodiesByPrefix(backend: Backend) async throws {
        let store = try await Self.make(backend)
        _ = try await store.append(
            [Self.entry("a", 1, unit: "e/s/a/w/u1"), Self.entry("b", 2, unit: "e/s/a/w/u10"),
             Self.entry("c", 3, unit: "e/t/a/w/u1"), Self.entry("d", 4, type: "correction", unit: "e/t/a/w/u1"),
             Self.entry("o", 5, type: "order", unit: "e/t/a/w/u2")],
            recordedAt: Timestamp(milliseconds: 1), recordedBy: "t")
        #expect(
            try await store.eventBodies(unitPrefix: "e/s/a/w/u1") == [#"{"id":"a"}"#, #"{"id":"d"}"#, #"{"id":"o"}"#])
        #expect(try await store.eventBodies(unitPrefix: "e/s").count == 4)
        #expect(try await store.eventBodies(unitPrefix: nil).count == 5)
    }

    @Test("SQLite: WAL, synchronous FULL, and the ledger refuses UPDATE and DELETE")
    func sqliteGuarantees() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spar-\(UUID().uuidString).sqlite").path
        let store = try SQLiteLedgerStore(path: path)
        #expect(try store.synchronousLevel() == 2)
        #expect(try store.journalMode() == "wal")
        _ = try await store.append([Self.entry("a", 1)], recordedAt: Timestamp(milliseconds: 1), recordedBy: "t")
        #expect(throws: (any Error).self) { try store.executeForTesting("UPDATE ledger SET body = '{}' WHERE id = 'a'") }
        #expect(throws: (any Error).self) { try store.executeForTesting("DELETE FROM ledger WHERE id = 'a'") }
        #expect(throws: (any Error).self) { try store.executeForTesting("UPDATE ledger_checkpoint SET signed_at = 0") }
        #expect(throws: (any Error).self) { try store.executeForTesting("DELETE FROM ledger_checkpoint") }
        // The signing key lives beside the ledger, readable by its owner only.
        let mode = try #require(
            FileManager.default.attributesOfItem(atPath: store.signingKeyPath)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600)
        // A second process opening the same file sees what was committed.
        let reopened = try SQLiteLedgerStore(path: path)
        #expect(try await reopened.bodies(ids: ["a"]) == ["a": #"{"id":"a"}"#])
    }

    @Test("PostgreSQL: the ledger, checkpoints and credentials refuse UPDATE, DELETE and TRUNCATE")
    func postgresGuarantees() async throws {
        let store = try await StoreBackend.postgres()
        _ = try await store.append([Self.entry("a", 1)], recordedAt: Timestamp(milliseconds: 1), recordedBy: "t")
        try await store.storeCredential(user: "ann", phc: "$x", seq: 1)
        for sql in [
            "UPDATE ledger SET body = '{}' WHERE id = 'a'", "DELETE FROM ledger WHERE id = 'a'", "TRUNCATE ledger CASCADE",
            "UPDATE ledger_checkpoint SET signed_at = 0", "DELETE FROM ledger_checkpoint", "TRUNCATE ledger_checkpoint",
            "UPDATE credential SET phc = 'y'", "DELETE FROM credential", "TRUNCATE credential",
        ] {
            await #expect(throws: (any Error).self, "\(sql)") { try await store.executeForTesting(sql) }
        }
        #expect(try await store.bodies(ids: ["a"]) == ["a": #"{"id":"a"}"#])
        #expect(try await store.credential(user: "ann")?.phc == "$x")
    }

    @Test("PostgreSQL: several nodes appending at once to one database keep one total order, one chain and one checkpoint per batch")
    func postgresConcurrentNodes() async throws {
        let first = try await StoreBackend.postgres()
        let url = try #require(first.urlForTesting)
        let nodes: [PostgresLedgerStore] = [first] + [
            try await PostgresLedgerStore(url: url, signingKeyPath: first.signingKeyPath),
            try await PostgresLedgerStore(url: url, signingKeyPath: first.signingKeyPath),
        ]
        let perNode = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, node) in nodes.enumerated() {
                group.addTask {
                    for b in 0..<perNode {
                        let batch = (0..<5).map { i in
                            Self.entry("n\(n)-b\(b)-\(i)", Int64(1_000 * b + i), unit: "e/s/a/w/u\(n)")
                        }
                        let out = try await node.append(batch, recordedAt: Timestamp(milliseconds: Int64(b)), recordedBy: "node\(n)")
                        #expect(out.allSatisfy { if case .accepted = $0 { true } else { false } })
                    }
                }
            }
            try await group.waitForAll()
        }
        let entries = try await nodes[1].entries(afterSeq: 0, limit: 1_000)
        #expect(entries.count == nodes.count * perNode * 5)
        #expect(entries.map(\.seq) == Array(1...Int64(entries.count)))
        var previous = LedgerHash.genesis
        for e in entries {
            #expect(e.hash == e.chainHash(previous: previous), "seq \(e.seq)")
            previous = e.hash
        }
        let checkpoints = try await nodes[2].allCheckpoints()
        #expect(checkpoints.count == nodes.count * perNode)
        #expect(checkpoints.map(\.treeSize) == checkpoints.indices.map { Int64($0 + 1) * 5 })
        let key = try first.checkpointPublicKey()
        #expect(checkpoints.allSatisfy { key.isValidSignature($0.signed) })
        #expect(checkpoints.last?.signed.checkpoint.root == MerkleTree.root(leafHashes: entries.map { MerkleTree.leafHash($0.hash.bytes) }))
    }

    /// The public key that checks a backend's checkpoints.
    static func publicKey(of store: any LedgerStore) async throws -> CheckpointPublicKey {
        try await StoreBackend.publicKey(of: store)
    }

    @Test("entries are hash-chained and every batch that stores something is sealed by a signed checkpoint",
        arguments: Backend.allCases)
    func chainAndCheckpoints(backend: Backend) async throws {
        let store = try await Self.make(backend)
        #expect(try await store.latestCheckpoint() == nil)
        _ = try await store.append([Self.entry("a", 10), Self.entry("b", 20)], recordedAt: Timestamp(milliseconds: 100), recordedBy: "ann")
        let first = try #require(try await store.latestCheckpoint())
        // A batch of duplicates stores nothing and writes no checkpoint.
        _ = try await store.append([Self.entry("a", 10)], recordedAt: Timestamp(milliseconds: 150), recordedBy: "ann")
        #expect(try await store.latestCheckpoint() == first)
        _ = try await store.append([Self.entry("c", 30)], recordedAt: Timestamp(milliseconds: 200), recordedBy: "bo")
        let entries = try await store.entries(afterSeq: 0, limit: 10)
        #expect(entries.map(\.seq) == [1, 2, 3])
        // Each hash is SHA-256 over the previous hash and the entry's columns (LedgerChain).
        var previous = LedgerHash.genesis
        for e in entries {
            #expect(e.hash == e.chainHash(previous: previous), "seq \(e.seq)")
            #expect(
                e.hash
                    == LedgerChain.entryHash(
                        previous: previous, seq: e.seq, id: e.entry.id, kind: "event", ts: e.entry.ts.milliseconds,
                        unit: e.entry.unit, type: e.entry.type, source: "mes", body: e.entry.body,
                        recordedAt: e.recordedAt.milliseconds, recordedBy: e.recordedBy))
            previous = e.hash
        }
        let latest = try #require(try await store.latestCheckpoint())
        let key = try await Self.publicKey(of: store)
        #expect(first.checkpoint.treeSize == 2)
        #expect(first.checkpoint.previousSize == 0)
        #expect(first.checkpoint.signedAt == Timestamp(milliseconds: 100))
        #expect(first.checkpoint.root == MerkleTree.root(leafHashes: entries.prefix(2).map { MerkleTree.leafHash($0.hash.bytes) }))
        #expect(latest.checkpoint.treeSize == 3)
        #expect(latest.checkpoint.previousSize == 2)
        #expect(latest.checkpoint.root == MerkleTree.root(leafHashes: entries.map { MerkleTree.leafHash($0.hash.bytes) }))
        #expect(key.isValidSignature(first))
        #expect(key.isValidSignature(latest))
        #expect(latest.keyID == key.keyID)
    }
}
