import Foundation
import SparCore

/// Why a proof or checkpoint document could not be read.
public struct DocumentError: Error, Sendable, CustomStringConvertible {
    /// The document (file name or description).
    public var document: String
    /// The offending field.
    public var field: String
    public var reason: String

    public init(document: String, field: String, reason: String) {
        self.document = document
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(document), field '\(field)': \(reason)" }
}

/// A signed checkpoint as a JSON file, kept outside the database (`spar checkpoint export`).
public struct CheckpointDocument: Codable, Sendable, Hashable {
    public static let formatName = "spar-checkpoint-1"

    public var format: String
    public var treeSize: Int64
    /// Hexadecimal Merkle root.
    public var root: String
    /// RFC 3339 time, for people.
    public var signedAt: String
    /// The signed time, milliseconds since 1970 (what the signature covers).
    public var signedAtMilliseconds: Int64
    public var previousSize: Int64
    public var keyID: String
    /// Base64 Ed25519 signature.
    public var signature: String

    public init(_ s: SignedCheckpoint) {
        format = Self.formatName
        treeSize = s.checkpoint.treeSize
        root = s.checkpoint.root.hex
        signedAt = s.checkpoint.signedAt.rfc3339
        signedAtMilliseconds = s.checkpoint.signedAt.milliseconds
        previousSize = s.checkpoint.previousSize
        keyID = s.keyID
        signature = Data(s.signature).base64EncodedString()
    }

    /// The checkpoint it describes; throws naming the field that is malformed.
    public func signedCheckpoint(document: String) throws -> SignedCheckpoint {
        guard format == Self.formatName else {
            throw DocumentError(document: document, field: "format", reason: "expected '\(Self.formatName)', got '\(format)'")
        }
        guard let root = LedgerHash(hex: root) else {
            throw DocumentError(document: document, field: "root", reason: "not 64 hexadecimal digits")
        }
        guard let signature = Data(base64Encoded: signature) else {
            throw DocumentError(document: document, field: "signature", reason: "not base64")
        }
        return SignedCheckpoint(
            checkpoint: Checkpoint(
                treeSize: treeSize, root: root, signedAt: Timestamp(milliseconds: signedAtMilliseconds),
                previousSize: previousSize),
            keyID: keyID, signature: Array(signature))
    }
}

/// The columns of one ledger entry in a proof, as text.
public struct EntryDocument: Codable, Sendable, Hashable {
    public var seq: Int64
    public var id: String
    public var kind: String
    public var ts: Int64
    public var unit: String
    public var type: String
    public var source: String
    public var body: String
    public var recordedAt: Int64
    public var recordedBy: String

    public init(
        seq: Int64, id: String, kind: String, ts: Int64, unit: String, type: String, source: String, body: String,
        recordedAt: Int64, recordedBy: String
    ) {
        self.seq = seq
        self.id = id
        self.kind = kind
        self.ts = ts
        self.unit = unit
        self.type = type
        self.source = source
        self.body = body
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
    }

    /// The entry's chain hash after `previous`.
    public func hash(previous: LedgerHash) -> LedgerHash {
        LedgerChain.entryHash(
            previous: previous, seq: seq, id: id, kind: kind, ts: ts, unit: unit, type: type, source: source,
            body: body, recordedAt: recordedAt, recordedBy: recordedBy)
    }
}

/// An RFC 6962 inclusion proof for one ledger entry (`spar proof inclusion`).
public struct InclusionProofDocument: Codable, Sendable, Hashable {
    public static let formatName = "spar-inclusion-proof-1"

    public var format: String
    public var seq: Int64
    /// seq − 1.
    public var leafIndex: Int64
    public var treeSize: Int64
    /// The entry's columns, so that its hash can be recomputed from its content.
    public var entry: EntryDocument
    /// Hexadecimal hash of the entry before it (zeros for the first).
    public var previousHash: String
    /// Hexadecimal chain hash of the entry: the tree's leaf data.
    public var entryHash: String
    /// Hexadecimal audit path, leaf to root.
    public var auditPath: [String]
    /// Hexadecimal root of the tree of `treeSize` entries.
    public var root: String
    /// The signed checkpoint of that size, when the ledger holds one.
    public var checkpoint: CheckpointDocument?

    public init(
        entry: EntryDocument, treeSize: Int64, previousHash: LedgerHash, entryHash: LedgerHash, auditPath: [LedgerHash],
        root: LedgerHash, checkpoint: SignedCheckpoint?
    ) {
        format = Self.formatName
        seq = entry.seq
        leafIndex = entry.seq - 1
        self.treeSize = treeSize
        self.entry = entry
        self.previousHash = previousHash.hex
        self.entryHash = entryHash.hex
        self.auditPath = auditPath.map(\.hex)
        self.root = root.hex
        self.checkpoint = checkpoint.map(CheckpointDocument.init)
    }

    /// Checks the proof on its own: the entry's hash from its columns, and the audit path from that hash to
    /// `root`. Returns the problems found (empty when it holds). Whether `root` is the ledger's real root is a
    /// separate question: compare it with a signed checkpoint.
    public func problems() -> [String] {
        var out: [String] = []
        guard format == Self.formatName else { return ["format: expected '\(Self.formatName)', got '\(format)'"] }
        guard let previous = LedgerHash(hex: previousHash) else { return ["previousHash: not 64 hexadecimal digits"] }
        guard let stated = LedgerHash(hex: entryHash) else { return ["entryHash: not 64 hexadecimal digits"] }
        guard let root = LedgerHash(hex: root) else { return ["root: not 64 hexadecimal digits"] }
        var path: [LedgerHash] = []
        for (i, h) in auditPath.enumerated() {
            guard let p = LedgerHash(hex: h) else { return ["auditPath[\(i)]: not 64 hexadecimal digits"] }
            path.append(p)
        }
        if entry.seq != seq { out.append("entry.seq \(entry.seq) differs from seq \(seq)") }
        if leafIndex != seq - 1 { out.append("leafIndex \(leafIndex) is not seq − 1 (\(seq - 1))") }
        let recomputed = entry.hash(previous: previous)
        if recomputed != stated {
            out.append("entryHash \(stated.short)… is not the hash of the entry's columns (\(recomputed.short)…)")
        }
        if !MerkleTree.verifyInclusion(
            leafHash: MerkleTree.leafHash(stated.bytes), index: Int(leafIndex), size: Int(treeSize), path: path,
            root: root)
        {
            out.append("the audit path does not lead from leaf \(leafIndex) to root \(root.short)… in a tree of \(treeSize)")
        }
        return out
    }
}

/// An RFC 6962 consistency proof between two tree sizes (`spar proof consistency`).
public struct ConsistencyProofDocument: Codable, Sendable, Hashable {
    public static let formatName = "spar-consistency-proof-1"

    public var format: String
    public var oldSize: Int64
    public var newSize: Int64
    public var oldRoot: String
    public var newRoot: String
    /// Hexadecimal proof nodes.
    public var proof: [String]
    /// The signed checkpoints of those sizes, when the ledger holds them.
    public var oldCheckpoint: CheckpointDocument?
    public var newCheckpoint: CheckpointDocument?

    public init(
        oldSize: Int64, newSize: Int64, oldRoot: LedgerHash, newRoot: LedgerHash, proof: [LedgerHash],
        oldCheckpoint: SignedCheckpoint?, newCheckpoint: SignedCheckpoint?
    ) {
        format = Self.formatName
        self.oldSize = oldSize
        self.newSize = newSize
        self.oldRoot = oldRoot.hex
        self.newRoot = newRoot.hex
        self.proof = proof.map(\.hex)
        self.oldCheckpoint = oldCheckpoint.map(CheckpointDocument.init)
        self.newCheckpoint = newCheckpoint.map(CheckpointDocument.init)
    }

    /// Checks the proof on its own (RFC 9162 §2.1.4.2); returns the problems found (empty when it holds).
    public func problems() -> [String] {
        guard format == Self.formatName else { return ["format: expected '\(Self.formatName)', got '\(format)'"] }
        guard let old = LedgerHash(hex: oldRoot) else { return ["oldRoot: not 64 hexadecimal digits"] }
        guard let new = LedgerHash(hex: newRoot) else { return ["newRoot: not 64 hexadecimal digits"] }
        var nodes: [LedgerHash] = []
        for (i, h) in proof.enumerated() {
            guard let p = LedgerHash(hex: h) else { return ["proof[\(i)]: not 64 hexadecimal digits"] }
            nodes.append(p)
        }
        if MerkleTree.verifyConsistency(
            oldSize: Int(oldSize), newSize: Int(newSize), oldRoot: old, newRoot: new, proof: nodes)
        {
            return []
        }
        return ["the proof does not show that the tree of \(oldSize) with root \(old.short)… is a prefix of the tree of "
            + "\(newSize) with root \(new.short)…"]
    }
}
