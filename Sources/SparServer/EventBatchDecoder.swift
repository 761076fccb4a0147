import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import SparCore
import SparInterchange

/// Splits a posted body into numbered events: a JSON array (`application/json`, element n is line n) or JSON Lines
/// (`application/x-ndjson`, physical line numbers; blank lines skipped). A body that cannot be read as a whole
/// (not JSON, not an array) is a problem for the whole request; a bad event is a rejection of its line only.
enum EventBatchDecoder {
    enum Format: String, Sendable {
        case jsonArray = "application/json"
        case jsonLines = "application/x-ndjson"

        /// The format of a `Content-Type` value, nil when neither.
        init?(contentType: String?) {
            let media = (contentType ?? "").split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            switch media {
            case "application/json": self = .jsonArray
            case "application/x-ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines":
                self = .jsonLines
            default: return nil
            }
        }
    }

    static func decode(_ data: Data, format: Format) throws -> [(line: Int, result: Result<Event, EventRejection>)] {
        guard data.contains(where: { !isWhitespace($0) }) else {
            throw ProblemDetails.badRequest("empty-body", "the body holds no events; send a JSON array or JSON Lines")
        }
        switch format {
        case .jsonLines: return lines(data)
        case .jsonArray: return try array(data)
        }
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    static func lines(_ data: Data) -> [(line: Int, result: Result<Event, EventRejection>)] {
        var out: [(Int, Result<Event, EventRejection>)] = []
        let decoder = JSONDecoder()
        let bytes = [UInt8](data)
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            var n = 0
            while start <= buffer.count {
                let end =
                    memchr(base + start, 0x0A, buffer.count - start).map {
                        UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base
                    } ?? buffer.count
                n += 1
                let line = UnsafeBufferPointer(rebasing: buffer[start..<end])
                if line.contains(where: { !isWhitespace($0) }) {
                    out.append((n, EventCoding.decode(data: Data(line), lineNumber: n, using: decoder)))
                }
                start = end + 1
            }
        }
        return out
    }

    /// Elements of a JSON array, each decoded from its own bytes (so that a repeated member, a lost digit or a
    /// byte that is not UTF-8 rejects that element only, naming its field).
    static func array(_ data: Data) throws -> [(line: Int, result: Result<Event, EventRejection>)] {
        let bytes = [UInt8](data)
        guard let ranges = StrictJSON.arrayElements(bytes) else {
            if StrictJSON.problem(bytes) == nil, let other = try? JSONValue.parse(data) {
                let kind: String
                switch other {
                case .object: kind = "an object"
                case .string: kind = "a string"
                case .number: kind = "a number"
                case .bool: kind = "a boolean"
                default: kind = "null"
                }
                throw ProblemDetails.badRequest(
                    "not-an-array",
                    "the body is \(kind), not an array of events; wrap a single event in [ ] or send JSON Lines as application/x-ndjson")
            }
            let detail = StrictJSON.problem(bytes).map(\.description) ?? "brackets, strings or commas do not match"
            throw ProblemDetails.badRequest("malformed-json", "the body is not well-formed JSON: \(detail)")
        }
        let decoder = JSONDecoder()
        return ranges.enumerated().map { i, range in
            (i + 1, EventCoding.decode(data: Data(bytes[range]), lineNumber: i + 1, using: decoder))
        }
    }
}
