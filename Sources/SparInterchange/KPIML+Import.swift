import Foundation
import SparCore

extension KPIML {
    /// What a KPI-ML document's definitions gave: the good ones, and a located problem for each bad one.
    public struct DefinitionsRead: Sendable, Hashable {
        /// The definitions read, in document order.
        public var definitions: [Definition]
        /// One or more problems per definition refused (line, element path, why).
        public var problems: [XMLTree.Problem]
        /// The `KPIDefinition` elements the document holds (read or refused).
        public var count: Int
    }

    /// The transaction verbs of KPI-ML (`SyncKPIDefinition`, `ShowKPIDefinition`, …).
    static let verbs = ["Get", "Show", "Process", "Acknowledge", "Change", "Respond", "Cancel", "Sync"]

    /// Reads the KPI definitions of a KPI-ML V01 document: a `KPIDefinition` root (as in the specification's
    /// example) or any `<Verb>KPIDefinition` transaction.
    ///
    /// Throws when the bytes are not XML, declare a DTD or entity, are not in the KPI-ML V01 namespace or hold no
    /// definitions (instances, values, another document). A definition with a problem (no ID, a duplicate ID, a
    /// value outside KPI-ML's enumerations, a limit that is not a decimal) is left out with its problems; the
    /// others are kept.
    public static func readDefinitions(_ data: Data) throws(XMLTree.Problem) -> DefinitionsRead {
        let root = try XMLTree.parse(data)
        guard root.namespace == namespace else {
            let found = root.namespace.map { "is in namespace '\($0)'" } ?? "has no namespace"
            throw XMLTree.Problem(
                line: root.line, path: root.path,
                reason: "not a KPI-ML V01 document: the root element \(root.name) \(found), not \(namespace)")
        }
        let candidates: [XMLTree.Element]
        if root.name == "KPIDefinition" {
            candidates = [root]
        } else if let verb = verbs.first(where: { root.name == $0 + "KPIDefinition" }) {
            guard let area = kids(root, "DataArea").first else {
                throw XMLTree.Problem(line: root.line, path: root.path, reason: "\(root.name) has no DataArea")
            }
            candidates = kids(area, "KPIDefinition")
            guard !candidates.isEmpty else {
                throw XMLTree.Problem(
                    line: area.line, path: area.path, reason: "the \(verb) transaction holds no KPIDefinition")
            }
        } else {
            let holds = ["KPIInstance", "KPIValue"].first { root.name.hasSuffix($0) }
            throw XMLTree.Problem(
                line: root.line, path: root.path,
                reason: holds.map { "the document holds \($0) elements, not KPI definitions" }
                    ?? "\(root.name) is not a KPI-ML definition document (KPIDefinition or a <Verb>KPIDefinition transaction)")
        }
        var definitions: [Definition] = []
        var problems: [XMLTree.Problem] = []
        var seen: [String: Int] = [:]
        for element in candidates {
            switch definition(element) {
            case .success(let d):
                if let first = seen[d.id] {
                    problems.append(
                        .init(
                            line: element.line, path: element.path,
                            reason: "ID '\(d.id)' is already the ID of the definition on line \(first)"))
                } else {
                    seen[d.id] = element.line
                    definitions.append(d)
                }
            case .failure(let p):
                problems += p.problems
            }
        }
        return DefinitionsRead(definitions: definitions, problems: problems, count: candidates.count)
    }

    struct Problems: Error { var problems: [XMLTree.Problem] }

    /// The KPI-ML children called `name`.
    static func kids(_ e: XMLTree.Element, _ name: String) -> [XMLTree.Element] {
        e.children.filter { $0.name == name && $0.namespace == namespace }
    }

    static func isNil(_ e: XMLTree.Element) -> Bool {
        let v = e.attributes["nil"]?.trimmingCharacters(in: .whitespaces)
        return v == "true" || v == "1"
    }

    static func definition(_ e: XMLTree.Element) -> Result<Definition, Problems> {
        var problems: [XMLTree.Problem] = []
        func problem(_ at: XMLTree.Element, _ why: String) { problems.append(.init(line: at.line, path: at.path, reason: why)) }
        func texts(_ name: String) -> [String] { kids(e, name).map(\.text).filter { !$0.isEmpty } }
        func enumerated<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) -> [T] where T.RawValue == String {
            kids(e, name).compactMap { k in
                if let v = T(rawValue: k.text) { return v }
                problem(k, "'\(k.text)' is not a KPI-ML \(name) (\(T.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
        }
        var id = ""
        if let idElement = kids(e, "ID").first {
            id = idElement.text
            if isNil(idElement) || id.isEmpty { problem(idElement, "the definition's ID is empty; a definition needs one") }
        } else {
            problem(e, "the definition has no ID")
        }
        var ranges: [Range] = []
        for r in kids(e, "Range") {
            let rid = kids(r, "ID").first?.text ?? ""
            if rid.isEmpty { problem(r, "the range has no ID") }
            func limit(_ name: String) -> Double? {
                guard let l = kids(r, name).first, !isNil(l) else { return nil }
                guard let v = parseDecimal(l.text) else {
                    problem(l, "\(name) '\(l.text)' is not a decimal number")
                    return nil
                }
                return v
            }
            ranges.append(
                Range(
                    id: rid, descriptions: kids(r, "Description").map(\.text), lowerLimit: limit("LowerLimit"),
                    upperLimit: limit("UpperLimit")))
        }
        let trends = enumerated("Trend", Trend.self)
        let d = Definition(
            id: id, descriptions: texts("Description"), names: texts("Name"), scopes: texts("Scope"),
            formula: kids(e, "Formula").first.map(\.text), unitOfMeasure: kids(e, "UnitOfMeasure").first.map(\.text),
            ranges: ranges, trend: trends.first, timing: enumerated("Timing", Timing.self), audience: texts("Audience"),
            productionMethodology: enumerated("ProductionMethodology", ProductionMethodology.self), notes: texts("Notes"),
            usesKPIDefinitionIDs: texts("UsesKPIDefinitionID"), line: e.line, path: e.path)
        return problems.isEmpty ? .success(d) : .failure(Problems(problems: problems))
    }

    /// The ISO 22400-2 element abbreviations a formula text names (Spar's known elements), each once, in order.
    public static func elements(inFormula formula: String) -> [String] {
        var out: [String] = []
        var word = ""
        func flush() {
            if BlueprintElementMap.isKnown(word), !out.contains(word) { out.append(word) }
            word = ""
        }
        for c in formula {
            if c.isASCII, c.isLetter || c.isNumber { word.append(c) } else { flush() }
        }
        flush()
        return out
    }

    /// The `<name>` part of `local.<site>.<name>` for a KPI-ML ID: letters, digits, `-` and `_` kept, any other run
    /// of characters one `-`.
    public static func localName(_ id: String) -> String {
        var out = ""
        for c in id {
            if c.isASCII, c.isLetter || c.isNumber || c == "-" || c == "_" {
                out.append(c)
            } else if !out.isEmpty, out.last != "-" {
                out.append("-")
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }

    /// Spar local KPI extensions (`local.<site>.<name>`) for partner definitions: the formula text verbatim, its
    /// elements parsed from it, the nearest ISO KPI when the ID or name is one of the catalogue's, and the rest of
    /// the definition in the note. A definition without a formula, whose formula names no ISO element, or whose
    /// id another one already takes, is left out with a problem.
    public static func extensions(
        _ definitions: [Definition], site: String
    ) -> (extensions: [BlueprintKPIExtension], problems: [XMLTree.Problem]) {
        var out: [BlueprintKPIExtension] = []
        var problems: [XMLTree.Problem] = []
        for d in definitions {
            func refuse(_ why: String) { problems.append(.init(line: d.line, path: d.path, reason: "\(d.id): \(why)")) }
            let name = localName(d.id)
            guard !name.isEmpty else {
                refuse("the ID has no letter or digit to name a local KPI")
                continue
            }
            guard let formula = d.formula, !formula.isEmpty else {
                refuse("the definition has no Formula; a Spar KPI extension needs one")
                continue
            }
            let elements = elements(inFormula: formula)
            guard !elements.isEmpty else {
                refuse(
                    "the formula '\(formula)' names no ISO 22400-2 element (such as APT, PBT, PQ, GQ, CM); "
                        + "a Spar KPI extension reads at least one")
                continue
            }
            let id = "local.\(site).\(name)"
            if out.contains(where: { $0.id == id }) {
                refuse("its local id \(id) is already taken by another definition of the document")
                continue
            }
            let iso =
                KPICatalogue.definition(d.id)?.id
                ?? KPICatalogue.all.first { $0.isoName.lowercased() == d.name.lowercased() }?.id
            out.append(
                BlueprintKPIExtension(
                    id: id, name: d.name, formula: formula, elements: elements, nearestISO: iso, note: note(d)))
        }
        return (out, problems)
    }

    /// The definition's other fields in words, for the extension's note.
    static func note(_ d: Definition) -> String {
        func squeeze(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        var parts = ["KPI-ML \(d.id)"]
        if let u = d.unitOfMeasure, !u.isEmpty { parts.append("unit \(u)") }
        for r in d.ranges {
            let lower = r.lowerLimit.flatMap(decimal) ?? "−∞"
            let upper = r.upperLimit.flatMap(decimal) ?? "∞"
            parts.append("range \(r.id) \(lower) to \(upper)")
        }
        if let t = d.trend { parts.append(t.rawValue.lowercased()) }
        if !d.timing.isEmpty { parts.append("timing " + d.timing.map(\.rawValue).joined(separator: ", ")) }
        if !d.scopes.isEmpty { parts.append("scope " + d.scopes.map(squeeze).joined(separator: ", ")) }
        if !d.audience.isEmpty { parts.append("audience " + d.audience.joined(separator: ", ")) }
        if !d.productionMethodology.isEmpty {
            parts.append("methodology " + d.productionMethodology.map(\.rawValue).joined(separator: ", "))
        }
        if !d.usesKPIDefinitionIDs.isEmpty { parts.append("uses " + d.usesKPIDefinitionIDs.joined(separator: ", ")) }
        var text = parts.joined(separator: "; ") + "."
        for s in d.descriptions + d.notes { text += " " + squeeze(s) }
        return text
    }
}
