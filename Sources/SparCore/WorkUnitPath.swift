/// A path in the equipment hierarchy: `enterprise/site/area/workCenter/workUnit` or any prefix of it.
public struct EquipmentPath: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let components: [String]
    /// The components joined by `/`, kept beside them: paths are compared, hashed and printed on every event.
    public let description: String

    public init(_ text: String) {
        components = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        description = text
    }

    public init(components: [String]) {
        self.components = components
        description = components.joined(separator: "/")
    }

    public static func == (a: EquipmentPath, b: EquipmentPath) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    /// 1 = enterprise, 2 = site, 3 = area, 4 = work center, 5 = work unit.
    public var depth: Int { components.count }
    public var isWorkUnit: Bool { components.count == 5 }

    /// The site component of a path below the enterprise; nil for the enterprise itself.
    public var siteID: String? { components.count >= 2 ? components[1] : nil }

    public func isPrefix(of other: EquipmentPath) -> Bool {
        other.components.count >= components.count && Array(other.components.prefix(components.count)) == components
    }

    public func appending(_ component: String) -> EquipmentPath { EquipmentPath(components: components + [component]) }

    public var parent: EquipmentPath? {
        components.count > 1 ? EquipmentPath(components: Array(components.dropLast())) : nil
    }

    public static func < (a: EquipmentPath, b: EquipmentPath) -> Bool { a.description < b.description }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// The resolved facts Spar needs about one work unit.
public struct ResolvedWorkUnit: Hashable, Sendable {
    public var path: EquipmentPath
    public var siteID: String
    public var timeZone: String
    /// Nearest calendar up the path; nil means scheduled around the clock.
    public var calendarID: String?
    /// Rated capacity, units per hour (``WorkUnit/ratedRate``).
    public var ratedRate: Double? = nil
}

extension PlantModel {
    /// Every work unit with its nearest calendar (unit > work center > area > site), in model order.
    public var resolvedWorkUnits: [ResolvedWorkUnit] {
        var out: [ResolvedWorkUnit] = []
        for site in sites {
            for area in site.areas {
                for wc in area.workCenters {
                    for unit in wc.workUnits {
                        out.append(
                            ResolvedWorkUnit(
                                path: EquipmentPath(components: [enterprise, site.id, area.id, wc.id, unit.id]),
                                siteID: site.id,
                                timeZone: site.timeZone,
                                calendarID: unit.calendar ?? wc.calendar ?? area.calendar ?? site.calendar,
                                ratedRate: unit.ratedRate))
                    }
                }
            }
        }
        return out
    }

    /// Every path in the hierarchy (enterprise, sites, areas, work centers, units), parents first.
    public var allPaths: [EquipmentPath] {
        var out = [EquipmentPath(components: [enterprise])]
        for site in sites {
            let s = EquipmentPath(components: [enterprise, site.id])
            out.append(s)
            for area in site.areas {
                let a = s.appending(area.id)
                out.append(a)
                for wc in area.workCenters {
                    let w = a.appending(wc.id)
                    out.append(w)
                    for unit in wc.workUnits { out.append(w.appending(unit.id)) }
                }
            }
        }
        return out
    }

    public func calendar(id: String) -> WorkCalendar? { calendars.first { $0.id == id } }
    public func reason(code: String) -> ReasonCode? { reasons.first { $0.code == code } }
    public func system(id: String) -> SourceSystem? { systems.first { $0.id == id } }
}
