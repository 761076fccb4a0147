/// An override of one activity cell's exposure weights; absent weights keep the aerospace default.
public struct BlueprintActivityExposure: Hashable, Sendable, Codable {
    /// The cell, `category/activity`.
    public var activity: String
    /// Safety weight 0…3; nil keeps the default.
    public var safety: Int?
    /// Product quality weight 0…3; nil keeps the default.
    public var quality: Int?
    /// Regulatory weight 0…3; nil keeps the default.
    public var regulatory: Int?
    /// Named regulatory regimes; nil keeps the default list.
    public var regimes: [String]?

    /// Creates a value from its parts.
    public init(
        activity: String, safety: Int? = nil, quality: Int? = nil, regulatory: Int? = nil, regimes: [String]? = nil
    ) {
        self.activity = activity
        self.safety = safety
        self.quality = quality
        self.regulatory = regulatory
        self.regimes = regimes
    }

    /// These weights laid over `base`.
    public func exposure(over base: BlueprintExposure) -> BlueprintExposure {
        BlueprintExposure(
            safety: safety ?? base.safety, quality: quality ?? base.quality,
            regulatory: regulatory ?? base.regulatory, regimes: regimes ?? base.regimes)
    }
}
