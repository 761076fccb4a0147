/// Why an incoming event was not accepted: the record (line, id), the field at fault, and the reason.
public struct EventRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line in the input, when the event came from a file or stream.
    public var line: Int?
    public var id: String?
    public var field: String?
    public var reason: String

    public init(line: Int? = nil, id: String? = nil, field: String? = nil, reason: String) {
        self.line = line
        self.id = id
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let id { parts.append("id '\(id)'") }
        if let field { parts.append("field '\(field)'") }
        return (parts.isEmpty ? "" : parts.joined(separator: ", ") + ": ") + reason
    }
}

extension PlantModel {
    /// Fast lookups used to check events against the model.
    public struct Index: Sendable {
        public let units: [EquipmentPath: ResolvedWorkUnit]
        public let reasons: [String: ReasonCode]
        public let systems: [String: SourceSystem]
        public let calendars: [String: WorkCalendar]

        public init(_ model: PlantModel) {
            units = Dictionary(model.resolvedWorkUnits.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            reasons = Dictionary(model.reasons.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
            systems = Dictionary(model.systems.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            calendars = Dictionary(model.calendars.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }
}

/// Checks a decoded event against the plant model: known unit, source and reason, consistent state.
public struct EventValidator: Sendable {
    public let index: PlantModel.Index

    public init(model: PlantModel) { index = PlantModel.Index(model) }
    public init(index: PlantModel.Index) { self.index = index }

    /// Returns the first problem with the event, or nil when it fits the model.
    public func problem(with event: Event, line: Int? = nil, fieldPrefix: String = "") -> EventRejection? {
        func reject(_ field: String, _ reason: String) -> EventRejection {
            EventRejection(line: line, id: event.id.rawValue, field: fieldPrefix + field, reason: reason)
        }
        if index.systems[event.source] == nil {
            return reject("source", "unknown source system '\(event.source)'")
        }
        if index.units[event.unit] == nil {
            return reject("unit", "unknown work unit '\(event.unit)' (expected enterprise/site/area/workCenter/workUnit)")
        }
        if let (field, reason) = event.payload.boundsProblem { return reject(field, reason) }
        if case .state(let s) = event.payload, let code = s.reason {
            guard let reason = index.reasons[code] else { return reject("reason", "unknown reason code '\(code)'") }
            if let c = s.category, c != reason.category {
                return reject(
                    "state", "state '\(c.rawValue)' contradicts reason '\(code)' (category \(reason.category.rawValue))")
            }
        }
        if case .correction(let c) = event.payload, let r = c.replacement {
            if case .correction = r.payload { return reject("replacement.type", "a replacement cannot be a correction") }
            return problem(with: r, line: line, fieldPrefix: "replacement.")
        }
        return nil
    }
}
