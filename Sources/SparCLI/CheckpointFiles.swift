import Foundation
import SparLedgerIntegrity

/// Reading and writing the JSON files of checkpoints and proofs.
enum CheckpointFiles {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw CLIError("\(path), field '\(key.stringValue)': missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw CLIError("\(path), field '\(field)': \(context.debugDescription)")
        } catch {
            throw CLIError("\(path) is not a valid \(type) JSON file (\(error))")
        }
    }

    /// A kept checkpoint file.
    static func read(_ path: String) throws -> SignedCheckpoint {
        try decode(CheckpointDocument.self, path: path).signedCheckpoint(document: path)
    }

    /// Writes `text` to `path`, or to standard output when `path` is nil or "-".
    static func write(_ text: String, to path: String?) throws {
        guard let path, path != "-" else {
            Console.out(text)
            return
        }
        do {
            try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
