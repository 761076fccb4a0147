/// The right edge of an RFC 6962 tree: the roots of its perfect subtrees, largest first (one per set bit of the
/// size). Appending a leaf and reading the root cost O(log n), so every append batch can be sealed by a
/// checkpoint without rereading the ledger.
public struct MerkleFrontier: Sendable, Hashable {
    /// Number of leaves.
    public private(set) var size: Int64 = 0
    /// Perfect subtree roots, largest (leftmost) first.
    public private(set) var subtrees: [LedgerHash] = []

    /// The empty tree.
    public init() {}

    /// Rebuilds the frontier of a tree from its leaf hashes.
    public init(leafHashes: some Sequence<LedgerHash>) {
        for h in leafHashes { append(leafHash: h) }
    }

    /// Restores a stored frontier: `bytes` are the subtree roots concatenated; nil when their count does not match
    /// `size` (one root per set bit).
    public init?(size: Int64, bytes: [UInt8]) {
        guard size >= 0, bytes.count == size.nonzeroBitCount * LedgerHash.byteCount else { return nil }
        self.size = size
        var i = 0
        while i < bytes.count {
            subtrees.append(LedgerHash(unchecked: Array(bytes[i..<(i + LedgerHash.byteCount)])))
            i += LedgerHash.byteCount
        }
    }

    /// The subtree roots concatenated, as stored beside a checkpoint.
    public var bytes: [UInt8] { subtrees.flatMap(\.bytes) }

    /// Adds one leaf (already hashed with `MerkleTree.leafHash`).
    public mutating func append(leafHash: LedgerHash) {
        subtrees.append(leafHash)
        size += 1
        // Each trailing 1-bit of the old size is a subtree of equal height that the new leaf completes.
        var merges = (size - 1).trailingOnes
        while merges > 0 {
            let right = subtrees.removeLast()
            let left = subtrees.removeLast()
            subtrees.append(MerkleTree.nodeHash(left, right))
            merges -= 1
        }
    }

    /// Adds the leaf of one entry hash.
    public mutating func append(entryHash: LedgerHash) { append(leafHash: MerkleTree.leafHash(entryHash)) }

    /// MTH of the leaves so far.
    public var root: LedgerHash {
        guard var r = subtrees.last else { return MerkleTree.emptyRoot }
        for s in subtrees.dropLast().reversed() { r = MerkleTree.nodeHash(s, r) }
        return r
    }
}

extension Int64 {
    /// Number of consecutive 1-bits from the least significant bit.
    var trailingOnes: Int { (~self).trailingZeroBitCount }
}
