/// How the systems of one site use one data object: its system of record and who creates, reads, updates or
/// only references it.
///
/// ```yaml
/// - object: workOrder
///   systemOfRecord: erp-sap          # one id, or a list when several systems claim it (a conflict)
///   create: [erp-sap]
///   update: [mes-opcenter]
///   read: [cmms-maximo]
/// ```
public struct BlueprintDataObjectUse: Hashable, Sendable, Codable {
    /// A standard data object id (``BlueprintDataObject/standard``) or a custom one from the blueprint.
    public var object: String
    /// The system(s) claiming to be the system of record; exactly one is healthy.
    public var systemOfRecord: [String]
    /// Systems that create instances of the object.
    public var create: [String]
    /// Systems that read it.
    public var read: [String]
    /// Systems that change it (a system other than the system of record is a finding).
    public var update: [String]
    /// Systems that only refer to it by id.
    public var reference: [String]

    /// Creates a value from its parts.
    public init(
        object: String, systemOfRecord: [String], create: [String] = [], read: [String] = [], update: [String] = [],
        reference: [String] = []
    ) {
        self.object = object
        self.systemOfRecord = systemOfRecord
        self.create = create
        self.read = read
        self.update = update
        self.reference = reference
    }

    enum CodingKeys: String, CodingKey { case object, systemOfRecord, create, read, update, reference }

    /// Decodes the YAML/JSON form; absent lists decode as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        object = try c.decode(String.self, forKey: .object)
        if let list = try? c.decodeIfPresent([String].self, forKey: .systemOfRecord) {
            systemOfRecord = list
        } else {
            systemOfRecord = try c.decodeIfPresent(String.self, forKey: .systemOfRecord).map { [$0] } ?? []
        }
        create = try c.decodeIfPresent([String].self, forKey: .create) ?? []
        read = try c.decodeIfPresent([String].self, forKey: .read) ?? []
        update = try c.decodeIfPresent([String].self, forKey: .update) ?? []
        reference = try c.decodeIfPresent([String].self, forKey: .reference) ?? []
    }

    /// Every system named in any role, with its roles, in first-mention order.
    public var roles: [(system: String, roles: [DataObjectRole])] {
        var order: [String] = []
        var map: [String: [DataObjectRole]] = [:]
        for (role, systems) in [
            (DataObjectRole.systemOfRecord, systemOfRecord), (.create, create), (.read, read), (.update, update),
            (.reference, reference),
        ] {
            for s in systems {
                if map[s] == nil { order.append(s) }
                if map[s, default: []].contains(role) == false { map[s, default: []].append(role) }
            }
        }
        return order.map { ($0, map[$0] ?? []) }
    }

    /// Systems that write the object (system of record, create or update): the ones that can supply data from it.
    public var writers: [String] {
        var seen = Set<String>()
        return (systemOfRecord + create + update).filter { seen.insert($0).inserted }
    }
}

/// What a system does with a data object.
public enum DataObjectRole: String, Hashable, Sendable, Codable, CaseIterable {
    case systemOfRecord, create, read, update, reference
}
