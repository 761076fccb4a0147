import Foundation
import SparCore

/// ISA-95 B2MML (MESA's XML for IEC 62264) as Spar reads and writes it.
public enum B2MML {
    /// The namespace of B2MML V0700 and later, which Spar writes.
    public static let namespace = "http://www.mesa.org/xml/B2MML"

    /// The B2MML version a namespace names: `V0401` for `http://www.wbf.org/xml/B2MML-V0401`, `V0600` for
    /// `http://www.mesa.org/xml/B2MML-V0600`, `V0700` for the unversioned `http://www.mesa.org/xml/B2MML` (V0700 and
    /// later). Nil for anything else.
    public static func version(namespace: String?) -> String? {
        guard let ns = namespace?.trimmingCharacters(in: .whitespaces) else { return nil }
        let lower = ns.lowercased()
        if lower == B2MML.namespace.lowercased() || lower == B2MML.namespace.lowercased() + "/" { return "V0700" }
        let prefixes = ["http://www.wbf.org/xml/b2mml-v", "http://www.mesa.org/xml/b2mml-v"]
        guard let prefix = prefixes.first(where: lower.hasPrefix) else { return nil }
        let digits = lower.dropFirst(prefix.count).prefix { $0.isNumber }
        guard digits.count == 4, let n = Int(digits), (400...700).contains(n) else { return nil }
        return "V" + digits
    }

    /// The verbs of B2MML's business object documents (`SyncEquipment`, `ProcessProductionSchedule`).
    static let verbs = [
        "Acknowledge", "Cancel", "Change", "Confirm", "Get", "Notify", "Process", "Respond", "Show", "Sync",
    ]

    /// What one message (file) gave: events for the ledger, master data for a proposed plant model change, and every
    /// element Spar read but could not map, or chose not to keep.
    public struct Reading: Sendable {
        /// `V0401`, `V0600`, `V0700`.
        public var version: String
        /// The message's root element (`SyncMaterialDefinition`).
        public var root: String
        /// The records read, by kind (`equipment`, `material`, `lot`, `order`, `response`).
        public var records: [String: Int] = [:]
        /// Order starts (schedules), counts and order ends (performance), with where each came from.
        public var events: [Located] = []
        /// The plant model with the message's equipment, materials and lots merged in, when it differs from the
        /// model read against (a proposal for change control, never applied by the reader).
        public var proposedModel: PlantModel?
        /// What the proposed model changes, one line each (`added unit …/cnc-09`, `added material CRBN0001`).
        public var masterDataChanges: [String] = []
        /// Records refused: no event and no master data came from them.
        public var problems: [XMLTree.Problem] = []
        /// Data inside accepted records that Spar does not keep (personnel, consumed material, …).
        public var notKept: [XMLTree.Problem] = []

        /// An empty reading of a `version` message with root element `root`.
        public init(version: String, root: String) {
            self.version = version
            self.root = root
        }

        /// `1 order`, `3 orders`, `10 equipment`.
        public static func counted(_ n: Int, _ kind: String) -> String {
            "\(n) \(kind)" + (n == 1 || kind == "equipment" ? "" : "s")
        }

        /// An event and the element it came from.
        public struct Located: Sendable {
            public var event: Event
            public var path: String
            public var line: Int
        }
    }

    /// Thrown when a document is not B2MML at all (not XML, or another namespace).
    public struct DocumentError: Error, Sendable, CustomStringConvertible {
        public var problem: XMLTree.Problem
        public var description: String { problem.description }
    }
}

extension B2MML {
    /// Reads one B2MML message against `model`: units are resolved in it (an `EquipmentID` is a unit's path, or a
    /// unit id that only one unit has), event times without a zone are read in the unit's site time zone, and the
    /// events name `source` (the sending system, from the plant model). Pure: nothing is stored.
    public static func read(_ data: Data, model: PlantModel, source: String) throws(DocumentError) -> Reading {
        let root: XMLTree.Element
        do { root = try XMLTree.parse(data) } catch { throw DocumentError(problem: error) }
        guard let version = version(namespace: root.namespace) else {
            let ns = root.namespace.map { "namespace \($0)" } ?? "no namespace"
            throw DocumentError(
                problem: .init(
                    line: root.line, path: root.path,
                    reason: "not a B2MML document (\(ns)); expected http://www.wbf.org/xml/B2MML-V0401, "
                        + "http://www.mesa.org/xml/B2MML-V0600 or http://www.mesa.org/xml/B2MML (V0700)"))
        }
        var reader = Reader(model: model, source: source, reading: Reading(version: version, root: root.name))
        var records: [XMLTree.Element] = [root]
        if let area = root.child("DataArea") {
            records = area.children.filter { !verbs.contains($0.name) }
        }
        for record in records { reader.record(record) }
        reader.finish()
        return reader.reading
    }
}

/// Walks a message's records into a `B2MML.Reading`.
struct Reader {
    var model: PlantModel
    let original: PlantModel
    let source: String
    var reading: B2MML.Reading

    init(model: PlantModel, source: String, reading: B2MML.Reading) {
        self.model = model
        self.original = model
        self.source = source
        self.reading = reading
    }

    mutating func refuse(_ e: XMLTree.Element, _ reason: String) {
        reading.problems.append(.init(line: e.line, path: e.path, reason: reason))
    }

    mutating func skip(_ e: XMLTree.Element, _ reason: String) {
        reading.notKept.append(.init(line: e.line, path: e.path, reason: reason))
    }

    mutating func count(_ kind: String) { reading.records[kind, default: 0] += 1 }

    mutating func record(_ e: XMLTree.Element) {
        switch e.name {
        case "Equipment": equipment(e, in: .top)
        case "EquipmentInformation":
            for c in e.children where c.name != "ID" && c.name != "Description" && c.name != "PublishedDate" {
                if c.name == "Equipment" { equipment(c, in: .top) } else { record(c) }
            }
        case "MaterialDefinition": material(e)
        case "MaterialLot": lot(e, material: nil)
        case "MaterialInformation":
            for c in e.children {
                switch c.name {
                case "ID", "Description", "HierarchyScope", "PublishedDate": continue
                case "MaterialDefinition": material(c)
                case "MaterialLot": lot(c, material: nil)
                default: skip(c, "\(c.name) is not kept (Spar keeps material definitions and lots)")
                }
            }
        case "ProductionSchedule", "OperationsSchedule": schedule(e)
        case "ProductionPerformance", "OperationsPerformance": performance(e)
        case "ApplicationArea": return
        default:
            refuse(
                e,
                "\(e.name) is not imported: Spar maps Equipment, MaterialDefinition, MaterialLot, "
                    + "OperationsSchedule/ProductionSchedule and OperationsPerformance/ProductionPerformance")
        }
    }

    mutating func finish() {
        guard model != original else { return }
        do {
            try model.validate()
        } catch {
            reading.problems.append(.init(reason: "the plant model with this message's master data is not valid: \(error)"))
            return
        }
        reading.proposedModel = model
        reading.masterDataChanges = ChangeImpact(from: original, to: model).changes
    }
}

// MARK: - Values

extension Reader {
    /// The properties of an element (`EquipmentProperty`, `MaterialDefinitionProperty`): id → value strings joined.
    static func properties(_ e: XMLTree.Element, named name: String) -> [(id: String, value: String, unit: String?)] {
        e.children(name).compactMap { p in
            guard let id = p.value("ID") else { return nil }
            let values = p.children("Value").compactMap { $0.value("ValueString") }
            let unit = p.child("Value")?.value("UnitOfMeasure")
            return (id, values.joined(separator: ", "), unit)
        }
    }

    /// A quantity's number (`Quantity/QuantityString`), or a reason it is not one.
    static func quantity(_ q: XMLTree.Element) -> Result<Double, QuantityError> {
        guard let text = q.value("QuantityString") else { return .failure(.init(reason: "QuantityString is missing")) }
        guard let v = Double(text), v.isFinite else {
            return .failure(.init(reason: "QuantityString '\(text)' is not a number"))
        }
        guard v >= 0 else { return .failure(.init(reason: "QuantityString \(text) is negative")) }
        return .success(v)
    }

    struct QuantityError: Error { var reason: String }

    /// Seconds in a parameter value: a bare number read with its unit of measure (s, min, h; seconds by
    /// default), or an xsd:duration (`PT1M30S`).
    static func seconds(_ text: String, unit: String?) -> Double? {
        if let v = Double(text), v.isFinite {
            switch unit?.lowercased().trimmingCharacters(in: .whitespaces) ?? "" {
            case "", "s", "sec", "second", "seconds": return v
            case "min", "minute", "minutes": return v * 60
            case "h", "hr", "hour", "hours": return v * 3600
            default: return nil
            }
        }
        return duration(text)
    }

    /// An xsd:duration in seconds (`PT2H30M`, `P1DT4H`); years and months are refused (their length varies).
    static func duration(_ text: String) -> Double? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        guard s.first == "P" else { return nil }
        s = s.dropFirst()
        var total = 0.0
        var inTime = false
        var number = ""
        var any = false
        for c in s {
            if c == "T" {
                guard number.isEmpty, !inTime else { return nil }
                inTime = true
                continue
            }
            if c.isNumber || c == "." {
                number.append(c)
                continue
            }
            guard let v = Double(number) else { return nil }
            number = ""
            any = true
            switch (c, inTime) {
            case ("D", false): total += v * 86_400
            case ("W", false): total += v * 604_800
            case ("H", true): total += v * 3600
            case ("M", true): total += v * 60
            case ("S", true): total += v
            default: return nil
            }
        }
        return number.isEmpty && any ? total : nil
    }

    /// An xsd:dateTime: with a zone as given, without one in `zone` (the unit's site time zone).
    static func time(_ text: String, zone: String?) -> Timestamp? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let ts = Timestamp(rfc3339: t) { return ts }
        guard let utc = Timestamp(rfc3339: t + "Z"), let zone, let local = LocalTime(identifier: zone) else { return nil }
        let (seconds, ms) = utc.milliseconds.quotientAndRemainder(dividingBy: 1000)
        return local.instant(localSeconds: seconds).adding(milliseconds: ms)
    }

    /// Text compared as B2MML writers vary it: lower case, letters and digits only (`Planned Run Time` → `plannedruntime`).
    static func key(_ s: String) -> String { String(s.lowercased().filter { $0.isLetter || $0.isNumber }) }
}

// MARK: - Units

extension Reader {
    /// The work unit an `EquipmentID` names: a unit's path, or the id of exactly one unit (narrowed by `scope`, the
    /// ids of the element's hierarchy scope, when several share it).
    func unit(_ id: String, scope: [String]) -> Result<ResolvedWorkUnit, QuantityError> {
        let units = model.resolvedWorkUnits
        if id.contains("/"), let u = units.first(where: { $0.path.description == id }) { return .success(u) }
        var matches = units.filter { $0.path.components.last == id }
        if matches.count > 1, !scope.isEmpty {
            let narrowed = matches.filter { u in scope.allSatisfy { u.path.components.dropLast().contains($0) } }
            if !narrowed.isEmpty { matches = narrowed }
        }
        switch matches.count {
        case 1: return .success(matches[0])
        case 0: return .failure(.init(reason: "unknown equipment '\(id)': no work unit of the plant model has that id or path"))
        default:
            let paths = matches.map(\.path.description).joined(separator: ", ")
            return .failure(.init(reason: "equipment '\(id)' is ambiguous (\(paths)); give the unit's path"))
        }
    }

    /// The equipment ids of an element's `HierarchyScope` chain and of its `Location` chain (V0401/V0600 schedules).
    static func scopeIDs(_ e: XMLTree.Element) -> [String] {
        var out: [String] = []
        for name in ["HierarchyScope", "Location"] {
            var at = e.child(name)
            while let s = at {
                if let id = s.value("EquipmentID") { out.append(id) }
                at = s.child(name)
            }
        }
        return out
    }

    func zone(of unit: ResolvedWorkUnit) -> String? {
        model.sites.first { $0.id == unit.path.siteID }?.timeZone
    }

    func eventID(_ parts: String...) -> EventID {
        EventID((["b2mml", source] + parts).joined(separator: ":"))
    }
}
