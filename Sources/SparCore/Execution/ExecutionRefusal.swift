/// An execution event the record refuses: the event, the rule it breaks, and why, in words the operator can act on.
public struct ExecutionRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rules the execution record enforces.
    public enum Rule: String, Hashable, Sendable, CaseIterable {
        /// An event id seen before.
        case duplicateEvent
        /// A routing, traveler, step, data item, NCR or lot that does not exist, or an id already taken.
        case reference
        /// The routing revision fails validation.
        case invalidRouting
        /// No routing revision of the part is in force at the release time.
        case routingNotInForce
        /// Routing release approvals (engineering and quality, distinct people, before the effective time).
        case routingApproval
        /// Steps and operations in routing sequence.
        case sequence
        /// An unsigned hold point blocks what follows it.
        case holdPoint
        /// A nonconformance holds the part.
        case onHold
        /// A step's state: started once, completed once, data only while started.
        case stepState
        /// Data values of the right type; mandatory values before completion.
        case dataCollection
        /// The operator's qualifications and the step's tools.
        case qualification
        /// A signature's meaning, capacity and signer.
        case signature
        /// MRB disposition rules: signatures, added operations.
        case disposition
        /// NCR closure rules.
        case closure
        /// An as-built record is signed for a complete serial with no open NCR, by quality.
        case asBuilt
        /// Quantities: positive, available, within the traveler.
        case quantity
        /// Genealogy: assemblies, splits, merges, substitutions.
        case genealogy
        /// Corrections: a reason, an allowed entry, an allowed corrector.
        case correction
        /// Facts in time order where the rule needs it.
        case time
    }

    public var event: EventID
    public var rule: Rule
    public var reason: String

    public init(event: EventID, rule: Rule, reason: String) {
        self.event = event
        self.rule = rule
        self.reason = reason
    }

    /// `event e-7 refused (sequence): step 20.30 before 20.20: …`.
    public var description: String { "event \(event) refused (\(rule.rawValue)): \(reason)" }
}

/// Something the fold of an accepted event did beyond recording it.
public enum ExecutionConsequence: Hashable, Sendable, CustomStringConvertible {
    /// An out-of-limit or failed value opened a nonconformance (the reason names the value and the limits).
    case ncrOpened(ncr: String, reason: String)

    public var description: String {
        switch self {
        case .ncrOpened(let ncr, let reason): "\(reason) (\(ncr))"
        }
    }
}
