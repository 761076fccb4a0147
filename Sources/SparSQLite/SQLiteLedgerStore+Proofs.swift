import Foundation
import GRDB
import SparCore
import SparLedgerIntegrity
import SparStorage

extension SQLiteLedgerStore {
    /// Number of entries (the size of the Merkle tree over them).
    public func entryCount() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger") ?? 0 }
    }

    /// Every checkpoint row, oldest first.
    public func allCheckpoints() async throws -> [SignedCheckpoint] {
        let path = path
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger_checkpoint ORDER BY tree_size")
                .map { try LedgerSchema.checkpoint($0, ledger: path).signed }
        }
    }

    /// The checkpoint of exactly `treeSize` entries, if one was written.
    public func checkpoint(treeSize: Int64) async throws -> SignedCheckpoint? {
        let path = path
        return try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledger_checkpoint WHERE tree_size = ?", arguments: [treeSize])
                .map { try LedgerSchema.checkpoint($0, ledger: path).signed }
        }
    }

    /// The stored hashes of entries 1…`size`, as Merkle leaf hashes.
    func leafHashes(size: Int64) async throws -> [LedgerHash] {
        let path = path
        return try await pool.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT seq, hash FROM ledger WHERE seq <= ? ORDER BY seq", arguments: [size])
            var out: [LedgerHash] = []
            out.reserveCapacity(Int(size))
            while let row = try cursor.next() {
                let seq = LedgerSchema.integer(row[0]) ?? 0
                guard seq == Int64(out.count) + 1 else {
                    throw StorageError("ledger \(path), seq \(seq), field 'seq': expected \(out.count + 1); run spar verify")
                }
                guard let h = LedgerSchema.blob(row[1]).flatMap(LedgerHash.init(bytes:)) else {
                    throw StorageError("ledger \(path), seq \(seq), field 'hash': not a 32-byte hash; run spar verify")
                }
                out.append(MerkleTree.leafHash(h.bytes))
            }
            guard out.count == size else {
                throw StorageError("ledger \(path) holds \(out.count) entries, fewer than the tree size \(size)")
            }
            return out
        }
    }

    /// An RFC 6962 inclusion proof of entry `seq` in the tree of the first `treeSize` entries (by default the
    /// latest checkpoint's size, else all entries), with the entry's columns and the signed checkpoint of that size.
    public func inclusionProof(seq: Int64, treeSize: Int64? = nil) async throws -> InclusionProofDocument {
        let size: Int64
        if let treeSize {
            size = treeSize
        } else if let latest = try await latestCheckpoint() {
            size = latest.checkpoint.treeSize
        } else {
            size = try await entryCount()
        }
        guard seq >= 1, seq <= size else {
            throw StorageError("seq \(seq) is outside the tree of \(size) entries (seq 1…\(size))")
        }
        let leaves = try await leafHashes(size: size)
        guard let path = MerkleTree.inclusionPath(index: Int(seq - 1), leafHashes: leaves[...]) else {
            throw StorageError("seq \(seq) is outside the tree of \(size) entries")
        }
        let ledger = self.path
        let (entry, previous, hash) = try await pool.read { db -> (EntryDocument, LedgerHash, LedgerHash) in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM ledger WHERE seq = ?", arguments: [seq]) else {
                throw StorageError("ledger \(ledger) has no entry with seq \(seq)")
            }
            let e = try SQLiteLedgerStore.entry(row, ledger: ledger)
            let previous =
                try DatabaseValue.fetchOne(db, sql: "SELECT hash FROM ledger WHERE seq = ?", arguments: [seq - 1])
                .flatMap { LedgerSchema.blob($0) }.flatMap(LedgerHash.init(bytes:)) ?? .genesis
            let doc = EntryDocument(
                seq: e.seq, id: e.entry.id, kind: e.entry.kind.rawValue, ts: e.entry.ts.milliseconds, unit: e.entry.unit,
                type: e.entry.type, source: e.entry.source, body: e.entry.body, recordedAt: e.recordedAt.milliseconds,
                recordedBy: e.recordedBy)
            return (doc, previous, e.hash)
        }
        return InclusionProofDocument(
            entry: entry, treeSize: size, previousHash: previous, entryHash: hash, auditPath: path,
            root: MerkleTree.root(leafHashes: leaves), checkpoint: try await checkpoint(treeSize: size))
    }

    /// An RFC 6962 consistency proof that the tree of the first `from` entries is a prefix of the tree of the
    /// first `to` entries, with the signed checkpoints of both sizes when they exist.
    public func consistencyProof(from: Int64, to: Int64) async throws -> ConsistencyProofDocument {
        guard from >= 0, from <= to else { throw StorageError("--from \(from) must be between 0 and --to \(to)") }
        let leaves = try await leafHashes(size: to)
        guard let proof = MerkleTree.consistencyProof(oldSize: Int(from), leafHashes: leaves[...]) else {
            throw StorageError("--from \(from) is outside the tree of \(to) entries")
        }
        return ConsistencyProofDocument(
            oldSize: from, newSize: to, oldRoot: MerkleTree.root(leafHashes: leaves[..<Int(from)]),
            newRoot: MerkleTree.root(leafHashes: leaves), proof: proof,
            oldCheckpoint: try await checkpoint(treeSize: from), newCheckpoint: try await checkpoint(treeSize: to))
    }
}
