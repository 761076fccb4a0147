/// A KPI question: a scope (any prefix of a work unit path), a window `[from, to)`, optionally one shift.
public struct KPIQuery: Sendable, Hashable {
    public var scope: EquipmentPath
    public var from: Timestamp
    public var to: Timestamp
    public var shift: String?

    /// The longest window one query may span: 3,660 days (ten years), milliseconds. A query's cost grows with the
    /// calendar time it spans, so a longer span is refused rather than left to run; split it into several queries.
    public static let maximumWindow: Int64 = 3_660 * 86_400_000

    public init(scope: EquipmentPath, from: Timestamp, to: Timestamp, shift: String? = nil) {
        self.scope = scope
        self.from = from
        self.to = to
        self.shift = shift
    }
}

/// Where a KPI value's inputs came from.
public struct KPILineage: Sendable, Hashable {
    public var sources: [String]
    public var events: Int
    public var units: Int
    public var formulaVersion: String
    public var definitionVersion: String
    /// Content hash of the plant model the value was computed with, when known.
    public var plantModelVersion: String?
    /// Version of the MOM blueprint (site KPI mappings and local extensions) in force, when the ledger holds one.
    public var blueprintVersion: String?
}

/// The answer to a ``KPIQuery``: elements, KPIs, warnings and lineage.
public struct KPIResult: Sendable {
    public var query: KPIQuery
    /// The definition-neutral elements the values were computed from.
    public var elements: TimeModelElements
    /// The elements as the definition version reads them (ISO abbreviations, times in seconds), in its order.
    public var elementValues: [(String, Double)] = []
    /// The definition version the values follow.
    public var definition: KPIDefinitionVersion = KPICatalogue.latest
    public var kpis: [(String, KPIValue)]
    public var warnings: [String]
    public var lineage: KPILineage

    public func kpi(_ id: String) -> KPIValue? { kpis.first { $0.0 == id }?.1 }
    /// An element's value as the definition reads it; nil when absent.
    public func element(_ name: String) -> Double? { elementValues.first { $0.0 == name }?.1 }
}

/// Why a KPI query cannot be answered.
public struct KPIQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for a caller that answers differently (an HTTP status, a problem type).
    public enum Kind: String, Sendable, Hashable {
        case unknownScope = "unknown-scope"
        case unknownShift = "unknown-shift"
        case emptyWindow = "empty-window"
        case windowTooLong = "window-too-long"
        case unknownDefinition = "unknown-definition"
        /// The task computing the answer was cancelled (its client left, or its deadline passed).
        case cancelled
    }

    public var kind: Kind
    public var field: String
    public var reason: String
    public init(_ kind: Kind, field: String, reason: String) {
        self.kind = kind
        self.field = field
        self.reason = reason
    }
    public var description: String { "\(field): \(reason)" }
}
