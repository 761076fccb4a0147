import Foundation
import SparCore
import SparInterchange
import Yams

/// Why a CSV map could not be read: the file, the line in it, the key path and the reason.
public struct CSVMapError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The map file.
    public var file: String
    /// The line in the map file, when the YAML parser gave one.
    public var line: Int?
    /// The key path at fault (`fields.count.good`), when there is one.
    public var path: String?
    public var reason: String

    /// A problem with map `file` at `line` and key `path`.
    public init(file: String, line: Int? = nil, path: String? = nil, reason: String) {
        self.file = file
        self.line = line
        self.path = path
        self.reason = reason
    }

    public var description: String {
        var head = file
        if let line { head += ":\(line)" }
        if let path { head += ": \(path)" }
        return "\(head): \(reason)"
    }
}

extension CSVMap {
    /// Reads a map file.
    public static func load(path: String) throws(CSVMapError) -> CSVMap {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CSVMapError(file: path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CSVMapError(file: path, reason: "not UTF-8 text")
        }
        return try decode(yaml: text, name: path)
    }

    /// Reads a map from YAML text. Unknown keys are refused (a misspelt field would otherwise be silently unmapped),
    /// and so is a map that leaves a required contract field of one of its types unmapped.
    public static func decode(yaml text: String, name: String = "map") throws(CSVMapError) -> CSVMap {
        if let p = YAMLExpansion.problem(text) { throw CSVMapError(file: name, reason: p) }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw CSVMapError(file: name, reason: "the map is empty")
            }
            root = node
        } catch let e as CSVMapError {
            throw e
        } catch {
            throw CSVMapError(file: name, reason: "not YAML: \(error)")
        }
        return try MapReader(file: name).map(root)
    }
}

/// Walks a composed YAML map, keeping the key path and line of every value for errors.
struct MapReader {
    let file: String

    struct Object {
        let reader: MapReader
        let path: String
        let node: Node
        let entries: [(key: String, value: Node)]

        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

        func sub(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        func string(_ key: String) throws(CSVMapError) -> String? {
            guard let v = value(key) else { return nil }
            return try reader.scalar(v, sub(key))
        }

        func requiredString(_ key: String) throws(CSVMapError) -> String {
            guard let s = try string(key) else { throw reader.error(node, path.isEmpty ? key : sub(key), "missing") }
            return s
        }

        func object(_ key: String) throws(CSVMapError) -> Object? {
            guard let v = value(key) else { return nil }
            return try reader.object(v, sub(key))
        }

        func table(_ key: String) throws(CSVMapError) -> [String: String]? {
            guard let v = value(key) else { return nil }
            let o = try reader.object(v, sub(key))
            var out: [String: String] = [:]
            for (k, v) in o.entries { out[k] = try reader.scalar(v, o.sub(k)) }
            return out
        }

        func only(_ keys: Set<String>) throws(CSVMapError) {
            for (k, v) in entries where !keys.contains(k) {
                throw reader.error(v, sub(k), "unknown key (expected one of \(keys.sorted().joined(separator: ", ")))")
            }
        }
    }

    func error(_ node: Node?, _ path: String, _ reason: String) -> CSVMapError {
        CSVMapError(file: file, line: node?.mark?.line, path: path.isEmpty ? nil : path, reason: reason)
    }

    func scalar(_ node: Node, _ path: String) throws(CSVMapError) -> String {
        guard case .scalar(let s) = node else {
            throw error(node, path, "must be a single value, not a list or mapping")
        }
        guard !s.string.isEmpty else { throw error(node, path, "must not be empty") }
        return s.string
    }

    func object(_ node: Node, _ path: String) throws(CSVMapError) -> Object {
        guard case .mapping(let m) = node else { throw error(node, path, "must be a mapping (key: value)") }
        var entries: [(key: String, value: Node)] = []
        for (k, v) in m {
            let key = try scalar(k, path)
            if entries.contains(where: { $0.key == key }) {
                throw error(k, path.isEmpty ? key : "\(path).\(key)", "given twice")
            }
            entries.append((key, v))
        }
        return Object(reader: self, path: path, node: node, entries: entries)
    }

    func map(_ root: Node) throws(CSVMapError) -> CSVMap {
        let top = try object(root, "")
        try top.only(["source", "separator", "decimal", "encoding", "time", "unit", "type", "id", "fields", "reasons"])
        let source = try top.requiredString("source")

        var separator: Unicode.Scalar?
        if let s = try top.string("separator") {
            let text = s == "tab" ? "\t" : s
            guard text.unicodeScalars.count == 1, let c = text.unicodeScalars.first, c != "\"", c != "\n", c != "\r"
            else {
                throw error(top.value("separator"), "separator", "must be one character such as ',', ';', '|' or tab")
            }
            separator = c
        }
        var decimal = CSVMap.DecimalMark.point
        if let d = try top.string("decimal") {
            guard let mark = CSVMap.DecimalMark(rawValue: d) else {
                throw error(top.value("decimal"), "decimal", "must be '.' or ','")
            }
            decimal = mark
        }
        var encoding = CSVMap.TextEncoding.utf8
        if let e = try top.string("encoding") {
            guard let enc = CSVMap.TextEncoding(rawValue: e.lowercased()) else {
                throw error(
                    top.value("encoding"), "encoding",
                    "'\(e)' is not one of \(CSVMap.TextEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            encoding = enc
        }

        guard let timeNode = top.value("time") else { throw error(root, "time", "missing") }
        let time = try timeSource(try object(timeNode, "time"))
        guard let unitNode = top.value("unit") else { throw error(root, "unit", "missing") }
        let unit = try unitSource(try object(unitNode, "unit"))
        guard let typeNode = top.value("type") else { throw error(root, "type", "missing") }
        let type = try typeSource(typeNode)
        let id = try idSource(top.value("id"))

        guard let fieldsNode = top.value("fields") else { throw error(root, "fields", "missing") }
        let fieldsObject = try object(fieldsNode, "fields")
        var fields: [String: [String: CSVMap.FieldSource]] = [:]
        var replacementType: String?
        for (typeName, node) in fieldsObject.entries {
            let path = fieldsObject.sub(typeName)
            guard let known = ContractFields.byType[typeName] else {
                throw error(node, path, "not an event type (\(ContractFields.types.joined(separator: ", ")))")
            }
            let o = try object(node, path)
            var mapped: [String: CSVMap.FieldSource] = [:]
            for (field, value) in o.entries {
                if typeName == "correction", field == "replacement" {
                    let r = try scalar(value, o.sub(field))
                    guard ContractFields.byType[r] != nil, r != "correction" else {
                        throw error(value, o.sub(field), "'\(r)' is not an event type a replacement can be")
                    }
                    replacementType = r
                    continue
                }
                guard known[field] != nil else {
                    let allowed = known.keys.sorted() + (typeName == "correction" ? ["replacement"] : [])
                    throw error(
                        value, o.sub(field), "not a field of \(typeName) events (\(allowed.joined(separator: ", ")))")
                }
                mapped[field] = try fieldSource(value, o.sub(field))
            }
            for alternatives in ContractFields.required[typeName] ?? []
            where !alternatives.contains(where: { mapped[$0] != nil }) {
                throw error(
                    node, path,
                    "maps no \(alternatives.joined(separator: " or ")) (\(typeName) events need \(alternatives.count > 1 ? "one of them" : "it"))"
                )
            }
            fields[typeName] = mapped
        }
        if let r = replacementType, fields[r] == nil {
            throw error(
                fieldsObject.value("correction"), "fields.correction.replacement",
                "replacements are \(r) events, but the map has no fields.\(r)")
        }
        switch type {
        case .fixed(let t):
            guard fields[t] != nil else {
                throw error(typeNode, "type", "every row is a \(t) event, but the map has no fields.\(t)")
            }
        case .column(_, let values?):
            for (local, t) in values where ContractFields.byType[t] == nil {
                throw error(
                    typeNode, "type.values.\(local)",
                    "'\(t)' is not an event type (\(ContractFields.types.joined(separator: ", ")))")
            }
        case .column:
            break
        }
        return CSVMap(
            source: source, separator: separator, decimalMark: decimal, encoding: encoding, time: time, unit: unit,
            type: type, id: id, fields: fields, replacementType: replacementType, reasons: try top.table("reasons"))
    }

    func timeSource(_ o: Object) throws(CSVMapError) -> CSVMap.TimeSource {
        try o.only(["column", "columns", "format", "timeZone", "ambiguous"])
        var columns: [String]
        switch (o.value("column"), o.value("columns")) {
        case (let c?, nil):
            columns = [try scalar(c, o.sub("column"))]
        case (nil, let list?):
            guard case .sequence(let s) = list, !s.isEmpty else {
                throw error(list, o.sub("columns"), "must be a list of column names, e.g. [Date, Time]")
            }
            columns = []
            for (i, n) in s.enumerated() { columns.append(try scalar(n, "\(o.sub("columns"))[\(i)]")) }
        case (nil, nil):
            throw error(
                o.node, o.sub("column"), "missing (the column holding each row's time, or columns: [Date, Time])")
        case (_?, _?):
            throw error(o.node, o.path, "give column or columns, not both")
        }
        let formatText = try o.requiredString("format")
        let format: CSVTimeFormat
        do { format = try CSVTimeFormat(formatText) } catch {
            throw self.error(o.value("format"), o.sub("format"), error.reason)
        }
        let zone = try o.string("timeZone")
        if let zone, TimeZone(identifier: zone) == nil {
            throw error(
                o.value("timeZone"), o.sub("timeZone"), "'\(zone)' is not an IANA time zone (e.g. Europe/Paris)")
        }
        if zone == nil, case .pattern = format.kind, !format.alwaysCarriesOffset {
            throw error(
                o.node, o.sub("timeZone"),
                "missing: times of the form \(formatText) carry no offset; name their IANA time zone (e.g. Europe/Paris)"
            )
        }
        var ambiguous = CSVMap.AmbiguousTime.reject
        if let a = try o.string("ambiguous") {
            guard let v = CSVMap.AmbiguousTime(rawValue: a) else {
                throw error(o.value("ambiguous"), o.sub("ambiguous"), "must be reject, earlier or later")
            }
            ambiguous = v
        }
        return CSVMap.TimeSource(columns: columns, format: format, timeZone: zone, ambiguous: ambiguous)
    }

    func unitSource(_ o: Object) throws(CSVMapError) -> CSVMap.UnitSource {
        try o.only(["path", "column", "prefix", "values"])
        if let path = try o.string("path") {
            guard o.value("column") == nil, o.value("prefix") == nil, o.value("values") == nil else {
                throw error(o.node, o.path, "give path (one unit for every row) or column, not both")
            }
            return .path(EquipmentPath(path))
        }
        guard let column = try o.string("column") else {
            throw error(o.node, o.sub("column"), "missing (a column holding the unit, or path: for one unit)")
        }
        return .column(column, prefix: try o.string("prefix") ?? "", values: try o.table("values"))
    }

    func typeSource(_ node: Node) throws(CSVMapError) -> CSVMap.TypeSource {
        if case .scalar = node {
            let t = try scalar(node, "type")
            guard ContractFields.byType[t] != nil else {
                throw error(
                    node, "type", "'\(t)' is not an event type (\(ContractFields.types.joined(separator: ", ")))")
            }
            return .fixed(t)
        }
        let o = try object(node, "type")
        try o.only(["column", "values"])
        return .column(try o.requiredString("column"), values: try o.table("values"))
    }

    func idSource(_ node: Node?) throws(CSVMapError) -> CSVMap.IDSource {
        guard let node else { return .content }
        if case .scalar = node {
            guard try scalar(node, "id") == "content" else {
                throw error(node, "id", "must be content, or a mapping with column (and prefix)")
            }
            return .content
        }
        let o = try object(node, "id")
        try o.only(["column", "prefix"])
        return .column(try o.requiredString("column"), prefix: try o.string("prefix") ?? "")
    }

    func fieldSource(_ node: Node, _ path: String) throws(CSVMapError) -> CSVMap.FieldSource {
        if case .scalar = node { return .column(try scalar(node, path), default: nil, values: nil) }
        let o = try object(node, path)
        try o.only(["column", "default", "values", "value"])
        if let v = try o.string("value") {
            guard o.value("column") == nil, o.value("default") == nil, o.value("values") == nil else {
                throw error(node, path, "give value (the same on every row) or column, not both")
            }
            return .value(v)
        }
        guard let column = try o.string("column") else {
            throw error(node, o.sub("column"), "missing (or value: for a constant)")
        }
        return .column(column, default: try o.string("default"), values: try o.table("values"))
    }
}
