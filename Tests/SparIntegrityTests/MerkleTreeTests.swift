import Crypto
import SparLedgerIntegrity
import SparQualification
import Testing

/// SHA-256 by hand, independent of the code under test.
func sha(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
func leaf(_ data: [UInt8]) -> [UInt8] { sha([0x00] + data) }
func node(_ l: [UInt8], _ r: [UInt8]) -> [UInt8] { sha([0x01] + l + r) }
func h(_ bytes: [UInt8]) -> LedgerHash {
    guard let v = LedgerHash(bytes: bytes) else { preconditionFailure("not 32 bytes") }
    return v
}
func hex(_ s: String) -> LedgerHash {
    guard let v = LedgerHash(hex: s) else { preconditionFailure("bad hex literal") }
    return v
}

@Suite("RFC 6962 Merkle tree")
struct MerkleTreeTests {
    /// The Certificate Transparency reference leaves used by RFC 6962 implementations' tests, and their published
    /// roots for tree sizes 0…8.
    static let referenceLeaves = RFC6962Vectors.leaves
    static let referenceRoots = RFC6962Vectors.roots

    static var referenceLeafHashes: [LedgerHash] { referenceLeaves.map { MerkleTree.leafHash($0) } }

    @Test("the empty tree's root is SHA-256 of the empty string, e3b0c442…b855")
    func emptyRoot() {
        #expect(MerkleTree.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleTree.root(leafHashes: []) == MerkleTree.emptyRoot)
        #expect(MerkleFrontier().root == MerkleTree.emptyRoot)
    }

    @Test("leaf and node hashes carry the 0x00 and 0x01 prefixes")
    func prefixes() {
        let a: [UInt8] = [1, 2, 3]
        #expect(MerkleTree.leafHash(a).bytes == sha([0x00, 1, 2, 3]))
        let l = h(sha([7])), r = h(sha([8]))
        #expect(MerkleTree.nodeHash(l, r).bytes == sha([0x01] + l.bytes + r.bytes))
    }

    @Test("roots of trees of 1…8 leaves equal the trees chained by hand (split at the largest power of 2 below n)")
    func handChainedRoots() {
        let d = (0..<8).map { leaf([UInt8($0), 0xAB]) }
        let n01 = node(d[0], d[1]), n23 = node(d[2], d[3]), n45 = node(d[4], d[5]), n67 = node(d[6], d[7])
        let n0123 = node(n01, n23)
        let expected: [[UInt8]] = [
            d[0],  // 1
            n01,  // 2
            node(n01, d[2]),  // 3: k = 2
            n0123,  // 4
            node(n0123, d[4]),  // 5: k = 4
            node(n0123, n45),  // 6
            node(n0123, node(n45, d[6])),  // 7: right part of 3 splits at 2
            node(n0123, node(n45, n67)),  // 8
        ]
        for n in 1...8 {
            let leaves = d.prefix(n).map(h)
            #expect(MerkleTree.root(leafHashes: leaves).bytes == expected[n - 1], "n = \(n)")
            #expect(MerkleFrontier(leafHashes: leaves).root.bytes == expected[n - 1], "frontier, n = \(n)")
        }
    }

    @Test("roots reproduce the RFC 6962 reference values for sizes 0…8")
    func referenceRoots() {
        let leaves = Self.referenceLeafHashes
        for n in 0...8 {
            #expect(MerkleTree.root(leafHashes: Array(leaves.prefix(n))).hex == Self.referenceRoots[n], "size \(n)")
            #expect(MerkleFrontier(leafHashes: leaves.prefix(n)).root.hex == Self.referenceRoots[n], "frontier, size \(n)")
        }
    }

    @Test("reference audit paths and consistency proof are reproduced and verify")
    func referenceProofs() throws {
        let leaves = Self.referenceLeafHashes
        let root8 = hex(Self.referenceRoots[8])
        let path0 = RFC6962Vectors.path0of8.map(hex)
        let path5 = [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ].map(hex)
        #expect(MerkleTree.inclusionPath(index: 0, leafHashes: leaves[...]) == path0)
        #expect(MerkleTree.inclusionPath(index: 5, leafHashes: leaves[...]) == path5)
        #expect(MerkleTree.verifyInclusion(leafHash: leaves[0], index: 0, size: 8, path: path0, root: root8))
        #expect(MerkleTree.verifyInclusion(leafHash: leaves[5], index: 5, size: 8, path: path5, root: root8))
        let consistency2to8 = RFC6962Vectors.consistency2to8.map(hex)
        #expect(MerkleTree.consistencyProof(oldSize: 2, leafHashes: leaves[...]) == consistency2to8)
        #expect(
            MerkleTree.verifyConsistency(
                oldSize: 2, newSize: 8, oldRoot: hex(Self.referenceRoots[2]), newRoot: root8, proof: consistency2to8))
    }

    @Test("the frontier gives the recursive root for every size up to 70 and survives storage")
    func frontier() throws {
        var f = MerkleFrontier()
        var leaves: [LedgerHash] = []
        for i in 0..<70 {
            let l = h(leaf([UInt8(i)]))
            leaves.append(l)
            f.append(leafHash: l)
            #expect(f.root == MerkleTree.root(leafHashes: leaves), "size \(i + 1)")
            #expect(f.subtrees.count == (i + 1).nonzeroBitCount)
            let restored = try #require(MerkleFrontier(size: f.size, bytes: f.bytes))
            #expect(restored == f)
        }
        #expect(MerkleFrontier(size: 3, bytes: [UInt8](repeating: 0, count: 32)) == nil)
    }

    static func corruptions(of path: [LedgerHash]) -> [(String, [LedgerHash])] {
        var out: [(String, [LedgerHash])] = []
        for i in path.indices {
            for bit in [0, 7, 255] {
                var p = path
                var bytes = p[i].bytes
                bytes[bit / 8] ^= UInt8(1 << (bit % 8))
                p[i] = h(bytes)
                out.append(("bit \(bit) of element \(i) flipped", p))
            }
            var removed = path
            removed.remove(at: i)
            out.append(("element \(i) removed", removed))
        }
        out.append(("element appended", path + [h(sha([9]))]))
        out.append(("element prepended", [h(sha([9]))] + path))
        if let last = path.last { out.append(("last element repeated", path + [last])) }
        return out
    }

    @Test("inclusion proofs verify for every leaf of every tree up to 8 leaves, and every corruption is rejected")
    func inclusionAllSizes() throws {
        let all = (0..<9).map { h(leaf([UInt8($0), 0x5A])) }
        var checked = 0
        for n in 1...8 {
            let leaves = Array(all.prefix(n))
            let root = MerkleTree.root(leafHashes: leaves)
            for i in 0..<n {
                let path = try #require(MerkleTree.inclusionPath(index: i, leafHashes: leaves[...]))
                #expect(MerkleTree.verifyInclusion(leafHash: leaves[i], index: i, size: n, path: path, root: root))
                func rejects(_ why: String, leafHash: LedgerHash = leaves[i], index: Int = i, size: Int = n,
                    path p: [LedgerHash] = path, root r: LedgerHash = root)
                {
                    checked += 1
                    #expect(
                        !MerkleTree.verifyInclusion(leafHash: leafHash, index: index, size: size, path: p, root: r),
                        "leaf \(i) of \(n): \(why) was accepted")
                }
                rejects("index − 1", index: i - 1)
                rejects("index + 1", index: i + 1)
                rejects("size × 2", size: n * 2)
                // A path alone does not fix the size (leaf 0 of 3 has the same path shape in a tree of 4): the size
                // is bound to its root by the signed checkpoint, so a wrong size comes with that size's root.
                rejects("size + 1 with its root", size: n + 1, root: MerkleTree.root(leafHashes: Array(all.prefix(n + 1))))
                if n > 1 { rejects("size − 1 with its root", size: n - 1, root: MerkleTree.root(leafHashes: Array(all.prefix(n - 1)))) }
                if n > 1 { rejects("size / 2", size: n / 2) }
                rejects("size 0", size: 0)
                rejects("wrong leaf", leafHash: h(leaf([0xEE])))
                rejects("the entry hash instead of its leaf hash", leafHash: h(sha([UInt8(i), 0x5A])))
                rejects("wrong root", root: MerkleTree.root(leafHashes: Array(leaves.dropLast()) + [h(leaf([0xEE]))]))
                if n > 1 { rejects("root of a smaller tree", root: MerkleTree.root(leafHashes: Array(leaves.prefix(n - 1)))) }
                for (why, p) in Self.corruptions(of: path) { rejects(why, path: p) }
            }
        }
        #expect(MerkleTree.inclusionPath(index: 9, leafHashes: all[...]) == nil)
        #expect(checked > 300)
    }

    @Test("consistency proofs verify for every 0 ≤ m ≤ n ≤ 8, and every corruption is rejected")
    func consistencyAllSizes() throws {
        let all = (0..<8).map { h(leaf([UInt8($0), 0xC3])) }
        let roots = (0...8).map { MerkleTree.root(leafHashes: Array(all.prefix($0))) }
        var checked = 0
        for n in 0...8 {
            let leaves = all.prefix(n)
            for m in 0...n {
                let proof = try #require(MerkleTree.consistencyProof(oldSize: m, leafHashes: leaves))
                #expect(
                    MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: roots[m], newRoot: roots[n], proof: proof),
                    "m = \(m), n = \(n)")
                func rejects(_ why: String, old: Int = m, new: Int = n, oldRoot: LedgerHash = roots[m],
                    newRoot: LedgerHash = roots[n], proof p: [LedgerHash] = proof)
                {
                    checked += 1
                    #expect(
                        !MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: p),
                        "m = \(m), n = \(n): \(why) was accepted")
                }
                let other = h(sha([0xEE]))
                rejects("wrong old root", oldRoot: other)
                // The empty tree is a prefix of every tree: with m = 0 any new tree is consistent.
                if m > 0 { rejects("wrong new root", newRoot: other) }
                if m < n {
                    rejects("old and new swapped", old: n, new: m, oldRoot: roots[n], newRoot: roots[m])
                    if m > 0 {
                        rejects("new size × 2", new: n * 2)
                        rejects("old size − 1", old: m - 1)
                        rejects("old size + 1", old: m + 1)
                        rejects("the old root of another size", oldRoot: roots[m - 1])
                        rejects("the new root of another size", newRoot: roots[n - 1])
                        for (why, p) in Self.corruptions(of: proof) { rejects(why, proof: p) }
                    } else {
                        rejects("an element added to the empty proof", proof: [other])
                    }
                } else {
                    rejects("an element added to the empty proof", proof: [other])
                }
            }
        }
        #expect(MerkleTree.consistencyProof(oldSize: 9, leafHashes: all[...]) == nil)
        #expect(checked > 300)
    }
}
