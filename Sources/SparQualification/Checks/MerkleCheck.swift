import Crypto
import Foundation
import SparCore
import SparLedgerIntegrity
import SparSQLite
import SparStorage

/// SHA-256 computed directly with swift-crypto, independent of the code under test.
private func sha(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

private func hash(_ bytes: [UInt8]) -> LedgerHash { LedgerHash(bytes: bytes) ?? .genesis }

/// Ways of spoiling a proof path: bit flips, removed, added and repeated elements.
private func corruptions(of path: [LedgerHash]) -> [(String, [LedgerHash])] {
    var out: [(String, [LedgerHash])] = []
    for i in path.indices {
        for bit in [0, 7, 255] {
            var p = path
            var bytes = p[i].bytes
            bytes[bit / 8] ^= UInt8(1 << (bit % 8))
            p[i] = hash(bytes)
            out.append(("bit \(bit) of element \(i) flipped", p))
        }
        var removed = path
        removed.remove(at: i)
        out.append(("element \(i) removed", removed))
    }
    out.append(("element appended", path + [hash(sha([9]))]))
    out.append(("element prepended", [hash(sha([9]))] + path))
    if let last = path.last { out.append(("last element repeated", path + [last])) }
    return out
}

extension OQCatalogue {
    /// OQ-04: the Merkle tree against RFC 6962 reference values, proofs, and proofs from a real ledger.
    public static func merkleProofs() -> OQCheck {
        OQCheck(
            id: "OQ-04", title: "RFC 6962 Merkle tree, inclusion and consistency proofs",
            requirements: ["R3", "R3a"],
            procedure: [
                "Compare the empty-tree root, leaf hash and node hash with SHA-256 computed directly.",
                "Compute the roots of the Certificate Transparency reference leaves for tree sizes 0…8 (recursive tree "
                    + "and stored frontier) and the published audit path and consistency proof.",
                "Generate and verify an inclusion proof for every leaf of every tree of 1…8 leaves and a consistency "
                    + "proof for every 0 ≤ m ≤ n ≤ 8; verify each again after every corruption: index ±1, wrong size, "
                    + "wrong leaf or root, a flipped bit, an element added or removed.",
                "On a scratch SQLite ledger, produce an inclusion proof for every entry and a consistency proof between "
                    + "consecutive checkpoints, check them against the signed checkpoints, then alter one proof's entry.",
            ],
            expected: "All reference values reproduced; every genuine proof verifies; every corrupted proof is rejected; "
                + "the altered ledger proof is rejected."
        ) { context in
            var ev = OQEvidence()
            ev.expect(
                MerkleTree.emptyRoot.bytes == sha([]) && MerkleTree.emptyRoot.hex == RFC6962Vectors.roots[0],
                "empty tree root = SHA-256(\"\") = \(MerkleTree.emptyRoot.hex)")
            let sample: [UInt8] = [1, 2, 3]
            ev.expect(MerkleTree.leafHash(sample).bytes == sha([0x00] + sample), "leaf hash = SHA-256(0x00 ‖ data)")
            let l = hash(sha([7]))
            let r = hash(sha([8]))
            ev.expect(
                MerkleTree.nodeHash(l, r).bytes == sha([0x01] + l.bytes + r.bytes), "node hash = SHA-256(0x01 ‖ left ‖ right)")

            let leaves = RFC6962Vectors.leaves.map { MerkleTree.leafHash($0) }
            var rootsOK = 0
            for n in 0...8 {
                let recursive = MerkleTree.root(leafHashes: Array(leaves.prefix(n))).hex
                let frontier = MerkleFrontier(leafHashes: leaves.prefix(n)).root.hex
                if recursive == RFC6962Vectors.roots[n] && frontier == RFC6962Vectors.roots[n] { rootsOK += 1 }
            }
            ev.expect(
                rootsOK == 9, "reference roots for tree sizes 0…8 reproduced: \(rootsOK)/9 (size 8: \(RFC6962Vectors.roots[8]))")
            let path0 = MerkleTree.inclusionPath(index: 0, leafHashes: leaves[...])?.map(\.hex)
            ev.expect(path0 == RFC6962Vectors.path0of8, "published audit path of leaf 0 in the tree of 8 reproduced")
            let c28 = MerkleTree.consistencyProof(oldSize: 2, leafHashes: leaves[...])?.map(\.hex)
            ev.expect(c28 == RFC6962Vectors.consistency2to8, "published consistency proof 2 → 8 reproduced")

            let (incVerified, incTotal, incRejected, incCorrupt) = inclusionSweep(&ev)
            ev.expect(incVerified == incTotal, "inclusion proofs (sizes 1…8, every leaf): \(incVerified)/\(incTotal) verify")
            ev.expect(incRejected == incCorrupt, "corrupted inclusion proofs: \(incRejected)/\(incCorrupt) rejected")
            let (conVerified, conTotal, conRejected, conCorrupt) = consistencySweep(&ev)
            ev.expect(conVerified == conTotal, "consistency proofs (0 ≤ m ≤ n ≤ 8): \(conVerified)/\(conTotal) verify")
            ev.expect(conRejected == conCorrupt, "corrupted consistency proofs: \(conRejected)/\(conCorrupt) rejected")

            let ledgerEvidence = try await ledgerProofs(context, &ev)
            ev.observed = "reference roots \(rootsOK)/9; inclusion \(incVerified)/\(incTotal) verify, \(incRejected)/"
                + "\(incCorrupt) corruptions rejected; consistency \(conVerified)/\(conTotal) verify, \(conRejected)/"
                + "\(conCorrupt) corruptions rejected; \(ledgerEvidence)"
            return ev
        }
    }

    static func inclusionSweep(_ ev: inout OQEvidence) -> (Int, Int, Int, Int) {
        let all = (0..<9).map { MerkleTree.leafHash([UInt8($0), 0x5A]) }
        var verified = 0
        var total = 0
        var rejected = 0
        var corrupted = 0
        for n in 1...8 {
            let leaves = Array(all.prefix(n))
            let root = MerkleTree.root(leafHashes: leaves)
            for i in 0..<n {
                let path = MerkleTree.inclusionPath(index: i, leafHashes: leaves[...]) ?? []
                total += 1
                if MerkleTree.verifyInclusion(leafHash: leaves[i], index: i, size: n, path: path, root: root) { verified += 1 }
                let otherLeaf = MerkleTree.leafHash([0xEE])
                var cases: [(String, LedgerHash, Int, Int, [LedgerHash], LedgerHash)] = [
                    ("index − 1", leaves[i], i - 1, n, path, root),
                    ("index + 1", leaves[i], i + 1, n, path, root),
                    ("size × 2", leaves[i], i, n * 2, path, root),
                    ("size + 1 with its root", leaves[i], i, n + 1, path, MerkleTree.root(leafHashes: Array(all.prefix(n + 1)))),
                    ("size 0", leaves[i], i, 0, path, root),
                    ("wrong leaf", otherLeaf, i, n, path, root),
                    ("wrong root", leaves[i], i, n, path, MerkleTree.root(leafHashes: Array(leaves.dropLast()) + [otherLeaf])),
                ]
                if n > 1 {
                    cases.append(
                        ("size − 1 with its root", leaves[i], i, n - 1, path, MerkleTree.root(leafHashes: Array(all.prefix(n - 1)))))
                    cases.append(("size / 2", leaves[i], i, n / 2, path, root))
                    cases.append(
                        ("root of a smaller tree", leaves[i], i, n, path, MerkleTree.root(leafHashes: Array(leaves.prefix(n - 1)))))
                }
                for (why, p) in corruptions(of: path) { cases.append((why, leaves[i], i, n, p, root)) }
                for (why, leaf, index, size, p, r) in cases {
                    corrupted += 1
                    if !MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: size, path: p, root: r) {
                        rejected += 1
                    } else {
                        ev.note("accepted corrupted inclusion proof: leaf \(i) of \(n), \(why)")
                    }
                }
            }
        }
        return (verified, total, rejected, corrupted)
    }

    static func consistencySweep(_ ev: inout OQEvidence) -> (Int, Int, Int, Int) {
        let all = (0..<8).map { MerkleTree.leafHash([UInt8($0), 0xC3]) }
        let roots = (0...8).map { MerkleTree.root(leafHashes: Array(all.prefix($0))) }
        let other = hash(sha([0xEE]))
        var verified = 0
        var total = 0
        var rejected = 0
        var corrupted = 0
        for n in 0...8 {
            for m in 0...n {
                let proof = MerkleTree.consistencyProof(oldSize: m, leafHashes: all.prefix(n)) ?? [other]
                total += 1
                if MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: roots[m], newRoot: roots[n], proof: proof) {
                    verified += 1
                }
                var cases: [(String, Int, Int, LedgerHash, LedgerHash, [LedgerHash])] = [
                    ("wrong old root", m, n, other, roots[n], proof)
                ]
                if m > 0 { cases.append(("wrong new root", m, n, roots[m], other, proof)) }
                if m < n {
                    cases.append(("old and new swapped", n, m, roots[n], roots[m], proof))
                    if m > 0 {
                        cases.append(("new size × 2", m, n * 2, roots[m], roots[n], proof))
                        cases.append(("old size − 1", m - 1, n, roots[m], roots[n], proof))
                        cases.append(("old size + 1", m + 1, n, roots[m], roots[n], proof))
                        cases.append(("the old root of another size", m, n, roots[m - 1], roots[n], proof))
                        cases.append(("the new root of another size", m, n, roots[m], roots[n - 1], proof))
                        for (why, p) in corruptions(of: proof) { cases.append((why, m, n, roots[m], roots[n], p)) }
                    } else {
                        cases.append(("an element added to the empty proof", m, n, roots[m], roots[n], [other]))
                    }
                } else {
                    cases.append(("an element added to the empty proof", m, n, roots[m], roots[n], [other]))
                }
                for (why, old, new, oldRoot, newRoot, p) in cases {
                    corrupted += 1
                    if !MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: p) {
                        rejected += 1
                    } else {
                        ev.note("accepted corrupted consistency proof: m = \(m), n = \(n), \(why)")
                    }
                }
            }
        }
        return (verified, total, rejected, corrupted)
    }

    static func ledgerProofs(_ context: OQContext, _ ev: inout OQEvidence) async throws -> String {
        let store = try SQLiteLedgerStore(path: context.path("proofs.sqlite"))
        for b in 0..<5 {
            let batch = (0..<(b + 2)).map { i in
                PendingEntry(
                    id: "p-\(b)-\(i)", kind: .event, ts: OQFixtures.epoch.adding(seconds: Int64(b * 100 + i)),
                    unit: OQFixtures.unit("site-a"), type: "count", source: "mes", body: #"{"id":"p-\#(b)-\#(i)","good":\#(i)}"#)
            }
            _ = try await store.append(batch, recordedAt: OQFixtures.epoch.adding(seconds: Int64(b)), recordedBy: "local:oq")
        }
        let publicKey = try store.checkpointPublicKey()
        let checkpoints = try await store.allCheckpoints()
        let size = try await store.entryCount()
        var inclusionOK = 0
        var last: InclusionProofDocument?
        for seq in 1...size {
            let doc = try await store.inclusionProof(seq: seq)
            let signedRootMatches =
                doc.checkpoint.map { c in
                    c.root == doc.root && c.treeSize == doc.treeSize
                        && ((try? c.signedCheckpoint(document: "proof")).map(publicKey.isValidSignature) ?? false)
                } ?? false
            if doc.problems().isEmpty && signedRootMatches { inclusionOK += 1 }
            last = doc
        }
        ev.expect(
            inclusionOK == Int(size),
            "ledger of \(size) entries, \(checkpoints.count) signed checkpoints: \(inclusionOK)/\(size) inclusion proofs "
                + "verify against the signed root")
        var consistencyOK = 0
        for (a, b) in zip(checkpoints, checkpoints.dropFirst()) {
            let doc = try await store.consistencyProof(from: a.checkpoint.treeSize, to: b.checkpoint.treeSize)
            if doc.problems().isEmpty && doc.oldRoot == a.checkpoint.root.hex && doc.newRoot == b.checkpoint.root.hex {
                consistencyOK += 1
            }
        }
        ev.expect(
            consistencyOK == checkpoints.count - 1,
            "consistency proofs between consecutive checkpoints: \(consistencyOK)/\(checkpoints.count - 1) verify")
        var altered = last
        altered?.entry.body = #"{"id":"forged","good":1000}"#
        let problems = altered?.problems() ?? []
        ev.expect(!problems.isEmpty, "inclusion proof with the entry's body altered: rejected (\(problems.first ?? "accepted"))")
        return "ledger proofs \(inclusionOK)/\(size) inclusion, \(consistencyOK)/\(checkpoints.count - 1) consistency"
    }
}
