import Hummingbird
import SparCore

/// Typed reading of query parameters, failing with problem details that name the parameter.
struct QueryParameters {
    let values: [String: String]

    init(_ request: Request) {
        var v: [String: String] = [:]
        for (k, value) in request.uri.queryParameters { v[String(k)] = String(value) }
        values = v
    }

    func string(_ name: String) -> String? {
        guard let s = values[name], !s.isEmpty else { return nil }
        return s
    }

    func require(_ name: String) throws -> String {
        guard let s = string(name) else {
            throw ProblemDetails.badRequest("missing-parameter", "the query parameter '\(name)' is required", field: name)
        }
        return s
    }

    /// An RFC 3339 time; a `+` of an offset that arrived as a space (form encoding) is read as `+`.
    func time(_ name: String) throws -> Timestamp? {
        guard let text = string(name) else { return nil }
        if let t = Timestamp(rfc3339: text) ?? Timestamp(rfc3339: text.replacingOccurrences(of: " ", with: "+")) {
            return t
        }
        throw ProblemDetails.badRequest(
            "invalid-time",
            "\(name) '\(text)' is not an RFC 3339 time with an offset (e.g. 2026-03-02T06:00:00Z; encode + as %2B)",
            field: name)
    }

    func requireTime(_ name: String) throws -> Timestamp {
        guard let t = try time(name) else {
            throw ProblemDetails.badRequest("missing-parameter", "the query parameter '\(name)' is required", field: name)
        }
        return t
    }

    func int(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let n = Int(text), range.contains(n) else {
            throw ProblemDetails.badRequest(
                "invalid-parameter", "\(name) '\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)",
                field: name)
        }
        return n
    }
}
