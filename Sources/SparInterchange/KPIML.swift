import Foundation
import SparCore

/// MESA KPI-ML V01 (`KPI-ML-V01.xsd`): Spar's KPI definitions and values written as KPI-ML documents, and the KPI
/// definitions of a partner read from one. "The KPI Markup Language (KPI-ML) is used courtesy of MESA International."
public enum KPIML {
    /// The namespace every KPI-ML V01 element is in.
    public static let namespace = "http://www.mesa.org/xml/KPI-ML-V01"
    /// The `releaseID` of the transaction documents Spar writes.
    public static let releaseID = "V01"
    static let xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

    /// KPI-ML's `Trend`.
    public enum Trend: String, Sendable, Hashable, CaseIterable {
        case higherIsBetter = "Higher-is-better"
        case lowerIsBetter = "Lower-is-better"
    }

    /// KPI-ML's `Timing`: when a KPI is calculated.
    public enum Timing: String, Sendable, Hashable, CaseIterable {
        case realTime = "Real-time"
        case periodically = "Periodically"
        case onDemand = "On-demand"
    }

    /// KPI-ML's `ProductionMethodology`.
    public enum ProductionMethodology: String, Sendable, Hashable, CaseIterable {
        case batch = "Batch"
        case continuous = "Continuous"
        case discrete = "Discrete"
    }

    /// A KPI-ML `Range`: limits a KPI's value lies within (nil: unbounded, `xsi:nil` in the document).
    public struct Range: Sendable, Hashable {
        public var id: String
        public var descriptions: [String]
        public var lowerLimit: Double?
        public var upperLimit: Double?

        /// A range from its parts.
        public init(id: String, descriptions: [String] = [], lowerLimit: Double?, upperLimit: Double?) {
            self.id = id
            self.descriptions = descriptions
            self.lowerLimit = lowerLimit
            self.upperLimit = upperLimit
        }
    }

    /// A KPI-ML `KPIDefinition`, element by element (every repeatable element a list, in document order).
    public struct Definition: Sendable, Hashable {
        public var id: String
        public var descriptions: [String]
        public var names: [String]
        public var scopes: [String]
        /// The formula text, verbatim.
        public var formula: String?
        public var unitOfMeasure: String?
        public var ranges: [Range]
        public var trend: Trend?
        public var timing: [Timing]
        public var audience: [String]
        public var productionMethodology: [ProductionMethodology]
        public var notes: [String]
        /// The definitions this one is computed from (`UsesKPIDefinitionID`).
        public var usesKPIDefinitionIDs: [String]
        /// The line the element starts on (0 for a definition Spar built).
        public var line: Int
        /// The element's path in its document (empty for a definition Spar built).
        public var path: String

        /// A definition from its parts.
        public init(
            id: String, descriptions: [String] = [], names: [String] = [], scopes: [String] = [], formula: String? = nil,
            unitOfMeasure: String? = nil, ranges: [Range] = [], trend: Trend? = nil, timing: [Timing] = [],
            audience: [String] = [], productionMethodology: [ProductionMethodology] = [], notes: [String] = [],
            usesKPIDefinitionIDs: [String] = [], line: Int = 0, path: String = ""
        ) {
            self.id = id
            self.descriptions = descriptions
            self.names = names
            self.scopes = scopes
            self.formula = formula
            self.unitOfMeasure = unitOfMeasure
            self.ranges = ranges
            self.trend = trend
            self.timing = timing
            self.audience = audience
            self.productionMethodology = productionMethodology
            self.notes = notes
            self.usesKPIDefinitionIDs = usesKPIDefinitionIDs
            self.line = line
            self.path = path
        }

        /// The first name, else the id.
        public var name: String { names.first ?? id }
    }

    /// `value` as an `xsd:decimal` (no exponent; shortest digits that read back as the same double), nil when it
    /// is not finite.
    public static func decimal(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        let text = "\(value)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(text[text.index(after: e)...])
        else {
            return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        }
        var mantissa = String(text[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        let digits = whole + fraction
        let point = whole.count + exponent
        var out: String
        if point <= 0 {
            out = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            out = digits + String(repeating: "0", count: point - digits.count)
        } else {
            out = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        if out.contains(".") {
            while out.hasSuffix("0") { out.removeLast() }
            if out.hasSuffix(".") { out.removeLast() }
        }
        return (negative ? "-" : "") + out
    }

    /// Reads an `xsd:decimal` (optional sign, digits, at most one point; no exponent).
    static func parseDecimal(_ text: String) -> Double? {
        var body = Substring(text)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            body.filter({ $0 == "." }).count <= 1, body.contains(where: \.isNumber)
        else { return nil }
        guard let v = Double(text.hasPrefix("+") ? String(text.dropFirst()) : text), v.isFinite else { return nil }
        return v
    }
}
