import Foundation
import SparCore
import Yams

/// Why a plant model file could not be read.
public struct PlantModelFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }
}

/// Reads `plant.yaml` / `plant.json` (events.md §1) and validates it, listing every problem.
public enum PlantModelFile {
    public static func load(path: String) throws -> PlantModel {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PlantModelFileError(file: path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, name: path, json: url.pathExtension.lowercased() == "json")
    }

    public static func decode(_ data: Data, name: String = "plant model", json: Bool) throws -> PlantModel {
        let model: PlantModel
        do {
            if json {
                if let p = StrictJSON.problem(data) { throw PlantModelFileError(file: name, reason: p.description) }
                model = try JSONDecoder().decode(PlantModel.self, from: data)
            } else {
                guard let text = String(data: data, encoding: .utf8) else {
                    throw PlantModelFileError(file: name, reason: "not UTF-8 text")
                }
                    if let p = YAMLExpansion.problem(text) { throw PlantModelFileError(file: name, reason: p) }
                model = try YAMLDecoder().decode(PlantModel.self, from: text)
            }
        } catch let e as PlantModelFileError {
            throw e
        } catch let e as DecodingError {
            throw PlantModelFileError(file: name, reason: describe(e))
        } catch {
            throw PlantModelFileError(file: name, reason: "\(error)")
        }
        try model.validate()
        return model
    }

    /// Canonical JSON of a model: what the ledger records and what its version hash covers.
    public static func canonicalJSON(_ model: PlantModel) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(model), let s = String(data: data, encoding: .utf8) else { return "{}" }
        return s
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for k in keys {
                if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
            }
            return out.isEmpty ? "(top level)" : out
        }
        switch e {
        case .keyNotFound(let key, let c):
            return "\(path(c.codingPath + [key])): missing"
        case .typeMismatch(let type, let c):
            return "\(path(c.codingPath)): expected \(type)"
        case .valueNotFound(let type, let c):
            return "\(path(c.codingPath)): expected \(type), found null"
        case .dataCorrupted(let c):
            // The YAML parser's own error (a repeated key, a bad indent) says where and why; keep it.
            let detail = c.underlyingError.map { "\($0)" } ?? c.debugDescription
            return "\(path(c.codingPath)): \(detail)"
        @unknown default:
            return "\(e)"
        }
    }
}

extension PlantModelFile {
    /// A content fingerprint of the model (FNV-1a 64 over its canonical JSON), used as its version label.
    public static func fingerprint(_ model: PlantModel) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in canonicalJSON(model).utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
