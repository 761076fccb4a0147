/// A kind of MOM data whose ownership the blueprint records: a standard object (``standard``) or a custom one
/// declared in the blueprint's `dataObjects`.
///
/// In `blueprint.yaml` an entry with a standard id overrides that object's exposure weights one by one; an entry
/// with a new id declares a custom object (weights default to 1 each).
public struct BlueprintDataObject: Hashable, Sendable, Codable {
    /// Identifier used everywhere in the blueprint, e.g. `workOrder`.
    public var id: String
    /// Plain words, e.g. "work order".
    public var name: String?
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
        id: String, name: String? = nil, safety: Int? = nil, quality: Int? = nil, regulatory: Int? = nil,
        regimes: [String]? = nil
    ) {
        self.id = id
        self.name = name
        self.safety = safety
        self.quality = quality
        self.regulatory = regulatory
        self.regimes = regimes
    }

    /// This entry's weights laid over `base` (the standard default, or 1/1/1 for a custom object).
    public func exposure(over base: BlueprintExposure) -> BlueprintExposure {
        BlueprintExposure(
            safety: safety ?? base.safety, quality: quality ?? base.quality,
            regulatory: regulatory ?? base.regulatory, regimes: regimes ?? base.regimes)
    }

    /// The standard objects, with their names and aerospace default exposure.
    public static let standard: [(id: String, name: String, exposure: BlueprintExposure)] = [
        ("workOrder", "work order", .init(safety: 2, quality: 3, regulatory: 3, regimes: ["AS9100", "Part 21"])),
        ("routing", "routing", .init(safety: 3, quality: 3, regulatory: 3, regimes: ["AS9100", "Part 21"])),
        ("bom", "bill of materials", .init(safety: 2, quality: 3, regulatory: 3, regimes: ["AS9100", "Part 21"])),
        ("workInstruction", "work instruction", .init(safety: 3, quality: 3, regulatory: 3, regimes: ["AS9100"])),
        ("materialLot", "material lot", .init(safety: 2, quality: 3, regulatory: 3, regimes: ["AS9100"])),
        (
            "serialGenealogy", "serial genealogy",
            .init(safety: 3, quality: 3, regulatory: 3, regimes: ["AS9100", "Part 21"])
        ),
        ("ncr", "nonconformance report", .init(safety: 3, quality: 3, regulatory: 3, regimes: ["AS9100"])),
        ("capa", "corrective and preventive action", .init(safety: 2, quality: 3, regulatory: 3, regimes: ["AS9100"])),
        ("calibrationRecord", "calibration record", .init(safety: 2, quality: 3, regulatory: 3, regimes: ["AS9100"])),
        (
            "maintenanceWorkOrder", "maintenance work order",
            .init(safety: 2, quality: 2, regulatory: 2, regimes: ["Part 145"])
        ),
        (
            "inspectionResult", "inspection result",
            .init(safety: 3, quality: 3, regulatory: 3, regimes: ["AS9100", "AS9102", "Part 11"])
        ),
        (
            "personnelQualification", "personnel qualification",
            .init(safety: 2, quality: 3, regulatory: 3, regimes: ["AS9100", "NADCAP"])
        ),
        ("kpiDefinition", "KPI definition", .init(safety: 0, quality: 1, regulatory: 1, regimes: ["AS9100"])),
        ("shiftCalendar", "shift calendar", .init(safety: 0, quality: 1, regulatory: 0)),
        ("energyReading", "energy reading", .init(safety: 0, quality: 0, regulatory: 1, regimes: ["ISO 50001"])),
    ]

    /// Exposure of a custom object that gives no weights.
    public static let customDefault = BlueprintExposure(safety: 1, quality: 1, regulatory: 1)
}
