/// Which KPI definition version answers a query: the one asked for, else the site's pinned version for a scope
/// inside one site, else the ledger's canonical version in force.
public struct KPIDefinitionPolicy: Sendable, Hashable {
    /// The canonical version in force (master data under change control).
    public var inForce: String
    /// Sites still validated on another version (the blueprint's `kpiDefinition` per site).
    public var sitePins: [String: String]

    public init(inForce: String, sitePins: [String: String] = [:]) {
        self.inForce = inForce
        self.sitePins = sitePins
    }

    /// The version for `scope` (an equipment path; its second component is the site), or why it cannot be given.
    public func definition(for scope: EquipmentPath, requested: String? = nil) throws(KPIQueryError) -> KPIDefinitionVersion {
        let id = requested ?? (scope.components.count >= 2 ? sitePins[scope.components[1]] : nil) ?? inForce
        guard let version = KPICatalogue.version(id) else {
            throw KPIQueryError(
                .unknownDefinition, field: "definition",
                reason: "'\(id)' is not a KPI definition version; known: \(KPICatalogue.versions.map(\.id).joined(separator: ", "))")
        }
        return version
    }

    /// The policy with the site pins of `blueprint` (nil: none).
    public func pinning(_ blueprint: Blueprint?) -> KPIDefinitionPolicy {
        var copy = self
        for site in blueprint?.sites ?? [] {
            if let d = site.kpiDefinition { copy.sitePins[site.id] = d }
        }
        return copy
    }
}
