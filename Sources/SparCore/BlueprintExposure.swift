/// How much a MOM activity or a data object matters if it goes wrong: safety, product quality and regulatory
/// weights from 0 (none) to 3 (high), and the regimes that make it regulated (Part 11, AS9100, Part 145, …).
///
/// A gap's score is its severity times ``total``, so these weights decide the ranking of the analysis.
public struct BlueprintExposure: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Weight 0…3 for harm to people or airworthiness if this goes wrong.
    public var safety: Int
    /// Weight 0…3 for harm to product conformity.
    public var quality: Int
    /// Weight 0…3 for regulatory exposure (records, approvals, audits).
    public var regulatory: Int
    /// Named regulatory regimes, e.g. `AS9100`, `Part 21`, `Part 145`, `Part 11`.
    public var regimes: [String]

    /// The allowed range of each weight.
    public static let weights = 0...3

    /// Creates a value from its parts.
    public init(safety: Int, quality: Int, regulatory: Int, regimes: [String] = []) {
        self.safety = safety
        self.quality = quality
        self.regulatory = regulatory
        self.regimes = regimes
    }

    /// safety + quality + regulatory (0…9).
    public var total: Int { safety + quality + regulatory }

    /// `7 (safety 2, quality 3, regulatory 2: AS9100, Part 11)`.
    public var description: String {
        "\(total) (safety \(safety), quality \(quality), regulatory \(regulatory)"
            + (regimes.isEmpty ? "" : ": " + regimes.joined(separator: ", ")) + ")"
    }

    /// The weights that are outside ``weights``, as `(field, value)`.
    public var outOfRange: [(String, Int)] {
        [("safety", safety), ("quality", quality), ("regulatory", regulatory)].filter { !Self.weights.contains($0.1) }
    }
}
