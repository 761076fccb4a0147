/// A material the plant makes or uses (ISA-95 material definition), as master data in the plant model.
public struct MaterialDefinition: Hashable, Sendable, Codable {
    /// The material id orders and material events name (`material`).
    public var id: String
    public var description: String?
    /// The base unit of measure (`KG`, `EA`).
    public var unitOfMeasure: String?
    /// Further properties as the source system names them (`HazardousMaterialWarning: C, XN`).
    public var properties: [String: String]?

    /// A definition from its parts.
    public init(id: String, description: String? = nil, unitOfMeasure: String? = nil, properties: [String: String]? = nil) {
        self.id = id
        self.description = description
        self.unitOfMeasure = unitOfMeasure
        self.properties = properties
    }
}

/// A lot of a material (ISA-95 material lot): its status and properties, as master data in the plant model.
public struct MaterialLot: Hashable, Sendable, Codable {
    public var id: String
    /// The material definition it is a lot of, when the source says.
    public var material: String?
    /// The lot's status as the source system states it (`Valid`, `Quarantine`).
    public var status: String?
    public var quantity: Double?
    public var unitOfMeasure: String?
    /// Further properties (`ExpiryDate: 2013-12-08T00:00:00.0Z`).
    public var properties: [String: String]?

    /// A lot from its parts.
    public init(
        id: String, material: String? = nil, status: String? = nil, quantity: Double? = nil,
        unitOfMeasure: String? = nil, properties: [String: String]? = nil
    ) {
        self.id = id
        self.material = material
        self.status = status
        self.quantity = quantity
        self.unitOfMeasure = unitOfMeasure
        self.properties = properties
    }
}
