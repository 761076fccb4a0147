import Foundation
import SparCore
import Yams

/// Why a blueprint file could not be read at all (unreadable, not YAML/JSON, wrong shape).
public struct BlueprintFileError: Error, Sendable, CustomStringConvertible {
    /// The file (or name) being read.
    public var file: String
    /// What is wrong.
    public var reason: String
    /// `file: reason`.
    public var description: String { "\(file): \(reason)" }
}

/// Reads `blueprint.yaml` / `blueprint.json` and validates it against the plant model, listing every problem
/// (unknown fields included) in one ``InvalidBlueprint``.
public enum BlueprintFile {
    /// Loads and validates a blueprint file; `.json` files are JSON, anything else YAML.
    public static func load(path: String, plant: PlantModel) throws -> Blueprint {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw BlueprintFileError(file: path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, name: path, json: url.pathExtension.lowercased() == "json", plant: plant)
    }

    /// Decodes and validates a blueprint. Throws ``BlueprintFileError`` when the text cannot be read as a
    /// blueprint at all, ``InvalidBlueprint`` with every problem otherwise.
    public static func decode(_ data: Data, name: String = "blueprint", json: Bool, plant: PlantModel) throws
        -> Blueprint
    {
        let blueprint = try decodeUnvalidated(data, name: name, json: json)
        var problems: [BlueprintProblem] = []
        if let tree = try? tree(data, json: json) { problems += unknownFields(tree) }
        problems += blueprint.validationProblems(plant: plant)
        if !problems.isEmpty { throw InvalidBlueprint(problems: problems) }
        return blueprint
    }

    /// Decodes without validating (for blueprints already validated when they were recorded).
    public static func decodeUnvalidated(_ data: Data, name: String = "blueprint", json: Bool) throws -> Blueprint {
        do {
            if json {
                if let p = StrictJSON.problem(data) { throw BlueprintFileError(file: name, reason: p.description) }
                return try JSONDecoder().decode(Blueprint.self, from: data)
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw BlueprintFileError(file: name, reason: "not UTF-8 text")
            }
            if let p = YAMLExpansion.problem(text) { throw BlueprintFileError(file: name, reason: p) }
            return try YAMLDecoder().decode(Blueprint.self, from: text)
        } catch let e as BlueprintFileError {
            throw e
        } catch let e as DecodingError {
            throw BlueprintFileError(file: name, reason: PlantModelFile.describe(e))
        } catch {
            throw BlueprintFileError(file: name, reason: "\(error)")
        }
    }

    /// Canonical JSON of a blueprint: what the ledger records and what its version hash covers.
    public static func canonicalJSON(_ blueprint: Blueprint) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(blueprint), let s = String(data: data, encoding: .utf8) else {
            return "{}"
        }
        return s
    }

    /// A content fingerprint (FNV-1a 64 over the canonical JSON), used as the blueprint's version label.
    public static func fingerprint(_ blueprint: Blueprint) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in canonicalJSON(blueprint).utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    // MARK: unknown fields

    /// The document as a JSON-like tree (YAML scalars become strings).
    static func tree(_ data: Data, json: Bool) throws -> JSONValue {
        if json { return try JSONValue.parse(data) }
        guard let text = String(data: data, encoding: .utf8), let node = try Yams.compose(yaml: text) else {
            return .null
        }
        return convert(node)
    }

    static func convert(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let s): return .string(s.string)
        case .sequence(let seq): return .array(seq.map(convert))
        case .mapping(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m { o[k.string ?? "\(k)"] = convert(v) }
            return .object(o)
        case .alias: return .null
        }
    }

    /// The fields each record may have, by record kind.
    static let schema: [String: [String]] = [
        "blueprint": ["enterprise", "definitionVersion", "dataObjects", "activityExposure", "kpiExtensions", "sites"],
        "dataObject": ["id", "name", "safety", "quality", "regulatory", "regimes"],
        "activityExposure": ["activity", "safety", "quality", "regulatory", "regimes"],
        "kpiExtension": ["id", "name", "formula", "elements", "category", "nearestISO", "note"],
        "site": ["id", "outOfScope", "coverage", "dataObjects", "elementSources", "kpiMappings", "normalisation", "kpiDefinition"],
        "coverage": ["system", "full", "partial"],
        "dataObjectUse": ["object", "systemOfRecord", "create", "read", "update", "reference"],
        "elementSource": ["element", "systems", "note"],
        "kpiMapping": ["local", "canonical", "reason", "note"],
        "normalisation": ["timeZone", "reasonCodes", "units", "shifts"],
        "reasonRule": ["local", "category", "failure"],
        "unitRule": ["local", "canonical", "factor"],
        "shiftRule": ["local", "shift"],
    ]

    /// Children records of each record kind: field → (record kind, the field naming each item).
    static let children: [String: [String: (kind: String, name: String)]] = [
        "blueprint": [
            "dataObjects": ("dataObject", "id"), "activityExposure": ("activityExposure", "activity"),
            "kpiExtensions": ("kpiExtension", "id"), "sites": ("site", "id"),
        ],
        "site": [
            "coverage": ("coverage", "system"), "dataObjects": ("dataObjectUse", "object"),
            "elementSources": ("elementSource", "element"), "kpiMappings": ("kpiMapping", "local"),
            "normalisation": ("normalisation", ""),
        ],
        "normalisation": [
            "reasonCodes": ("reasonRule", "local"), "units": ("unitRule", "local"), "shifts": ("shiftRule", "local"),
        ],
    ]

    /// A problem for every field the format does not know (a typo would otherwise be silently ignored).
    static func unknownFields(_ root: JSONValue) -> [BlueprintProblem] {
        var problems: [BlueprintProblem] = []
        func walk(_ value: JSONValue, kind: String, location: String) {
            guard case .object(let o) = value else { return }
            let known = schema[kind] ?? []
            for key in o.keys.sorted() where !known.contains(key) {
                problems.append(
                    .init(
                        location.isEmpty ? key : "\(location).\(key)",
                        "unknown field (known: \(known.joined(separator: ", ")))"))
            }
            for (field, child) in children[kind] ?? [:] {
                let l = location.isEmpty ? field : "\(location).\(field)"
                switch o[field] {
                case .array(let items)?:
                    for (i, item) in items.enumerated() {
                        var label = String(i)
                        if case .string(let n)? = item[child.name] { label = n }
                        walk(item, kind: child.kind, location: "\(l)[\(label)]")
                    }
                case let single?:
                    walk(single, kind: child.kind, location: l)
                case nil:
                    break
                }
            }
        }
        walk(root, kind: "blueprint", location: "")
        return problems
    }
}
