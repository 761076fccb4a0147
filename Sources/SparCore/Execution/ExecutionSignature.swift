/// The capacity a person signs an execution record in: a plant role, or the customer (or its source inspector).
public enum SignerCapacity: Hashable, Sendable, CustomStringConvertible {
    case role(Role)
    case customer

    public var description: String {
        switch self {
        case .role(let r): r.rawValue
        case .customer: "customer"
        }
    }
}

/// What an execution signature attests (21 CFR 11.50(a)(3)).
public enum ExecutionSignatureMeaning: String, Hashable, Sendable, CaseIterable {
    /// The signer did the work.
    case performed
    /// The signer inspected the work and found it conforming.
    case inspected
    /// The signer approved a record: a routing revision, a disposition, a substitution, a closure.
    case approved
    /// The signer reviewed a record.
    case reviewed
    /// The signer verified a correction or a closure.
    case verified

    /// The capacities that may sign with this meaning.
    public var allowedCapacities: [SignerCapacity] {
        switch self {
        case .performed: [.role(.operator), .role(.supervisor), .role(.engineer), .role(.quality)]
        case .inspected: [.role(.quality)]
        case .approved: [.role(.quality), .role(.engineer), .role(.supervisor), .customer]
        case .reviewed: [.role(.quality), .role(.engineer), .role(.supervisor), .customer]
        case .verified: [.role(.quality), .role(.supervisor)]
        }
    }
}

/// A reference to a Part 11 electronic signature applied to an execution record: who signed, in what capacity,
/// with which meaning, and when. The signature itself (re-authentication, binding to the record's hash) lives in the
/// signature store; `signatureID` names it there.
public struct ExecutionSignature: Hashable, Sendable, CustomStringConvertible {
    public var signer: String
    public var capacity: SignerCapacity
    public var meaning: ExecutionSignatureMeaning
    public var time: Timestamp
    public var signatureID: String?

    public init(
        signer: String, capacity: SignerCapacity, meaning: ExecutionSignatureMeaning, time: Timestamp,
        signatureID: String? = nil
    ) {
        self.signer = signer
        self.capacity = capacity
        self.meaning = meaning
        self.time = time
        self.signatureID = signatureID
    }

    /// `ada (quality) inspected at 2026-03-02T06:00:00Z`.
    public var description: String { "\(signer) (\(capacity)) \(meaning.rawValue) at \(time.rfc3339)" }

    /// Nil when the capacity may sign with the meaning, else the reason it may not.
    public var capacityProblem: String? {
        let allowed = meaning.allowedCapacities
        guard !allowed.contains(capacity) else { return nil }
        let names = allowed.map(\.description)
        let list = names.count == 1 ? "role \(names[0])" : "role \(names.joined(separator: " or "))"
        return "signature meaning '\(meaning.rawValue)' needs \(list), not \(capacity)"
    }
}
