import Foundation
import SparCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension KPIML {
    /// The ISA-95 levels a Spar KPI is computed at, in KPI-ML `Scope` words.
    static let allLevels = ["Work unit", "Work center", "Area", "Site", "Enterprise"]

    /// Formulas whose numerator is a part of their denominator, so the value lies in [0, 1] (when it is not null).
    static let unitIntervalFormulas: Set<String> = [
        "APT / PBT", "GQ / PQ", "GQ / PQ (good at first pass)", "GP / IP", "SQ / PQ", "RQ / PQ", "(SQ + RQ) / PQ",
        "AUST / AUPT", "APT / (APT + ADET)", "APT / AUBT", "AUBT / PBT", "AUBT / POT", "CMT / (CMT + PMT)",
    ]

    /// The KPI-ML definition of one Spar KPI as `version` defines it.
    ///
    /// Spar's own fields map one to one (id, ISO name, formula text, unit, trend); the reading of every element the
    /// formula names, the interpretation and the evidence go to `Description` and `Notes`, which also say what
    /// KPI-ML has no element for.
    public static func definition(_ kpi: KPIDefinition, in version: KPIDefinitionVersion) -> Definition {
        let capability: CapabilityIndex? = if case .capability(let c) = kpi.expression { c } else { nil }
        var range: [Range] = []
        if unitIntervalFormulas.contains(kpi.formula) {
            range = [
                Range(id: "Natural", descriptions: ["the numerator is part of the denominator"], lowerLimit: 0, upperLimit: 1)
            ]
        } else if capability?.kind != .critical {
            range = [
                Range(id: "Natural", descriptions: ["a ratio of non-negative quantities"], lowerLimit: 0, upperLimit: nil)
            ]
        }
        let trend: Trend? =
            switch kpi.trend {
            case .higher: .higherIsBetter
            case .lower: .lowerIsBetter
            case .none: nil
            }
        var notes = [
            "Spar KPI definition version \(version.id) (\(version.title)), formulas of \(version.formulaVersion); "
                + "a value reported under this version is reproducible by naming it."
        ]
        let readings = kpi.elements.map { name in
            "\(name) = \(version.element(name)?.reading ?? BlueprintElementMap.meaning(of: name))"
        }
        notes.append("Elements: " + readings.joined(separator: "; ") + ".")
        if let evidence = kpi.evidence { notes.append("Evidence: " + evidence) }
        var missing = [
            "the element list (\(kpi.elements.joined(separator: ", "))) and each element's reading, given in these notes",
            "that the value is null, never 0, when an input is missing or a denominator is 0",
            "an audience or a production methodology (Spar's definitions name neither)",
        ]
        if kpi.trend == .none {
            missing.append("the trend: neither higher nor lower is better (KPI-ML's Trend knows only those two)")
        }
        if capability != nil { missing.append("that the value is given per measured characteristic") }
        if capability?.kind == .critical {
            missing.append("a range: the index is negative when the centre lies outside the limits")
        }
        notes.append("Not carried by KPI-ML: " + missing.joined(separator: "; ") + ".")
        return Definition(
            id: kpi.id, descriptions: kpi.interpretation.map { [$0] } ?? [], names: [kpi.isoName],
            scopes: capability?.reach == .machine ? ["Work unit"] : allLevels, formula: kpi.formula,
            unitOfMeasure: kpi.unit, ranges: range, trend: trend, timing: [.realTime, .onDemand], notes: notes,
            usesKPIDefinitionIDs: kpiReferences(kpi.expression))
    }

    /// The KPIs a formula reads, each once, in order.
    static func kpiReferences(_ formula: KPIFormula) -> [String] {
        var out: [String] = []
        func walk(_ f: KPIFormula) {
            switch f {
            case .kpi(let id): if !out.contains(id) { out.append(id) }
            case .sum(let fs), .product(let fs): fs.forEach(walk)
            case .difference(let a, let b), .ratio(let a, let b):
                walk(a)
                walk(b)
            case .base, .element, .constant, .capability: break
            }
        }
        walk(formula)
        return out
    }

    /// A `SyncKPIDefinition` document with a `KPIDefinition` for every KPI of `version`, created at `createdAt`.
    public static func definitionsDocument(_ version: KPIDefinitionVersion, createdAt: Timestamp) -> Data {
        document(
            "SyncKPIDefinition", createdAt: createdAt,
            items: version.kpis.map { element(definition($0, in: version)) })
    }

    /// A `SyncKPIDefinition` document holding `definitions`, created at `createdAt`.
    public static func definitionsDocument(_ definitions: [Definition], createdAt: Timestamp) -> Data {
        document("SyncKPIDefinition", createdAt: createdAt, items: definitions.map(element))
    }

    /// A `SyncKPIValue` document with a `KPIValue` for each KPI of `result` that has a value (one per characteristic
    /// for the capability indices), with the window, the scope and the lineage.
    ///
    /// KPI-ML has no place for the scope or the lineage of a value: the scope is in the value's `ID` and
    /// `KPIInstanceID` (`<kpi>@<equipment path>`), and `Description` says it with the definition version, source
    /// systems, plant model and blueprint versions; the counts (events, units) and the element values the KPI read
    /// are `Property` elements.
    public static func valuesDocument(_ result: KPIResult, createdAt: Timestamp) -> Data {
        var items: [XMLElement] = []
        for (id, value) in result.kpis {
            guard let kpi = result.definition.kpi(id) else { continue }
            switch value {
            case .number(let n):
                if let text = decimal(n) { items.append(valueElement(kpi, text, characteristic: nil, result)) }
            case .byCharacteristic(let byCharacteristic):
                for (c, v) in byCharacteristic.sorted(by: { $0.key < $1.key }) {
                    if let v, let text = decimal(v) { items.append(valueElement(kpi, text, characteristic: c, result)) }
                }
            case .null:
                continue
            }
        }
        return document("SyncKPIValue", createdAt: createdAt, items: items)
    }

    /// The lineage of `result` in words (what `KPIValue/Description` carries).
    public static func lineage(_ result: KPIResult) -> String {
        let l = result.lineage
        var parts = [
            "definition \(l.definitionVersion) (formulas \(l.formulaVersion))",
            "\(l.events) ledger events from \(l.units) work units",
            "source systems " + (l.sources.isEmpty ? "none" : l.sources.joined(separator: ", ")),
        ]
        if let v = l.plantModelVersion { parts.append("plant model \(v)") }
        if let v = l.blueprintVersion { parts.append("blueprint \(v)") }
        return "Lineage (KPI-ML has no element for it): " + parts.joined(separator: "; ") + "."
    }

    static func valueElement(_ kpi: KPIDefinition, _ value: String, characteristic: String?, _ r: KPIResult) -> XMLElement {
        let scope = r.query.scope.description
        let instance = "\(kpi.id)@\(scope)"
        let window = "[\(r.query.from.rfc3339),\(r.query.to.rfc3339))"
        var id = kpi.id + (characteristic.map { ":\($0)" } ?? "") + "@\(scope)\(window)"
        if let shift = r.query.shift { id += "#\(shift)" }
        var what = "\(kpi.isoName) of \(scope) (ISA-95 equipment path) over [\(r.query.from.rfc3339), \(r.query.to.rfc3339))"
        if let shift = r.query.shift { what += " in the windows of shift \(shift)" }
        if let characteristic { what += ", characteristic \(characteristic)" }
        let e = XMLElement(name: "KPIValue")
        e.addChild(XMLElement(name: "ID", stringValue: id))
        let properties = "; the elements it read are Property elements, times in seconds."
        e.addChild(XMLElement(name: "Description", stringValue: what + properties))
        e.addChild(XMLElement(name: "Description", stringValue: lineage(r)))
        e.addChild(XMLElement(name: "Name", stringValue: kpi.isoName))
        let range = XMLElement(name: "TimeRange")
        range.addChild(XMLElement(name: "StartTime", stringValue: r.query.from.rfc3339))
        range.addChild(XMLElement(name: "EndTime", stringValue: r.query.to.rfc3339))
        e.addChild(range)
        let v = XMLElement(name: "Value", stringValue: value)
        v.addAttribute(attribute("unitCode", kpi.unit))
        e.addChild(v)
        e.addChild(XMLElement(name: "UnitOfMeasure", stringValue: kpi.unit))
        e.addChild(XMLElement(name: "KPIInstanceID", stringValue: instance))
        for name in kpi.elements {
            guard let x = r.element(name), let text = decimal(x) else { continue }
            let reading = r.definition.element(name)?.reading ?? BlueprintElementMap.meaning(of: name)
            e.addChild(property(name, "element \(name): \(reading)", text))
        }
        e.addChild(property("events", "ledger events behind the value", String(r.lineage.events)))
        e.addChild(property("units", "work units in the scope", String(r.lineage.units)))
        return e
    }

    static func property(_ id: String, _ description: String, _ value: String) -> XMLElement {
        let p = XMLElement(name: "Property")
        p.addChild(XMLElement(name: "ID", stringValue: id))
        p.addChild(XMLElement(name: "Description", stringValue: description))
        p.addChild(XMLElement(name: "Value", stringValue: value))
        return p
    }

    /// A `KPIDefinition` element, its children in the schema's order.
    public static func element(_ d: Definition) -> XMLElement {
        let e = XMLElement(name: "KPIDefinition")
        func add(_ name: String, _ text: String) { e.addChild(XMLElement(name: name, stringValue: text)) }
        add("ID", d.id)
        d.descriptions.forEach { add("Description", $0) }
        d.names.forEach { add("Name", $0) }
        d.scopes.forEach { add("Scope", $0) }
        if let f = d.formula { add("Formula", f) }
        if let u = d.unitOfMeasure { add("UnitOfMeasure", u) }
        for r in d.ranges {
            let re = XMLElement(name: "Range")
            re.addChild(XMLElement(name: "ID", stringValue: r.id))
            r.descriptions.forEach { re.addChild(XMLElement(name: "Description", stringValue: $0)) }
            re.addChild(limit("LowerLimit", r.lowerLimit))
            re.addChild(limit("UpperLimit", r.upperLimit))
            e.addChild(re)
        }
        if let t = d.trend { add("Trend", t.rawValue) }
        d.timing.forEach { add("Timing", $0.rawValue) }
        d.audience.forEach { add("Audience", $0) }
        d.productionMethodology.forEach { add("ProductionMethodology", $0.rawValue) }
        d.notes.forEach { add("Notes", $0) }
        d.usesKPIDefinitionIDs.forEach { add("UsesKPIDefinitionID", $0) }
        return e
    }

    static func limit(_ name: String, _ value: Double?) -> XMLElement {
        if let value, let text = decimal(value) { return XMLElement(name: name, stringValue: text) }
        let e = XMLElement(name: name)
        e.addAttribute(attribute("xsi:nil", "true"))
        return e
    }

    /// An attribute node that its element frees. (On Linux, the nodes `XMLNode.attribute(withName:stringValue:)`,
    /// `XMLNode.namespace(withName:stringValue:)` and `setAttributesWith` make are never freed, nor, through them,
    /// their document.)
    static func attribute(_ name: String, _ value: String) -> XMLNode {
        let a = XMLNode(kind: .attribute)
        a.name = name
        a.stringValue = value
        return a
    }

    /// A transaction document `root` (`releaseID` V01) with an application area and a `Sync` data area holding
    /// `items`.
    static func document(_ root: String, createdAt: Timestamp, items: [XMLElement]) -> Data {
        let r = XMLElement(name: root, uri: namespace)
        r.addAttribute(attribute("xmlns:xsi", xsiNamespace))
        r.addAttribute(attribute("releaseID", releaseID))
        let area = XMLElement(name: "ApplicationArea")
        let sender = XMLElement(name: "Sender")
        sender.addChild(XMLElement(name: "LogicalID", stringValue: "spar"))
        area.addChild(sender)
        area.addChild(XMLElement(name: "CreationDateTime", stringValue: createdAt.rfc3339))
        r.addChild(area)
        let data = XMLElement(name: "DataArea")
        data.addChild(XMLElement(name: "Sync"))
        items.forEach(data.addChild)
        r.addChild(data)
        let doc = XMLDocument(rootElement: r)
        doc.version = "1.0"
        doc.characterEncoding = "UTF-8"
        return doc.xmlData(options: [.nodePrettyPrint])
    }
}
