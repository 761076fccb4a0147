import ArgumentParser
import Foundation
import SparLedgerIntegrity
import SparSQLite

struct ProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof",
        abstract: "RFC 6962 inclusion and consistency proofs over the ledger's Merkle tree, and their verifiers.",
        subcommands: [Inclusion.self, VerifyInclusion.self, Consistency.self, VerifyConsistency.self]
    )

    /// Key options shared by the verifiers.
    struct KeyOptions: ParsableArguments {
        @Option(help: "Public key file (spar checkpoint public-key) to check checkpoint signatures.")
        var publicKey: String?

        @Option(help: "Or the private key file; its public half is used.")
        var key: String?

        func load() throws -> CheckpointPublicKey? {
            guard let file = publicKey ?? key else { return nil }
            return try CheckpointPublicKey.load(path: file)
        }
    }

    struct Inclusion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the inclusion proof of one entry (JSON): its columns, hash, audit path and signed root."
        )

        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger

        @Option(help: "The entry's sequence number.")
        var seq: Int64

        @Option(help: "Tree size (default: the latest checkpoint's).")
        var size: Int64?

        @Option(help: "Output file (default: standard output).")
        var out: String?

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            do {
                let store = try sqliteLedger(
                    try await openAuthorizedLedger(db, identity: identity, .verify), for: "proof inclusion")
                let proof = try await store.inclusionProof(seq: seq, treeSize: size)
                try CheckpointFiles.write(try CheckpointFiles.encode(proof), to: out)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }
    }

    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the consistency proof between tree sizes --from and --to (JSON)."
        )

        @Option(name: [.customLong("db"), .customLong("database")], help: "Ledger: an SQLite file or a postgres:// address.")
        var db: String = defaultLedger

        @Option(help: "The older tree size (e.g. a kept checkpoint's).")
        var from: Int64

        @Option(help: "The newer tree size (default: the latest checkpoint's).")
        var to: Int64?

        @Option(help: "Output file (default: standard output).")
        var out: String?

        @OptionGroup var identity: IdentityOptions

        func run() async throws {
            do {
                let store = try await openAuthorizedLedger(db, identity: identity, .verify)
                var newSize = to
                if newSize == nil { newSize = try await store.latestCheckpoint()?.checkpoint.treeSize }
                guard let newSize else { throw CLIError("the ledger \(db) has no checkpoint yet: give --to") }
                let proof = try await sqliteLedger(store, for: "proof consistency").consistencyProof(from: from, to: newSize)
                try CheckpointFiles.write(try CheckpointFiles.encode(proof), to: out)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
        }
    }

    struct VerifyInclusion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-inclusion",
            abstract: "Check an inclusion proof: entry hash from its columns, audit path to the root, signed checkpoint.",
            discussion: "Exit status: 0 the proof holds, 1 it does not, 2 could not check."
        )

        @Option(help: "Inclusion proof file (spar proof inclusion).")
        var proof: String

        @Option(help: "A kept checkpoint file whose root the proof must reach.")
        var checkpoint: String?

        @OptionGroup var keys: KeyOptions

        func run() async throws {
            var problems: [String] = []
            var notes: [String] = []
            let doc: InclusionProofDocument
            do {
                doc = try CheckpointFiles.decode(InclusionProofDocument.self, path: proof)
                problems = doc.problems()
                let publicKey = try keys.load()
                var anchors: [(String, SignedCheckpoint)] = []
                if let embedded = doc.checkpoint {
                    anchors.append(("the proof's checkpoint", try embedded.signedCheckpoint(document: "\(proof) checkpoint")))
                }
                if let checkpoint { anchors.append(("the kept checkpoint \(checkpoint)", try CheckpointFiles.read(checkpoint))) }
                problems += ProofCommand.check(
                    anchors: anchors, size: doc.treeSize, root: doc.root, publicKey: publicKey, notes: &notes)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
            guard problems.isEmpty else {
                Console.out("NOT VERIFIED: inclusion proof \(proof)")
                for p in problems { Console.out("  - \(p)") }
                throw ExitCode(1)
            }
            Console.out(
                "verified: entry seq \(doc.seq) (id '\(doc.entry.id)') hashes to \(doc.entryHash) and is leaf \(doc.leafIndex) "
                    + "of the tree of \(doc.treeSize) entries with root \(doc.root)")
            for n in notes { Console.out(n) }
        }
    }

    struct VerifyConsistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-consistency",
            abstract: "Check a consistency proof: the older tree is a prefix of the newer one.",
            discussion: "Exit status: 0 the proof holds, 1 it does not, 2 could not check."
        )

        @Option(help: "Consistency proof file (spar proof consistency).")
        var proof: String

        @Option(help: "The kept checkpoint of the older size.")
        var old: String?

        @Option(help: "A checkpoint of the newer size.")
        var new: String?

        @OptionGroup var keys: KeyOptions

        func run() async throws {
            var problems: [String] = []
            var notes: [String] = []
            let doc: ConsistencyProofDocument
            do {
                doc = try CheckpointFiles.decode(ConsistencyProofDocument.self, path: proof)
                problems = doc.problems()
                let publicKey = try keys.load()
                var oldAnchors: [(String, SignedCheckpoint)] = []
                var newAnchors: [(String, SignedCheckpoint)] = []
                if let c = doc.oldCheckpoint {
                    oldAnchors.append(("the proof's old checkpoint", try c.signedCheckpoint(document: "\(proof) oldCheckpoint")))
                }
                if let c = doc.newCheckpoint {
                    newAnchors.append(("the proof's new checkpoint", try c.signedCheckpoint(document: "\(proof) newCheckpoint")))
                }
                if let old { oldAnchors.append(("the kept checkpoint \(old)", try CheckpointFiles.read(old))) }
                if let new { newAnchors.append(("the checkpoint \(new)", try CheckpointFiles.read(new))) }
                if doc.oldSize > 0 {
                    problems += ProofCommand.check(
                        anchors: oldAnchors, size: doc.oldSize, root: doc.oldRoot, publicKey: publicKey, notes: &notes)
                }
                problems += ProofCommand.check(
                    anchors: newAnchors, size: doc.newSize, root: doc.newRoot, publicKey: publicKey, notes: &notes)
            } catch {
                throw ExitCode(Console.fail(error).code)
            }
            guard problems.isEmpty else {
                Console.out("NOT VERIFIED: consistency proof \(proof)")
                for p in problems { Console.out("  - \(p)") }
                throw ExitCode(1)
            }
            Console.out(
                "verified: the tree of \(doc.oldSize) entries (root \(doc.oldRoot)) is a prefix of the tree of "
                    + "\(doc.newSize) entries (root \(doc.newRoot)): no entry before \(doc.oldSize + 1) changed")
            for n in notes { Console.out(n) }
        }
    }

    /// Checks that each checkpoint anchors (`size`, `root`) and, with a key, that its signature verifies.
    static func check(
        anchors: [(String, SignedCheckpoint)], size: Int64, root: String, publicKey: CheckpointPublicKey?,
        notes: inout [String]
    ) -> [String] {
        var problems: [String] = []
        if anchors.isEmpty {
            notes.append("note: no signed checkpoint of tree size \(size) was given; the root \(root) is only as good as its source")
        }
        for (name, c) in anchors {
            if c.checkpoint.treeSize != size {
                problems.append(
                    "\(name) has tree size \(c.checkpoint.treeSize), the proof \(size) (make the proof with that size)")
            }
            if c.checkpoint.root.hex != root.lowercased() {
                problems.append("\(name) has root \(c.checkpoint.root.hex), the proof \(root)")
            }
            if let publicKey {
                if publicKey.isValidSignature(c) {
                    notes.append("\(name): signature by key \(publicKey.keyID) verified (signed \(c.checkpoint.signedAt))")
                } else {
                    problems.append("\(name): the Ed25519 signature does not verify with key \(publicKey.keyID)")
                }
            } else {
                notes.append("note: \(name) signature not checked; give --public-key FILE")
            }
        }
        return problems
    }
}
