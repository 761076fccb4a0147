import Foundation

/// A change of the key that signs a ledger's checkpoints, recorded as a ledger entry (kind `checkpointKey`, type
/// ``entryType``) so that verification can follow the ledger across keys.
///
/// The statement — previous key id, new public key, the tree size it follows and the reason — is signed by both
/// keys: the previous key hands the ledger over (`handover`), the new key accepts it (`acceptance`). The checkpoint
/// sealing the rotation entry is the last one the previous key signs; every later checkpoint is the new key's. A
/// verifier who trusts either key trusts the other through these two signatures, and a leaked previous key can no
/// longer sign a checkpoint that verifies beyond the rotation.
public struct CheckpointKeyRotation: Sendable, Hashable, Codable {
    /// The ledger entry type of a rotation.
    public static let entryType = "checkpointKey.rotated"
    /// The first line of the signed statement, so it can never be mistaken for a checkpoint's message.
    static let tag = "spar-checkpoint-key-rotation-1"

    public var previousPublicKey: String
    public var newPublicKey: String
    /// Entries before the rotation entry: the rotation is entry `afterTreeSize + 1`.
    public var afterTreeSize: Int64
    public var reason: String
    public var handover: String
    public var acceptance: String

    /// Signs a rotation from `previous` to `new` after `afterTreeSize` entries.
    public init(from previous: CheckpointSigningKey, to new: CheckpointSigningKey, afterTreeSize: Int64, reason: String)
        throws
    {
        previousPublicKey = Data(previous.publicKey.raw).base64EncodedString()
        newPublicKey = Data(new.publicKey.raw).base64EncodedString()
        self.afterTreeSize = afterTreeSize
        self.reason = reason
        handover = ""
        acceptance = ""
        let message = statement
        handover = Data(try previous.signature(for: message)).base64EncodedString()
        acceptance = Data(try new.signature(for: message)).base64EncodedString()
    }

    /// The bytes both keys sign.
    var statement: [UInt8] {
        Array("\(Self.tag)\nprevious \(previousPublicKey)\nnew \(newPublicKey)\nafter \(afterTreeSize)\nreason \(reason)".utf8)
    }

    /// The key that signed the checkpoints up to and including the one sealing this rotation.
    public var previousKey: CheckpointPublicKey? {
        Data(base64Encoded: previousPublicKey).flatMap { try? CheckpointPublicKey(raw: Array($0)) }
    }

    /// The key that signs every later checkpoint.
    public var newKey: CheckpointPublicKey? {
        Data(base64Encoded: newPublicKey).flatMap { try? CheckpointPublicKey(raw: Array($0)) }
    }

    /// Why the statement's signatures do not hold, if they do not.
    public var signatureProblem: String? {
        guard let previous = previousKey, let new = newKey else { return "a public key is not a valid Ed25519 key" }
        guard let h = Data(base64Encoded: handover), previous.isValidSignature(Array(h), for: statement) else {
            return "the handover signature does not verify with the previous key \(previous.keyID)"
        }
        guard let a = Data(base64Encoded: acceptance), new.isValidSignature(Array(a), for: statement) else {
            return "the acceptance signature does not verify with the new key \(new.keyID)"
        }
        return nil
    }

    /// The entry body (sorted keys, no white space).
    public var body: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// A rotation read back from an entry body.
    public static func decode(body: String) -> CheckpointKeyRotation? {
        try? JSONDecoder().decode(CheckpointKeyRotation.self, from: Data(body.utf8))
    }
}

/// Which key must have signed the checkpoint of each tree size, from the ledger's recorded rotations.
public struct CheckpointKeySchedule: Sendable {
    /// The keys in the order they signed, with the last tree size each may sign (nil: no end).
    public private(set) var eras: [(key: CheckpointPublicKey, lastTreeSize: Int64?)]
    /// Why the schedule cannot be trusted, each with the tree size of the rotation at fault.
    public private(set) var problems: [(treeSize: Int64, detail: String)] = []

    /// The schedule of a ledger whose rotations (in ledger order) are `rotations`, judged from a verifier's
    /// trusted key: it must be one of the schedule's keys. Without rotations, the trusted key signs everything.
    public init(trusted: CheckpointPublicKey, rotations: [CheckpointKeyRotation]) {
        guard let first = rotations.first else {
            eras = [(trusted, nil)]
            return
        }
        var eras: [(key: CheckpointPublicKey, lastTreeSize: Int64?)] = []
        var current = first.previousKey ?? trusted
        for r in rotations {
            let sealedAt = r.afterTreeSize + 1
            if let problem = r.signatureProblem {
                problems.append((sealedAt, "the key rotation after entry \(r.afterTreeSize): \(problem)"))
            }
            if let previous = r.previousKey, previous != current {
                problems.append(
                    (sealedAt, "the key rotation after entry \(r.afterTreeSize) hands over from key \(previous.keyID), "
                        + "but key \(current.keyID) was signing then"))
            }
            eras.append((current, sealedAt))
            current = r.newKey ?? current
        }
        eras.append((current, nil))
        self.eras = eras
        if !eras.contains(where: { $0.key == trusted }) {
            problems.append(
                (0, "the trusted key \(trusted.keyID) is none of the keys the ledger names (\(eras.map(\.key.keyID).joined(separator: ", ")))"))
        }
    }

    /// The key that must have signed the checkpoint covering `treeSize` entries.
    public func key(forTreeSize treeSize: Int64) -> CheckpointPublicKey {
        for era in eras {
            if let last = era.lastTreeSize, treeSize > last { continue }
            return era.key
        }
        return eras[eras.count - 1].key
    }

    /// The key that signs new checkpoints.
    public var current: CheckpointPublicKey { eras[eras.count - 1].key }
}
