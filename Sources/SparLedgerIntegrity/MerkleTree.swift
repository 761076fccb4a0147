import Crypto

/// The Merkle tree of RFC 6962 §2.1 (RFC 9162 §2.1) over a list of leaves.
///
/// Leaf hash = SHA-256(0x00 ‖ data), interior node = SHA-256(0x01 ‖ left ‖ right), and the root of the empty
/// tree is SHA-256 of the empty string. A tree of n > 1 leaves splits at k, the largest power of two below n.
/// Spar's leaves are the entries' chain hashes, leaf index = seq − 1.
public enum MerkleTree {
    /// The root of the empty tree: SHA-256("") = e3b0c442…b855.
    public static let emptyRoot = LedgerHash.sha256([UInt8]())

    /// SHA-256(0x00 ‖ data).
    public static func leafHash(_ data: some Collection<UInt8>) -> LedgerHash {
        var buffer: [UInt8] = [0x00]
        buffer.reserveCapacity(1 + data.count)
        buffer.append(contentsOf: data)
        return buffer.withUnsafeBytes { LedgerHash.sha256(buffer: $0) }
    }

    /// SHA-256(0x00 ‖ entry hash): the leaf of one ledger entry.
    public static func leafHash(_ entryHash: LedgerHash) -> LedgerHash {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1 + LedgerHash.byteCount) { buffer in
            buffer[0] = 0x00
            _ = UnsafeMutableBufferPointer(rebasing: buffer[1...]).initialize(from: entryHash.bytes)
            return LedgerHash.sha256(buffer: UnsafeRawBufferPointer(buffer))
        }
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: LedgerHash, _ right: LedgerHash) -> LedgerHash {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1 + 2 * LedgerHash.byteCount) { buffer in
            buffer[0] = 0x01
            _ = UnsafeMutableBufferPointer(rebasing: buffer[1...LedgerHash.byteCount]).initialize(from: left.bytes)
            _ = UnsafeMutableBufferPointer(rebasing: buffer[(1 + LedgerHash.byteCount)...]).initialize(from: right.bytes)
            return LedgerHash.sha256(buffer: UnsafeRawBufferPointer(buffer))
        }
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[n]): the root over already hashed leaves.
    public static func root(leafHashes: ArraySlice<LedgerHash>) -> LedgerHash {
        switch leafHashes.count {
        case 0: return emptyRoot
        case 1: return leafHashes[leafHashes.startIndex]
        default:
            let k = split(leafHashes.count)
            let mid = leafHashes.startIndex + k
            return nodeHash(root(leafHashes: leafHashes[..<mid]), root(leafHashes: leafHashes[mid...]))
        }
    }

    /// MTH(D[n]) over already hashed leaves.
    public static func root(leafHashes: [LedgerHash]) -> LedgerHash { root(leafHashes: leafHashes[...]) }

    /// PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path of leaf `index` in the tree of `leafHashes`;
    /// nil when the index is outside the tree.
    public static func inclusionPath(index: Int, leafHashes: ArraySlice<LedgerHash>) -> [LedgerHash]? {
        guard index >= 0, index < leafHashes.count else { return nil }
        return path(index, leafHashes)
    }

    private static func path(_ index: Int, _ leafHashes: ArraySlice<LedgerHash>) -> [LedgerHash] {
        if leafHashes.count <= 1 { return [] }
        let k = split(leafHashes.count)
        let mid = leafHashes.startIndex + k
        if index < k {
            return path(index, leafHashes[..<mid]) + [root(leafHashes: leafHashes[mid...])]
        }
        return path(index - k, leafHashes[mid...]) + [root(leafHashes: leafHashes[..<mid])]
    }

    /// PROOF(m, D[n]) of RFC 6962 §2.1.2: the consistency proof from the first `oldSize` leaves to all of them.
    /// Empty when `oldSize` is 0 or the whole tree; nil when `oldSize` is negative or larger than the tree.
    public static func consistencyProof(oldSize: Int, leafHashes: ArraySlice<LedgerHash>) -> [LedgerHash]? {
        guard oldSize >= 0, oldSize <= leafHashes.count else { return nil }
        if oldSize == 0 || oldSize == leafHashes.count { return [] }
        return subproof(oldSize, leafHashes, complete: true)
    }

    private static func subproof(_ m: Int, _ d: ArraySlice<LedgerHash>, complete: Bool) -> [LedgerHash] {
        let n = d.count
        if m == n { return complete ? [] : [root(leafHashes: d)] }
        let k = split(n)
        let mid = d.startIndex + k
        if m <= k { return subproof(m, d[..<mid], complete: complete) + [root(leafHashes: d[mid...])] }
        return subproof(m - k, d[mid...], complete: false) + [root(leafHashes: d[..<mid])]
    }

    /// RFC 9162 §2.1.3.2: does `path` prove that `leafHash` is leaf `index` of the tree of `size` leaves with `root`?
    public static func verifyInclusion(
        leafHash: LedgerHash, index: Int, size: Int, path: [LedgerHash], root: LedgerHash
    ) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in path {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: does `proof` show that the tree of `oldSize` leaves with `oldRoot` is a prefix of the tree
    /// of `newSize` leaves with `newRoot`? Equal sizes need an empty proof and equal roots; the empty tree is a
    /// prefix of every tree (with an empty proof).
    public static func verifyConsistency(
        oldSize: Int, newSize: Int, oldRoot: LedgerHash, newRoot: LedgerHash, proof: [LedgerHash]
    ) -> Bool {
        guard oldSize >= 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty && oldRoot == emptyRoot }
        guard !proof.isEmpty else { return false }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}
