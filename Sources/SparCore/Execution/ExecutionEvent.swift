/// One immutable execution fact: who recorded what, and when. The execution record is the fold of these facts
/// (``ExecutionState``); nothing is edited or deleted, a mistaken entry is corrected by a later fact.
public struct ExecutionEvent: Hashable, Sendable {
    public var id: EventID
    /// When it happened on the shop floor.
    public var time: Timestamp
    /// Who recorded it (a user id or a source system).
    public var actor: String
    public var fact: ExecutionFact

    public init(id: EventID, time: Timestamp, actor: String, fact: ExecutionFact) {
        self.id = id
        self.time = time
        self.actor = actor
        self.fact = fact
    }
}

/// What an execution event records.
public enum ExecutionFact: Hashable, Sendable {
    /// A routing revision was approved and released, effective from a time.
    case routingReleased(RoutingReleased)
    /// A traveler was released for a work order, bound to the routing revision in force at the release time.
    case travelerReleased(TravelerReleased)
    case stepStarted(StepStarted)
    case dataRecorded(DataRecorded)
    case stepCompleted(StepCompleted)
    case holdPointSigned(HoldPointSigned)
    case ncrOpened(NCROpened)
    case ncrDispositioned(NCRDispositioned)
    case ncrClosed(NCRClosed)
    case materialConsumed(MaterialConsumed)
    case lotSplit(LotSplit)
    case lotsMerged(LotsMerged)
    case serialAssembled(SerialAssembled)
    case componentSubstituted(ComponentSubstituted)
    case entryCorrected(EntryCorrected)
    /// Quality signed the as-built record of a finished serial: the document's SHA-256 is bound to the signature.
    case asBuiltSigned(AsBuiltSigned)

    /// The fact's name (`stepCompleted`).
    public var name: String {
        switch self {
        case .routingReleased: "routingReleased"
        case .travelerReleased: "travelerReleased"
        case .stepStarted: "stepStarted"
        case .dataRecorded: "dataRecorded"
        case .stepCompleted: "stepCompleted"
        case .holdPointSigned: "holdPointSigned"
        case .ncrOpened: "ncrOpened"
        case .ncrDispositioned: "ncrDispositioned"
        case .ncrClosed: "ncrClosed"
        case .materialConsumed: "materialConsumed"
        case .lotSplit: "lotSplit"
        case .lotsMerged: "lotsMerged"
        case .serialAssembled: "serialAssembled"
        case .componentSubstituted: "componentSubstituted"
        case .entryCorrected: "entryCorrected"
        case .asBuiltSigned: "asBuiltSigned"
        }
    }
}

/// A routing revision released with its approvals (engineering and quality, each by a different person).
public struct RoutingReleased: Hashable, Sendable {
    public var routing: Routing
    public var effectiveFrom: Timestamp
    public var approvals: [ExecutionSignature]

    public init(routing: Routing, effectiveFrom: Timestamp, approvals: [ExecutionSignature]) {
        self.routing = routing
        self.effectiveFrom = effectiveFrom
        self.approvals = approvals
    }
}

/// What a traveler makes: one serial, or a lot of a quantity.
public enum TravelerItem: Hashable, Sendable, CustomStringConvertible {
    case serial(String)
    case lot(String, quantity: Int)

    /// The serial number or lot id.
    public var id: String {
        switch self {
        case .serial(let s): s
        case .lot(let l, _): l
        }
    }

    public var quantity: Int {
        switch self {
        case .serial: 1
        case .lot(_, let q): q
        }
    }

    /// Its node in the genealogy.
    public var node: GenealogyNode {
        switch self {
        case .serial(let s): .serial(s)
        case .lot(let l, _): .lot(l)
        }
    }

    public var description: String { node.description }
}

public struct TravelerReleased: Hashable, Sendable {
    public var traveler: String
    public var workOrder: String
    public var partNumber: String
    public var item: TravelerItem

    public init(traveler: String, workOrder: String, partNumber: String, item: TravelerItem) {
        self.traveler = traveler
        self.workOrder = workOrder
        self.partNumber = partNumber
        self.item = item
    }
}

public struct StepStarted: Hashable, Sendable {
    public var traveler: String
    public var step: StepRef
    /// The operator's qualifications in force at the start, as the training record states them.
    public var qualifications: [String]
    /// Tools (gauges, fixtures) used, by id.
    public var tools: [String]

    public init(traveler: String, step: StepRef, qualifications: [String] = [], tools: [String] = []) {
        self.traveler = traveler
        self.step = step
        self.qualifications = qualifications
        self.tools = tools
    }
}

/// A collected value.
public enum DataValue: Hashable, Sendable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case boolean(Bool)
    case passFail(Bool)

    public var type: DataItemType {
        switch self {
        case .number: .number
        case .text: .text
        case .boolean: .boolean
        case .passFail: .passFail
        }
    }

    public var description: String {
        switch self {
        case .number(let v): String(v)
        case .text(let t): t
        case .boolean(let b): b ? "true" : "false"
        case .passFail(let p): p ? "pass" : "fail"
        }
    }
}

public struct DataRecorded: Hashable, Sendable {
    public var traveler: String
    public var step: StepRef
    /// The data collection item's id within the step.
    public var item: String
    public var value: DataValue

    public init(traveler: String, step: StepRef, item: String, value: DataValue) {
        self.traveler = traveler
        self.step = step
        self.item = item
        self.value = value
    }
}

/// A step completed and signed by its operator (meaning `performed`).
public struct StepCompleted: Hashable, Sendable {
    public var traveler: String
    public var step: StepRef
    public var signature: ExecutionSignature

    public init(traveler: String, step: StepRef, signature: ExecutionSignature) {
        self.traveler = traveler
        self.step = step
        self.signature = signature
    }
}

/// An inspector's signature releasing a hold point (meaning `inspected` or `approved`).
public struct HoldPointSigned: Hashable, Sendable {
    public var traveler: String
    public var step: StepRef
    public var signature: ExecutionSignature

    public init(traveler: String, step: StepRef, signature: ExecutionSignature) {
        self.traveler = traveler
        self.step = step
        self.signature = signature
    }
}

/// A nonconformance report opened on its own (an out-of-limit value opens one by itself).
public struct NCROpened: Hashable, Sendable {
    public var ncr: String
    /// The traveler it stops, when the part is on one.
    public var traveler: String?
    /// The nonconforming serial or lot (contained: it cannot be consumed or assembled until dispositioned).
    public var item: GenealogyNode
    public var partNumber: String
    public var quantity: Int
    public var characteristic: String
    public var foundValue: String
    public var requirement: String
    /// Cause code, for aging by cause (`machining`, `supplier`).
    public var cause: String

    public init(
        ncr: String, traveler: String? = nil, item: GenealogyNode, partNumber: String, quantity: Int,
        characteristic: String, foundValue: String, requirement: String, cause: String
    ) {
        self.ncr = ncr
        self.traveler = traveler
        self.item = item
        self.partNumber = partNumber
        self.quantity = quantity
        self.characteristic = characteristic
        self.foundValue = foundValue
        self.requirement = requirement
        self.cause = cause
    }
}

/// The material review board's decision on a nonconformance.
public enum Disposition: String, Hashable, Sendable, CaseIterable {
    case useAsIs, rework, repair, scrap, returnToVendor

    /// Rework and repair add operations to the traveler.
    public var addsOperations: Bool { self == .rework || self == .repair }

    /// The signatures a disposition needs: quality and engineering; the customer too for use-as-is and repair of a
    /// part whose routing requires customer approval.
    public func requiredSignatories(customerApprovalRequired: Bool) -> [SignerCapacity] {
        var out: [SignerCapacity] = [.role(.quality), .role(.engineer)]
        if customerApprovalRequired && (self == .useAsIs || self == .repair) { out.append(.customer) }
        return out
    }
}

public struct NCRDispositioned: Hashable, Sendable {
    public var ncr: String
    public var disposition: Disposition
    /// Operations added to the traveler by rework or repair, placed by their sequence numbers.
    public var addedOperations: [RoutingOperation]
    /// The MRB's signatures, meaning `approved`.
    public var signatures: [ExecutionSignature]
    public var rationale: String

    public init(
        ncr: String, disposition: Disposition, addedOperations: [RoutingOperation] = [],
        signatures: [ExecutionSignature], rationale: String = ""
    ) {
        self.ncr = ncr
        self.disposition = disposition
        self.addedOperations = addedOperations
        self.signatures = signatures
        self.rationale = rationale
    }
}

/// A nonconformance closed by quality (meaning `approved` or `verified`).
public struct NCRClosed: Hashable, Sendable {
    public var ncr: String
    public var signature: ExecutionSignature

    public init(ncr: String, signature: ExecutionSignature) {
        self.ncr = ncr
        self.signature = signature
    }
}

/// The as-built record of a serial, as the exported document whose SHA-256 (of its canonical JSON) is `sha256`, signed
/// by quality (meaning `approved` or `verified`) once the serial's traveler is complete and no NCR of it is open.
public struct AsBuiltSigned: Hashable, Sendable {
    public var serial: String
    public var sha256: String
    /// The time the record states it was produced at (its `generatedAt`), so that it can be produced again.
    public var asOf: Timestamp
    public var signature: ExecutionSignature

    public init(serial: String, sha256: String, asOf: Timestamp, signature: ExecutionSignature) {
        self.asOf = asOf
        self.serial = serial
        self.sha256 = sha256
        self.signature = signature
    }
}

/// A material lot (or heat) consumed into a traveler's serial or lot.
public struct MaterialConsumed: Hashable, Sendable {
    public var traveler: String
    public var step: StepRef?
    public var lot: String
    public var material: String
    public var quantity: Double

    public init(traveler: String, step: StepRef? = nil, lot: String, material: String, quantity: Double) {
        self.traveler = traveler
        self.step = step
        self.lot = lot
        self.material = material
        self.quantity = quantity
    }
}

/// A quantity of a named lot.
public struct LotPortion: Hashable, Sendable {
    public var lot: String
    public var quantity: Double

    public init(lot: String, quantity: Double) {
        self.lot = lot
        self.quantity = quantity
    }
}

/// A lot split into new lots.
public struct LotSplit: Hashable, Sendable {
    public var source: String
    /// The source lot's quantity when first seen here (nil when another fact already gave it).
    public var sourceQuantity: Double?
    public var into: [LotPortion]

    public init(source: String, sourceQuantity: Double? = nil, into: [LotPortion]) {
        self.source = source
        self.sourceQuantity = sourceQuantity
        self.into = into
    }
}

/// Portions of lots merged into one new lot.
public struct LotsMerged: Hashable, Sendable {
    public var sources: [LotPortion]
    public var into: String

    public init(sources: [LotPortion], into: String) {
        self.sources = sources
        self.into = into
    }
}

/// A serial assembled into a parent serial.
public struct SerialAssembled: Hashable, Sendable {
    public var parent: String
    public var component: String
    /// Where it went (`find number 12`, `position L`).
    public var position: String?

    public init(parent: String, component: String, position: String? = nil) {
        self.parent = parent
        self.component = component
        self.position = position
    }
}

/// A component used in place of the planned one, with its engineering approval.
public struct ComponentSubstituted: Hashable, Sendable {
    public var parent: String
    /// The planned component (part number, serial or lot) that was not used.
    public var planned: String
    public var substitute: GenealogyNode
    public var reason: String
    /// Meaning `approved`, by engineering or quality.
    public var approval: ExecutionSignature

    public init(
        parent: String, planned: String, substitute: GenealogyNode, reason: String, approval: ExecutionSignature
    ) {
        self.parent = parent
        self.planned = planned
        self.substitute = substitute
        self.reason = reason
        self.approval = approval
    }
}

/// A mistaken entry corrected, with a reason and the corrector's signature (meaning `verified` or `approved`).
/// The corrected entry stays in the record, marked superseded.
public struct EntryCorrected: Hashable, Sendable {
    /// What the entry should have said.
    public enum Replacement: Hashable, Sendable {
        /// The recorded data value, re-checked against its limits.
        case value(DataValue)
        /// The consumed lot and quantity.
        case consumption(lot: String, quantity: Double)
        /// The entry should not have been made.
        case void
    }

    public var corrects: EventID
    public var replacement: Replacement
    public var reason: String
    public var signature: ExecutionSignature

    public init(corrects: EventID, replacement: Replacement, reason: String, signature: ExecutionSignature) {
        self.corrects = corrects
        self.replacement = replacement
        self.reason = reason
        self.signature = signature
    }
}
